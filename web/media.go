package web

import (
	"net/http"

	"civicgrid"
)

// handleMedia serves a stored photo by ID. (Being written.)
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "media %s not found", r.PathValue("id")))
}
