package web

import (
	"net/http"

	"civicgrid"
	"civicgrid/assess"
)

// schemeRequest is the body of PUT /api/v1/assessment/schemes/{kind}: a new version of the kind's
// scheme, in force from the start of the month valid_from names.
type schemeRequest struct {
	Name       string            `json:"name"`
	ValidFrom  string            `json:"valid_from"` // a month, e.g. 2026-04
	Weights    []assess.Weight   `json:"weights"`
	Vetoes     []assess.VetoItem `json:"vetoes"`
	VetoEffect assess.VetoEffect `json:"veto_effect"`
}

// handleSchemes lists the assessment schemes, every version, by kind and version.
func (s *Server) handleSchemes(w http.ResponseWriter, r *http.Request) {
	for k := range r.URL.Query() {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "unknown query parameter %q", k).WithDetail("field", k))
		return
	}
	schemes, err := s.app.Schemes(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"schemes": schemes})
}

// handlePutScheme stores a new version of a kind's scheme.
func (s *Server) handlePutScheme(w http.ResponseWriter, r *http.Request) {
	kind, err := assess.ParseKind(r.PathValue("kind"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req schemeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	month, err := parseMonth(req.ValidFrom)
	if err != nil {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "valid_from must be the month the version takes effect from, e.g. 2026-04").WithDetail("field", "valid_from"))
		return
	}
	sc, err := s.app.AddScheme(r.Context(), principalOf(r), assess.Scheme{Kind: kind, Name: req.Name, ValidFrom: month.From,
		Weights: req.Weights, Vetoes: req.Vetoes, VetoEffect: req.VetoEffect})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sc)
}

// parseMonth reads a calendar month such as 2026-04.
func parseMonth(s string) (assess.Period, error) {
	p, err := assess.ParsePeriod(s)
	if err != nil {
		return p, err
	}
	if m := assess.MonthOf(p.From); !m.From.Equal(p.From) || !m.To.Equal(p.To) {
		return p, civicgrid.Errorf(civicgrid.EINVALID, "%q is not a month such as 2026-04", s)
	}
	return p, nil
}
