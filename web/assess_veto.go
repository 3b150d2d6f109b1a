package web

import (
	"net/http"
	"strconv"

	"civicgrid"
	"civicgrid/app"
)

// onlyParams refuses query parameters other than the allowed ones.
func onlyParams(r *http.Request, allowed ...string) error {
	for k := range r.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return civicgrid.Errorf(civicgrid.EINVALID, "unknown query parameter %q", k).WithDetail("field", k)
		}
	}
	return nil
}

// needUnit reads the unit parameter.
func needUnit(r *http.Request, name string) (string, error) {
	u := r.URL.Query().Get(name)
	if u == "" {
		return "", civicgrid.Errorf(civicgrid.EINVALID, "%s is needed: the code of the unit", name).WithDetail("field", name)
	}
	return u, nil
}

// handleVetoes lists the veto entries against a unit and the units below it.
func (s *Server) handleVetoes(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "unit", "period", "withdrawn"); err != nil {
		s.writeError(w, r, err)
		return
	}
	unit, err := needUnit(r, "unit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	withdrawn := false
	switch r.URL.Query().Get("withdrawn") {
	case "", "false":
	case "true":
		withdrawn = true
	default:
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "withdrawn must be true or false").WithDetail("field", "withdrawn"))
		return
	}
	list, err := s.app.Vetoes(r.Context(), principalOf(r), unit, r.URL.Query().Get("period"), withdrawn)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"vetoes": list})
}

// handleAddVeto records a veto entry.
func (s *Server) handleAddVeto(w http.ResponseWriter, r *http.Request) {
	var in app.VetoInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.app.AddVeto(r.Context(), principalOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// handleWithdrawVeto withdraws a veto entry.
func (s *Server) handleWithdrawVeto(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "veto entry %q not found", r.PathValue("id")))
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.app.WithdrawVeto(r.Context(), principalOf(r), id, in.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleEvaluations lists the evaluations given by or to the units of a unit's subtree.
func (s *Server) handleEvaluations(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "unit", "period"); err != nil {
		s.writeError(w, r, err)
		return
	}
	unit, err := needUnit(r, "unit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.app.Evaluations(r.Context(), principalOf(r), unit, r.URL.Query().Get("period"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"evaluations": list})
}

// handleAddEvaluation records a community's rating of a unit that served it.
func (s *Server) handleAddEvaluation(w http.ResponseWriter, r *http.Request) {
	var in app.EvaluationInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.app.AddEvaluation(r.Context(), principalOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

// handleEvaluable lists the units a community may rate for a month.
func (s *Server) handleEvaluable(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "community", "period"); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := needUnit(r, "community")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	units, err := s.app.Evaluable(r.Context(), principalOf(r), c, r.URL.Query().Get("period"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"units": units})
}
