package casework_test

import (
	"strings"
	"testing"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/org"
)

// A resident without an account rates with the case's tracking code: the actor made from the
// right code is the reporter, one made from any other code is not, and the history keeps only a
// digest of the code.
func TestRatingByTrackingCode(t *testing.T) {
	anonymous := testReport()
	anonymous.TrackingCode = "K7PQ2M9XRT"
	w := newWorldWith(t, cst(2025, 6, 9, 9, 0), anonymous, baseEnv)
	for _, st := range path[casework.Closed] {
		w.do(st.action, st.role)
	}
	if w.c.State != casework.Closed || w.c.TrackingCode != "K7PQ2M9XRT" {
		t.Fatalf("case %s with code %q", w.c.State, w.c.TrackingCode)
	}
	for _, code := range []string{"", "K7PQ2M9XRU", "k7pq2m9xrt"} {
		_, err := w.try(casework.ActRate, casework.ReporterByCode(code), casework.Input{Rating: casework.Satisfied})
		mustFail(t, err, civicgrid.EFORBIDDEN)
	}
	// An actor that merely claims the resident role, with no code and no account, is refused too.
	_, err := w.try(casework.ActRate, org.Actor{Name: "resident", Role: org.RoleResident}, casework.Input{Rating: casework.Satisfied})
	mustFail(t, err, civicgrid.EFORBIDDEN)

	w.doIn(casework.ActRate, casework.ReporterByCode("K7PQ2M9XRT"), casework.Input{Rating: casework.Dissatisfied})
	if w.c.State != casework.Rework || w.c.Rating != casework.Dissatisfied {
		t.Fatalf("after the reporter's dissatisfaction: %s %s", w.c.State, w.c.Rating)
	}
	last := w.events[len(w.events)-1]
	if strings.Contains(last.Actor.UnitPath+last.Actor.Unit+last.Actor.Name, "K7PQ2M9XRT") {
		t.Fatalf("the rating event holds the tracking code: %+v", last.Actor)
	}
}
