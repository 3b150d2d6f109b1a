package casework_test

import (
	"testing"
	"time"

	"civicgrid"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

func catalogStage(s string) catalog.Stage { return catalog.Stage(s) }

// The expected instants below are worked out by hand on the default hours (09:00–12:00 and
// 13:30–17:30, 420 minutes a day, Monday to Friday) and the State Council's 2025 arrangements:
// 2025-09-28 (Sunday) and 2025-10-11 (Saturday) are worked, 2025-10-01 to 10-08 are off.

func sept(d, hh, mm int) time.Time { return cst(2025, time.September, d, hh, mm) }
func oct(d, hh, mm int) time.Time  { return cst(2025, time.October, d, hh, mm) }

func assertAt(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.In(calendar.China).Format("2006-01-02 15:04:05.999999"), want.Format("2006-01-02 15:04"))
	}
}

// handlingWorld reports at 09:00, files at 09:10, dispatches at 09:20 and signs at 10:00 of day.
func handlingWorld(t *testing.T, day time.Time) *world {
	w := newWorld(t, day.Add(9*time.Hour))
	w.at(day.Add(9*time.Hour+10*time.Minute)).do(casework.ActFile, org.RoleIntake)
	w.at(day.Add(9*time.Hour+20*time.Minute)).do(casework.ActDispatch, org.RoleDispatcher)
	w.at(day.Add(10*time.Hour)).do(casework.ActSign, org.RoleHandler)
	return w
}

func TestExtensionAroundNationalDay(t *testing.T) {
	w := handlingWorld(t, sept(26, 0, 0)) // Friday
	// Handle stage: 3 working days after Friday 09-26 are 09-28 (Sunday, worked), 09-29, 09-30.
	assertAt(t, "handle due", w.c.StageClock.DueAt, sept(30, 17, 30))
	// Whole case: the 10th working day after 09-26 is 10-16 (09-28, 29, 30, 10-09, 10, 11, 13, 14, 15, 16).
	assertAt(t, "whole due", w.c.WholeClock.DueAt, oct(16, 17, 30))

	h := actorFor(casework.ActRequestExtension, org.RoleHandler)
	twoDays := &calendar.Limit{Amount: 2, Unit: calendar.WorkingDays}
	in := casework.Input{Extension: twoDays, Reason: "国庆假期前无法完成"}
	// At the deadline is too late.
	_, err := w.at(sept(30, 17, 30)).try(casework.ActRequestExtension, h, in)
	mustFail(t, err, civicgrid.EINVALID)
	for _, bad := range []casework.Input{{Reason: "x"}, {Extension: twoDays}, {Extension: &calendar.Limit{Amount: 2, Unit: "fortnights"}, Reason: "x"}} {
		_, err := w.at(sept(30, 17, 29)).try(casework.ActRequestExtension, h, bad)
		mustFail(t, err, civicgrid.EINVALID)
	}
	w.at(sept(30, 17, 29)).doIn(casework.ActRequestExtension, h, in)
	if w.c.PendingExtension == nil || *w.c.PendingExtension != *twoDays {
		t.Fatalf("pending %v", w.c.PendingExtension)
	}
	_, err = w.at(sept(30, 17, 29).Add(10*time.Second)).try(casework.ActRequestExtension, h, in)
	mustFail(t, err, civicgrid.ECONFLICT)
	_, err = w.try(casework.ActApproveExtension, actorFor(casework.ActApproveExtension, org.RoleIntake), casework.Input{})
	mustFail(t, err, civicgrid.EFORBIDDEN)

	w.at(sept(30, 17, 29).Add(20*time.Second)).doIn(casework.ActApproveExtension, actorFor(casework.ActApproveExtension, org.RoleDispatcher), casework.Input{})
	// New due: 2 working days after 09-30 skip the holiday: 10-09, 10-10.
	assertAt(t, "extended handle due", w.c.StageClock.DueAt, oct(10, 17, 30))
	// Warning at 80% of 09-26 10:00 → 10-10 17:30 = 2460 working minutes: 1968 minutes in, which
	// is 168 minutes into the afternoon of 10-09.
	assertAt(t, "extended handle warn", w.c.StageClock.WarnAt, oct(9, 16, 18))
	// Whole: 2 working days after 10-16 are 10-17 and 10-20; its warning at 80% of 13 days is
	// 168 minutes into the 11th working day from 09-26, 10-16.
	assertAt(t, "extended whole due", w.c.WholeClock.DueAt, oct(20, 17, 30))
	assertAt(t, "extended whole warn", w.c.WholeClock.WarnAt, oct(16, 11, 48))
	if w.c.ExtensionCount != 1 || w.c.PendingExtension != nil || w.c.StageClock.Start != w.events[3].At {
		t.Errorf("after approval: count %d pending %v start %v", w.c.ExtensionCount, w.c.PendingExtension, w.c.StageClock.Start)
	}

	// A second request may be denied: nothing moves.
	w.at(oct(9, 9, 0)).doIn(casework.ActRequestExtension, h, casework.Input{Extension: twoDays, Reason: "再延"})
	w.doIn(casework.ActDenyExtension, actorFor(casework.ActDenyExtension, org.RoleShiftLeader), casework.Input{Reason: "不予延期"})
	assertAt(t, "handle due after denial", w.c.StageClock.DueAt, oct(10, 17, 30))
	if w.c.ExtensionCount != 1 || w.c.PendingExtension != nil {
		t.Errorf("after denial: count %d pending %v", w.c.ExtensionCount, w.c.PendingExtension)
	}
}

// A pending request lapses when the case leaves the stage it was asked in.
func TestPendingRequestsLapse(t *testing.T) {
	w := worldIn(t, casework.Handling, "")
	w.do(casework.ActRequestExtension, org.RoleHandler).do(casework.ActRequestSuspend, org.RoleHandler)
	w.do(casework.ActHandle, org.RoleHandler)
	if w.c.PendingExtension != nil || w.c.PendingSuspension {
		t.Errorf("requests survive the stage: %v %v", w.c.PendingExtension, w.c.PendingSuspension)
	}
	w = worldIn(t, casework.Dispatched, "")
	w.do(casework.ActRequestExtension, org.RoleHandler).do(casework.ActDispatch, org.RoleDispatcher)
	if w.c.PendingExtension != nil {
		t.Error("a re-dispatch keeps the old unit's extension request")
	}
}

func TestSuspensionPausesClocks(t *testing.T) {
	w := handlingWorld(t, june(9, 0, 0)) // Monday
	// 3 working days after 06-09: 06-12; warning 1296 of 1620 minutes in: 06-12 10:36.
	assertAt(t, "handle due", w.c.StageClock.DueAt, june(12, 17, 30))
	assertAt(t, "handle warn", w.c.StageClock.WarnAt, june(12, 10, 36))
	// 10 working days after 06-09: 06-23; warning 3696 of 4620 minutes in: 06-19 16:06.
	assertAt(t, "whole due", w.c.WholeClock.DueAt, june(23, 17, 30))
	assertAt(t, "whole warn", w.c.WholeClock.WarnAt, june(19, 16, 6))

	h := actorFor(casework.ActRequestSuspend, org.RoleHandler)
	_, err := w.at(june(10, 9, 30)).try(casework.ActRequestSuspend, h, casework.Input{})
	mustFail(t, err, civicgrid.EINVALID)
	w.doIn(casework.ActRequestSuspend, h, casework.Input{Reason: "等待产权单位确认"})
	_, err = w.try(casework.ActRequestSuspend, h, casework.Input{Reason: "again"})
	mustFail(t, err, civicgrid.ECONFLICT)
	w.at(june(10, 10, 0)).doIn(casework.ActApproveSuspend, actorFor(casework.ActApproveSuspend, org.RoleDispatcher), casework.Input{})
	if w.c.State != casework.Suspended || w.c.SuspendedFrom != casework.Handling || !w.c.StageClock.Paused || !w.c.WholeClock.Paused {
		t.Fatalf("suspended: %s from %s clocks %+v %+v", w.c.State, w.c.SuspendedFrom, w.c.StageClock, w.c.WholeClock)
	}
	// Left at 06-10 10:00: 360 + 420 + 420 of the stage; 360 + 3·420 + 5·420 + 420 of the whole.
	if w.c.StageClock.Remaining != 1200 || w.c.WholeClock.Remaining != 4140 {
		t.Errorf("remaining %d and %d, want 1200 and 4140", w.c.StageClock.Remaining, w.c.WholeClock.Remaining)
	}
	// Paused clocks do not warn, however late it gets.
	for _, a := range []casework.Action{casework.ActWarn, casework.ActOverdue} {
		_, err := w.at(june(30, 9, 0)).try(a, org.SystemActor, casework.Input{ClockStage: "handle"})
		mustFail(t, err, civicgrid.ECONFLICT)
	}
	if got := casework.Available(w.c, org.SystemActor); len(got) != 0 {
		t.Errorf("system may %v on a suspended case", got)
	}

	// Three days later, resume: the three working days suspended (06-10 10:00 → 06-13 10:00) do
	// not count, so every instant moves three working days on.
	w.at(june(13, 10, 0)).doIn(casework.ActResume, actorFor(casework.ActResume, org.RoleShiftLeader), casework.Input{})
	if w.c.State != casework.Handling || w.c.StageClock.Paused || w.c.StageClock.Remaining != 0 || w.c.SuspendedFrom != "" {
		t.Fatalf("resumed: %s %+v", w.c.State, w.c.StageClock)
	}
	assertAt(t, "resumed handle due", w.c.StageClock.DueAt, june(17, 17, 30))
	assertAt(t, "resumed handle warn", w.c.StageClock.WarnAt, june(17, 10, 36))
	assertAt(t, "resumed whole due", w.c.WholeClock.DueAt, june(26, 17, 30))
	assertAt(t, "resumed whole warn", w.c.WholeClock.WarnAt, june(24, 16, 6))
}

func TestWarnAndOverdue(t *testing.T) {
	w := newWorld(t, june(9, 9, 0))
	// Accept stage: 2 working hours → 11:00; warning at 96 minutes → 10:36.
	assertAt(t, "accept due", w.c.StageClock.DueAt, june(9, 11, 0))
	assertAt(t, "accept warn", w.c.StageClock.WarnAt, june(9, 10, 36))
	sys := org.SystemActor
	mark := func(a casework.Action, clock string, at time.Time) error {
		_, err := w.at(at).try(a, sys, casework.Input{ClockStage: catalogStage(clock)})
		return err
	}
	fire := func(a casework.Action, clock string, at time.Time) {
		t.Helper()
		w.at(at).doIn(a, sys, casework.Input{ClockStage: catalogStage(clock)})
	}
	mustFail(t, mark(casework.ActWarn, "accept", june(9, 10, 36).Add(-time.Microsecond)), civicgrid.ECONFLICT)
	mustFail(t, mark(casework.ActWarn, "", june(9, 10, 36)), civicgrid.EINVALID)
	mustFail(t, mark(casework.ActWarn, "lunch", june(9, 10, 36)), civicgrid.EINVALID)
	mustFail(t, mark(casework.ActWarn, "handle", june(9, 10, 36)), civicgrid.ECONFLICT)
	_, err := w.at(june(9, 10, 36)).try(casework.ActWarn, actorFor(casework.ActWarn, org.RoleDispatcher), casework.Input{ClockStage: "accept"})
	mustFail(t, err, civicgrid.EFORBIDDEN)

	fire(casework.ActWarn, "accept", june(9, 10, 36))
	if w.c.StageLight != casework.Yellow || w.c.Light != casework.Yellow || w.c.WholeLight != casework.Green || w.c.Overdue {
		t.Errorf("after warn: stage %s whole %s light %s", w.c.StageLight, w.c.WholeLight, w.c.Light)
	}
	mustFail(t, mark(casework.ActWarn, "accept", june(9, 10, 40)), civicgrid.ECONFLICT)
	mustFail(t, mark(casework.ActOverdue, "accept", june(9, 10, 59)), civicgrid.ECONFLICT)
	fire(casework.ActOverdue, "accept", june(9, 11, 0))
	if w.c.StageLight != casework.Red || w.c.Light != casework.Red || !w.c.Overdue {
		t.Errorf("after overdue: stage %s light %s overdue %v", w.c.StageLight, w.c.Light, w.c.Overdue)
	}
	mustFail(t, mark(casework.ActOverdue, "accept", june(9, 11, 5)), civicgrid.ECONFLICT)
	mustFail(t, mark(casework.ActWarn, "accept", june(9, 11, 5)), civicgrid.ECONFLICT)

	// Filing starts the dispatch stage: a green stage light; the old stage's timers are stale.
	w.at(june(9, 11, 10)).do(casework.ActFile, org.RoleIntake)
	if w.c.StageLight != casework.Green || w.c.Light != casework.Green || !w.c.Overdue || w.c.StageClock.Stage != "dispatch" {
		t.Errorf("new stage: stage %s light %s overdue %v", w.c.StageLight, w.c.Light, w.c.Overdue)
	}
	mustFail(t, mark(casework.ActOverdue, "accept", june(9, 11, 15)), civicgrid.ECONFLICT)

	// The whole-case light persists across stages and colours the case.
	mustFail(t, mark(casework.ActWarn, "whole", june(19, 16, 5)), civicgrid.ECONFLICT)
	fire(casework.ActWarn, "whole", june(19, 16, 6))
	if w.c.WholeLight != casework.Yellow || w.c.StageLight != casework.Green || w.c.Light != casework.Yellow {
		t.Errorf("whole warn: stage %s whole %s light %s", w.c.StageLight, w.c.WholeLight, w.c.Light)
	}
	w.do(casework.ActDispatch, org.RoleDispatcher)
	if w.c.WholeLight != casework.Yellow || w.c.Light != casework.Yellow {
		t.Errorf("whole light lost on a new stage: %s", w.c.Light)
	}
	fire(casework.ActOverdue, "sign", w.c.StageClock.DueAt)
	fire(casework.ActOverdue, "whole", june(23, 17, 30))
	if w.c.Light != casework.Red || w.c.WholeLight != casework.Red {
		t.Errorf("whole overdue: light %s", w.c.Light)
	}
}

// A stage without a limit has no clock, and nothing to warn or extend.
func TestStageWithoutLimit(t *testing.T) {
	noSign := func(now time.Time) casework.Env {
		env := baseEnv(now)
		delete(env.Limits.Stages, "sign")
		return env
	}
	w := newWorldWith(t, june(9, 9, 0), testReport(), noSign)
	w.do(casework.ActFile, org.RoleIntake).do(casework.ActDispatch, org.RoleDispatcher)
	if w.c.StageClock != nil || w.c.WholeClock == nil || w.c.StageLight != casework.Green {
		t.Fatalf("sign stage clock %+v", w.c.StageClock)
	}
	_, err := w.try(casework.ActRequestExtension, actorFor(casework.ActRequestExtension, org.RoleHandler), inputFor(w.c, casework.ActRequestExtension))
	mustFail(t, err, civicgrid.EINVALID)
	_, err = w.at(june(30, 9, 0)).try(casework.ActWarn, org.SystemActor, casework.Input{ClockStage: "sign"})
	mustFail(t, err, civicgrid.ECONFLICT)
	w.at(june(30, 9, 0)).doIn(casework.ActOverdue, org.SystemActor, casework.Input{ClockStage: casework.ClockWhole})
}

// Replaying history needs no calendar: the clocks travel in the events.
func TestRebuildNeedsNoCalendar(t *testing.T) {
	w := handlingWorld(t, sept(26, 0, 0))
	w.at(sept(29, 9, 0)).do(casework.ActRequestExtension, org.RoleHandler).do(casework.ActApproveExtension, org.RoleDispatcher)
	c, err := casework.Rebuild(w.events)
	if err != nil {
		t.Fatal(err)
	}
	sameCase(t, c, w.c)
	// Deciding needs one when a clock must be computed.
	_, err = w.try(casework.ActHandle, actorFor(casework.ActHandle, org.RoleHandler), inputFor(w.c, casework.ActHandle), func(e *casework.Env) { e.Calendar = nil })
	if err == nil || civicgrid.ErrorCode(err) != civicgrid.EINTERNAL {
		t.Errorf("handle without a calendar: %v", err)
	}
}

// An approved extension can turn a yellow light green again (the new warning point lies ahead),
// so the warning can fire anew; it never turns a light worse.
func TestExtensionClearsWarning(t *testing.T) {
	w := handlingWorld(t, sept(26, 0, 0))
	// 80% of 1620 working minutes from 09-26 10:00: 09-30 10:36.
	assertAt(t, "handle warn", w.c.StageClock.WarnAt, sept(30, 10, 36))
	w.at(sept(30, 10, 36)).doIn(casework.ActWarn, org.SystemActor, casework.Input{ClockStage: "handle"})
	if w.c.Light != casework.Yellow {
		t.Fatalf("light %s", w.c.Light)
	}
	twoDays := &calendar.Limit{Amount: 2, Unit: calendar.WorkingDays}
	w.at(sept(30, 11, 0)).doIn(casework.ActRequestExtension, actorFor(casework.ActRequestExtension, org.RoleHandler), casework.Input{Extension: twoDays, Reason: "节前无法完成"})
	w.do(casework.ActApproveExtension, org.RoleDispatcher)
	// As in TestExtensionAroundNationalDay: due 10-10 17:30, warning 10-09 16:18.
	if w.c.StageLight != casework.Green || w.c.Light != casework.Green {
		t.Errorf("after extension: stage %s light %s", w.c.StageLight, w.c.Light)
	}
	_, err := w.at(oct(9, 16, 17)).try(casework.ActWarn, org.SystemActor, casework.Input{ClockStage: "handle"})
	mustFail(t, err, civicgrid.ECONFLICT)
	w.at(oct(9, 16, 18)).doIn(casework.ActWarn, org.SystemActor, casework.Input{ClockStage: "handle"})
}
