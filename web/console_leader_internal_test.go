package web

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"civicgrid/casework"
	"civicgrid/geo"
	"civicgrid/org"
)

// leaderAdminSamples are sample bodies of the dashboard and administration pages for
// TestConsoleTemplates: every list filled (with markup in what users type) and every list empty.
func leaderAdminSamples(evil string) map[string][]any {
	r := 0.875
	square := geo.MultiPolygon{geo.Polygon{geo.Ring{{Lon: 121.47, Lat: 31.41}, {Lon: 121.48, Lat: 31.41}, {Lon: 121.48, Lat: 31.42}, {Lon: 121.47, Lat: 31.41}}}}
	tiles, _ := NewTileLayer("https://t0.example.cn/{z}/{x}/{y}.png?tk={key}", "k", "wgs84")
	m := drawShapes(tiles, []string{"g1"}, []geo.MultiPolygon{square}, []string{"heat-2"}, []string{evil})
	m.Legend = heatLegend()
	row := caseRow{ID: 7, URL: "/console/cases/7", Light: casework.Red, Matter: evil, Place: evil, ReportedAt: "2026-03-02 09:30",
		Assignee: evil, State: casework.Dispatched, Due: "2026-03-02 10:30"}
	forms := []actionForm{
		{Action: casework.ActSupervise, URL: "/console/cases/7/supervise", Levels: []option{{Value: "red", Label: evil}}},
		{Action: casework.ActWhistle, URL: "/console/cases/7/whistle", Whistle: true, Units: []option{{Value: "u", Label: evil, Selected: true}},
			Assist: []option{{Value: "v", Label: evil, Disabled: true}}, ExtUnits: []option{{Value: "working_hours", Label: "h", Selected: true}}},
	}
	page := &consolePage{Lang: langZh, CSRF: "tok"}
	full := &dashboardBody{UnitID: "310113000000", Unit: evil, Up: "/console/dashboard?unit=x", Period: "month", PeriodName: "2026-03",
		Periods: []periodTab{{Label: evil, URL: "/console/dashboard?period=month", Active: true}, {Label: "b", URL: "/console/dashboard?period=prev"}},
		Columns: indicatorColumns, Open: 3, Map: m,
		Overdue:    dashList{Page: page, Rows: []dashCase{{caseRow: row, Seq: 4, Supervision: evil, Forms: forms}}},
		Supervised: dashList{Page: page, Rows: []dashCase{{caseRow: row, Seq: 4}}},
		Daily:      lineChart([]string{"03-01", "03-02"}, []lineSeries{{Class: "line-received", Label: evil, Values: []float64{1, 5}}}, 5),
		Monthly:    rateChart([]string{"2026-02", "2026-03"}, []*float64{&r, nil}, evil),
	}
	for _, k := range indicatorColumns {
		full.Cards = append(full.Cards, card{Key: k, Value: evil})
	}
	full.Rows = []indicatorRow{{ID: "a", Name: evil, Cells: []string{evil}}, {ID: "b", Name: evil, URL: "/console/dashboard?unit=b", Cells: []string{"1"}}}
	empty := &dashboardBody{Unit: "x", Columns: indicatorColumns, Overdue: dashList{Page: page}, Supervised: dashList{Page: page}}
	out := map[string][]any{"dashboard": {full, empty}}
	for name, bodies := range adminSamples(evil, m) {
		out[name] = bodies
	}
	return out
}

// TestConsoleChartScaling: the y axis runs from 0 to a round number at or above the largest
// value, values land at their height, slots are evenly spaced, and rates are bars out of 100 %.
func TestConsoleChartScaling(t *testing.T) {
	for _, c := range []struct{ v, want float64 }{{0, 1}, {3, 1}, {4, 1}, {5, 2}, {9, 5}, {17, 5}, {21, 10}, {40, 10}, {41, 20}, {380, 100}, {1234, 500}} {
		if got := niceStep(c.v, 4); got != c.want {
			t.Errorf("niceStep(%v) = %v, want %v", c.v, got, c.want)
		}
	}
	ch := lineChart([]string{"a", "b", "c", "d"}, []lineSeries{{Class: "x", Label: "x", Values: []float64{0, 10, 20, 17}}}, 2)
	// 20 needs a step of 5: the axis ends at 20, so 20 is at the top of the plot and 0 at its base.
	if n := len(ch.YTicks); n != 5 || ch.YTicks[4].Label != "20" || ch.YTicks[0].Label != "0" {
		t.Fatalf("y ticks %+v", ch.YTicks)
	}
	pts := strings.Fields(ch.Lines[0].Points)
	if len(pts) != 4 {
		t.Fatalf("points %q", ch.Lines[0].Points)
	}
	xy := func(s string) (float64, float64) {
		a, b, _ := strings.Cut(s, ",")
		x, _ := strconv.ParseFloat(a, 64)
		y, _ := strconv.ParseFloat(b, 64)
		return x, y
	}
	x0, y0 := xy(pts[0])
	x1, y1 := xy(pts[1])
	x2, y2 := xy(pts[2])
	base, top := chartH-chartBottom, chartTop
	if math.Abs(y0-base) > 0.1 || math.Abs(y2-top) > 0.1 || math.Abs(y1-(base+top)/2) > 0.1 {
		t.Fatalf("heights 0→%v 10→%v 20→%v, want %v, %v, %v", y0, y1, y2, base, (base+top)/2, top)
	}
	if math.Abs((x1-x0)-(x2-x1)) > 0.25 || x0 <= chartLeft || x2 >= chartW-chartRight {
		t.Fatalf("slots not even or outside the plot: %v %v %v", x0, x1, x2)
	}
	// Labels: every second slot and the last.
	if len(ch.XTicks) != 3 || ch.XTicks[0].Label != "a" || ch.XTicks[1].Label != "c" || ch.XTicks[2].Label != "d" {
		t.Fatalf("x ticks %+v", ch.XTicks)
	}
	half, over := 0.5, 1.4
	rc := rateChart([]string{"m1", "m2", "m3"}, []*float64{&half, nil, &over}, "rate")
	h := func(b chartBar) float64 { v, _ := strconv.ParseFloat(b.H, 64); return v }
	full := base - top
	if math.Abs(h(rc.Bars[0])-full/2) > 0.1 || !rc.Bars[1].Missing || math.Abs(h(rc.Bars[2])-full) > 0.1 {
		t.Fatalf("rate bars %+v (full height %v)", rc.Bars, full)
	}
	if !strings.Contains(rc.Bars[0].Title, "50.0%") || !strings.Contains(rc.Bars[1].Title, "—") {
		t.Fatalf("bar titles %q %q", rc.Bars[0].Title, rc.Bars[1].Title)
	}
	if lineChart(nil, nil, 1) != nil || rateChart(nil, nil, "") != nil {
		t.Fatal("a chart without slots")
	}
}

// TestConsoleHeatLevels: the classes of the grid map by open cases.
func TestConsoleHeatLevels(t *testing.T) {
	for n, want := range map[int]int{0: 0, 1: 1, 2: 1, 3: 2, 5: 2, 6: 3, 10: 3, 11: 4, 500: 4} {
		if got := heatLevel(n); got != want {
			t.Errorf("heatLevel(%d) = %d, want %d", n, got, want)
		}
	}
	if l := heatLegend(); len(l) != 5 || l[4].Class != "heat-4" {
		t.Fatalf("legend %+v", l)
	}
}

// TestConsoleMapFrame: shapes fill the viewBox's width with the margin, north is up, east is
// right, and a GCJ-02 frame shifts the same point by the offset of the Chinese maps.
func TestConsoleMapFrame(t *testing.T) {
	sq := func(w, s, e, n float64) geo.MultiPolygon {
		return geo.MultiPolygon{geo.Polygon{geo.Ring{{Lon: w, Lat: s}, {Lon: e, Lat: s}, {Lon: e, Lat: n}, {Lon: w, Lat: n}, {Lon: w, Lat: s}}}}
	}
	shapes := []geo.MultiPolygon{sq(121.47, 31.41, 121.48, 31.42), sq(121.48, 31.41, 121.49, 31.42)}
	f := newMapFrame(geo.WGS84, 0.04, shapes)
	if f == nil || f.W != mapWidth {
		t.Fatalf("frame %+v", f)
	}
	// Two cells of 0.01° side by side: Mercator keeps angles, so on the ground they are
	// 2·cos(31.415°) times as wide as high; then 4 % of the width is added on every side.
	k := 2 * math.Cos(31.415*math.Pi/180)
	if ratio, want := f.W/f.H, 1.08/(1/k+0.08); math.Abs(ratio-want) > 0.005 {
		t.Fatalf("aspect %v, want %v", ratio, want)
	}
	wx, ny := f.project(geo.Point{Lon: 121.47, Lat: 31.42})
	ex, sy := f.project(geo.Point{Lon: 121.49, Lat: 31.41})
	if wx <= 0 || ex >= f.W || ny <= 0 || sy >= f.H || wx >= ex || ny >= sy {
		t.Fatalf("north-west (%v, %v), south-east (%v, %v) in %s", wx, ny, ex, sy, f.ViewBox())
	}
	// The margin is 4 % of the larger side on each side.
	if m := wx / f.W; math.Abs(m-0.04/1.08) > 0.002 {
		t.Fatalf("left margin %v of the width", m)
	}
	g := newMapFrame(geo.GCJ02, 0.04, shapes)
	gx, _ := g.project(geo.Point{Lon: 121.48, Lat: 31.415})
	x, _ := f.project(geo.Point{Lon: 121.48, Lat: 31.415})
	if math.Abs(gx-x) > 1 { // the frame moves with the shapes: same place in the picture
		t.Fatalf("GCJ-02 frame places the middle at %v, WGS-84 at %v", gx, x)
	}
	if gp := geo.FromWGS84(geo.Point{Lon: 121.48, Lat: 31.415}, geo.GCJ02); math.Abs(gp.Lon-121.48) < 0.002 {
		t.Fatalf("no GCJ-02 offset at Shanghai: %v", gp)
	}
	if newMapFrame(geo.WGS84, 0.04, nil) != nil {
		t.Fatal("a frame without shapes")
	}
}

// TestConsoleTileMaths: the tiles cover the frame at the right Web-Mercator places: Shanghai lies
// in tile (857, 418) at zoom 10 (worked out by hand from the tile formulas), and the tile drawn
// under a point holds the point.
func TestConsoleTileMaths(t *testing.T) {
	x, y := mercator(geo.Point{Lon: 121.47, Lat: 31.23})
	if tx, ty := int(x*1024), int(y*1024); tx != 857 || ty != 418 {
		t.Fatalf("Shanghai at zoom 10 in tile (%d, %d), want (857, 418)", tx, ty)
	}
	if x, y := mercator(geo.Point{Lon: 0, Lat: 0}); x != 0.5 || math.Abs(y-0.5) > 1e-12 {
		t.Fatalf("null island at (%v, %v)", x, y)
	}
	layer, err := NewTileLayer("https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}", "k&1", "wgs84")
	if err != nil {
		t.Fatal(err)
	}
	if got := layer.TileURL(10, 857, 418); !strings.Contains(got, "TILEMATRIX=10&TILEROW=418&TILECOL=857&tk=k%261") {
		t.Fatalf("tile URL %s", got)
	}
	sq := geo.MultiPolygon{geo.Polygon{geo.Ring{{Lon: 121.40, Lat: 31.20}, {Lon: 121.50, Lat: 31.20}, {Lon: 121.50, Lat: 31.28}, {Lon: 121.40, Lat: 31.20}}}}
	f := newMapFrame(geo.WGS84, 0.04, []geo.MultiPolygon{sq})
	tiles := f.tiles(layer)
	if len(tiles) == 0 || len(tiles) > maxTiles {
		t.Fatalf("%d tiles", len(tiles))
	}
	// Zoom: tiles are drawn at about their own size (between half and twice 256 units).
	size, _ := strconv.ParseFloat(tiles[0].Size, 64)
	if size < tileSize/2 || size > tileSize*2+1 {
		t.Fatalf("tiles drawn %v units wide", size)
	}
	px, py := f.project(geo.Point{Lon: 121.45, Lat: 31.24})
	z := int(math.Round(math.Log2(f.scale / (size - 0.2))))
	mx, my := mercator(geo.Point{Lon: 121.45, Lat: 31.24})
	want := layer.TileURL(z, int(mx*math.Exp2(float64(z))), int(my*math.Exp2(float64(z))))
	found := false
	for _, ti := range tiles {
		tx, _ := strconv.ParseFloat(ti.X, 64)
		ty, _ := strconv.ParseFloat(ti.Y, 64)
		if ti.URL == want {
			found = true
			if px < tx || px > tx+size || py < ty || py > ty+size {
				t.Fatalf("the point (%v, %v) lies outside its tile at (%v, %v) size %v", px, py, tx, ty, size)
			}
		}
	}
	if !found {
		t.Fatalf("no tile %s among %d", want, len(tiles))
	}
	// The tiles cover the whole picture.
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, ti := range tiles {
		tx, _ := strconv.ParseFloat(ti.X, 64)
		ty, _ := strconv.ParseFloat(ti.Y, 64)
		minX, minY, maxX, maxY = math.Min(minX, tx), math.Min(minY, ty), math.Max(maxX, tx+size), math.Max(maxY, ty+size)
	}
	if minX > 0.1 || minY > 0.1 || maxX < f.W-0.1 || maxY < f.H-0.1 {
		t.Fatalf("tiles cover (%v, %v)–(%v, %v) of %s", minX, minY, maxX, maxY, f.ViewBox())
	}
	// A huge area takes a coarser zoom rather than more than maxTiles tiles.
	big := geo.MultiPolygon{geo.Polygon{geo.Ring{{Lon: 73, Lat: 18}, {Lon: 135, Lat: 18}, {Lon: 135, Lat: 53}, {Lon: 73, Lat: 18}}}}
	if n := len(newMapFrame(geo.WGS84, 0, []geo.MultiPolygon{big}).tiles(layer)); n == 0 || n > maxTiles {
		t.Fatalf("%d tiles for China", n)
	}
}

// TestConsoleTileLayerConfig: what the tile URL must be, and the policy that follows from it.
func TestConsoleTileLayerConfig(t *testing.T) {
	for _, c := range []struct{ url, key, crs, want string }{
		{"ftp://a.example/{z}/{x}/{y}", "", "", "not an absolute http"},
		{"//a.example/{z}/{x}/{y}", "", "", "not an absolute http"},
		{"https://a.example/{z}/{x}.png", "", "", "lacks {y}"},
		{"https://a.example/{z}/{x}/{y}?tk={key}", "", "", "no key is set"},
		{"https://a.example/{z}/{x}/{y}", "k", "", "no {key}"},
		{"https://{s}.example/{z}/{x}/{y}", "", "", "placeholder"},
		{"https://a.example/{z}/{x}/{y}\"><script>", "", "", "quote"},
		{"https://a.example/{z}/{x}/{y}", "", "bd09", "Baidu"},
		{"https://a.example/{z}/{x}/{y}", "", "mars", "unknown coordinate system"},
	} {
		if _, err := NewTileLayer(c.url, c.key, c.crs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewTileLayer(%q, %q, %q) = %v, want an error with %q", c.url, c.key, c.crs, err, c.want)
		}
	}
	if l, err := NewTileLayer("https://tiles.example?x={x}&y={y}&z={z}", "", ""); err != nil || l.Origin() != "https://tiles.example" {
		t.Fatalf("a template without a path: %+v, %v", l, err)
	}
	layer, err := NewTileLayer("https://webrd01.is.autonavi.com:8443/appmaptile?style=8&x={x}&y={y}&z={z}", "", "gcj02")
	if err != nil || layer.Origin() != "https://webrd01.is.autonavi.com:8443" || layer.CRS != geo.GCJ02 {
		t.Fatalf("layer %+v, %v", layer, err)
	}
	c := testConsole(t)
	rec := httptest.NewRecorder()
	p := &consolePage{Lang: langZh, Body: errorPageBody{Status: 404, Heading: "x", Hint: errorHint(404), Back: "/console/"}}
	c.render(rec, httptest.NewRequest("GET", "/console/", nil), http.StatusOK, "error", p)
	if got := rec.Header().Get("Content-Security-Policy"); got != consoleCSP {
		t.Fatalf("policy without tiles: %s", got)
	}
	c.s.Tiles = layer
	rec = httptest.NewRecorder()
	c.render(rec, httptest.NewRequest("GET", "/console/", nil), http.StatusOK, "error", p)
	got := rec.Header().Get("Content-Security-Policy")
	want := strings.Replace(consoleCSP, "img-src 'self';", "img-src 'self' https://webrd01.is.autonavi.com:8443;", 1)
	if got != want || strings.Count(got, "autonavi") != 1 {
		t.Fatalf("policy with tiles:\n%s\nwant\n%s", got, want)
	}
}

// TestConsoleNavByRole: the dashboard and administration links are offered only to the roles
// concerned.
func TestConsoleNavByRole(t *testing.T) {
	has := func(u *org.User, href string) bool {
		for _, l := range (&consolePage{User: u}).Nav() {
			if l.Href == href {
				return true
			}
		}
		return false
	}
	user := func(r org.Role) *org.User { return &org.User{Grants: []org.Grant{{Role: r, Unit: "x"}}} }
	for _, c := range []struct {
		role        org.Role
		dash, admin bool
	}{
		{org.RoleLeader, true, false}, {org.RoleShiftLeader, true, false}, {org.RoleAuditor, true, false},
		{org.RoleAdmin, false, true}, {org.RoleDispatcher, false, false}, {org.RoleGridWorker, false, false}, {org.RoleHandler, false, false},
	} {
		if got := has(user(c.role), "/console/dashboard"); got != c.dash {
			t.Errorf("%s: dashboard link %v, want %v", c.role, got, c.dash)
		}
		if got := has(user(c.role), "/console/admin/"); got != c.admin {
			t.Errorf("%s: administration link %v, want %v", c.role, got, c.admin)
		}
	}
}
