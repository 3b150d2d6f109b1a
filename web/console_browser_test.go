package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"civicgrid/store/storetest"
)

// Browser tests drive Debian's chromium, headless, against the real server over a fresh demo
// database. CIVICGRID_TEST_CHROMIUM names the browser; without it, `chromium` on PATH is used;
// without either the tests skip and say so. A browser that is named but does not start fails.
const envChromium = "CIVICGRID_TEST_CHROMIUM"

// envScreenshots names the folder the browser tests write their screenshots to (a temporary
// folder otherwise; the tests log which).
const envScreenshots = "CIVICGRID_SCREENSHOTS"

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(envChromium); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("browser test skipped: set " + envChromium + "=/usr/bin/chromium (Debian's chromium package) to run it")
	return ""
}

// browser is one headless chromium with one tab, for one test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	f    *consoleFixture
	shot string // screenshot folder
	name string // file name prefix of the screenshots
}

func newBrowser(t *testing.T, f *consoleFixture, shots, prefix string) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("chromium (%s) did not start: %v", path, err)
	}
	return &browser{t: t, ctx: ctx, f: f, shot: shots, name: prefix}
}

// do runs steps with a deadline, so that a page that never comes fails the test instead of hanging.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// visit opens a console path and waits for the named page.
func (b *browser) visit(path, pageName string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.f.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`body[data-page="`+pageName+`"]`)))
}

// submit clicks a button that sends a form, and waits for the page that answers it.
func (b *browser) submit(sel, pageName string) {
	b.t.Helper()
	run(b, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	b.do(chromedp.WaitVisible(chromedp.CSS(`body[data-page="` + pageName + `"]`)))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Text(chromedp.CSS(sel))))
}

func (b *browser) login(login string) {
	b.t.Helper()
	b.visit("/login", "login")
	b.do(chromedp.SendKeys(chromedp.ID("login"), login), chromedp.SendKeys(chromedp.ID("password"), demoPassword))
	run(b, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`))))
	// Each user lands on their own first page: the workbench, the grid worker's tasks, the unit's.
	b.do(chromedp.WaitVisible(chromedp.CSS(`body[data-page]:not([data-page="login"]):not([data-page="error"])`)))
}

func (b *browser) logout() {
	b.t.Helper()
	b.submit("#logout", "login")
}

// act submits an action form of the case page and checks the notice that it was done.
func (b *browser) act(action, done string) {
	b.t.Helper()
	b.submit("#act-"+action+` button[type="submit"]`, "case")
	if got := b.text(".notice"); got != "已完成："+done {
		b.t.Fatalf("after %s the notice says %q; alert: %q", action, got, run(b, chromedp.Evaluate[string](`(document.querySelector('.alert')||{}).textContent||''`)))
	}
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	png := run(b, chromedp.FullScreenshot(100))
	file := filepath.Join(b.shot, b.name+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestConsoleBrowser drives the console in chromium, each step as the user whose job it is:
//
//	a. the closed loop: a report comes in through the API; district.intake files it from the
//	   workbench, district.dispatcher dispatches it with the suggestion preselected,
//	   chengguan.youyi.handler signs and reports the result, district.intake sends it for the check
//	   and passes it; the case page then shows 结案 and the whole timeline;
//	b. scope: youyi.c2.worker1 opening the case gets the 404 page;
//	c. CSRF: a form POST from the page's own script context without the token is refused with 403
//	   and changes nothing, while one with the page's token is taken;
//	d. language: the same page in English shows English labels, and the choice sticks;
//	e. phone width: at 390 px the workbench and the case page scroll only vertically.
func TestConsoleBrowser(t *testing.T) {
	chromiumPath(t) // skip early, before building databases
	shots := screenshotDir(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newConsoleFixture(t, dsn)
		b := newBrowser(t, f, shots, filepath.Base(t.Name()))
		id := f.report(youyiGrid1, "E0502", "路口有人占道摆摊卖水果，影响通行")
		casePath := "/console/cases/" + id

		t.Run("a_closed_loop", func(t *testing.T) {
			b.t = t
			b.visit("/login", "login")
			b.screenshot("login")
			b.login("district.intake")
			if n := b.text("#queue-reported .count"); n != "1" {
				t.Fatalf("待立案 count %q, want 1", n)
			}
			// The stylesheet arrived under the page's policy.
			if bg := run(b, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('header.top')).backgroundColor`)); bg != "rgb(31, 95, 168)" {
				t.Fatalf("the stylesheet was not applied: header background %q", bg)
			}
			b.screenshot("workbench")
			b.submit(`a.case-link[href="`+casePath+`"]`, "case")
			if got := b.text("#case-state"); got != "待受理" {
				t.Fatalf("new case state %q", got)
			}
			if adm := b.text("#admission"); !strings.Contains(adm, "未列入社区事务准入清单的事项,社区一律不予受理") {
				t.Fatalf("admission refusal %q", adm)
			}
			b.screenshot("case-reported")
			b.act("file", "立案")
			b.logout()

			b.login("district.dispatcher")
			b.submit("#queue-filed", "workbench")
			b.submit(`a.case-link[href="`+casePath+`"]`, "case")
			if unit := run(b, chromedp.Value(chromedp.CSS(`#act-dispatch select[name="unit"]`))); unit != youyiStreet+"-chengguan" {
				t.Fatalf("dispatch form preselects %q, want the suggested %s-chengguan", unit, youyiStreet)
			}
			lead := b.text("#route-lead")
			b.screenshot("case-dispatch")
			b.act("dispatch", "派遣")
			if got := b.text("#case-assignee"); got != lead {
				t.Fatalf("assigned to %q, the suggestion was %q", got, lead)
			}
			b.logout()

			b.login("chengguan.youyi.handler")
			b.visit(casePath, "case")
			b.act("sign", "签收")
			b.do(chromedp.SendKeys(chromedp.CSS(`#act-handle textarea[name="result"]`), "已劝离摊贩，路口恢复通行"))
			b.act("handle", "处置完毕")
			if got := b.text("#case-result"); got != "已劝离摊贩，路口恢复通行" {
				t.Fatalf("result %q", got)
			}
			// The handling unit is offered no check of its own case.
			if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('#act-check_pass, #act-request_check').length`)); n != 0 {
				t.Fatal("the handler is offered the check")
			}
			b.logout()

			b.login("district.intake")
			b.submit("#queue-check", "workbench")
			b.submit(`a.case-link[href="`+casePath+`"]`, "case")
			b.act("request_check", "派核查")
			b.act("check_pass", "核查通过（结案）")
			if got := b.text("#case-state"); got != "结案" {
				t.Fatalf("state after the check %q, want 结案", got)
			}
			actions := run(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#timeline li')).map(li => li.dataset.action)`))
			want := []string{"report", "file", "dispatch", "sign", "handle", "request_check", "check_pass"}
			if !slices.Equal(actions, want) {
				t.Fatalf("timeline %v, want %v", actions, want)
			}
			timeline := b.text("#timeline")
			for _, w := range []string{"上报", "立案", "派遣", "签收", "处置完毕", "派核查", "核查通过（结案）", "受理员", "派遣员", "处置人员", "已劝离摊贩"} {
				if !strings.Contains(timeline, w) {
					t.Fatalf("timeline text lacks %q:\n%s", w, timeline)
				}
			}
			b.screenshot("case-closed")
			api := f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, f.login("district.intake"), nil)).json(t)
			if api["state"] != "closed" {
				t.Fatalf("the API says the case is %v", api["state"])
			}
		})

		t.Run("b_scope", func(t *testing.T) {
			b.t = t
			b.logout()
			b.login("youyi.c2.worker1")
			b.visit(casePath, "error")
			if st := run(b, chromedp.Evaluate[string](`document.querySelector('.error-page').dataset.status`)); st != "404" {
				t.Fatalf("a case outside the scope shows status %q", st)
			}
			if h := b.text(".error-page h1"); h != "找不到该页面或案件" {
				t.Fatalf("404 heading %q", h)
			}
			b.screenshot("not-found")
			b.logout()
		})

		t.Run("c_csrf", func(t *testing.T) {
			b.t = t
			b.login("district.intake")
			b.visit(casePath, "case")
			seq := func() float64 {
				return f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, f.login("district.intake"), nil)).json(t)["seq"].(float64)
			}
			before := seq()
			post := func(body string) int {
				js := fmt.Sprintf(`fetch(%q, {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: %s}).then(r => r.status)`,
					casePath+"/comment", body)
				return run(b, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
			}
			if st := post(`'reason=' + encodeURIComponent('伪造的备注')`); st != http.StatusForbidden {
				t.Fatalf("a form POST without the token: %d", st)
			}
			if st := post(`'_csrf=forged&reason=x'`); st != http.StatusForbidden {
				t.Fatalf("a form POST with a forged token: %d", st)
			}
			if after := seq(); after != before {
				t.Fatalf("refused posts changed the case: seq %v → %v", before, after)
			}
			// The page's own token is taken (fetch follows the redirect to the case page).
			if st := post(`'_csrf=' + encodeURIComponent(document.querySelector('input[name=_csrf]').value) + '&reason=' + encodeURIComponent('回访：居民满意')`); st != http.StatusOK {
				t.Fatalf("a form POST with the page's token: %d", st)
			}
			if after := seq(); after != before+1 {
				t.Fatalf("the accepted post: seq %v → %v", before, after)
			}
		})

		t.Run("d_language", func(t *testing.T) {
			b.t = t
			b.visit(casePath+"?lang=en", "case")
			for sel, want := range map[string]string{"#case-state": "Closed", "#timeline-title": "Timeline", "#facts-title": "Facts", "#map-title": "Location"} {
				if got := b.text(sel); got != want {
					t.Fatalf("English %s: %q, want %q", sel, got, want)
				}
			}
			if tl := b.text("#timeline"); !strings.Contains(tl, "Dispatch") || !strings.Contains(tl, "Pass check (close)") || strings.Contains(tl, "派遣员") {
				t.Fatalf("English timeline:\n%s", tl)
			}
			b.screenshot("case-en")
			b.visit("/console/", "workbench")
			if h := b.text("main h1"); h != "Dispatch workbench" {
				t.Fatalf("the language did not stick: %q", h)
			}
			b.visit("/console/?lang=zh", "workbench")
			if h := b.text("main h1"); h != "调度工作台" {
				t.Fatalf("back to Chinese: %q", h)
			}
		})

		t.Run("e_phone_width", func(t *testing.T) {
			b.t = t
			// More cases, with long addresses, and a clock two days on so that lights turn red.
			for _, g := range []string{youyiGrid1, "310113003001002", "310113003022001"} {
				f.report(g, "E0502", "共享单车乱停放堵塞人行道，居民多次反映仍未解决，请尽快处理")
			}
			f.clock.Advance(48 * time.Hour)
			if _, err := f.app.Sweep(context.Background(), 10000); err != nil {
				t.Fatal(err)
			}
			b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
			b.login("district.dispatcher") // the old session ended with the clock
			for _, p := range []struct{ path, page, shot string }{
				{"/console/?q=overdue", "workbench", "workbench-phone"},
				{casePath, "case", "case-phone"},
			} {
				b.visit(p.path, p.page)
				w := run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				if w > 390 {
					t.Fatalf("%s at 390 px: the page is %d px wide", p.path, w)
				}
				b.screenshot(p.shot)
			}
		})
	})
}
