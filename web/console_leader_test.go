package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// kpi reads a key indicator's value from the dashboard.
func kpi(t *testing.T, r response, key string) string {
	t.Helper()
	m := regexp.MustCompile(`data-key="` + regexp.QuoteMeta(key) + `"><dt>[^<]*</dt><dd>([^<]*)</dd>`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no indicator %s on the dashboard:\n%s", key, r.Body)
	}
	return string(m[1])
}

// dashForm reads the token and case version of a dashboard action form.
func dashForm(t *testing.T, r response, id, action string) url.Values {
	t.Helper()
	m := regexp.MustCompile(`id="dash-` + action + `-` + id + `">\s*<input type="hidden" name="_csrf" value="([^"]+)">\s*<input type="hidden" name="expect_seq" value="([0-9]+)">`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no %s form for case %s on the dashboard:\n%s", action, id, r.Body)
	}
	return url.Values{"_csrf": {string(m[1])}, "expect_seq": {string(m[2])}}
}

// TestConsoleDashboard: the leader's dashboard counts the cases of the month in the leader's
// territory, lists the overdue ones with supervision at hand, colours the grid by its open cases,
// draws the trends, and keeps every user within their scope.
func TestConsoleDashboard(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		var ids []string
		for _, d := range []string{"占道经营一", "占道经营二", "占道经营三"} {
			ids = append(ids, f.report(youyiGrid1, "E0502", d))
		}
		wusong := f.report("310113007001001", "E0502", "吴淞的占道经营")
		// A fifth case goes round the whole loop the same day.
		closed := f.report(youyiGrid1, "E0502", "占道经营四")
		intake, dispatcher, squad := f.login("district.intake"), f.login("district.dispatcher"), f.login("chengguan.youyi.handler")
		for _, step := range []struct {
			token, action string
			body          any
		}{{intake, "file", nil}, {dispatcher, "dispatch", nil}, {squad, "sign", nil}, {squad, "handle", map[string]any{"result": "已劝离"}},
			{intake, "request_check", nil}, {intake, "check_pass", nil}} {
			f.clock.Advance(10 * time.Minute)
			f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+closed+"/"+step.action, step.token, step.body))
		}
		// 吴淞's case is filed, so that a whistle can be blown on it.
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+wusong+"/file", intake, nil))
		// Two days on, the timers mark the cases overdue.
		f.clock.Advance(48 * time.Hour)
		if _, err := f.app.Sweep(context.Background(), 10000); err != nil {
			t.Fatal(err)
		}
		leader := f.newClient()
		leader.mustLogin("district.leader")
		page := leader.get("/console/dashboard")
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `data-page="dashboard"`) {
			t.Fatalf("dashboard: %d\n%s", page.Status, page.Body)
		}
		checkPageHeaders(t, page)
		body := string(page.Body)
		if got := kpi(t, page, "dash.received"); got != "5" {
			t.Fatalf("受理量 %s, want 5", got)
		}
		if got := kpi(t, page, "dash.closed"); got != "1" {
			t.Fatalf("结案数 %s, want 1", got)
		}
		// One row for the district and one for each unit below it, 友谊路街道 with its four cases.
		row := regexp.MustCompile(`<tr data-unit="` + youyiStreet + `"><th scope="row"><a href="([^"]+)">友谊路街道</a></th><td>([0-9]+)</td>`).FindSubmatch(page.Body)
		if row == nil || string(row[2]) != "4" {
			t.Fatalf("the street's row: %q\n%s", row, body)
		}
		// The map: the grid with three open cases is in class 3–5, its neighbour in class 0.
		for _, want := range []string{`class="map-shape heat-2" data-grid="` + youyiGrid1 + `"`, `class="map-shape heat-0" data-grid="310113003001002"`,
			"第1网格：未结案件 3 件</title>", `class="line line-received"`, `class="bar`} {
			if !strings.Contains(body, want) {
				t.Fatalf("the dashboard lacks %q:\n%s", want, body)
			}
		}
		// The daily trend: five reports on 2 March, one closed.
		if !strings.Contains(body, "<title>03-02 受理量 5</title>") || !strings.Contains(body, "<title>03-02 结案数 1</title>") || !strings.Contains(body, "<title>03-04 受理量 0</title>") {
			t.Fatalf("daily trend:\n%s", body)
		}
		// No tiles unless configured: nothing is loaded from elsewhere.
		if strings.Contains(body, "<image") {
			t.Fatal("tiles drawn without a tile layer")
		}
		// Every case overdue is listed, with the supervision form for the leader.
		for _, id := range append(ids, wusong) {
			if !strings.Contains(body, `<li class="dash-case" data-case="`+id+`">`) {
				t.Fatalf("overdue case %s is not listed", id)
			}
		}
		form := dashForm(t, page, ids[0], "supervise")
		form.Set("level", "yellow")
		form.Set("reason", "请尽快立案")
		r := leader.post("/console/cases/"+ids[0]+"/supervise", form)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/cases/"+ids[0]+"?done=supervise" {
			t.Fatalf("supervise from the dashboard: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		got := f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+ids[0], f.login("district.leader"), nil)).json(t)
		if got["supervision"] != "yellow" {
			t.Fatalf("case after supervision: %v", got["supervision"])
		}
		page = leader.get("/console/dashboard")
		if n := kpi(t, page, "dash.supervisions"); n != "1" {
			t.Fatalf("督办数 %s after one supervision", n)
		}
		sup := regexp.MustCompile(`(?s)id="supervised-title".*?</section>`).Find(page.Body)
		if !strings.Contains(string(sup), `data-case="`+ids[0]+`"`) || strings.Contains(string(sup), `data-case="`+ids[1]+`"`) {
			t.Fatalf("supervised list:\n%s", sup)
		}
		// A whistle from the dashboard, on the filed case: 吴淞's street leads, its community is
		// summoned. A reported case cannot have one, so it has no whistle form.
		if strings.Contains(string(page.Body), `id="dash-whistle-`+ids[1]+`"`) {
			t.Fatal("a whistle form for a case not yet filed")
		}
		wf := dashForm(t, page, wusong, "whistle")
		block := regexp.MustCompile(`(?s)id="dash-whistle-` + wusong + `">.*?</form>`).Find(page.Body)
		var choices []string // the units the form offers and allows, the street's first
		for _, m := range regexp.MustCompile(`<option value="([0-9]+)"( selected)?>`).FindAllSubmatch(block, -1) {
			if !slices.Contains(choices, string(m[1])) {
				choices = append(choices, string(m[1]))
			}
		}
		if len(choices) < 2 || choices[0] != "310113007000" {
			t.Fatalf("whistle units offered: %v", choices)
		}
		wf.Set("lead", choices[0])
		wf.Add("units", choices[1])
		wf.Set("ack_amount", "2")
		wf.Set("ack_unit", "working_hours")
		if r := leader.post("/console/cases/"+wusong+"/whistle", wf); r.Status != http.StatusSeeOther {
			t.Fatalf("whistle from the dashboard: %d\n%s", r.Status, r.Body)
		}
		w := f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+wusong, f.login("district.leader"), nil)).json(t)
		if wh, _ := w["whistle"].(map[string]any); wh == nil || wh["lead"] != "310113007000" {
			t.Fatalf("case after the whistle: %v", w["whistle"])
		}
		// A stale form (the case moved on) is refused and changes nothing.
		form.Set("level", "red")
		if r := leader.post("/console/cases/"+ids[0]+"/supervise", form); r.Status != http.StatusConflict {
			t.Fatalf("a stale supervision form: %d", r.Status)
		}
		// The previous month: nothing happened then.
		prev := leader.get("/console/dashboard?period=prev")
		if kpi(t, prev, "dash.received") != "0" || !strings.Contains(string(prev.Body), "2026-02") {
			t.Fatalf("previous month:\n%s", prev.Body)
		}
		// Down to the street: its page counts only its own cases and links back up.
		street := leader.get(strings.ReplaceAll(string(row[1]), "&amp;", "&"))
		if kpi(t, street, "dash.received") != "4" || !strings.Contains(string(street.Body), `id="dash-up"`) {
			t.Fatalf("the street's dashboard:\n%s", street.Body)
		}
		if strings.Contains(string(street.Body), `data-case="`+wusong+`"`) {
			t.Fatal("the street's dashboard lists a case of another street")
		}
		// English.
		en := leader.get("/console/dashboard?lang=en")
		if !strings.Contains(string(en.Body), "<dt>Received</dt>") || !strings.Contains(string(en.Body), "Open cases by grid") {
			t.Fatalf("English dashboard:\n%s", en.Body)
		}

		// A street's leader sees the street, not the district: the district is "not found", and
		// the attempt is in the audit log.
		youyi := f.newClient()
		youyi.mustLogin("youyi.leader")
		own := youyi.get("/console/dashboard")
		if own.Status != http.StatusOK || kpi(t, own, "dash.received") != "4" || strings.Contains(string(own.Body), `id="dash-up"`) {
			t.Fatalf("youyi.leader's dashboard: %d\n%s", own.Status, own.Body)
		}
		if r := youyi.get("/console/dashboard?unit=310113000000"); r.Status != http.StatusNotFound {
			t.Fatalf("youyi.leader asking for the district: %d", r.Status)
		}
		denied, err := f.app.DB.AuditLog(context.Background(), "denied", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(denied) == 0 || denied[0].Actor != "youyi.leader" || denied[0].Object != "unit/310113000000" {
			t.Fatalf("denial not logged: %+v", denied)
		}
		// A dispatcher is not offered the link; the handler of a department sees its own unit.
		d := f.newClient()
		d.mustLogin("district.dispatcher")
		if strings.Contains(string(d.get("/console/").Body), `href="/console/dashboard"`) {
			t.Fatal("the dispatcher is offered the dashboard")
		}
		if !strings.Contains(body, `href="/console/dashboard"`) {
			t.Fatal("the leader is not offered the dashboard")
		}
	})
}
