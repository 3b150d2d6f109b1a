package casework_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/org"
)

func june(d, hh, mm int) time.Time { return cst(2025, time.June, d, hh, mm) }

func TestConflictMessageNamesStates(t *testing.T) {
	w := worldIn(t, casework.Filed, "")
	_, err := w.try(casework.ActSign, actorFor(casework.ActSign, org.RoleHandler), casework.Input{})
	mustFail(t, err, civicgrid.ECONFLICT)
	if want := "case 1 is filed; sign is possible only from dispatched, rework"; civicgrid.ErrorMessage(err) != want {
		t.Errorf("message %q, want %q", civicgrid.ErrorMessage(err), want)
	}
	_, err = w.try("teleport", actorFor(casework.ActSign, org.RoleHandler), casework.Input{})
	mustFail(t, err, civicgrid.EINVALID)
}

func TestExpectSeq(t *testing.T) {
	w := newWorld(t, june(9, 9, 0))
	intake := actorFor(casework.ActFile, org.RoleIntake)
	_, err := w.try(casework.ActFile, intake, casework.Input{ExpectSeq: w.c.Seq + 1})
	mustFail(t, err, civicgrid.ECONFLICT)
	w.doIn(casework.ActFile, intake, casework.Input{ExpectSeq: w.c.Seq})
	// Two dispatchers read version 2 and both dispatch: the second one loses.
	seen := w.c.Seq
	disp := actorFor(casework.ActDispatch, org.RoleDispatcher)
	w.doIn(casework.ActDispatch, disp, casework.Input{ExpectSeq: seen})
	_, err = w.try(casework.ActDispatch, disp, casework.Input{ExpectSeq: seen})
	mustFail(t, err, civicgrid.ECONFLICT)
}

func TestReportValidation(t *testing.T) {
	env := baseEnv(june(9, 9, 0))
	cases := map[string]func(*casework.Report){
		"no matter":           func(r *casework.Report) { r.MatterCode = " " },
		"no description":      func(r *casework.Report) { r.Description = "  " },
		"long description":    func(r *casework.Report) { r.Description = strings.Repeat("水", casework.MaxDescription+1) },
		"long title":          func(r *casework.Report) { r.Title = strings.Repeat("题", casework.MaxTitle+1) },
		"long address":        func(r *casework.Report) { r.Address = strings.Repeat("路", casework.MaxAddress+1) },
		"bad urgency":         func(r *casework.Report) { r.Urgency = "whenever" },
		"bad channel":         func(r *casework.Report) { r.Channel = "pigeon" },
		"no channel":          func(r *casework.Report) { r.Channel = "" },
		"many attributes":     func(r *casework.Report) { r.Attributes = manyAttributes(casework.MaxAttributes + 1) },
		"many media":          func(r *casework.Report) { r.Media = make([]string, casework.MaxMedia+1) },
		"no originator":       func(r *casework.Report) { r.Originator, r.OriginatorPath = "", "" },
		"originator off path": func(r *casework.Report) { r.Originator = communityID },
		"no territory":        func(r *casework.Report) { r.TerritoryPath = "" },
		"bad point":           func(r *casework.Report) { r.Location.Lat = 91 },
		"bad attribute":       func(r *casework.Report) { r.Attributes = map[string]any{"f": func() {}} },
	}
	for name, mod := range cases {
		r := testReport()
		mod(&r)
		_, err := casework.NewCase(1, r, resident, env)
		if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
	r := testReport()
	r.Description = strings.Repeat("水", casework.MaxDescription) // characters, not bytes
	r.Attributes = manyAttributes(casework.MaxAttributes)
	e, err := casework.NewCase(1, r, resident, env)
	if err != nil {
		t.Fatal(err)
	}
	c, err := casework.Rebuild([]casework.Event{e})
	if err != nil {
		t.Fatal(err)
	}
	if c.Urgency != "normal" || c.State != casework.Reported || c.ReporterUserID != residentID || c.Light != casework.Green {
		t.Errorf("report defaults: urgency %q, state %s, reporter %d, light %s", c.Urgency, c.State, c.ReporterUserID, c.Light)
	}
	if !e.At.Equal(env.Now) || e.At.Location() != time.UTC {
		t.Errorf("event time %v, want %v in UTC", e.At, env.Now)
	}
	_, err = casework.NewCase(1, testReport(), staffAt(org.RoleAuditor, streetID, streetPath), env)
	mustFail(t, err, civicgrid.EFORBIDDEN)
}

func manyAttributes(n int) map[string]any {
	m := map[string]any{}
	for i := range n {
		m[fmt.Sprintf("f%d", i)] = i
	}
	return m
}

// Times are stored as the databases keep them: UTC, whole microseconds.
func TestTimesAreMicroseconds(t *testing.T) {
	w := newWorld(t, june(9, 9, 0).Add(123456789*time.Nanosecond))
	e := w.events[0]
	if e.At.Nanosecond()%1000 != 0 || e.At.Location() != time.UTC {
		t.Errorf("event time %v", e.At)
	}
	if w.c.StageClock.Start != e.At || w.c.StageClock.DueAt.Location() != time.UTC {
		t.Errorf("clock times %+v", w.c.StageClock)
	}
}

func TestConfirmation(t *testing.T) {
	w := worldIn(t, casework.Confirming, "")
	far := staffAt(org.RoleGridWorker, otherStreetID, otherStreetPath)
	_, err := w.try(casework.ActConfirm, far, casework.Input{})
	mustFail(t, err, civicgrid.EFORBIDDEN)
	// A worker of the community above the grid is on the same line.
	w.doIn(casework.ActConfirm, staffAt(org.RoleGridWorker, communityID, communityPath), casework.Input{})
	if !w.c.Confirmed || w.c.State != casework.Reported || w.c.StageClock.Stage != "file" {
		t.Errorf("after confirm: confirmed %v, state %s, stage %s", w.c.Confirmed, w.c.State, w.c.StageClock.Stage)
	}

	w = worldIn(t, casework.Confirming, "")
	gw := actorFor(casework.ActDeny, org.RoleGridWorker)
	_, err = w.try(casework.ActDeny, gw, casework.Input{})
	mustFail(t, err, civicgrid.EINVALID)
	w.doIn(casework.ActDeny, gw, casework.Input{Reason: "现场未发现"})
	if w.c.State != casework.Rejected || w.c.RejectCode != "invalid" || w.c.StageClock != nil || w.c.WholeClock != nil {
		t.Errorf("after deny: %s %q clocks %v %v", w.c.State, w.c.RejectCode, w.c.StageClock, w.c.WholeClock)
	}
}

func TestRejectNeedsCodeAndReason(t *testing.T) {
	w := newWorld(t, june(9, 9, 0))
	intake := actorFor(casework.ActReject, org.RoleIntake)
	for _, in := range []casework.Input{{Reason: "重复"}, {ReasonCode: "duplicate"}, {ReasonCode: "boring", Reason: "x"}} {
		_, err := w.try(casework.ActReject, intake, in)
		mustFail(t, err, civicgrid.EINVALID)
	}
	w.doIn(casework.ActReject, intake, casework.Input{ReasonCode: "outside_jurisdiction", Reason: "不属本区"})
	if w.c.RejectCode != "outside_jurisdiction" || w.events[1].Reason != "不属本区" {
		t.Errorf("reject recorded %q / %q", w.c.RejectCode, w.events[1].Reason)
	}
	outsider := staffAt(org.RoleIntake, otherStreetID, otherStreetPath)
	w = newWorld(t, june(9, 9, 0))
	_, err := w.try(casework.ActFile, outsider, casework.Input{})
	mustFail(t, err, civicgrid.EFORBIDDEN)
}

func TestOnlyTheOriginatorChecks(t *testing.T) {
	// The district took the case in, so the district's 城管 lies inside the originator's subtree:
	// it still cannot check the case it handled.
	r := testReport()
	r.Originator, r.OriginatorPath = districtID, districtPath
	w := newWorldWith(t, june(9, 9, 0), r, baseEnv)
	for _, st := range path[casework.Checking] {
		w.do(st.action, st.role)
	}
	own := staffAt(org.RoleHandler, chengguan, deptPath(chengguan))
	squad := staffAt(org.RoleHandler, chengguan+"-1", deptPath(chengguan)+chengguan+"-1/")
	for _, a := range []casework.Action{casework.ActCheckPass, casework.ActCheckFail} {
		for _, actor := range []org.Actor{own, squad} {
			_, err := w.try(a, actor, casework.Input{Reason: "自查"})
			mustFail(t, err, civicgrid.EFORBIDDEN)
			if !strings.Contains(civicgrid.ErrorMessage(err), "cannot check or close its own case") {
				t.Errorf("message %q", civicgrid.ErrorMessage(err))
			}
		}
	}
	if slices.Contains(casework.Available(w.c, own), casework.ActCheckPass) {
		t.Error("Available offers the handler to close its own case")
	}
	w.doIn(casework.ActCheckPass, staffAt(org.RoleIntake, districtID, districtPath), casework.Input{})
	if w.c.State != casework.Closed || w.c.ClosedAt == nil || !w.c.ClosedAt.Equal(w.events[len(w.events)-1].At) {
		t.Errorf("closed: %s at %v", w.c.State, w.c.ClosedAt)
	}
	if w.c.StageClock != nil || w.c.WholeClock != nil {
		t.Error("closing leaves clocks running")
	}

	// Street originator: a district dispatcher above it and another street's grid worker are not
	// the originator.
	w = worldIn(t, casework.Checking, "")
	for _, actor := range []org.Actor{staffAt(org.RoleDispatcher, districtID, districtPath), staffAt(org.RoleGridWorker, otherStreetID, otherStreetPath)} {
		_, err := w.try(casework.ActCheckPass, actor, casework.Input{})
		mustFail(t, err, civicgrid.EFORBIDDEN)
	}
}

func TestCheckFailCountsRework(t *testing.T) {
	w := worldIn(t, casework.Checking, "")
	gw := actorFor(casework.ActCheckFail, org.RoleGridWorker)
	_, err := w.try(casework.ActCheckFail, gw, casework.Input{})
	mustFail(t, err, civicgrid.EINVALID)
	w.doIn(casework.ActCheckFail, gw, casework.Input{Reason: "仍有残留"})
	if w.c.State != casework.Rework || w.c.ReworkCount != 1 || w.c.StageClock.Stage != "sign" || w.c.Assignee != chengguan {
		t.Fatalf("after fail: %s rework %d stage %s assignee %s", w.c.State, w.c.ReworkCount, w.c.StageClock.Stage, w.c.Assignee)
	}
	w.do(casework.ActSign, org.RoleHandler).do(casework.ActHandle, org.RoleHandler).do(casework.ActRequestCheck, org.RoleIntake)
	w.doIn(casework.ActCheckFail, gw, casework.Input{Reason: "还是没清完"})
	if w.c.ReworkCount != 2 {
		t.Errorf("rework count %d, want 2", w.c.ReworkCount)
	}
}

func TestReturnNeedsReasonCode(t *testing.T) {
	w := worldIn(t, casework.Dispatched, "")
	h := actorFor(casework.ActReturn, org.RoleHandler)
	for _, in := range []casework.Input{{Reason: "不归我们管"}, {ReasonCode: "wrong_territory"}, {ReasonCode: "lazy", Reason: "x"}} {
		_, err := w.try(casework.ActReturn, h, in)
		mustFail(t, err, civicgrid.EINVALID)
	}
	other := staffAt(org.RoleHandler, market, deptPath(market))
	_, err := w.try(casework.ActReturn, other, casework.Input{ReasonCode: "other", Reason: "x"})
	mustFail(t, err, civicgrid.EFORBIDDEN)
	w.doIn(casework.ActReturn, h, casework.Input{ReasonCode: "unclear_ownership", Reason: "权属不清"})
	if w.c.State != casework.Returned || w.c.ReturnCount != 1 || w.c.StageClock.Stage != "dispatch" {
		t.Errorf("after return: %s count %d stage %s", w.c.State, w.c.ReturnCount, w.c.StageClock.Stage)
	}
}

func TestTwoReturnsNeedARuling(t *testing.T) {
	w := worldIn(t, casework.Dispatched, "")
	w.do(casework.ActReturn, org.RoleHandler).do(casework.ActDispatch, org.RoleDispatcher).do(casework.ActReturn, org.RoleHandler)
	if w.c.ReturnCount != 2 {
		t.Fatalf("return count %d", w.c.ReturnCount)
	}
	disp := actorFor(casework.ActDispatch, org.RoleDispatcher)
	_, err := w.try(casework.ActDispatch, disp, casework.Input{})
	mustFail(t, err, civicgrid.ECONFLICT)
	if slices.Contains(casework.Available(w.c, disp), casework.ActDispatch) {
		t.Error("Available offers a third dispatch")
	}
	_, err = w.try(casework.ActRule, actorFor(casework.ActRule, org.RoleDispatcher), casework.Input{})
	mustFail(t, err, civicgrid.EFORBIDDEN)
	w.doIn(casework.ActRule, actorFor(casework.ActRule, org.RoleShiftLeader), casework.Input{Reason: "裁定由城管牵头"})
	if w.c.State != casework.Dispatched || !w.c.Ruled || w.c.Assignee != chengguan {
		t.Fatalf("after ruling: %s ruled %v assignee %s", w.c.State, w.c.Ruled, w.c.Assignee)
	}
	h := actorFor(casework.ActReturn, org.RoleHandler)
	_, err = w.try(casework.ActReturn, h, inputFor(w.c, casework.ActReturn))
	mustFail(t, err, civicgrid.ECONFLICT)
	if slices.Contains(casework.Available(w.c, h), casework.ActReturn) {
		t.Error("Available offers a return after a ruling")
	}
	w.do(casework.ActSign, org.RoleHandler)
}

func TestDispatchNeedsTarget(t *testing.T) {
	w := worldIn(t, casework.Filed, "")
	disp := actorFor(casework.ActDispatch, org.RoleDispatcher)
	bad := []func(*casework.Env){
		func(e *casework.Env) { e.Target = nil },
		func(e *casework.Env) { e.Target = &casework.Route{Lead: chengguan} },
		func(e *casework.Env) { e.Target = &casework.Route{Lead: chengguan, LeadPath: deptPath(market)} },
		func(e *casework.Env) { e.Target.Assisting = []string{chengguan} },
	}
	for i, mod := range bad {
		_, err := w.try(casework.ActDispatch, disp, casework.Input{}, mod)
		if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
			t.Errorf("bad target %d: %v", i, err)
		}
	}
	_, err := w.try(casework.ActDispatch, disp, casework.Input{Unit: market})
	mustFail(t, err, civicgrid.EINVALID)
	w.doIn(casework.ActDispatch, disp, casework.Input{}, func(e *casework.Env) { e.Target.Assisting = []string{market} })
	if w.c.Assignee != chengguan || w.c.AssigneePath != deptPath(chengguan) || !slices.Equal(w.c.Assisting, []string{market}) || w.c.RouteReason == "" || w.c.DispatchedAt == nil {
		t.Errorf("dispatch recorded %+v", w.c)
	}
	first := *w.c.DispatchedAt
	// A re-dispatch before signing moves the case to another unit; the first dispatch time stays.
	w.doIn(casework.ActDispatch, disp, casework.Input{}, func(e *casework.Env) {
		e.Target = &casework.Route{Lead: market, LeadPath: deptPath(market), Reason: "改派"}
	})
	if w.c.Assignee != market || !w.c.DispatchedAt.Equal(first) || w.c.Assisting != nil {
		t.Errorf("re-dispatch: %s at %v assisting %v", w.c.Assignee, w.c.DispatchedAt, w.c.Assisting)
	}
	_, err = w.try(casework.ActSign, staffAt(org.RoleHandler, chengguan, deptPath(chengguan)), casework.Input{})
	mustFail(t, err, civicgrid.EFORBIDDEN)
}

func TestHandle(t *testing.T) {
	w := worldIn(t, casework.Handling, "")
	h := actorFor(casework.ActHandle, org.RoleHandler)
	for _, in := range []casework.Input{{}, {Result: "  "}, {Result: strings.Repeat("好", casework.MaxResult+1)}, {Result: "ok", PhotosAfter: make([]string, casework.MaxPhotos+1)}} {
		_, err := w.try(casework.ActHandle, h, in)
		mustFail(t, err, civicgrid.EINVALID)
	}
	w.doIn(casework.ActHandle, h, casework.Input{Result: strings.Repeat("好", casework.MaxResult), PhotosBefore: []string{"b1", "b2"}, PhotosAfter: []string{"a1"}})
	if w.c.State != casework.Handled || !slices.Equal(w.c.PhotosBefore, []string{"b1", "b2"}) || !slices.Equal(w.c.PhotosAfter, []string{"a1"}) || w.c.HandledAt == nil {
		t.Errorf("handled: %+v", w.c)
	}
	if w.c.StageClock.Stage != "check" {
		t.Errorf("stage after handling %s", w.c.StageClock.Stage)
	}
}

func TestRating(t *testing.T) {
	closedWorld := func() *world {
		w := worldIn(t, casework.Closed, "")
		return w
	}
	w := closedWorld()
	closedAt := *w.c.ClosedAt
	stranger := org.Actor{UserID: 901, Name: "李先生", Role: org.RoleResident}
	_, err := w.try(casework.ActRate, stranger, casework.Input{Rating: casework.Satisfied})
	mustFail(t, err, civicgrid.EFORBIDDEN)
	_, err = w.try(casework.ActRate, resident, casework.Input{Rating: "meh"})
	mustFail(t, err, civicgrid.EINVALID)

	// Dissatisfied exactly at the end of the window: reopened into rework with the same unit.
	w.at(closedAt.Add(7*24*time.Hour)).doIn(casework.ActRate, resident, casework.Input{Rating: casework.Dissatisfied, Reason: "垃圾又堆回来了"})
	if w.c.State != casework.Rework || w.c.ReworkCount != 1 || w.c.Rating != casework.Dissatisfied || w.c.Assignee != chengguan {
		t.Fatalf("reopen: %s rework %d rating %s", w.c.State, w.c.ReworkCount, w.c.Rating)
	}
	if w.c.StageClock == nil || w.c.StageClock.Stage != "sign" || w.c.WholeClock == nil || !w.c.WholeClock.Start.Equal(w.events[len(w.events)-1].At) || w.c.Light != casework.Green {
		t.Errorf("reopened clocks %+v %+v light %s", w.c.StageClock, w.c.WholeClock, w.c.Light)
	}
	// Closed again, it can be rated again, once; ClosedAt is the second closing.
	w.do(casework.ActSign, org.RoleHandler).do(casework.ActHandle, org.RoleHandler).do(casework.ActRequestCheck, org.RoleIntake).do(casework.ActCheckPass, org.RoleGridWorker)
	if !w.c.ClosedAt.After(closedAt) {
		t.Errorf("ClosedAt %v is not the latest closing", w.c.ClosedAt)
	}
	w.doIn(casework.ActRate, resident, casework.Input{Rating: casework.BasicSatisfied})
	if w.c.State != casework.Closed || w.c.Rating != casework.BasicSatisfied {
		t.Errorf("second rating: %s %s", w.c.State, w.c.Rating)
	}
	_, err = w.try(casework.ActRate, resident, casework.Input{Rating: casework.Satisfied})
	mustFail(t, err, civicgrid.ECONFLICT)

	// Dissatisfied one microsecond after the window: recorded, the case stays closed.
	w = closedWorld()
	w.at(closedAt.Add(7*24*time.Hour+time.Microsecond)).doIn(casework.ActRate, actorFor(casework.ActRate, org.RoleIntake), casework.Input{Rating: casework.Dissatisfied})
	if w.c.State != casework.Closed || w.c.ReworkCount != 0 || w.c.Rating != casework.Dissatisfied || w.c.RatedAt == nil {
		t.Errorf("late rating: %s rework %d rating %s", w.c.State, w.c.ReworkCount, w.c.Rating)
	}
	_, err = w.try(casework.ActRate, resident, casework.Input{Rating: casework.Dissatisfied})
	mustFail(t, err, civicgrid.ECONFLICT)
}

func TestMerge(t *testing.T) {
	w := newWorld(t, june(9, 9, 0))
	intake := actorFor(casework.ActMerge, org.RoleIntake)
	bad := map[string]func(*casework.Env){
		"no master":     func(e *casework.Env) { e.Master = nil },
		"itself":        func(e *casework.Env) { e.Master = &casework.Case{ID: 1, State: casework.Filed} },
		"voided master": func(e *casework.Env) { e.Master = &casework.Case{ID: 2, State: casework.Voided} },
		"rejected":      func(e *casework.Env) { e.Master = &casework.Case{ID: 2, State: casework.Rejected} },
	}
	for name, mod := range bad {
		_, err := w.try(casework.ActMerge, intake, casework.Input{}, mod)
		if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := w.try(casework.ActMerge, intake, casework.Input{Target: 3})
	mustFail(t, err, civicgrid.EINVALID)
	w.doIn(casework.ActMerge, intake, casework.Input{Target: 2})
	if w.c.State != casework.Voided || w.c.MergedInto != 2 || w.c.StageClock != nil || w.c.WholeClock != nil {
		t.Errorf("merged: %s into %d", w.c.State, w.c.MergedInto)
	}
	_, err = w.try(casework.ActFile, actorFor(casework.ActFile, org.RoleIntake), casework.Input{})
	mustFail(t, err, civicgrid.ECONFLICT)
}

func TestVoidAndComment(t *testing.T) {
	w := worldIn(t, casework.Handling, "")
	sl := actorFor(casework.ActVoid, org.RoleShiftLeader)
	_, err := w.try(casework.ActVoid, sl, casework.Input{})
	mustFail(t, err, civicgrid.EINVALID)
	aud := actorFor(casework.ActComment, org.RoleAuditor)
	for _, in := range []casework.Input{{}, {Reason: strings.Repeat("评", casework.MaxReason+1)}} {
		_, err := w.try(casework.ActComment, aud, in)
		mustFail(t, err, civicgrid.EINVALID)
	}
	w.doIn(casework.ActComment, aud, casework.Input{Reason: strings.Repeat("评", casework.MaxReason)})
	_, err = w.try(casework.ActComment, staffAt(org.RoleAuditor, otherStreetID, otherStreetPath), casework.Input{Reason: "看看"})
	mustFail(t, err, civicgrid.EFORBIDDEN)
	w.doIn(casework.ActVoid, sl, casework.Input{Reason: "重复录入"})
	if w.c.State != casework.Voided || w.c.StageClock != nil {
		t.Errorf("void: %s", w.c.State)
	}
	w.doIn(casework.ActComment, aud, casework.Input{Reason: "作废后备注"})
}

func TestSupervision(t *testing.T) {
	w := worldIn(t, casework.Handling, "")
	leader := actorFor(casework.ActSupervise, org.RoleLeader)
	_, err := w.try(casework.ActSupervise, leader, casework.Input{Level: "purple"})
	mustFail(t, err, civicgrid.EINVALID)
	for _, l := range []casework.SupervisionLevel{casework.SuperviseYellow, casework.SuperviseRed, casework.SuperviseNormal} {
		w.doIn(casework.ActSupervise, leader, casework.Input{Level: l})
	}
	if w.c.SupervisionCount != 3 || w.c.Supervision != casework.SuperviseRed || w.c.State != casework.Handling {
		t.Errorf("supervision %d %s %s", w.c.SupervisionCount, w.c.Supervision, w.c.State)
	}
	_, err = w.try(casework.ActSupervise, staffAt(org.RoleLeader, otherStreetID, otherStreetPath), casework.Input{Level: casework.SuperviseRed})
	mustFail(t, err, civicgrid.EFORBIDDEN)
}

func TestWhistle(t *testing.T) {
	w := worldIn(t, casework.Handling, "")
	// 16:30 on Tuesday with two working hours to acknowledge: 60 minutes today, 60 tomorrow.
	w.at(june(10, 16, 30))
	street := actorFor(casework.ActWhistle, org.RoleHandler)
	two := &calendar.Limit{Amount: 2, Unit: calendar.WorkingHours}
	many := make([]string, 11)
	for i := range many {
		many[i] = fmt.Sprintf("310113000000-d%d", i)
	}
	bad := map[string]casework.Input{
		"no lead":       {Units: []string{market}, AckLimit: two},
		"no units":      {Lead: housing, AckLimit: two},
		"eleven units":  {Lead: housing, Units: many, AckLimit: two},
		"duplicate":     {Lead: housing, Units: []string{market, market}, AckLimit: two},
		"lead as party": {Lead: housing, Units: []string{market, housing}, AckLimit: two},
		"no ack limit":  {Lead: housing, Units: []string{market}},
		"unknown unit":  {Lead: housing, Units: []string{"310113000000-ghost"}, AckLimit: two},
		"bad ack limit": {Lead: housing, Units: []string{market}, AckLimit: &calendar.Limit{Amount: -1, Unit: calendar.WorkingHours}},
	}
	for name, in := range bad {
		_, err := w.try(casework.ActWhistle, street, in)
		if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	good := casework.Input{Lead: housing, Units: []string{market, water}, AckLimit: two}
	_, err := w.try(casework.ActWhistle, street, good, func(e *casework.Env) { e.UnitPath = nil })
	mustFail(t, err, civicgrid.EINVALID)
	// A department is no 块; a street elsewhere has no say here; the community holding the case has.
	_, err = w.try(casework.ActWhistle, staffAt(org.RoleHandler, chengguan, deptPath(chengguan)), good)
	mustFail(t, err, civicgrid.EFORBIDDEN)
	_, err = w.try(casework.ActWhistle, staffAt(org.RoleHandler, otherStreetID, otherStreetPath), good)
	mustFail(t, err, civicgrid.EFORBIDDEN)
	_, err = w.try(casework.ActWhistle, staffAt(org.RoleDispatcher, otherStreetID, otherStreetPath), good)
	mustFail(t, err, civicgrid.EFORBIDDEN)
	w.doIn(casework.ActWhistle, staffAt(org.RoleHandler, communityID, communityPath), good)

	wh := w.c.Whistle
	due := june(11, 10, 0)
	if wh == nil || wh.Lead != housing || wh.By != communityID || len(wh.Units) != 3 {
		t.Fatalf("whistle %+v", wh)
	}
	for i, want := range []string{housing, market, water} {
		if wh.Units[i].Unit != want || !wh.Units[i].DueAt.Equal(due) || wh.Units[i].AckedAt != nil {
			t.Errorf("party %d: %+v, want %s due %v", i, wh.Units[i], want, due)
		}
	}
	// A squad below 市场监管 acknowledges for it; once only; an unsummoned unit cannot.
	squad := staffAt(org.RoleHandler, market+"-1", deptPath(market)+market+"-1/")
	before := w.c.Whistle
	w.doIn(casework.ActWhistleAck, squad, casework.Input{})
	if w.c.Whistle.Units[1].AckedAt == nil || w.c.Whistle.Units[0].AckedAt != nil || before.Units[1].AckedAt != nil {
		t.Errorf("ack: %+v (earlier copy %+v)", w.c.Whistle.Units, before.Units)
	}
	_, err = w.try(casework.ActWhistleAck, squad, casework.Input{})
	mustFail(t, err, civicgrid.ECONFLICT)
	_, err = w.try(casework.ActWhistleAck, staffAt(org.RoleHandler, chengguan, deptPath(chengguan)), casework.Input{})
	mustFail(t, err, civicgrid.EFORBIDDEN)
	w.doIn(casework.ActWhistleAck, staffAt(org.RoleHandler, housing, deptPath(housing)), casework.Input{})
	// The whistle stays with the case after it is handled.
	w.do(casework.ActHandle, org.RoleHandler)
	w.doIn(casework.ActWhistleAck, staffAt(org.RoleHandler, water, deptPath(water)), casework.Input{})
	for _, p := range w.c.Whistle.Units {
		if p.AckedAt == nil {
			t.Errorf("%s not acknowledged", p.Unit)
		}
	}
}

// TestWhistleLate follows a whistle's acknowledgement deadlines through the timer engine: one mark
// per waiting party, fired once when due, gone once the party acknowledges, is recorded late, is
// no longer summoned, or the case ends.
func TestWhistleLate(t *testing.T) {
	w := handlingWorld(t, june(9, 0, 0)) // Monday; signed at 10:00
	check := func(when string) {
		t.Helper()
		c, err := casework.Rebuild(w.events)
		if err != nil {
			t.Fatalf("%s: rebuild: %v", when, err)
		}
		sameCase(t, c, w.c)
		if err := casework.VerifyChain(w.events); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	two := &calendar.Limit{Amount: 2, Unit: calendar.WorkingHours}
	community := staffAt(org.RoleHandler, communityID, communityPath)
	w.at(june(10, 16, 30)).doIn(casework.ActWhistle, community, casework.Input{Lead: housing, Units: []string{market, water}, AckLimit: two})
	check("whistle")

	// Worked out by hand on the default hours: Tuesday 16:30 to 17:30 is the first working hour,
	// Wednesday 09:00 to 10:00 the second, so every party is due on 06-11 at 10:00. The stage and
	// whole marks are those of TestSuspensionPausesClocks, unchanged by the whistle.
	due := june(11, 10, 0)
	clockMarks := []casework.Mark{
		{Clock: casework.MarkStage, Kind: casework.ActWarn, DueAt: june(12, 10, 36)},
		{Clock: casework.MarkStage, Kind: casework.ActOverdue, DueAt: june(12, 17, 30)},
		{Clock: casework.MarkWhole, Kind: casework.ActWarn, DueAt: june(19, 16, 6)},
		{Clock: casework.MarkWhole, Kind: casework.ActOverdue, DueAt: june(23, 17, 30)},
	}
	late := func(unit string, at time.Time) casework.Mark {
		return casework.Mark{Clock: casework.MarkWhistle + unit, Kind: casework.ActWhistleLate, DueAt: at}
	}
	wantMarks(t, w.c, append(slices.Clone(clockMarks), late(housing, due), late(market, due), late(water, due)))
	if in := casework.MarkInput(w.c, late(water, due)); !reflect.DeepEqual(in, casework.Input{Unit: water}) {
		t.Errorf("mark input %+v", in)
	}

	// 市场监管 acknowledges in time and never gets a mark.
	w.at(june(11, 9, 30)).doIn(casework.ActWhistleAck, staffAt(org.RoleHandler, market, deptPath(market)), casework.Input{})
	check("ack in time")
	wantMarks(t, w.c, append(slices.Clone(clockMarks), late(housing, due), late(water, due)))

	sys := org.SystemActor
	_, err := w.at(due.Add(-time.Microsecond)).try(casework.ActWhistleLate, sys, casework.Input{Unit: water})
	mustFail(t, err, civicgrid.ECONFLICT) // early
	w.at(due)
	_, err = w.try(casework.ActWhistleLate, sys, casework.Input{})
	mustFail(t, err, civicgrid.EINVALID)
	_, err = w.try(casework.ActWhistleLate, sys, casework.Input{Unit: market})
	mustFail(t, err, civicgrid.ECONFLICT) // acknowledged
	_, err = w.try(casework.ActWhistleLate, sys, casework.Input{Unit: chengguan})
	mustFail(t, err, civicgrid.ECONFLICT) // never summoned
	_, err = w.try(casework.ActWhistleLate, actorFor(casework.ActWhistleLate, org.RoleDispatcher), casework.Input{Unit: water})
	mustFail(t, err, civicgrid.EFORBIDDEN)

	// At the deadline the engine records both waiting parties late, once each.
	fired := fireDue(t, w, due)
	check("late")
	if got, want := marksText(fired), marksText([]casework.Mark{late(housing, due), late(water, due)}); got != want {
		t.Errorf("fired %s, want %s", got, want)
	}
	for _, e := range w.events[len(w.events)-2:] {
		if e.Action != casework.ActWhistleLate || e.Actor != sys || e.From != casework.Handling || e.To != casework.Handling || !e.At.Equal(due) {
			t.Errorf("late event %+v", e)
		}
	}
	if got := string(w.events[len(w.events)-1].Payload); got != `{"unit":"`+water+`"}` {
		t.Errorf("payload %s", got)
	}
	for _, p := range w.c.Whistle.Units {
		if p.Late != (p.Unit != market) {
			t.Errorf("party %s late %v", p.Unit, p.Late)
		}
	}
	wantMarks(t, w.c, clockMarks)
	_, err = w.at(due.Add(5*time.Minute)).try(casework.ActWhistleLate, sys, casework.Input{Unit: housing})
	mustFail(t, err, civicgrid.ECONFLICT) // already late
	if n := len(fireDue(t, w, due.Add(5*time.Minute))); n != 0 {
		t.Errorf("%d marks fired again", n)
	}

	// A late acknowledgement is taken and recorded; the party stays late.
	w.at(june(11, 11, 0)).doIn(casework.ActWhistleAck, staffAt(org.RoleHandler, water, deptPath(water)), casework.Input{})
	check("late ack")
	if p := w.c.Whistle.Units[2]; p.Unit != water || p.AckedAt == nil || !p.AckedAt.Equal(june(11, 11, 0)) || !p.Late {
		t.Errorf("water after a late acknowledgement: %+v", p)
	}
	wantMarks(t, w.c, clockMarks)

	// A new whistle replaces the old marks: 14:00 plus two working hours is 16:00 the same day. The
	// old whistle's water is no longer summoned.
	w.at(june(11, 14, 0)).doIn(casework.ActWhistle, community, casework.Input{Lead: market, Units: []string{housing}, AckLimit: two})
	check("second whistle")
	due2 := june(11, 16, 0)
	wantMarks(t, w.c, append(slices.Clone(clockMarks), late(market, due2), late(housing, due2)))
	_, err = w.at(due2).try(casework.ActWhistleLate, sys, casework.Input{Unit: water})
	mustFail(t, err, civicgrid.ECONFLICT)

	// A voided case plans no marks at all, and a whistle mark has no row there.
	w.at(june(11, 15, 0)).do(casework.ActVoid, org.RoleShiftLeader)
	check("void")
	wantMarks(t, w.c, nil)
	_, err = w.at(due2).try(casework.ActWhistleLate, sys, casework.Input{Unit: market})
	mustFail(t, err, civicgrid.ECONFLICT)
	if n := len(fireDue(t, w, due2)); n != 0 {
		t.Errorf("%d marks fired on a voided case", n)
	}
	check("end")
}

// Suspension pauses the case's clocks but not a summons: only the whistle marks remain.
func TestWhistleMarksWhileSuspended(t *testing.T) {
	w := worldIn(t, casework.Suspended, "")
	var got []casework.Mark
	for _, m := range casework.PendingMarks(w.c) {
		if m.Kind != casework.ActWhistleLate {
			t.Errorf("suspended case plans %+v", m)
		}
		got = append(got, m)
	}
	if len(got) != len(w.c.Whistle.Units) {
		t.Fatalf("marks %v for parties %+v", got, w.c.Whistle.Units)
	}
	fired := fireDue(t, w, w.c.Whistle.Units[0].DueAt)
	if len(fired) != len(got) || len(casework.PendingMarks(w.c)) != 0 || w.c.State != casework.Suspended {
		t.Errorf("fired %v; left %v in %s", fired, casework.PendingMarks(w.c), w.c.State)
	}
}

// wantMarks compares the case's pending marks with want, in order.
func wantMarks(t *testing.T, c *casework.Case, want []casework.Mark) {
	t.Helper()
	if got, want := marksText(casework.PendingMarks(c)), marksText(want); got != want {
		t.Errorf("pending marks:\n%s\nwant:\n%s", got, want)
	}
}

// marksText lists marks one a line, with their instants in China time.
func marksText(ms []casework.Mark) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %s %s\n", m.Clock, m.Kind, m.DueAt.In(calendar.China).Format("2006-01-02 15:04:05.999999"))
	}
	return b.String()
}

// fireDue plays the timer engine at now: it fires the case's due marks earliest first, planning the
// marks again after every event, and drops a mark whose action is refused with a code.
func fireDue(t *testing.T, w *world, now time.Time) []casework.Mark {
	t.Helper()
	var fired []casework.Mark
	dropped := map[string]bool{}
	for {
		var next *casework.Mark
		for _, m := range casework.PendingMarks(w.c) {
			if !m.DueAt.After(now) && !dropped[m.Clock+"/"+string(m.Kind)] && (next == nil || m.DueAt.Before(next.DueAt)) {
				next = &m
			}
		}
		if next == nil {
			return fired
		}
		e, err := casework.Decide(w.c, org.SystemActor, next.Kind, casework.MarkInput(w.c, *next), w.env(now))
		if err != nil {
			if code := civicgrid.ErrorCode(err); code == civicgrid.EINTERNAL {
				t.Fatalf("firing %+v: %v", *next, err)
			}
			dropped[next.Clock+"/"+string(next.Kind)] = true
			continue
		}
		w.commit(e)
		fired = append(fired, casework.Mark{Clock: next.Clock, Kind: next.Kind, DueAt: next.DueAt})
	}
}

func TestAvailable(t *testing.T) {
	w := worldIn(t, casework.Dispatched, "")
	got := casework.Available(w.c, actorFor(casework.ActSign, org.RoleHandler))
	want := []casework.Action{casework.ActSign, casework.ActReturn, casework.ActRequestExtension, casework.ActComment}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("handler of the assignee may %v, want %v", got, want)
	}
	if got := casework.Available(w.c, staffAt(org.RoleHandler, market, deptPath(market))); slices.Contains(got, casework.ActSign) {
		t.Errorf("another department may %v", got)
	}
	if got := casework.Available(w.c, staffAt(org.RoleAuditor, streetID, streetPath)); !slices.Equal(got, []casework.Action{casework.ActComment}) {
		t.Errorf("auditor may %v", got)
	}
	if casework.Available(nil, resident) != nil {
		t.Error("Available on no case")
	}
}
