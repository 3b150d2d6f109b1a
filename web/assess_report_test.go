package web_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"civicgrid/assess"
	"civicgrid/assess/ledger"
)

// TestMonthlyReportAPI downloads 友谊路's report of March 2026 after assessCases as a workbook and
// as CSV. Its territorial composite is 85 (B, first of the district's five streets, the only one
// ranked); under the street scheme of version 0 without any evaluation, (10·0.5 + 5 + 5 + 5 +
// 10·0.5 + 10·0.5 + 10 + 10 + 15) / 80 = 81.25, B. No sweep ran, so no case ran overdue.
func TestMonthlyReportAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		assessCases(t, f)
		street := f.login("youyi.leader")
		const tmpl = "/api/v1/reports/monthly"
		r := f.do("GET", tmpl+"?unit="+youyiStreet+"&month=2026-03", street, nil)
		b := ledgerFile(t, r, "xlsx", "monthly-"+youyiStreet+"-2026-03")
		sheets, err := ledger.ReadXLSXBook(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range sheets {
			names = append(names, s.Name)
		}
		if want := []string{"考核指标", "综合得分", "排名", "一票否决", "下对上评价", "超期案件"}; !slices.Equal(names, want) {
			t.Fatalf("sheets %v", names)
		}
		if ind := sheets[0].Rows; !slices.Equal(ind[0], headers(assess.IndicatorColumns)) || len(ind) != 2 || ind[1][1] != youyiStreet || ind[1][4] != "2" {
			t.Errorf("indicator sheet %q", ind)
		}
		rank := sheets[2].Rows
		if len(rank) != 3 || rank[1][1] != "属地综合评价" || rank[1][3] != "5" || rank[1][4] != "1" || rank[1][5] != "1" || rank[1][6] != "85" || rank[1][7] != "B" ||
			rank[2][1] != "街道百分制考核" || rank[2][6] != "81.25" {
			t.Errorf("ranking sheet %q", rank)
		}
		for _, s := range sheets[3:] {
			if len(s.Rows) != 1 {
				t.Errorf("%s has %d rows, want the header only", s.Name, len(s.Rows))
			}
		}

		r = f.do("GET", tmpl+"?unit="+youyiStreet+"&month=2026-03&format=csv", street, nil)
		b = ledgerFile(t, r, "csv", "monthly-"+youyiStreet+"-2026-03")
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var sections []string
		for i, rec := range recs {
			if len(rec) == 1 && strings.HasPrefix(rec[0], "【") {
				sections = append(sections, rec[0])
				if i+1 >= len(recs) || len(recs[i+1]) < 2 {
					t.Errorf("section %s has no header", rec[0])
				}
			}
		}
		if want := []string{"【考核指标】", "【综合得分】", "【排名】", "【一票否决】", "【下对上评价】", "【超期案件】"}; !slices.Equal(sections, want) {
			t.Errorf("CSV sections %v", sections)
		}

		leader := f.login("district.leader")
		for _, bad := range []struct {
			query, token string
			status       int
			field        string
		}{
			{"unit=" + districtID + "&month=2026-03", street, 404, ""},
			{"unit=" + youyiStreet + "&month=2026-05", leader, 400, "month"},
			{"unit=" + youyiStreet + "&month=2026-W10", leader, 400, "month"},
			{"unit=" + youyiStreet, leader, 400, "month"},
			{"month=2026-03", leader, 400, "unit"},
			{"unit=" + youyiStreet + "&month=2026-03&format=pdf", leader, 400, "format"},
			{"unit=" + youyiStreet + "&month=2026-03&period=2026-03", leader, 400, "period"},
			{"unit=" + youyiStreet + "&month=2026-03", "", 401, ""},
		} {
			r := f.call("GET", tmpl, tmpl+"?"+bad.query, bad.token, nil)
			if r.Status != bad.status {
				t.Errorf("?%s: %d, want %d: %s", bad.query, r.Status, bad.status, r.Body)
				continue
			}
			if bad.field != "" && num(t, r.json(t), "error.details.field") != bad.field {
				t.Errorf("?%s names %v", bad.query, num(t, r.json(t), "error.details.field"))
			}
		}
	})
}
