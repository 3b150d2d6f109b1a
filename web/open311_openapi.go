package web

import (
	_ "embed"
	"net/http"

	"civicgrid"
)

//go:embed open311_openapi.json
var open311OpenAPIDoc []byte

// Open311OpenAPIDocument returns the OpenAPI 3.1 description of the Open311 GeoReport v2 surface.
func Open311OpenAPIDocument() []byte { return open311OpenAPIDoc }

// handleO311OpenAPI serves the description at /open311/v2/openapi.json (JSON only).
func (s *Server) handleO311OpenAPI(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	if f != o311JSON {
		s.o311Error(w, r, o311JSON, civicgrid.Errorf(civicgrid.ENOTFOUND, "the OpenAPI description is served as openapi.json only"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(open311OpenAPIDoc)
}
