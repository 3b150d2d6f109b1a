package web

import (
	"net/http"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/assess/ledger"
)

// handleRankings answers the monthly ranking of the units below a unit, or of the departments
// serving it, by composite score.
func (s *Server) handleRankings(w http.ResponseWriter, r *http.Request) {
	rep, err := s.rankings(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handleRankingsCSV(w http.ResponseWriter, r *http.Request) {
	s.rankingLedger(w, r, "csv")
}

func (s *Server) handleRankingsXLSX(w http.ResponseWriter, r *http.Request) {
	s.rankingLedger(w, r, "xlsx")
}

// rankings reads the query of the ranking endpoints and computes the ranking.
func (s *Server) rankings(r *http.Request) (*app.RankingReport, error) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "unit", "period", "kind":
		default:
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "unknown query parameter %q", k).WithDetail("field", k)
		}
	}
	rq := app.RankingQuery{Unit: q.Get("unit"), Kind: assess.RankingKind(q.Get("kind"))}
	if rq.Unit == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit is needed: the code of the unit whose ranking to show").WithDetail("field", "unit")
	}
	if rq.Kind == "" {
		rq.Kind = assess.RankTerritory
	}
	p, err := s.period(q)
	if err != nil {
		return nil, err
	}
	rq.Period = p
	return s.app.Rankings(r.Context(), principalOf(r), rq)
}

func (s *Server) rankingLedger(w http.ResponseWriter, r *http.Request, format string) {
	rep, err := s.rankings(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := "rankings-" + string(rep.Kind) + "-" + rep.Unit.ID + "-" + periodSlug(rep.Period)
	s.streamLedger(w, r, format, name, "综合排名", assess.RankingColumns, func(lw ledger.Writer) error {
		for _, x := range rep.Rows {
			if err := lw.WriteRow(assess.RankingRow(rep.Period, rep.Scheme, x.Unit, x.Composite, x.Rank, x.PreviousRank, x.Change)); err != nil {
				return err
			}
		}
		return nil
	})
}
