package geo

import (
	"fmt"

	"civicgrid"
)

// MaxFeatureVertices bounds one grid's shape. Real grid boundaries have tens to a few thousand
// vertices; the limit keeps a single runaway shape from slowing every lookup that touches it.
const MaxFeatureVertices = 100_000

// Validate checks that m can serve as a grid's shape: at least one polygon, each with an outer
// ring; every ring closed (last point equal to the first) with at least 4 points; every coordinate
// a valid WGS-84 position; at most MaxFeatureVertices positions in all (ETOOLARGE beyond).
// It does not look for self-intersections: containment stays well defined under the even-odd rule.
func (m MultiPolygon) Validate() error {
	if len(m) == 0 {
		return invalidf("the shape has no polygons")
	}
	if n := m.vertexCount(); n > MaxFeatureVertices {
		return civicgrid.Errorf(civicgrid.ETOOLARGE,
			"the shape has %d vertices; at most %d are accepted per grid (simplify the boundary)",
			n, MaxFeatureVertices).WithDetail("vertices", n).WithDetail("max", MaxFeatureVertices)
	}
	for i, poly := range m {
		if len(poly) == 0 {
			return invalidf("polygon %d has no rings; it needs an outer ring", i).WithDetail("polygon", i)
		}
		for j, ring := range poly {
			if err := ring.validate(); err != nil {
				return prefixed(ringName(i, j), " ", err)
			}
		}
	}
	return nil
}

func (ring Ring) validate() error {
	if len(ring) < 4 {
		return invalidf("has %d points; a ring needs at least 4 (three corners and the first point repeated at the end)",
			len(ring)).WithDetail("points", len(ring))
	}
	for k, p := range ring {
		if e := p.check(); e != nil {
			e.Message = fmt.Sprintf("point %d [%v, %v]: %s; positions are [longitude, latitude]",
				k, p.Lon, p.Lat, e.Message)
			return e.WithDetail("point", k)
		}
	}
	first, last := ring[0], ring[len(ring)-1]
	if first != last {
		return invalidf("is not closed: the last point [%v, %v] must repeat the first point [%v, %v]",
			last.Lon, last.Lat, first.Lon, first.Lat)
	}
	return nil
}

// ringName says which ring a message is about in the words a person editing the file would use.
func ringName(polygon, ring int) string {
	if ring == 0 {
		return fmt.Sprintf("polygon %d, outer ring", polygon)
	}
	return fmt.Sprintf("polygon %d, hole %d", polygon, ring)
}
