package assess_test

import (
	"reflect"
	"testing"
	"time"

	"civicgrid/assess"
	"civicgrid/calendar"
)

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }

func TestGrade(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  string
	}{{100, "A"}, {90, "A"}, {89.99, "B"}, {75, "B"}, {74.99, "C"}, {60, "C"}, {59.99, "D"}, {40, "D"}, {39.99, "E"}, {0, "E"}} {
		if g := assess.Grade(c.score); g != c.want {
			t.Errorf("Grade(%v) = %s, want %s", c.score, g, c.want)
		}
	}
}

// TestSchemeScore: the weighted mean over the criteria with a value, the others' weights shared
// out, rounded to two decimals.
func TestSchemeScore(t *testing.T) {
	territory, _ := assess.SchemeFor(assess.DefaultSchemes, assess.RankTerritory, time.Now())
	for _, c := range []struct {
		name   string
		values map[string]*float64
		score  *float64
		grade  string
	}{
		{"all perfect", map[string]*float64{"closure_rate": fp(1), "on_time_closure_rate": fp(1), "accurate_filing_rate": fp(1), "no_rework_rate": fp(1), "satisfaction_rate": fp(1)}, fp(100), "A"},
		// 30·0.5 + 25·1 + 15·1 + 15·0.5 + 15·0 = 15 + 25 + 15 + 7.5 = 62.5
		{"mixed", map[string]*float64{"closure_rate": fp(0.5), "on_time_closure_rate": fp(1), "accurate_filing_rate": fp(1), "no_rework_rate": fp(0.5), "satisfaction_rate": fp(0)}, fp(62.5), "C"},
		// without satisfaction: (30·1 + 25·0.5 + 15·1 + 15·1) / 85 = 72.5 / 85 = 85.2941… → 85.29
		{"no ratings", map[string]*float64{"closure_rate": fp(1), "on_time_closure_rate": fp(0.5), "accurate_filing_rate": fp(1), "no_rework_rate": fp(1)}, fp(85.29), "B"},
		// only closure: 2/3 → 66.67
		{"closure only", map[string]*float64{"closure_rate": fp(2.0 / 3)}, fp(66.67), "C"},
		{"nothing", map[string]*float64{}, nil, ""},
	} {
		got := territory.Score(c.values)
		if !reflect.DeepEqual(got.Score, c.score) || got.Grade != c.grade {
			t.Errorf("%s: score %v grade %q, want %v %q", c.name, scoreOf(got.Score), got.Grade, scoreOf(c.score), c.grade)
		}
		if len(got.Parts) != 5 || got.Parts[0].Criterion != "closure_rate" || got.Parts[0].Weight != 30 {
			t.Errorf("%s: parts %+v", c.name, got.Parts)
		}
	}
}

func scoreOf(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestDepartmentValues: volume is the dispatches over the median of the peers that had any,
// capped at 1; rework enters as its complement.
func TestDepartmentValues(t *testing.T) {
	peers := []assess.Indicators{
		{Assignee: assess.Assignee{Dispatched: 10, OnTimeClosureRate: fp(0.8), OnTimeHandleRate: fp(0.9), ReworkRate: fp(0.1)}},
		{Assignee: assess.Assignee{Dispatched: 4}},
		{Assignee: assess.Assignee{Dispatched: 0}},
		{Assignee: assess.Assignee{Dispatched: 6}},
	}
	// 4, 6, 10 → 6
	if m := assess.MedianVolume(peers); m != 6 {
		t.Fatalf("median %v, want 6", m)
	}
	if m := assess.MedianVolume(peers[:2]); m != 7 {
		t.Fatalf("median of 10 and 4 = %v, want 7", m)
	}
	if m := assess.MedianVolume(peers[2:3]); m != 0 {
		t.Fatalf("median without volume = %v, want 0", m)
	}
	v := assess.DepartmentValues(peers[0], 6)
	if *v["volume"] != 1 || *v["dept_no_rework_rate"] != 0.9 || *v["on_time_handle_rate"] != 0.9 || *v["dept_on_time_closure"] != 0.8 {
		t.Errorf("values of the busiest: %v", v)
	}
	if v := assess.DepartmentValues(peers[1], 6); *v["volume"] != 4.0/6 || v["dept_no_rework_rate"] != nil {
		t.Errorf("values of the second: %v", v)
	}
	if v := assess.DepartmentValues(peers[2], 6); v["volume"] != nil {
		t.Errorf("volume without dispatches: %v", *v["volume"])
	}
	if v := assess.DepartmentValues(peers[0], 0); v["volume"] != nil {
		t.Errorf("volume without peers' volume: %v", *v["volume"])
	}
	dept, _ := assess.SchemeFor(assess.DefaultSchemes, assess.RankDepartment, time.Now())
	// 30·0.8 + 30·0.9 + 20·0.9 + 20·1 = 24 + 27 + 18 + 20 = 89 → B
	if c := dept.Score(assess.DepartmentValues(peers[0], 6)); *c.Score != 89 || c.Grade != "B" {
		t.Errorf("department composite %v %s, want 89 B", *c.Score, c.Grade)
	}
	// only volume 4/6: 66.67 → C
	if c := dept.Score(assess.DepartmentValues(peers[1], 6)); *c.Score != 66.67 || c.Grade != "C" {
		t.Errorf("department composite %v %s, want 66.67 C", *c.Score, c.Grade)
	}
}

func TestRanks(t *testing.T) {
	got := assess.Ranks([]*float64{fp(80), nil, fp(95), fp(80), fp(60)})
	want := []*int{ip(2), nil, ip(1), ip(2), ip(4)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranks %v, want 2 – 1 2 4", got)
	}
}

// TestSchemeFor: a period is scored by the scheme in force at its start.
func TestSchemeFor(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, calendar.China) }
	schemes := []assess.Scheme{
		{Kind: assess.RankTerritory, Version: 1, ValidFrom: day(2025, 1, 1)},
		{Kind: assess.RankTerritory, Version: 2, ValidFrom: day(2026, 4, 1)},
		{Kind: assess.RankDepartment, Version: 7, ValidFrom: day(2026, 1, 1)},
	}
	for _, c := range []struct {
		kind assess.RankingKind
		at   time.Time
		want int
	}{
		{assess.RankTerritory, day(2026, 3, 1), 1}, {assess.RankTerritory, day(2026, 4, 1), 2}, {assess.RankTerritory, day(2027, 1, 1), 2},
		{assess.RankTerritory, day(2024, 12, 1), 0}, {assess.RankDepartment, day(2026, 3, 1), 7}, {assess.RankDepartment, day(2025, 12, 1), 0},
	} {
		s, ok := assess.SchemeFor(schemes, c.kind, c.at)
		if ok != (c.want != 0) || s.Version != c.want {
			t.Errorf("%s at %s: version %d (%v), want %d", c.kind, c.at.Format("2006-01-02"), s.Version, ok, c.want)
		}
	}
	for _, k := range assess.Kinds {
		s, ok := assess.SchemeFor(assess.DefaultSchemes, k, day(2000, 1, 1))
		if !ok || s.Version != 0 || s.Validate() != nil {
			t.Errorf("no default %s scheme", k)
		}
	}
}
