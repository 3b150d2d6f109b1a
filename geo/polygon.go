package geo

import "math"

// Rect is an axis-aligned box in degrees. The zero Rect is what an empty shape has.
type Rect struct {
	MinLon float64 `json:"min_lon"`
	MinLat float64 `json:"min_lat"`
	MaxLon float64 `json:"max_lon"`
	MaxLat float64 `json:"max_lat"`
}

// Contains reports whether p lies in r, edges included. NaN coordinates are never contained.
func (r Rect) Contains(p Point) bool {
	return p.Lon >= r.MinLon && p.Lon <= r.MaxLon && p.Lat >= r.MinLat && p.Lat <= r.MaxLat
}

// union returns the smallest Rect holding both.
func (r Rect) union(o Rect) Rect {
	return Rect{
		MinLon: math.Min(r.MinLon, o.MinLon), MinLat: math.Min(r.MinLat, o.MinLat),
		MaxLon: math.Max(r.MaxLon, o.MaxLon), MaxLat: math.Max(r.MaxLat, o.MaxLat),
	}
}

// grow returns r widened by d on every side.
func (r Rect) grow(d float64) Rect {
	return Rect{MinLon: r.MinLon - d, MinLat: r.MinLat - d, MaxLon: r.MaxLon + d, MaxLat: r.MaxLat + d}
}

// Bounds returns the box around every vertex of m; the zero Rect when m has none.
func (m MultiPolygon) Bounds() Rect {
	var r Rect
	first := true
	for _, poly := range m {
		for _, ring := range poly {
			for _, p := range ring {
				if first {
					r = Rect{MinLon: p.Lon, MinLat: p.Lat, MaxLon: p.Lon, MaxLat: p.Lat}
					first = false
					continue
				}
				r.MinLon = math.Min(r.MinLon, p.Lon)
				r.MinLat = math.Min(r.MinLat, p.Lat)
				r.MaxLon = math.Max(r.MaxLon, p.Lon)
				r.MaxLat = math.Max(r.MaxLat, p.Lat)
			}
		}
	}
	return r
}

// boundaryTolerance is how close to an edge, in degrees, a point counts as on it (about 0.1 mm).
// Grid boundaries are drawn by hand and exported through several tools, so exact float equality
// would make the answer for a point on a shared edge depend on rounding; with a tolerance a point
// on the line between two grids is inside both, and the index settles it the same way every time.
const boundaryTolerance = 1e-9

// Contains reports whether p lies in any polygon of m. Within a polygon the even-odd rule over all
// rings applies, so holes exclude their interior. Points on a ring (outer or hole) count as
// inside: a shape then includes its boundary, and a point on an edge shared by two neighbouring
// shapes belongs to both rather than to neither.
func (m MultiPolygon) Contains(p Point) bool {
	for _, poly := range m {
		if poly.contains(p) {
			return true
		}
	}
	return false
}

func (poly Polygon) contains(p Point) bool {
	inside := false
	for _, ring := range poly {
		crosses, onEdge := ring.scan(p)
		if onEdge {
			return true
		}
		if crosses {
			inside = !inside
		}
	}
	return inside
}

// scan casts a ray from p towards +longitude and reports whether it crosses ring an odd number of
// times, and whether p lies on the ring.
func (ring Ring) scan(p Point) (odd, onEdge bool) {
	n := len(ring)
	if n == 0 {
		return false, false
	}
	// Treat the ring as closed even if the caller forgot to repeat the first point.
	a := ring[n-1]
	for _, b := range ring {
		if nearSegment(p, a, b) {
			return false, true
		}
		// Half-open rule: an edge counts when exactly one end is strictly above p, so a ray through
		// a vertex is counted once and horizontal edges never.
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) {
			// Take the ends in a fixed order so that both polygons sharing an edge compute the very
			// same crossing; otherwise rounding could put a point next to the edge in both or neither.
			lo, hi := a, b
			if lo.Lat > hi.Lat || (lo.Lat == hi.Lat && lo.Lon > hi.Lon) {
				lo, hi = hi, lo
			}
			x := lo.Lon + (p.Lat-lo.Lat)*(hi.Lon-lo.Lon)/(hi.Lat-lo.Lat)
			if p.Lon < x {
				odd = !odd
			}
		}
		a = b
	}
	return odd, false
}

// nearSegment reports whether p is within boundaryTolerance of segment ab (planar, in degrees).
func nearSegment(p, a, b Point) bool {
	const t = boundaryTolerance
	// Cheap rejection first: most edges are nowhere near p.
	if p.Lat < math.Min(a.Lat, b.Lat)-t || p.Lat > math.Max(a.Lat, b.Lat)+t ||
		p.Lon < math.Min(a.Lon, b.Lon)-t || p.Lon > math.Max(a.Lon, b.Lon)+t {
		return false
	}
	dx, dy := b.Lon-a.Lon, b.Lat-a.Lat
	px, py := p.Lon-a.Lon, p.Lat-a.Lat
	l2 := dx*dx + dy*dy
	if l2 > 0 {
		u := (px*dx + py*dy) / l2
		u = math.Max(0, math.Min(1, u))
		px -= u * dx
		py -= u * dy
	}
	return px*px+py*py <= t*t
}

// vertexCount counts positions, closing points included, as the limits do.
func (m MultiPolygon) vertexCount() int {
	n := 0
	for _, poly := range m {
		for _, ring := range poly {
			n += len(ring)
		}
	}
	return n
}
