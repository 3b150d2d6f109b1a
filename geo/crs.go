package geo

import (
	"math"
	"strings"

	"civicgrid"
)

// ParseCRS reads the coordinate system a client names. Matching ignores case and surrounding
// space; "" means WGS-84 because that is what GPS receivers and browsers report. Besides the
// canonical names it accepts the names people actually type: the map provider that uses the system
// ("amap", "tencent", "baidu") or the hyphenated official spelling.
func ParseCRS(s string) (CRS, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "wgs84", "wgs-84", "gps":
		return WGS84, nil
	case "gcj02", "gcj-02", "amap", "tencent":
		return GCJ02, nil
	case "bd09", "bd-09", "baidu":
		return BD09, nil
	}
	return "", civicgrid.Errorf(civicgrid.EINVALID,
		"unknown coordinate system %q: use wgs84 (GPS), gcj02 (AMap, Tencent) or bd09 (Baidu)", clip(s)).
		WithDetail("field", "crs").
		WithDetail("allowed", []string{string(WGS84), string(GCJ02), string(BD09)})
}

// ToWGS84 converts p from the given system to WGS-84. Values other than GCJ02 and BD09 are taken
// to be WGS-84 already, so a zero CRS is harmless. Outside the rectangle around China that the
// offsets apply to (longitude 72.004 to 137.8347, latitude 0.8293 to 55.8271) p is returned
// unchanged.
func ToWGS84(p Point, from CRS) Point {
	switch from {
	case GCJ02:
		return gcjToWGS(p)
	case BD09:
		return gcjToWGS(bdToGCJ(p))
	}
	return p
}

// FromWGS84 converts a WGS-84 point to the given system, for showing stored points on a provider's
// map. Values other than GCJ02 and BD09 return p unchanged.
func FromWGS84(p Point, to CRS) Point {
	switch to {
	case GCJ02:
		return wgsToGCJ(p)
	case BD09:
		return gcjToBD(wgsToGCJ(p))
	}
	return p
}

// Constants of the GCJ-02 offset as published: it is computed on the Krasovsky 1940 ellipsoid.
const (
	krasovskyA  = 6378245.0              // semi-major axis, metres
	krasovskyE2 = 0.00669342162296594323 // first eccentricity squared
)

// inChina reports whether the offsets apply at p. The rectangle is the one the widely published
// conversion code uses. It is coarse (it takes in parts of neighbouring countries, where the maps
// have no offset), but inside mainland China, where grids are, it agrees with the maps.
func inChina(p Point) bool {
	return p.Lon >= 72.004 && p.Lon <= 137.8347 && p.Lat >= 0.8293 && p.Lat <= 55.8271
}

// wgsToGCJ applies the GCJ-02 offset: a smooth, deliberately irregular displacement of a few
// hundred metres.
func wgsToGCJ(p Point) Point {
	if !inChina(p) {
		return p
	}
	dLon, dLat := gcjDelta(p)
	return Point{Lon: p.Lon + dLon, Lat: p.Lat + dLat}
}

// gcjDelta returns the GCJ-02 displacement at WGS-84 point p, in degrees.
func gcjDelta(p Point) (dLon, dLat float64) {
	x, y := p.Lon-105.0, p.Lat-35.0
	// The two series give the displacement in metres; dividing by the meridian and prime-vertical
	// radii of curvature of the Krasovsky ellipsoid at this latitude turns it into degrees.
	mLat := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x)) +
		wave(x) +
		(20.0*math.Sin(y*math.Pi)+40.0*math.Sin(y/3.0*math.Pi))*2.0/3.0 +
		(160.0*math.Sin(y/12.0*math.Pi)+320.0*math.Sin(y*math.Pi/30.0))*2.0/3.0
	mLon := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x)) +
		wave(x) +
		(20.0*math.Sin(x*math.Pi)+40.0*math.Sin(x/3.0*math.Pi))*2.0/3.0 +
		(150.0*math.Sin(x/12.0*math.Pi)+300.0*math.Sin(x/30.0*math.Pi))*2.0/3.0

	rad := p.Lat / 180.0 * math.Pi
	s := math.Sin(rad)
	w := 1 - krasovskyE2*s*s
	sw := math.Sqrt(w)
	dLat = mLat * 180.0 / ((krasovskyA * (1 - krasovskyE2)) / (w * sw) * math.Pi)
	dLon = mLon * 180.0 / (krasovskyA / sw * math.Cos(rad) * math.Pi)
	return dLon, dLat
}

// wave is the high-frequency term both series share.
func wave(x float64) float64 {
	return (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
}

// gcjToWGS inverts wgsToGCJ. The offset has no closed-form inverse; subtracting the offset
// evaluated at the GCJ point is off by up to a couple of metres, which is enough to put a report in
// the neighbouring grid. The offset's derivative is tiny (about 1e-3), so the fixed-point iteration
// w ← w + (g − gcj(w)) gains roughly three digits per step and settles in four or five.
func gcjToWGS(g Point) Point {
	if !inChina(g) {
		return g
	}
	w := g
	for range 20 {
		f := wgsToGCJ(w)
		dLon, dLat := g.Lon-f.Lon, g.Lat-f.Lat
		w.Lon += dLon
		w.Lat += dLat
		if math.Abs(dLon) < 1e-12 && math.Abs(dLat) < 1e-12 { // ~0.1 µm
			break
		}
	}
	return w
}

// bdXPi scales degrees into the argument of BD-09's perturbation terms.
const bdXPi = math.Pi * 3000.0 / 180.0

// gcjToBD applies Baidu's published BD-09 transform: a small polar perturbation plus a fixed shift.
// Like GCJ-02 it is applied only inside the region, so points abroad stay unchanged (and in range)
// in every system.
func gcjToBD(g Point) Point {
	if !inChina(g) {
		return g
	}
	z := math.Hypot(g.Lon, g.Lat) + 0.00002*math.Sin(g.Lat*bdXPi)
	theta := math.Atan2(g.Lat, g.Lon) + 0.000003*math.Cos(g.Lon*bdXPi)
	return Point{Lon: z*math.Cos(theta) + 0.0065, Lat: z*math.Sin(theta) + 0.006}
}

// bdToGCJ inverts gcjToBD. The usual one-step inverse is off by a few centimetres; refining it by
// the same fixed-point iteration as gcjToWGS makes BD → GCJ → BD exact to float precision.
func bdToGCJ(b Point) Point {
	if !inChina(b) {
		return b
	}
	x, y := b.Lon-0.0065, b.Lat-0.006
	z := math.Hypot(x, y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	g := Point{Lon: z * math.Cos(theta), Lat: z * math.Sin(theta)}
	for range 20 {
		f := gcjToBD(g)
		dLon, dLat := b.Lon-f.Lon, b.Lat-f.Lat
		g.Lon += dLon
		g.Lat += dLat
		if math.Abs(dLon) < 1e-12 && math.Abs(dLat) < 1e-12 {
			break
		}
	}
	return g
}
