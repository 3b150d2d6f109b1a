package geo

import (
	"math"
	"strconv"

	"civicgrid"
)

// Validate checks that p is a real position: finite, latitude in [-90, 90], longitude in
// [-180, 180].
func (p Point) Validate() error {
	if e := p.check(); e != nil {
		return e
	}
	return nil
}

// check is Validate with a concrete result type, for callers that add context to the message.
func (p Point) check() *civicgrid.Error {
	if e := checkCoord("latitude", "lat", p.Lat, 90); e != nil {
		return e
	}
	return checkCoord("longitude", "lon", p.Lon, 180)
}

func checkCoord(name, field string, v, limit float64) *civicgrid.Error {
	switch {
	case math.IsNaN(v):
		return invalidf("%s is not a number", name).WithDetail("field", field)
	case math.IsInf(v, 0):
		return invalidf("%s is infinite", name).WithDetail("field", field)
	case v < -limit || v > limit:
		return invalidf("%s %v is out of range [%v, %v]", name, v, -limit, limit).
			WithDetail("field", field).WithDetail("value", v)
	}
	return nil
}

// maxNumberLen bounds coordinate strings: 32 characters hold any coordinate to far beyond
// survey precision, and anything longer is not a coordinate.
const maxNumberLen = 32

// ParsePoint reads a position from the decimal strings a form or query string carries, latitude
// first as people say it. Only plain decimal notation is accepted (an optional sign, digits, an
// optional fraction and an optional exponent, as JavaScript prints small numbers); strconv alone
// would also take hexadecimal, "NaN", "Inf" and underscores, none of which is a coordinate.
func ParsePoint(lat, lon string) (Point, error) {
	la, err := parseDecimal("latitude", "lat", lat)
	if err != nil {
		return Point{}, err
	}
	lo, err := parseDecimal("longitude", "lon", lon)
	if err != nil {
		return Point{}, err
	}
	p := Point{Lon: lo, Lat: la}
	if err := p.Validate(); err != nil {
		return Point{}, err
	}
	return p, nil
}

func parseDecimal(name, field, s string) (float64, error) {
	switch {
	case s == "":
		return 0, invalidf("%s is missing", name).WithDetail("field", field)
	case len(s) > maxNumberLen:
		return 0, invalidf("%s is %d characters long; at most %d are accepted", name, len(s), maxNumberLen).
			WithDetail("field", field)
	case !isDecimal(s):
		return 0, invalidf("%s %q is not a decimal number such as 31.2304", name, clip(s)).
			WithDetail("field", field)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil { // only overflow can get here, e.g. "1e999"
		return 0, invalidf("%s %q is out of range", name, s).WithDetail("field", field)
	}
	return v, nil
}

// isDecimal matches [+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// earthRadius is the mean Earth radius (IUGG), in metres. A sphere is accurate to about 0.5%,
// plenty for "how far is the reporter from the case".
const earthRadius = 6371008.8

// DistanceMeters returns the great-circle distance between a and b by the haversine formula, which
// stays accurate for the short distances that matter here (the law of cosines loses them to
// rounding).
func DistanceMeters(a, b Point) float64 {
	φ1, φ2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dφ := φ2 - φ1
	dλ := (b.Lon - a.Lon) * math.Pi / 180
	s1, s2 := math.Sin(dφ/2), math.Sin(dλ/2)
	h := s1*s1 + math.Cos(φ1)*math.Cos(φ2)*s2*s2
	return 2 * earthRadius * math.Asin(math.Sqrt(math.Min(1, h)))
}
