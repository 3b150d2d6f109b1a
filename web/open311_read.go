package web

import (
	"net/http"

	"civicgrid"
)

// Read side of Open311: discovery, services, service definitions, requests, tokens and the
// FixMyStreet update list. (Being written.)

func (s *Server) handleO311Discovery(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}

func (s *Server) handleO311Services(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}

func (s *Server) handleO311ServiceDefinition(w http.ResponseWriter, r *http.Request, f o311Format, code string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}

func (s *Server) handleO311Requests(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}

func (s *Server) handleO311Request(w http.ResponseWriter, r *http.Request, f o311Format, id string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}

func (s *Server) handleO311Token(w http.ResponseWriter, r *http.Request, f o311Format, token string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}

func (s *Server) handleO311Updates(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "not yet available"))
}
