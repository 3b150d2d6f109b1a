package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"civicgrid"
	"civicgrid/assess"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
)

// Schemes are every assessment scheme: the versions defined in code (version 0 of each kind) and
// the versions stored since, by kind, then version.
func (a *App) Schemes(ctx context.Context) ([]assess.Scheme, error) {
	stored, err := a.DB.StoredSchemes(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(assess.DefaultSchemes)
	out = append(out, stored...)
	order := map[assess.RankingKind]int{}
	for i, k := range assess.Kinds {
		order[k] = i
	}
	slices.SortStableFunc(out, func(x, y assess.Scheme) int {
		if d := order[x.Kind] - order[y.Kind]; d != 0 {
			return d
		}
		return x.Version - y.Version
	})
	return out, nil
}

// SchemeInForce is the scheme of the kind in force for the period: the one of the latest
// valid-from on or before the period's start.
func (a *App) SchemeInForce(ctx context.Context, kind assess.RankingKind, period assess.Period) (assess.Scheme, error) {
	schemes, err := a.Schemes(ctx)
	if err != nil {
		return assess.Scheme{}, err
	}
	s, ok := assess.SchemeFor(schemes, kind, period.From)
	if !ok {
		return assess.Scheme{}, civicgrid.Errorf(civicgrid.EINVALID, "no %s scheme was in force in %s", kind, assess.PeriodLabel(period)).WithDetail("field", "period")
	}
	return s, nil
}

// IsRootAdmin reports whether the principal is an administrator of a root of the unit tree.
func (a *App) IsRootAdmin(p Principal) bool {
	if p.User == nil {
		return false
	}
	tree := a.Config().Tree
	for _, g := range p.User.Grants {
		if u, ok := tree.Unit(g.Unit); ok && g.Role == org.RoleAdmin && u.Parent == "" {
			return true
		}
	}
	return false
}

// AddScheme stores a new version of a scheme, taking effect from the start of its valid-from
// month: only an administrator of the root unit may, and only from the current month on, so that
// a month already over keeps the scheme it was scored by. Earlier versions are never changed.
func (a *App) AddScheme(ctx context.Context, p Principal, s assess.Scheme) (*assess.Scheme, error) {
	if !a.IsRootAdmin(p) {
		return nil, a.deny(ctx, p, "assessment_scheme/"+string(s.Kind), "scheme change without root admin",
			civicgrid.Errorf(civicgrid.EFORBIDDEN, "only an administrator of the root unit changes assessment schemes"))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if now := assess.MonthOf(a.Clock.Now()); s.ValidFrom.Before(now.From) {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a new version takes effect from the current month (%s) or later, not %s: a past month keeps the scheme it was scored by",
			now.Name, assess.MonthOf(s.ValidFrom).Name).WithDetail("field", "valid_from")
	}
	s.ValidFrom = s.ValidFrom.In(assess.MonthOf(s.ValidFrom).From.Location())
	s.CreatedBy = p.Name()
	audit := store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "assessment_scheme",
		Detail: fmt.Sprintf("new %s scheme %q from %s", s.Kind, s.Name, assess.MonthOf(s.ValidFrom).Name)}
	if err := a.DB.AddScheme(ctx, &s, audit); err != nil {
		return nil, err
	}
	return &s, nil
}

// unitScoring holds what the unit criteria need beyond the indicators.
type unitScoring struct {
	evaluations  map[string][]float64 // by rated unit path
	satisfaction *assess.UnitSatisfaction
	vetoes       []store.VetoEntry
}

// scoreUnits scores units for one period under a scheme of a unit kind: their indicators, the
// evaluations they were given, the residents' satisfaction with their closures (read only when the
// scheme weighs it) and the veto entries against them or the units below them.
func (a *App) scoreUnits(ctx context.Context, units []assess.Unit, period assess.Period, s assess.Scheme) ([]assess.Indicators, []assess.Composite, error) {
	xs, err := a.memoIndicators(ctx, units, period)
	if err != nil {
		return nil, nil, err
	}
	if len(units) == 0 {
		return nil, nil, nil
	}
	paths := make([]string, len(units))
	for i, u := range units {
		paths[i] = u.Path
	}
	var sc unitScoring
	if s.Weighs(assess.CritEvaluation) {
		evs, err := a.DB.Evaluations(ctx, store.EvaluationFilter{Period: period.Name}, a.unitPath)
		if err != nil {
			return nil, nil, err
		}
		sc.evaluations = map[string][]float64{}
		for _, e := range evs {
			sc.evaluations[e.TargetPath] = append(sc.evaluations[e.TargetPath], e.Score)
		}
	}
	if s.Weighs(assess.CritDeptSatisfaction) {
		sc.satisfaction = assess.NewUnitSatisfaction(period)
		scope := commonPath(paths)
		err := a.DB.EachHistory(ctx, store.HistoryScope{Path: scope, From: period.From, To: period.To}, func(events []casework.Event) error {
			f, err := assess.Fold(events)
			if err != nil {
				return err
			}
			sc.satisfaction.Add(&f)
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("satisfaction under %s: %w", scope, err)
		}
	}
	if len(s.Vetoes) > 0 && period.Name != "" {
		if sc.vetoes, err = a.DB.Vetoes(ctx, store.VetoFilter{Period: period.Name, Paths: paths}); err != nil {
			return nil, nil, err
		}
	}
	median := assess.MedianVolume(xs)
	out := make([]assess.Composite, len(xs))
	for i, x := range xs {
		var eval, sat *float64
		if sc.evaluations != nil {
			eval = meanUnder(sc.evaluations, x.Unit.Path)
		}
		if sc.satisfaction != nil {
			sat = sc.satisfaction.Rate(x.Unit.Path)
		}
		out[i] = s.Score(assess.UnitValues(x, median, eval, sat))
		var codes []string
		for _, v := range sc.vetoes {
			if org.Contains(x.Unit.Path, v.UnitPath) {
				codes = append(codes, v.Item)
			}
		}
		s.ApplyVetoes(&out[i], codes)
	}
	return xs, out, nil
}

// meanUnder is the mean of the scores given to units in the subtree of path; nil without any.
func meanUnder(scores map[string][]float64, path string) *float64 {
	sum, n := 0.0, 0
	for p, xs := range scores {
		if org.Contains(path, p) {
			for _, x := range xs {
				sum += x
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	m := sum / float64(n)
	return &m
}

// unitPath is the path of a unit code, or "" when the tree has no such unit.
func (a *App) unitPath(id string) string {
	if u, ok := a.Config().Tree.Unit(id); ok {
		return u.Path
	}
	return ""
}

// rankedUnits are the units a ranking of the kind compares below unit u: its territorial children,
// the departments serving it, or the streets and towns of its subtree (u itself when it is one).
func (a *App) rankedUnits(u *org.Unit, kind assess.RankingKind) []assess.Unit {
	cfg := a.Config()
	var units []assess.Unit
	switch kind {
	case assess.RankTerritory:
		for _, c := range cfg.Tree.Children(u.ID) {
			if c.Kind != org.Department {
				units = append(units, assess.UnitOf(c))
			}
		}
	case assess.RankDepartment:
		for _, c := range cfg.Tree.All() {
			if c.Kind == org.Department && c.Territory == u.ID {
				units = append(units, assess.UnitOf(c))
			}
		}
	case assess.RankStreet:
		for _, c := range cfg.Tree.All() {
			if (c.Kind == org.Street || c.Kind == org.Town) && org.Contains(u.Path, c.Path) {
				units = append(units, assess.UnitOf(c))
			}
		}
	}
	slices.SortFunc(units, func(x, y assess.Unit) int { return strings.Compare(x.Path, y.Path) })
	return units
}

// indicatorMemo keeps the indicators computed for one request, so that a report ranking the same
// units under two schemes reads their histories once per month.
type indicatorMemo struct {
	sets map[string][]assess.Indicators
}

type memoKey struct{}

// withIndicatorMemo returns a context whose unit scoring remembers the indicators it computes.
func withIndicatorMemo(ctx context.Context) (context.Context, *indicatorMemo) {
	m := &indicatorMemo{sets: map[string][]assess.Indicators{}}
	return context.WithValue(ctx, memoKey{}, m), m
}

// find returns the indicators of a unit for a period if the memo holds them.
func (m *indicatorMemo) find(id string, period assess.Period) (assess.Indicators, bool) {
	for k, xs := range m.sets {
		if !strings.HasPrefix(k, period.From.String()+"|") {
			continue
		}
		for _, x := range xs {
			if x.Unit.ID == id {
				return x, true
			}
		}
	}
	return assess.Indicators{}, false
}

// memoIndicators is indicatorsOf, through the context's memo when there is one.
func (a *App) memoIndicators(ctx context.Context, units []assess.Unit, period assess.Period) ([]assess.Indicators, error) {
	m, _ := ctx.Value(memoKey{}).(*indicatorMemo)
	if m == nil {
		return a.indicatorsOf(ctx, units, period, assess.DefaultWeights)
	}
	var key strings.Builder
	key.WriteString(period.From.String() + "|" + period.To.String())
	for _, u := range units {
		key.WriteString("|" + u.ID)
	}
	if xs, ok := m.sets[key.String()]; ok {
		return xs, nil
	}
	xs, err := a.indicatorsOf(ctx, units, period, assess.DefaultWeights)
	if err == nil {
		m.sets[key.String()] = xs
	}
	return xs, err
}
