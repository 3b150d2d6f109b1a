package web_test

import (
	"net/http"
	"slices"
	"testing"

	"civicgrid/assess"
)

// TestSchemeVersionsAPI: the root administrator stores a version of the street scheme from April;
// it is listed after the one defined in code; refusals change nothing.
func TestSchemeVersionsAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		const tmpl, list = "/api/v1/assessment/schemes/{kind}", "/api/v1/assessment/schemes"
		admin := f.login("city.admin")
		body := map[string]any{
			"name": "街道考核(2026修订)", "valid_from": "2026-04",
			"weights": []map[string]any{
				{"criterion": "closure_rate", "weight": 25, "section": "公共管理"},
				{"criterion": "response_rate", "weight": 20, "section": "公共服务"},
				{"criterion": "on_time_closure_rate", "weight": 20, "section": "公共安全"},
				{"criterion": "evaluation", "weight": 35, "section": "评价"},
			},
			"vetoes":      []map[string]any{{"code": "major_safety_accident", "name": "发生重大安全事故"}},
			"veto_effect": "zero_score",
		}
		m := f.must(http.StatusCreated, f.call("PUT", tmpl, "/api/v1/assessment/schemes/street", admin, body)).json(t)
		if m["kind"] != "street" || m["version"] != 1.0 || m["created_by"] != "city.admin" || m["veto_effect"] != "zero_score" {
			t.Errorf("stored %v", m)
		}
		count := func() int {
			l := f.must(http.StatusOK, f.call("GET", list, list, admin, nil)).json(t)["schemes"].([]any)
			return len(l)
		}
		if n := count(); n != len(assess.DefaultSchemes)+1 {
			t.Fatalf("%d schemes, want %d", n, len(assess.DefaultSchemes)+1)
		}

		bad := func(mut func(b map[string]any)) map[string]any {
			b := map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			mut(b)
			return b
		}
		for _, c := range []struct {
			name, kind, token string
			body              any
			status            int
			field             string
		}{
			{"a district admin", "street", f.login("district.admin"), body, 403, ""},
			{"anonymous", "street", "", body, 401, ""},
			{"unknown kind", "person", admin, body, 400, "kind"},
			{"unknown criterion", "street", admin, bad(func(b map[string]any) {
				b["weights"] = []map[string]any{{"criterion": "speed", "weight": 1}}
			}), 400, "weights[0].criterion"},
			{"negative weight", "street", admin, bad(func(b map[string]any) {
				b["weights"] = []map[string]any{{"criterion": "closure_rate", "weight": -1}}
			}), 400, "weights[0].weight"},
			{"zero sum", "street", admin, bad(func(b map[string]any) {
				b["weights"] = []map[string]any{{"criterion": "closure_rate", "weight": 0}}
			}), 400, "weights"},
			{"past month", "street", admin, bad(func(b map[string]any) { b["valid_from"] = "2026-02" }), 400, "valid_from"},
			{"not a month", "street", admin, bad(func(b map[string]any) { b["valid_from"] = "2026-Q2" }), 400, "valid_from"},
			{"unknown field", "street", admin, bad(func(b map[string]any) { b["version"] = 7 }), 400, "version"},
			{"a person criterion", "street", admin, bad(func(b map[string]any) {
				b["weights"] = []map[string]any{{"criterion": "valid_report_rate", "weight": 1}}
			}), 400, "weights[0].criterion"},
		} {
			r := f.call("PUT", tmpl, "/api/v1/assessment/schemes/"+c.kind, c.token, c.body)
			if r.Status != c.status {
				t.Errorf("%s: %d, want %d: %s", c.name, r.Status, c.status, r.Body)
				continue
			}
			if c.field != "" && num(t, r.json(t), "error.details.field") != c.field {
				t.Errorf("%s: field %v, want %s", c.name, num(t, r.json(t), "error.details.field"), c.field)
			}
		}
		if n := count(); n != len(assess.DefaultSchemes)+1 {
			t.Errorf("%d schemes after the refusals, want %d", n, len(assess.DefaultSchemes)+1)
		}
		// Version 0 of every kind is listed.
		var kinds []string
		for _, s := range f.must(http.StatusOK, f.call("GET", list, list, admin, nil)).json(t)["schemes"].([]any) {
			s := s.(map[string]any)
			if s["version"] == 0.0 {
				kinds = append(kinds, s["kind"].(string))
			}
		}
		want := []string{"territory", "department", "street", "grid_worker", "intake", "shift_leader", "dispatcher"}
		if !slices.Equal(kinds, want) {
			t.Errorf("kinds of version 0: %v, want %v", kinds, want)
		}
	})
}

// TestDepartmentClosureScheme: a stored department scheme may weigh the 承办结案率
// (dept_closure_rate), which the code-defined version 0 does not.
func TestDepartmentClosureScheme(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		const tmpl = "/api/v1/assessment/schemes/{kind}"
		admin := f.login("city.admin")
		body := map[string]any{"name": "部门综合评价(承办结案率)", "valid_from": "2026-04", "weights": []map[string]any{
			{"criterion": "dept_closure_rate", "weight": 30}, {"criterion": "on_time_handle_rate", "weight": 30},
			{"criterion": "dept_no_rework_rate", "weight": 20}, {"criterion": "volume", "weight": 20}}}
		m := f.must(http.StatusCreated, f.call("PUT", tmpl, "/api/v1/assessment/schemes/department", admin, body)).json(t)
		ws, _ := m["weights"].([]any)
		if m["kind"] != "department" || m["version"] != 1.0 || len(ws) != 4 || ws[0].(map[string]any)["criterion"] != "dept_closure_rate" {
			t.Fatalf("stored %v", m)
		}
	})
}
