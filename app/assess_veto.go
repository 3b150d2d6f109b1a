package app

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"civicgrid"
	"civicgrid/assess"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
)

// One-vote veto (一票否决) entries and bottom-up evaluations (下对上, 块对条): both are entered by
// people, kept with who entered them and when, and audited.

// Limits of veto entries and evaluations.
const (
	MaxEvidenceChars = 2000
	MaxVetoMedia     = 10
	MaxDocumentChars = 200
	MaxReasonChars   = 500
	MaxCommentChars  = 500
)

// VetoInput is a veto entry to record.
type VetoInput struct {
	Unit     string   `json:"unit"`
	Period   string   `json:"period"` // a month, e.g. 2026-03
	Item     string   `json:"item"`
	Evidence string   `json:"evidence"`
	Media    []string `json:"media"`
	Document string   `json:"document"`
}

// monthOf reads a month that has begun.
func (a *App) monthOf(s, field string) (assess.Period, error) {
	p, err := assess.ParsePeriod(s)
	if m := assess.MonthOf(p.From); err != nil || !m.From.Equal(p.From) || !m.To.Equal(p.To) {
		return assess.Period{}, civicgrid.Errorf(civicgrid.EINVALID, "%s must be a month such as 2026-03", field).WithDetail("field", field)
	}
	if p.From.After(a.Clock.Now()) {
		return assess.Period{}, civicgrid.Errorf(civicgrid.EINVALID, "%s %s has not begun", field, s).WithDetail("field", field)
	}
	return p, nil
}

// grantAbove reports whether the principal holds one of the roles over a unit strictly above the
// unit at path: nobody enters or withdraws a veto against their own unit.
func grantAbove(p Principal, path string, roles ...org.Role) bool {
	if p.User == nil {
		return false
	}
	for _, g := range p.User.Grants {
		if slices.Contains(roles, g.Role) && g.UnitPath != path && org.Contains(g.UnitPath, path) {
			return true
		}
	}
	return false
}

// AddVeto records a veto entry against a territorial unit for a month that has begun: an
// administrator or leader of a unit above it enters it, naming an item a unit scheme in force that
// month knows, with evidence — a text and media or a document reference.
func (a *App) AddVeto(ctx context.Context, p Principal, in VetoInput) (*store.VetoEntry, error) {
	u, err := a.visibleUnit(ctx, p, in.Unit, "veto entry")
	if err != nil {
		return nil, err
	}
	if !grantAbove(p, u.Path, org.RoleAdmin, org.RoleLeader) {
		return nil, a.deny(ctx, p, "unit/"+u.ID, "veto entry without admin or leader role above the unit",
			civicgrid.Errorf(civicgrid.EFORBIDDEN, "a veto is entered by an administrator or leader of a unit above %s", u.ID))
	}
	if u.Kind == org.Department {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "veto items are entered against territorial units, not department %s", u.ID).WithDetail("field", "unit")
	}
	period, err := a.monthOf(in.Period, "period")
	if err != nil {
		return nil, err
	}
	known := false
	var items []string
	for _, k := range []assess.RankingKind{assess.RankStreet, assess.RankTerritory, assess.RankDepartment} {
		s, err := a.SchemeInForce(ctx, k, period)
		if err != nil {
			return nil, err
		}
		known = known || s.HasVeto(in.Item)
		for _, v := range s.Vetoes {
			items = append(items, v.Code)
		}
	}
	if !known {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "item %q is not a veto item of the schemes in force in %s (%s)", in.Item, period.Name, strings.Join(items, ", ")).WithDetail("field", "item")
	}
	in.Evidence = strings.TrimSpace(in.Evidence)
	if in.Evidence == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "evidence is needed: what happened, where and when").WithDetail("field", "evidence")
	}
	if err := civicgrid.CheckText("evidence", in.Evidence, MaxEvidenceChars); err != nil {
		return nil, err
	}
	if err := civicgrid.CheckText("document", in.Document, MaxDocumentChars); err != nil {
		return nil, err
	}
	if len(in.Media) > MaxVetoMedia {
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "at most %d media per veto entry", MaxVetoMedia).WithDetail("field", "media")
	}
	if len(in.Media) == 0 && strings.TrimSpace(in.Document) == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a veto needs supporting media or a document reference besides the text").WithDetail("field", "media")
	}
	for _, id := range in.Media {
		if _, err := a.DB.MediaInfo(ctx, id); err != nil {
			if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
				return nil, civicgrid.Errorf(civicgrid.EINVALID, "media %q was not uploaded", id).WithDetail("field", "media")
			}
			return nil, err
		}
	}
	if in.Media == nil {
		in.Media = []string{}
	}
	v := &store.VetoEntry{Unit: u.ID, UnitPath: u.Path, Period: period.Name, Item: in.Item, Evidence: in.Evidence, Media: in.Media,
		Document: strings.TrimSpace(in.Document), CreatedBy: p.Name()}
	audit := store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "assessment_veto", Detail: fmt.Sprintf("enter %s against %s for %s", in.Item, u.ID, period.Name)}
	if err := a.DB.AddVeto(ctx, v, audit); err != nil {
		return nil, err
	}
	return v, nil
}

// WithdrawVeto withdraws a veto entry, with a reason; the same people who may enter it may.
func (a *App) WithdrawVeto(ctx context.Context, p Principal, id int64, reason string) (*store.VetoEntry, error) {
	v, err := a.DB.Veto(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := a.visibleUnit(ctx, p, v.Unit, "veto withdrawal"); err != nil {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "veto entry %d not found", id)
	}
	if !grantAbove(p, v.UnitPath, org.RoleAdmin, org.RoleLeader) {
		return nil, a.deny(ctx, p, fmt.Sprintf("assessment_veto/%d", id), "veto withdrawal without admin or leader role above the unit",
			civicgrid.Errorf(civicgrid.EFORBIDDEN, "a veto is withdrawn by an administrator or leader of a unit above %s", v.Unit))
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "say why the veto is withdrawn").WithDetail("field", "reason")
	}
	if err := civicgrid.CheckText("reason", reason, MaxReasonChars); err != nil {
		return nil, err
	}
	audit := store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "assessment_veto", Detail: fmt.Sprintf("withdraw %s against %s for %s: %s", v.Item, v.Unit, v.Period, reason)}
	return a.DB.WithdrawVeto(ctx, id, p.Name(), reason, audit)
}

// Vetoes lists the veto entries against a unit the principal may see and the units below it, of
// one month or all (period ""), withdrawn ones too when asked.
func (a *App) Vetoes(ctx context.Context, p Principal, unit, period string, withdrawn bool) ([]store.VetoEntry, error) {
	u, err := a.visibleUnit(ctx, p, unit, "veto entries")
	if err != nil {
		return nil, err
	}
	if period != "" {
		if _, err := a.monthOf(period, "period"); err != nil {
			return nil, err
		}
	}
	return a.DB.Vetoes(ctx, store.VetoFilter{Paths: []string{u.Path}, Period: period, Withdrawn: withdrawn})
}

// EvaluationInput is a community's rating of a unit that served it.
type EvaluationInput struct {
	Community string   `json:"community"`
	Unit      string   `json:"unit"`
	Period    string   `json:"period"`
	Score     *float64 `json:"score,omitempty"` // 0–100
	Level     string   `json:"level,omitempty"` // or one of five levels
	Comment   string   `json:"comment"`
}

// EvaluationLevels are the five levels of a rating and the score each stands for.
var EvaluationLevels = map[string]float64{"excellent": 100, "good": 80, "fair": 60, "poor": 40, "bad": 20}

// Evaluable are the units a community may rate for a month: the streets (or towns) above it (下对上)
// and every unit a case of its territory was dispatched to in the month, with the departments above
// it (块对条: a squad, and its bureau).
func (a *App) Evaluable(ctx context.Context, p Principal, community, period string) ([]assess.Unit, error) {
	c, err := a.visibleUnit(ctx, p, community, "evaluation")
	if err != nil {
		return nil, err
	}
	if c.Kind != org.Community {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s is not a community: communities rate the units that served them", c.ID).WithDetail("field", "community")
	}
	month, err := a.monthOf(period, "period")
	if err != nil {
		return nil, err
	}
	return a.evaluable(ctx, c, month)
}

func (a *App) evaluable(ctx context.Context, c *org.Unit, month assess.Period) ([]assess.Unit, error) {
	tree := a.Config().Tree
	seen := map[string]bool{}
	var out []assess.Unit
	add := func(u *org.Unit) {
		if !seen[u.ID] && !org.Contains(c.Path, u.Path) {
			seen[u.ID] = true
			out = append(out, assess.UnitOf(u))
		}
	}
	for _, id := range org.IDsOnPath(c.Path) {
		if u, ok := tree.Unit(id); ok && (u.Kind == org.Street || u.Kind == org.Town) {
			add(u)
		}
	}
	var served []string
	err := a.DB.EachHistory(ctx, store.HistoryScope{Path: c.Path, From: month.From, To: month.To}, func(events []casework.Event) error {
		f, err := assess.Fold(events)
		if err != nil {
			return err
		}
		if !org.Contains(c.Path, f.TerritoryPath) {
			return nil
		}
		for _, d := range f.Dispatches {
			if month.Contains(d.At) && !slices.Contains(served, d.UnitPath) {
				served = append(served, d.UnitPath)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("units serving %s: %w", c.ID, err)
	}
	for _, path := range served {
		for _, id := range org.IDsOnPath(path) {
			if u, ok := tree.Unit(id); ok && u.Kind == org.Department {
				add(u)
			} else if ok && path == u.Path {
				add(u) // a territorial unit that handled the case itself
			}
		}
	}
	slices.SortFunc(out, func(x, y assess.Unit) int { return strings.Compare(x.Path, y.Path) })
	return out, nil
}

// AddEvaluation records a community's rating of a unit that served it in a month that has begun:
// only a leader of the community itself rates, once per unit and month, with a score from 0 to 100
// or one of the five levels.
func (a *App) AddEvaluation(ctx context.Context, p Principal, in EvaluationInput) (*store.Evaluation, error) {
	c, err := a.visibleUnit(ctx, p, in.Community, "evaluation")
	if err != nil {
		return nil, err
	}
	leads := false
	if p.User != nil {
		for _, g := range p.User.Grants {
			leads = leads || (g.Role == org.RoleLeader && g.Unit == c.ID)
		}
	}
	if !leads {
		return nil, a.deny(ctx, p, "unit/"+c.ID, "evaluation without the community's leader role",
			civicgrid.Errorf(civicgrid.EFORBIDDEN, "only a leader of community %s rates on its behalf", c.ID))
	}
	if c.Kind != org.Community {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s is not a community: communities rate the units that served them", c.ID).WithDetail("field", "community")
	}
	month, err := a.monthOf(in.Period, "period")
	if err != nil {
		return nil, err
	}
	var score float64
	switch {
	case in.Score != nil && in.Level != "":
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "give a score or a level, not both").WithDetail("field", "level")
	case in.Score != nil:
		score = *in.Score
		if math.IsNaN(score) || score < 0 || score > 100 {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "score must be from 0 to 100").WithDetail("field", "score")
		}
	case in.Level != "":
		v, ok := EvaluationLevels[in.Level]
		if !ok {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "level must be excellent, good, fair, poor or bad").WithDetail("field", "level")
		}
		score = v
	default:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a rating needs a score (0–100) or a level").WithDetail("field", "score")
	}
	if err := civicgrid.CheckText("comment", in.Comment, MaxCommentChars); err != nil {
		return nil, err
	}
	target, ok := a.Config().Tree.Unit(in.Unit)
	if !ok {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %s does not exist", in.Unit).WithDetail("field", "unit")
	}
	units, err := a.evaluable(ctx, c, month)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(units, func(u assess.Unit) bool { return u.ID == target.ID }) {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s did not serve %s in %s: a community rates its street and the units its cases were sent to", target.ID, c.ID, month.Name).WithDetail("field", "unit")
	}
	e := &store.Evaluation{Period: month.Name, Community: c.ID, Target: target.ID, TargetPath: target.Path, Score: score, Level: in.Level,
		Comment: strings.TrimSpace(in.Comment), CreatedBy: p.Name()}
	audit := store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "assessment_evaluation", Detail: fmt.Sprintf("%s rates %s for %s: %g", c.ID, target.ID, month.Name, score)}
	if err := a.DB.AddEvaluation(ctx, e, audit); err != nil {
		return nil, err
	}
	return e, nil
}

// Evaluations lists the evaluations given by or to units in the subtree of a unit the principal
// may see, of one month or all (period "").
func (a *App) Evaluations(ctx context.Context, p Principal, unit, period string) ([]store.Evaluation, error) {
	u, err := a.visibleUnit(ctx, p, unit, "evaluations")
	if err != nil {
		return nil, err
	}
	if period != "" {
		if _, err := a.monthOf(period, "period"); err != nil {
			return nil, err
		}
	}
	return a.DB.Evaluations(ctx, store.EvaluationFilter{Period: period, Paths: []string{u.Path}}, a.unitPath)
}
