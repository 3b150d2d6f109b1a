package assess_test

import (
	"testing"
	"time"

	"civicgrid/assess"
)

// TestAssigneeDue checks 应结案数 and 结案率 of the 承办 view: a case counts as due for the unit it
// closed with in the period, or, open at the period's end past its whole-case due fallen in the
// period, for the unit it is then assigned to. A closes with the squad on 2 March; B is with the
// street office, C was sent to the bureau and then to its squad, both open, their whole-case dues
// on 4 March.
func TestAssigneeDue(t *testing.T) {
	a, b, c := onTimeStory(t), openStory(t), redispatchStory(t)
	for _, s := range []*story{b, c} {
		f := fold(t, s.events)
		if f.WholeDue == nil || !f.WholeDue.After(cst(3, 3, 12, 0)) || !f.WholeDue.Before(cst(3, 5, 0, 0)) {
			t.Fatalf("case %d: whole-case due %v, want on 3 or 4 March after noon of the 3rd", f.ID, f.WholeDue)
		}
	}
	first, _ := assess.CustomPeriod(cst(3, 1, 0, 0), cst(3, 10, 0, 0))
	for _, x := range []struct {
		name string
		now  time.Time
		due  map[string]int // per unit; closed is 1 for the squad, bureau and district, 0 elsewhere
	}{
		{"over", time.Time{}, map[string]int{squadID: 2, bureauID: 2, streetID: 1, districtID: 3, communityID: 0}},
		{"in progress before the dues", cst(3, 3, 12, 0), map[string]int{squadID: 1, bureauID: 1, streetID: 0, districtID: 1, communityID: 0}},
	} {
		opt := assess.Options{Period: first, Weights: assess.DefaultWeights, Now: x.now}
		agg, err := assess.NewAggregator(testUnits, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []*story{a, b, c} {
			f := fold(t, until(s.events, first.To))
			if err := agg.Add(&f); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range agg.Result() {
			closed := 0
			if r.Unit.ID == squadID || r.Unit.ID == bureauID || r.Unit.ID == districtID {
				closed = 1
			}
			if r.Assignee.Due != x.due[r.Unit.ID] || r.Assignee.Closed != closed {
				t.Errorf("%s, %s: due %d closed %d, want due %d closed %d", x.name, r.Unit.ID, r.Assignee.Due, r.Assignee.Closed, x.due[r.Unit.ID], closed)
			}
			rate(t, x.name+" "+r.Unit.ID+" closure_rate", r.Assignee.ClosureRate, closed, x.due[r.Unit.ID])
		}
	}
}

// TestDepartmentClosureCriterion: a department scheme that names 承办结案率 scores it.
func TestDepartmentClosureCriterion(t *testing.T) {
	x := assess.Indicators{Assignee: assess.Assignee{Dispatched: 4, Closed: 3, Due: 4, ClosureRate: ptr(0.75), OnTimeClosureRate: ptr(1.0)}}
	v := assess.DepartmentValues(x, 4)
	if got := v[assess.CritDeptClosure]; got == nil || *got != 0.75 {
		t.Fatalf("dept_closure_rate = %v", got)
	}
	s := assess.Scheme{Kind: assess.RankDepartment, Weights: []assess.Weight{{Criterion: assess.CritDeptClosure, Weight: 50}, {Criterion: assess.CritDeptOnTimeClose, Weight: 50}}}
	if c := s.Score(v); c.Score == nil || *c.Score != 87.5 {
		t.Fatalf("score %v, want 87.5 = (75 + 100) / 2", c.Score)
	}
	if _, ok := assess.CriterionNames[assess.CritDeptClosure]; !ok {
		t.Fatal("the criterion has no name for ledgers")
	}
}
