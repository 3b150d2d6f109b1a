package web_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"civicgrid/auth"
	"civicgrid/org"
	"civicgrid/store"
)

// TestVetoAndEvaluationAPI: veto entries are entered, listed and withdrawn, and the street ranking
// follows; a community's leader rates its street. assessCases leaves 友谊路 with the only
// territorial score of March. Under version 0 of the street scheme: 结案 1/2 (10 × 0.5), 准确立案
// 2/2 (5), 按时派遣 2/2 (5), 按时核查 1/1 (5), 响应 1/2 — the unsigned case's sign run fell due —
// (10 × 0.5), 解决 1/2 (10 × 0.5), 按期结案 1/1 (10), 1−返工 1 (10), evaluation "good" = 80 (20 × 0.8)
// and 满意 1/1 (15): 81, B. A veto of illegal land use makes it E with the score kept.
func TestVetoAndEvaluationAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		assessCases(t, f)
		hash, err := auth.HashPassword(demoPassword)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.DB.CreateUser(context.Background(), store.NewUser{Login: "youyi.c1.leader", Name: "社区书记", PasswordHash: hash,
			Grants: []org.Grant{{Role: org.RoleLeader, Unit: youyiC1}}}); err != nil {
			t.Fatal(err)
		}
		leader, community := f.login("district.leader"), f.login("youyi.c1.leader")

		// The units 宝钢一村 may rate: its street, the squad its cases went to and the bureau above.
		const units = "/api/v1/assessment/evaluations/units"
		m := f.must(http.StatusOK, f.call("GET", units, units+"?community="+youyiC1+"&period=2026-03", community, nil)).json(t)
		if n := len(m["units"].([]any)); n != 3 {
			t.Errorf("%d units to rate, want 3: %v", n, m["units"])
		}
		const evals = "/api/v1/assessment/evaluations"
		e := f.must(http.StatusCreated, f.call("POST", evals, evals, community, map[string]any{
			"community": youyiC1, "unit": youyiStreet, "period": "2026-03", "level": "good", "comment": "响应及时"})).json(t)
		if e["score"] != 80.0 || e["level"] != "good" || e["created_by"] != "youyi.c1.leader" {
			t.Errorf("evaluation %v", e)
		}
		for _, bad := range []struct {
			token  string
			body   map[string]any
			status int
		}{
			{community, map[string]any{"community": youyiC1, "unit": youyiStreet, "period": "2026-03", "score": 60}, 409},
			{leader, map[string]any{"community": youyiC1, "unit": "310113000000-chengguan", "period": "2026-03", "score": 60}, 403},
			{community, map[string]any{"community": youyiC1, "unit": "310113003000-police", "period": "2026-03", "score": 60}, 400},
			{community, map[string]any{"community": youyiC1, "unit": "310113000000-chengguan", "period": "2026-03", "score": 101}, 400},
			{community, map[string]any{"community": youyiC1, "unit": "310113000000-chengguan", "period": "2026-03", "stars": 5}, 400},
		} {
			if r := f.call("POST", evals, evals, bad.token, bad.body); r.Status != bad.status {
				t.Errorf("%v: %d, want %d: %s", bad.body, r.Status, bad.status, r.Body)
			}
		}
		l := f.must(http.StatusOK, f.call("GET", evals, evals+"?unit="+youyiStreet+"&period=2026-03", f.login("youyi.leader"), nil)).json(t)
		if n := len(l["evaluations"].([]any)); n != 1 {
			t.Errorf("%d evaluations listed, want 1", n)
		}

		// The street ranking of the district: 友谊路 alone has a score.
		const rank = "/api/v1/rankings"
		street := func() map[string]any {
			r := f.must(http.StatusOK, f.call("GET", rank, rank+"?unit="+districtID+"&period=2026-03&kind=street", leader, nil)).json(t)
			return r["rows"].([]any)[0].(map[string]any)
		}
		before := street()
		if num(t, before, "unit.id") != youyiStreet || before["score"] != 81.0 || before["grade"] != "B" || before["vetoed"] != nil {
			t.Fatalf("before the veto: %v", before)
		}

		const vetoes = "/api/v1/assessment/vetoes"
		v := f.must(http.StatusCreated, f.call("POST", vetoes, vetoes, leader, map[string]any{
			"unit": youyiStreet, "period": "2026-03", "item": "illegal_land_use", "evidence": "新增违法用地 2 亩", "document": "规划资源局〔2026〕3号"})).json(t)
		id := strconv.Itoa(int(v["id"].(float64)))
		after := street()
		if after["grade"] != "E" || after["score"] != before["score"] || len(after["vetoed"].([]any)) != 1 {
			t.Errorf("after the veto: %v", after)
		}
		for _, bad := range []struct {
			token  string
			body   map[string]any
			status int
		}{
			{f.login("youyi.leader"), map[string]any{"unit": youyiStreet, "period": "2026-03", "item": "illegal_land_use", "evidence": "x", "document": "y"}, 403},
			{leader, map[string]any{"unit": youyiStreet, "period": "2026-03", "item": "flood", "evidence": "x", "document": "y"}, 400},
			{leader, map[string]any{"unit": youyiStreet, "period": "2026-03", "item": "illegal_land_use", "evidence": "x"}, 400},
			{leader, map[string]any{"unit": youyiStreet, "period": "2026-03", "item": "illegal_land_use", "evidence": "x", "document": "y", "score": 1}, 400},
			{leader, map[string]any{"unit": "310113999000", "period": "2026-03", "item": "illegal_land_use", "evidence": "x", "document": "y"}, 404},
		} {
			if r := f.call("POST", vetoes, vetoes, bad.token, bad.body); r.Status != bad.status {
				t.Errorf("%v: %d, want %d: %s", bad.body, r.Status, bad.status, r.Body)
			}
		}
		list := f.must(http.StatusOK, f.call("GET", vetoes, vetoes+"?unit="+districtID+"&period=2026-03", leader, nil)).json(t)
		if n := len(list["vetoes"].([]any)); n != 1 {
			t.Errorf("%d veto entries, want 1", n)
		}
		const withdraw = "/api/v1/assessment/vetoes/{id}/withdraw"
		if r := f.call("POST", withdraw, "/api/v1/assessment/vetoes/"+id+"/withdraw", leader, map[string]any{}); r.Status != 400 {
			t.Errorf("withdrawal without reason: %d", r.Status)
		}
		w := f.must(http.StatusOK, f.call("POST", withdraw, "/api/v1/assessment/vetoes/"+id+"/withdraw", leader, map[string]any{"reason": "复核不成立"})).json(t)
		if w["withdrawn_by"] != "district.leader" || w["withdraw_reason"] != "复核不成立" {
			t.Errorf("withdrawn %v", w)
		}
		if r := f.call("POST", withdraw, "/api/v1/assessment/vetoes/"+id+"/withdraw", leader, map[string]any{"reason": "again"}); r.Status != 409 {
			t.Errorf("second withdrawal: %d", r.Status)
		}
		if r := f.call("POST", withdraw, "/api/v1/assessment/vetoes/999/withdraw", leader, map[string]any{"reason": "x"}); r.Status != 404 {
			t.Errorf("unknown entry: %d", r.Status)
		}
		if again := street(); again["grade"] != before["grade"] || again["vetoed"] != nil {
			t.Errorf("after the withdrawal: %v", again)
		}
		all := f.must(http.StatusOK, f.call("GET", vetoes, vetoes+"?unit="+districtID+"&withdrawn=true", leader, nil)).json(t)
		if n := len(all["vetoes"].([]any)); n != 1 {
			t.Errorf("%d entries with the withdrawn, want 1", n)
		}
		if r := f.call("GET", vetoes, vetoes+"?unit="+districtID, "", nil); r.Status != 401 {
			t.Errorf("anonymous: %d", r.Status)
		}
		if r := f.call("GET", vetoes, vetoes+"?unit="+districtID+"&withdrawn=maybe", leader, nil); r.Status != 400 {
			t.Errorf("withdrawn=maybe: %d", r.Status)
		}
	})
}
