package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"civicgrid"
)

// Limits on an imported boundary file. They are far above a city's real grid layer (a few
// thousand grids of a few hundred vertices) and low enough that a bad upload cannot exhaust memory
// or make every later lookup slow.
const (
	MaxInputBytes = 64 << 20  // size of the GeoJSON text
	MaxFeatures   = 20_000    // grids per file
	MaxVertices   = 2_000_000 // positions over all grids, closing points included
	MaxIDLen      = 128       // bytes in a grid code
	MaxNameLen    = 512       // bytes in a grid name (about 170 Chinese characters)
)

// Feature is one grid's boundary as imported from or exported to GeoJSON.
type Feature struct {
	// ID is the grid code: the feature's "id" member, or properties.code when there is none.
	ID string `json:"id"`
	// Name is properties.name.
	Name string `json:"name,omitempty"`
	// Properties are the remaining properties, carried along untouched; numbers are json.Number
	// so that codes and counts keep every digit. "code" and "name" live in ID and Name instead.
	Properties map[string]any `json:"properties,omitempty"`
	Geometry   MultiPolygon   `json:"geometry"`
}

// rawObject holds the members of a GeoJSON object this package reads, undecoded so each can be
// checked with a message of its own.
type rawObject struct {
	Type        json.RawMessage `json:"type"`
	ID          json.RawMessage `json:"id"`
	Properties  json.RawMessage `json:"properties"`
	Geometry    json.RawMessage `json:"geometry"`
	Features    json.RawMessage `json:"features"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// ParseFeatureCollection reads grid boundaries from GeoJSON (RFC 7946): a FeatureCollection, or a
// single Feature, whose geometries are Polygon or MultiPolygon in WGS-84 [longitude, latitude].
// Every feature needs a unique ID (see Feature) and a valid geometry (see MultiPolygon.Validate).
// Errors are EINVALID, or ETOOLARGE for the size limits above, and name the feature at fault.
func ParseFeatureCollection(data []byte) ([]Feature, error) {
	if len(data) > MaxInputBytes {
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE,
			"the file is %d bytes; at most %d (64 MiB) are accepted", len(data), MaxInputBytes).
			WithDetail("bytes", len(data)).WithDetail("max", MaxInputBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // some GIS exports start with a BOM
	var top rawObject
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(data, err)
	}
	p := parser{seen: map[string]int{}}
	switch t := typeName(top.Type); t {
	case "Feature":
		if err := p.feature(0, top); err != nil {
			return nil, err
		}
	case "FeatureCollection":
		if err := p.collection(top.Features); err != nil {
			return nil, err
		}
	default:
		return nil, invalidf("the file is a GeoJSON %s; expected a FeatureCollection (or a single Feature) of Polygon or MultiPolygon features", describeType(t)).
			WithDetail("type", t)
	}
	return p.out, nil
}

// parser carries the state that spans features: the result, the IDs seen, the vertex total.
type parser struct {
	out      []Feature
	seen     map[string]int // ID → index of the feature that has it
	vertices int
}

func (p *parser) collection(raw json.RawMessage) error {
	const msg = `the FeatureCollection needs a "features" array`
	if isNull(raw) {
		return invalidf("%s", msg)
	}
	// Stream the array so the feature limit holds before a huge array is materialised.
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return invalidf("%s", msg)
	}
	for i := 0; dec.More(); i++ {
		if i == MaxFeatures {
			return civicgrid.Errorf(civicgrid.ETOOLARGE,
				"the file has more than %d features; split it into several files", MaxFeatures).
				WithDetail("max", MaxFeatures)
		}
		var f rawObject
		if err := dec.Decode(&f); err != nil {
			return invalidf("feature %d is not a GeoJSON Feature object", i).WithDetail("feature", i)
		}
		if err := p.feature(i, f); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) feature(i int, raw rawObject) error {
	f, err := p.decodeFeature(i, raw)
	if err != nil {
		return featureError(i, f.ID, err)
	}
	if j, dup := p.seen[f.ID]; dup {
		return invalidf("feature %d repeats id %q, already used by feature %d; every grid needs its own id",
			i, clip(f.ID), j).WithDetail("feature", i).WithDetail("id", f.ID)
	}
	p.seen[f.ID] = i
	p.out = append(p.out, f)
	return nil
}

// decodeFeature reads one feature; the partial Feature it returns on error carries the ID when it
// is known, so the message can name the feature the way its author does.
func (p *parser) decodeFeature(i int, raw rawObject) (Feature, error) {
	var f Feature
	switch t := typeName(raw.Type); t {
	case "Feature":
	case "":
		return f, invalidf(`"type" is missing; each member of "features" must be a GeoJSON Feature`)
	default:
		return f, invalidf(`"type" is %q; each member of "features" must be a GeoJSON Feature`, clip(t))
	}
	id, err := idFromJSON(raw.ID)
	if err != nil {
		return f, err
	}
	f.ID = id
	if f.Properties, err = decodeProperties(raw.Properties); err != nil {
		return f, err
	}
	code, err := idFromProperty("properties.code", f.Properties["code"])
	if err != nil {
		return f, err
	}
	switch {
	case f.ID == "" && code == "":
		return f, invalidf(`the grid code is missing: set the feature's "id" member or properties.code`)
	case f.ID == "":
		f.ID = code
	case code != "" && code != f.ID:
		return f, invalidf(`"id" %q and properties.code %q differ; they must agree, or leave one out`,
			clip(f.ID), clip(code))
	}
	switch name := f.Properties["name"].(type) {
	case nil:
	case string:
		if len(name) > MaxNameLen {
			return f, invalidf("properties.name is %d bytes long; at most %d are accepted", len(name), MaxNameLen)
		}
		f.Name = name
	default:
		return f, invalidf("properties.name must be a string")
	}
	delete(f.Properties, "code")
	delete(f.Properties, "name")
	if len(f.Properties) == 0 {
		f.Properties = nil // one representation for "no other properties", so round trips compare equal
	}
	if f.Geometry, err = p.geometry(raw.Geometry); err != nil {
		return f, err
	}
	if err := f.Geometry.Validate(); err != nil {
		return f, within("geometry", err)
	}
	return f, nil
}

func (p *parser) geometry(raw json.RawMessage) (MultiPolygon, error) {
	if isNull(raw) {
		return nil, invalidf("geometry is missing; a grid needs a Polygon or MultiPolygon")
	}
	var g rawObject
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, invalidf("geometry must be a GeoJSON geometry object")
	}
	perFeature := MaxFeatureVertices
	left := MaxVertices - p.vertices
	r := coordReader{data: g.Coordinates, left: min(perFeature, left)}
	r.tooMany = func() error {
		if left <= perFeature {
			return civicgrid.Errorf(civicgrid.ETOOLARGE,
				"the file has more than %d vertices in all; split it into several files or simplify the boundaries",
				MaxVertices).WithDetail("max", MaxVertices)
		}
		return civicgrid.Errorf(civicgrid.ETOOLARGE,
			"geometry has more than %d vertices; simplify the boundary", MaxFeatureVertices).
			WithDetail("max", MaxFeatureVertices)
	}
	var m MultiPolygon
	var err error
	switch t := typeName(g.Type); t {
	case "Polygon":
		var poly Polygon
		if poly, err = r.polygon(); err == nil {
			m = MultiPolygon{poly}
		}
	case "MultiPolygon":
		m, err = r.polygons()
	default:
		return nil, invalidf("geometry type %s is not accepted; only Polygon and MultiPolygon can bound a grid",
			describeType(t)).WithDetail("type", t)
	}
	if civicgrid.IsCode(err, civicgrid.ETOOLARGE) {
		return nil, err // the message already says what is too large
	} else if err != nil {
		return nil, prefixed("geometry", ".", err) // reads as geometry.coordinates[0][2]: ...
	}
	p.vertices += m.vertexCount()
	return m, nil
}

// decodeProperties reads the properties object; null and absent both mean none.
func decodeProperties(raw json.RawMessage) (map[string]any, error) {
	if isNull(raw) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var props map[string]any
	if err := dec.Decode(&props); err != nil {
		return nil, invalidf("properties must be an object")
	}
	return props, nil
}

// idFromJSON reads the "id" member: a string or an integer (RFC 7946 allows both; codes exported
// from spreadsheets are often numbers). Absent and null give "".
func idFromJSON(raw json.RawMessage) (string, error) {
	const field = `"id"`
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", invalidf("%s must be a string or an integer", field)
		}
		return checkID(field, s)
	}
	return idFromProperty(field, json.Number(raw))
}

// idFromProperty reads properties.code as decoded with UseNumber.
func idFromProperty(field string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return checkID(field, v)
	case json.Number:
		if isInteger(string(v)) {
			return checkID(field, string(v))
		}
	}
	return "", invalidf("%s must be a string or an integer", field).WithDetail("field", field)
}

// checkID applies the rules every grid code follows, on import and export alike.
func checkID(field, s string) (string, error) {
	switch {
	case s == "":
		return "", nil
	case strings.TrimSpace(s) == "":
		return "", invalidf("%s must not be blank", field).WithDetail("field", field)
	case len(s) > MaxIDLen:
		return "", invalidf("%s is %d bytes long; at most %d are accepted", field, len(s), MaxIDLen).
			WithDetail("field", field)
	case !utf8.ValidString(s):
		return "", invalidf("%s is not valid UTF-8", field).WithDetail("field", field)
	}
	return s, nil
}

// isInteger matches a JSON integer literal: -?[0-9]+.
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// featureError puts "feature i (id X)" in front of err and records both as details.
func featureError(i int, id string, err error) error {
	label := fmt.Sprintf("feature %d", i)
	if id != "" {
		label += fmt.Sprintf(" (id %q)", clip(id))
	}
	err = within(label, err)
	var e *civicgrid.Error
	if errors.As(err, &e) {
		e.WithDetail("feature", i)
		if id != "" {
			e.WithDetail("id", id)
		}
	}
	return err
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// typeName returns the "type" member if it is a string, else "".
func typeName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func describeType(t string) string {
	if t == "" {
		return `object without a "type"`
	}
	return fmt.Sprintf("%q", clip(t))
}

// jsonError explains a decoding failure with the line and column a text editor shows.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	if strings.Contains(err.Error(), "unexpected end of JSON input") {
		return invalidf("the file is not valid JSON: it ends too early (truncated upload?)")
	}
	if errors.As(err, &syn) {
		off := int(min(max(syn.Offset, 0), int64(len(data))))
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		col := off - bytes.LastIndexByte(data[:off], '\n')
		return invalidf("the file is not valid JSON: %v (line %d, column %d)", syn, line, col).
			WithDetail("line", line).WithDetail("column", col)
	}
	return invalidf("the file must be a GeoJSON object (a FeatureCollection or a Feature)")
}
