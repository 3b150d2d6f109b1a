package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/store/storetest"
)

func monthStart(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, calendar.China) }

// TestStoredSchemes: the root administrator adds versions, which take effect from their month;
// the versions defined in code stay version 0 and keep scoring the months before.
func TestStoredSchemes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		admin := e.user("city.admin")
		add := func(s assess.Scheme) *assess.Scheme {
			t.Helper()
			out, err := e.app.AddScheme(ctx, admin, s)
			if err != nil {
				t.Fatalf("add %s scheme: %v", s.Kind, err)
			}
			return out
		}
		one := add(assess.Scheme{Kind: assess.RankTerritory, Name: "只看结案率", ValidFrom: monthStart(2026, 4),
			Weights: []assess.Weight{{Criterion: assess.CritClosure, Weight: 1}}})
		if one.Version != 1 || one.CreatedBy != "city.admin" || one.CreatedAt == nil {
			t.Errorf("first stored version %d by %q at %v", one.Version, one.CreatedBy, one.CreatedAt)
		}
		two := add(assess.Scheme{Kind: assess.RankTerritory, Name: "结案与满意", ValidFrom: monthStart(2026, 4),
			Weights: []assess.Weight{{Criterion: assess.CritClosure, Weight: 1}, {Criterion: assess.CritSatisfaction, Weight: 1}}})
		street := add(assess.Scheme{Kind: assess.RankStreet, Name: "街道考核2026", ValidFrom: monthStart(2026, 3),
			Weights:    []assess.Weight{{Criterion: assess.CritClosure, Weight: 65, Section: "公共管理"}, {Criterion: assess.CritEvaluation, Weight: 35, Section: "评价"}},
			Vetoes:     []assess.VetoItem{{Code: "major_safety_accident", Name: "重大安全事故"}},
			VetoEffect: assess.VetoZeroScore})
		if two.Version != 2 || street.Version != 1 {
			t.Errorf("versions %d and %d, want 2 (second territory) and 1 (first street)", two.Version, street.Version)
		}
		for _, c := range []struct {
			kind    assess.RankingKind
			month   string
			version int
		}{
			{assess.RankTerritory, "2026-03", 0}, {assess.RankTerritory, "2026-04", 2}, {assess.RankTerritory, "2027-01", 2},
			{assess.RankStreet, "2026-02", 0}, {assess.RankStreet, "2026-03", 1}, {assess.RankDepartment, "2026-05", 0},
		} {
			p, _ := assess.ParsePeriod(c.month)
			s, err := e.app.SchemeInForce(ctx, c.kind, p)
			if err != nil || s.Version != c.version {
				t.Errorf("%s in %s: version %d (%v), want %d", c.kind, c.month, s.Version, err, c.version)
			}
		}
		all, err := e.app.Schemes(ctx)
		if err != nil || len(all) != len(assess.DefaultSchemes)+3 {
			t.Fatalf("%d schemes (%v), want the %d defined in code and 3 stored", len(all), err, len(assess.DefaultSchemes))
		}
		// By kind, then version: territory 0, 1, 2 first.
		if all[0].Version != 0 || all[1].Version != 1 || all[2].Version != 2 || all[2].Name != "结案与满意" {
			t.Errorf("schemes out of order: %v %v %v", all[0].Version, all[1].Version, all[2].Version)
		}

		// Refusals change nothing.
		w := func(c string, x float64) assess.Weight { return assess.Weight{Criterion: c, Weight: x} }
		for _, c := range []struct {
			name  string
			login string
			s     assess.Scheme
			code  string
			field string
		}{
			{"a district admin", "district.admin", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1)}}, civicgrid.EFORBIDDEN, ""},
			{"a leader", "district.leader", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1)}}, civicgrid.EFORBIDDEN, ""},
			{"unknown criterion", "city.admin", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w("speed", 1)}}, civicgrid.EINVALID, "weights[0].criterion"},
			{"a person criterion for units", "city.admin", assess.Scheme{Kind: assess.RankDepartment, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritValidReport, 1)}}, civicgrid.EINVALID, "weights[0].criterion"},
			{"a unit criterion for people", "city.admin", assess.Scheme{Kind: assess.RankDispatcher, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritOnTimeDispatch, 1), w(assess.CritClosure, 1)}}, civicgrid.EINVALID, "weights[1].criterion"},
			{"negative weight", "city.admin", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 2), w(assess.CritNoRework, -1)}}, civicgrid.EINVALID, "weights[1].weight"},
			{"weights summing to zero", "city.admin", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 0)}}, civicgrid.EINVALID, "weights"},
			{"a criterion twice", "city.admin", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1), w(assess.CritClosure, 1)}}, civicgrid.EINVALID, "weights[1].criterion"},
			{"no name", "city.admin", assess.Scheme{Kind: assess.RankTerritory, Name: " ", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1)}}, civicgrid.EINVALID, "name"},
			{"a month already over", "city.admin", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 2), Weights: []assess.Weight{w(assess.CritClosure, 1)}}, civicgrid.EINVALID, "valid_from"},
			{"not a month's start", "city.admin", assess.Scheme{Kind: assess.RankTerritory, Name: "x", ValidFrom: monthStart(2026, 4).Add(time.Hour), Weights: []assess.Weight{w(assess.CritClosure, 1)}}, civicgrid.EINVALID, "valid_from"},
			{"an effect without items", "city.admin", assess.Scheme{Kind: assess.RankStreet, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1)}, VetoEffect: assess.VetoZeroScore}, civicgrid.EINVALID, "veto_effect"},
			{"items without an effect", "city.admin", assess.Scheme{Kind: assess.RankStreet, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1)}, Vetoes: []assess.VetoItem{{Code: "fire", Name: "火灾"}}}, civicgrid.EINVALID, "veto_effect"},
			{"a bad veto code", "city.admin", assess.Scheme{Kind: assess.RankStreet, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1)}, Vetoes: []assess.VetoItem{{Code: "Fire!", Name: "火灾"}}, VetoEffect: assess.VetoZeroScore}, civicgrid.EINVALID, "vetoes[0].code"},
			{"vetoes for people", "city.admin", assess.Scheme{Kind: assess.RankIntake, Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritOnTimeFiling, 1)}, Vetoes: []assess.VetoItem{{Code: "fire", Name: "火灾"}}, VetoEffect: assess.VetoZeroScore}, civicgrid.EINVALID, "vetoes"},
			{"unknown kind", "city.admin", assess.Scheme{Kind: "person", Name: "x", ValidFrom: monthStart(2026, 4), Weights: []assess.Weight{w(assess.CritClosure, 1)}}, civicgrid.EINVALID, "kind"},
		} {
			_, err := e.app.AddScheme(ctx, e.user(c.login), c.s)
			if !civicgrid.IsCode(err, c.code) {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
				continue
			}
			if f := fieldOf(err); c.field != "" && f != c.field {
				t.Errorf("%s: field %q, want %q (%v)", c.name, f, c.field, err)
			}
		}
		if after, _ := e.app.Schemes(ctx); len(after) != len(all) {
			t.Errorf("%d schemes after the refusals, want %d", len(after), len(all))
		}
		denied, _ := e.app.DB.AuditLog(ctx, "denied", 10)
		if len(denied) != 2 || denied[0].Object != "assessment_scheme/territory" {
			t.Errorf("denials logged: %+v", denied)
		}
		stored, _ := e.app.DB.AuditLog(ctx, "assessment_scheme", 10)
		if len(stored) != 3 || stored[0].Object != "assessment_scheme/street/1" {
			t.Errorf("scheme changes logged: %+v", stored)
		}
	})
}

// TestRankingsUseTheSchemeInForce: a version stored from March scores March, while February keeps
// the version defined in code. With closure_rate alone, March: 宝钢一村 1/2 → 50, 宝林八村 and
// 临江新村 1 → 100; February as in TestRankingsByConstruction.
func TestRankingsUseTheSchemeInForce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		if _, err := e.app.AddScheme(ctx, e.user("city.admin"), assess.Scheme{Kind: assess.RankTerritory, Name: "只看结案率",
			ValidFrom: monthStart(2026, 3), Weights: []assess.Weight{{Criterion: assess.CritClosure, Weight: 1}}}); err != nil {
			t.Fatal(err)
		}
		rankingScenario(t, e)
		march, _ := assess.ParsePeriod("2026-03")
		rep, err := e.app.Rankings(ctx, e.user("youyi.leader"), app.RankingQuery{Unit: youyiStreet, Period: march, Kind: assess.RankTerritory})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Scheme.Version != 1 || rep.PreviousScheme.Version != 0 {
			t.Errorf("schemes %d and %d, want 1 for March and 0 for February", rep.Scheme.Version, rep.PreviousScheme.Version)
		}
		var got []string
		for _, r := range rep.Rows {
			got = append(got, fmt.Sprint(r.Unit.ID, " ", val(r.Score), " ", val(r.Rank), " ", val(r.PreviousScore), " ", val(r.Change)))
		}
		want := []string{
			youyiC2 + " 100 1 85.29 1",
			youyiC3 + " 100 1 73.53 2",
			youyiC1 + " 50 3 100 -2",
			youyiC4 + " <nil> <nil> <nil> <nil>",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("rows\n got %v\nwant %v", got, want)
		}
	})
}

// fieldOf is the field an error names, or "".
func fieldOf(err error) string {
	var e *civicgrid.Error
	if errors.As(err, &e) {
		f, _ := e.Details["field"].(string)
		return f
	}
	return ""
}
