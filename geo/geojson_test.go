package geo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"civicgrid"
)

const squareCoords = `[[[121.1,31.0],[121.2,31.0],[121.2,31.1],[121.1,31.1],[121.1,31.0]]]`

// feature builds the JSON of one feature with the given id member (raw JSON, "" to omit),
// properties (raw JSON, "" to omit) and geometry (raw JSON).
func feature(id, props, geometry string) string {
	var b strings.Builder
	b.WriteString(`{"type":"Feature"`)
	if id != "" {
		b.WriteString(`,"id":` + id)
	}
	if props != "" {
		b.WriteString(`,"properties":` + props)
	}
	b.WriteString(`,"geometry":` + geometry + `}`)
	return b.String()
}

func polygonGeometry(coords string) string { return `{"type":"Polygon","coordinates":` + coords + `}` }

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func TestParseFeatureCollection(t *testing.T) {
	multi := `{"type":"MultiPolygon","coordinates":[` + squareCoords + `,[[[121.3,31.0],[121.4,31.0],[121.4,31.1],[121.3,31.0]]]]}`
	withHole := `[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[7,3],[7,7],[3,7],[3,3]]]`
	data := collection(
		feature(`"A-01"`, `{"name":"东城一网格","households":1203,"tags":["old town"],"big":12345678901234567890}`, polygonGeometry(squareCoords)),
		feature("", `{"code":"A-02","name":"second"}`, multi),
		feature("7", `null`, polygonGeometry(withHole)),
		feature("", `{"code":42}`, `{"type":"Polygon","coordinates":[[[1,1,12.5],[2,1,12.5],[2,2,13],[1,1,12.5]]]}`),
		feature(`"A-05"`, `{"code":"A-05","name":null}`, polygonGeometry(squareCoords)),
	)
	fs, err := ParseFeatureCollection([]byte("\xef\xbb\xbf" + data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Feature{
		{ID: "A-01", Name: "东城一网格", Properties: map[string]any{
			"households": json.Number("1203"), "tags": []any{"old town"}, "big": json.Number("12345678901234567890"),
		}, Geometry: MultiPolygon{{square(121.1, 31.0, 121.2, 31.1)}}},
		{ID: "A-02", Name: "second", Geometry: MultiPolygon{
			{square(121.1, 31.0, 121.2, 31.1)},
			{Ring{{121.3, 31.0}, {121.4, 31.0}, {121.4, 31.1}, {121.3, 31.0}}},
		}},
		{ID: "7", Geometry: MultiPolygon{{square(0, 0, 10, 10), square(3, 3, 7, 7)}}},
		{ID: "42", Geometry: MultiPolygon{{Ring{{1, 1}, {2, 1}, {2, 2}, {1, 1}}}}},
		{ID: "A-05", Geometry: MultiPolygon{{square(121.1, 31.0, 121.2, 31.1)}}},
	}
	if !reflect.DeepEqual(fs, want) {
		t.Errorf("got\n%#v\nwant\n%#v", fs, want)
	}

	// A lone Feature is accepted too.
	one, err := ParseFeatureCollection([]byte(feature(`"solo"`, "", polygonGeometry(squareCoords))))
	if err != nil || len(one) != 1 || one[0].ID != "solo" {
		t.Errorf("single Feature: %v, %v", one, err)
	}
	// So is an empty collection.
	none, err := ParseFeatureCollection([]byte(`{"type":"FeatureCollection","features":[]}`))
	if err != nil || len(none) != 0 {
		t.Errorf("empty collection: %v, %v", none, err)
	}
}

func TestParseFeatureCollectionErrors(t *testing.T) {
	sq := polygonGeometry(squareCoords)
	for _, tc := range []struct {
		name string
		data string
		want string // substring of the message
	}{
		{"empty input", ``, "not valid JSON: it ends too early"},
		{"truncated", collection(feature(`"a"`, "", sq))[:40], "not valid JSON"},
		{"syntax error", "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [}\n", "not valid JSON: invalid character '}' looking for beginning of value (line 3, column 17)"},
		{"top-level array", `[1,2]`, "must be a GeoJSON object"},
		{"top-level null", `null`, `the file is a GeoJSON object without a "type"`},
		{"bare geometry", sq, `the file is a GeoJSON "Polygon"; expected a FeatureCollection`},
		{"wrong top type", `{"type":"Topology"}`, `GeoJSON "Topology"`},
		{"no features", `{"type":"FeatureCollection"}`, `the FeatureCollection needs a "features" array`},
		{"features not array", `{"type":"FeatureCollection","features":{}}`, `needs a "features" array`},
		{"feature not object", collection(`42`), "feature 0 is not a GeoJSON Feature object"},
		{"feature wrong type", collection(feature(`"a"`, "", sq), `{"type":"Point","id":"b"}`),
			`feature 1: "type" is "Point"; each member of "features" must be a GeoJSON Feature`},
		{"null feature", collection(`null`), `feature 0: "type" is missing; each member of "features" must be a GeoJSON Feature`},
		{"missing id", collection(feature(`"a"`, "", sq), feature("", `{"name":"x"}`, sq)),
			`feature 1: the grid code is missing: set the feature's "id" member or properties.code`},
		{"empty id", collection(feature(`""`, "", sq)), "feature 0: the grid code is missing"},
		{"blank id", collection(feature(`"  "`, "", sq)), `feature 0: "id" must not be blank`},
		{"fractional id", collection(feature(`1.5`, "", sq)), `feature 0: "id" must be a string or an integer`},
		{"object id", collection(feature(`{"a":1}`, "", sq)), `"id" must be a string or an integer`},
		{"bool code", collection(feature("", `{"code":true}`, sq)), "properties.code must be a string or an integer"},
		{"exponent code", collection(feature("", `{"code":1e3}`, sq)), "properties.code must be a string or an integer"},
		{"long id", collection(feature(`"`+strings.Repeat("x", MaxIDLen+1)+`"`, "", sq)), `"id" is 129 bytes long; at most 128`},
		{"id and code differ", collection(feature(`"a"`, `{"code":"b"}`, sq)),
			`feature 0 (id "a"): "id" "a" and properties.code "b" differ`},
		{"duplicate id", collection(feature(`"a"`, "", sq), feature(`"b"`, "", sq), feature("", `{"code":"a"}`, sq)),
			`feature 2 repeats id "a", already used by feature 0`},
		{"duplicate across types", collection(feature(`7`, "", sq), feature(`"7"`, "", sq)), `feature 1 repeats id "7"`},
		{"properties array", collection(feature(`"a"`, `[1]`, sq)), `feature 0 (id "a"): properties must be an object`},
		{"name not string", collection(feature(`"a"`, `{"name":5}`, sq)), "properties.name must be a string"},
		{"long name", collection(feature(`"a"`, `{"name":"`+strings.Repeat("n", MaxNameLen+1)+`"}`, sq)), "properties.name is 513 bytes long"},
		{"null geometry", collection(feature(`"a"`, "", `null`)), `feature 0 (id "a"): geometry is missing`},
		{"geometry not object", collection(feature(`"a"`, "", `[1]`)), "geometry must be a GeoJSON geometry object"},
		{"point geometry", collection(feature(`"a"`, "", sq), feature(`"pt"`, "", `{"type":"Point","coordinates":[121,31]}`)),
			`feature 1 (id "pt"): geometry type "Point" is not accepted; only Polygon and MultiPolygon`},
		{"collection geometry", collection(feature(`"a"`, "", `{"type":"GeometryCollection","geometries":[]}`)),
			`geometry type "GeometryCollection" is not accepted`},
		{"line geometry", collection(feature(`"a"`, "", `{"type":"LineString","coordinates":[[1,1],[2,2]]}`)),
			`geometry type "LineString" is not accepted`},
		{"no coordinates", collection(feature(`"a"`, "", `{"type":"Polygon"}`)),
			"geometry.coordinates: a polygon must be an array of rings"},
		{"string coordinate", collection(feature(`"a"`, "", polygonGeometry(`[[[0,0],[1,"0"],[1,1],[0,0]]]`))),
			"geometry.coordinates[0][1][1]: a position must be [longitude, latitude] or [longitude, latitude, altitude]; found something other than a number"},
		{"short position", collection(feature(`"a"`, "", polygonGeometry(`[[[0,0],[1],[1,1],[0,0]]]`))),
			"coordinates[0][1]: a position must be [longitude, latitude] or [longitude, latitude, altitude], but it has 1 number(s)"},
		{"long position", collection(feature(`"a"`, "", polygonGeometry(`[[[0,0,0,0],[1,0],[1,1],[0,0]]]`))),
			"coordinates[0][0][3]: a position must be [longitude, latitude] or [longitude, latitude, altitude], not longer"},
		{"flat ring", collection(feature(`"a"`, "", polygonGeometry(`[[0,0],[1,0],[1,1],[0,0]]`))),
			"coordinates[0][0]: a position must be"},
		{"multipolygon given polygon depth", collection(feature(`"a"`, "", `{"type":"MultiPolygon","coordinates":`+squareCoords+`}`)),
			"coordinates[0][0][0]: a position must be"},
		{"overflowing number", collection(feature(`"a"`, "", polygonGeometry(`[[[0,0],[1e400,0],[1,1],[0,0]]]`))),
			"coordinates[0][1][0]: coordinate 1e400 is out of range"},
		{"open ring", collection(feature(`"a"`, "", polygonGeometry(`[[[0,0],[1,0],[1,1],[0,1]]]`))),
			`feature 0 (id "a"): geometry: polygon 0, outer ring is not closed`},
		{"short ring", collection(feature(`"a"`, "", polygonGeometry(`[[[0,0],[1,0],[0,0]]]`))),
			"polygon 0, outer ring has 3 points"},
		{"no rings", collection(feature(`"a"`, "", polygonGeometry(`[]`))), "polygon 0 has no rings"},
		{"no polygons", collection(feature(`"a"`, "", `{"type":"MultiPolygon","coordinates":[]}`)), "the shape has no polygons"},
		{"swapped lat lon", collection(feature(`"a"`, "", polygonGeometry(`[[[31.0,121.1],[31.1,121.1],[31.1,121.2],[31.0,121.1]]]`))),
			"point 0 [31, 121.1]: latitude 121.1 is out of range [-90, 90]; positions are [longitude, latitude]"},
	} {
		_, err := ParseFeatureCollection([]byte(tc.data))
		if !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Errorf("%s: error = %v; want EINVALID", tc.name, err)
			continue
		}
		if msg := civicgrid.ErrorMessage(err); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: message\n  %q\nwant it to contain\n  %q", tc.name, msg, tc.want)
		}
	}
}

func TestParseFeatureCollectionDetails(t *testing.T) {
	data := collection(feature(`"a"`, "", polygonGeometry(squareCoords)), feature(`"b"`, "", `null`))
	_, err := ParseFeatureCollection([]byte(data))
	e, ok := err.(*civicgrid.Error)
	if !ok {
		t.Fatalf("error %T %v; want *civicgrid.Error", err, err)
	}
	if e.Details["feature"] != 1 || e.Details["id"] != "b" {
		t.Errorf("details %v; want feature 1 and id b", e.Details)
	}
}

// ring builds a closed ring with n positions in total.
func bigRing(n int) string {
	var b strings.Builder
	b.WriteString("[[[0,0]")
	for range n - 2 {
		b.WriteString(",[1,1]")
	}
	b.WriteString(",[0,0]]]")
	return b.String()
}

func TestParseFeatureCollectionLimits(t *testing.T) {
	tooLarge := func(name string, data []byte, want string) {
		t.Helper()
		_, err := ParseFeatureCollection(data)
		if !civicgrid.IsCode(err, civicgrid.ETOOLARGE) || !strings.Contains(civicgrid.ErrorMessage(err), want) {
			t.Errorf("%s: error = %v; want ETOOLARGE containing %q", name, err, want)
		}
	}

	big := make([]byte, MaxInputBytes+1)
	tooLarge("input size", big, "the file is 67108865 bytes; at most 67108864 (64 MiB)")

	// Exactly at the per-feature vertex limit is fine; one more is not.
	if _, err := ParseFeatureCollection([]byte(collection(feature(`"a"`, "", polygonGeometry(bigRing(MaxFeatureVertices)))))); err != nil {
		t.Errorf("a feature with %d vertices: %v", MaxFeatureVertices, err)
	}
	tooLarge("vertices per feature",
		[]byte(collection(feature(`"a"`, "", polygonGeometry(squareCoords)), feature(`"b"`, "", polygonGeometry(bigRing(MaxFeatureVertices+1))))),
		`feature 1 (id "b"): geometry has more than 100000 vertices; simplify the boundary`)

	// Twenty features of the per-feature maximum fill the total exactly; a twenty-first vertex
	// anywhere is too many.
	var fs []string
	for i := range MaxVertices / MaxFeatureVertices {
		fs = append(fs, feature(fmt.Sprintf(`"f%d"`, i), "", polygonGeometry(bigRing(MaxFeatureVertices))))
	}
	if _, err := ParseFeatureCollection([]byte(collection(fs...))); err != nil {
		t.Errorf("exactly %d vertices: %v", MaxVertices, err)
	}
	fs = append(fs, feature(`"last"`, "", polygonGeometry(bigRing(4))))
	tooLarge("total vertices", []byte(collection(fs...)),
		`feature 20 (id "last"): the file has more than 2000000 vertices in all`)

	// Feature count.
	one := polygonGeometry(`[[[0,0],[1,0],[1,1],[0,0]]]`)
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range MaxFeatures {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(feature(fmt.Sprint(i), "", one))
	}
	atLimit := buf.String() + "]}"
	if fs, err := ParseFeatureCollection([]byte(atLimit)); err != nil || len(fs) != MaxFeatures {
		t.Errorf("exactly %d features: %d, %v", MaxFeatures, len(fs), err)
	}
	buf.WriteString("," + feature(`"extra"`, "", one) + "]}")
	tooLarge("feature count", buf.Bytes(), "the file has more than 20000 features")
}

func TestMarshalRoundTrip(t *testing.T) {
	fs := []Feature{
		{ID: "A-01", Name: "东城一网格", Properties: map[string]any{"households": json.Number("1203"), "note": "<b>&</b>"},
			Geometry: MultiPolygon{{square(121.1, 31.0, 121.2, 31.1), square(121.12, 31.02, 121.13, 31.03)}}},
		{ID: "7", Geometry: MultiPolygon{
			{square(121.3, 31.0, 121.4, 31.1)},
			{Ring{{121.5, 31.0}, {121.6, 31.0}, {121.55, 31.05}, {121.5, 31.0}}},
		}},
		// Awkward floats must survive bit for bit.
		{ID: "precise", Geometry: MultiPolygon{{Ring{{0.1 + 0.2, 1e-300}, {179.99999999999997, -1e-7}, {-180, 89.99999999999999}, {0.1 + 0.2, 1e-300}}}}},
	}
	for _, c := range TileGrid(shanghaiBox, 3, 3) {
		fs = append(fs, Feature{ID: fmt.Sprintf("tile-%d", len(fs)), Geometry: c})
	}
	data, err := MarshalFeatureCollection(fs)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatal("output is not valid JSON")
	}
	back, err := ParseFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, fs) {
		t.Errorf("round trip changed the features:\n%#v\n%#v", back, fs)
	}
	// The written form is what other tools expect.
	var doc struct {
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Type string `json:"type"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if g := doc.Features[0]; g.ID != "A-01" || g.Properties["code"] != "A-01" || g.Properties["name"] != "东城一网格" || g.Geometry.Type != "Polygon" {
		t.Errorf("first feature written as %+v", g)
	}
	if g := doc.Features[1]; g.Geometry.Type != "MultiPolygon" || g.Properties["code"] != "7" {
		t.Errorf("second feature written as %+v", g)
	}
	if _, has := doc.Features[1].Properties["name"]; has {
		t.Error("an empty name should not be written")
	}

	// Marshal must not modify the caller's properties.
	if _, has := fs[0].Properties["code"]; has {
		t.Error("MarshalFeatureCollection wrote into the caller's Properties")
	}
	// Writing what was read gives the same bytes.
	again, err := MarshalFeatureCollection(back)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("second export differs (err %v)", err)
	}
	// No features is an empty collection.
	empty, err := MarshalFeatureCollection(nil)
	if err != nil || string(empty) != `{"type":"FeatureCollection","features":[]}` {
		t.Errorf("empty export %s, %v", empty, err)
	}
}

func TestMarshalErrors(t *testing.T) {
	good := MultiPolygon{{square(0, 0, 1, 1)}}
	for _, tc := range []struct {
		name string
		fs   []Feature
		code string
		want string
	}{
		{"missing id", []Feature{{Geometry: good}}, civicgrid.EINVALID, "feature 0: id is missing"},
		{"blank id", []Feature{{ID: " ", Geometry: good}}, civicgrid.EINVALID, "id must not be blank"},
		{"bad utf-8 id", []Feature{{ID: "a\xff", Geometry: good}}, civicgrid.EINVALID, "id is not valid UTF-8"},
		{"duplicate", []Feature{{ID: "a", Geometry: good}, {ID: "a", Geometry: good}}, civicgrid.EINVALID,
			`feature 1 repeats id "a" of feature 0`},
		{"invalid geometry", []Feature{{ID: "a", Geometry: MultiPolygon{{Ring{{0, 0}, {1, 0}, {1, 1}}}}}}, civicgrid.EINVALID,
			`feature 0 (id "a"): geometry: polygon 0, outer ring has 3 points`},
		{"no geometry", []Feature{{ID: "a"}}, civicgrid.EINVALID, "geometry: the shape has no polygons"},
		{"long name", []Feature{{ID: "a", Name: strings.Repeat("n", MaxNameLen+1), Geometry: good}}, civicgrid.EINVALID,
			"name is 513 bytes long"},
		{"unencodable property", []Feature{{ID: "a", Properties: map[string]any{"f": func() {}}, Geometry: good}},
			civicgrid.EINVALID, `feature 0 (id "a"): properties cannot be written as JSON`},
		{"too many features", make([]Feature, MaxFeatures+1), civicgrid.ETOOLARGE, "20001 features cannot be written"},
	} {
		_, err := MarshalFeatureCollection(tc.fs)
		if !civicgrid.IsCode(err, tc.code) || !strings.Contains(civicgrid.ErrorMessage(err), tc.want) {
			t.Errorf("%s: error = %v; want %s containing %q", tc.name, err, tc.code, tc.want)
		}
	}

	// Fields win over stale properties of the same name.
	out, err := MarshalFeatureCollection([]Feature{{ID: "a", Properties: map[string]any{"code": "old", "name": "old"}, Geometry: good}})
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseFeatureCollection(out)
	if err != nil || back[0].ID != "a" || back[0].Name != "" || back[0].Properties != nil {
		t.Errorf("stale code/name leaked: %+v, %v", back, err)
	}
}

func TestMarshalVertexLimit(t *testing.T) {
	ring := make(Ring, MaxFeatureVertices)
	for i := range ring {
		ring[i] = Point{Lon: float64(i%360) - 180, Lat: float64(i%180) - 90}
	}
	ring[len(ring)-1] = ring[0]
	var fs []Feature
	for i := range MaxVertices/MaxFeatureVertices + 1 {
		fs = append(fs, Feature{ID: fmt.Sprint(i), Geometry: MultiPolygon{{ring}}})
	}
	_, err := MarshalFeatureCollection(fs)
	if !civicgrid.IsCode(err, civicgrid.ETOOLARGE) || !strings.Contains(civicgrid.ErrorMessage(err), "more than 2000000 vertices") {
		t.Errorf("error = %v; want ETOOLARGE about vertices", err)
	}
}
