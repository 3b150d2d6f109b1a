package web

import (
	"net/http"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/assess/ledger"
	"civicgrid/org"
)

// handlePeople answers the person indicators and composites of the people of a unit's subtree.
func (s *Server) handlePeople(w http.ResponseWriter, r *http.Request) {
	rep, err := s.people(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handlePeopleCSV(w http.ResponseWriter, r *http.Request) { s.peopleLedger(w, r, "csv") }
func (s *Server) handlePeopleXLSX(w http.ResponseWriter, r *http.Request) {
	s.peopleLedger(w, r, "xlsx")
}

// people reads the query of the person endpoints and computes the report.
func (s *Server) people(r *http.Request) (*app.PeopleReport, error) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "unit", "period", "from", "to", "role":
		default:
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "unknown query parameter %q", k).WithDetail("field", k)
		}
	}
	pq := app.PeopleQuery{Unit: q.Get("unit"), Role: org.Role(q.Get("role"))}
	if pq.Unit == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit is needed: the code of the unit whose people to assess").WithDetail("field", "unit")
	}
	p, err := s.period(q)
	if err != nil {
		return nil, err
	}
	pq.Period = p
	return s.app.People(r.Context(), principalOf(r), pq)
}

func (s *Server) peopleLedger(w http.ResponseWriter, r *http.Request, format string) {
	rep, err := s.people(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	schemes := map[org.Role]assess.Scheme{}
	for _, sc := range rep.Schemes {
		schemes[sc.Kind.Role()] = sc
	}
	name := "people-" + rep.Unit.ID + "-" + periodSlug(rep.Period)
	s.streamLedger(w, r, format, name, "人员考核", assess.PeopleColumns, func(lw ledger.Writer) error {
		for _, x := range rep.Rows {
			if err := lw.WriteRow(assess.PersonLedgerRow(rep.Period, x.Role, x.Rank, x.Login, x.Name, x.UnitName, x.Indicators, x.Composite, schemes[x.Role])); err != nil {
				return err
			}
		}
		return nil
	})
}
