package app_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/store/storetest"
)

// Units of the demo district the indicator scenario uses.
const (
	youyiStreet  = "310113003000"
	youyiC1      = "310113003001"
	youyiC2      = "310113003022"
	youyiGrid    = "310113003001001"
	youyiC2Grid  = "310113003022001"
	wusongStreet = "310113007000"
	wusongGrid   = "310113007001001"
	bureau       = "310113000000-chengguan"
	youyiSquad   = "310113003000-chengguan"
)

// march is a day and time in March 2026, China time.
func march(d, hh, mm int) time.Time { return time.Date(2026, 3, d, hh, mm, 0, 0, calendar.China) }

// scenario drives thirteen cases of 占道经营 (E0502: dispatch 1 working hour, sign 2, handle 4,
// check 1 working day, whole case 2 working days) through the real application in March 2026, so
// that every indicator is known by construction. All are taken in by the district's intake (the
// hotline channel) in 宝钢一村's first grid of 友谊路街道 and go to the street's 城管 squad, except
// I (吴淞街道, its squad) and J (a grid worker's patrol report in 宝林八村):
//
//	A  closed in time, rated satisfied                     handling 80 working minutes
//	C  failed its first check, closed, basically satisfied handling 40 + 30
//	D  extended by one working day, closed                 handling 70
//	E  returned by the squad, dispatched again, closed     handling 30
//	I  吴淞: closed in time, rated satisfied                handling 60
//	J  patrol report, checked by its grid worker, closed   handling 30
//	F  filed, then voided;  G rejected;  M filed, then merged into A
//	B  handled four working days late (overdue marks fired), closed late   handling 1090
//	H  signed, supervised twice, left in handling (past due at the end)
//	K  closed, then rated dissatisfied: reopened, its new sign run past due
//	S  suspended while handling, still suspended at the end
func scenario(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	at := func(d, hh, mm int) { e.clock.Set(march(d, hh, mm)) }
	act := func(name string, d, hh, mm int, login string, a casework.Action, in casework.Input) {
		t.Helper()
		at(d, hh, mm)
		e.act(login, ids[name], a, in)
	}
	const (
		intake, dispatcher, squad = "district.intake", "district.dispatcher", "chengguan.youyi.handler"
	)
	loop := func(name string, d int, start [2]int, sign, handle [2]int, signer string) {
		t.Helper()
		h, m := start[0], start[1]
		at(d, h, m)
		ids[name] = e.report("E0502", youyiGrid).ID
		act(name, d, h, m+5, intake, casework.ActFile, casework.Input{})
		act(name, d, h, m+10, dispatcher, casework.ActDispatch, casework.Input{})
		act(name, d, sign[0], sign[1], signer, casework.ActSign, casework.Input{})
		act(name, d, handle[0], handle[1], signer, casework.ActHandle, casework.Input{Result: "已处置"})
		act(name, d, handle[0], handle[1]+5, intake, casework.ActRequestCheck, casework.Input{})
	}
	rate := func(name string, d, hh, mm int, r casework.Rating) {
		act(name, d, hh, mm, intake, casework.ActRate, casework.Input{Rating: r})
	}

	loop("A", 2, [2]int{9, 0}, [2]int{9, 40}, [2]int{11, 0}, squad)
	act("A", 2, 11, 20, intake, casework.ActCheckPass, casework.Input{})
	rate("A", 2, 11, 30, casework.Satisfied)

	loop("C", 2, [2]int{13, 30}, [2]int{13, 50}, [2]int{14, 30}, squad)
	act("C", 2, 14, 40, intake, casework.ActCheckFail, casework.Input{Reason: "摊位仍在"})
	act("C", 2, 14, 50, squad, casework.ActSign, casework.Input{})
	act("C", 2, 15, 20, squad, casework.ActHandle, casework.Input{Result: "已清除"})
	act("C", 2, 15, 25, intake, casework.ActRequestCheck, casework.Input{})
	act("C", 2, 15, 30, intake, casework.ActCheckPass, casework.Input{})
	rate("C", 2, 15, 40, casework.BasicSatisfied)

	at(3, 9, 0)
	ids["D"] = e.report("E0502", youyiGrid).ID
	act("D", 3, 9, 5, intake, casework.ActFile, casework.Input{})
	act("D", 3, 9, 10, dispatcher, casework.ActDispatch, casework.Input{})
	act("D", 3, 9, 20, squad, casework.ActSign, casework.Input{})
	act("D", 3, 9, 30, squad, casework.ActRequestExtension, casework.Input{Extension: &calendar.Limit{Amount: 1, Unit: calendar.WorkingDays}, Reason: "需协调"})
	act("D", 3, 9, 40, dispatcher, casework.ActApproveExtension, casework.Input{})
	act("D", 3, 10, 30, squad, casework.ActHandle, casework.Input{Result: "已处置"})
	act("D", 3, 10, 35, intake, casework.ActRequestCheck, casework.Input{})
	act("D", 3, 10, 40, intake, casework.ActCheckPass, casework.Input{})

	at(3, 13, 30)
	ids["E"] = e.report("E0502", youyiGrid).ID
	act("E", 3, 13, 35, intake, casework.ActFile, casework.Input{})
	act("E", 3, 13, 40, dispatcher, casework.ActDispatch, casework.Input{})
	act("E", 3, 13, 50, squad, casework.ActReturn, casework.Input{ReasonCode: "wrong_territory", Reason: "不属本中队"})
	act("E", 3, 14, 0, dispatcher, casework.ActDispatch, casework.Input{})
	act("E", 3, 14, 10, squad, casework.ActSign, casework.Input{})
	act("E", 3, 14, 40, squad, casework.ActHandle, casework.Input{Result: "已处置"})
	act("E", 3, 14, 45, intake, casework.ActRequestCheck, casework.Input{})
	act("E", 3, 14, 50, intake, casework.ActCheckPass, casework.Input{})

	at(4, 9, 0)
	ids["I"] = e.report("E0502", wusongGrid).ID
	act("I", 4, 9, 5, intake, casework.ActFile, casework.Input{})
	act("I", 4, 9, 10, dispatcher, casework.ActDispatch, casework.Input{})
	act("I", 4, 9, 20, "chengguan.wusong.handler", casework.ActSign, casework.Input{})
	act("I", 4, 10, 20, "chengguan.wusong.handler", casework.ActHandle, casework.Input{Result: "已处置"})
	act("I", 4, 10, 25, intake, casework.ActRequestCheck, casework.Input{})
	act("I", 4, 10, 30, intake, casework.ActCheckPass, casework.Input{})
	rate("I", 4, 10, 40, casework.Satisfied)

	at(4, 13, 30)
	ids["J"] = e.reportAs("youyi.c2.worker1", "E0502", youyiC2Grid).ID
	act("J", 4, 13, 35, intake, casework.ActFile, casework.Input{})
	act("J", 4, 13, 40, dispatcher, casework.ActDispatch, casework.Input{})
	act("J", 4, 13, 50, squad, casework.ActSign, casework.Input{})
	act("J", 4, 14, 20, squad, casework.ActHandle, casework.Input{Result: "已处置"})
	act("J", 4, 14, 25, intake, casework.ActRequestCheck, casework.Input{})
	act("J", 4, 14, 30, "youyi.c2.worker1", casework.ActCheckPass, casework.Input{})

	at(5, 9, 0)
	ids["F"] = e.report("E0502", youyiGrid).ID
	act("F", 5, 9, 5, intake, casework.ActFile, casework.Input{})
	act("F", 5, 9, 10, "district.shiftleader", casework.ActVoid, casework.Input{Reason: "重复录入"})
	at(5, 9, 20)
	ids["G"] = e.report("E0502", youyiGrid).ID
	act("G", 5, 9, 25, intake, casework.ActReject, casework.Input{ReasonCode: "invalid", Reason: "无效"})
	at(5, 9, 30)
	ids["M"] = e.report("E0502", youyiGrid).ID
	act("M", 5, 9, 35, intake, casework.ActFile, casework.Input{})
	act("M", 5, 9, 40, intake, casework.ActMerge, casework.Input{Target: ids["A"]})

	at(5, 13, 30)
	ids["B"] = e.report("E0502", youyiGrid).ID
	act("B", 5, 13, 35, intake, casework.ActFile, casework.Input{})
	act("B", 5, 13, 40, dispatcher, casework.ActDispatch, casework.Input{})
	act("B", 5, 13, 50, squad, casework.ActSign, casework.Input{})
	// Handling was due on Friday 09:20 and the whole case on Monday 17:30; the timers mark both
	// (and their warnings) when the clock reaches Tuesday.
	at(10, 9, 0)
	if n := e.sweepOnce(t); n != 4 {
		t.Fatalf("the sweep fired %d marks on B, want 4", n)
	}
	act("B", 10, 9, 30, squad, casework.ActHandle, casework.Input{Result: "已处置"})
	act("B", 10, 9, 35, intake, casework.ActRequestCheck, casework.Input{})
	act("B", 10, 9, 40, intake, casework.ActCheckPass, casework.Input{})

	at(10, 10, 0)
	ids["H"] = e.report("E0502", youyiGrid).ID
	act("H", 10, 10, 5, intake, casework.ActFile, casework.Input{})
	act("H", 10, 10, 10, dispatcher, casework.ActDispatch, casework.Input{})
	act("H", 10, 10, 20, squad, casework.ActSign, casework.Input{})
	act("H", 10, 10, 30, "district.leader", casework.ActSupervise, casework.Input{Level: casework.SuperviseNormal})
	act("H", 10, 10, 40, "district.leader", casework.ActSupervise, casework.Input{Level: casework.SuperviseYellow})

	loop("K", 10, [2]int{11, 0}, [2]int{11, 20}, [2]int{11, 40}, squad)
	act("K", 10, 11, 50, intake, casework.ActCheckPass, casework.Input{})
	rate("K", 10, 13, 40, casework.Dissatisfied)

	at(10, 13, 30)
	ids["S"] = e.report("E0502", youyiGrid).ID
	act("S", 10, 13, 35, intake, casework.ActFile, casework.Input{})
	act("S", 10, 13, 40, dispatcher, casework.ActDispatch, casework.Input{})
	act("S", 10, 13, 50, squad, casework.ActSign, casework.Input{})
	act("S", 10, 14, 0, squad, casework.ActRequestSuspend, casework.Input{Reason: "等待产权单位答复"})
	act("S", 10, 14, 10, dispatcher, casework.ActApproveSuspend, casework.Input{})

	// Thursday evening the timers mark what ran late: H's handling (due 15:50 Tuesday) and whole
	// case (due Thursday 17:30), K's new sign run (due 15:40 Tuesday) and whole case (Thursday);
	// S is suspended and marks nothing.
	at(12, 18, 0)
	for e.sweepOnce(t) > 0 {
	}
	for _, name := range []string{"H", "K"} {
		c, _ := e.app.DB.Case(ctx, ids[name])
		if !c.Overdue {
			t.Fatalf("case %s is not overdue after the sweep", name)
		}
	}
	// The month is over when the indicators are asked for.
	e.clock.Set(time.Date(2026, 4, 1, 10, 0, 0, 0, calendar.China))
	return ids
}

func rt(n, d int) *float64 {
	v := float64(n) / float64(d)
	return &v
}

// TestIndicatorsByConstruction computes March 2026 for the district, the street, the bureau and
// the squad, and checks every indicator against what the scenario built.
func TestIndicatorsByConstruction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		scenario(t, e)
		march, _ := assess.ParsePeriod("2026-03")
		get := func(login, unit string) *app.IndicatorReport {
			t.Helper()
			r, err := e.app.Indicators(ctx, e.user(login), app.IndicatorQuery{Unit: unit, Period: march})
			if err != nil {
				t.Fatalf("%s asks for %s: %v", login, unit, err)
			}
			return r
		}
		district := get("district.leader", "310113000000")
		if district.Cases != 0 {
			t.Errorf("read %d histories for a month that is over, want none: the roll-ups hold it", district.Cases)
		}
		folded, err := e.app.Indicators(ctx, e.user("district.leader"), app.IndicatorQuery{Unit: "310113000000", Period: march, FromHistories: true})
		if err != nil {
			t.Fatal(err)
		}
		if folded.Cases != 13 {
			t.Errorf("folded %d histories, want 13", folded.Cases)
		}
		if !reflect.DeepEqual(folded.Unit, district.Unit) || !reflect.DeepEqual(folded.Units, district.Units) {
			t.Errorf("the roll-ups and the histories disagree:\n%+v\n%+v", district.Unit, folded.Unit)
		}

		territory := assess.Territory{
			Received: 13, Filed: 12, Rejected: 1, Voided: 2, AccurateFilingRate: rt(10, 12),
			DispatchRuns: 11, DispatchedOnTime: 11, OnTimeDispatchRate: rt(11, 11),
			Closed: 8, Due: 9, ClosureRate: rt(8, 9), ClosedOnTime: 7, OnTimeClosureRate: rt(7, 8),
			Reworked: 1, ReworkRate: rt(1, 8), CheckRuns: 9, CheckedOnTime: 9, OnTimeCheckRate: rt(9, 9),
			Overdue: 3, Supervisions: 2,
		}
		assignee := assess.Assignee{
			Dispatched: 10, Returned: 1, ReturnRate: rt(1, 10), Extended: 1, ExtensionRate: rt(1, 10),
			SignRuns: 12, SignedOnTime: 11, OnTimeSignRate: rt(11, 12),
			HandleRuns: 10, HandledOnTime: 8, OnTimeHandleRate: rt(8, 10), Handled: 9,
			// Due: the eight closures and H, open at the end with the squad and past its whole-case due.
			Closed: 8, Due: 9, ClosureRate: rt(8, 9), ClosedOnTime: 7, OnTimeClosureRate: rt(7, 8), Reworked: 1, ReworkRate: rt(1, 8), Overdue: 3,
		}
		hotline := assess.Hotline{
			Requests: 12, ResponseRuns: 11, RespondedOnTime: 10, ResponseRate: rt(10, 11),
			Due: 8, Resolved: 6, ResolutionRate: rt(6, 8), Rated: 4, Satisfied: 3, SatisfactionRate: rt(3, 4),
		}
		x := district.Unit
		checkIndicators(t, "district", x, territory, assignee, hotline)
		// 80 + 70 + 70 + 30 + 60 + 30 + 1090 + 20 working minutes over nine handling results.
		closeTo(t, "district handling hours", x.Assignee.HandlingHoursAvg, 1450.0/60/9)
		closeTo(t, "district 三率", x.Hotline.Score, 100*(0.2*10/11+0.4*6/8+0.4*3/4))

		// The district's children: its departments and streets. The bureau did all the handling
		// (through its squads) and holds no territory; 吴淞 holds case I, 友谊路 the rest.
		byID := map[string]assess.Indicators{}
		for _, u := range district.Units {
			byID[u.Unit.ID] = u
		}
		if len(district.Units) != 18 {
			t.Fatalf("%d children of the district, want 13 departments and 5 streets", len(district.Units))
		}
		checkIndicators(t, "bureau", byID[bureau], assess.Territory{}, assignee, assess.Hotline{})
		wusong := byID[wusongStreet]
		if w := wusong.Territory; w.Received != 1 || w.Closed != 1 || w.ClosedOnTime != 1 || w.Due != 1 || wusong.Hotline.Satisfied != 1 {
			t.Errorf("吴淞: %+v %+v", w, wusong.Hotline)
		}
		if wusong.Assignee != (assess.Assignee{}) {
			t.Errorf("吴淞's office handled nothing: %+v", wusong.Assignee)
		}
		youyi := byID[youyiStreet]
		if y := youyi.Territory; y.Received != 12 || y.Closed != 7 || y.Due != 8 || y.Overdue != 3 || y.Supervisions != 2 {
			t.Errorf("友谊路: %+v", y)
		}
		if byID["310113000000-police"] != (assess.Indicators{Unit: byID["310113000000-police"].Unit, Hotline: assess.Hotline{Score: nil}}) {
			t.Errorf("the police handled nothing: %+v", byID["310113000000-police"])
		}

		// The street sees its communities; the street itself handled nothing.
		street := get("youyi.leader", youyiStreet)
		if len(street.Units) != 4 || street.Unit.Territory.Received != 12 {
			t.Fatalf("友谊路 with %d communities, %d received", len(street.Units), street.Unit.Territory.Received)
		}
		for _, c := range street.Units {
			want := map[string]int{youyiC1: 11, youyiC2: 1}[c.Unit.ID]
			if c.Territory.Received != want {
				t.Errorf("community %s received %d, want %d", c.Unit.ID, c.Territory.Received, want)
			}
		}
		// Week 10 (2–8 March) reads only the events before Monday 9 March: B is still in handling,
		// past its Friday due; its overdue marks came on the 10th, H, K and S later still.
		week, _ := assess.ParsePeriod("2026-W10")
		w, err := e.app.Indicators(ctx, e.user("district.leader"), app.IndicatorQuery{Unit: "310113000000", Period: week})
		if err != nil {
			t.Fatal(err)
		}
		if x := w.Unit.Territory; x.Received != 10 || x.Closed != 6 || x.Due != 6 || x.Overdue != 0 || x.Voided != 2 {
			t.Errorf("week 10 territory: %s", show(x))
		}
		if a := w.Unit.Assignee; a.HandleRuns != 8 || a.HandledOnTime != 7 || a.Handled != 7 || a.Dispatched != 7 {
			t.Errorf("week 10 assignee: %s", show(a))
		}

		// The squad's cases are found through their dispatches, as it holds no territory: every case
		// but I went to it.
		sq := get("chengguan.youyi.handler", youyiSquad).Unit.Assignee
		if sq.Dispatched != 9 || sq.Returned != 1 || sq.Closed != 7 || sq.HandleRuns != 9 || sq.Overdue != 3 {
			t.Errorf("友谊路 squad: %+v", sq)
		}
	})
}

// checkIndicators compares every count and rate; the averages are checked apart.
func checkIndicators(t *testing.T, name string, x assess.Indicators, territory assess.Territory, assignee assess.Assignee, hotline assess.Hotline) {
	t.Helper()
	x.Assignee.HandlingHoursAvg, x.Hotline.Score = nil, nil
	if !reflect.DeepEqual(x.Territory, territory) {
		t.Errorf("%s territory:\n got %s\nwant %s", name, show(x.Territory), show(territory))
	}
	if !reflect.DeepEqual(x.Assignee, assignee) {
		t.Errorf("%s assignee:\n got %s\nwant %s", name, show(x.Assignee), show(assignee))
	}
	if !reflect.DeepEqual(x.Hotline, hotline) {
		t.Errorf("%s hotline:\n got %s\nwant %s", name, show(x.Hotline), show(hotline))
	}
}

// show prints a struct with its rates dereferenced.
func show(v any) string {
	rv := reflect.ValueOf(v)
	s := "{"
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		s += rv.Type().Field(i).Name + ":"
		switch {
		case f.Kind() != reflect.Pointer:
			s += fmt.Sprint(f.Int())
		case f.IsNil():
			s += "nil"
		default:
			s += fmt.Sprintf("%.4f", f.Elem().Float())
		}
		s += " "
	}
	return s + "}"
}

func closeTo(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// TestIndicatorsScope: a unit outside the caller's grants answers "not found", and the attempt is
// in the audit log; a unit that does not exist answers the same.
func TestIndicatorsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		p, _ := assess.ParsePeriod("2026-03")
		for _, c := range []struct{ login, unit string }{
			{"youyi.c1.handler", "310113000000"}, {"youyi.leader", wusongStreet}, {"chengguan.youyi.handler", bureau}, {"district.leader", "310113999999"},
		} {
			_, err := e.app.Indicators(ctx, e.user(c.login), app.IndicatorQuery{Unit: c.unit, Period: p})
			if !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
				t.Errorf("%s asking for %s: %v, want not found", c.login, c.unit, err)
			}
		}
		denied, err := e.app.DB.AuditLog(ctx, "denied", 10)
		if err != nil || len(denied) != 3 {
			t.Fatalf("%d denials logged (%v), want the three out-of-scope units", len(denied), err)
		}
		if r, err := e.app.Indicators(ctx, e.user("youyi.leader"), app.IndicatorQuery{Unit: youyiC1, Period: p}); err != nil || r.Unit.Unit.ID != youyiC1 {
			t.Fatalf("a street leader asking for one of its communities: %v", err)
		}
	})
}
