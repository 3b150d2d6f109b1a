package web_test

import (
	"net/http"
	"slices"
	"testing"

	"civicgrid/assess"
)

// TestRankingsAPI ranks the cases of assessCases. The district's streets for March 2026:
// 友谊路 has 结案率 1/2 (the unsigned case fell due), 按期结案率 1/1, 准确立案率 2/2, 返工率 0 and
// 满意率 1/1: 30·0.5 + 25 + 15 + 15 + 15 = 85, B, first; 吴淞 had only a rejection, and the other
// streets nothing: no score, no rank. February had no case, so there is no previous rank.
// The district's departments: the 城管 bureau (through its squad) has 承办按期结案率 1/1, 按时处置率
// 1/1, no rework and the median volume: 100, A; the twelve others were sent nothing.
func TestRankingsAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		assessCases(t, f)
		leader := f.login("district.leader")
		const tmpl = "/api/v1/rankings"
		m := f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+districtID+"&period=2026-03", leader, nil)).json(t)
		if m["kind"] != "territory" || num(t, m, "previous.name") != "2026-02" || num(t, m, "scheme.version") != 0.0 {
			t.Errorf("kind %v, previous %v, scheme %v", m["kind"], num(t, m, "previous.name"), num(t, m, "scheme.version"))
		}
		rows := m["rows"].([]any)
		if len(rows) != 5 {
			t.Fatalf("%d streets ranked, want 5", len(rows))
		}
		first := rows[0].(map[string]any)
		if num(t, first, "unit.id") != youyiStreet || first["score"] != 85.0 || first["grade"] != "B" || first["rank"] != 1.0 ||
			first["previous_rank"] != nil || first["previous_score"] != nil || first["change"] != nil {
			t.Errorf("first row %v", first)
		}
		for _, r := range rows[1:] {
			r := r.(map[string]any)
			if r["score"] != nil || r["rank"] != nil || r["grade"] != "" {
				t.Errorf("%v has a score", num(t, r, "unit.id"))
			}
		}

		m = f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+districtID+"&period=2026-03&kind=department", leader, nil)).json(t)
		rows = m["rows"].([]any)
		if len(rows) != 13 {
			t.Fatalf("%d departments ranked, want the district's 13", len(rows))
		}
		first = rows[0].(map[string]any)
		if num(t, first, "unit.id") != "310113000000-chengguan" || first["score"] != 100.0 || first["grade"] != "A" || first["rank"] != 1.0 {
			t.Errorf("first department %v", first)
		}
		if rows[1].(map[string]any)["rank"] != nil {
			t.Errorf("a department that was sent nothing is ranked: %v", rows[1])
		}

		// The ledgers hold the same ranking.
		for _, ext := range []string{"csv", "xlsx"} {
			b := ledgerFile(t, f.do("GET", tmpl+"."+ext+"?unit="+districtID+"&period=2026-03", leader, nil), ext, "rankings-territory-"+districtID+"-2026-03")
			lrows, _ := readLedger(t, ext, b)
			if !slices.Equal(lrows[0], headers(assess.RankingColumns)) || len(lrows) != 6 {
				t.Fatalf("%s: header %q, %d rows", ext, lrows[0], len(lrows))
			}
			got := lrows[1]
			for len(got) < len(assess.RankingColumns) {
				got = append(got, "") // a worksheet leaves trailing empty cells out
			}
			if want := []string{"2026-03", "1", youyiStreet, "友谊路街道", "85", "B", "", "", "属地综合评价", "0", ""}; !slices.Equal(got, want) {
				t.Errorf("%s first row %q, want %q", ext, lrows[1], want)
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
			{"unit=" + districtID + "&period=2026-W10", leader, 400, "period"},
			{"unit=" + districtID + "&kind=person", leader, 400, "kind"},
			{"unit=" + districtID + "&rows=subtree", leader, 400, "rows"},
			{"unit=" + districtID, "", 401, ""},
		} {
			for _, ext := range []string{"", ".csv", ".xlsx"} {
				r := f.call("GET", tmpl+ext, tmpl+ext+"?"+bad.query, bad.token, nil)
				if r.Status != bad.status {
					t.Errorf("%s?%s: %d, want %d: %s", tmpl+ext, bad.query, r.Status, bad.status, r.Body)
					continue
				}
				if bad.field != "" && num(t, r.json(t), "error.details.field") != bad.field {
					t.Errorf("%s?%s names field %v, want %s", tmpl+ext, bad.query, num(t, r.json(t), "error.details.field"), bad.field)
				}
			}
		}
	})
}

// TestSchemesAPI lists the code-defined schemes.
func TestSchemesAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		const tmpl = "/api/v1/assessment/schemes"
		m := f.must(http.StatusOK, f.call("GET", tmpl, tmpl, f.login("youyi.leader"), nil)).json(t)
		schemes := m["schemes"].([]any)
		if len(schemes) != len(assess.DefaultSchemes) {
			t.Fatalf("%d schemes, want %d", len(schemes), len(assess.DefaultSchemes))
		}
		s := schemes[0].(map[string]any)
		if s["kind"] != "territory" || s["version"] != 0.0 || len(s["weights"].([]any)) != 5 {
			t.Errorf("first scheme %v", s)
		}
		if r := f.call("GET", tmpl, tmpl+"?kind=territory", f.login("youyi.leader"), nil); r.Status != 400 {
			t.Errorf("a query parameter: %d", r.Status)
		}
		if r := f.call("GET", tmpl, tmpl, "", nil); r.Status != 401 {
			t.Errorf("anonymous: %d", r.Status)
		}
	})
}
