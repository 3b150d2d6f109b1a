package web

import (
	"net/http"

	"civicgrid"
)

// Write side of Open311: submitting requests (with media) and department systems posting updates.
// (Being written.)

func (s *Server) handleO311PostRequest(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}

func (s *Server) handleO311PostUpdate(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}
