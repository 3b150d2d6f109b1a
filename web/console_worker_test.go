package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/org"
)

const (
	youyiC1Worker = "youyi.c1.worker1"
	youyiC2Worker = "youyi.c2.worker1"
	youyiGrid2    = "310113003001002"
	youyiC2Grid1  = "310113003022001"
)

// postFiles sends a multipart form as a browser does, with files by input name.
func (c *browserClient) postFiles(path string, fields url.Values, files map[string][]byte) response {
	c.f.t.Helper()
	var parts []formFile
	for name, data := range files {
		parts = append(parts, formFile{Field: name, Name: name + ".jpg", Data: data})
	}
	return c.sendMultipart(path, fields, parts...)
}

// jpegWithGPS is a small JPEG carrying an Exif segment with a marker string, as a phone's camera
// writes its position into the file.
func jpegWithGPS(t *testing.T, marker string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range 16 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), []byte(marker)...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{0xFF, 0xD8}, seg...)
	out = append(out, payload...)
	return append(out, b.Bytes()[2:]...)
}

func (f *consoleFixture) caseOf(id int64) *casework.Case {
	f.t.Helper()
	cs, err := f.app.DB.Case(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return cs
}

func (f *consoleFixture) user(login string) *org.User {
	f.t.Helper()
	u, _, err := f.app.DB.UserByLogin(context.Background(), login)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

var reportedRe = regexp.MustCompile(`^/console/worker/history\?reported=(\d+)$`)

// patrolForm is a valid report form of E0502 at the centre of a grid, with the page's token.
func patrolForm(t *testing.T, page response, grid string) url.Values {
	lat, lon := gridPoint(t, grid)
	return url.Values{"_csrf": {csrf(t, page)}, "matter_code": {"E0502"}, "description": {"菜场门口占道摆摊，堵住人行道"},
		"lat": {fmt.Sprint(lat)}, "lon": {fmt.Sprint(lon)}, "address": {"菜场门口"}, "idem": {idemOf(t, page)}}
}

var idemRe = regexp.MustCompile(`name="idem" value="([^"]+)"`)

func idemOf(t *testing.T, page response) string {
	m := idemRe.FindSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no idempotency key on the report form:\n%s", page.Body)
	}
	return string(m[1])
}

// TestWorkerReport: a grid worker finds the matter type by pinyin initials, reports with a photo
// and the GPS position through the patrol channel with the worker as originator, a resent form makes
// no second case, bad forms are refused whole with a clear message, and the history lists the
// worker's own reports only, newest first, paged.
func TestWorkerReport(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		ctx := context.Background()
		c := f.newClient()
		c.mustLogin(youyiC1Worker)
		worker := f.user(youyiC1Worker)

		page := c.get("/console/worker/report?q=jg")
		checkPageHeaders(t, page)
		for _, code := range []string{"C0101", "C0102", "C0107", "C0108"} {
			if !bytes.Contains(page.Body, []byte(`data-code="`+code+`"`)) {
				t.Fatalf("jg does not list %s:\n%s", code, page.Body)
			}
		}
		for _, link := range []string{`href="/console/worker/report"`, `href="/console/worker/tasks"`, `href="/console/worker/history"`} {
			if !bytes.Contains(page.Body, []byte(link)) {
				t.Errorf("the worker's navigation lacks %s", link)
			}
		}
		if bytes.Contains(page.Body, []byte(`href="/console/unit/"`)) {
			t.Error("a grid worker is offered the department's pages")
		}
		if p := c.get("/console/worker/report?q=zd"); !bytes.Contains(p.Body, []byte(`data-code="E0502"`)) {
			t.Fatalf("zd does not find 占道经营:\n%s", p.Body)
		}
		if p := c.get("/console/worker/report?q=" + url.QueryEscape(strings.Repeat("井", 51))); p.Status != http.StatusBadRequest {
			t.Fatalf("an overlong search: %d", p.Status)
		}
		cover := c.get("/console/worker/report?matter=C0101&q=jg")
		if !bytes.Contains(cover.Body, []byte(`name="attr_state"`)) || !bytes.Contains(cover.Body, []byte(`capture="environment"`)) ||
			!regexp.MustCompile(`<script src="/static/worker\.[0-9a-f]{8}\.js" defer></script>`).Match(cover.Body) {
			t.Fatalf("the cover form lacks its field, the camera input or worker.js:\n%s", cover.Body)
		}

		// In order: the last one sets the language back to Chinese for the rest of the test.
		for _, pw := range [][2]string{{"/console/worker/report?q=jg&lang=en", "Report on patrol"}, {"/console/worker/tasks", "My tasks"},
			{"/console/worker/history", "My reports"}, {"/console/worker/report?matter=E0502&lang=zh", "巡查上报"}} {
			if p := c.get(pw[0]); !bytes.Contains(p.Body, []byte("<h1")) || !bytes.Contains(p.Body, []byte(pw[1])) {
				t.Fatalf("%s lacks %q", pw[0], pw[1])
			}
		}
		form := c.get("/console/worker/report?matter=E0502")
		before := f.countCases()
		t.Run("csrf_refused", func(t *testing.T) {
			fields := patrolForm(t, form, youyiGrid1)
			fields.Set("_csrf", "forged")
			if r := c.postFiles("/console/worker/report", fields, nil); r.Status != http.StatusForbidden {
				t.Fatalf("forged token: %d", r.Status)
			}
			fields.Del("_csrf")
			if r := c.postFiles("/console/worker/report", fields, nil); r.Status != http.StatusForbidden {
				t.Fatalf("no token: %d", r.Status)
			}
			if n := f.countCases(); n != before {
				t.Fatalf("refused forms made cases: %d → %d", before, n)
			}
		})

		var first int64
		t.Run("with_photo_and_gps", func(t *testing.T) {
			fields := patrolForm(t, form, youyiGrid1)
			photo := jpegWithGPS(t, "GPS-SECRET-31.4,121.4")
			r := c.postFiles("/console/worker/report", fields, map[string][]byte{"photo": photo})
			m := reportedRe.FindStringSubmatch(r.Header.Get("Location"))
			if r.Status != http.StatusSeeOther || m == nil {
				t.Fatalf("report: %d %v\n%s", r.Status, r.Header, r.Body)
			}
			first, _ = strconv.ParseInt(m[1], 10, 64)
			cs := f.caseOf(first)
			if cs.Channel != casework.ChannelPatrol || cs.Grid != youyiGrid1 || cs.Originator != youyiC1 || cs.Location == nil || len(cs.Media) != 1 || cs.Address != "菜场门口" {
				t.Fatalf("the patrol case: channel %s grid %s originator %s location %v media %v address %q", cs.Channel, cs.Grid, cs.Originator, cs.Location, cs.Media, cs.Address)
			}
			events, err := f.app.DB.CaseEvents(ctx, first)
			if err != nil || events[0].Actor.UserID != worker.ID || events[0].Actor.Role != org.RoleGridWorker {
				t.Fatalf("the report event: %+v %v", events[0].Actor, err)
			}
			_, data, err := f.app.MediaContent(ctx, cs.Media[0])
			if err != nil || bytes.Contains(data, []byte("GPS-SECRET")) || !bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
				t.Fatalf("the stored photo (%d bytes, err %v) still carries its Exif or is no JPEG", len(data), err)
			}
			// The same form again (a phone resending after a lost answer) finds the same case.
			again := c.postFiles("/console/worker/report", fields, map[string][]byte{"photo": photo})
			if again.Status != http.StatusSeeOther || again.Header.Get("Location") != r.Header.Get("Location") {
				t.Fatalf("the resent form: %d %v", again.Status, again.Header)
			}
			if n := f.countCases(); n != before+1 {
				t.Fatalf("cases %d → %d after one report sent twice", before, n)
			}
			h := c.get(r.Header.Get("Location"))
			if !bytes.Contains(h.Body, []byte(fmt.Sprintf("已上报，案件编号 #%d。", first))) || !bytes.Contains(h.Body, []byte(fmt.Sprintf(`data-case="%d"`, first))) {
				t.Fatalf("the history after reporting:\n%s", h.Body)
			}
		})

		t.Run("refusals_change_nothing", func(t *testing.T) {
			n0 := f.countCases()
			for _, tc := range []struct {
				name   string
				edit   func(url.Values)
				photo  []byte
				status int
				want   string
			}{
				{"no_place", func(v url.Values) { v.Del("lat"); v.Del("lon") }, nil, http.StatusBadRequest, "没有定位：请选择网格。"},
				{"grid_not_mine", func(v url.Values) { v.Del("lat"); v.Del("lon"); v.Set("grid", youyiC2Grid1) }, nil, http.StatusBadRequest, "所选网格不在您的责任区内。"},
				{"point_elsewhere", func(v url.Values) {
					lat, lon := gridPoint(t, youyiC2Grid1)
					v.Set("lat", fmt.Sprint(lat))
					v.Set("lon", fmt.Sprint(lon))
				}, nil, http.StatusBadRequest, "outside your jurisdiction"},
				{"bad_point", func(v url.Values) { v.Set("lat", "north") }, nil, http.StatusBadRequest, "定位坐标无法识别"},
				{"no_description", func(v url.Values) { v.Set("description", "  ") }, nil, http.StatusBadRequest, "请填写问题描述。"},
				{"unknown_matter", func(v url.Values) { v.Set("matter_code", "Z9999") }, nil, http.StatusBadRequest, "Z9999"},
				{"cover_without_state", func(v url.Values) { v.Set("matter_code", "C0101") }, nil, http.StatusBadRequest, "requires attribute state"},
				{"not_a_photo", nil, []byte("<html><script>alert(1)</script></html>"), http.StatusBadRequest, "photo"},
			} {
				fields := patrolForm(t, form, youyiGrid1)
				fields.Set("idem", tc.name)
				if tc.edit != nil {
					tc.edit(fields)
				}
				var files map[string][]byte
				if tc.photo != nil {
					files = map[string][]byte{"photo": tc.photo}
				}
				r := c.postFiles("/console/worker/report", fields, files)
				// An unknown type has no form to show again: the error page says which.
				withForm := tc.name != "unknown_matter"
				if r.Status != tc.status || !bytes.Contains(r.Body, []byte(tc.want)) || bytes.Contains(r.Body, []byte(`id="patrol-form"`)) != withForm {
					t.Errorf("%s: %d, want %d with %q and the form again:\n%s", tc.name, r.Status, tc.status, tc.want, r.Body)
				}
				if withForm && !bytes.Contains(r.Body, []byte("菜场门口")) {
					t.Errorf("%s: the form came back without what was typed", tc.name)
				}
			}
			if n := f.countCases(); n != n0 {
				t.Fatalf("refused reports made cases: %d → %d", n0, n)
			}
			big := patrolForm(t, form, youyiGrid1)
			if r := c.postFiles("/console/worker/report", big, map[string][]byte{"photo": bytes.Repeat([]byte{0xFF}, app.MaxMediaBytes+64<<10+32<<10)}); r.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("an oversized upload: %d\n%s", r.Status, r.Body)
			}
			if n := f.countCases(); n != n0 {
				t.Fatalf("the oversized upload made a case")
			}
		})

		t.Run("without_gps_by_grid_and_fields", func(t *testing.T) {
			fields := patrolForm(t, c.get("/console/worker/report?matter=C0101"), youyiGrid1)
			fields.Del("lat")
			fields.Del("lon")
			fields.Set("grid", youyiGrid2)
			fields.Set("matter_code", "C0101")
			fields.Set("attr_state", "missing")
			fields.Set("attr_cordoned", "no")
			r := c.postFiles("/console/worker/report", fields, nil)
			m := reportedRe.FindStringSubmatch(r.Header.Get("Location"))
			if r.Status != http.StatusSeeOther || m == nil {
				t.Fatalf("report by grid: %d\n%s", r.Status, r.Body)
			}
			id, _ := strconv.ParseInt(m[1], 10, 64)
			cs := f.caseOf(id)
			if cs.Grid != youyiGrid2 || cs.Location != nil || cs.Attributes["state"] != "missing" || cs.Channel != casework.ChannelPatrol {
				t.Fatalf("case by grid: grid %s location %v attributes %v", cs.Grid, cs.Location, cs.Attributes)
			}
		})

		t.Run("history_own_paged", func(t *testing.T) {
			// Another user's report in the same community is not in this worker's history.
			other := f.user("youyi.c1.handler")
			lat, lon := gridPoint(t, youyiGrid1)
			theirs, _, err := f.app.Report(ctx, app.Principal{User: other}, app.ReportInput{MatterCode: "E0502", Description: "社区干部上报", Lat: &lat, Lon: &lon}, "")
			if err != nil {
				t.Fatal(err)
			}
			var mine []int64
			for i := range 21 {
				cs, _, err := f.app.Report(ctx, app.Principal{User: worker}, app.ReportInput{MatterCode: "E0502", Description: fmt.Sprintf("巡查发现 %d", i), Grid: youyiGrid1}, "")
				if err != nil {
					t.Fatal(err)
				}
				mine = append(mine, cs.ID)
			}
			p1 := c.get("/console/worker/history")
			ids := regexp.MustCompile(`<li data-case="(\d+)">`).FindAllSubmatch(p1.Body, -1)
			if len(ids) != 20 || string(ids[0][1]) != fmt.Sprint(mine[20]) || bytes.Contains(p1.Body, []byte(fmt.Sprintf(`data-case="%d"`, theirs.ID))) {
				t.Fatalf("history page 1: %d rows, first %s; another's case %d listed: %v", len(ids), ids[0][1], theirs.ID, bytes.Contains(p1.Body, []byte(fmt.Sprintf(`data-case="%d"`, theirs.ID))))
			}
			next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindSubmatch(p1.Body)
			if next == nil {
				t.Fatal("no next page")
			}
			p2 := c.get(strings.ReplaceAll(string(next[1]), "&amp;", "&"))
			ids2 := regexp.MustCompile(`<li data-case="(\d+)">`).FindAllSubmatch(p2.Body, -1)
			// 21 seeded + the two reported through the form = 23: three on page 2, the oldest first.
			if len(ids2) != 3 || string(ids2[2][1]) != fmt.Sprint(first) {
				t.Fatalf("history page 2: %d rows\n%s", len(ids2), p2.Body)
			}
			if r := c.get("/console/worker/history?cursor=!!"); r.Status != http.StatusBadRequest {
				t.Fatalf("a bad cursor: %d", r.Status)
			}
		})

		t.Run("roles", func(t *testing.T) {
			if r := c.get("/console/unit/"); r.Status != http.StatusForbidden {
				t.Fatalf("a grid worker opening the department's list: %d", r.Status)
			}
			d := f.newClient()
			d.mustLogin("district.dispatcher")
			for _, p := range []string{"/console/worker/report", "/console/worker/tasks", "/console/worker/history"} {
				if r := d.get(p); r.Status != http.StatusForbidden {
					t.Fatalf("a dispatcher opening %s: %d", p, r.Status)
				}
			}
			lat, lon := gridPoint(t, youyiGrid1)
			fields := url.Values{"_csrf": {csrf(t, d.get("/console/"))}, "matter_code": {"E0502"}, "description": {"x"}, "lat": {fmt.Sprint(lat)}, "lon": {fmt.Sprint(lon)}}
			if r := d.postFiles("/console/worker/report", fields, nil); r.Status != http.StatusForbidden {
				t.Fatalf("a dispatcher posting a patrol report: %d", r.Status)
			}
			if r := d.get("/console/"); bytes.Contains(r.Body, []byte(`href="/console/worker/report"`)) {
				t.Fatal("a dispatcher is offered the worker's pages")
			}
			denied, err := f.app.DB.AuditLog(ctx, "denied", 100)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range denied {
				if e.Actor == "district.dispatcher" && e.Object == "GET /console/worker/tasks" {
					found = true
				}
			}
			if !found {
				t.Fatalf("the refused page is not in the audit log: %+v", denied)
			}
		})
	})
}

// TestWorkerTasks: a case sent for confirmation in the worker's community is on the worker's task
// list with its deadline light and forms, and not on another community's worker's; the worker
// confirms it from the list; after handling, the worker checks it from the list and the case
// closes. Another community's worker and a forged form are refused and change nothing.
func TestWorkerTasks(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		idStr := f.report(youyiGrid1, "E0502", "路口有人占道摆摊，影响通行")
		id, _ := strconv.ParseInt(idStr, 10, 64)
		intake, dispatcher, handler := f.login("district.intake"), f.login("district.dispatcher"), f.login("chengguan.youyi.handler")
		path := "/api/v1/cases/" + idStr + "/"
		f.must(http.StatusOK, f.do("POST", path+"request_confirm", intake, nil))

		c := f.newClient()
		c.mustLogin(youyiC1Worker)
		other := f.newClient()
		other.mustLogin(youyiC2Worker)

		tasks := c.get("/console/worker/tasks")
		checkPageHeaders(t, tasks)
		if !bytes.Contains(tasks.Body, []byte(fmt.Sprintf(`id="act-%d-confirm"`, id))) || !bytes.Contains(tasks.Body, []byte(fmt.Sprintf(`id="act-%d-deny"`, id))) ||
			!bytes.Contains(tasks.Body, []byte(`class="light light-green"`)) {
			t.Fatalf("the confirmation task is not listed with its forms and light:\n%s", tasks.Body)
		}
		if r := other.get("/console/worker/tasks"); bytes.Contains(r.Body, []byte(fmt.Sprintf(`data-case="%d"`, id))) {
			t.Fatal("another community's worker sees the task")
		}
		seq := f.caseOf(id).Seq
		t.Run("refusals", func(t *testing.T) {
			if r := other.post(fmt.Sprintf("/console/worker/tasks/%d/confirm", id), url.Values{"_csrf": {csrf(t, other.get("/console/worker/tasks"))}}); r.Status != http.StatusNotFound {
				t.Fatalf("another community's worker confirming: %d", r.Status)
			}
			if r := c.post(fmt.Sprintf("/console/worker/tasks/%d/confirm", id), url.Values{"_csrf": {"forged"}}); r.Status != http.StatusForbidden {
				t.Fatalf("a forged form: %d", r.Status)
			}
			if r := c.post(fmt.Sprintf("/console/worker/tasks/%d/file", id), url.Values{"_csrf": {csrf(t, tasks)}}); r.Status != http.StatusNotFound {
				t.Fatalf("an action the list does not offer: %d", r.Status)
			}
			r := c.post(fmt.Sprintf("/console/worker/tasks/%d/deny", id), url.Values{"_csrf": {csrf(t, tasks)}})
			if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte(`class="alert"`)) {
				t.Fatalf("deny without a reason: %d\n%s", r.Status, r.Body)
			}
			if got := f.caseOf(id).Seq; got != seq {
				t.Fatalf("refused actions changed the case: seq %d → %d", seq, got)
			}
		})

		r := c.post(fmt.Sprintf("/console/worker/tasks/%d/confirm", id), url.Values{"_csrf": {csrf(t, tasks)}, "reason": {"现场属实"}, "expect_seq": {strconv.Itoa(seq)}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != fmt.Sprintf("/console/worker/tasks?case=%d&done=confirm", id) {
			t.Fatalf("confirm: %d %v\n%s", r.Status, r.Header, r.Body)
		}
		if cs := f.caseOf(id); cs.State != casework.Reported || !cs.Confirmed {
			t.Fatalf("after confirming: %s confirmed %v", cs.State, cs.Confirmed)
		}
		if p := c.get(r.Header.Get("Location")); !bytes.Contains(p.Body, []byte(fmt.Sprintf("已完成：核实属实（案件 #%d）", id))) || bytes.Contains(p.Body, []byte(fmt.Sprintf(`data-case="%d"`, id))) {
			t.Fatalf("the list after confirming:\n%s", p.Body)
		}

		// Handled by the squad, then sent for the check; the case came from a resident, so the
		// district centre originated it and any grid worker of its territory may check on site.
		f.must(http.StatusOK, f.do("POST", path+"file", intake, nil))
		f.must(http.StatusOK, f.do("POST", path+"dispatch", dispatcher, nil))
		f.must(http.StatusOK, f.do("POST", path+"sign", handler, nil))
		f.must(http.StatusOK, f.do("POST", path+"handle", handler, map[string]any{"result": "已劝离摊贩"}))
		f.must(http.StatusOK, f.do("POST", path+"request_check", intake, nil))
		tasks = c.get("/console/worker/tasks")
		if !bytes.Contains(tasks.Body, []byte(fmt.Sprintf(`id="act-%d-check_pass"`, id))) || !bytes.Contains(tasks.Body, []byte("已劝离摊贩")) {
			t.Fatalf("the check task is not listed with the result:\n%s", tasks.Body)
		}
		r = c.post(fmt.Sprintf("/console/worker/tasks/%d/check_pass", id), url.Values{"_csrf": {csrf(t, tasks)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("check: %d\n%s", r.Status, r.Body)
		}
		if cs := f.caseOf(id); cs.State != casework.Closed {
			t.Fatalf("after the check: %s", cs.State)
		}
	})
}
