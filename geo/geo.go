// Package geo locates points: coordinate systems (WGS-84, GCJ-02, BD-09), grid polygons in GeoJSON,
// and the spatial index that resolves a point to its grid.
package geo

// Point is a position in degrees. Stored points are always WGS-84.
type Point struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// CRS is a coordinate reference system a client may send.
type CRS string

const (
	WGS84 CRS = "wgs84" // GPS
	GCJ02 CRS = "gcj02" // 国测局 (AMap, Tencent)
	BD09  CRS = "bd09"  // Baidu
)

// Ring is a closed linear ring: the first and last points are equal (GeoJSON convention).
type Ring []Point

// Polygon is an outer ring followed by holes.
type Polygon []Ring

// MultiPolygon is one or more polygons; a grid's shape.
type MultiPolygon []Polygon
