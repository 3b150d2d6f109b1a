package web_test

import (
	"net/http"
	"slices"
	"testing"

	"civicgrid/assess"
)

// TestPeopleAPI scores the people of assessCases in March 2026. district.intake filed cases 1 and
// 3 ten minutes after their report (按时立案 2/2, 准确立案 2/2) and closed case 1 in time: 100, A.
// district.dispatcher dispatched both within the hour, neither came back: 100, A. youyi.c1.worker1
// answers for 宝钢一村, whose two cases came in by the hotline: 漏报 2/2, score 0, E.
func TestPeopleAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		assessCases(t, f)
		leader := f.login("district.leader")
		const tmpl = "/api/v1/assessment/people"
		m := f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+districtID+"&period=2026-03", leader, nil)).json(t)
		if m["cases_read"] != 3.0 || len(m["schemes"].([]any)) != 4 {
			t.Errorf("cases %v, schemes %d", m["cases_read"], len(m["schemes"].([]any)))
		}
		by := map[string]map[string]any{}
		for _, r := range m["rows"].([]any) {
			r := r.(map[string]any)
			by[r["login"].(string)+"/"+r["role"].(string)] = r
		}
		for _, c := range []struct {
			key    string
			fields []string
			want   []any
		}{
			{"district.intake/intake", []string{"score", "grade", "rank", "indicators.filings", "indicators.on_time_filing_rate", "indicators.accurate_filing_rate", "indicators.on_time_closure_rate"},
				[]any{100.0, "A", 1.0, 2.0, 1.0, 1.0, 1.0}},
			{"district.dispatcher/dispatcher", []string{"score", "grade", "rank", "indicators.dispatches", "indicators.dispatches_returned", "indicators.on_time_dispatch_rate"},
				[]any{100.0, "A", 1.0, 2.0, 0.0, 1.0}},
			{"youyi.c1.worker1/grid_worker", []string{"score", "grade", "indicators.grid_cases", "indicators.missed", "indicators.valid_report_rate"},
				[]any{0.0, "E", 2.0, 2.0, nil}},
		} {
			r := by[c.key]
			if r == nil {
				t.Errorf("no row for %s", c.key)
				continue
			}
			var got []any
			for _, f := range c.fields {
				got = append(got, num(t, r, f))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s %v: %v, want %v", c.key, c.fields, got, c.want)
			}
		}

		// One role only, as ledgers.
		for _, ext := range []string{"csv", "xlsx"} {
			b := ledgerFile(t, f.do("GET", tmpl+"."+ext+"?unit="+districtID+"&period=2026-03&role=intake", leader, nil), ext, "people-"+districtID+"-2026-03")
			rows, _ := readLedger(t, ext, b)
			if !slices.Equal(rows[0], headers(assess.PeopleColumns)) {
				t.Fatalf("%s header %q", ext, rows[0])
			}
			if len(rows) < 2 || rows[1][1] != "受理员" || rows[1][2] != "1" || rows[1][3] != "district.intake" || rows[1][6] != "100" || rows[1][7] != "A" {
				t.Errorf("%s first row %q", ext, rows[1])
			}
			for _, r := range rows[1:] {
				if r[1] != "受理员" {
					t.Errorf("%s: a row of role %s", ext, r[1])
				}
			}
		}

		street := f.login("youyi.leader")
		for _, bad := range []struct {
			query, token string
			status       int
			field        string
		}{
			{"unit=" + districtID + "&period=2026-03", street, 404, ""},
			{"period=2026-03", leader, 400, "unit"},
			{"unit=" + districtID + "&role=handler", leader, 400, "role"},
			{"unit=" + districtID + "&kind=x", leader, 400, "kind"},
			{"unit=" + districtID, "", 401, ""},
		} {
			for _, ext := range []string{"", ".csv", ".xlsx"} {
				r := f.call("GET", tmpl+ext, tmpl+ext+"?"+bad.query, bad.token, nil)
				if r.Status != bad.status {
					t.Errorf("%s?%s: %d, want %d: %s", tmpl+ext, bad.query, r.Status, bad.status, r.Body)
					continue
				}
				if bad.field != "" && num(t, r.json(t), "error.details.field") != bad.field {
					t.Errorf("%s?%s names field %v", tmpl+ext, bad.query, num(t, r.json(t), "error.details.field"))
				}
			}
		}
	})
}
