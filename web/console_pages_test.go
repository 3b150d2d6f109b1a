package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// countOf reads a queue tab's count from the workbench.
func countOf(t *testing.T, r response, queue string) string {
	t.Helper()
	m := regexp.MustCompile(`id="queue-` + queue + `"[^>]*>\s*<span class="queue-name">[^<]*</span>\s*<span class="count">([0-9+]+)</span>`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no tab for queue %s:\n%s", queue, r.Body)
	}
	return string(m[1])
}

var rowCase = regexp.MustCompile(`<tr data-case="([0-9]+)">`)

func rowIDs(r response) []string {
	var out []string
	for _, m := range rowCase.FindAllSubmatch(r.Body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

var nextLink = regexp.MustCompile(`href="(/console/\?[^"]*cursor=[^"]+)" rel="next"`)

// TestConsoleWorkbench: each queue counts and lists only the cases within the user's scopes, pages
// by cursor without gaps or repeats, and the request and overdue queues find their cases.
func TestConsoleWorkbench(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		var youyi []string
		for i := 0; i < 27; i++ {
			youyi = append(youyi, f.report(youyiGrid1, "E0502", "占道经营第"+string(rune('A'+i))+"处"))
		}
		wusong := f.report("310113007001001", "E0502", "吴淞的占道经营")

		street, district := f.newClient(), f.newClient()
		street.mustLogin("youyi.intake")
		district.mustLogin("district.intake")
		if n := countOf(t, street.get("/console/"), "reported"); n != "27" {
			t.Fatalf("youyi.intake counts %s to file, want 27", n)
		}
		if n := countOf(t, district.get("/console/"), "reported"); n != "28" {
			t.Fatalf("district.intake counts %s to file, want 28", n)
		}
		// Two pages for the street: 25 and 2, newest first, together exactly its 27 cases.
		first := street.get("/console/?q=reported")
		checkPageHeaders(t, first)
		ids := rowIDs(first)
		m := nextLink.FindSubmatch(first.Body)
		if len(ids) != 25 || m == nil {
			t.Fatalf("first page: %d rows, next link %v", len(ids), m != nil)
		}
		second := street.get(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
		ids = append(ids, rowIDs(second)...)
		if len(rowIDs(second)) != 2 || nextLink.Match(second.Body) {
			t.Fatalf("second page: %d rows, next link %v", len(rowIDs(second)), nextLink.Match(second.Body))
		}
		for i, id := range ids {
			if id != youyi[len(youyi)-1-i] {
				t.Fatalf("row %d is case %s, want %s (newest first, no repeats): %v", i, id, youyi[len(youyi)-1-i], ids)
			}
		}
		if strings.Contains(string(first.Body), `data-case="`+wusong+`"`) || strings.Contains(string(second.Body), `data-case="`+wusong+`"`) {
			t.Fatal("youyi.intake sees a case of 吴淞")
		}
		// The rows say what a dispatcher needs: the light in words, the matter, the place.
		row := string(first.Body)
		for _, want := range []string{`class="light light-green">正常`, "占道经营", "宝钢一村居委会", "2026-03-02 09:00"} {
			if !strings.Contains(row, want) {
				t.Fatalf("the queue rows lack %q:\n%s", want, row)
			}
		}
		if r := street.get("/console/?q=reported&cursor=@@"); r.Status != http.StatusBadRequest {
			t.Fatalf("a bad cursor: %d", r.Status)
		}

		// An extension request shows in the requests queue of the dispatch centre.
		id := youyi[0]
		intake, dispatcher, handler := f.login("district.intake"), f.login("district.dispatcher"), f.login("chengguan.youyi.handler")
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/file", intake, nil))
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/dispatch", dispatcher, nil))
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/sign", handler, nil))
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/request_extension", handler,
			map[string]any{"reason": "需协调产权单位", "extension": map[string]any{"amount": 1, "unit": "working_days"}}))
		d := f.newClient()
		d.mustLogin("district.dispatcher")
		if n := countOf(t, d.get("/console/"), "requests"); n != "1" {
			t.Fatalf("requests count %s, want 1", n)
		}
		req := d.get("/console/?q=requests")
		if got := rowIDs(req); len(got) != 1 || got[0] != id || !strings.Contains(string(req.Body), "申请延期 1 工作日") {
			t.Fatalf("requests queue rows %v:\n%s", got, req.Body)
		}
		// The case page offers the dispatcher the decision, saying what was asked.
		page := string(d.get("/console/cases/" + id).Body)
		if !strings.Contains(page, `id="act-approve_extension"`) || !strings.Contains(page, `id="act-deny_extension"`) || !strings.Contains(page, "1 工作日") {
			t.Fatalf("extension decision missing on the case page:\n%s", page)
		}

		// Two days on, the timers mark the unfiled cases overdue.
		f.clock.Advance(48 * time.Hour)
		if _, err := f.app.Sweep(context.Background(), 10000); err != nil {
			t.Fatal(err)
		}
		d = f.newClient() // the session ended 12 hours after the login
		d.mustLogin("district.dispatcher")
		over := d.get("/console/?q=overdue")
		if n := countOf(t, over, "overdue"); n == "0" || !strings.Contains(string(over.Body), `class="light light-red">超期`) {
			t.Fatalf("overdue queue (%s):\n%s", n, over.Body)
		}
	})
}

// TestConsoleCasePage: the case page shows the facts, the grid map, the routing suggestion with the
// admission refusal, the timeline, and only the actions the user's roles allow now; a refused action
// shows the platform's message in the user's language and changes nothing.
func TestConsoleCasePage(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		id := f.report(youyiGrid1, "E0502", "路口有人<b>占道</b>摆摊卖水果")
		intake := f.newClient()
		intake.mustLogin("district.intake")
		r := intake.get("/console/cases/" + id)
		checkPageHeaders(t, r)
		page := string(r.Body)
		for _, want := range []string{
			"案件 #" + id, "待受理", "占道经营", "路口有人&lt;b&gt;占道&lt;/b&gt;摆摊卖水果", "张女士", "13900001111", "宝钢一村居委会",
			`<path class="map-grid" d="M`, `<circle class="map-point"`, `<path class="map-other"`, "依据权责清单",
			"未列入社区事务准入清单的事项,社区一律不予受理", `data-action="report"`,
			`id="act-file"`, `id="act-reject"`, `id="act-request_confirm"`, `id="act-comment"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("intake's case page lacks %q", want)
			}
		}
		for _, not := range []string{`id="act-dispatch"`, `id="act-sign"`, `id="act-check_pass"`, "<b>占道</b>"} {
			if strings.Contains(page, not) {
				t.Errorf("intake's case page has %q", not)
			}
		}
		if r := intake.act(id, "file", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("file: %d\n%s", r.Status, r.Body)
		}
		if page := string(intake.get("/console/cases/" + id + "?done=file").Body); !strings.Contains(page, "已完成：立案") || strings.Contains(page, `id="act-file"`) {
			t.Fatal("after filing: no notice, or the file form is still offered")
		}

		// The dispatcher: the suggested unit preselected, a refused community not selectable.
		d := f.newClient()
		d.mustLogin("district.dispatcher")
		page = string(d.get("/console/cases/" + id).Body)
		if !regexp.MustCompile(`<option value="` + youyiStreet + `-chengguan" selected>`).MatchString(page) {
			t.Fatalf("the suggested unit is not preselected:\n%s", page)
		}
		if !regexp.MustCompile(`<option value="` + youyiC1 + `" disabled>[^<]*未列入社区准入清单`).MatchString(page) {
			t.Fatalf("the community refused by the admission list is selectable:\n%s", page)
		}
		// Dispatching to it anyway (a hand-made form) is refused with the platform's reason.
		r = d.act(id, "dispatch", url.Values{"unit": {youyiC1}, "reason": {"试试社区"}})
		body := string(r.Body)
		if r.Status != http.StatusBadRequest || !strings.Contains(body, "输入有误，未作任何更改") || !strings.Contains(body, "社区事务准入清单") ||
			!strings.Contains(body, `value="试试社区"`) {
			t.Fatalf("dispatch to a refused community: %d\n%s", r.Status, body)
		}
		// A stale form (the case moved on since the page was read) is a conflict.
		stale := csrf(t, d.get("/console/cases/"+id))
		if r := d.act(id, "dispatch", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("dispatch: %d\n%s", r.Status, r.Body)
		}
		r = d.post("/console/cases/"+id+"/dispatch", url.Values{"_csrf": {stale}, "expect_seq": {"2"}})
		if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "案件状态已变化") {
			t.Fatalf("stale dispatch: %d\n%s", r.Status, r.Body)
		}

		// The same page in English.
		d.get("/console/?lang=en")
		page = string(d.get("/console/cases/" + id).Body)
		for _, want := range []string{"Case #" + id, "Dispatched", "Timeline", "Trading on the road", "<h3>Dispatch</h3>", "Youyi Road Subdistrict"} {
			if !strings.Contains(page, want) {
				t.Errorf("English case page lacks %q", want)
			}
		}
		if strings.Contains(page, "可办理的操作") {
			t.Error("English case page has Chinese labels")
		}
	})
}

// TestConsoleLanguage: ?lang=en switches every later page to English through the lang cookie, and
// ?lang=zh back; Chinese is the default.
func TestConsoleLanguage(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		c := f.newClient()
		if !strings.Contains(string(c.get("/login").Body), "<h1>登录</h1>") {
			t.Fatal("the login page is not Chinese by default")
		}
		r := c.get("/login?lang=en")
		if ck := setCookie(r, "lang"); ck == nil || ck.Value != "en" || !strings.Contains(string(r.Body), "<h1>Log in</h1>") {
			t.Fatalf("?lang=en: cookie %+v\n%s", ck, r.Body)
		}
		c.mustLogin("district.dispatcher")
		wb := string(c.get("/console/").Body)
		if !strings.Contains(wb, "Dispatch workbench") || !strings.Contains(wb, `lang="en"`) || !strings.Contains(wb, ">中文</a>") {
			t.Fatalf("workbench after choosing English:\n%s", wb)
		}
		if wb := string(c.get("/console/?lang=zh").Body); !strings.Contains(wb, "调度工作台") || !strings.Contains(wb, `lang="zh-CN"`) {
			t.Fatalf("workbench after choosing Chinese:\n%s", wb)
		}
		if wb := string(c.get("/console/?lang=fr").Body); !strings.Contains(wb, "调度工作台") {
			t.Fatal("an unknown language changed the page")
		}
	})
}

// TestConsolePassword: the password page checks the current password and the repetition, applies
// the policy, ends every other session and keeps this browser logged in.
func TestConsolePassword(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		c := f.newClient()
		c.mustLogin("district.leader")
		apiToken := f.login("district.leader")
		change := func(current, nw, confirm string) response {
			page := c.get("/console/password")
			checkPageHeaders(t, page)
			return c.post("/console/password", url.Values{"_csrf": {csrf(t, page)}, "current": {current}, "new": {nw}, "confirm": {confirm}})
		}
		if r := change("wrong-password", "new-password-9", "new-password-9"); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "当前密码不正确") {
			t.Fatalf("wrong current password: %d\n%s", r.Status, r.Body)
		}
		if r := change(demoPassword, "new-password-9", "new-password-8"); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "两次输入的新密码不一致") {
			t.Fatalf("mismatch: %d", r.Status)
		}
		if r := change(demoPassword, "short", "short"); r.Status != http.StatusBadRequest {
			t.Fatalf("a password against the policy: %d\n%s", r.Status, r.Body)
		}
		r := change(demoPassword, "new-password-9", "new-password-9")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/password?done=1" || setCookie(r, "civicgrid_session") == nil {
			t.Fatalf("change: %d %v", r.Status, r.Header)
		}
		if page := c.get("/console/password?done=1"); page.Status != http.StatusOK || !strings.Contains(string(page.Body), "密码已修改") {
			t.Fatalf("after the change this browser is logged out, or no notice: %d", page.Status)
		}
		if r := f.do("GET", "/api/v1/me", apiToken, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("another session survived the change: %d", r.Status)
		}
		if r := f.newClient().login("district.leader", demoPassword); r.Status != http.StatusUnauthorized {
			t.Fatalf("the old password still works: %d", r.Status)
		}
		if r := f.newClient().login("district.leader", "new-password-9"); r.Status != http.StatusSeeOther {
			t.Fatalf("the new password does not work: %d", r.Status)
		}
	})
}
