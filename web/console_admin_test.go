package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"civicgrid/geo"
	"civicgrid/web"
)

// upload posts a multipart form with one file, as a browser sends a file input.
func (c *browserClient) upload(path string, fields url.Values, file string, data []byte) response {
	c.f.t.Helper()
	if file == "" {
		return c.sendMultipart(path, fields)
	}
	return c.sendMultipart(path, fields, formFile{Field: "file", Name: file, Data: data})
}

// newGrid is a grid unit the tests create in 宝钢一村, and its boundary: a square south of the
// community's first grid.
const newGrid = "310113003001099"

func newGridGeoJSON(t *testing.T) []byte {
	t.Helper()
	lat, lon := gridPoint(t, youyiGrid1)
	sq := geo.MultiPolygon{geo.Polygon{geo.Ring{{Lon: lon - 0.002, Lat: lat - 0.01}, {Lon: lon + 0.002, Lat: lat - 0.01}, {Lon: lon + 0.002, Lat: lat - 0.006},
		{Lon: lon - 0.002, Lat: lat - 0.006}, {Lon: lon - 0.002, Lat: lat - 0.01}}}}
	b, err := geo.MarshalFeatureCollection([]geo.Feature{{ID: newGrid, Name: "宝钢一村第99网格", Geometry: sq}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// createGridUnit adds the grid unit (without a boundary) through the API as district.admin.
func createGridUnit(f *consoleFixture) {
	f.t.Helper()
	f.must(http.StatusOK, f.do("PUT", "/api/v1/units", f.login("district.admin"), map[string]any{"units": []map[string]any{
		{"id": newGrid, "kind": "grid", "name": "宝钢一村第99网格", "parent": youyiC1}}}))
}

var hiddenGeoJSON = regexp.MustCompile(`name="geojson" value="([^"]*)"`)

// TestConsoleAdminGrids: an administrator uploads a GeoJSON file, sees the preview with the change
// and nothing stored yet, confirms, and the grid has its boundary; files with errors, files too
// large, grids outside the administrator's units and non-administrators are refused with nothing
// changed.
func TestConsoleAdminGrids(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		createGridUnit(f)
		admin := f.newClient()
		admin.mustLogin("district.admin")
		tree := admin.get("/console/admin/")
		if tree.Status != http.StatusOK || !strings.Contains(string(tree.Body), `<li data-unit="`+newGrid+`"><span class="unit-name">宝钢一村第99网格</span> <span class="kind">网格</span> <code>`+newGrid+`</code></li>`) {
			t.Fatalf("tree: %d\n%s", tree.Status, tree.Body)
		}
		if strings.Contains(string(tree.Body), `data-unit="310000000000"`) {
			t.Fatal("the district's admin sees the city in the tree")
		}
		page := admin.get("/console/admin/grids")
		token := csrf(t, page)
		file := newGridGeoJSON(t)
		pv := admin.upload("/console/admin/grids/preview", url.Values{"_csrf": {token}}, "grids.geojson", file)
		body := string(pv.Body)
		if pv.Status != http.StatusOK || !strings.Contains(body, `<li class="new" data-grid="`+newGrid+`">`) ||
			!strings.Contains(body, `class="map-shape map-new" data-grid="`+newGrid+`"`) || !strings.Contains(body, `id="grids-apply"`) {
			t.Fatalf("preview: %d\n%s", pv.Status, body)
		}
		shapes, err := f.app.DB.GridShapes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := shapes[newGrid]; ok {
			t.Fatal("the preview stored the grid")
		}
		m := hiddenGeoJSON.FindSubmatch(pv.Body)
		if m == nil {
			t.Fatal("no GeoJSON in the confirm form")
		}
		carried := html.UnescapeString(string(m[1]))
		if carried != string(file) {
			t.Fatalf("the confirm form carries %q, not the file", carried)
		}
		r := admin.upload("/console/admin/grids/apply", url.Values{"_csrf": {token}, "file": {"grids.geojson"}, "geojson": {carried}}, "", nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/admin/grids?done=grids&n=1" {
			t.Fatalf("confirm: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if shapes, _ = f.app.DB.GridShapes(context.Background()); shapes[newGrid] == nil {
			t.Fatal("the confirmed grid has no boundary")
		}
		after := admin.get(r.Header.Get("Location"))
		if !strings.Contains(string(after.Body), "已导入 1 个网格边界") || !strings.Contains(string(after.Body), `class="map-shape map-existing" data-grid="`+newGrid+`"`) {
			t.Fatalf("grids page after the import:\n%s", after.Body)
		}
		if !strings.Contains(string(admin.get("/console/admin/").Body), `<code>`+newGrid+`</code> <span class="kind">▦</span>`) {
			t.Fatal("the tree does not mark the grid's boundary")
		}
		// The same file again: unchanged.
		again := admin.upload("/console/admin/grids/preview", url.Values{"_csrf": {token}}, "grids.geojson", file)
		if !strings.Contains(string(again.Body), `<li class="unchanged" data-grid="`+newGrid+`">`) {
			t.Fatalf("second preview:\n%s", again.Body)
		}

		// Errors: a broken file, an unknown grid, a community instead of a grid. Each is shown and
		// no confirm is offered.
		for _, c := range []struct{ file, want string }{
			{`{"type":"FeatureCollection","features":[`, "not valid JSON"},
			{strings.ReplaceAll(string(file), newGrid, "310113003001098"), "not a known unit"},
			{strings.ReplaceAll(string(file), newGrid, youyiC1), "not a grid"},
		} {
			r := admin.upload("/console/admin/grids/preview", url.Values{"_csrf": {token}}, "bad.geojson", []byte(c.file))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), c.want) || strings.Contains(string(r.Body), `id="grids-apply"`) {
				t.Fatalf("file with %q: %d\n%s", c.want, r.Status, r.Body)
			}
		}
		// A confirm carrying a broken file is checked again and refused.
		if r := admin.upload("/console/admin/grids/apply", url.Values{"_csrf": {token}, "geojson": {`{"type":"Point"}`}}, "", nil); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("confirming a broken file: %d", r.Status)
		}
		if r := admin.upload("/console/admin/grids/preview", url.Values{"_csrf": {token}}, "", nil); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "choose a file") {
			t.Fatalf("no file: %d\n%s", r.Status, r.Body)
		}
		// Too large: refused before it is read.
		big := bytes.Repeat([]byte(" "), 9<<20)
		if r := admin.upload("/console/admin/grids/preview", url.Values{"_csrf": {token}}, "big.geojson", big); r.Status != http.StatusRequestEntityTooLarge ||
			!strings.Contains(string(r.Body), "larger than 8 MiB") || !strings.Contains(string(r.Body), `id="logout"`) {
			t.Fatalf("a 9 MiB file: %d\n%s", r.Status, r.Body)
		}
		// Without the form token nothing is read.
		if r := admin.upload("/console/admin/grids/preview", url.Values{"_csrf": {"forged"}}, "grids.geojson", file); r.Status != http.StatusForbidden {
			t.Fatalf("forged token: %d", r.Status)
		}

		// A street's administrator (created here through the console) may not draw another
		// street's grid: the row says so, the refusal is logged, nothing changes.
		users := admin.get("/console/admin/users")
		r = admin.post("/console/admin/users", url.Values{"_csrf": {csrf(t, users)}, "login": {"youyi.admin"}, "name": {"友谊路管理员"},
			"password": {"street-admin-pw"}, "role": {"admin"}, "unit": {youyiStreet}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create youyi.admin: %d\n%s", r.Status, r.Body)
		}
		street := f.newClient()
		if r := street.login("youyi.admin", "street-admin-pw"); r.Status != http.StatusSeeOther {
			t.Fatalf("youyi.admin login: %d", r.Status)
		}
		wusong := strings.ReplaceAll(string(file), newGrid, "310113007001001")
		r = street.upload("/console/admin/grids/preview", url.Values{"_csrf": {csrf(t, street.get("/console/admin/grids"))}}, "wusong.geojson", []byte(wusong))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "outside the units you administer") {
			t.Fatalf("youyi.admin drawing a grid of 吴淞: %d\n%s", r.Status, r.Body)
		}
		denied, _ := f.app.DB.AuditLog(context.Background(), "denied", 5)
		if len(denied) == 0 || denied[0].Actor != "youyi.admin" {
			t.Fatalf("denial not logged: %+v", denied)
		}
		if shapes2, _ := f.app.DB.GridShapes(context.Background()); !geoEqual(shapes2["310113007001001"], shapes["310113007001001"]) {
			t.Fatal("the refused file changed 吴淞's grid")
		}

		// Not an administrator: refused, not offered.
		leader := f.newClient()
		leader.mustLogin("district.leader")
		if r := leader.get("/console/admin/"); r.Status != http.StatusForbidden {
			t.Fatalf("leader on the admin pages: %d", r.Status)
		}
		lt := csrf(t, leader.get("/console/dashboard"))
		if r := leader.upload("/console/admin/grids/preview", url.Values{"_csrf": {lt}}, "grids.geojson", file); r.Status != http.StatusForbidden {
			t.Fatalf("leader uploading grids: %d", r.Status)
		}
		if strings.Contains(string(leader.get("/console/dashboard").Body), `href="/console/admin/"`) {
			t.Fatal("the leader is offered administration")
		}
	})
}

func geoEqual(a, b geo.MultiPolygon) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

var keySecret = regexp.MustCompile(`<p class="secret" id="key-secret">([^<]+)</p>`)

// TestConsoleAdminUsersAndKeys: users are created with a grant within the administrator's units
// and can log in; passwords are reset only for users wholly within them; API keys are for the
// platform administrator, shown once, work on the API and stop working when revoked.
func TestConsoleAdminUsersAndKeys(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		admin := f.newClient()
		admin.mustLogin("district.admin")
		page := admin.get("/console/admin/users")
		token := csrf(t, page)
		if !strings.Contains(string(page.Body), `data-login="district.leader"`) || strings.Contains(string(page.Body), `data-login="city.admin"`) {
			t.Fatalf("users page:\n%s", page.Body)
		}
		r := admin.post("/console/admin/users", url.Values{"_csrf": {token}, "login": {"c1.worker9"}, "name": {"王网格"}, "password": {"worker9-pass"},
			"role": {"grid_worker"}, "unit": {youyiC1}, "role2": {"handler"}, "unit2": {youyiC1}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/admin/users?done=user" {
			t.Fatalf("create user: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		page = admin.get("/console/admin/users?done=user")
		if !strings.Contains(string(page.Body), "用户已创建") || !regexp.MustCompile(`data-login="c1.worker9">.*网格员 · 宝钢一村居委会<br>处置人员 · 宝钢一村居委会`).Match(page.Body) {
			t.Fatalf("users after create:\n%s", page.Body)
		}
		worker := f.newClient()
		if r := worker.login("c1.worker9", "worker9-pass"); r.Status != http.StatusSeeOther {
			t.Fatalf("the new user's login: %d", r.Status)
		}
		// Refusals, each with nothing created: a unit outside, a short password, a taken login.
		for _, c := range []struct {
			form   url.Values
			status int
			want   string
		}{
			{url.Values{"login": {"x.city"}, "name": {"x"}, "password": {"long-enough-pw"}, "role": {"admin"}, "unit": {"310000000000"}}, 403, "admin role"},
			{url.Values{"login": {"x.short"}, "name": {"x"}, "password": {"short"}, "role": {"intake"}, "unit": {youyiC1}}, 400, "at least"},
			{url.Values{"login": {"c1.worker9"}, "name": {"x"}, "password": {"long-enough-pw"}, "role": {"intake"}, "unit": {youyiC1}}, 409, ""},
			{url.Values{"login": {"x.role"}, "name": {"x"}, "password": {"long-enough-pw"}, "role": {"mayor"}, "unit": {youyiC1}}, 400, "not one of"},
			{url.Values{"login": {"x.second"}, "name": {"x"}, "password": {"long-enough-pw"}, "role": {"intake"}, "unit": {youyiC1}, "role2": {"admin"}, "unit2": {"310000000000"}}, 403, "admin role"},
		} {
			c.form.Set("_csrf", token)
			r := admin.post("/console/admin/users", c.form)
			if r.Status != c.status || !strings.Contains(string(r.Body), c.want) || !strings.Contains(string(r.Body), `class="alert"`) {
				t.Fatalf("create %v: %d, want %d with %q\n%s", c.form, r.Status, c.status, c.want, r.Body)
			}
			if c.status != 409 && strings.Contains(string(admin.get("/console/admin/users").Body), `data-login="`+c.form.Get("login")+`"`) {
				t.Fatalf("refused user %s was created", c.form.Get("login"))
			}
		}
		// Reset: the new worker's password; the old session ends.
		var workerID string
		for _, m := range regexp.MustCompile(`(?s)<tr data-login="c1.worker9">.*?action="/console/admin/users/([0-9]+)/password"`).FindAllSubmatch(page.Body, -1) {
			workerID = string(m[1])
		}
		if workerID == "" {
			t.Fatal("no reset form for the new worker")
		}
		if r := admin.post("/console/admin/users/"+workerID+"/password", url.Values{"_csrf": {token}, "password": {"worker9-new-pw"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d\n%s", r.Status, r.Body)
		}
		if r := worker.get("/console/"); r.Status != http.StatusSeeOther {
			t.Fatalf("the worker's old session after the reset: %d", r.Status)
		}
		if r := f.newClient().login("c1.worker9", "worker9-new-pw"); r.Status != http.StatusSeeOther {
			t.Fatalf("login with the new password: %d", r.Status)
		}
		// The city's administrator is beyond the district's admin: no form, and a post is refused.
		if regexp.MustCompile(`<tr data-login="city.admin">`).Match(page.Body) {
			t.Fatal("the district's admin lists the city admin")
		}
		cityID := cityAdminID(t, f)
		if r := admin.post("/console/admin/users/"+cityID+"/password", url.Values{"_csrf": {token}, "password": {"taken-over-pw"}}); r.Status != http.StatusForbidden {
			t.Fatalf("district.admin resetting city.admin: %d", r.Status)
		}
		if r := f.newClient().login("city.admin", "taken-over-pw"); r.Status == http.StatusSeeOther {
			t.Fatal("the city admin's password was changed")
		}

		// API keys are the platform administrator's.
		if r := admin.get("/console/admin/keys"); r.Status != http.StatusForbidden {
			t.Fatalf("district.admin on API keys: %d", r.Status)
		}
		if r := admin.post("/console/admin/keys", url.Values{"_csrf": {token}, "name": {"x"}, "role": {"handler"}, "unit": {"310113000000"}}); r.Status != http.StatusForbidden {
			t.Fatalf("district.admin creating a key: %d", r.Status)
		}
		city := f.newClient()
		city.mustLogin("city.admin")
		keys := city.get("/console/admin/keys")
		r = city.post("/console/admin/keys", url.Values{"_csrf": {csrf(t, keys)}, "name": {"区城管系统"}, "role": {"handler"}, "unit": {"310113000000"}})
		m := keySecret.FindSubmatch(r.Body)
		if r.Status != http.StatusCreated || m == nil {
			t.Fatalf("create key: %d\n%s", r.Status, r.Body)
		}
		secret := string(m[1])
		if res := f.do("GET", "/api/v1/cases?limit=1", "", nil, "X-API-Key", secret); res.Status != http.StatusOK {
			t.Fatalf("the new key on the API: %d %s", res.Status, res.Body)
		}
		keys = city.get("/console/admin/keys")
		if strings.Contains(string(keys.Body), secret) {
			t.Fatal("the key is shown again")
		}
		rev := regexp.MustCompile(`<tr data-key="([0-9]+)"><td>区城管系统</td>`).FindSubmatch(keys.Body)
		if rev == nil {
			t.Fatalf("the key is not listed:\n%s", keys.Body)
		}
		if r := city.post("/console/admin/keys/"+string(rev[1])+"/revoke", url.Values{"_csrf": {csrf(t, keys)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d\n%s", r.Status, r.Body)
		}
		if res := f.do("GET", "/api/v1/cases?limit=1", "", nil, "X-API-Key", secret); res.Status != http.StatusUnauthorized {
			t.Fatalf("the revoked key on the API: %d", res.Status)
		}
	})
}

func cityAdminID(t *testing.T, f *consoleFixture) string {
	t.Helper()
	u, _, err := f.app.DB.UserByLogin(context.Background(), "city.admin")
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}

// TestConsoleAdminConfiguration: the catalogue, the lists and the calendar are shown to every
// administrator and imported by the platform administrator from files, as the API's PUT endpoints
// take them; bad files change nothing.
func TestConsoleAdminConfiguration(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		district, city := f.newClient(), f.newClient()
		district.mustLogin("district.admin")
		city.mustLogin("city.admin")
		list := district.get("/console/admin/matters")
		if !strings.Contains(string(list.Body), `<tr data-code="E0502">`) || strings.Contains(string(list.Body), `id="matters-upload"`) {
			t.Fatalf("matter types for the district's admin:\n%s", list.Body)
		}
		one := district.get("/console/admin/matters/E0502")
		if one.Status != http.StatusOK || !strings.Contains(string(one.Body), `id="deadlines"`) {
			t.Fatalf("one matter type: %d\n%s", one.Status, one.Body)
		}
		if r := district.get("/console/admin/matters/NOPE"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown matter type: %d", r.Status)
		}
		// Import: E0502 renamed, as the API's PUT takes it.
		mt := f.must(http.StatusOK, f.do("GET", "/api/v1/matter-types/E0502", f.login("city.admin"), nil)).json(t)
		mt["name_zh"] = "占道经营（改）"
		file, _ := json.Marshal(map[string]any{"matter_types": []any{mt}})
		token := csrf(t, city.get("/console/admin/matters"))
		if r := district.upload("/console/admin/matters", url.Values{"_csrf": {csrf(t, list)}}, "m.json", file); r.Status != http.StatusForbidden {
			t.Fatalf("district.admin importing matter types: %d", r.Status)
		}
		for _, bad := range []string{`{"matter_types":[]}`, `{"matter_types":[{"code":"E0502"}]} x`, `{"types":[]}`} {
			r := city.upload("/console/admin/matters", url.Values{"_csrf": {token}}, "m.json", []byte(bad))
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `class="alert"`) {
				t.Fatalf("bad matter file %s: %d\n%s", bad, r.Status, r.Body)
			}
		}
		// A file just over the 1 MiB cap passes the announced-size check and is stopped reading.
		over := append([]byte(`{"matter_types":[]}`), bytes.Repeat([]byte(" "), 1<<20)...)
		if r := city.upload("/console/admin/matters", url.Values{"_csrf": {token}}, "m.json", over); r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(r.Body), "larger than 1 MiB") {
			t.Fatalf("a matter file over 1 MiB: %d\n%s", r.Status, r.Body)
		}
		if strings.Contains(string(city.get("/console/admin/matters").Body), "占道经营（改）") {
			t.Fatal("a refused file changed the catalogue")
		}
		r := city.upload("/console/admin/matters", url.Values{"_csrf": {token}}, "m.json", file)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("import matter types: %d\n%s", r.Status, r.Body)
		}
		if !strings.Contains(string(city.get(r.Header.Get("Location")).Body), "占道经营（改）") {
			t.Fatal("the imported name is not in the catalogue")
		}

		// Lists: the responsibility list as it is, sent back, is taken whole.
		lists := city.get("/console/admin/lists")
		if !strings.Contains(string(lists.Body), `id="responsibilities"`) || !strings.Contains(string(lists.Body), `id="admissions-upload"`) {
			t.Fatalf("lists page:\n%s", lists.Body)
		}
		resp := f.must(http.StatusOK, f.do("GET", "/api/v1/responsibility-list", f.login("city.admin"), nil)).json(t)
		entries := resp["entries"].([]any)
		rfile, _ := json.Marshal(map[string]any{"entries": entries})
		r = city.upload("/console/admin/lists/responsibilities", url.Values{"_csrf": {csrf(t, lists)}}, "r.json", rfile)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "n="+strconv.Itoa(len(entries))) {
			t.Fatalf("replace the responsibility list: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if r := city.upload("/console/admin/lists/admissions", url.Values{"_csrf": {csrf(t, lists)}}, "a.json", []byte(`{"entries":[{"scope":"nowhere","matter_code":"E0502"}]}`)); r.Status != http.StatusBadRequest {
			t.Fatalf("an admission list naming no unit: %d\n%s", r.Status, r.Body)
		}

		// Calendar: a holiday CSV as civicgrid calendar import reads it.
		cal := city.get("/console/admin/calendar?year=2026")
		csv := "2026-10-01,off,国庆节\n2026-10-11,work,国庆调休\n"
		r = city.upload("/console/admin/calendar", url.Values{"_csrf": {csrf(t, cal)}}, "days.csv", []byte(csv))
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/admin/calendar?done=calendar&n=2" {
			t.Fatalf("calendar import: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		cal = city.get("/console/admin/calendar?year=2026")
		for _, want := range []string{`<tr data-date="2026-10-01"><td>2026-10-01</td><td>放假</td><td>国庆节</td></tr>`, `<tr data-date="2026-10-11" class="work">`, "09:00-12:00, 13:30-17:30"} {
			if !strings.Contains(string(cal.Body), want) {
				t.Fatalf("calendar lacks %q:\n%s", want, cal.Body)
			}
		}
		if r := city.upload("/console/admin/calendar", url.Values{"_csrf": {csrf(t, cal)}}, "days.csv", []byte("2026-13-01,off,x\n")); r.Status != http.StatusBadRequest {
			t.Fatalf("a bad calendar file: %d\n%s", r.Status, r.Body)
		}
		if r := city.get("/console/admin/calendar?year=1900"); r.Status != http.StatusBadRequest {
			t.Fatalf("year 1900: %d", r.Status)
		}

		// Roles, from the state machine.
		roles := string(district.get("/console/admin/roles").Body)
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`<tr data-role="leader"><th scope="row">领导</th><td>.*<strong>督办</strong>`),
			regexp.MustCompile(`<tr data-role="dispatcher">.*<strong>派遣</strong> \(已立案（待派遣）, 退回`),
			regexp.MustCompile(`<tr data-role="auditor"><th scope="row">审计</th><td><strong>备注</strong> \([^<]*\)</td></tr>`), // comments only
		} {
			if !want.MatchString(roles) {
				t.Fatalf("roles page lacks %s:\n%s", want, roles)
			}
		}
	})
}

// TestConsoleTiles: with a tile layer configured, the maps draw its tiles under the grids and the
// pages allow images from exactly its origin.
func TestConsoleTiles(t *testing.T) {
	layer, err := web.NewTileLayer("https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk={key}", "demo-key", "wgs84")
	if err != nil {
		t.Fatal(err)
	}
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		id := f.report(youyiGrid1, "E0502", "占道经营")
		leader := f.newClient()
		leader.mustLogin("district.leader")
		for _, path := range []string{"/console/dashboard", "/console/cases/" + id} {
			r := leader.get(path)
			if !regexp.MustCompile(`<image class="tile" x="-?[0-9.]+" y="-?[0-9.]+" width="[0-9.]+" height="[0-9.]+" href="https://t0\.tianditu\.gov\.cn/DataServer\?T=vec_w&amp;x=[0-9]+&amp;y=[0-9]+&amp;l=1[0-9]&amp;tk=demo-key"`).Match(r.Body) {
				t.Fatalf("%s: no tiles:\n%s", path, r.Body)
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' https://t0.tianditu.gov.cn;") {
				t.Fatalf("%s: policy %s", path, csp)
			}
		}
	}, func(s *web.Server) { s.Tiles = layer })
}
