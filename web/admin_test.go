package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

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
		admin, intake := f.login("district.admin"), f.login("district.intake")
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
