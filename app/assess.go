package app

import (
	"context"
	"fmt"

	"civicgrid"
	"civicgrid/assess"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
)

// IndicatorQuery asks for the indicators of a unit for a period.
type IndicatorQuery struct {
	Unit    string
	Period  assess.Period
	Weights assess.Weights // zero: assess.DefaultWeights
	// Subtree asks for every unit below the unit, not only its direct children.
	Subtree bool
	// FromHistories folds every history in scope instead of adding up the roll-ups: the reference
	// computation, which a day-aligned period does not otherwise need.
	FromHistories bool
}

// IndicatorReport is the indicators of a unit and of the units below it.
type IndicatorReport struct {
	Period  assess.Period       `json:"period"`
	Weights assess.Weights      `json:"weights"`
	Unit    assess.Indicators   `json:"unit"`
	Units   []assess.Indicators `json:"units"` // the direct children, or the whole subtree, ordered by path
	// Cases is the number of case histories read: every one in scope when the report is folded
	// from the histories; when it is added up from the roll-ups, only the cases falling due later
	// on the current day of a period in progress.
	Cases int `json:"cases_read"`
}

// visibleUnit finds a unit the principal may see: one inside a subtree the principal is granted.
// A unit outside answers "not found", as a case would, and the attempt is logged.
func (a *App) visibleUnit(ctx context.Context, p Principal, id, what string) (*org.Unit, error) {
	u, ok := a.Config().Tree.Unit(id)
	if !ok {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "unit %s not found", id).WithDetail("field", "unit")
	}
	scopes := p.Scopes()
	if scopes == nil {
		return u, nil
	}
	for _, s := range scopes {
		if org.Contains(s, u.Path) {
			return u, nil
		}
	}
	return nil, a.deny(ctx, p, "unit/"+id, what+" outside scope", civicgrid.Errorf(civicgrid.ENOTFOUND, "unit %s not found", id).WithDetail("field", "unit"))
}

// Indicators computes the indicators of a unit the principal may see, and of its direct children
// (or its whole subtree): added up from the roll-ups for a day-aligned period, else folded from
// the histories of the cases in scope (see indicators).
func (a *App) Indicators(ctx context.Context, p Principal, q IndicatorQuery) (*IndicatorReport, error) {
	u, err := a.visibleUnit(ctx, p, q.Unit, "indicators")
	if err != nil {
		return nil, err
	}
	if q.Weights == (assess.Weights{}) {
		q.Weights = assess.DefaultWeights
	}
	cfg := a.Config()
	units := []assess.Unit{assess.UnitOf(u)}
	if q.Subtree {
		for _, c := range cfg.Tree.All() {
			if c.ID != u.ID && org.Contains(u.Path, c.Path) {
				units = append(units, assess.UnitOf(c))
			}
		}
	} else {
		for _, c := range cfg.Tree.Children(u.ID) {
			units = append(units, assess.UnitOf(c))
		}
	}
	res, read, err := a.indicators(ctx, units, u.Path, q.Period, q.Weights, q.FromHistories)
	if err != nil {
		return nil, fmt.Errorf("indicators of %s: %w", u.ID, err)
	}
	return &IndicatorReport{Period: q.Period, Weights: q.Weights, Unit: res[0], Units: res[1:], Cases: read}, nil
}

// indicators computes the indicators of the units for the period, and says how many case
// histories it read. scope is the path of a unit whose subtree holds them all.
//
// A day-aligned period (every named period, and a custom range from midnight to midnight) is added
// up from the roll-ups once they are built: the sums of the rows that count in it, less, in a
// period in progress, the dues later on the current day, which only the cases' own items can tell
// (the cases with a deadline mark planned then). Any other period, a database whose roll-ups are
// still to be built, and fromHistories fold the histories of the cases in scope.
func (a *App) indicators(ctx context.Context, units []assess.Unit, scope string, period assess.Period, w assess.Weights, fromHistories bool) ([]assess.Indicators, int, error) {
	opt := assess.Options{Period: period, Calendar: a.Config().Calendar, Weights: w, Now: a.Clock.Now()}
	agg, err := assess.NewAggregator(units, opt)
	if err != nil {
		return nil, 0, err
	}
	from, to, aligned := period.Days()
	ready := false
	if aligned && !fromHistories {
		if ready, err = a.DB.RollupsReady(ctx); err != nil {
			return nil, 0, err
		}
	}
	if !ready {
		err = a.DB.EachHistory(ctx, store.HistoryScope{Path: scope, From: period.From, To: period.To}, func(events []casework.Event) error {
			f, err := assess.Fold(events)
			if err != nil {
				return err
			}
			return agg.Add(&f)
		})
		return agg.Result(), agg.Cases(), err
	}
	sums, err := a.DB.RollupSums(ctx, from, to, agg.DueBefore())
	if err != nil {
		return nil, 0, err
	}
	for _, s := range sums {
		if err := agg.AddRollup(s.Unit, s.Counter, s.N); err != nil {
			return nil, 0, err
		}
	}
	read := 0
	if now := opt.Now; !now.Before(period.From) && now.Before(period.To) {
		end := assess.DayStart(assess.DayOf(now) + 1)
		if end.After(period.To) {
			end = period.To
		}
		cases, err := a.DB.RollupItemsDue(ctx, now, end)
		if err != nil {
			return nil, 0, err
		}
		for _, items := range cases {
			for _, it := range items {
				if agg.Uncome(it) {
					if err := agg.AddRollup(it.Unit, it.Counter, -it.N); err != nil {
						return nil, 0, err
					}
				}
			}
		}
		read = len(cases)
	}
	return agg.Result(), read, nil
}

// ExportCases calls fn with every case of the filter the principal may see, newest first, and logs
// the export in the audit trail.
func (a *App) ExportCases(ctx context.Context, p Principal, f store.CaseFilter, format string, fn func(c *casework.Case) error) error {
	f.Scopes = p.Scopes()
	if err := a.DB.Audit(ctx, store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "export", Object: "cases." + format,
		Detail: exportDetail(f)}); err != nil {
		return err
	}
	return a.DB.EachCase(ctx, f, fn)
}

// CountCases counts the cases of the filter the principal may see.
func (a *App) CountCases(ctx context.Context, p Principal, f store.CaseFilter) (int, error) {
	f.Scopes = p.Scopes()
	return a.DB.CountAll(ctx, f)
}

// LedgerNames resolves unit and matter codes to their names for ledgers.
func (a *App) LedgerNames() assess.Names {
	cfg := a.Config()
	return assess.Names{
		Unit: func(id string) (string, bool) {
			u, ok := cfg.Tree.Unit(id)
			if !ok {
				return "", false
			}
			return u.Name, true
		},
		Matter: func(code string) (string, bool) {
			m, ok := cfg.Matters[code]
			if !ok {
				return "", false
			}
			return m.NameZh, true
		},
	}
}

// exportDetail records what an export selected.
func exportDetail(f store.CaseFilter) string {
	s := fmt.Sprintf("states=%v matter_codes=%v channel=%s within=%s assignee=%s light=%s", f.States, f.MatterCodes, f.Channel, f.Within, f.AssigneePath, f.Light)
	if f.Overdue != nil {
		s += fmt.Sprintf(" overdue=%v", *f.Overdue)
	}
	if !f.ReportedFrom.IsZero() || !f.ReportedTo.IsZero() {
		s += fmt.Sprintf(" reported=[%s,%s)", f.ReportedFrom.Format("2006-01-02T15:04:05Z07:00"), f.ReportedTo.Format("2006-01-02T15:04:05Z07:00"))
	}
	if !f.UpdatedAfter.IsZero() {
		s += " updated_after=" + f.UpdatedAfter.Format("2006-01-02T15:04:05Z07:00")
	}
	return s
}
