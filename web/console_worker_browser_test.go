package web_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"civicgrid/casework"
	"civicgrid/store/storetest"
)

// phoneWidth is the width the field pages are tested at: a small phone.
const phoneWidth = 375

// narrowCheck fails when the page scrolls sideways at the phone's width.
func narrowCheck(b *browser, what string) {
	b.t.Helper()
	if w := run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > phoneWidth {
		b.t.Fatalf("%s at %d px: the page is %d px wide", what, phoneWidth, w)
	}
}

// fakeGPS grants the console's origin the geolocation permission and fixes the position the
// browser reports.
func fakeGPS(b *browser, lat, lon float64) {
	b.t.Helper()
	acc := 8.0
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: b.f.srv.URL}); err != nil {
		b.t.Fatalf("grant geolocation: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc}); err != nil {
		b.t.Fatalf("override geolocation: %v", err)
	}
}

// writeFile writes a test file and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWorkerBrowser: a grid worker on a 375 px phone finds the matter type by pinyin initials,
// reports with a real photo file and the position from the (overridden) GPS, which worker.js puts
// into the form; the case is the worker's patrol report at that point. Later the worker confirms it
// from "my tasks" and, once the squad has handled it, checks and closes it from there. No page
// scrolls sideways.
func TestWorkerBrowser(t *testing.T) {
	chromiumPath(t) // skip early, before building databases
	shots := screenshotDir(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newConsoleFixture(t, dsn)
		b := newBrowser(t, f, shots, "worker-"+filepath.Base(t.Name()))
		b.do(chromedp.EmulateViewport(phoneWidth, 812, chromedp.EmulateMobile))
		lat, lon := gridPoint(t, youyiGrid1)
		lat, lon = math.Round(lat*1e6)/1e6, math.Round(lon*1e6)/1e6
		fakeGPS(b, lat, lon)
		photo := writeFile(t, "patrol.jpg", jpegWithGPS(t, "CAMERA-GPS"))

		b.login(youyiC1Worker)
		b.visit("/console/worker/report", "worker_report")
		narrowCheck(b, "the report page")
		b.do(chromedp.SendKeys(chromedp.ID("q"), "jg"))
		b.submit("#search-submit", "worker_report")
		hits := run(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#matter-hits a')).map(a => a.dataset.code)`))
		for _, code := range []string{"C0101", "C0102", "C0103", "C0105", "C0106", "C0107", "C0108"} {
			if !contains(hits, code) {
				t.Fatalf("jg lists %v, without %s", hits, code)
			}
		}
		b.screenshot("search-jg")
		run(b, chromedp.Evaluate[string](`document.getElementById('q').value = ''`))
		b.do(chromedp.SendKeys(chromedp.ID("q"), "zd"))
		b.submit("#search-submit", "worker_report")
		b.submit(`#matter-hits a[data-code="E0502"]`, "worker_report")
		if got := b.text("#chosen-matter strong"); got != "占道经营" {
			t.Fatalf("chosen matter %q", got)
		}
		// worker.js fills the position from the GPS; wait for it in the page, not with a sleep.
		got := run(b, chromedp.Evaluate[string](`new Promise(done => { const f = () => { const v = document.getElementById('lat').value; v ? done(v + ',' + document.getElementById('lon').value) : setTimeout(f, 20); }; f(); })`, chromedp.EvalAwaitPromise))
		if got != fmt.Sprintf("%.6f,%.6f", lat, lon) {
			t.Fatalf("the form's position %q, the GPS says %.6f,%.6f", got, lat, lon)
		}
		if st := b.text("#gps-status"); !strings.HasPrefix(st, "已定位") {
			t.Fatalf("GPS status %q", st)
		}
		b.do(chromedp.SendKeys(chromedp.ID("description"), "菜场门口占道摆摊，堵住人行道"),
			chromedp.SendKeys(chromedp.ID("address"), "菜场门口"),
			chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}))
		narrowCheck(b, "the report form")
		b.screenshot("report-form")
		b.submit("#patrol-submit", "worker_history")
		notice := b.text(".notice")
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(notice, "已上报，案件编号 #"), "。"), 10, 64)
		if err != nil {
			t.Fatalf("notice after reporting %q", notice)
		}
		cs := f.caseOf(id)
		if cs.Channel != casework.ChannelPatrol || cs.Grid != youyiGrid1 || cs.Originator != youyiC1 || len(cs.Media) != 1 || cs.Location == nil ||
			math.Abs(cs.Location.Lat-lat) > 1e-6 || math.Abs(cs.Location.Lon-lon) > 1e-6 {
			t.Fatalf("the reported case: channel %s grid %s originator %s media %v location %+v", cs.Channel, cs.Grid, cs.Originator, cs.Media, cs.Location)
		}
		narrowCheck(b, "the history")
		b.screenshot("history")

		idStr := strconv.FormatInt(id, 10)
		path := "/api/v1/cases/" + idStr + "/"
		intake := f.login("district.intake")
		f.must(http.StatusOK, f.do("POST", path+"request_confirm", intake, nil))
		b.visit("/console/worker/tasks", "worker_tasks")
		if n := b.text("#count-confirm .count"); n != "1" {
			t.Fatalf("待核实 count %q", n)
		}
		narrowCheck(b, "the tasks")
		b.screenshot("tasks-confirm")
		form := "#act-" + idStr + "-confirm"
		b.do(chromedp.SendKeys(chromedp.CSS(form+` input[name="reason"]`), "现场属实"))
		b.submit(form+` button[type="submit"]`, "worker_tasks")
		if n := b.text(".notice"); n != "已完成：核实属实（案件 #"+idStr+"）" {
			t.Fatalf("notice after confirming %q", n)
		}
		if cs := f.caseOf(id); cs.State != casework.Reported || !cs.Confirmed {
			t.Fatalf("after confirming: %s", cs.State)
		}

		dispatcher, handler := f.login("district.dispatcher"), f.login(youyiSquadHandler)
		f.must(http.StatusOK, f.do("POST", path+"file", intake, nil))
		f.must(http.StatusOK, f.do("POST", path+"dispatch", dispatcher, nil))
		f.must(http.StatusOK, f.do("POST", path+"sign", handler, nil))
		f.must(http.StatusOK, f.do("POST", path+"handle", handler, map[string]any{"result": "已劝离摊贩，人行道已清空"}))
		f.must(http.StatusOK, f.do("POST", path+"request_check", intake, nil))
		b.visit("/console/worker/tasks", "worker_tasks")
		if n := b.text("#count-check .count"); n != "1" {
			t.Fatalf("待核查 count %q", n)
		}
		if r := b.text("#task-" + idStr + " .task-result"); !strings.Contains(r, "已劝离摊贩") {
			t.Fatalf("the check task shows the result %q", r)
		}
		narrowCheck(b, "the check task")
		b.screenshot("tasks-check")
		b.submit("#act-"+idStr+`-check_pass button[type="submit"]`, "worker_tasks")
		if cs := f.caseOf(id); cs.State != casework.Closed {
			t.Fatalf("after the check: %s", cs.State)
		}
		b.visit("/console/worker/history", "worker_history")
		if st := b.text(`li[data-case="` + idStr + `"] .state`); st != "结案" {
			t.Fatalf("the history shows %q", st)
		}
	})
}

// TestUnitBrowser: the squad's handler, on a phone, opens the case from the unit's list, signs it,
// asks for two more working days, and completes it with a result and real photo files before and
// after; the handler's page and the full case page then link both photos, which are served.
func TestUnitBrowser(t *testing.T) {
	chromiumPath(t)
	shots := screenshotDir(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newConsoleFixture(t, dsn)
		b := newBrowser(t, f, shots, "unit-"+filepath.Base(t.Name()))
		b.do(chromedp.EmulateViewport(phoneWidth, 812, chromedp.EmulateMobile))
		id := f.dispatchedCase(youyiGrid1, "路口有人占道摆摊，影响通行")
		idStr := strconv.FormatInt(id, 10)
		before := writeFile(t, "before.jpg", jpegWithGPS(t, "BEFORE"))
		after := writeFile(t, "after.png", pngPhoto(t, 220))

		b.login(youyiSquadHandler)
		b.visit("/console/unit/", "unit_tasks")
		if n := b.text("#tab-sign .count"); n != "1" {
			t.Fatalf("待签收 count %q", n)
		}
		if l := b.text(`tr[data-case="` + idStr + `"] .light`); l != "正常" {
			t.Fatalf("deadline light %q", l)
		}
		narrowCheck(b, "the unit's list")
		b.screenshot("list")
		b.submit(`a.case-link[href="/console/unit/cases/`+idStr+`"]`, "unit_case")
		narrowCheck(b, "the handler's case page")
		b.screenshot("case-dispatched")
		step := func(action, done string) {
			t.Helper()
			b.submit("#act-"+action+` button[type="submit"]`, "unit_case")
			if n := b.text(".notice"); n != "已完成："+done {
				t.Fatalf("after %s the notice says %q; alert: %q", action, n, run(b, chromedp.Evaluate[string](`(document.querySelector('.alert')||{}).textContent||''`)))
			}
		}
		step("sign", "签收")
		b.do(chromedp.SetValue(chromedp.CSS(`#act-request_extension input[name="ext_amount"]`), "2"),
			chromedp.SendKeys(chromedp.CSS(`#act-request_extension textarea[name="reason"]`), "需协调市场监管部门联合执法"))
		step("request_extension", "申请延期")
		if p := b.text("#case-pending"); !strings.Contains(p, "2 工作日") {
			t.Fatalf("pending extension %q", p)
		}
		b.do(chromedp.SendKeys(chromedp.CSS(`#act-handle textarea[name="result"]`), "已劝离摊贩，路口恢复通行"),
			chromedp.SetUploadFiles(chromedp.ID("photo_before"), []string{before}),
			chromedp.SetUploadFiles(chromedp.ID("photo_after"), []string{after}))
		b.screenshot("case-complete-form")
		step("handle", "处置完毕")
		links := run(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#unit-photos a')).map(a => a.textContent + '=' + a.getAttribute('href'))`))
		cs := f.caseOf(id)
		if cs.State != casework.Handled || len(cs.PhotosBefore) != 1 || len(cs.PhotosAfter) != 1 {
			t.Fatalf("after completing: %s before %v after %v", cs.State, cs.PhotosBefore, cs.PhotosAfter)
		}
		want := []string{"处置前照片 1=/media/" + cs.PhotosBefore[0], "处置后照片 1=/media/" + cs.PhotosAfter[0]}
		if len(links) != 2 || links[0] != want[0] || links[1] != want[1] {
			t.Fatalf("photo links %v, want %v", links, want)
		}
		narrowCheck(b, "the completed case")
		b.screenshot("case-handled")
		// The full case page shows them too, and the browser gets them as images.
		b.submit("#full-case", "case")
		photos := b.text("#photos-title + .photos")
		if !strings.Contains(photos, "处置前照片 1") || !strings.Contains(photos, "处置后照片 1") {
			t.Fatalf("the case page's photos: %q", photos)
		}
		for _, m := range []string{cs.PhotosBefore[0], cs.PhotosAfter[0]} {
			js := fmt.Sprintf(`fetch('/media/%s').then(r => r.status + ' ' + r.headers.get('Content-Type'))`, m)
			if got := run(b, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise)); got != "200 image/jpeg" && got != "200 image/png" {
				t.Fatalf("GET /media/%s from the page: %s", m, got)
			}
		}
		b.screenshot("case-page-photos")
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
