package geo

import (
	"bytes"
	"encoding/json"
	"maps"

	"civicgrid"
)

// outFeature and outGeometry fix the member order of what we write, which keeps exports diffable.
type outFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Properties map[string]any `json:"properties"`
	Geometry   outGeometry    `json:"geometry"`
}

type outGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

// MarshalFeatureCollection writes fs as a GeoJSON FeatureCollection that ParseFeatureCollection
// reads back to the same features. Each feature carries its ID both as "id" and as
// properties.code, since tools differ in which one they show; Name becomes properties.name (and
// the two override any "code" or "name" left in Properties). A geometry of one polygon is written
// as a Polygon, anything else as a MultiPolygon.
//
// The same rules as on import apply, so an export can always be imported again: IDs present,
// unique and well-formed, geometries valid, and the size limits (ETOOLARGE) respected.
func MarshalFeatureCollection(fs []Feature) ([]byte, error) {
	if len(fs) > MaxFeatures {
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE,
			"%d features cannot be written to one file; at most %d fit", len(fs), MaxFeatures).
			WithDetail("max", MaxFeatures)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	seen := make(map[string]int, len(fs))
	vertices := 0
	for i, f := range fs {
		if err := checkForExport(f); err != nil {
			return nil, featureError(i, f.ID, err)
		}
		if j, dup := seen[f.ID]; dup {
			return nil, invalidf("feature %d repeats id %q of feature %d; every grid needs its own id",
				i, clip(f.ID), j).WithDetail("feature", i).WithDetail("id", f.ID)
		}
		seen[f.ID] = i
		if vertices += f.Geometry.vertexCount(); vertices > MaxVertices {
			return nil, civicgrid.Errorf(civicgrid.ETOOLARGE,
				"the features have more than %d vertices in all; write them to several files", MaxVertices).
				WithDetail("max", MaxVertices)
		}
		b, err := json.Marshal(toOut(f))
		if err != nil {
			return nil, featureError(i, f.ID, invalidf("properties cannot be written as JSON: %v", err))
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
		if buf.Len() > MaxInputBytes {
			return nil, tooBigToExport()
		}
	}
	buf.WriteString("]}")
	if buf.Len() > MaxInputBytes {
		return nil, tooBigToExport()
	}
	return buf.Bytes(), nil
}

func tooBigToExport() error {
	return civicgrid.Errorf(civicgrid.ETOOLARGE,
		"the export would exceed %d bytes (64 MiB), more than an import accepts; write fewer features per file",
		MaxInputBytes).WithDetail("max", MaxInputBytes)
}

func checkForExport(f Feature) error {
	id, err := checkID("id", f.ID)
	if err != nil {
		return err
	} else if id == "" {
		return invalidf("id is missing; every grid needs a code")
	}
	if len(f.Name) > MaxNameLen {
		return invalidf("name is %d bytes long; at most %d are accepted", len(f.Name), MaxNameLen)
	}
	if err := f.Geometry.Validate(); err != nil {
		return within("geometry", err)
	}
	return nil
}

func toOut(f Feature) outFeature {
	props := make(map[string]any, len(f.Properties)+2)
	maps.Copy(props, f.Properties)
	props["code"] = f.ID
	delete(props, "name")
	if f.Name != "" {
		props["name"] = f.Name
	}
	g := outGeometry{Type: "MultiPolygon", Coordinates: coordsOf(f.Geometry)}
	if len(f.Geometry) == 1 {
		g = outGeometry{Type: "Polygon", Coordinates: polygonCoords(f.Geometry[0])}
	}
	return outFeature{Type: "Feature", ID: f.ID, Properties: props, Geometry: g}
}

func coordsOf(m MultiPolygon) [][][][2]float64 {
	out := make([][][][2]float64, len(m))
	for i, poly := range m {
		out[i] = polygonCoords(poly)
	}
	return out
}

// polygonCoords converts to plain arrays: encoding/json prints float64 in the shortest form that
// reads back to the same value, so coordinates survive a round trip bit for bit.
func polygonCoords(poly Polygon) [][][2]float64 {
	out := make([][][2]float64, len(poly))
	for i, ring := range poly {
		r := make([][2]float64, len(ring))
		for j, p := range ring {
			r[j] = [2]float64{p.Lon, p.Lat}
		}
		out[i] = r
	}
	return out
}
