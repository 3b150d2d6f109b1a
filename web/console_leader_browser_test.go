package web_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"civicgrid/store/storetest"
)

// TestConsoleLeaderAdminBrowser drives the dashboard and the administration pages in chromium:
//
//	a. district.leader opens the dashboard from the navigation, reads the indicators and the grid
//	   map, and supervises an overdue case from the dashboard's own form;
//	b. district.admin uploads a real GeoJSON file, sees the preview with the new grid drawn over
//	   the existing ones, confirms, and finds the grid's boundary on the map and in the tree;
//	   creates a user with a grant; city.admin creates an API key, which is shown once and works;
//	c. a leader asking for administration gets the 403 page.
func TestConsoleLeaderAdminBrowser(t *testing.T) {
	chromiumPath(t)
	shots := screenshotDir(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newConsoleFixture(t, dsn)
		createGridUnit(f)
		b := newBrowser(t, f, shots, "leader-admin-"+filepath.Base(t.Name()))
		id := f.report(youyiGrid1, "E0502", "路口有人占道摆摊卖水果，影响通行")
		f.clock.Advance(48 * time.Hour)
		if _, err := f.app.Sweep(context.Background(), 1000); err != nil {
			t.Fatal(err)
		}

		t.Run("a_dashboard", func(t *testing.T) {
			b.t = t
			b.login("district.leader")
			b.submit(`nav.top-nav a[href="/console/dashboard"]`, "dashboard")
			if got := b.text(`#kpis [data-key="dash.received"] dd`); got != "1" {
				t.Fatalf("受理量 %q", got)
			}
			if got := b.text(`#kpis [data-key="dash.overdue"] dt`); got != "超期数" {
				t.Fatalf("indicator label %q", got)
			}
			// The map is drawn: every grid of the district, the case's grid in the 1–2 class,
			// and it has a size on the screen.
			n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('svg.gridmap path.map-shape').length`))
			cls := run(b, chromedp.Evaluate[string](`document.querySelector('svg.gridmap path[data-grid="`+youyiGrid1+`"]').getAttribute('class')`))
			w := run(b, chromedp.Evaluate[float64](`document.querySelector('svg.gridmap').getBoundingClientRect().width`))
			if n < 10 || cls != "map-shape heat-1" || w < 300 {
				t.Fatalf("map: %d grids, the case's grid %q, %v px wide", n, cls, w)
			}
			b.screenshot("dashboard")
			form := "#dash-supervise-" + id
			b.do(chromedp.Click(chromedp.CSS(`details:has(`+form+`) > summary`)),
				chromedp.WaitVisible(chromedp.CSS(form+` select[name="level"]`)),
				chromedp.SetValue(chromedp.CSS(form+` select[name="level"]`), "red"),
				chromedp.SendKeys(chromedp.CSS(form+` textarea[name="reason"]`), "超期未立案，请立即办理"))
			b.screenshot("dashboard-supervise")
			b.submit(form+` button[type="submit"]`, "case")
			if got := b.text(".notice"); got != "已完成：督办" {
				t.Fatalf("notice %q", got)
			}
			c := f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, f.login("district.leader"), nil)).json(t)
			if c["supervision"] != "red" {
				t.Fatalf("supervision %v", c["supervision"])
			}
			b.visit("/console/dashboard", "dashboard")
			if got := b.text(`#kpis [data-key="dash.supervisions"] dd`); got != "1" {
				t.Fatalf("督办数 %q after supervising", got)
			}
			if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('#supervised-title ~ ul li[data-case="`+id+`"]').length`)); n != 1 {
				t.Fatal("the supervised case is not in the supervised list")
			}
			b.logout()
		})

		t.Run("b_administration", func(t *testing.T) {
			b.t = t
			file := filepath.Join(t.TempDir(), "grids.geojson")
			if err := os.WriteFile(file, newGridGeoJSON(t), 0o644); err != nil {
				t.Fatal(err)
			}
			b.login("district.admin")
			b.submit(`nav.top-nav a[href="/console/admin/"]`, "admin")
			if got := b.text(`#unit-tree li[data-unit="` + newGrid + `"] > .unit-name`); got != "宝钢一村第99网格" {
				t.Fatalf("the new grid in the tree: %q", got)
			}
			b.visit("/console/admin/grids", "admin_grids")
			b.do(chromedp.SetUploadFiles(chromedp.ID("grids-file"), []string{file}))
			b.submit(`#grids-upload button[type="submit"]`, "admin_grids")
			if got := b.text(`#changes li[data-grid="` + newGrid + `"] strong`); got != "新增边界" {
				t.Fatalf("preview row %q", got)
			}
			if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('svg.gridmap path.map-new[data-grid="`+newGrid+`"]').length`)); n != 1 {
				t.Fatal("the preview does not draw the new grid")
			}
			b.screenshot("grids-preview")
			b.submit(`#grids-apply button[type="submit"]`, "admin_grids")
			if got := b.text(".notice"); got != "已导入 1 个网格边界。" {
				t.Fatalf("notice %q", got)
			}
			if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('svg.gridmap path.map-existing[data-grid="`+newGrid+`"]').length`)); n != 1 {
				t.Fatal("the imported grid is not on the map")
			}
			b.screenshot("grids-imported")
			b.visit("/console/admin/", "admin")
			if got := b.text(`#unit-tree li[data-unit="` + newGrid + `"]`); !strings.HasSuffix(got, "▦") {
				t.Fatalf("the tree does not mark the boundary: %q", got)
			}

			b.visit("/console/admin/users", "admin_users")
			b.do(chromedp.SendKeys(chromedp.ID("new-login"), "c1.worker8"), chromedp.SendKeys(chromedp.ID("new-name"), "赵网格"),
				chromedp.SendKeys(chromedp.ID("new-password"), "worker8-pass"),
				chromedp.SetValue(chromedp.ID("new-role"), "grid_worker"), chromedp.SetValue(chromedp.ID("new-unit"), youyiC1))
			b.submit(`#user-create button[type="submit"]`, "admin_users")
			if got := b.text(".notice"); got != "用户已创建。" {
				t.Fatalf("notice %q; alert %q", got, run(b, chromedp.Evaluate[string](`(document.querySelector('.alert')||{}).textContent||''`)))
			}
			if got := b.text(`tr[data-login="c1.worker8"] td:nth-child(3)`); got != "网格员 · 宝钢一村居委会" {
				t.Fatalf("the new user's grant %q", got)
			}
			b.screenshot("users")
			b.logout()

			b.login("city.admin")
			b.visit("/console/admin/keys", "admin_keys")
			b.do(chromedp.SendKeys(chromedp.ID("key-name"), "区城管业务系统"), chromedp.SetValue(chromedp.ID("key-role"), "handler"),
				chromedp.SetValue(chromedp.ID("key-unit"), "310113000000"))
			b.submit(`#key-form button[type="submit"]`, "admin_keys")
			secret := b.text("#key-secret")
			if res := f.do("GET", "/api/v1/cases?limit=1", "", nil, "X-API-Key", secret); res.Status != http.StatusOK {
				t.Fatalf("the key shown (%q) on the API: %d", secret, res.Status)
			}
			b.screenshot("api-key")
			b.visit("/console/admin/keys", "admin_keys")
			if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('#key-secret').length`)); n != 0 {
				t.Fatal("the key is shown a second time")
			}
			b.logout()
		})

		t.Run("c_refused", func(t *testing.T) {
			b.t = t
			b.login("district.leader")
			if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('nav.top-nav a[href="/console/admin/"]').length`)); n != 0 {
				t.Fatal("the leader is offered administration")
			}
			b.visit("/console/admin/", "error")
			if st := run(b, chromedp.Evaluate[string](`document.querySelector('.error-page').dataset.status`)); st != "403" {
				t.Fatalf("status %q", st)
			}
			b.screenshot("admin-refused")
			b.logout()
		})

		t.Run("d_phone_width", func(t *testing.T) {
			b.t = t
			b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
			for _, who := range []struct {
				login string
				pages [][2]string
			}{
				{"district.leader", [][2]string{{"/console/dashboard", "dashboard"}}},
				{"city.admin", [][2]string{{"/console/admin/", "admin"}, {"/console/admin/grids", "admin_grids"}, {"/console/admin/users", "admin_users"},
					{"/console/admin/matters", "admin_matters"}, {"/console/admin/lists", "admin_lists"}, {"/console/admin/calendar", "admin_calendar"},
					{"/console/admin/roles", "admin_roles"}, {"/console/admin/keys", "admin_keys"}}},
			} {
				b.login(who.login)
				for _, p := range who.pages {
					b.visit(p[0], p[1])
					if w := run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
						t.Fatalf("%s at 390 px: the page is %d px wide", p[0], w)
					}
					if p[1] == "dashboard" || p[1] == "admin_grids" {
						b.screenshot(p[1] + "-phone")
					}
				}
				b.logout()
			}
		})
	})
}
