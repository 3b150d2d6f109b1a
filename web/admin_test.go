package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"civicgrid/demo"
	"civicgrid/geo"
)

func TestGridGeoJSONExportImport(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		admin, worker := f.login("district.admin"), f.login("youyi.c1.worker1")
		r := f.must(http.StatusOK, f.do("GET", "/api/v1/grids.geojson?under="+youyiC1, worker, nil))
		fs, err := geo.ParseFeatureCollection(r.Body)
		if err != nil {
			t.Fatalf("export is not GeoJSON this platform reads back: %v", err)
		}
		if len(fs) != 6 && len(fs) != 8 {
			t.Fatalf("community %s exported %d grids", youyiC1, len(fs))
		}
		for _, ft := range fs {
			if !strings.HasPrefix(ft.ID, youyiC1) || ft.Name == "" {
				t.Fatalf("feature %q %q", ft.ID, ft.Name)
			}
		}
		// Move grid 001 far away (a square in the north of the district's box) and import it.
		moved := geo.Rect{MinLon: 121.30, MinLat: 31.50, MaxLon: 121.31, MaxLat: 31.51}
		sq := geo.TileGrid(moved, 1, 1)[0]
		one, _ := geo.MarshalFeatureCollection([]geo.Feature{{ID: youyiGrid1, Name: "moved", Geometry: sq}})
		if r := f.do("PUT", "/api/v1/grids.geojson", worker, one); r.Status != http.StatusForbidden {
			t.Fatalf("grid worker importing grids: %d", r.Status)
		}
		f.must(http.StatusOK, f.do("PUT", "/api/v1/grids.geojson", admin, one))
		r = f.must(http.StatusOK, f.do("GET", "/api/v1/locate?lat=31.505&lon=121.305", worker, nil))
		if grid := r.json(t)["grid"].(map[string]any)["id"]; grid != youyiGrid1 {
			t.Fatalf("after import the new shape locates to %v", grid)
		}
		// A batch naming an unknown grid is refused whole: the valid feature in it is not stored.
		back := demo.Baoshan().Grids[youyiGrid1]
		two, _ := geo.MarshalFeatureCollection([]geo.Feature{{ID: youyiGrid1, Geometry: back}, {ID: youyiC1 + "999", Geometry: sq}})
		if r := f.do("PUT", "/api/v1/grids.geojson", admin, two); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), youyiC1+"999") {
			t.Fatalf("import with an unknown grid: %d %s", r.Status, r.Body)
		}
		r = f.must(http.StatusOK, f.do("GET", "/api/v1/locate?lat=31.505&lon=121.305", worker, nil))
		if grid := r.json(t)["grid"].(map[string]any)["id"]; grid != youyiGrid1 {
			t.Fatalf("a refused import changed the grids: %v", grid)
		}
		if r := f.do("PUT", "/api/v1/grids.geojson", admin, `{"type":"FeatureCollection","features":[{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[1,2]}}]}`); r.Status != http.StatusBadRequest {
			t.Fatalf("a Point grid: %d %s", r.Status, r.Body)
		}
	})
}

func TestLocateInEveryCRS(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		token := f.login("district.intake")
		lat, lon := gridPoint(t, youyiGrid1)
		for _, crs := range []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09} {
			p := geo.FromWGS84(geo.Point{Lon: lon, Lat: lat}, crs)
			r := f.must(http.StatusOK, f.do("GET", fmt.Sprintf("/api/v1/locate?lat=%.9f&lon=%.9f&crs=%s", p.Lat, p.Lon, crs), token, nil))
			m := r.json(t)
			if m["grid"].(map[string]any)["id"] != youyiGrid1 || m["street"].(map[string]any)["id"] != youyiStreet || m["district"].(map[string]any)["id"] != demo.DistrictID {
				t.Fatalf("%s: %s", crs, r.Body)
			}
		}
		for _, q := range []string{"lat=91&lon=121", "lat=abc&lon=121", "lat=31.4&lon=121.48&crs=mars", "lon=121"} {
			if r := f.do("GET", "/api/v1/locate?"+q, token, nil); r.Status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
			}
		}
		if r := f.do("GET", "/api/v1/locate?lat=39.9&lon=116.4", token, nil); r.Status != http.StatusNotFound {
			t.Errorf("a point in Beijing located: %d %s", r.Status, r.Body)
		}
	})
}

func TestCalendarImportAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		admin, intake := f.login("city.admin"), f.login("district.intake")
		csv := "date,kind,name\n2027-01-01,off,元旦\n2027-02-06,work,春节调休上班\n"
		if r := f.do("POST", "/api/v1/calendar/days", intake, []byte(csv), "Content-Type", "text/csv"); r.Status != http.StatusForbidden {
			t.Fatalf("intake importing holidays: %d", r.Status)
		}
		f.must(http.StatusOK, f.do("POST", "/api/v1/calendar/days", admin, []byte(csv), "Content-Type", "text/csv"))
		r := f.must(http.StatusOK, f.do("GET", "/api/v1/calendar?year=2027", intake, nil))
		if days := r.json(t)["days"].([]any); len(days) != 2 {
			t.Fatalf("2027 days: %s", r.Body)
		}
		bad := "date,kind,name\n2027-03-01,off,x\n2027-03-01,work,y\n"
		r = f.do("POST", "/api/v1/calendar/days", admin, []byte(bad), "Content-Type", "text/csv")
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "line 3") {
			t.Fatalf("duplicate date: %d %s", r.Status, r.Body)
		}
		r = f.must(http.StatusOK, f.do("GET", "/api/v1/calendar?year=2027", intake, nil))
		if days := r.json(t)["days"].([]any); len(days) != 2 {
			t.Fatalf("a refused import changed the calendar: %s", r.Body)
		}
	})
}

func TestBodyRules(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		token := f.login("district.intake")
		big := `{"matter_code":"E0502","description":"` + strings.Repeat("x", 1<<20) + `"}`
		if r := f.do("POST", "/api/v1/cases", token, big); r.Status != http.StatusRequestEntityTooLarge || r.errorCode(t) != "too_large" {
			t.Fatalf("1 MiB body: %d %s", r.Status, r.Body)
		}
		r := f.do("POST", "/api/v1/cases", token, `{"matter_code":"E0502","description":"x","colour":"red"}`)
		if r.Status != http.StatusBadRequest || r.json(t)["error"].(map[string]any)["details"].(map[string]any)["field"] != "colour" {
			t.Fatalf("unknown field: %d %s", r.Status, r.Body)
		}
		for _, body := range []string{`{"matter_code":`, `{"matter_code":"E0502"} {}`, `"just a string"`, `{"matter_code":"E0502","description":"a\u0000b"}`} {
			if r := f.do("POST", "/api/v1/cases", token, body); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", body, r.Status, r.Body)
			}
		}
		if r := f.do("POST", "/api/v1/cases", token, []byte(`{}`), "Content-Type", "text/plain"); r.Status != http.StatusBadRequest {
			t.Errorf("text/plain body: %d", r.Status)
		}
		lat, lon := gridPoint(t, youyiGrid1)
		long := map[string]any{"matter_code": "E0502", "description": strings.Repeat("长", 4001), "lat": lat, "lon": lon}
		if r := f.do("POST", "/api/v1/cases", token, long); r.Status != http.StatusBadRequest {
			t.Errorf("4001-character description: %d %s", r.Status, r.Body)
		}
		if r := f.do("GET", "/api/v1/cases?limit=201", token, nil); r.Status != http.StatusBadRequest {
			t.Errorf("limit 201: %d", r.Status)
		}
		if r := f.do("GET", "/api/v1/cases?colour=red", token, nil); r.Status != http.StatusBadRequest {
			t.Errorf("unknown query parameter: %d", r.Status)
		}
		// Nothing above created a case.
		r = f.must(http.StatusOK, f.do("GET", "/api/v1/cases", token, nil))
		if n := len(r.json(t)["cases"].([]any)); n != 0 {
			t.Fatalf("refused requests left %d cases", n)
		}
	})
}

// TestPlatformAdministration: the catalogue, lists, calendar and API keys are platform-wide, so
// only an administrator of the root (the city) changes them; a district's administrator draws the
// district's grids but changes nothing for the whole city.
func TestPlatformAdministration(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		district, city := f.login("district.admin"), f.login("city.admin")
		r := f.must(http.StatusOK, f.do("GET", "/api/v1/admission-list", district, nil))
		entries := r.json(t)["entries"]
		for _, path := range []string{"/api/v1/admission-list", "/api/v1/responsibility-list"} {
			body := map[string]any{"entries": entries}
			if path == "/api/v1/responsibility-list" {
				body["entries"] = f.must(http.StatusOK, f.do("GET", path, district, nil)).json(t)["entries"]
			}
			if r := f.do("PUT", path, district, body); r.Status != http.StatusForbidden {
				t.Errorf("district admin PUT %s: %d", path, r.Status)
			}
			f.must(http.StatusOK, f.do("PUT", path, city, body))
		}
		if r := f.do("POST", "/api/v1/api-keys", district, map[string]any{"name": "x", "unit": demo.DistrictID, "role": "resident"}); r.Status != http.StatusForbidden {
			t.Errorf("district admin creating an API key: %d", r.Status)
		}
		grids := f.must(http.StatusOK, f.do("GET", "/api/v1/grids.geojson?under="+youyiC1, district, nil)).Body
		f.must(http.StatusOK, f.do("PUT", "/api/v1/grids.geojson", district, grids))
		if r := f.do("PUT", "/api/v1/grids.geojson", f.login("youyi.c1.handler"), grids); r.Status != http.StatusForbidden {
			t.Errorf("community handler importing grids: %d", r.Status)
		}
	})
}

func TestListFilterCaps(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		token := f.login("district.intake")
		codes := strings.TrimSuffix(strings.Repeat("E0502,", 101), ",")
		if r := f.do("GET", "/api/v1/cases?matter_code="+codes, token, nil); r.Status != http.StatusBadRequest {
			t.Fatalf("101 matter codes: %d", r.Status)
		}
		codes = strings.TrimSuffix(strings.Repeat("E0502,", 100), ",")
		f.must(http.StatusOK, f.do("GET", "/api/v1/cases?matter_code="+codes+"&state=filed,closed&channel=patrol", token, nil))
	})
}

// TestAPILoginThrottled: five wrong passwords lock a login name out of the API too (the console
// shares the throttle), with Retry-After; the lockout ends on the clock.
func TestAPILoginThrottled(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		login := func(pw string) response {
			return f.do("POST", "/api/v1/login", "", map[string]string{"login": "district.intake", "password": pw})
		}
		for i := 0; i < 5; i++ {
			if r := login("wrong-password"); r.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, r.Status)
			}
		}
		r := login(demoPassword)
		if r.Status != http.StatusTooManyRequests || r.errorCode(t) != "rate_limited" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("after five failures the right password got %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
		}
		validateResponse(t, "POST", "/api/v1/login", r.Status, r.Body)
		f.clock.Advance(16 * time.Minute)
		f.must(http.StatusOK, login(demoPassword))
	})
}
