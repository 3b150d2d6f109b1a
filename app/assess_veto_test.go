package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// addLeader creates a leader account for a community (the demo has none).
func (e *env) addLeader(login, unit string) {
	e.t.Helper()
	if _, err := e.app.DB.CreateUser(context.Background(), store.NewUser{Login: login, Name: "社区书记", PasswordHash: "x",
		Grants: []org.Grant{{Role: org.RoleLeader, Unit: unit}}}); err != nil {
		e.t.Fatal(err)
	}
}

// TestVetoesAndEvaluations runs the ranking scenario with schemes stored from March 2026 (a
// department scheme of evaluation and residents' satisfaction 1:1; a street scheme of 结案率 65
// and evaluation 35 with the veto item major_safety_accident, lowest_grade) and one more case
// closed in time in 吴淞. In March the leaders of 宝钢一村 and 宝林八村 rate the 城管 squad 80 and
// excellent (100) and their street 70 and 90.
//
//	Departments of 友谊路, March: the squad's evaluation (80 + 100) / 2 = 90, satisfaction 3/3:
//	(0.9 + 1) / 2 = 95, A. February under version 0, with 宝钢一村's rating of 60 for February:
//	(22.5 + 24 + 15 + 20 + 20·0.6) / 120 = 77.92.
//	Streets of the district, March: 吴淞 结案率 1/1, no evaluation: 100, A; 友谊路 结案率 4/5,
//	evaluation (70 + 90) / 2 = 80: 65·0.8 + 35·0.8 = 80, B. February (version 0 of the street scheme)
//	友谊路: 结案 4/4, 准确立案 4/5, 按时派遣 4/4, 按时核查 5/5, 响应 5/5, 解决 4/4, 按期结案 3/4,
//	1−返工 3/4, no evaluation, 满意 1/1: (10 + 4 + 5 + 5 + 10 + 10 + 7.5 + 7.5 + 15) / 80 = 92.5, A.
//	A veto against 吴淞 keeps its score but makes it E and ranks it below 友谊路; withdrawn, it
//	ranks first again; a veto against 宝钢一村 vetoes its street.
func TestVetoesAndEvaluations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		admin := e.user("city.admin")
		for _, s := range []assess.Scheme{
			{Kind: assess.RankDepartment, Name: "评价与满意", ValidFrom: monthStart(2026, 3),
				Weights: []assess.Weight{{Criterion: assess.CritEvaluation, Weight: 1}, {Criterion: assess.CritDeptSatisfaction, Weight: 1}}},
			{Kind: assess.RankStreet, Name: "街道考核", ValidFrom: monthStart(2026, 3),
				Weights:    []assess.Weight{{Criterion: assess.CritClosure, Weight: 65, Section: "公共管理"}, {Criterion: assess.CritEvaluation, Weight: 35, Section: "评价"}},
				Vetoes:     []assess.VetoItem{{Code: "major_safety_accident", Name: "重大安全事故"}},
				VetoEffect: assess.VetoLowestGrade},
		} {
			if _, err := e.app.AddScheme(ctx, admin, s); err != nil {
				t.Fatal(err)
			}
		}
		rankingScenario(t, e)
		// One more case, in 吴淞, closed in time.
		at := func(d, hh, mm int) { e.clock.Set(march(d, hh, mm)) }
		at(6, 9, 0)
		w := e.report("E0502", wusongGrid).ID
		for i, s := range []struct {
			login  string
			action casework.Action
			in     casework.Input
		}{
			{"district.intake", casework.ActFile, casework.Input{}}, {"district.dispatcher", casework.ActDispatch, casework.Input{}},
			{"chengguan.wusong.handler", casework.ActSign, casework.Input{}}, {"chengguan.wusong.handler", casework.ActHandle, casework.Input{Result: "已处置"}},
			{"district.intake", casework.ActRequestCheck, casework.Input{}}, {"district.intake", casework.ActCheckPass, casework.Input{}},
		} {
			at(6, 9, 5*(i+1))
			e.act(s.login, w, s.action, s.in)
		}
		e.clock.Set(time.Date(2026, 4, 1, 10, 0, 0, 0, calendar.China))

		e.addLeader("youyi.c1.leader", youyiC1)
		e.addLeader("youyi.c2.leader", youyiC2)
		e.addLeader("youyi.c4.leader", youyiC4)
		score := func(v float64) *float64 { return &v }
		rate := func(login, community, unit string, s *float64, level string) error {
			_, err := e.app.AddEvaluation(ctx, e.user(login), app.EvaluationInput{Community: community, Unit: unit, Period: "2026-03", Score: s, Level: level, Comment: "服务及时"})
			return err
		}
		for _, c := range []struct {
			login, community, unit string
			score                  *float64
			level                  string
		}{
			{"youyi.c1.leader", youyiC1, youyiSquad, score(80), ""},
			{"youyi.c2.leader", youyiC2, youyiSquad, nil, "excellent"},
			{"youyi.c1.leader", youyiC1, youyiStreet, score(70), ""},
			{"youyi.c2.leader", youyiC2, youyiStreet, score(90), ""},
		} {
			if err := rate(c.login, c.community, c.unit, c.score, c.level); err != nil {
				t.Fatalf("%s rates %s: %v", c.community, c.unit, err)
			}
		}
		// February is ranked by version 0 of the department scheme, which weighs evaluations too.
		if _, err := e.app.AddEvaluation(ctx, e.user("youyi.c1.leader"), app.EvaluationInput{Community: youyiC1, Unit: youyiSquad, Period: "2026-02", Score: score(60)}); err != nil {
			t.Fatal(err)
		}
		// What 宝钢一村 could rate in March: its street, the squad and the bureau above it.
		units, err := e.app.Evaluable(ctx, e.user("youyi.c1.leader"), youyiC1, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, u := range units {
			ids = append(ids, u.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint([]string{bureau, youyiSquad, youyiStreet}) {
			t.Errorf("宝钢一村 may rate %v", ids)
		}
		// Refused ratings change nothing.
		for _, c := range []struct {
			name, login, community, unit string
			score                        *float64
			level, period, code          string
		}{
			{"a unit that did not serve it", "youyi.c1.leader", youyiC1, "310113003000-police", score(50), "", "2026-03", civicgrid.EINVALID},
			{"a community without cases rates the squad", "youyi.c4.leader", youyiC4, youyiSquad, score(50), "", "2026-03", civicgrid.EINVALID},
			{"twice", "youyi.c1.leader", youyiC1, youyiSquad, score(60), "", "2026-03", civicgrid.ECONFLICT},
			{"the street's leader for the community", "youyi.leader", youyiC1, youyiSquad, score(60), "", "2026-03", civicgrid.EFORBIDDEN},
			{"another community", "youyi.c1.leader", youyiC2, youyiSquad, score(60), "", "2026-03", civicgrid.ENOTFOUND},
			{"over 100", "youyi.c1.leader", youyiC1, bureau, score(120), "", "2026-03", civicgrid.EINVALID},
			{"score and level", "youyi.c1.leader", youyiC1, bureau, score(60), "good", "2026-03", civicgrid.EINVALID},
			{"unknown level", "youyi.c1.leader", youyiC1, bureau, nil, "superb", "2026-03", civicgrid.EINVALID},
			{"neither", "youyi.c1.leader", youyiC1, bureau, nil, "", "2026-03", civicgrid.EINVALID},
			{"a month not begun", "youyi.c1.leader", youyiC1, bureau, score(60), "", "2026-05", civicgrid.EINVALID},
			{"not a month", "youyi.c1.leader", youyiC1, bureau, score(60), "", "2026-W10", civicgrid.EINVALID},
		} {
			if c.period == "2026-03" {
				if err := rate(c.login, c.community, c.unit, c.score, c.level); !civicgrid.IsCode(err, c.code) {
					t.Errorf("%s: %v, want %s", c.name, err, c.code)
				}
			} else {
				_, err := e.app.AddEvaluation(ctx, e.user(c.login), app.EvaluationInput{Community: c.community, Unit: c.unit, Period: c.period, Score: c.score})
				if !civicgrid.IsCode(err, c.code) || fieldOf(err) != "period" {
					t.Errorf("%s: %v, want %s on period", c.name, err, c.code)
				}
			}
		}
		evs, err := e.app.Evaluations(ctx, e.user("youyi.leader"), youyiStreet, "2026-03")
		if err != nil || len(evs) != 4 {
			t.Fatalf("%d evaluations (%v), want 4", len(evs), err)
		}
		if evs[1].Score != 100 || evs[1].Level != "excellent" || evs[1].CreatedBy != "youyi.c2.leader" {
			t.Errorf("second evaluation %+v", evs[1])
		}

		dep, err := e.app.Rankings(ctx, e.user("youyi.leader"), app.RankingQuery{Unit: youyiStreet, Period: mustMonth("2026-03"), Kind: assess.RankDepartment})
		if err != nil {
			t.Fatal(err)
		}
		if r := dep.Rows[0]; r.Unit.ID != youyiSquad || val(r.Score) != 95.0 || r.Grade != "A" || val(r.PreviousScore) != 77.92 || dep.Scheme.Version != 1 {
			t.Errorf("squad: %s %v %s, previous %v, scheme %d", r.Unit.ID, val(r.Score), r.Grade, val(r.PreviousScore), dep.Scheme.Version)
		}

		leader := e.user("district.leader")
		streets := func() []string {
			t.Helper()
			rep, err := e.app.Rankings(ctx, leader, app.RankingQuery{Unit: "310113000000", Period: mustMonth("2026-03"), Kind: assess.RankStreet})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rep.Rows[:2] {
				out = append(out, fmt.Sprint(r.Unit.ID, " ", val(r.Score), " ", r.Grade, " ", val(r.Rank), " ", val(r.PreviousScore), " ", val(r.Change), " ", r.Vetoed))
			}
			if len(rep.Rows) != 5 || rep.Rows[2].Score != nil {
				t.Errorf("%d streets, the third scored %v", len(rep.Rows), val(rep.Rows[2].Score))
			}
			return out
		}
		check := func(when string, want ...string) {
			t.Helper()
			if got := streets(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s:\n got %v\nwant %v", when, got, want)
			}
		}
		check("before any veto", wusongStreet+" 100 A 1 <nil> <nil> []", youyiStreet+" 80 B 2 92.5 -1 []")

		entry, err := e.app.AddVeto(ctx, leader, app.VetoInput{Unit: wusongStreet, Period: "2026-03", Item: "major_safety_accident",
			Evidence: "3月20日某工地发生坍塌事故, 致3人死亡", Document: "区安委办〔2026〕12号通报"})
		if err != nil {
			t.Fatal(err)
		}
		check("吴淞 vetoed", youyiStreet+" 80 B 1 92.5 0 []", wusongStreet+" 100 E 2 <nil> <nil> [major_safety_accident]")

		// Refused entries and withdrawals change nothing.
		for _, c := range []struct {
			name, login string
			in          app.VetoInput
			code, field string
		}{
			{"the street's own leader", "youyi.leader", app.VetoInput{Unit: youyiStreet, Period: "2026-03", Item: "major_safety_accident", Evidence: "x", Document: "y"}, civicgrid.EFORBIDDEN, ""},
			{"an auditor", "district.auditor", app.VetoInput{Unit: youyiStreet, Period: "2026-03", Item: "major_safety_accident", Evidence: "x", Document: "y"}, civicgrid.EFORBIDDEN, ""},
			{"outside scope", "youyi.leader", app.VetoInput{Unit: wusongStreet, Period: "2026-03", Item: "major_safety_accident", Evidence: "x", Document: "y"}, civicgrid.ENOTFOUND, ""},
			{"an unknown item", "district.leader", app.VetoInput{Unit: youyiStreet, Period: "2026-03", Item: "fire", Evidence: "x", Document: "y"}, civicgrid.EINVALID, "item"},
			{"an item of version 0, not of the March scheme", "district.leader", app.VetoInput{Unit: youyiStreet, Period: "2026-03", Item: "illegal_land_use", Evidence: "x", Document: "y"}, civicgrid.EINVALID, "item"},
			{"no evidence", "district.leader", app.VetoInput{Unit: youyiStreet, Period: "2026-03", Item: "major_safety_accident", Document: "y"}, civicgrid.EINVALID, "evidence"},
			{"text only", "district.leader", app.VetoInput{Unit: youyiStreet, Period: "2026-03", Item: "major_safety_accident", Evidence: "x"}, civicgrid.EINVALID, "media"},
			{"media never uploaded", "district.leader", app.VetoInput{Unit: youyiStreet, Period: "2026-03", Item: "major_safety_accident", Evidence: "x", Media: []string{"nope"}}, civicgrid.EINVALID, "media"},
			{"a month not begun", "district.leader", app.VetoInput{Unit: youyiStreet, Period: "2026-04-02", Item: "major_safety_accident", Evidence: "x", Document: "y"}, civicgrid.EINVALID, "period"},
			{"a department", "district.leader", app.VetoInput{Unit: bureau, Period: "2026-03", Item: "major_safety_accident", Evidence: "x", Document: "y"}, civicgrid.EINVALID, "unit"},
		} {
			_, err := e.app.AddVeto(ctx, e.user(c.login), c.in)
			if !civicgrid.IsCode(err, c.code) || (c.field != "" && fieldOf(err) != c.field) {
				t.Errorf("%s: %v, want %s on %q", c.name, err, c.code, c.field)
			}
		}
		if _, err := e.app.WithdrawVeto(ctx, e.user("district.leader"), entry.ID, " "); !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Errorf("withdrawal without reason: %v", err)
		}
		if _, err := e.app.WithdrawVeto(ctx, e.user("youyi.leader"), entry.ID, "错报"); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Errorf("withdrawal from outside the scope: %v", err)
		}
		list, err := e.app.Vetoes(ctx, leader, "310113000000", "2026-03", false)
		if err != nil || len(list) != 1 || list[0].Item != "major_safety_accident" || list[0].Document == "" || list[0].CreatedBy != "district.leader" {
			t.Fatalf("veto entries %+v (%v)", list, err)
		}
		check("after the refusals", youyiStreet+" 80 B 1 92.5 0 []", wusongStreet+" 100 E 2 <nil> <nil> [major_safety_accident]")

		if _, err := e.app.WithdrawVeto(ctx, leader, entry.ID, "经核实事故不属本街道"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.WithdrawVeto(ctx, leader, entry.ID, "again"); !civicgrid.IsCode(err, civicgrid.ECONFLICT) {
			t.Errorf("a second withdrawal: %v", err)
		}
		check("withdrawn", wusongStreet+" 100 A 1 <nil> <nil> []", youyiStreet+" 80 B 2 92.5 -1 []")
		if all, _ := e.app.Vetoes(ctx, leader, "310113000000", "", true); len(all) != 1 || all[0].WithdrawnBy != "district.leader" || all[0].WithdrawnAt == nil {
			t.Errorf("withdrawn entries %+v", all)
		}

		// A veto against a community counts for its street; the street's leader may enter it.
		if _, err := e.app.AddVeto(ctx, e.user("youyi.leader"), app.VetoInput{Unit: youyiC1, Period: "2026-03", Item: "major_safety_accident",
			Evidence: "宝钢一村燃气爆炸", Media: nil, Document: "事故报告"}); err != nil {
			t.Fatal(err)
		}
		check("宝钢一村 vetoed", wusongStreet+" 100 A 1 <nil> <nil> []", youyiStreet+" 80 E 2 92.5 -1 [major_safety_accident]")

		audit, _ := e.app.DB.AuditLog(ctx, "assessment_veto", 10)
		evAudit, _ := e.app.DB.AuditLog(ctx, "assessment_evaluation", 10)
		if len(audit) != 3 || len(evAudit) != 5 {
			t.Errorf("%d veto and %d evaluation audit entries, want 3 and 5", len(audit), len(evAudit))
		}
	})
}

func mustMonth(s string) assess.Period {
	p, err := assess.ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}
