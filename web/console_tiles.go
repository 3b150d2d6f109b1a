package web

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/geo"
)

// Maps of many grids (the leader's dashboard, the grid import preview) are drawn in Web Mercator,
// the projection of every tile service, so that an operator's tile layer can lie under them: the
// platform's own polygons are always drawn, and tiles are an optional background. Without a tile
// layer the console loads nothing from anywhere else.

// TileLayer is a raster tile service drawn under the console's maps, configured by the operator
// (serve --tile-url). The template names the tile by {z}, {x} and {y} (XYZ or WMTS with the
// Google-style tile matrix, rows from the north); {key} is replaced by Key.
type TileLayer struct {
	URL string
	Key string
	// CRS is the coordinate system of the tiles: WGS-84 (天地图, OpenStreetMap) or GCJ-02 (高德,
	// 腾讯). Grids and points, stored in WGS-84, are shifted into it before they are drawn.
	CRS geo.CRS
	// MaxZoom is the deepest zoom level the service has (18 when zero).
	MaxZoom int

	origin string
}

// NewTileLayer checks a tile URL template: an absolute http(s) URL with {z}, {x} and {y}, and
// {key} exactly when a key is given.
func NewTileLayer(template, key, crs string) (*TileLayer, error) {
	bad := func(format string, args ...any) error {
		return civicgrid.Errorf(civicgrid.EINVALID, "tile URL: "+format, args...).WithDetail("field", "tile_url")
	}
	if strings.ContainsAny(template, " \"'<>\\`\r\n\t") {
		return nil, bad("%q holds a space, quote or angle bracket", template)
	}
	u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(template))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, bad("%q is not an absolute http or https URL", template)
	}
	rest := template[strings.Index(template, "://")+3:]
	if host := rest[:strings.IndexAny(rest+"/", "/?#")]; strings.Contains(host, "{") {
		return nil, bad("the host of %q may not hold a placeholder (one origin is allowed to serve images)", template)
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(template, p) {
			return nil, bad("%q lacks %s", template, p)
		}
	}
	if hasKey := strings.Contains(template, "{key}"); hasKey != (key != "") {
		if hasKey {
			return nil, bad("%q names {key} but no key is set (--tile-key)", template)
		}
		return nil, bad("a key is set but %q has no {key} to put it in", template)
	}
	c, err := geo.ParseCRS(crs)
	if err != nil {
		return nil, err
	}
	if c == geo.BD09 {
		return nil, bad("Baidu tiles use their own tile grid; use a WGS-84 or GCJ-02 service")
	}
	return &TileLayer{URL: template, Key: key, CRS: c, MaxZoom: 18, origin: u.Scheme + "://" + u.Host}, nil
}

// Origin is the scheme and host the tiles come from, which the pages' policy allows images from.
func (t *TileLayer) Origin() string { return t.origin }

// TileURL is the address of one tile.
func (t *TileLayer) TileURL(z, x, y int) string {
	return strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y),
		"{key}", url.QueryEscape(t.Key)).Replace(t.URL)
}

// pageCSP is the console's policy, with the tile layer's origin added to img-src when one is set.
func (c *console) pageCSP() string {
	if t := c.s.Tiles; t != nil && t.origin != "" {
		return strings.Replace(consoleCSP, "img-src 'self'", "img-src 'self' "+t.origin, 1)
	}
	return consoleCSP
}

// mercator projects a point to Web Mercator world coordinates: x and y from 0 to 1, y down from
// the north.
func mercator(p geo.Point) (x, y float64) {
	lat := math.Max(-85.05112878, math.Min(85.05112878, p.Lat)) * math.Pi / 180
	return (p.Lon + 180) / 360, (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2
}

// mapFrame fits a set of shapes into a viewBox mapWidth units wide, north up, with a margin.
type mapFrame struct {
	crs        geo.CRS // the system drawn in (the tiles'); shapes are WGS-84 and shifted into it
	minX, minY float64 // world coordinates of the top-left corner
	scale      float64 // viewBox units per world unit
	W, H       float64
}

// newMapFrame frames the shapes (and points) with a margin of the given fraction of the larger
// side. It returns nil when there is nothing with an extent to draw.
func newMapFrame(crs geo.CRS, margin float64, shapes []geo.MultiPolygon, points ...geo.Point) *mapFrame {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	add := func(p geo.Point) {
		x, y := mercator(geo.FromWGS84(p, crs))
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
	}
	for _, mp := range shapes {
		for _, poly := range mp {
			if len(poly) > 0 {
				for _, p := range poly[0] { // the outer ring holds the holes
					add(p)
				}
			}
		}
	}
	for _, p := range points {
		add(p)
	}
	w, h := maxX-minX, maxY-minY
	if !(w > 0) || !(h > 0) {
		return nil
	}
	m := math.Max(w, h) * margin
	f := &mapFrame{crs: crs, minX: minX - m, minY: minY - m}
	f.scale = mapWidth / (w + 2*m)
	f.W, f.H = mapWidth, (h+2*m)*f.scale
	return f
}

// ViewBox is the SVG viewBox attribute.
func (f *mapFrame) ViewBox() string { return "0 0 " + num(f.W) + " " + num(f.H) }

// project places a WGS-84 point in the viewBox.
func (f *mapFrame) project(p geo.Point) (float64, float64) {
	x, y := mercator(geo.FromWGS84(p, f.crs))
	return (x - f.minX) * f.scale, (y - f.minY) * f.scale
}

// path is the SVG path data of a multipolygon in the frame.
func (f *mapFrame) path(mp geo.MultiPolygon) string { return svgPath(mp, f.project) }

// tileImage is one tile placed in the viewBox.
type tileImage struct {
	X, Y, Size string
	URL        string
}

// maxTiles bounds the tiles of one map: a coarser zoom level is taken rather than more.
const maxTiles = 48

// tileSize is the size a tile is drawn at in viewBox units, about its own 256 pixels.
const tileSize = 256.0

// tiles are the tiles covering the frame at the zoom level whose tiles are drawn closest to their
// own size, or fewer at a coarser level when that would take more than maxTiles.
func (f *mapFrame) tiles(t *TileLayer) []tileImage {
	if t == nil || f == nil {
		return nil
	}
	maxZ := t.MaxZoom
	if maxZ <= 0 {
		maxZ = 18
	}
	z := int(math.Round(math.Log2(f.scale / tileSize)))
	z = max(0, min(z, maxZ))
	for ; z >= 0; z-- {
		n := math.Exp2(float64(z))
		x0, y0 := int(math.Floor(f.minX*n)), int(math.Floor(f.minY*n))
		x1, y1 := int(math.Floor((f.minX+f.W/f.scale)*n)), int(math.Floor((f.minY+f.H/f.scale)*n))
		x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, int(n)-1), min(y1, int(n)-1)
		if (x1-x0+1)*(y1-y0+1) > maxTiles && z > 0 {
			continue
		}
		size := f.scale / n
		var out []tileImage
		for ty := y0; ty <= y1; ty++ {
			for tx := x0; tx <= x1; tx++ {
				out = append(out, tileImage{X: num(float64(tx)/n*f.scale - f.minX*f.scale), Y: num(float64(ty)/n*f.scale - f.minY*f.scale),
					Size: num(size + 0.2), URL: t.TileURL(z, tx, ty)}) // a hair larger: no seams between tiles
			}
		}
		return out
	}
	return nil
}
