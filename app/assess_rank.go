package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"civicgrid"
	"civicgrid/assess"
	"civicgrid/org"
)

// RankingQuery asks for the monthly ranking of the units below a unit (territory) or of the
// departments serving it (department).
type RankingQuery struct {
	Unit   string
	Period assess.Period // a calendar month
	Kind   assess.RankingKind
}

// RankingRow is one unit's place in a ranking.
type RankingRow struct {
	Unit assess.Unit `json:"unit"`
	assess.Composite
	Rank *int `json:"rank"` // nil without a score
	// The previous month's score and rank, under the scheme in force then, and the change of rank
	// (previous − current: positive is a rise); nil where either month has no rank.
	PreviousScore *float64 `json:"previous_score"`
	PreviousRank  *int     `json:"previous_rank"`
	Change        *int     `json:"change"`
}

// RankingReport is a month's ranking with the previous month's places.
type RankingReport struct {
	Unit           assess.Unit        `json:"unit"`
	Kind           assess.RankingKind `json:"kind"`
	Period         assess.Period      `json:"period"`
	Previous       assess.Period      `json:"previous"`
	Scheme         assess.Scheme      `json:"scheme"`
	PreviousScheme assess.Scheme      `json:"previous_scheme"`
	Rows           []RankingRow       `json:"rows"` // by rank, then unit code; units without a score last
}

// Rankings ranks, for a month, the territorial children of a unit the principal may see, or the
// departments whose territory it is, by their composite score, beside the previous month's ranks.
func (a *App) Rankings(ctx context.Context, p Principal, q RankingQuery) (*RankingReport, error) {
	if q.Kind != assess.RankTerritory && q.Kind != assess.RankDepartment && q.Kind != assess.RankStreet {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "kind must be territory, department or street (people are ranked by /assessment/people)").WithDetail("field", "kind")
	}
	if m := assess.MonthOf(q.Period.From); !m.From.Equal(q.Period.From) || !m.To.Equal(q.Period.To) {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "rankings are monthly: period must be a month such as 2026-03").WithDetail("field", "period")
	}
	u, err := a.visibleUnit(ctx, p, q.Unit, "rankings")
	if err != nil {
		return nil, err
	}
	return a.ranking(ctx, u, q)
}

// ranking ranks the units of the kind below u, without asking who may see them.
func (a *App) ranking(ctx context.Context, u *org.Unit, q RankingQuery) (*RankingReport, error) {
	units := a.rankedUnits(u, q.Kind)
	prev := assess.MonthOf(q.Period.From.AddDate(0, 0, -1))
	rep := &RankingReport{Unit: assess.UnitOf(u), Kind: q.Kind, Period: q.Period, Previous: prev, Rows: make([]RankingRow, len(units))}
	cur, err := a.rank(ctx, units, q.Kind, q.Period, &rep.Scheme)
	if err != nil {
		return nil, err
	}
	before, err := a.rank(ctx, units, q.Kind, prev, &rep.PreviousScheme)
	if err != nil {
		return nil, err
	}
	curRanks, prevRanks := assess.RankComposites(cur), assess.RankComposites(before)
	for i, x := range units {
		r := RankingRow{Unit: x, Composite: cur[i], Rank: curRanks[i], PreviousScore: before[i].Score, PreviousRank: prevRanks[i]}
		if r.Rank != nil && r.PreviousRank != nil {
			d := *r.PreviousRank - *r.Rank
			r.Change = &d
		}
		rep.Rows[i] = r
	}
	slices.SortStableFunc(rep.Rows, func(x, y RankingRow) int {
		switch {
		case x.Rank == nil && y.Rank == nil:
			return strings.Compare(x.Unit.ID, y.Unit.ID)
		case x.Rank == nil:
			return 1
		case y.Rank == nil:
			return -1
		case *x.Rank != *y.Rank:
			return *x.Rank - *y.Rank
		}
		return strings.Compare(x.Unit.ID, y.Unit.ID)
	})
	return rep, nil
}

// rank scores the units for one period under the scheme of the kind in force at its start.
func (a *App) rank(ctx context.Context, units []assess.Unit, kind assess.RankingKind, period assess.Period, scheme *assess.Scheme) ([]assess.Composite, error) {
	s, err := a.SchemeInForce(ctx, kind, period)
	if err != nil {
		return nil, err
	}
	*scheme = s
	_, out, err := a.scoreUnits(ctx, units, period, s)
	return out, err
}

// indicatorsOf computes the indicators of the units for the period, reading the histories of the
// subtree of the units' nearest common ancestor.
func (a *App) indicatorsOf(ctx context.Context, units []assess.Unit, period assess.Period, w assess.Weights) ([]assess.Indicators, error) {
	if len(units) == 0 {
		return nil, nil
	}
	paths := make([]string, len(units))
	for i, u := range units {
		paths[i] = u.Path
	}
	scope := commonPath(paths)
	xs, _, err := a.indicators(ctx, units, scope, period, w, false)
	if err != nil {
		return nil, fmt.Errorf("indicators under %s: %w", scope, err)
	}
	return xs, nil
}

// commonPath is the path of the nearest unit whose subtree holds every path.
func commonPath(paths []string) string {
	ids := org.IDsOnPath(paths[0])
	for _, p := range paths[1:] {
		other := org.IDsOnPath(p)
		n := 0
		for n < len(ids) && n < len(other) && ids[n] == other[n] {
			n++
		}
		ids = ids[:n]
	}
	if len(ids) == 0 {
		return ""
	}
	return "/" + strings.Join(ids, "/") + "/"
}
