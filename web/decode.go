package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"civicgrid"
)

// MaxJSONBody caps JSON request bodies; imports (GeoJSON, CSV) have their own larger caps.
const MaxJSONBody = 1 << 20

// decodeJSON reads a JSON body into v: the content type must be JSON, the size is capped, unknown
// fields and trailing data are refused, and every failure names what was wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return civicgrid.Errorf(civicgrid.EINVALID, "request body must be application/json, not %q", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		return jsonError(err)
	}
	// JSON can carry NUL only escaped; no field of ours accepts it, and PostgreSQL cannot store it.
	if bytes.Contains(bytes.ToLower(body), []byte(`\u0000`)) {
		return civicgrid.Errorf(civicgrid.EINVALID, "request body contains a NUL character (\\u0000), which no field accepts")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return civicgrid.Errorf(civicgrid.EINVALID, "request body must hold a single JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return civicgrid.Errorf(civicgrid.ETOOLARGE, "request body exceeds %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return civicgrid.Errorf(civicgrid.EINVALID, "request body is empty; a JSON object is expected")
	case errors.As(err, &syntaxErr):
		return civicgrid.Errorf(civicgrid.EINVALID, "request body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		return civicgrid.Errorf(civicgrid.EINVALID, "field %q must be %s", typeErr.Field, typeErr.Type.String()).WithDetail("field", typeErr.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return civicgrid.Errorf(civicgrid.EINVALID, "unknown field %q", f).WithDetail("field", f)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return civicgrid.Errorf(civicgrid.EINVALID, "request body is truncated JSON")
	}
	return civicgrid.Errorf(civicgrid.EINVALID, "request body: %v", err)
}

// readLimited reads a whole non-JSON body (CSV, GeoJSON) up to max bytes.
func readLimited(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "request body exceeds %d bytes", max)
	} else if err != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "could not read the request body: %v", err)
	}
	return b, nil
}
