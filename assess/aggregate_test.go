package assess_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"civicgrid/assess"
	"civicgrid/casework"
	"civicgrid/org"
)

var testUnits = []assess.Unit{
	{ID: districtID, Name: "宝山区", Kind: org.District, Path: districtPath},
	{ID: streetID, Name: "友谊路街道", Kind: org.Street, Path: streetPath},
	{ID: communityID, Name: "宝钢一村居委会", Kind: org.Community, Path: communityPath},
	{ID: bureauID, Name: "城管执法局", Kind: org.Department, Path: bureauPath},
	{ID: squadID, Name: "友谊路中队", Kind: org.Department, Path: squadPath},
}

// aggregate folds the stories' events before the period's end and adds them up.
func aggregate(t *testing.T, p assess.Period, stories ...*story) map[string]assess.Indicators {
	t.Helper()
	a, err := assess.NewAggregator(testUnits, assess.Options{Period: p, Calendar: testCalendar, Weights: assess.DefaultWeights})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stories {
		f := fold(t, until(s.events, p.To))
		if err := a.Add(&f); err != nil {
			t.Fatal(err)
		}
	}
	if a.Cases() != len(stories) {
		t.Fatalf("%d cases added, want %d", a.Cases(), len(stories))
	}
	out := map[string]assess.Indicators{}
	for _, x := range a.Result() {
		out[x.Unit.ID] = x
	}
	return out
}

// rate checks a rate against num/den (nil for den 0).
func rate(t *testing.T, name string, got *float64, num, den int) {
	t.Helper()
	switch {
	case den == 0 && got != nil:
		t.Errorf("%s = %v, want none", name, *got)
	case den == 0:
	case got == nil:
		t.Errorf("%s is missing, want %d/%d", name, num, den)
	case math.Abs(*got-float64(num)/float64(den)) > 1e-12:
		t.Errorf("%s = %v, want %d/%d", name, *got, num, den)
	}
}

func near(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", name, deref(got), want)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func eq(t *testing.T, name string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", name, got, want)
	}
}

// TestAggregateMonth adds the three stories up for March 2026. By construction:
//   - three cases received and filed, none rejected or voided;
//   - four dispatch runs, one late (the redispatch after the return);
//   - two closed (both on time, one reworked); the open case falls due on 4 March, so due is 3;
//   - three check runs, all on time; one overdue mark; one supervision;
//   - hotline (the hotline and the portal case): four sign runs of which the reopened one is still
//     open and past due, one of two due cases still closed at the end, one of two ratings satisfied.
func TestAggregateMonth(t *testing.T) {
	p, _ := assess.ParsePeriod("2026-03")
	got := aggregate(t, p, onTimeStory(t), troubledStory(t), openStory(t))

	for _, id := range []string{districtID, streetID, communityID} {
		x := got[id].Territory
		eq(t, id+" received", x.Received, 3)
		eq(t, id+" filed", x.Filed, 3)
		eq(t, id+" rejected", x.Rejected, 0)
		rate(t, id+" accurate filing", x.AccurateFilingRate, 3, 3)
		eq(t, id+" dispatch runs", x.DispatchRuns, 4)
		rate(t, id+" on-time dispatch", x.OnTimeDispatchRate, 3, 4)
		eq(t, id+" closed", x.Closed, 2)
		eq(t, id+" due", x.Due, 3)
		rate(t, id+" closure", x.ClosureRate, 2, 3)
		rate(t, id+" on-time closure", x.OnTimeClosureRate, 2, 2)
		rate(t, id+" rework", x.ReworkRate, 1, 2)
		rate(t, id+" on-time check", x.OnTimeCheckRate, 3, 3)
		eq(t, id+" overdue", x.Overdue, 1)
		eq(t, id+" supervisions", x.Supervisions, 1)
		h := got[id].Hotline
		eq(t, id+" requests", h.Requests, 2)
		rate(t, id+" response", h.ResponseRate, 3, 4)
		rate(t, id+" resolution", h.ResolutionRate, 1, 2)
		rate(t, id+" satisfaction", h.SatisfactionRate, 1, 2)
		near(t, id+" score", h.Score, 100*(0.2*0.75+0.4*0.5+0.4*0.5))
	}
	for _, id := range []string{bureauID, squadID} {
		if x := got[id].Territory; x != (assess.Territory{}) {
			t.Errorf("department %s holds no territory but counts %+v", id, x)
		}
	}

	// The district: every unit that handled a case lies in it.
	a := got[districtID].Assignee
	eq(t, "district dispatched", a.Dispatched, 3)
	rate(t, "district return", a.ReturnRate, 1, 3)
	rate(t, "district extension", a.ExtensionRate, 1, 3)
	eq(t, "district sign runs", a.SignRuns, 5)
	rate(t, "district on-time sign", a.OnTimeSignRate, 4, 5)
	eq(t, "district handle runs", a.HandleRuns, 4)
	rate(t, "district on-time handle", a.OnTimeHandleRate, 3, 4)
	eq(t, "district handled", a.Handled, 3)
	// 150 + 80 + 20 working minutes over three results.
	near(t, "district handling hours", a.HandlingHoursAvg, 250.0/60/3)
	eq(t, "district closed", a.Closed, 2)
	rate(t, "district rework", a.ReworkRate, 1, 2)
	eq(t, "district overdue", a.Overdue, 0)

	// The bureau counts its squad's work and its own return.
	b := got[bureauID].Assignee
	eq(t, "bureau dispatched", b.Dispatched, 2)
	rate(t, "bureau return", b.ReturnRate, 1, 2)
	rate(t, "bureau extension", b.ExtensionRate, 1, 2)
	rate(t, "bureau on-time sign", b.OnTimeSignRate, 3, 4)
	rate(t, "bureau on-time handle", b.OnTimeHandleRate, 3, 3)
	near(t, "bureau handling hours", b.HandlingHoursAvg, 250.0/60/3)
	s := got[squadID].Assignee
	eq(t, "squad dispatched", s.Dispatched, 2)
	eq(t, "squad returned", s.Returned, 0)
	eq(t, "squad extended", s.Extended, 1)
	eq(t, "squad closed", s.Closed, 2)
	rate(t, "squad on-time closure", s.OnTimeClosureRate, 2, 2)

	// The street office handled the open case: one sign run in time, one handle run past due.
	st := got[streetID].Assignee
	eq(t, "street dispatched", st.Dispatched, 1)
	rate(t, "street on-time sign", st.OnTimeSignRate, 1, 1)
	rate(t, "street on-time handle", st.OnTimeHandleRate, 0, 1)
	if st.HandlingHoursAvg != nil || st.Handled != 0 {
		t.Errorf("street handled nothing yet: %+v", st)
	}
	if c := got[communityID].Assignee; c != (assess.Assignee{}) {
		t.Errorf("the community handled nothing: %+v", c)
	}
}

// TestAggregateDay counts Monday 2 March only: the later events are not part of that day's record.
func TestAggregateDay(t *testing.T) {
	p, _ := assess.ParsePeriod("2026-03-02")
	got := aggregate(t, p, onTimeStory(t), troubledStory(t), openStory(t))
	x, h, a := got[districtID].Territory, got[districtID].Hotline, got[districtID].Assignee
	eq(t, "received", x.Received, 3)
	rate(t, "on-time dispatch", x.OnTimeDispatchRate, 3, 4)
	// Only the first case closed that day; the troubled one was suspended (its clock paused), the
	// open one falls due on Wednesday.
	eq(t, "closed", x.Closed, 1)
	eq(t, "due", x.Due, 1)
	rate(t, "rework", x.ReworkRate, 0, 1)
	eq(t, "check runs", x.CheckRuns, 1)
	eq(t, "overdue", x.Overdue, 1)
	rate(t, "response", h.ResponseRate, 2, 2)
	rate(t, "resolution", h.ResolutionRate, 1, 1)
	rate(t, "satisfaction", h.SatisfactionRate, 0, 0)
	near(t, "score without ratings", h.Score, 100)
	eq(t, "sign runs", a.SignRuns, 3)
	// The suspended run is not due; the street's open run fell due at 15:00.
	rate(t, "on-time handle", a.OnTimeHandleRate, 1, 2)
	near(t, "handling hours", a.HandlingHoursAvg, 2.5)

	// Tuesday: the rating of the first case, and the rest of the troubled one.
	p, _ = assess.ParsePeriod("2026-03-03")
	got = aggregate(t, p, onTimeStory(t), troubledStory(t), openStory(t))
	x, h = got[districtID].Territory, got[districtID].Hotline
	eq(t, "tuesday received", x.Received, 0)
	eq(t, "tuesday closed", x.Closed, 1)
	eq(t, "tuesday reworked", x.Reworked, 1)
	eq(t, "tuesday rated", h.Rated, 2)
	eq(t, "tuesday satisfied", h.Satisfied, 1)
	// Sign runs decided on Tuesday: the second one in time, the reopened one past 17:00.
	rate(t, "tuesday response", h.ResponseRate, 1, 2)
}

func TestAggregateBoundaries(t *testing.T) {
	at := cst(3, 10, 9, 0)
	f := assess.CaseFacts{ID: 9, TerritoryPath: gridPath, ReportedAt: utc(at), LastAt: utc(at), State: casework.Reported}
	for _, c := range []struct {
		from, to time.Time
		want     int
	}{{at, at.Add(time.Hour), 1}, {at.Add(-time.Hour), at, 0}} {
		p, err := assess.CustomPeriod(c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := assess.NewAggregator(testUnits, assess.Options{Period: p})
		g := f
		if !g.LastAt.Before(p.To) {
			if err := a.Add(&g); err == nil || !strings.Contains(err.Error(), "past the end") {
				t.Fatalf("a history running past the period was added: %v", err)
			}
			continue
		}
		if err := a.Add(&g); err != nil {
			t.Fatal(err)
		}
		if got := a.Result()[0].Territory.Received; got != c.want {
			t.Errorf("[%s, %s): received %d, want %d", c.from, c.to, got, c.want)
		}
	}
	if _, err := assess.NewAggregator(append(testUnits, testUnits[0]), assess.Options{Period: assess.MonthOf(at)}); err == nil {
		t.Error("a unit listed twice was accepted")
	}
}

func TestWeights(t *testing.T) {
	w, err := assess.ParseWeights("10, 45,45")
	if err != nil || w != (assess.Weights{Response: 10, Resolution: 45, Satisfaction: 45}) {
		t.Fatalf("%+v %v", w, err)
	}
	for _, bad := range []string{"", "1,2", "1,2,3,4", "0,0,0", "-1,2,3", "a,b,c", "NaN,1,1", "Inf,1,1"} {
		if _, err := assess.ParseWeights(bad); err == nil {
			t.Errorf("weights %q accepted", bad)
		}
	}
	half, one := 0.5, 1.0
	near(t, "score", w.Score(&one, &half, nil), 100*(10*1+45*0.5)/55)
	if w.Score(nil, nil, nil) != nil {
		t.Error("a score without any rate")
	}
}

func TestParsePeriod(t *testing.T) {
	cases := []struct {
		in       string
		from, to time.Time
	}{
		{"2026", cst(1, 1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, cstZone)},
		{"2026-Q1", cst(1, 1, 0, 0), cst(4, 1, 0, 0)},
		{"2026-Q4", cst(10, 1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, cstZone)},
		{"2026-03", cst(3, 1, 0, 0), cst(4, 1, 0, 0)},
		{"2026-12", cst(12, 1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, cstZone)},
		{"2026-03-05", cst(3, 5, 0, 0), cst(3, 6, 0, 0)},
		// ISO weeks start on Monday; week 1 holds 4 January (2026: Monday 29 December 2025).
		{"2026-W01", time.Date(2025, 12, 29, 0, 0, 0, 0, cstZone), cst(1, 5, 0, 0)},
		{"2026-W10", cst(3, 2, 0, 0), cst(3, 9, 0, 0)},
		{"2026-W53", cst(12, 28, 0, 0), time.Date(2027, 1, 4, 0, 0, 0, 0, cstZone)},
	}
	for _, c := range cases {
		p, err := assess.ParsePeriod(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !p.From.Equal(c.from) || !p.To.Equal(c.to) || p.Name != c.in {
			t.Errorf("%s: [%s, %s), want [%s, %s)", c.in, p.From, p.To, c.from, c.to)
		}
	}
	for _, bad := range []string{"", "26", "2026-13", "2026-00", "2026-Q5", "2026-W00", "2025-W53", "2026-02-30", "1999", "2026-3", "2026-03-5", "2026-W1", "x026"} {
		if _, err := assess.ParsePeriod(bad); err == nil {
			t.Errorf("period %q accepted", bad)
		}
	}
	if _, err := assess.CustomPeriod(cst(3, 2, 0, 0), cst(3, 2, 0, 0)); err == nil {
		t.Error("an empty custom period was accepted")
	}
}

// TestAggregateSoFar computes March on Monday 2 March at 14:00: the open case's handling falls due
// at 15:00 and the whole case on Wednesday, neither of which has passed.
func TestAggregateSoFar(t *testing.T) {
	p, _ := assess.ParsePeriod("2026-03")
	a, _ := assess.NewAggregator(testUnits, assess.Options{Period: p, Now: cst(3, 2, 14, 0)})
	f := fold(t, openStory(t).events)
	if err := a.Add(&f); err != nil {
		t.Fatal(err)
	}
	x := a.Result()[0]
	eq(t, "due so far", x.Territory.Due, 0)
	eq(t, "handle runs so far", x.Assignee.HandleRuns, 0)
	eq(t, "sign runs so far", x.Assignee.SignRuns, 1)
	a, _ = assess.NewAggregator(testUnits, assess.Options{Period: p, Now: cst(3, 2, 15, 0)})
	a.Add(&f)
	eq(t, "handle runs at the due instant", a.Result()[0].Assignee.HandleRuns, 1)
}
