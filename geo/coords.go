package geo

import (
	"fmt"
	"strconv"
	"strings"
)

// coordReader turns a GeoJSON "coordinates" value into rings without building the generic
// [][][]float64 trees encoding/json would: a 64 MiB file can hold ten million positions, and this
// way the vertex limits stop the read as soon as they are crossed instead of after everything has
// been allocated. The bytes have already passed encoding/json's syntax check, so only the shape
// (arrays of arrays of numbers) needs checking here.
type coordReader struct {
	data []byte
	pos  int
	path []int // indexes of the arrays being read, to say where a fault is
	// left is how many more positions the limits allow; tooMany explains running out of them.
	left    int
	tooMany func() error
}

// polygons reads the coordinates of a MultiPolygon: an array of polygons.
func (r *coordReader) polygons() (MultiPolygon, error) {
	var m MultiPolygon
	err := r.array("the coordinates of a MultiPolygon must be an array of polygons", func() error {
		poly, err := r.polygon()
		m = append(m, poly)
		return err
	})
	return m, err
}

// polygon reads an array of rings: the coordinates of a Polygon.
func (r *coordReader) polygon() (Polygon, error) {
	var poly Polygon
	err := r.array("a polygon must be an array of rings", func() error {
		ring, err := r.ring()
		poly = append(poly, ring)
		return err
	})
	return poly, err
}

// ring reads an array of positions.
func (r *coordReader) ring() (Ring, error) {
	var ring Ring
	err := r.array("a ring must be an array of [longitude, latitude] positions", func() error {
		if r.left <= 0 {
			return r.tooMany()
		}
		r.left--
		p, err := r.position()
		ring = append(ring, p)
		return err
	})
	return ring, err
}

// position reads [lon, lat] or [lon, lat, altitude]; altitude is dropped since grids are flat.
func (r *coordReader) position() (Point, error) {
	const msg = "a position must be [longitude, latitude] or [longitude, latitude, altitude]"
	var v [3]float64
	n := 0
	err := r.array(msg, func() error {
		if n == len(v) {
			return r.fail(msg + ", not longer")
		}
		x, err := r.number(msg)
		v[n] = x
		n++
		return err
	})
	if err == nil && n < 2 {
		err = r.fail(fmt.Sprintf("%s, but it has %d number(s)", msg, n))
	}
	return Point{Lon: v[0], Lat: v[1]}, err
}

// array reads '[' elem (',' elem)* ']' calling elem for each element, or fails with msg if the
// value is not an array.
func (r *coordReader) array(msg string, elem func() error) error {
	r.space()
	if r.pos >= len(r.data) || r.data[r.pos] != '[' {
		return r.fail(msg)
	}
	r.pos++
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return nil
	}
	r.path = append(r.path, 0)
	defer func() { r.path = r.path[:len(r.path)-1] }()
	for {
		if err := elem(); err != nil {
			return err
		}
		r.space()
		if r.pos >= len(r.data) {
			return r.fail(msg)
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
			r.path[len(r.path)-1]++
		case ']':
			r.pos++
			return nil
		default:
			return r.fail(msg)
		}
	}
}

// number reads one JSON number.
func (r *coordReader) number(msg string) (float64, error) {
	r.space()
	start := r.pos
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
		r.pos++
	}
	if start == r.pos {
		return 0, r.fail(msg + "; found something other than a number")
	}
	tok := string(r.data[start:r.pos])
	x, err := strconv.ParseFloat(tok, 64)
	if err != nil { // the syntax was checked, so this is overflow: 1e400
		return 0, r.fail(fmt.Sprintf("coordinate %s is out of range", clip(tok)))
	}
	return x, nil
}

func (r *coordReader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// fail reports a shape fault at the current position, as "coordinates[0][2]: ...".
func (r *coordReader) fail(msg string) error {
	var b strings.Builder
	b.WriteString("coordinates")
	for _, i := range r.path {
		fmt.Fprintf(&b, "[%d]", i)
	}
	return invalidf("%s: %s", b.String(), msg).WithDetail("path", b.String())
}
