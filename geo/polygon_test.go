package geo

import (
	"math"
	"strings"
	"testing"

	"civicgrid"
)

// square returns a closed counter-clockwise ring around [x0, x1] × [y0, y1].
func square(x0, y0, x1, y1 float64) Ring {
	return Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestContains(t *testing.T) {
	// A 10×10 square with a 4×4 hole, plus a separate triangle to the east.
	withHole := Polygon{square(0, 0, 10, 10), square(3, 3, 7, 7)}
	triangle := Polygon{Ring{{20, 0}, {30, 0}, {25, 10}, {20, 0}}}
	m := MultiPolygon{withHole, triangle}

	for _, tc := range []struct {
		name string
		p    Point
		want bool
	}{
		{"inside the outer ring", Point{1, 1}, true},
		{"inside the hole", Point{5, 5}, false},
		{"between hole and outer ring", Point{8, 5}, true},
		{"outside everything", Point{15, 5}, false},
		{"left of everything", Point{-1, 5}, false},
		{"inside the second polygon", Point{25, 5}, true},
		{"near the second polygon's apex, outside", Point{24, 9.5}, false},
		{"on an outer edge", Point{10, 5}, true},
		{"on the bottom edge", Point{5, 0}, true},
		{"on an outer corner", Point{0, 0}, true},
		{"on the top-right corner", Point{10, 10}, true},
		{"on a hole edge", Point{3, 5}, true},
		{"on a hole corner", Point{7, 7}, true},
		{"on a slanted edge of the triangle", Point{22.5, 5}, true},
		{"a hair inside the hole", Point{3.001, 5}, false},
		{"a hair outside the outer ring", Point{10.001, 5}, false},
		{"ray through a vertex, inside", Point{24, 0.0}, true},
		{"ray through the hole's corner level", Point{1, 3}, true},
		{"ray through the apex level, outside", Point{0 - 5, 10}, false},
		{"NaN", Point{math.NaN(), 5}, false},
	} {
		if got := m.Contains(tc.p); got != tc.want {
			t.Errorf("%s: Contains(%v) = %v; want %v", tc.name, tc.p, got, tc.want)
		}
	}

	// Winding direction must not matter: reverse every ring.
	rev := MultiPolygon{}
	for _, poly := range m {
		var rp Polygon
		for _, ring := range poly {
			r := make(Ring, len(ring))
			for i, p := range ring {
				r[len(ring)-1-i] = p
			}
			rp = append(rp, r)
		}
		rev = append(rev, rp)
	}
	for _, p := range []Point{{1, 1}, {5, 5}, {8, 5}, {25, 5}, {10, 5}, {3, 5}} {
		if rev.Contains(p) != m.Contains(p) {
			t.Errorf("Contains(%v) depends on ring orientation", p)
		}
	}

	if (MultiPolygon{}).Contains(Point{0, 0}) {
		t.Error("an empty MultiPolygon contains nothing")
	}
}

// Two squares sharing the edge x = 1 must both claim a point on it and exactly one claim a point
// next to it, whichever way each ring runs.
func TestContainsSharedEdge(t *testing.T) {
	left := MultiPolygon{{Ring{{0, 0}, {1, 0.1}, {1.1, 1}, {0, 1}, {0, 0}}}}
	right := MultiPolygon{{Ring{{1, 0.1}, {2, 0}, {2, 1}, {1.1, 1}, {1, 0.1}}}} // shares the slanted edge
	for i := 0; i <= 1000; i++ {
		f := float64(i) / 1000
		on := Point{Lon: 1 + 0.1*f, Lat: 0.1 + 0.9*f}
		if !left.Contains(on) || !right.Contains(on) {
			t.Fatalf("point %v on the shared edge: left %v, right %v; want both", on, left.Contains(on), right.Contains(on))
		}
		for _, d := range []float64{-1e-6, 1e-6, -1e-8, 1e-8} {
			p := Point{Lon: on.Lon + d, Lat: on.Lat}
			if l, r := left.Contains(p), right.Contains(p); l == r {
				t.Fatalf("point %v next to the shared edge: left %v, right %v; want exactly one", p, l, r)
			}
		}
	}
}

func TestBounds(t *testing.T) {
	m := MultiPolygon{
		{square(121.1, 31.0, 121.2, 31.1), square(121.12, 31.02, 121.13, 31.03)},
		{Ring{{121.5, 30.9}, {121.6, 30.95}, {121.55, 31.3}, {121.5, 30.9}}},
	}
	want := Rect{MinLon: 121.1, MinLat: 30.9, MaxLon: 121.6, MaxLat: 31.3}
	if got := m.Bounds(); got != want {
		t.Errorf("Bounds() = %+v; want %+v", got, want)
	}
	if got := (MultiPolygon{}).Bounds(); got != (Rect{}) {
		t.Errorf("empty Bounds() = %+v; want zero", got)
	}
	if !want.Contains(Point{121.1, 31.3}) || want.Contains(Point{121.61, 31}) || want.Contains(Point{math.NaN(), 31}) {
		t.Error("Rect.Contains is wrong at the edges or with NaN")
	}
}

func TestMultiPolygonValidate(t *testing.T) {
	good := square(121.1, 31.0, 121.2, 31.1)
	big := make(Ring, MaxFeatureVertices+1)
	for i := range big {
		big[i] = Point{121 + float64(i)*1e-6, 31 + float64(i%2)*1e-3}
	}
	big[len(big)-1] = big[0]
	for _, tc := range []struct {
		name string
		m    MultiPolygon
		code string
		want string
	}{
		{"valid", MultiPolygon{{good}}, "", ""},
		{"valid with hole", MultiPolygon{{good, square(121.12, 31.02, 121.13, 31.03)}}, "", ""},
		{"no polygons", MultiPolygon{}, civicgrid.EINVALID, "no polygons"},
		{"empty polygon", MultiPolygon{{good}, {}}, civicgrid.EINVALID, "polygon 1 has no rings"},
		{"short ring", MultiPolygon{{Ring{{0, 0}, {1, 0}, {0, 0}}}}, civicgrid.EINVALID,
			"polygon 0, outer ring has 3 points; a ring needs at least 4"},
		{"open ring", MultiPolygon{{Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}, civicgrid.EINVALID,
			"polygon 0, outer ring is not closed: the last point [0, 1] must repeat the first point [0, 0]"},
		{"open hole", MultiPolygon{{good, Ring{{121.12, 31.02}, {121.13, 31.02}, {121.13, 31.03}, {121.12, 31.03}}}},
			civicgrid.EINVALID, "polygon 0, hole 1 is not closed"},
		{"swapped coordinates", MultiPolygon{{Ring{{31.0, 121.1}, {31.1, 121.1}, {31.1, 121.2}, {31.0, 121.1}}}},
			civicgrid.EINVALID, "polygon 0, outer ring point 0 [31, 121.1]: latitude 121.1 is out of range [-90, 90]; positions are [longitude, latitude]"},
		{"NaN", MultiPolygon{{good}, {Ring{{0, 0}, {1, 0}, {math.NaN(), 1}, {0, 0}}}}, civicgrid.EINVALID,
			"polygon 1, outer ring point 2 [NaN, 1]: longitude is not a number"},
		{"infinite", MultiPolygon{{Ring{{0, 0}, {1, math.Inf(1)}, {1, 1}, {0, 0}}}}, civicgrid.EINVALID,
			"point 1 [1, +Inf]: latitude is infinite"},
		{"too many vertices", MultiPolygon{{big}}, civicgrid.ETOOLARGE,
			"100001 vertices; at most 100000 are accepted per grid"},
	} {
		err := tc.m.Validate()
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v; want nil", tc.name, err)
			}
			continue
		}
		if !civicgrid.IsCode(err, tc.code) || !strings.Contains(civicgrid.ErrorMessage(err), tc.want) {
			t.Errorf("%s: Validate() = %v; want %s containing %q", tc.name, err, tc.code, tc.want)
		}
	}
}
