package web_test

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"civicgrid/assess"
	"civicgrid/assess/ledger"
	"civicgrid/calendar"
	"civicgrid/web"
)

const (
	districtID = "310113000000"
	wusongGrid = "310113007001001"
	// formulaText is what a spreadsheet would run if a ledger let it through as a formula.
	formulaText = `=HYPERLINK("http://example.invalid/","点我")`
)

// assessCases builds three cases through the API on Monday 2 March 2026 and moves the clock to
// 1 April, when March is over:
//
//	1  友谊路: reported (with a description a spreadsheet would take for a formula), filed,
//	   dispatched, signed, handled, checked and closed the same morning, rated satisfied;
//	2  吴淞: rejected;
//	3  友谊路: filed and dispatched, never signed (its sign stage was due at 11:40).
//
// All three came in through the district's intake: the hotline channel.
func assessCases(t *testing.T, f *fixture) (ids [3]string) {
	t.Helper()
	intake, dispatcher, squad := f.login("district.intake"), f.login("district.dispatcher"), f.login("chengguan.youyi.handler")
	report := func(grid, desc string) string {
		lat, lon := gridPoint(t, grid)
		return caseID(t, f.must(http.StatusCreated, f.do("POST", "/api/v1/cases", intake, map[string]any{
			"matter_code": "E0502", "description": desc, "lat": lat, "lon": lon})))
	}
	act := func(token, id, action string, body any) {
		t.Helper()
		f.clock.Advance(10 * time.Minute)
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/"+action, token, body))
	}
	ids[0] = report(youyiGrid1, formulaText)
	act(intake, ids[0], "file", nil)
	act(dispatcher, ids[0], "dispatch", nil)
	act(squad, ids[0], "sign", nil)
	act(squad, ids[0], "handle", map[string]any{"result": "已劝离"})
	act(intake, ids[0], "request_check", nil)
	act(intake, ids[0], "check_pass", nil)
	act(intake, ids[0], "rate", map[string]any{"rating": "satisfied"})
	ids[1] = report(wusongGrid, "路边摆摊")
	act(intake, ids[1], "reject", map[string]any{"reason_code": "invalid", "reason": "无效"})
	ids[2] = report(youyiGrid1, "占道经营")
	act(intake, ids[2], "file", nil)
	act(dispatcher, ids[2], "dispatch", nil)
	f.clock.Set(time.Date(2026, 4, 1, 10, 0, 0, 0, calendar.China))
	return ids
}

// num reads a number (or null) at a dotted path of a JSON object.
func num(t *testing.T, m map[string]any, path string) any {
	t.Helper()
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", path, cur)
		}
		cur = obj[k]
	}
	return cur
}

func wantNum(t *testing.T, m map[string]any, path string, want float64) {
	t.Helper()
	got, ok := num(t, m, path).(float64)
	if !ok || math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", path, num(t, m, path), want)
	}
}

func TestIndicatorsAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		assessCases(t, f)
		leader := f.login("district.leader")
		const tmpl = "/api/v1/indicators"
		r := f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+districtID+"&period=2026-03", leader, nil))
		m := r.json(t)
		x := m["unit"].(map[string]any)
		for path, want := range map[string]float64{
			"territory.received": 3, "territory.filed": 2, "territory.rejected": 1, "territory.closed": 1,
			// The open case's whole-case clock fell due on 4 March.
			"territory.due": 2, "territory.closure_rate": 0.5, "territory.on_time_closure_rate": 1,
			"territory.dispatch_runs": 2, "territory.on_time_dispatch_rate": 1, "territory.accurate_filing_rate": 1,
			"assignee.dispatched": 2, "assignee.sign_runs": 2, "assignee.on_time_sign_rate": 0.5, "assignee.handled": 1,
			"assignee.handling_hours_avg": 10.0 / 60, "assignee.return_rate": 0,
			// The open case was with the squad when its whole-case due passed.
			"assignee.due": 2, "assignee.closure_rate": 0.5,
			"hotline.requests": 3, "hotline.response_rate": 0.5, "hotline.resolution_rate": 0.5, "hotline.satisfaction_rate": 1,
			"hotline.score": 100 * (0.2*0.5 + 0.4*0.5 + 0.4*1),
		} {
			wantNum(t, x, path, want)
		}
		if num(t, x, "territory.rework_rate") != 0.0 || num(t, x, "assignee.extension_rate") != 0.0 {
			t.Errorf("rework and extension rates: %v %v", num(t, x, "territory.rework_rate"), num(t, x, "assignee.extension_rate"))
		}
		if p := m["period"].(map[string]any); p["name"] != "2026-03" || p["from"] != "2026-03-01T00:00:00+08:00" || p["to"] != "2026-04-01T00:00:00+08:00" {
			t.Errorf("period %v", p)
		}
		// The district's children: 13 departments and 5 streets; the bureau's squad handled the cases.
		// The month is over: the roll-ups answer it without reading a history.
		units := m["units"].([]any)
		if len(units) != 18 || int(m["cases_read"].(float64)) != 0 {
			t.Fatalf("%d child rows, %v cases read", len(units), m["cases_read"])
		}
		for _, u := range units {
			u := u.(map[string]any)
			switch num(t, u, "unit.id") {
			case "310113000000-chengguan":
				wantNum(t, u, "assignee.dispatched", 2)
				wantNum(t, u, "territory.received", 0)
			case youyiStreet:
				wantNum(t, u, "territory.received", 2)
				wantNum(t, u, "assignee.dispatched", 0)
			case "310113007000":
				wantNum(t, u, "territory.rejected", 1)
			}
		}

		// Other weights, a custom period, the whole subtree, the current month by default.
		r = f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+districtID+"&period=2026-03&weights=0,0,1", leader, nil))
		wantNum(t, r.json(t)["unit"].(map[string]any), "hotline.score", 100)
		q := url.Values{"unit": {districtID}, "from": {"2026-03-02T09:00:00+08:00"}, "to": {"2026-03-02T09:01:00+08:00"}}
		r = f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?"+q.Encode(), leader, nil))
		wantNum(t, r.json(t)["unit"].(map[string]any), "territory.received", 1)
		if _, named := r.json(t)["period"].(map[string]any)["name"]; named {
			t.Error("a custom period has a name")
		}
		r = f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+youyiStreet+"&period=2026-Q1&rows=subtree", leader, nil))
		if n := len(r.json(t)["units"].([]any)); n != 4+28 {
			t.Errorf("友谊路's subtree has %d units, want 4 communities and their 28 grids", n)
		}
		r = f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+districtID, leader, nil))
		if p := r.json(t)["period"].(map[string]any); p["name"] != "2026-04" {
			t.Errorf("default period %v, want the current month", p)
		}
		wantNum(t, r.json(t)["unit"].(map[string]any), "territory.received", 0)

		// A street's leader sees its communities, not the district or another street.
		street := f.login("youyi.leader")
		r = f.must(http.StatusOK, f.call("GET", tmpl, tmpl+"?unit="+youyiStreet+"&period=2026-03", street, nil))
		if n := len(r.json(t)["units"].([]any)); n != 4 {
			t.Errorf("友谊路 has %d communities in the report", n)
		}
		for _, bad := range []struct {
			query, token string
			status       int
			field        string
		}{
			{"unit=" + districtID + "&period=2026-03", street, 404, ""},
			{"unit=310113007000&period=2026-03", street, 404, ""},
			{"unit=310113999999", leader, 404, ""},
			{"period=2026-03", leader, 400, "unit"},
			{"unit=" + districtID + "&period=2026-13", leader, 400, "period"},
			{"unit=" + districtID + "&period=2026-03&from=2026-03-01T00:00:00%2B08:00", leader, 400, "period"},
			{"unit=" + districtID + "&from=2026-03-01T00:00:00&to=2026-04-01T00:00:00%2B08:00", leader, 400, "from"},
			{"unit=" + districtID + "&from=2026-03-02T00:00:00%2B08:00&to=2026-03-01T00:00:00%2B08:00", leader, 400, "to"},
			{"unit=" + districtID + "&rows=all", leader, 400, "rows"},
			{"unit=" + districtID + "&weights=1,2", leader, 400, "weights"},
			{"unit=" + districtID + "&state=closed", leader, 400, "state"},
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
		denied, err := f.app.DB.AuditLog(context.Background(), "denied", 20)
		if err != nil || len(denied) != 6 {
			t.Errorf("%d denials logged (%v), want the two out-of-scope units on three endpoints", len(denied), err)
		}
	})
}

// ledgerFile checks a ledger answer's headers and returns its body.
func ledgerFile(t *testing.T, r response, ext, namePrefix string) []byte {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("ledger: %d %s", r.Status, r.Body)
	}
	wantType := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[ext]
	if ct := r.Header.Get("Content-Type"); ct != wantType {
		t.Errorf("Content-Type %q, want %q", ct, wantType)
	}
	cd := r.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="`+namePrefix) || !strings.HasSuffix(cd, "."+ext+`"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	return r.Body
}

// readLedger reads a CSV or XLSX ledger back into rows of text.
func readLedger(t *testing.T, ext string, b []byte) ([][]string, *ledger.Sheet) {
	t.Helper()
	if ext == "csv" {
		rows, err := ledger.ReadCSV(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return rows, nil
	}
	sh, err := ledger.ReadXLSX(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if sh.FrozenRows != 1 || !slices.Equal(sh.Bold, slices.Repeat([]bool{true}, len(sh.Rows[0]))) {
		t.Errorf("the header row is frozen %d, bold %v", sh.FrozenRows, sh.Bold)
	}
	return sh.Rows, sh
}

func headers(cols []ledger.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Header
	}
	return out
}

func TestIndicatorLedgers(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		assessCases(t, f)
		leader := f.login("district.leader")
		d := openAPI(t)
		for _, ext := range []string{"csv", "xlsx"} {
			content, _, err := d.responseContent("GET", "/api/v1/indicators."+ext, 200)
			if err != nil || len(content) != 1 {
				t.Fatalf("the document's %s ledger: %v %v", ext, content, err)
			}
			b := ledgerFile(t, f.do("GET", "/api/v1/indicators."+ext+"?unit="+districtID+"&period=2026-03", leader, nil), ext, "indicators-"+districtID+"-2026-03")
			rows, _ := readLedger(t, ext, b)
			if !slices.Equal(rows[0], headers(assess.IndicatorColumns)) {
				t.Fatalf("%s header %q", ext, rows[0])
			}
			if len(rows) != 1+1+18 {
				t.Fatalf("%s: %d rows, want the header, the district and its 18 children", ext, len(rows))
			}
			col := func(h string) int { return slices.Index(rows[0], h) }
			district := rows[1]
			for h, want := range map[string]string{"统计期": "2026-03", "单位编码": districtID, "单位名称": "宝山区", "单位类型": "区", "受理量": "3",
				"结案率(%)": "50", "按时签收率(%)": "50", "满意率(%)": "100", "三率综合得分": "70", "平均处置时长(工作小时)": "0.17", "承办派遣数": "2"} {
				if got := district[col(h)]; got != want {
					t.Errorf("%s %s = %q, want %q", ext, h, got, want)
				}
			}
			// A rate without a denominator is an empty cell, not 0.
			police := rows[1+slices.IndexFunc(rows[1:], func(r []string) bool { return r[col("单位编码")] == "310113000000-police" })]
			if len(police) > col("退回率(%)") && police[col("退回率(%)")] != "" {
				t.Errorf("%s: the police's return rate is %q, want empty", ext, police[col("退回率(%)")])
			}
		}
	})
}

func TestCaseLedgers(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ids := assessCases(t, f)
		intake, community := f.login("district.intake"), f.login("youyi.c1.handler")
		for _, ext := range []string{"csv", "xlsx"} {
			path := "/api/v1/cases." + ext
			rows, sh := readLedger(t, ext, ledgerFile(t, f.do("GET", path, intake, nil), ext, "cases-20260401-100000"))
			if !slices.Equal(rows[0], headers(assess.CaseColumns)) {
				t.Fatalf("%s header %q", ext, rows[0])
			}
			if len(rows) != 4 || rows[1][0] != ids[2] || rows[2][0] != ids[1] || rows[3][0] != ids[0] {
				t.Fatalf("%s: rows %q, want the three cases newest first", ext, rows)
			}
			col := func(h string) int { return slices.Index(rows[0], h) }
			closed := rows[3]
			for h, want := range map[string]string{"状态": "结案", "事项名称": "占道经营", "来源渠道": "热线", "所属街道": "友谊路街道",
				"承办单位": "宝山区城管执法局友谊路中队", "上报时间": "2026-03-02 09:00:00", "评价": "满意", "返工次数": "0", "是否超期": "否"} {
				if got := closed[col(h)]; got != want {
					t.Errorf("%s %s = %q, want %q", ext, h, got, want)
				}
			}
			// CSV neutralises what a spreadsheet would run; XLSX holds it as an inline string, which
			// no spreadsheet evaluates.
			wantDesc := formulaText
			if ext == "csv" {
				wantDesc = "'" + formulaText
			} else if !sh.Numeric[3][col("案件编号")] || sh.Numeric[3][col("问题描述")] {
				t.Errorf("xlsx: the ID is not a number or the description is")
			}
			if got := closed[col("问题描述")]; got != wantDesc {
				t.Errorf("%s description %q, want %q", ext, got, wantDesc)
			}
			if rows[2][col("状态")] != "不予立案" || rows[1][col("状态")] != "待签收" {
				t.Errorf("%s states %q %q", ext, rows[2][col("状态")], rows[1][col("状态")])
			}

			// The list's filters apply; a community's staff see only their cases.
			rows, _ = readLedger(t, ext, ledgerFile(t, f.do("GET", path+"?state=closed,rejected", intake, nil), ext, "cases-"))
			if len(rows) != 3 {
				t.Errorf("%s state filter: %d rows", ext, len(rows)-1)
			}
			rows, _ = readLedger(t, ext, ledgerFile(t, f.do("GET", path, community, nil), ext, "cases-"))
			if len(rows) != 3 || rows[1][0] != ids[2] || rows[2][0] != ids[0] {
				t.Errorf("%s: the community sees %d rows", ext, len(rows)-1)
			}
			for _, bad := range []struct{ query, field string }{{"limit=10", "limit"}, {"cursor=MTA", "cursor"}, {"state=open", "state"}, {"within=nowhere", "within"}, {"foo=1", "foo"}} {
				r := f.call("GET", path, path+"?"+bad.query, intake, nil)
				if r.Status != 400 || num(t, r.json(t), "error.details.field") != bad.field {
					t.Errorf("%s?%s: %d %s", path, bad.query, r.Status, r.Body)
				}
			}
			f.call("GET", path, path, "", nil)
		}
		exports, err := f.app.DB.AuditLog(context.Background(), "export", 20)
		if err != nil || len(exports) != 6 || exports[0].Actor != "youyi.c1.handler" {
			t.Errorf("%d exports logged (%v), want six", len(exports), err)
		}
	})
}

// TestCaseLedgerTooLargeForXLSX: the count is checked before anything is written, and the answer
// is an error, not a cut worksheet. The limit is lowered to two rows for the test.
func TestCaseLedgerTooLargeForXLSX(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		assessCases(t, f)
		defer web.SetXLSXRowLimit(2)()
		intake := f.login("district.intake")
		r := f.call("GET", "/api/v1/cases.xlsx", "/api/v1/cases.xlsx", intake, nil)
		if r.Status != http.StatusRequestEntityTooLarge || r.Header.Get("Content-Disposition") != "" {
			t.Fatalf("three cases in a two-row worksheet: %d %s", r.Status, r.Body)
		}
		rows, _ := readLedger(t, "xlsx", ledgerFile(t, f.do("GET", "/api/v1/cases.xlsx?state=closed,rejected", intake, nil), "xlsx", "cases-"))
		if len(rows) != 3 {
			t.Fatalf("two cases: %d rows", len(rows)-1)
		}
		rows, _ = readLedger(t, "csv", ledgerFile(t, f.do("GET", "/api/v1/cases.csv", intake, nil), "csv", "cases-"))
		if len(rows) != 4 {
			t.Fatalf("CSV has no such limit: %d rows", len(rows)-1)
		}
	})
}

// TestLedgerErrors breaks a stored case to make the export fail: before anything was sent the
// answer is a JSON error; once the download is under way the connection is cut, so that the
// client never takes a truncated file for a whole one.
func TestLedgerErrors(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ids := assessCases(t, f)
		first := mustInt(t, ids[0])
		cloneCases(t, f.app.DB, first, 3_000)
		token := f.login("district.intake")
		ctx := context.Background()
		// The newest case is the first one exported: nothing has been sent when it fails.
		if err := f.app.DB.ExecRaw(ctx, `UPDATE cases SET body = '{' WHERE id = (SELECT max(id) FROM cases)`); err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{"csv", "xlsx"} {
			r := f.call("GET", "/api/v1/cases."+ext, "/api/v1/cases."+ext, token, nil)
			if r.Status != http.StatusInternalServerError || r.Header.Get("Content-Disposition") != "" {
				t.Errorf("%s failing at once: %d %q", ext, r.Status, r.Header.Get("Content-Disposition"))
			}
		}
		// The oldest case is exported last, long after the first 64 KiB left.
		if err := f.app.DB.ExecRaw(ctx, `UPDATE cases SET body = '{' WHERE id = $1`, first); err != nil {
			t.Fatal(err)
		}
		if err := f.app.DB.ExecRaw(ctx, `DELETE FROM cases WHERE id = (SELECT max(id) FROM cases)`); err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{"csv", "xlsx"} {
			req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/cases."+ext, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := f.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || err == nil || n < 64<<10 {
				t.Errorf("%s failing late: status %d, %d bytes, read error %v: want a cut download", ext, res.StatusCode, n, err)
			}
		}
	})
}
