package geo

import (
	"math"
	"strings"
	"testing"

	"civicgrid"
)

func TestParseCRS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want CRS
	}{
		{"", WGS84}, {"wgs84", WGS84}, {"WGS84", WGS84}, {"wgs-84", WGS84}, {"GPS", WGS84}, {" gps ", WGS84},
		{"gcj02", GCJ02}, {"GCJ-02", GCJ02}, {"amap", GCJ02}, {"AMap", GCJ02}, {"tencent", GCJ02},
		{"bd09", BD09}, {"BD-09", BD09}, {"baidu", BD09}, {"Baidu", BD09},
	} {
		got, err := ParseCRS(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseCRS(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"wgs", "gcj", "bd", "google", "epsg:4326", "wgs84x"} {
		_, err := ParseCRS(in)
		if !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Errorf("ParseCRS(%q) error = %v; want EINVALID", in, err)
			continue
		}
		if msg := civicgrid.ErrorMessage(err); !strings.Contains(msg, in) || !strings.Contains(msg, "gcj02") {
			t.Errorf("ParseCRS(%q) message %q should quote the input and list the choices", in, msg)
		}
	}
}

// Reference pairs published for the standard formulas at Beijing (116.404, 39.915).
func TestConversionReferencePairs(t *testing.T) {
	in := Point{Lon: 116.404, Lat: 39.915}
	for _, tc := range []struct {
		name      string
		got, want Point
		tol       float64 // degrees
	}{
		{"wgs84→gcj02", FromWGS84(in, GCJ02), Point{Lon: 116.41024449916938, Lat: 39.91640428150164}, 1e-9},
		{"wgs84→bd09", FromWGS84(in, BD09), Point{Lon: 116.41662724378733, Lat: 39.922699552216216}, 1e-9},
		{"gcj02→bd09", gcjToBD(in), Point{Lon: 116.41036949371029, Lat: 39.92133699351021}, 1e-9},
		// The published inverses are the one-step approximations; ours iterate, so they agree only
		// to the approximations' error, and are checked exactly by the round trips below.
		{"gcj02→wgs84", ToWGS84(in, GCJ02), Point{Lon: 116.39775550083061, Lat: 39.91359571849836}, 2e-5},
		{"bd09→gcj02", bdToGCJ(in), Point{Lon: 116.39762729119315, Lat: 39.90865673957631}, 1e-6},
		{"bd09→wgs84", ToWGS84(in, BD09), Point{Lon: 116.3913836995125, Lat: 39.907253214522164}, 2e-5},
	} {
		if math.Abs(tc.got.Lon-tc.want.Lon) > tc.tol || math.Abs(tc.got.Lat-tc.want.Lat) > tc.tol {
			t.Errorf("%s = %v; want %v (±%g°)", tc.name, tc.got, tc.want, tc.tol)
		}
	}
}

func TestConversionRoundTrips(t *testing.T) {
	points := []Point{
		{Lon: 121.4737, Lat: 31.2304},  // Shanghai, People's Square
		{Lon: 121.4, Lat: 31.35},       // Shanghai, Baoshan
		{Lon: 116.404, Lat: 39.915},    // Beijing
		{Lon: 113.2644, Lat: 23.1291},  // Guangzhou
		{Lon: 104.0665, Lat: 30.5723},  // Chengdu
		{Lon: 87.6168, Lat: 43.8256},   // Ürümqi
		{Lon: 126.5349, Lat: 45.8038},  // Harbin
		{Lon: 109.5120, Lat: 18.2528},  // Sanya
		{Lon: 91.1409, Lat: 29.6456},   // Lhasa
		{Lon: 72.5, Lat: 39.0},         // far west of the region
		{Lon: 137.5, Lat: 55.5},        // north-east corner of the region
		{Lon: 105.0, Lat: 35.0},        // origin of the offset series
		{Lon: 121.123456789, Lat: 1.0}, // southern edge of the region
	}
	for _, w := range points {
		g := FromWGS84(w, GCJ02)
		if d := DistanceMeters(w, g); d < 1 || d > 1000 {
			t.Errorf("%v: GCJ-02 offset %.1f m, want the usual few hundred metres", w, d)
		}
		if d := DistanceMeters(w, ToWGS84(g, GCJ02)); d >= 0.01 {
			t.Errorf("%v: WGS→GCJ→WGS off by %.4f m", w, d)
		}
		b := FromWGS84(w, BD09)
		if d := DistanceMeters(w, ToWGS84(b, BD09)); d >= 0.01 {
			t.Errorf("%v: WGS→BD→WGS off by %.4f m", w, d)
		}
		// Start from BD-09 as a Baidu map click would.
		if d := DistanceMeters(w, gcjToBD(bdToGCJ(w))); d >= 0.01 {
			t.Errorf("%v: BD→GCJ→BD off by %.4f m", w, d)
		}
		if got := FromWGS84(w, WGS84); got != w {
			t.Errorf("FromWGS84(%v, WGS84) = %v", w, got)
		}
	}
}

// The crude inverse (subtract the offset found at the GCJ point) is what the iteration replaces;
// make sure it really is too coarse, or the test above would prove nothing.
func TestOneStepInverseIsNotEnough(t *testing.T) {
	w := Point{Lon: 121.4737, Lat: 31.2304}
	g := FromWGS84(w, GCJ02)
	dLon, dLat := gcjDelta(g)
	crude := Point{Lon: g.Lon - dLon, Lat: g.Lat - dLat}
	if d := DistanceMeters(w, crude); d < 0.01 {
		t.Fatalf("one-step inverse already within %.4f m; the iteration would be pointless", d)
	}
}

func TestOutsideChinaUnchanged(t *testing.T) {
	for _, p := range []Point{
		{Lon: -0.1276, Lat: 51.5072},   // London
		{Lon: 139.6917, Lat: 35.6895},  // Tokyo
		{Lon: 151.2093, Lat: -33.8688}, // Sydney
		{Lon: -74.006, Lat: 40.7128},   // New York
		{Lon: 37.6173, Lat: 55.9},      // north of the region
		{Lon: 180, Lat: 90},
		{Lon: -180, Lat: -90},
	} {
		for _, c := range []CRS{WGS84, GCJ02, BD09} {
			if got := FromWGS84(p, c); got != p {
				t.Errorf("FromWGS84(%v, %s) = %v; want unchanged", p, c, got)
			}
			if got := ToWGS84(p, c); got != p {
				t.Errorf("ToWGS84(%v, %s) = %v; want unchanged", p, c, got)
			}
		}
	}
}

func TestUnknownCRSLeavesPointAlone(t *testing.T) {
	p := Point{Lon: 121.4737, Lat: 31.2304}
	if got := ToWGS84(p, CRS("")); got != p {
		t.Errorf("ToWGS84 with zero CRS = %v", got)
	}
	if got := FromWGS84(p, CRS("mercator")); got != p {
		t.Errorf("FromWGS84 with unknown CRS = %v", got)
	}
}

var sinkPoint Point

func BenchmarkToWGS84(b *testing.B) {
	for _, c := range []CRS{GCJ02, BD09} {
		b.Run(string(c), func(b *testing.B) {
			p := FromWGS84(Point{Lon: 121.4737, Lat: 31.2304}, c)
			for b.Loop() {
				sinkPoint = ToWGS84(p, c)
			}
		})
	}
}
