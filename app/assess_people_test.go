package app_test

import (
	"context"
	"fmt"
	"testing"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store/storetest"
)

// peopleOf asks for the people of a unit in March 2026 and indexes the rows by login and role.
func peopleOf(t *testing.T, e *env, login, unit string, role org.Role) (*app.PeopleReport, map[string]app.PersonRow) {
	t.Helper()
	march, _ := assess.ParsePeriod("2026-03")
	rep, err := e.app.People(context.Background(), e.user(login), app.PeopleQuery{Unit: unit, Period: march, Role: role})
	if err != nil {
		t.Fatalf("%s asks for the people of %s: %v", login, unit, err)
	}
	by := map[string]app.PersonRow{}
	for _, r := range rep.Rows {
		by[r.Login+"/"+string(r.Role)] = r
	}
	return rep, by
}

// TestPeopleByConstruction reads the people of the district from the indicator scenario:
//
//	district.intake      filed 12, all within the accept hour; F voided and M merged: 准确立案 10/12;
//	                     closed 7 (A C D E I B K), B after its whole-case due: 按时结案 6/7; checked 8, all in time.
//	                     40·1 + 40·10/12 + 20·6/7 = 90.48, A
//	district.dispatcher  dispatched 11 (E twice), every run within the hour; E's first dispatch was returned:
//	                     准确派遣 10/11. 50·1 + 50·10/11 = 95.45, A
//	district.shiftleader voided F only: nothing to score
//	youyi.c2.worker1     reported J (filed, closed): 有效上报 1/1; J is the one case of 宝林八村, a patrol report:
//	                     漏报 0/1; checked J in time: 1/1. (30 + 30 + 20) / 80 = 100, A, first
//	youyi.c1.worker1     reported nothing; the cases of 宝钢一村 in March are A C D E F G B H K S (M merged into
//	                     A is left out), all hotline reports: 漏报 10/10. Only 1 − 漏报率 has a value: 0, E
func TestPeopleByConstruction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		scenario(t, e)
		rep, by := peopleOf(t, e, "district.leader", "310113000000", "")
		if rep.Cases != 13 || len(rep.Schemes) != 4 {
			t.Fatalf("%d histories, %d schemes", rep.Cases, len(rep.Schemes))
		}
		check := func(key string, got, want any) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s:\n got %v\nwant %v", key, got, want)
			}
		}
		intake := by["district.intake/intake"]
		x := intake.Indicators
		check("intake counts", []int{x.Filings, x.FiledOnTime, x.FilingsAccurate, x.Closures, x.ClosedOnTime, x.Checks, x.CheckedOnTime, x.Reports},
			[]int{12, 12, 10, 7, 6, 8, 8, 0})
		check("intake score", []any{val(intake.Score), intake.Grade}, []any{90.48, "A"})
		closeTo(t, "intake 准确立案率", x.AccurateFilingRate, 10.0/12)

		d := by["district.dispatcher/dispatcher"]
		check("dispatcher counts", []int{d.Indicators.DispatchRuns, d.Indicators.DispatchedOnTime, d.Indicators.Dispatches, d.Indicators.DispatchesReturned},
			[]int{11, 11, 11, 1})
		check("dispatcher score", []any{val(d.Score), d.Grade, val(d.Rank)}, []any{95.45, "A", 1})

		sl := by["district.shiftleader/shift_leader"]
		if sl.Login == "" || sl.Score != nil || sl.Rank != nil || sl.Indicators != (assess.PersonIndicators{}) {
			t.Errorf("the shift leader only voided: %+v", sl)
		}

		w2 := by["youyi.c2.worker1/grid_worker"]
		y := w2.Indicators
		check("c2 worker", []int{y.Reports, y.ReportsDecided, y.ReportsValid, y.GridCases, y.Missed, y.Checks, y.CheckedOnTime, y.Confirmations},
			[]int{1, 1, 1, 1, 0, 1, 1, 0})
		check("c2 worker score", []any{val(w2.Score), w2.Grade, val(w2.Rank)}, []any{100.0, "A", 1})
		if w2.Unit != youyiC2 || w2.UnitName == "" {
			t.Errorf("c2 worker's unit %s %q", w2.Unit, w2.UnitName)
		}

		w1 := by["youyi.c1.worker1/grid_worker"]
		check("c1 worker", []int{w1.Indicators.Reports, w1.Indicators.GridCases, w1.Indicators.Missed}, []int{0, 10, 10})
		check("c1 worker score", []any{val(w1.Score), w1.Grade, w1.Indicators.ValidReportRate == nil}, []any{0.0, "E", true})

		// Rows come by role (grid workers first), then rank; a worker with nothing to score comes last.
		if rep.Rows[0].Login != "youyi.c2.worker1" {
			t.Errorf("first row %s, want the best grid worker", rep.Rows[0].Login)
		}

		// A street leader sees the people of the street only: the district's centre is not among them.
		_, street := peopleOf(t, e, "youyi.leader", youyiStreet, org.RoleGridWorker)
		if _, ok := street["district.intake/intake"]; ok || street["youyi.c1.worker1/grid_worker"].Indicators.GridCases != 10 {
			t.Errorf("street view: %d rows", len(street))
		}
		for k := range street {
			if r := street[k]; r.Role != org.RoleGridWorker {
				t.Errorf("role filter let %s through", k)
			}
		}
	})
}

// TestPersonReportsAndConfirmations: a grid worker's reports decided or not, and confirmations in
// and out of time, in March 2026 in 宝钢一村's first grid:
//
//	P1 worker's report, filed 10 minutes later              valid
//	P2 worker's report, rejected                            decided, not valid
//	P3 worker's report, left waiting for intake             not decided
//	P4 worker's report, filed the next day, then voided     decided, not valid; its filing late and not accurate
//	H1 hotline report, sent to confirm, confirmed in 15 minutes       (in time: 2 working hours)
//	H2 hotline report, sent to confirm, denied a week later           (late)
//	H3 hotline report, sent to confirm, never confirmed               (late: left open past its due)
//
// youyi.c1.worker1: 有效上报 1/3, 漏报 3/7 (H1, H2, H3), 核实 1/3:
// 30/3 + 30·4/7 + 20/3 = 33.81 of 80 = 42.26, D.
// district.intake: filed P1 in time and P4 late, P4 voided: 按时立案 1/2, 准确立案 1/2.
func TestPersonReportsAndConfirmations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		const worker, intake = "youyi.c1.worker1", "district.intake"
		at := func(d, hh, mm int) { e.clock.Set(march(d, hh, mm)) }
		at(2, 9, 0)
		p1 := e.reportAs(worker, "E0502", youyiGrid).ID
		at(2, 9, 10)
		e.act(intake, p1, casework.ActFile, casework.Input{})
		p2 := e.reportAs(worker, "E0502", youyiGrid).ID
		at(2, 9, 15)
		e.act(intake, p2, casework.ActReject, casework.Input{ReasonCode: "invalid", Reason: "无效"})
		at(2, 9, 20)
		e.reportAs(worker, "E0502", youyiGrid)
		at(2, 9, 30)
		p4 := e.reportAs(worker, "E0502", youyiGrid).ID
		at(3, 10, 0)
		e.act(intake, p4, casework.ActFile, casework.Input{})
		at(3, 10, 10)
		e.act("district.shiftleader", p4, casework.ActVoid, casework.Input{Reason: "不属实"})
		at(2, 10, 0)
		h1 := e.report("E0502", youyiGrid).ID
		at(2, 10, 5)
		e.act(intake, h1, casework.ActRequestConfirm, casework.Input{})
		at(2, 10, 20)
		e.act(worker, h1, casework.ActConfirm, casework.Input{})
		at(3, 9, 0)
		h2 := e.report("E0502", youyiGrid).ID
		at(3, 9, 5)
		e.act(intake, h2, casework.ActRequestConfirm, casework.Input{})
		at(10, 9, 0)
		e.act(worker, h2, casework.ActDeny, casework.Input{ReasonCode: "invalid", Reason: "现场无此问题"})
		at(4, 9, 0)
		h3 := e.report("E0502", youyiGrid).ID
		at(4, 9, 5)
		e.act(intake, h3, casework.ActRequestConfirm, casework.Input{})
		e.clock.Set(march(31, 23, 0).AddDate(0, 0, 1))

		_, by := peopleOf(t, e, "youyi.leader", youyiStreet, "")
		w := by[worker+"/grid_worker"]
		x := w.Indicators
		got := fmt.Sprint([]int{x.Reports, x.ReportsDecided, x.ReportsValid, x.GridCases, x.Missed, x.Confirmations, x.ConfirmedOnTime})
		if want := fmt.Sprint([]int{4, 3, 1, 7, 3, 3, 1}); got != want {
			t.Errorf("worker counts %s, want %s", got, want)
		}
		if val(w.Score) != 42.26 || w.Grade != "D" {
			t.Errorf("worker score %v %s, want 42.26 D", val(w.Score), w.Grade)
		}
		_, district := peopleOf(t, e, "district.leader", "310113000000", org.RoleIntake)
		in := district[intake+"/intake"].Indicators
		if in.Filings != 2 || in.FiledOnTime != 1 || in.FilingsAccurate != 1 {
			t.Errorf("intake filings %d, in time %d, accurate %d; want 2, 1, 1", in.Filings, in.FiledOnTime, in.FilingsAccurate)
		}
	})
}

// TestPeopleRefused: a unit outside the caller's scope is not found (and logged); a role that is
// not assessed is invalid.
func TestPeopleRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		march, _ := assess.ParsePeriod("2026-03")
		if _, err := e.app.People(ctx, e.user("youyi.leader"), app.PeopleQuery{Unit: wusongStreet, Period: march}); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Errorf("another street: %v", err)
		}
		if _, err := e.app.People(ctx, e.user("youyi.leader"), app.PeopleQuery{Unit: youyiStreet, Period: march, Role: org.RoleHandler}); !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Errorf("handlers: %v", err)
		}
		denied, _ := e.app.DB.AuditLog(ctx, "denied", 10)
		if len(denied) != 1 || denied[0].Object != "unit/"+wusongStreet {
			t.Errorf("denials: %+v", denied)
		}
	})
}
