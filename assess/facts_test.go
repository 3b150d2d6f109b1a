package assess_test

import (
	"reflect"
	"testing"
	"time"

	"civicgrid/assess"
	"civicgrid/casework"
	"civicgrid/catalog"
)

// onTimeStory is a hotline case that goes round the loop once, in time at every stage, on
// Monday 2 March 2026, and is rated satisfied the next morning.
func onTimeStory(t *testing.T) *story {
	squad := handlerOf(squadID, squadPath)
	return newStory(t, 1, casework.ChannelHotline, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 10), intake, casework.ActFile, casework.Input{}).
		do(cst(3, 2, 9, 30), dispatcher, casework.ActDispatch, casework.Input{}, squadPath).
		do(cst(3, 2, 10, 0), squad, casework.ActSign, casework.Input{}).
		do(cst(3, 2, 14, 0), squad, casework.ActHandle, result).
		do(cst(3, 2, 14, 10), intake, casework.ActRequestCheck, casework.Input{}).
		do(cst(3, 2, 15, 0), intake, casework.ActCheckPass, casework.Input{}).
		do(cst(3, 3, 10, 0), intake, casework.ActRate, casework.Input{Rating: casework.Satisfied})
}

// troubledStory is a portal case that meets most of what can happen: a return, a late dispatch
// marked overdue, an extension, a supervision, a suspension, a failed check, a closure, and a
// dissatisfied rating that reopens it.
func troubledStory(t testing.TB) *story {
	bureau, squad := handlerOf(bureauID, bureauPath), handlerOf(squadID, squadPath)
	s := newStory(t, 2, casework.ChannelPortal, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 5), intake, casework.ActFile, casework.Input{}).
		do(cst(3, 2, 9, 10), dispatcher, casework.ActDispatch, casework.Input{}, bureauPath).
		do(cst(3, 2, 9, 20), bureau, casework.ActReturn, casework.Input{ReasonCode: "wrong_territory", Reason: "属地不符"})
	s.overdue(catalog.StageDispatch) // 10:20
	return s.
		do(cst(3, 2, 11, 0), dispatcher, casework.ActDispatch, casework.Input{}, squadPath).
		do(cst(3, 2, 11, 10), squad, casework.ActRequestExtension, casework.Input{Extension: ptr(wd(1)), Reason: "需协调"}).
		do(cst(3, 2, 11, 20), dispatcher, casework.ActApproveExtension, casework.Input{}).
		do(cst(3, 2, 15, 0), squad, casework.ActSign, casework.Input{}).
		do(cst(3, 2, 15, 5), leader, casework.ActSupervise, casework.Input{Level: casework.SuperviseNormal}).
		do(cst(3, 2, 15, 10), squad, casework.ActRequestSuspend, reason).
		do(cst(3, 2, 15, 20), dispatcher, casework.ActApproveSuspend, casework.Input{}).
		do(cst(3, 3, 10, 0), dispatcher, casework.ActResume, casework.Input{}).
		do(cst(3, 3, 11, 0), squad, casework.ActHandle, result).
		do(cst(3, 3, 11, 5), intake, casework.ActRequestCheck, casework.Input{}).
		do(cst(3, 3, 11, 30), intake, casework.ActCheckFail, reason).
		do(cst(3, 3, 13, 40), squad, casework.ActSign, casework.Input{}).
		do(cst(3, 3, 14, 0), squad, casework.ActHandle, result).
		do(cst(3, 3, 14, 5), intake, casework.ActRequestCheck, casework.Input{}).
		do(cst(3, 3, 14, 30), intake, casework.ActCheckPass, casework.Input{}).
		do(cst(3, 3, 15, 0), intake, casework.ActRate, casework.Input{Rating: casework.Dissatisfied})
}

// openStory is a patrol case dispatched to the street office and signed, its handling not
// finished; the handle stage falls due at 15:00 the same day.
func openStory(t *testing.T) *story {
	street := handlerOf(streetID, streetPath)
	return newStory(t, 3, casework.ChannelPatrol, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 5), intake, casework.ActFile, casework.Input{}).
		do(cst(3, 2, 9, 10), dispatcher, casework.ActDispatch, casework.Input{}, streetPath).
		do(cst(3, 2, 9, 30), street, casework.ActSign, casework.Input{})
}

func ptr[T any](v T) *T { return &v }

func fold(t *testing.T, events []casework.Event) assess.CaseFacts {
	t.Helper()
	f, err := assess.Fold(events)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func utc(t time.Time) time.Time { return t.UTC() }

func run(stage catalog.Stage, unit string, start, end, due time.Time, onTime bool, active ...assess.Span) assess.Run {
	r := assess.Run{Stage: stage, UnitPath: unit, Start: utc(start), Due: ptr(utc(due)), OnTime: onTime, Active: active}
	if end.IsZero() {
		r.Open = true
	} else {
		r.End = ptr(utc(end))
	}
	return r
}

func span(from, to time.Time) assess.Span {
	s := assess.Span{From: utc(from)}
	if !to.IsZero() {
		s.To = utc(to)
	}
	return s
}

func sameRuns(t *testing.T, got, want []assess.Run) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d runs, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("run %d:\n got %s\nwant %s", i, showRun(got[i]), showRun(want[i]))
		}
	}
}

func showRun(r assess.Run) string {
	s := string(r.Stage) + " " + r.UnitPath + " " + r.Start.In(cstZone).Format("01-02 15:04")
	if r.End != nil {
		s += "→" + r.End.In(cstZone).Format("01-02 15:04")
	}
	if r.Due != nil {
		s += " due " + r.Due.In(cstZone).Format("01-02 15:04")
	}
	if r.OnTime {
		s += " on time"
	}
	if r.Open {
		s += " open"
	}
	for _, a := range r.Active {
		s += " [" + a.From.In(cstZone).Format("01-02 15:04") + "," + a.To.In(cstZone).Format("01-02 15:04") + ")"
	}
	return s
}

var cstZone = cst(1, 1, 0, 0).Location()

func TestFoldOnTime(t *testing.T) {
	f := fold(t, onTimeStory(t).events)
	if f.ID != 1 || f.Channel != casework.ChannelHotline || f.TerritoryPath != gridPath || !f.Resident() {
		t.Fatalf("identity: %+v", f)
	}
	if f.State != casework.Closed || f.WholeDue != nil || !f.LastAt.Equal(cst(3, 3, 10, 0)) {
		t.Fatalf("end: state %s, whole due %v, last %s", f.State, f.WholeDue, f.LastAt)
	}
	if !f.FiledAt.Equal(cst(3, 2, 9, 10)) || f.RejectedAt != nil || f.VoidedAt != nil {
		t.Fatalf("filed %v rejected %v voided %v", f.FiledAt, f.RejectedAt, f.VoidedAt)
	}
	wantOcc := []assess.Occurrence{{At: utc(cst(3, 2, 9, 30)), UnitPath: squadPath}}
	if !reflect.DeepEqual(f.Dispatches, wantOcc) || len(f.Returns)+len(f.Extensions)+len(f.Overdues)+len(f.Supervisions) != 0 {
		t.Fatalf("occurrences: %+v", f)
	}
	wantClose := []assess.Closing{{At: utc(cst(3, 2, 15, 0)), OnTime: true, UnitPath: squadPath}}
	if !reflect.DeepEqual(f.Closings, wantClose) {
		t.Fatalf("closings %+v", f.Closings)
	}
	if !reflect.DeepEqual(f.Ratings, []assess.RatingFact{{At: utc(cst(3, 3, 10, 0)), Rating: casework.Satisfied}}) {
		t.Fatalf("ratings %+v", f.Ratings)
	}
	// Dispatch 1 working hour from filing, sign 2 from dispatch, handle 4 from signing (over the
	// lunch break: 10:00–12:00 and 13:30–15:30), check by the end of the next working day.
	sameRuns(t, f.Runs, []assess.Run{
		run(catalog.StageDispatch, "", cst(3, 2, 9, 10), cst(3, 2, 9, 30), cst(3, 2, 10, 10), true),
		run(catalog.StageSign, squadPath, cst(3, 2, 9, 30), cst(3, 2, 10, 0), cst(3, 2, 11, 30), true),
		run(catalog.StageHandle, squadPath, cst(3, 2, 10, 0), cst(3, 2, 14, 0), cst(3, 2, 15, 30), true, span(cst(3, 2, 10, 0), cst(3, 2, 14, 0))),
		run(catalog.StageCheck, "", cst(3, 2, 14, 0), cst(3, 2, 15, 0), cst(3, 3, 17, 30), true),
	})
}

func TestFoldTroubled(t *testing.T) {
	f := fold(t, troubledStory(t).events)
	if f.State != casework.Rework || f.WholeDue == nil || !f.WholeDue.Equal(cst(3, 5, 17, 30)) {
		t.Fatalf("end: state %s, whole due %v (a reopening gives a fresh 2 working days)", f.State, f.WholeDue)
	}
	occ := func(at time.Time, unit string) assess.Occurrence {
		return assess.Occurrence{At: utc(at), UnitPath: unit}
	}
	checks := []struct {
		name      string
		got, want []assess.Occurrence
	}{
		{"dispatches", f.Dispatches, []assess.Occurrence{occ(cst(3, 2, 9, 10), bureauPath), occ(cst(3, 2, 11, 0), squadPath)}},
		{"returns", f.Returns, []assess.Occurrence{occ(cst(3, 2, 9, 20), bureauPath)}},
		{"extensions", f.Extensions, []assess.Occurrence{occ(cst(3, 2, 11, 20), squadPath)}},
		// The dispatch stage went overdue while the case was back with the centre: no unit's.
		{"overdues", f.Overdues, []assess.Occurrence{occ(cst(3, 2, 10, 20), "")}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if !reflect.DeepEqual(f.Supervisions, []time.Time{utc(cst(3, 2, 15, 5))}) {
		t.Errorf("supervisions %v", f.Supervisions)
	}
	if !reflect.DeepEqual(f.Closings, []assess.Closing{{At: utc(cst(3, 3, 14, 30)), OnTime: true, UnitPath: squadPath, Reworked: true}}) {
		t.Errorf("closings %+v", f.Closings)
	}
	if !reflect.DeepEqual(f.Ratings, []assess.RatingFact{{At: utc(cst(3, 3, 15, 0)), Rating: casework.Dissatisfied}}) {
		t.Errorf("ratings %+v", f.Ratings)
	}
	// The first sign run (to the bureau) ended in a return and is not kept. The extension moved the
	// sign due to the end of the next working day. Suspension paused handling from 15:20 to 10:00
	// the next day; the 220 working minutes left then ran from 10:00 (due 15:10).
	sameRuns(t, f.Runs, []assess.Run{
		run(catalog.StageDispatch, "", cst(3, 2, 9, 5), cst(3, 2, 9, 10), cst(3, 2, 10, 5), true),
		run(catalog.StageDispatch, "", cst(3, 2, 9, 20), cst(3, 2, 11, 0), cst(3, 2, 10, 20), false),
		run(catalog.StageSign, squadPath, cst(3, 2, 11, 0), cst(3, 2, 15, 0), cst(3, 3, 17, 30), true),
		run(catalog.StageHandle, squadPath, cst(3, 2, 15, 0), cst(3, 3, 11, 0), cst(3, 3, 15, 10), true,
			span(cst(3, 2, 15, 0), cst(3, 2, 15, 20)), span(cst(3, 3, 10, 0), cst(3, 3, 11, 0))),
		run(catalog.StageCheck, "", cst(3, 3, 11, 0), cst(3, 3, 11, 30), cst(3, 4, 17, 30), true),
		run(catalog.StageSign, squadPath, cst(3, 3, 11, 30), cst(3, 3, 13, 40), cst(3, 3, 15, 0), true),
		run(catalog.StageHandle, squadPath, cst(3, 3, 13, 40), cst(3, 3, 14, 0), cst(3, 4, 9, 10), true, span(cst(3, 3, 13, 40), cst(3, 3, 14, 0))),
		run(catalog.StageCheck, "", cst(3, 3, 14, 0), cst(3, 3, 14, 30), cst(3, 4, 17, 30), true),
		run(catalog.StageSign, squadPath, cst(3, 3, 15, 0), time.Time{}, cst(3, 3, 17, 0), false),
	})
}

// TestFoldUntil folds a history cut at an instant: the facts describe the case as it stood then.
func TestFoldUntil(t *testing.T) {
	events := troubledStory(t).events
	f := fold(t, until(events, cst(3, 3, 0, 0)))
	if f.State != casework.Suspended || f.WholeDue != nil {
		t.Fatalf("suspended at midnight: state %s, whole due %v (a paused clock is not due)", f.State, f.WholeDue)
	}
	last := f.Runs[len(f.Runs)-1]
	if last.Stage != catalog.StageHandle || !last.Open || last.Due != nil || len(last.Active) != 1 || !last.Active[0].To.Equal(cst(3, 2, 15, 20)) {
		t.Fatalf("the suspended handle run: %s", showRun(last))
	}
	f = fold(t, openStory(t).events)
	sameRuns(t, f.Runs[2:], []assess.Run{
		run(catalog.StageHandle, streetPath, cst(3, 2, 9, 30), time.Time{}, cst(3, 2, 15, 0), false, span(cst(3, 2, 9, 30), time.Time{})),
	})
}

func TestFoldVoidAndReject(t *testing.T) {
	v := newStory(t, 4, casework.ChannelHotline, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 5), intake, casework.ActFile, casework.Input{}).
		do(cst(3, 2, 9, 50), shift, casework.ActVoid, reason)
	f := fold(t, v.events)
	if f.VoidedAt == nil || !f.VoidedAt.Equal(cst(3, 2, 9, 50)) || f.Merged || f.State != casework.Voided || f.WholeDue != nil {
		t.Fatalf("voided: %+v", f)
	}
	if len(f.Runs) != 0 {
		t.Fatalf("a voided case keeps no unfinished run: %+v", f.Runs)
	}
	r := newStory(t, 5, casework.ChannelHotline, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 5), intake, casework.ActReject, casework.Input{ReasonCode: "invalid", Reason: "无效"})
	f = fold(t, r.events)
	if f.RejectedAt == nil || f.FiledAt != nil || f.State != casework.Rejected {
		t.Fatalf("rejected: %+v", f)
	}
	if _, err := assess.Fold(nil); err == nil {
		t.Fatal("an empty history folded")
	}
}

// until keeps the events before an instant.
func until(events []casework.Event, to time.Time) []casework.Event {
	var out []casework.Event
	for _, e := range events {
		if e.At.Before(to) {
			out = append(out, e)
		}
	}
	return out
}

// BenchmarkFold folds the troubled story's history (21 events): the cost of one case's facts,
// most of it decoding the events' payloads in the projection.
func BenchmarkFold(b *testing.B) {
	events := troubledStory(b).events
	b.ReportAllocs()
	for b.Loop() {
		if _, err := assess.Fold(events); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
}
