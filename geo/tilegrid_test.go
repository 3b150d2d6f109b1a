package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

// shanghaiBox is about 30 km × 30 km around Baoshan, Shanghai.
var shanghaiBox = Rect{MinLon: 121.4 - 0.158, MinLat: 31.35 - 0.135, MaxLon: 121.4 + 0.158, MaxLat: 31.35 + 0.135}

// signedArea is the shoelace area of a ring, positive when counter-clockwise.
func signedArea(r Ring) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		s += r[i].Lon*r[i+1].Lat - r[i+1].Lon*r[i].Lat
	}
	return s / 2
}

func TestTileGridShape(t *testing.T) {
	const rows, cols = 7, 11
	cells := TileGrid(shanghaiBox, rows, cols)
	if len(cells) != rows*cols {
		t.Fatalf("got %d cells; want %d", len(cells), rows*cols)
	}
	var union Rect
	total := 0.0
	for i, c := range cells {
		if err := c.Validate(); err != nil {
			t.Fatalf("cell %d: %v", i, err)
		}
		if n := c.vertexCount(); n != 4*tileSegments+1 {
			t.Errorf("cell %d has %d vertices; want %d", i, n, 4*tileSegments+1)
		}
		a := signedArea(c[0][0])
		if a <= 0 {
			t.Errorf("cell %d is not counter-clockwise (area %g)", i, a)
		}
		total += a
		if i == 0 {
			union = c.Bounds()
		} else {
			union = union.union(c.Bounds())
		}
	}
	if union != shanghaiBox {
		t.Errorf("cells span %+v; want exactly %+v", union, shanghaiBox)
	}
	// Cells that are simple, non-overlapping and gap-free add up to the rectangle.
	want := (shanghaiBox.MaxLon - shanghaiBox.MinLon) * (shanghaiBox.MaxLat - shanghaiBox.MinLat)
	if math.Abs(total-want) > want*1e-9 {
		t.Errorf("cell areas sum to %g; want %g", total, want)
	}

	// Row-major from the north-west corner.
	const d = 1e-6
	for _, tc := range []struct {
		p    Point
		cell int
	}{
		{Point{shanghaiBox.MinLon + d, shanghaiBox.MaxLat - d}, 0},
		{Point{shanghaiBox.MaxLon - d, shanghaiBox.MaxLat - d}, cols - 1},
		{Point{shanghaiBox.MinLon + d, shanghaiBox.MinLat + d}, (rows - 1) * cols},
		{Point{shanghaiBox.MaxLon - d, shanghaiBox.MinLat + d}, rows*cols - 1},
	} {
		if !cells[tc.cell].Contains(tc.p) {
			t.Errorf("cell %d should hold corner point %v", tc.cell, tc.p)
		}
	}

	// Deterministic, and actually irregular.
	again := TileGrid(shanghaiBox, rows, cols)
	bent := false
	for i := range cells {
		for j, p := range cells[i][0][0] {
			if again[i][0][0][j] != p {
				t.Fatalf("TileGrid is not deterministic at cell %d point %d", i, j)
			}
		}
		if r := cells[i][0][0]; r[1].Lat != r[0].Lat && i/cols < rows-1 {
			bent = true
		}
	}
	if !bent {
		t.Error("interior edges are perfectly straight; expected jitter")
	}
}

func TestTileGridPartition(t *testing.T) {
	cells := TileGrid(shanghaiBox, 13, 17)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		p := randomPoint(rng, shanghaiBox)
		var in []int
		for i, c := range cells {
			if c.Contains(p) {
				in = append(in, i)
			}
		}
		if len(in) == 0 {
			t.Fatalf("point %v is in no cell", p)
		}
		if len(in) > 1 && !onAnyBoundary(p, cells, in) {
			t.Fatalf("point %v is inside cells %v", p, in)
		}
	}
}

func TestTileGridDegenerate(t *testing.T) {
	for _, tc := range []struct {
		r          Rect
		rows, cols int
	}{
		{shanghaiBox, 0, 5}, {shanghaiBox, 5, 0}, {shanghaiBox, -1, 5},
		{Rect{1, 1, 1, 2}, 2, 2}, {Rect{1, 2, 3, 1}, 2, 2}, {Rect{math.NaN(), 0, 1, 1}, 2, 2},
	} {
		if got := TileGrid(tc.r, tc.rows, tc.cols); got != nil {
			t.Errorf("TileGrid(%+v, %d, %d) = %d cells; want nil", tc.r, tc.rows, tc.cols, len(got))
		}
	}
	one := TileGrid(shanghaiBox, 1, 1)
	if len(one) != 1 || one[0].Bounds() != shanghaiBox {
		t.Errorf("1×1 grid should be the rectangle itself, got %v", one)
	}
}

func randomPoint(rng *rand.Rand, r Rect) Point {
	return Point{
		Lon: r.MinLon + rng.Float64()*(r.MaxLon-r.MinLon),
		Lat: r.MinLat + rng.Float64()*(r.MaxLat-r.MinLat),
	}
}

// onAnyBoundary reports whether p is on the boundary of all the given cells but one, which is
// the only way a point may be in several cells of a partition.
func onAnyBoundary(p Point, cells []MultiPolygon, in []int) bool {
	interior := 0
	for _, i := range in {
		on := false
		for _, ring := range cells[i][0] {
			if _, e := ring.scan(p); e {
				on = true
			}
		}
		if !on {
			interior++
		}
	}
	return interior <= 1
}
