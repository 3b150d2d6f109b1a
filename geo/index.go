package geo

import (
	"cmp"
	"math"
	"slices"
)

// Index answers "which grid is this point in" for a fixed set of features. It buckets the polygons
// on a uniform grid over their bounds: grids in one city are of similar size and tile the area
// without much overlap, which is exactly the case where a uniform grid beats a tree, costing one
// division to find the bucket and a handful of box tests inside it.
//
// An Index is immutable once built, so any number of goroutines may call its methods at once.
type Index struct {
	ids    []string // feature IDs in ascending order; an entry's rank indexes this
	polys  []entry  // every polygon of every feature, ordered by the rank of its feature
	bounds Rect     // around every vertex
	area   Rect     // bounds grown by the boundary tolerance: what the buckets cover
	nx, ny int      // buckets across and up
	sx, sy float64  // buckets per degree
	start  []int32  // bucket b holds items[start[b]:start[b+1]]
	items  []int32  // indexes into polys
}

type entry struct {
	box  Rect // the polygon's bounds grown by the boundary tolerance
	rank int32
	poly Polygon
}

// NewIndex builds an index over fs. Features whose geometry fails Validate cannot be located and
// are left out; features from ParseFeatureCollection always pass. When shapes overlap, Locate
// returns the smallest ID (in byte order) among those containing the point, so the answer does
// not depend on the order of fs.
func NewIndex(fs []Feature) *Index {
	kept := make([]Feature, 0, len(fs))
	for _, f := range fs {
		if f.Geometry.Validate() == nil {
			kept = append(kept, f)
		}
	}
	// Sorting by ID lets Locate stop at the first hit: buckets list polygons in rank order.
	slices.SortStableFunc(kept, func(a, b Feature) int { return cmp.Compare(a.ID, b.ID) })

	ix := &Index{ids: make([]string, len(kept))}
	for rank, f := range kept {
		ix.ids[rank] = f.ID
		for _, poly := range f.Geometry {
			box := MultiPolygon{poly}.Bounds()
			if len(ix.polys) == 0 {
				ix.bounds = box
			} else {
				ix.bounds = ix.bounds.union(box)
			}
			ix.polys = append(ix.polys, entry{box: box.grow(boundaryTolerance), rank: int32(rank), poly: poly})
		}
	}
	ix.area = ix.bounds.grow(boundaryTolerance)
	ix.buildBuckets()
	return ix
}

// buildBuckets sizes the grid for about one polygon per bucket, then fills it in two passes
// (count, place) into flat arrays: no per-bucket slices, and lookups touch contiguous memory.
func (ix *Index) buildBuckets() {
	n := len(ix.polys)
	w, h := ix.area.MaxLon-ix.area.MinLon, ix.area.MaxLat-ix.area.MinLat
	// Square-ish buckets: split n between the two axes in proportion to the extent.
	ix.nx = clampInt(int(math.Ceil(math.Sqrt(float64(n)*w/h))), 1, n)
	ix.ny = clampInt(int(math.Ceil(float64(n)/float64(ix.nx))), 1, n)
	// A polygon is listed in every bucket its box touches. Huge shapes (a district outline loaded
	// next to its grids) would multiply that; coarsen until the lists stay proportional to n.
	for {
		ix.sx, ix.sy = float64(ix.nx)/w, float64(ix.ny)/h
		if ix.refs() <= 8*n+64 || (ix.nx == 1 && ix.ny == 1) {
			break
		}
		ix.nx, ix.ny = (ix.nx+1)/2, (ix.ny+1)/2
	}

	ix.start = make([]int32, ix.nx*ix.ny+1)
	for i := range ix.polys {
		ix.eachBucket(ix.polys[i].box, func(b int) { ix.start[b+1]++ })
	}
	for b := 1; b < len(ix.start); b++ {
		ix.start[b] += ix.start[b-1]
	}
	ix.items = make([]int32, ix.start[len(ix.start)-1])
	fill := slices.Clone(ix.start[:len(ix.start)-1])
	// Polygons are placed in rank order, so every bucket's list is sorted by rank.
	for i := range ix.polys {
		ix.eachBucket(ix.polys[i].box, func(b int) {
			ix.items[fill[b]] = int32(i)
			fill[b]++
		})
	}
}

func (ix *Index) refs() int {
	total := 0
	for i := range ix.polys {
		x0, y0 := ix.bucketOf(Point{Lon: ix.polys[i].box.MinLon, Lat: ix.polys[i].box.MinLat})
		x1, y1 := ix.bucketOf(Point{Lon: ix.polys[i].box.MaxLon, Lat: ix.polys[i].box.MaxLat})
		total += (x1 - x0 + 1) * (y1 - y0 + 1)
	}
	return total
}

func (ix *Index) eachBucket(box Rect, fn func(b int)) {
	x0, y0 := ix.bucketOf(Point{Lon: box.MinLon, Lat: box.MinLat})
	x1, y1 := ix.bucketOf(Point{Lon: box.MaxLon, Lat: box.MaxLat})
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			fn(y*ix.nx + x)
		}
	}
}

// bucketOf maps a point to its bucket column and row. The mapping is monotonic in each
// coordinate, so a point inside a box always lands in one of the buckets the box was listed in.
func (ix *Index) bucketOf(p Point) (x, y int) {
	x = clampInt(int((p.Lon-ix.area.MinLon)*ix.sx), 0, ix.nx-1)
	y = clampInt(int((p.Lat-ix.area.MinLat)*ix.sy), 0, ix.ny-1)
	return x, y
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// Locate returns the ID of the feature containing p (boundary included), or ok=false when none
// does. p is WGS-84; convert client coordinates with ToWGS84 first.
func (ix *Index) Locate(p Point) (id string, ok bool) {
	if len(ix.polys) == 0 || !ix.area.Contains(p) { // also rejects NaN
		return "", false
	}
	x, y := ix.bucketOf(p)
	b := y*ix.nx + x
	for _, i := range ix.items[ix.start[b]:ix.start[b+1]] {
		e := &ix.polys[i]
		if e.box.Contains(p) && e.poly.contains(p) {
			return ix.ids[e.rank], true // lists are in rank order: the first hit has the smallest ID
		}
	}
	return "", false
}

// Len returns the number of features indexed.
func (ix *Index) Len() int { return len(ix.ids) }

// Bounds returns the box around every indexed shape; the zero Rect for an empty index.
func (ix *Index) Bounds() Rect { return ix.bounds }
