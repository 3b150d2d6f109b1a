package geo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// gridFeatures turns TileGrid cells into features with IDs G00000, G00001, ...
func gridFeatures(r Rect, rows, cols int) []Feature {
	cells := TileGrid(r, rows, cols)
	fs := make([]Feature, len(cells))
	for i, c := range cells {
		fs[i] = Feature{ID: fmt.Sprintf("G%05d", i), Geometry: c}
	}
	return fs
}

// brute is the definition Locate must match: the smallest ID among the features containing p,
// checking every feature. Boxes are only a shortcut; they are grown like the index's so that
// boundary points are not cut off.
type brute struct {
	fs    []Feature
	boxes []Rect
}

func newBrute(fs []Feature) brute {
	b := brute{fs: fs, boxes: make([]Rect, len(fs))}
	for i, f := range fs {
		b.boxes[i] = f.Geometry.Bounds().grow(boundaryTolerance)
	}
	return b
}

func (b brute) locate(p Point) (string, bool, int) {
	best, found, hits := "", false, 0
	for i, f := range b.fs {
		if b.boxes[i].Contains(p) && f.Geometry.Contains(p) {
			hits++
			if !found || f.ID < best {
				best, found = f.ID, true
			}
		}
	}
	return best, found, hits
}

func TestIndexMatchesBruteForce(t *testing.T) {
	fs := gridFeatures(shanghaiBox, 100, 100)
	// Shuffle so that correctness cannot depend on the input order.
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	ix := NewIndex(fs)
	bf := newBrute(fs)
	if ix.Len() != 10000 {
		t.Fatalf("Len() = %d; want 10000", ix.Len())
	}
	if ix.Bounds() != shanghaiBox {
		t.Fatalf("Bounds() = %+v; want %+v", ix.Bounds(), shanghaiBox)
	}
	cells := make([]MultiPolygon, len(fs))
	for i, f := range fs {
		cells[i] = f.Geometry
	}
	for range 10000 {
		p := randomPoint(rng, shanghaiBox)
		want, wantOK, hits := bf.locate(p)
		if !wantOK {
			t.Fatalf("brute force finds no cell for %v inside the grid", p)
		}
		if hits != 1 {
			var in []int
			for i, c := range cells {
				if c.Contains(p) {
					in = append(in, i)
				}
			}
			if !onAnyBoundary(p, cells, in) {
				t.Fatalf("point %v inside %d cells", p, hits)
			}
		}
		if got, ok := ix.Locate(p); !ok || got != want {
			t.Fatalf("Locate(%v) = %q, %v; brute force says %q", p, got, ok, want)
		}
	}
	// Every cell's own vertices are on its boundary, so Locate must find a cell (the smallest ID
	// among those sharing the vertex) for each of them.
	for _, f := range fs[:200] {
		for _, v := range f.Geometry[0][0] {
			want, _, _ := bf.locate(v)
			if got, ok := ix.Locate(v); !ok || got != want || got > f.ID {
				t.Fatalf("Locate(vertex %v of %s) = %q, %v; want %q", v, f.ID, got, ok, want)
			}
		}
	}
	// Outside the grid nothing is found.
	for _, p := range []Point{
		{shanghaiBox.MinLon - 1e-6, 31.35}, {shanghaiBox.MaxLon + 1e-6, 31.35},
		{121.4, shanghaiBox.MinLat - 1e-6}, {121.4, shanghaiBox.MaxLat + 1e-6},
		{0, 0}, {-180, -90}, {180, 90},
	} {
		if id, ok := ix.Locate(p); ok {
			t.Errorf("Locate(%v) = %q outside the grid", p, id)
		}
	}
	// On the outline of the grid a point is still inside (boundaries count).
	if _, ok := ix.Locate(Point{shanghaiBox.MinLon, 31.35}); !ok {
		t.Error("a point on the grid's outline was not located")
	}
}

func TestIndexOverlapSmallestIDWins(t *testing.T) {
	b := Feature{ID: "b", Geometry: MultiPolygon{{square(0, 0, 2, 2)}}}
	a := Feature{ID: "a", Geometry: MultiPolygon{{square(1, 1, 3, 3)}}}
	c := Feature{ID: "c", Geometry: MultiPolygon{{square(0.5, 0.5, 1.5, 1.5)}}}
	for _, order := range [][]Feature{{a, b, c}, {c, b, a}, {b, c, a}} {
		ix := NewIndex(order)
		for _, tc := range []struct {
			p    Point
			want string
		}{
			{Point{1.2, 1.2}, "a"}, // all three overlap
			{Point{0.7, 0.7}, "b"}, // b and c
			{Point{2.5, 2.5}, "a"},
			{Point{0.2, 0.2}, "b"},
			{Point{1, 1}, "a"}, // a's corner, inside b and c
		} {
			if got, ok := ix.Locate(tc.p); !ok || got != tc.want {
				t.Errorf("order %v: Locate(%v) = %q, %v; want %q", ids(order), tc.p, got, ok, tc.want)
			}
		}
	}
}

func TestIndexMultiPolygonAndHoles(t *testing.T) {
	fs := []Feature{
		// A grid in two parts with a hole in the first; the hole is another grid.
		{ID: "ring", Geometry: MultiPolygon{
			{square(0, 0, 10, 10), square(3, 3, 7, 7)},
			{square(20, 0, 30, 10)},
		}},
		{ID: "yolk", Geometry: MultiPolygon{{square(3, 3, 7, 7)}}},
	}
	ix := NewIndex(fs)
	for _, tc := range []struct {
		p    Point
		want string
		ok   bool
	}{
		{Point{1, 1}, "ring", true},
		{Point{25, 5}, "ring", true},
		{Point{5, 5}, "yolk", true},
		{Point{3, 5}, "ring", true}, // on the hole's edge: both claim it, "ring" < "yolk"
		{Point{15, 5}, "", false},   // in the gap between the parts
	} {
		if got, ok := ix.Locate(tc.p); ok != tc.ok || got != tc.want {
			t.Errorf("Locate(%v) = %q, %v; want %q, %v", tc.p, got, ok, tc.want, tc.ok)
		}
	}
	if ix.Len() != 2 {
		t.Errorf("Len() = %d; want 2 (features, not polygons)", ix.Len())
	}
}

func TestIndexEdgeCases(t *testing.T) {
	empty := NewIndex(nil)
	if _, ok := empty.Locate(Point{121.4, 31.3}); ok || empty.Len() != 0 || empty.Bounds() != (Rect{}) {
		t.Error("an empty index must find nothing and have zero bounds")
	}
	// Invalid geometry is left out rather than breaking the index.
	bad := Feature{ID: "bad", Geometry: MultiPolygon{{Ring{{0, 0}, {1, 0}}}}}
	good := Feature{ID: "good", Geometry: MultiPolygon{{square(0, 0, 1, 1)}}}
	ix := NewIndex([]Feature{bad, good})
	if ix.Len() != 1 {
		t.Errorf("Len() = %d; want 1", ix.Len())
	}
	if id, ok := ix.Locate(Point{0.5, 0.5}); !ok || id != "good" {
		t.Errorf("Locate = %q, %v", id, ok)
	}
	// A huge shape over many small ones must not blow up the buckets, nor hide the small ones
	// whose IDs sort first.
	fs := gridFeatures(shanghaiBox, 50, 50)
	fs = append(fs, Feature{ID: "ZZ-district", Geometry: MultiPolygon{{square(
		shanghaiBox.MinLon, shanghaiBox.MinLat, shanghaiBox.MaxLon, shanghaiBox.MaxLat)}}})
	ix = NewIndex(fs)
	bf := newBrute(fs)
	if len(ix.items) > 8*len(ix.polys)+64 && ix.nx*ix.ny > 1 {
		t.Errorf("%d bucket entries for %d polygons", len(ix.items), len(ix.polys))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		p := randomPoint(rng, shanghaiBox)
		want, _, _ := bf.locate(p)
		if got, ok := ix.Locate(p); !ok || got != want {
			t.Fatalf("Locate(%v) = %q; want %q", p, got, want)
		}
	}
	// Degenerate extent: every shape on one line of latitude would give zero height.
	flat := Feature{ID: "flat", Geometry: MultiPolygon{{Ring{{0, 5}, {1, 5}, {2, 5}, {0, 5}}}}}
	ix = NewIndex([]Feature{flat})
	if id, ok := ix.Locate(Point{1.5, 5}); !ok || id != "flat" {
		t.Errorf("degenerate shape: Locate = %q, %v", id, ok)
	}
	if _, ok := ix.Locate(Point{1.5, 5.1}); ok {
		t.Error("degenerate shape has no interior")
	}
}

func TestIndexConcurrentReads(t *testing.T) {
	fs := gridFeatures(shanghaiBox, 40, 40)
	ix := NewIndex(fs)
	rng := rand.New(rand.NewPCG(7, 8))
	points := make([]Point, 2000)
	want := make([]string, len(points))
	for i := range points {
		points[i] = randomPoint(rng, shanghaiBox)
		want[i], _ = ix.Locate(points[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for k := range points {
				i := (k + g*250) % len(points)
				if got, _ := ix.Locate(points[i]); got != want[i] {
					errs <- fmt.Sprintf("goroutine %d: Locate(%v) = %q; want %q", g, points[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func ids(fs []Feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return slices.Clip(out)
}

var sinkID string

func BenchmarkLocate10k(b *testing.B) {
	ix := NewIndex(gridFeatures(shanghaiBox, 100, 100))
	rng := rand.New(rand.NewPCG(9, 10))
	points := make([]Point, 4096)
	for i := range points {
		points[i] = randomPoint(rng, shanghaiBox)
	}
	i := 0
	for b.Loop() {
		id, ok := ix.Locate(points[i&(len(points)-1)])
		if !ok {
			b.Fatal("point inside the grid not located")
		}
		sinkID = id
		i++
	}
}

func BenchmarkNewIndex10k(b *testing.B) {
	fs := gridFeatures(shanghaiBox, 100, 100)
	for b.Loop() {
		NewIndex(fs)
	}
}
