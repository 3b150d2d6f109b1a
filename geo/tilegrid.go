package geo

import "math"

// TileGrid splits r into rows×cols cells for demo data and benchmarks, in row-major order starting
// at the north-west corner (row 0 is the northern row, as on a map). Real grid boundaries follow
// streets, not meridians, so the cells are irregular: interior corners are moved by up to 15% of a
// cell and interior edges bend slightly, each side having 8 segments (33 positions per ring). Cells
// are still exact neighbours: both sides of an edge are built from the very same points, the outer
// edges lie on r, and so every point of r is in exactly one cell, or on the edges between cells.
// The output is deterministic. It returns nil when rows or cols is below 1 or r has no area.
func TileGrid(r Rect, rows, cols int) []MultiPolygon {
	if rows < 1 || cols < 1 || !(r.MaxLon > r.MinLon) || !(r.MaxLat > r.MinLat) {
		return nil
	}
	t := tiler{r: r, rows: rows, cols: cols,
		cw: (r.MaxLon - r.MinLon) / float64(cols), ch: (r.MaxLat - r.MinLat) / float64(rows)}
	cells := make([]MultiPolygon, 0, rows*cols)
	for row := range rows {
		for col := range cols {
			ring := make(Ring, 0, 4*tileSegments+1)
			ring = appendEdge(ring, t.hEdge(row+1, col), false) // south, west to east
			ring = appendEdge(ring, t.vEdge(row, col+1), true)  // east, going north
			ring = appendEdge(ring, t.hEdge(row, col), true)    // north, going west
			ring = appendEdge(ring, t.vEdge(row, col), false)   // west, going south
			ring = append(ring, ring[0])
			cells = append(cells, MultiPolygon{Polygon{ring}})
		}
	}
	return cells
}

const (
	tileSegments = 8    // per cell side
	tileShift    = 0.15 // largest corner move, as a fraction of the cell size
	tileBend     = 0.04 // largest sideways bend of an edge, as a fraction of the cell size
)

// These bounds keep every cell a simple polygon: a corner stays within 15% of its place, and the
// bend fades out towards the corners (sin envelope), so edges leaving a corner cannot cross.

type tiler struct {
	r          Rect
	rows, cols int
	cw, ch     float64 // cell width and height, degrees
}

// corner returns the lattice point between rows i-1 and i and columns j-1 and j. Points on the
// outside of r only move along it, and the four corners of r stay put.
func (t tiler) corner(i, j int) Point {
	p := Point{Lon: t.r.MinLon + float64(j)*t.cw, Lat: t.r.MaxLat - float64(i)*t.ch}
	if j == t.cols {
		p.Lon = t.r.MaxLon // no rounding drift at the far edges
	}
	if i == t.rows {
		p.Lat = t.r.MinLat
	}
	if j > 0 && j < t.cols {
		p.Lon += tileShift * t.cw * noise(i, j, 0, 1)
	}
	if i > 0 && i < t.rows {
		p.Lat += tileShift * t.ch * noise(i, j, 0, 2)
	}
	return p
}

// hEdge returns the points of the edge on lattice line i from column j to j+1, west to east.
// It bends only inside r so that the outline of the whole grid is exactly r.
func (t tiler) hEdge(i, j int) [tileSegments + 1]Point {
	a, b := t.corner(i, j), t.corner(i, j+1)
	var e [tileSegments + 1]Point
	for k := range e {
		e[k] = lerp(a, b, k)
		if k > 0 && k < tileSegments && i > 0 && i < t.rows {
			e[k].Lat += tileBend * t.ch * envelope(k) * noise(i, j, k, 3)
		}
	}
	return e
}

// vEdge returns the points of the edge on lattice column j from row i to i+1, north to south.
func (t tiler) vEdge(i, j int) [tileSegments + 1]Point {
	a, b := t.corner(i, j), t.corner(i+1, j)
	var e [tileSegments + 1]Point
	for k := range e {
		e[k] = lerp(a, b, k)
		if k > 0 && k < tileSegments && j > 0 && j < t.cols {
			e[k].Lon += tileBend * t.cw * envelope(k) * noise(i, j, k, 4)
		}
	}
	return e
}

// lerp returns the k-th of tileSegments+1 evenly spaced points from a to b, with the ends exact.
func lerp(a, b Point, k int) Point {
	switch k {
	case 0:
		return a
	case tileSegments:
		return b
	}
	f := float64(k) / tileSegments
	return Point{Lon: a.Lon + f*(b.Lon-a.Lon), Lat: a.Lat + f*(b.Lat-a.Lat)}
}

func envelope(k int) float64 { return math.Sin(math.Pi * float64(k) / tileSegments) }

// appendEdge appends all points of e but its last (the next edge starts there), in reverse order
// if asked.
func appendEdge(ring Ring, e [tileSegments + 1]Point, reverse bool) Ring {
	if reverse {
		for k := tileSegments; k > 0; k-- {
			ring = append(ring, e[k])
		}
		return ring
	}
	return append(ring, e[:tileSegments]...)
}

// noise returns a deterministic value in [-1, 1) for the given lattice position and purpose, so
// both cells along an edge compute identical points and every run produces the same grid.
func noise(i, j, k int, salt uint64) float64 {
	h := uint64(i)*0x9e3779b97f4a7c15 ^ uint64(j)*0xc2b2ae3d27d4eb4f ^ uint64(k)*0x165667b19e3779f9 ^ salt*0x27d4eb2f165667c5
	// Finalise so that neighbouring inputs give unrelated outputs (multiply-xorshift mixing).
	h ^= h >> 31
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 29
	h *= 0x94d049bb133111eb
	h ^= h >> 32
	return float64(h>>11)/(1<<52) - 1
}
