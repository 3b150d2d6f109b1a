package geo

import (
	"math"
	"strings"
	"testing"

	"civicgrid"
)

func TestPointValidate(t *testing.T) {
	for _, tc := range []struct {
		p    Point
		want string // substring of the message; "" means valid
	}{
		{Point{Lon: 121.47, Lat: 31.23}, ""},
		{Point{Lon: 180, Lat: 90}, ""},
		{Point{Lon: -180, Lat: -90}, ""},
		{Point{Lon: 0, Lat: 0}, ""},
		{Point{Lon: 0, Lat: 90.0000001}, "latitude 90.0000001 is out of range [-90, 90]"},
		{Point{Lon: 0, Lat: -91}, "latitude -91 is out of range"},
		{Point{Lon: 180.5, Lat: 0}, "longitude 180.5 is out of range [-180, 180]"},
		{Point{Lon: -181, Lat: 0}, "longitude -181 is out of range"},
		{Point{Lon: 0, Lat: math.NaN()}, "latitude is not a number"},
		{Point{Lon: math.NaN(), Lat: 0}, "longitude is not a number"},
		{Point{Lon: math.Inf(1), Lat: 0}, "longitude is infinite"},
		{Point{Lon: 0, Lat: math.Inf(-1)}, "latitude is infinite"},
	} {
		err := tc.p.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%v.Validate() = %v; want nil", tc.p, err)
			}
			continue
		}
		if !civicgrid.IsCode(err, civicgrid.EINVALID) || !strings.Contains(civicgrid.ErrorMessage(err), tc.want) {
			t.Errorf("%v.Validate() = %v; want EINVALID containing %q", tc.p, err, tc.want)
		}
	}
}

func TestParsePoint(t *testing.T) {
	for _, tc := range []struct {
		lat, lon string
		want     Point
	}{
		{"31.2304", "121.4737", Point{Lon: 121.4737, Lat: 31.2304}},
		{"-33.8688", "151.2093", Point{Lon: 151.2093, Lat: -33.8688}},
		{"+31", "121", Point{Lon: 121, Lat: 31}},
		{"0", "-0.5", Point{Lon: -0.5, Lat: 0}},
		{"1e-7", "121.4", Point{Lon: 121.4, Lat: 1e-7}}, // how JavaScript prints small numbers
		{"90", "-180", Point{Lon: -180, Lat: 90}},
		{"31.2304" + strings.Repeat("0", 25), "121.47", Point{Lon: 121.47, Lat: 31.2304}}, // exactly 32
	} {
		got, err := ParsePoint(tc.lat, tc.lon)
		if err != nil || got != tc.want {
			t.Errorf("ParsePoint(%q, %q) = %v, %v; want %v", tc.lat, tc.lon, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		lat, lon, field, want string
	}{
		{"", "121.4", "lat", "latitude is missing"},
		{"31.2", "", "lon", "longitude is missing"},
		{"0x1p4", "121", "lat", `latitude "0x1p4" is not a decimal number`},
		{"31", "0X79", "lon", `longitude "0X79" is not a decimal number`},
		{"NaN", "121", "lat", "not a decimal number"},
		{"31", "nan", "lon", "not a decimal number"},
		{"Inf", "121", "lat", "not a decimal number"},
		{"31", "-Infinity", "lon", "not a decimal number"},
		{"3_1", "121", "lat", "not a decimal number"},
		{" 31", "121", "lat", "not a decimal number"},
		{"31 ", "121", "lat", "not a decimal number"},
		{"31.", "121", "lat", "not a decimal number"},
		{".5", "121", "lat", "not a decimal number"},
		{"1e", "121", "lat", "not a decimal number"},
		{"--1", "121", "lat", "not a decimal number"},
		{"31,2", "121", "lat", "not a decimal number"},
		{"３１", "121", "lat", "not a decimal number"}, // full-width digits
		{"31.2304" + strings.Repeat("0", 26), "121", "lat", "33 characters long; at most 32"},
		{"31", strings.Repeat("1", 10000), "lon", "10000 characters long"},
		{"1e999", "121", "lat", "out of range"},
		{"91", "121", "lat", "latitude 91 is out of range [-90, 90]"},
		{"31", "181", "lon", "longitude 181 is out of range"},
		// Swapped order is the commonest mistake; with latitude 121 it is caught.
		{"121.47", "31.23", "lat", "latitude 121.47 is out of range"},
	} {
		_, err := ParsePoint(tc.lat, tc.lon)
		var e *civicgrid.Error
		if !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Errorf("ParsePoint(%q, %q) error = %v; want EINVALID", clip(tc.lat), clip(tc.lon), err)
			continue
		}
		e = err.(*civicgrid.Error)
		if !strings.Contains(e.Message, tc.want) || e.Details["field"] != tc.field {
			t.Errorf("ParsePoint(%q, %q) = %q %v; want message containing %q and field %q",
				clip(tc.lat), clip(tc.lon), e.Message, e.Details, tc.want, tc.field)
		}
		if len(e.Message) > 200 {
			t.Errorf("message echoes too much input: %d bytes", len(e.Message))
		}
	}
}

func TestDistanceMeters(t *testing.T) {
	arc := earthRadius * math.Pi / 180 // one degree of a great circle
	for _, tc := range []struct {
		a, b Point
		want float64
		tol  float64
	}{
		{Point{121.4, 31.2}, Point{121.4, 31.2}, 0, 0},
		{Point{0, 0}, Point{0, 1}, arc, 1e-6},
		{Point{0, 0}, Point{1, 0}, arc, 1e-6},
		{Point{0, 0}, Point{90, 0}, 90 * arc, 1e-6},
		{Point{0, 0}, Point{180, 0}, 180 * arc, 1e-6},
		{Point{0, 90}, Point{0, -90}, 180 * arc, 1e-6},
		{Point{-179.9995, 0}, Point{179.9995, 0}, 0.001 * arc, 1e-6}, // across the antimeridian
		// Along a parallel the distance shrinks with cos(latitude).
		{Point{121, 60}, Point{121.001, 60}, 0.001 * arc * 0.5, 1e-4},
		// Shanghai People's Square to Beijing Tiananmen, about 1067 km.
		{Point{121.4737, 31.2304}, Point{116.3975, 39.9087}, 1_067_000, 3_000},
		// Short distances keep their precision: 1 cm.
		{Point{121.4, 31.2}, Point{121.4, 31.2 + 0.01/arc}, 0.01, 1e-9},
	} {
		got := DistanceMeters(tc.a, tc.b)
		if math.Abs(got-tc.want) > tc.tol {
			t.Errorf("DistanceMeters(%v, %v) = %.9g; want %.9g ± %g", tc.a, tc.b, got, tc.want, tc.tol)
		}
		if back := DistanceMeters(tc.b, tc.a); back != got {
			t.Errorf("DistanceMeters is not symmetric: %v vs %v", got, back)
		}
	}
}
