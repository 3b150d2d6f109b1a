package web

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"

	"civicgrid/app"
	"civicgrid/geo"
	"civicgrid/org"
)

// The case map is drawn as inline SVG from the platform's own grid polygons, with no script.
// Longitude and latitude are projected in Web Mercator (console_tiles.go) onto the case grid's
// bounds with a margin; the other grids of its community are drawn lighter around it. When the
// operator configured a tile layer, its tiles are drawn underneath.

// shapeCache keeps every grid's shape in memory for one configuration version: the case page
// needs a few at a time, and the store reads them all at once.
type shapeCache struct {
	mu      sync.Mutex
	version int64
	loaded  bool
	shapes  map[string]geo.MultiPolygon
}

func (sc *shapeCache) get(ctx context.Context, a *app.App) (map[string]geo.MultiPolygon, error) {
	v := a.Config().Version
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.loaded && sc.version == v {
		return sc.shapes, nil
	}
	shapes, err := a.DB.GridShapes(ctx)
	if err != nil {
		return nil, err
	}
	sc.shapes, sc.version, sc.loaded = shapes, v, true
	return shapes, nil
}

// mapView is the drawing: SVG path data in a viewBox of mapWidth units across.
type mapView struct {
	ViewBox string
	Grid    string   // the case grid
	Others  []string // its neighbours in the community
	Point   *mapPoint
	Label   string // the grid's name, for the picture's accessible name
	Tiles   []tileImage
}

type mapPoint struct{ X, Y string }

const mapWidth = 600.0

// caseMap draws the case's grid (or, without one, the grids of its community) and its point. It
// returns nil when there is nothing to draw.
func caseMap(tree *org.Tree, shapes map[string]geo.MultiPolygon, grid, community string, pt *geo.Point, label string, tiles *TileLayer) *mapView {
	main, ok := shapes[grid]
	var others []string
	if community != "" {
		for _, u := range tree.Children(community) {
			if u.Kind == org.Grid && u.ID != grid {
				if _, has := shapes[u.ID]; has {
					others = append(others, u.ID)
				}
			}
		}
	}
	sort.Strings(others)
	var focus geo.MultiPolygon
	if ok {
		focus = main
	} else {
		for _, id := range others {
			focus = append(focus, shapes[id]...)
		}
	}
	if len(focus) == 0 {
		return nil
	}
	crs := geo.WGS84
	if tiles != nil {
		crs = tiles.CRS
	}
	var points []geo.Point
	if pt != nil {
		points = append(points, *pt)
	}
	// A margin of a quarter of the larger side on each side shows the neighbours.
	f := newMapFrame(crs, 0.25, []geo.MultiPolygon{focus}, points...)
	if f == nil {
		return nil
	}
	proj := f.project
	v := &mapView{ViewBox: f.ViewBox(), Label: label, Tiles: f.tiles(tiles)}
	if ok {
		v.Grid = svgPath(main, proj)
	}
	for _, id := range others {
		v.Others = append(v.Others, svgPath(shapes[id], proj))
	}
	if pt != nil {
		x, y := proj(*pt)
		v.Point = &mapPoint{X: num(x), Y: num(y)}
	}
	return v
}

// svgPath is the path data of a multipolygon: one subpath per ring, to be filled even-odd so that
// holes stay open.
func svgPath(mp geo.MultiPolygon, proj func(geo.Point) (float64, float64)) string {
	var b strings.Builder
	for _, poly := range mp {
		for _, ring := range poly {
			for i, p := range ring {
				x, y := proj(p)
				if i == 0 {
					b.WriteString("M")
				} else {
					b.WriteString(" L")
				}
				b.WriteString(num(x))
				b.WriteString(" ")
				b.WriteString(num(y))
			}
			b.WriteString(" Z ")
		}
	}
	return strings.TrimSpace(b.String())
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
