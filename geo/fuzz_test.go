package geo

import (
	"reflect"
	"strconv"
	"testing"

	"civicgrid"
)

func FuzzParseFeatureCollection(f *testing.F) {
	sq := polygonGeometry(squareCoords)
	for _, seed := range []string{
		collection(feature(`"a"`, `{"name":"x","n":1}`, sq), feature("", `{"code":7}`, sq)),
		feature(`"solo"`, "", `{"type":"MultiPolygon","coordinates":[`+squareCoords+`]}`),
		collection(feature(`"h"`, "", polygonGeometry(`[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[7,3],[7,7],[3,3]]]`))),
		collection(feature(`"a"`, "", `{"type":"Point","coordinates":[1,2]}`)),
		collection(feature(`"a"`, "", polygonGeometry(`[[[0,0,1],[1,0,1],[1,1,1],[0,0,1]]]`))),
		collection(feature(`1.5`, "", sq)),
		collection(feature(`"a"`, `{"code":"b"}`, sq)),
		`{"type":"FeatureCollection","features":[]}`,
		`{"type":"FeatureCollection","features":[{}]}`,
		`[]`, `null`, `{`, ``, "\xef\xbb\xbf{}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := ParseFeatureCollection(data)
		if err != nil {
			if c := civicgrid.ErrorCode(err); c != civicgrid.EINVALID && c != civicgrid.ETOOLARGE {
				t.Fatalf("error code %q (%v); want invalid or too_large", c, err)
			}
			return
		}
		seen := map[string]bool{}
		for i, ft := range fs {
			if ft.ID == "" || seen[ft.ID] {
				t.Fatalf("feature %d has empty or repeated id %q", i, ft.ID)
			}
			seen[ft.ID] = true
			if err := ft.Geometry.Validate(); err != nil {
				t.Fatalf("feature %d parsed with invalid geometry: %v", i, err)
			}
			if _, has := ft.Properties["code"]; has {
				t.Fatalf("feature %d kept properties.code", i)
			}
		}
		out, err := MarshalFeatureCollection(fs)
		if err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		back, err := ParseFeatureCollection(out)
		if err != nil {
			t.Fatalf("cannot read back what was written: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, fs) {
			t.Fatalf("round trip changed the features:\n%#v\n%#v", fs, back)
		}
		// Every vertex is on its shape's boundary, so the index must locate it, as this feature
		// or one with a smaller ID that also covers the point.
		ix := NewIndex(fs)
		for _, ft := range fs {
			v := ft.Geometry[0][0][0]
			if id, ok := ix.Locate(v); !ok || id > ft.ID {
				t.Fatalf("Locate(vertex %v of %q) = %q, %v", v, ft.ID, id, ok)
			}
		}
	})
}

func FuzzParsePoint(f *testing.F) {
	for _, s := range [][2]string{
		{"31.2304", "121.4737"}, {"-90", "180"}, {"1e-7", "0"}, {"NaN", "1"}, {"0x10", "1"},
		{"", ""}, {"91", "0"}, {"+0", "-0"}, {"1_0", "2"}, {"1e999", "0"}, {"3.", ".3"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, lat, lon string) {
		p, err := ParsePoint(lat, lon)
		if err != nil {
			if !civicgrid.IsCode(err, civicgrid.EINVALID) {
				t.Fatalf("error %v; want EINVALID", err)
			}
			if p != (Point{}) {
				t.Fatalf("failed parse returned %v", p)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePoint(%q, %q) = %v, which is invalid: %v", lat, lon, p, err)
		}
		if len(lat) > maxNumberLen || len(lon) > maxNumberLen || !isDecimal(lat) || !isDecimal(lon) {
			t.Fatalf("ParsePoint accepted %q, %q", lat, lon)
		}
		// Strict parsing only narrows strconv; it never reads a different value.
		wantLat, err1 := strconv.ParseFloat(lat, 64)
		wantLon, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil || wantLat != p.Lat || wantLon != p.Lon {
			t.Fatalf("ParsePoint(%q, %q) = %v; strconv reads %v, %v", lat, lon, p, wantLat, wantLon)
		}
	})
}
