package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/store/storetest"
)

// Communities of 友谊路街道 and a grid in each of the first three; 炮台村 gets no case.
const (
	youyiC3     = "310113003026"
	youyiC4     = "310113003201"
	youyiC3Grid = "310113003026001"
)

// rankingScenario drives cases of 占道经营 (E0502: handle 4 working hours, whole case 2 working
// days) in three communities of 友谊路 through February and March 2026, all going to the street's
// 城管 squad, so that the territorial ranking of the street is known by construction:
//
//	February  宝钢一村  a1 closed in time, satisfied
//	          宝林八村  b1 closed in time; b2 handled and closed six days later (late)
//	          临江新村  c1 failed its first check, closed in time (rework); c2 filed, then voided
//	March     宝钢一村  a2 handled and closed six days later, satisfied; a3 signed, never handled
//	          宝林八村  b3 closed in time, satisfied; b4 closed in time, basically satisfied
//	          临江新村  c3 closed in time
func rankingScenario(t *testing.T, e *env) {
	t.Helper()
	const intake, dispatcher, squad = "district.intake", "district.dispatcher", "chengguan.youyi.handler"
	var month time.Month
	at := func(d, hh, mm int) { e.clock.Set(time.Date(2026, month, d, hh, mm, 0, 0, calendar.China)) }
	// open reports, files, dispatches and signs a case on day d from hh:00.
	open := func(grid string, d, hh int) int64 {
		at(d, hh, 0)
		id := e.report("E0502", grid).ID
		at(d, hh, 5)
		e.act(intake, id, casework.ActFile, casework.Input{})
		at(d, hh, 10)
		e.act(dispatcher, id, casework.ActDispatch, casework.Input{})
		at(d, hh, 20)
		e.act(squad, id, casework.ActSign, casework.Input{})
		return id
	}
	// finish handles and closes the case on day d from hh:00.
	finish := func(id int64, d, hh int) {
		at(d, hh, 30)
		e.act(squad, id, casework.ActHandle, casework.Input{Result: "已处置"})
		at(d, hh, 35)
		e.act(intake, id, casework.ActRequestCheck, casework.Input{})
		at(d, hh, 40)
		e.act(intake, id, casework.ActCheckPass, casework.Input{})
	}
	rate := func(id int64, d, hh int, r casework.Rating) {
		at(d, hh, 50)
		e.act(intake, id, casework.ActRate, casework.Input{Rating: r})
	}

	month = time.February
	a1 := open(youyiGrid, 3, 9)
	finish(a1, 3, 9)
	rate(a1, 3, 9, casework.Satisfied)
	b1 := open(youyiC2Grid, 3, 10)
	finish(b1, 3, 10)
	b2 := open(youyiC2Grid, 3, 11)
	finish(b2, 9, 11)
	c1 := open(youyiC3Grid, 4, 9)
	at(4, 9, 30)
	e.act(squad, c1, casework.ActHandle, casework.Input{Result: "已处置"})
	at(4, 9, 35)
	e.act(intake, c1, casework.ActRequestCheck, casework.Input{})
	at(4, 9, 40)
	e.act(intake, c1, casework.ActCheckFail, casework.Input{Reason: "摊位仍在"})
	at(4, 9, 50)
	e.act(squad, c1, casework.ActSign, casework.Input{})
	finish(c1, 4, 10)
	at(4, 14, 0)
	c2 := e.report("E0502", youyiC3Grid).ID
	at(4, 14, 5)
	e.act(intake, c2, casework.ActFile, casework.Input{})
	at(4, 14, 10)
	e.act("district.shiftleader", c2, casework.ActVoid, casework.Input{Reason: "重复录入"})

	month = time.March
	a2 := open(youyiGrid, 3, 9)
	finish(a2, 9, 9)
	rate(a2, 9, 9, casework.Satisfied)
	open(youyiGrid, 3, 10) // a3
	b3 := open(youyiC2Grid, 4, 9)
	finish(b3, 4, 9)
	rate(b3, 4, 9, casework.Satisfied)
	b4 := open(youyiC2Grid, 4, 10)
	finish(b4, 4, 10)
	rate(b4, 4, 10, casework.BasicSatisfied)
	c3 := open(youyiC3Grid, 5, 9)
	finish(c3, 5, 9)

	// Both months are over when the rankings are asked for.
	e.clock.Set(time.Date(2026, 4, 1, 10, 0, 0, 0, calendar.China))
}

// TestRankingsByConstruction ranks the communities of 友谊路 and the departments serving it for
// March 2026 against February. Territorial composite (weights 30/25/15/15/15):
//
//	February  宝钢一村  all five criteria 1                                        → 100    A, 1st
//	          宝林八村  结案 2/2, 按期 1/2, 准确立案 1, 返工 0, no rating: 72.5/85    → 85.29  B, 2nd
//	          临江新村  结案 1/1, 按期 1/1, 准确立案 1/2, 返工 1/1, no rating: 62.5/85 → 73.53  C, 3rd
//	March     宝钢一村  结案 1/2, 按期 0/1, 准确立案 1, 返工 0, 满意 1: 15+0+15+15+15 → 60     C, 3rd (−2)
//	          宝林八村  every criterion 1                                            → 100    A, 1st (+1)
//	          临江新村  four criteria 1, no rating                                   → 100    A, 1st (+2)
//	          炮台村    no case: no score, no rank
func TestRankingsByConstruction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		rankingScenario(t, e)
		march, _ := assess.ParsePeriod("2026-03")
		rep, err := e.app.Rankings(ctx, e.user("youyi.leader"), app.RankingQuery{Unit: youyiStreet, Period: march, Kind: assess.RankTerritory})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Previous.Name != "2026-02" || rep.Scheme.Version != 0 || rep.PreviousScheme.Version != 0 {
			t.Errorf("previous %q, schemes %d and %d", rep.Previous.Name, rep.Scheme.Version, rep.PreviousScheme.Version)
		}
		type row struct {
			unit               string
			score, prevScore   any
			grade              string
			rank, prev, change any
		}
		want := []row{
			{youyiC2, 100.0, 85.29, "A", 1, 2, 1},
			{youyiC3, 100.0, 73.53, "A", 1, 3, 2},
			{youyiC1, 60.0, 100.0, "C", 3, 1, -2},
			{youyiC4, nil, nil, "", nil, nil, nil},
		}
		if len(rep.Rows) != len(want) {
			t.Fatalf("%d rows, want %d", len(rep.Rows), len(want))
		}
		for i, w := range want {
			r := rep.Rows[i]
			got := row{r.Unit.ID, val(r.Score), val(r.PreviousScore), r.Grade, val(r.Rank), val(r.PreviousRank), val(r.Change)}
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("row %d:\n got %v\nwant %v", i, got, w)
			}
		}
		// 宝钢一村's March parts: 结案率 1/2, 按期结案率 0, 准确立案率 1, 1−返工率 1, 满意率 1.
		parts := map[string]any{}
		for _, p := range rep.Rows[2].Parts {
			parts[p.Criterion] = val(p.Value)
		}
		if fmt.Sprint(parts) != fmt.Sprint(map[string]any{"closure_rate": 0.5, "on_time_closure_rate": 0.0, "accurate_filing_rate": 1.0, "no_rework_rate": 1.0, "satisfaction_rate": 1.0}) {
			t.Errorf("宝钢一村 parts %v", parts)
		}

		// The departments serving 友谊路: its 城管 squad did all the handling.
		//	February  承办按期结案 3/4, 按时处置 4/5 (b2 late), 1−返工 3/4, volume 4/4:
		//	          22.5 + 24 + 15 + 20 = 81.5 B
		//	March     承办按期结案 3/4, 按时处置 3/5 (a2 late, a3 open past due), 1−返工 1, volume 1:
		//	          22.5 + 18 + 20 + 20 = 80.5 B
		dep, err := e.app.Rankings(ctx, e.user("youyi.leader"), app.RankingQuery{Unit: youyiStreet, Period: march, Kind: assess.RankDepartment})
		if err != nil {
			t.Fatal(err)
		}
		if len(dep.Rows) != 3 {
			t.Fatalf("%d departments serve 友谊路, want its three squads", len(dep.Rows))
		}
		r := dep.Rows[0]
		got := row{r.Unit.ID, val(r.Score), val(r.PreviousScore), r.Grade, val(r.Rank), val(r.PreviousRank), val(r.Change)}
		if w := (row{youyiSquad, 80.5, 81.5, "B", 1, 1, 0}); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("squad:\n got %v\nwant %v", got, w)
		}
		for _, r := range dep.Rows[1:] {
			if r.Score != nil || r.Rank != nil || r.Grade != "" {
				t.Errorf("%s handled nothing but scores %v", r.Unit.ID, val(r.Score))
			}
		}
	})
}

// TestRankingsRefused: a unit outside the caller's scope is not found; a period that is not a
// month and an unknown kind are invalid.
func TestRankingsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		march, _ := assess.ParsePeriod("2026-03")
		week, _ := assess.ParsePeriod("2026-W10")
		for _, c := range []struct {
			login, unit string
			period      assess.Period
			kind        assess.RankingKind
			code        string
		}{
			{"youyi.leader", wusongStreet, march, assess.RankTerritory, civicgrid.ENOTFOUND},
			{"youyi.c1.handler", youyiStreet, march, assess.RankDepartment, civicgrid.ENOTFOUND},
			{"youyi.leader", youyiStreet, week, assess.RankTerritory, civicgrid.EINVALID},
			{"youyi.leader", youyiStreet, march, "person", civicgrid.EINVALID},
		} {
			_, err := e.app.Rankings(ctx, e.user(c.login), app.RankingQuery{Unit: c.unit, Period: c.period, Kind: c.kind})
			if !civicgrid.IsCode(err, c.code) {
				t.Errorf("%s ranking %s %s %s: %v, want %s", c.login, c.unit, c.period.Name, c.kind, err, c.code)
			}
		}
	})
}

// val dereferences a pointer for printing; nil stays nil.
func val[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
