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

// PeopleQuery asks for the person indicators and composites of the people of a unit's subtree for
// a period, in one of the assessed roles or all four.
type PeopleQuery struct {
	Unit   string
	Period assess.Period
	Role   org.Role // "" for grid_worker, intake, shift_leader and dispatcher
}

// PersonRow is one person in one role: their indicators, composite under the role's scheme and
// rank among the people of the same role.
type PersonRow struct {
	UserID     int64                   `json:"user_id"`
	Login      string                  `json:"login"`
	Name       string                  `json:"name"`
	Role       org.Role                `json:"role"`
	Unit       string                  `json:"unit"` // the unit of the person's (first) grant of the role in scope
	UnitName   string                  `json:"unit_name"`
	Indicators assess.PersonIndicators `json:"indicators"`
	assess.Composite
	Rank *int `json:"rank"`
}

// PeopleReport is the people of a unit's subtree for a period.
type PeopleReport struct {
	Unit    assess.Unit     `json:"unit"`
	Period  assess.Period   `json:"period"`
	Schemes []assess.Scheme `json:"schemes"` // the scheme of each role shown, in force at the period's start
	Rows    []PersonRow     `json:"rows"`    // by role, then rank, then login; people without a score last in their role
	Cases   int             `json:"cases_read"`
}

// MaxPeople bounds the people one report lists.
const MaxPeople = 1000

// People computes the indicators of the people holding an assessed role on a unit of the subtree
// of a unit the principal may see, and scores each under the scheme of the role in force at the
// period's start.
func (a *App) People(ctx context.Context, p Principal, q PeopleQuery) (*PeopleReport, error) {
	roles := make([]org.Role, 0, len(assess.PersonKinds))
	for _, k := range assess.PersonKinds {
		if q.Role == "" || q.Role == k.Role() {
			roles = append(roles, k.Role())
		}
	}
	if len(roles) == 0 {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "role must be grid_worker, intake, shift_leader or dispatcher").WithDetail("field", "role")
	}
	u, err := a.visibleUnit(ctx, p, q.Unit, "people")
	if err != nil {
		return nil, err
	}
	users, err := a.DB.Users(ctx, u.Path, MaxPeople+1)
	if err != nil {
		return nil, err
	}
	if len(users) > MaxPeople {
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "more than %d people hold a role under %s: ask for a unit further down", MaxPeople, u.ID).WithDetail("field", "unit")
	}
	tree := a.Config().Tree
	var rows []PersonRow
	var covers []assess.GridCover
	for _, usr := range users {
		for _, role := range roles {
			row := PersonRow{UserID: usr.ID, Login: usr.Login, Name: usr.Name, Role: role}
			for _, g := range usr.Grants {
				if g.Role != role || !org.Contains(u.Path, g.UnitPath) {
					continue
				}
				if row.Unit == "" {
					row.Unit = g.Unit
					if gu, ok := tree.Unit(g.Unit); ok {
						row.UnitName = gu.Name
					}
				}
				if role == org.RoleGridWorker {
					covers = append(covers, assess.GridCover{Key: assess.PersonKey{UserID: usr.ID, Role: role}, Path: g.UnitPath})
				}
			}
			if row.Unit != "" {
				rows = append(rows, row)
			}
		}
	}
	agg, err := assess.NewPeopleAggregator(q.Period, covers, a.Clock.Now())
	if err != nil {
		return nil, err
	}
	err = a.DB.EachHistory(ctx, store.HistoryScope{Path: u.Path, From: q.Period.From, To: q.Period.To}, func(events []casework.Event) error {
		return agg.Add(events)
	})
	if err != nil {
		return nil, fmt.Errorf("people of %s: %w", u.ID, err)
	}
	rep := &PeopleReport{Unit: assess.UnitOf(u), Period: q.Period, Rows: []PersonRow{}, Cases: agg.Cases()}
	for _, role := range roles {
		s, err := a.SchemeInForce(ctx, assess.RankingKind(role), q.Period)
		if err != nil {
			return nil, err
		}
		rep.Schemes = append(rep.Schemes, s)
		var mine []PersonRow
		for _, r := range rows {
			if r.Role == role {
				r.Indicators = agg.Result(assess.PersonKey{UserID: r.UserID, Role: role})
				r.Composite = s.Score(assess.PersonValues(r.Indicators))
				mine = append(mine, r)
			}
		}
		cs := make([]assess.Composite, len(mine))
		for i := range mine {
			cs[i] = mine[i].Composite
		}
		for i, rank := range assess.RankComposites(cs) {
			mine[i].Rank = rank
		}
		slices.SortStableFunc(mine, func(x, y PersonRow) int {
			switch {
			case x.Rank == nil && y.Rank != nil:
				return 1
			case x.Rank != nil && y.Rank == nil:
				return -1
			case x.Rank != nil && *x.Rank != *y.Rank:
				return *x.Rank - *y.Rank
			}
			return strings.Compare(x.Login, y.Login)
		})
		rep.Rows = append(rep.Rows, mine...)
	}
	return rep, nil
}
