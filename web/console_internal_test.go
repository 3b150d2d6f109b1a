package web

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
)

func testConsole(t *testing.T) *console {
	t.Helper()
	return newConsole(&Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// samplePages returns, for every page template, data that reaches every branch of it: every
// queue, light, action form and field. User-typed fields hold markup, which must come out escaped.
func samplePages() map[string][]any {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.China)
	evil := `<script>alert(1)</script>"'&`
	var tabs []queueTab
	for _, q := range queues {
		tabs = append(tabs, queueTab{Key: q.Key, URL: "/console/?q=" + q.Key, Count: 3, Active: q.Key == "requests"})
	}
	var rows []caseRow
	for _, l := range []casework.Light{casework.Green, casework.Yellow, casework.Red} {
		rows = append(rows, caseRow{ID: 7, URL: "/console/cases/7", Light: l, Matter: evil, Place: evil, ReportedAt: "2026-03-02 09:30",
			Assignee: evil, State: casework.Filed, Due: "2026-03-02 10:30", Pending: evil})
	}
	ext := calendar.Limit{Amount: 2, Unit: calendar.WorkingDays}
	c := &casework.Case{ID: 7, TrackingCode: "ABC123", State: casework.Handling, MatterCode: "E0502", Urgency: catalog.Normal,
		Channel: casework.ChannelOpen311, Title: evil, Description: evil, Address: evil, Location: &geo.Point{Lon: 121.48, Lat: 31.40},
		Light: casework.Yellow, Result: evil, DuplicateOf: 3, MergedInto: 4, Rating: casework.Satisfied, PendingExtension: &ext,
		PendingSuspension: true, Supervision: casework.SuperviseRed, SupervisionCount: 2, ReportedAt: now, Seq: 9,
		Reporter: &casework.Reporter{Name: evil, Phone: "13900001111"}}
	var timeline []timelineRow
	var forms []actionForm
	opts := []option{{Value: "a", Label: evil, Selected: true}, {Value: "b", Label: "b", Disabled: true}}
	for i, a := range casework.Actions {
		timeline = append(timeline, timelineRow{Seq: i + 1, At: "2026-03-02 09:30", Actor: evil, Role: org.RoleDispatcher, Unit: evil,
			Action: a, From: casework.Filed, To: casework.Dispatched, Reason: evil, Detail: evil})
		if a == casework.ActReport || slices.Contains(casework.SystemActions, a) {
			continue
		}
		f := actionForm{Action: a, URL: "/console/cases/7/" + string(a), Reason: []string{"", "optional", "required"}[i%3],
			Danger: i%2 == 0, Values: map[string][]string{"reason": {evil}, "result": {evil}}}
		switch a {
		case casework.ActReject, casework.ActReturn:
			f.Codes = opts
		case casework.ActDispatch, casework.ActRule:
			f.Units, f.Assist = opts, opts
		case casework.ActWhistle:
			f.Whistle, f.Units, f.Assist, f.ExtUnits = true, opts, opts, opts
		case casework.ActHandle:
			f.Result = true
		case casework.ActRequestExtension:
			f.Extend, f.ExtUnits = true, opts
		case casework.ActRate:
			f.Ratings = opts
		case casework.ActSupervise:
			f.Levels = opts
		case casework.ActMerge:
			f.Target = "3"
		}
		forms = append(forms, f)
	}
	full := &caseBody{Case: c, Matter: evil, Urgency: c.Urgency, Place: []fact{{Label: "社区", Value: evil}}, Originator: evil, Assignee: evil,
		Assisting: []string{evil, "b"}, StageName: "处置", StageDue: "2026-03-02 10:30", WholeDue: "2026-03-04 17:30",
		Map:    &mapView{ViewBox: "0 0 600 400", Grid: "M0 0 L10 0 L10 10 Z", Others: []string{"M20 20 L30 20 L30 30 Z"}, Point: &mapPoint{X: "5", Y: "5"}, Label: evil},
		Photos: []photo{{Label: evil, URL: "/media/x"}, {Label: "js", URL: "javascript:alert(1)"}}, Route: &routeView{Lead: evil, Mode: "综合管理", Assisting: []string{evil}, Reason: evil},
		Admission: evil, Timeline: timeline, Actions: forms, Reporter: c.Reporter, PendingExt: "2 工作日", Supervision: "红牌督办"}
	bare := &caseBody{Case: &casework.Case{ID: 8, State: casework.Closed, Light: casework.Green, ReportedAt: now}}
	out := map[string][]any{
		"login":     {loginBody{Login: evil, Next: "/console/cases/7"}, loginBody{}},
		"password":  {passwordBody{}, passwordBody{Done: true}},
		"workbench": {workbenchBody{Queue: "requests", Tabs: tabs, Rows: rows, Next: "/console/?q=requests&cursor=Nw", Paged: true, Capped: true}, workbenchBody{Queue: "reported", Tabs: tabs}},
		"case":      {full, bare},
		"error": {errorPageBody{Status: 404, Heading: "x", Hint: errorHint(404), Back: "/console/"}, errorPageBody{Status: 403, Heading: evil, Message: evil, Hint: "error.hint_csrf", Back: "/login"},
			errorPageBody{Status: 500, Heading: "x", Hint: errorHint(500), Back: "/console/"}},
	}
	maps.Copy(out, workerSamples(now, evil))
	out["assessment"] = assessmentSamples(evil)
	for name, bodies := range portalSamples(now, evil) {
		out[name] = bodies
	}
	maps.Copy(out, leaderAdminSamples(evil))
	return out
}

// TestConsoleTemplates: every page in consolePages has its template, and each executes with sample
// data in both languages, logged in or not, with markup in the data escaped and no inline script
// or style anywhere.
func TestConsoleTemplates(t *testing.T) {
	c := testConsole(t)
	samples := samplePages()
	for _, name := range consolePages {
		if _, err := fs.Stat(templateFS, "templates/"+name+".html"); err != nil {
			t.Errorf("page %s has no template: %v", name, err)
		}
		if len(samples[name]) == 0 {
			t.Errorf("page %s has no sample data in this test", name)
		}
	}
	entries, _ := fs.ReadDir(templateFS, "templates")
	for _, e := range entries {
		if n := strings.TrimSuffix(e.Name(), ".html"); n != "layout" && !slices.Contains(consolePages, n) {
			t.Errorf("template %s is not a page in consolePages", e.Name())
		}
	}
	user := &org.User{ID: 1, Login: "district.dispatcher", Name: "<b>刘静</b>", Grants: []org.Grant{{Role: org.RoleDispatcher, Unit: "310113000000"}}}
	for name, bodies := range samples {
		for i, body := range bodies {
			for _, lang := range []string{langZh, langEn} {
				for _, u := range []*org.User{user, nil} {
					p := &consolePage{Lang: lang, User: u, CSRF: "tok", Path: "/console/?q=x", Title: "<i>t</i>", Notice: "<u>n</u>",
						Error: &pageError{Heading: "<h>", Message: "<m>"}, Body: body}
					rec := httptest.NewRecorder()
					c.render(rec, httptest.NewRequest("GET", "/console/", nil), http.StatusOK, name, p)
					out := withoutOwnScripts(t, c, rec.Body.String())
					if rec.Code != http.StatusOK {
						t.Fatalf("%s #%d (%s): status %d: %s", name, i, lang, rec.Code, out)
					}
					for _, bad := range []string{"<script", "alert(1)</", "<b>刘静", "<i>t</i>", "<u>n</u>", " style=", "javascript:"} {
						if strings.Contains(out, bad) {
							t.Errorf("%s #%d (%s): output contains %q", name, i, lang, bad)
						}
					}
					if !strings.Contains(out, `href="`+mustURL(t, c, "app.css")+`"`) {
						t.Errorf("%s: no stylesheet link", name)
					}
				}
			}
		}
	}
}

func mustURL(t *testing.T, c *console, name string) string {
	u, err := c.static.url(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// enumerations lists every value the console translates by kind.
func enumerations() map[string][]string {
	str := func(vs ...any) []string {
		var out []string
		for _, v := range vs {
			switch x := v.(type) {
			case []casework.State:
				for _, s := range x {
					out = append(out, string(s))
				}
			case []casework.Action:
				for _, s := range x {
					out = append(out, string(s))
				}
			case []org.Role:
				for _, s := range x {
					out = append(out, string(s))
				}
			case []casework.Channel:
				for _, s := range x {
					out = append(out, string(s))
				}
			case []catalog.Urgency:
				for _, s := range x {
					out = append(out, string(s))
				}
			case []catalog.Stage:
				for _, s := range x {
					out = append(out, string(s))
				}
			case []string:
				out = append(out, x...)
			}
		}
		return out
	}
	return map[string][]string{
		"state":   str(casework.States),
		"action":  str(casework.Actions),
		"role":    str(org.StaffRoles, []org.Role{org.RoleResident, org.RoleSystem}),
		"channel": str(casework.Channels),
		"urgency": str(catalog.Urgencies),
		"light":   {string(casework.Green), string(casework.Yellow), string(casework.Red)},
		"reject":  casework.RejectCodes,
		"return":  casework.ReturnCodes,
		"rating":  {string(casework.Satisfied), string(casework.BasicSatisfied), string(casework.Dissatisfied)},
		"level":   {string(casework.SuperviseNormal), string(casework.SuperviseYellow), string(casework.SuperviseRed)},
		"unit":    {string(calendar.WorkingHours), string(calendar.WorkingDays), string(calendar.NaturalHours), string(calendar.NaturalDays)},
		"mode":    {string(catalog.Comprehensive), string(catalog.Professional), string(catalog.Assisted)},
		"stage":   str(catalog.Stages, []string{string(casework.ClockWhole)}),
	}
}

// TestConsoleMessages: every catalogue entry has both languages; every enumerated value, queue and
// error hint has its entry; every key the templates and handlers name exists; and every entry is
// used.
func TestConsoleMessages(t *testing.T) {
	for k, m := range messages {
		if strings.TrimSpace(m.Zh) == "" || strings.TrimSpace(m.En) == "" {
			t.Errorf("message %q lacks a language: zh %q, en %q", k, m.Zh, m.En)
		}
		if strings.Count(m.Zh, "%") != strings.Count(m.En, "%") {
			t.Errorf("message %q: the languages take different arguments: %q, %q", k, m.Zh, m.En)
		}
	}
	used := map[string]bool{}
	need := func(key, where string) {
		used[key] = true
		if _, ok := messages[key]; !ok {
			t.Errorf("%s names %q, which the catalogue lacks", where, key)
		}
	}
	for kind, values := range enumerations() {
		for _, v := range values {
			need(kind+"."+v, "enumeration "+kind)
		}
	}
	for _, q := range queues {
		need("queue."+q.Key, "queue")
		need("queue."+q.Key+".hint", "queue")
	}
	for _, st := range []int{400, 403, 404, 409, 429, 500} {
		need(errorHint(st), "error page")
	}
	// Literal keys in templates ($.T "…", $.Tf "…") and in the handlers' Go code.
	literal := regexp.MustCompile(`\$\.Tf? "([a-z_.0-9]+)"`)
	entries, _ := fs.ReadDir(templateFS, "templates")
	for _, e := range entries {
		b, _ := fs.ReadFile(templateFS, "templates/"+e.Name())
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			need(m[1], e.Name())
		}
	}
	// Quoted keys of the catalogue's own prefixes, ending in a letter or digit ("error.hint_" is a
	// prefix completed at run time and covered above; file names such as "app.css" are not keys).
	prefixes := map[string]bool{}
	for k := range messages {
		prefixes[regexp.QuoteMeta(k[:strings.IndexByte(k+".", '.')])] = true
	}
	goKey := regexp.MustCompile(`"((?:` + strings.Join(slices.Sorted(maps.Keys(prefixes)), "|") + `)\.[a-z_0-9.]*[a-z0-9])"`)
	files, _ := filepath.Glob("console*.go")
	portalFiles, _ := filepath.Glob("portal*.go")
	files = append(files, portalFiles...)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(f, "console_messages") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], ".css") || strings.HasSuffix(m[1], ".svg") {
				continue
			}
			need(m[1], f)
		}
	}
	for k := range messages {
		if !used[k] {
			t.Errorf("message %q is used nowhere", k)
		}
	}
}

// TestConsoleThrottleBounded: the throttle locks after the limit, unlocks after the lockout, and
// never remembers more than its bound however many names fail.
func TestConsoleThrottleBounded(t *testing.T) {
	l := newLoginThrottle(100)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < loginFailLimit-1; i++ {
		l.fail(now, "a", "1.1.1.1")
	}
	if _, locked := l.locked(now, "a", "2.2.2.2"); locked {
		t.Fatal("locked before the limit")
	}
	l.fail(now, "a", "3.3.3.3")
	if _, locked := l.locked(now, "a", "4.4.4.4"); !locked {
		t.Fatal("name not locked after the limit")
	}
	if _, locked := l.locked(now.Add(loginLockout), "a", "4.4.4.4"); locked {
		t.Fatal("still locked after the lockout")
	}
	// Failures older than the window do not count.
	l.succeed("b")
	for i := 0; i < loginFailLimit-1; i++ {
		l.fail(now.Add(time.Duration(i)*loginFailWindow), "b", "9.9.9."+string(rune('0'+i)))
	}
	if _, locked := l.locked(now.Add(4*loginFailWindow), "b", "8.8.8.8"); locked {
		t.Fatal("failures spread over more than the window locked the name")
	}
	for i := 0; i < 1000; i++ {
		l.fail(now.Add(time.Duration(i)*time.Second), "n"+time.Duration(i).String(), "a"+time.Duration(i).String())
	}
	if len(l.names) > 100 || len(l.addrs) > 100 {
		t.Fatalf("throttle remembers %d names and %d addresses, bound 100", len(l.names), len(l.addrs))
	}
}

// TestConsoleMapProjection: the grid and the point land inside the viewBox, north up.
func TestConsoleMapProjection(t *testing.T) {
	units := []org.Unit{
		{ID: "310113000000", Kind: org.District, Name: "宝山区"},
		{ID: "310113003000", Kind: org.Street, Name: "友谊路街道", Parent: "310113000000"},
		{ID: "310113003001", Kind: org.Community, Name: "宝钢一村", Parent: "310113003000"},
		{ID: "310113003001001", Kind: org.Grid, Name: "一号网格", Parent: "310113003001"},
		{ID: "310113003001002", Kind: org.Grid, Name: "二号网格", Parent: "310113003001"},
	}
	tree, err := org.NewTree(units)
	if err != nil {
		t.Fatal(err)
	}
	box := func(w, s, e, n float64) geo.MultiPolygon {
		return geo.MultiPolygon{geo.Polygon{geo.Ring{{Lon: w, Lat: s}, {Lon: e, Lat: s}, {Lon: e, Lat: n}, {Lon: w, Lat: n}, {Lon: w, Lat: s}}}}
	}
	shapes := map[string]geo.MultiPolygon{
		"310113003001001": box(121.470, 31.410, 121.475, 31.415),
		"310113003001002": box(121.475, 31.410, 121.480, 31.415),
	}
	pt := &geo.Point{Lon: 121.4725, Lat: 31.4140}
	v := caseMap(tree, shapes, "310113003001001", "310113003001", pt, "一号网格", nil)
	if v == nil || v.Grid == "" || len(v.Others) != 1 || v.Point == nil {
		t.Fatalf("map %+v", v)
	}
	var w, h float64
	if _, err := fmt.Sscanf(v.ViewBox, "0 0 %g %g", &w, &h); err != nil {
		t.Fatal(err)
	}
	x, _ := strconv.ParseFloat(v.Point.X, 64)
	y, _ := strconv.ParseFloat(v.Point.Y, 64)
	if x <= 0 || x >= w || y <= 0 || y >= h {
		t.Fatalf("point (%v, %v) outside the viewBox %s", x, y, v.ViewBox)
	}
	// The point lies north of the grid's middle, so above the middle of the picture.
	if y >= h/2 {
		t.Fatalf("north is not up: point y %v in height %v", y, h)
	}
	if caseMap(tree, map[string]geo.MultiPolygon{}, "310113003001001", "310113003001", pt, "", nil) != nil {
		t.Fatal("a map without shapes")
	}
}
