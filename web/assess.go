package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/assess/ledger"
	"civicgrid/calendar"
	"civicgrid/casework"
)

// assessRoutes registers the assessment and ledger endpoints: the indicators of a unit and its
// children as JSON, and the ledgers (台账) — the indicators and the case list — as CSV or XLSX.
func (s *Server) assessRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/indicators", s.staff(s.handleIndicators))
	m.HandleFunc("GET /api/v1/indicators.csv", s.staff(s.handleIndicatorsCSV))
	m.HandleFunc("GET /api/v1/indicators.xlsx", s.staff(s.handleIndicatorsXLSX))
	m.HandleFunc("GET /api/v1/cases.csv", s.staff(s.handleCasesCSV))
	m.HandleFunc("GET /api/v1/cases.xlsx", s.staff(s.handleCasesXLSX))
	m.HandleFunc("GET /api/v1/rankings", s.staff(s.handleRankings))
	m.HandleFunc("GET /api/v1/rankings.csv", s.staff(s.handleRankingsCSV))
	m.HandleFunc("GET /api/v1/rankings.xlsx", s.staff(s.handleRankingsXLSX))
	m.HandleFunc("GET /api/v1/assessment/schemes", s.staff(s.handleSchemes))
	m.HandleFunc("PUT /api/v1/assessment/schemes/{kind}", s.staff(s.handlePutScheme))
	m.HandleFunc("GET /api/v1/assessment/people", s.staff(s.handlePeople))
	m.HandleFunc("GET /api/v1/assessment/people.csv", s.staff(s.handlePeopleCSV))
	m.HandleFunc("GET /api/v1/assessment/people.xlsx", s.staff(s.handlePeopleXLSX))
	m.HandleFunc("GET /api/v1/assessment/vetoes", s.staff(s.handleVetoes))
	m.HandleFunc("POST /api/v1/assessment/vetoes", s.staff(s.handleAddVeto))
	m.HandleFunc("POST /api/v1/assessment/vetoes/{id}/withdraw", s.staff(s.handleWithdrawVeto))
	m.HandleFunc("GET /api/v1/assessment/evaluations", s.staff(s.handleEvaluations))
	m.HandleFunc("POST /api/v1/assessment/evaluations", s.staff(s.handleAddEvaluation))
	m.HandleFunc("GET /api/v1/assessment/evaluations/units", s.staff(s.handleEvaluable))
	m.HandleFunc("GET /api/v1/reports/monthly", s.staff(s.handleMonthlyReport))
}

// Media types of the ledgers.
const (
	csvType  = "text/csv; charset=utf-8"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func (s *Server) handleIndicators(w http.ResponseWriter, r *http.Request) {
	rep, err := s.indicators(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handleIndicatorsCSV(w http.ResponseWriter, r *http.Request) {
	s.indicatorLedger(w, r, "csv")
}

func (s *Server) handleIndicatorsXLSX(w http.ResponseWriter, r *http.Request) {
	s.indicatorLedger(w, r, "xlsx")
}

// indicators reads the query of the indicator endpoints and computes the report.
func (s *Server) indicators(r *http.Request) (*app.IndicatorReport, error) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "unit", "period", "from", "to", "rows", "weights":
		default:
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "unknown query parameter %q", k).WithDetail("field", k)
		}
	}
	iq := app.IndicatorQuery{Unit: q.Get("unit")}
	if iq.Unit == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit is needed: the code of the unit to assess").WithDetail("field", "unit")
	}
	p, err := s.period(q)
	if err != nil {
		return nil, err
	}
	iq.Period = p
	switch q.Get("rows") {
	case "", "children":
	case "subtree":
		iq.Subtree = true
	default:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "rows must be children or subtree").WithDetail("field", "rows")
	}
	if v := q.Get("weights"); v != "" {
		if iq.Weights, err = assess.ParseWeights(v); err != nil {
			return nil, err
		}
	}
	return s.app.Indicators(r.Context(), principalOf(r), iq)
}

// period reads period=… or from=…&to=…; neither means the current month.
func (s *Server) period(q url.Values) (assess.Period, error) {
	name, from, to := q.Get("period"), q.Get("from"), q.Get("to")
	switch {
	case name != "" && (from != "" || to != ""):
		return assess.Period{}, civicgrid.Errorf(civicgrid.EINVALID, "give either period or from and to, not both").WithDetail("field", "period")
	case name != "":
		return assess.ParsePeriod(name)
	case from != "" || to != "":
		var ts [2]time.Time
		for i, f := range []struct{ name, v string }{{"from", from}, {"to", to}} {
			t, err := time.Parse(time.RFC3339, f.v)
			if err != nil {
				return assess.Period{}, civicgrid.Errorf(civicgrid.EINVALID, "%s must be an RFC 3339 time with a zone, e.g. 2026-03-01T00:00:00+08:00", f.name).WithDetail("field", f.name)
			}
			ts[i] = t
		}
		return assess.CustomPeriod(ts[0], ts[1])
	}
	return assess.MonthOf(s.app.Clock.Now()), nil
}

func (s *Server) indicatorLedger(w http.ResponseWriter, r *http.Request, format string) {
	rep, err := s.indicators(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := "indicators-" + rep.Unit.Unit.ID + "-" + periodSlug(rep.Period)
	s.streamLedger(w, r, format, name, "考核指标", assess.IndicatorColumns, func(lw ledger.Writer) error {
		for _, x := range append([]assess.Indicators{rep.Unit}, rep.Units...) {
			if err := lw.WriteRow(assess.IndicatorRow(rep.Period, x)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Server) handleCasesCSV(w http.ResponseWriter, r *http.Request) { s.casesLedger(w, r, "csv") }

func (s *Server) handleCasesXLSX(w http.ResponseWriter, r *http.Request) { s.casesLedger(w, r, "xlsx") }

// casesLedger exports every case of the list's filters that the caller may see, newest first.
func (s *Server) casesLedger(w http.ResponseWriter, r *http.Request, format string) {
	for _, k := range []string{"limit", "cursor"} {
		if r.URL.Query().Has(k) {
			s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "a ledger holds every case of the filter: %s does not apply", k).WithDetail("field", k))
			return
		}
	}
	f, err := caseFilter(r)
	if err == nil {
		err = withinFilter(s, r, &f)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principalOf(r)
	if format == "xlsx" {
		n, err := s.app.CountCases(r.Context(), p, f)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if n > xlsxRowLimit {
			s.writeError(w, r, civicgrid.Errorf(civicgrid.ETOOLARGE, "%d cases do not fit in one worksheet (at most %d): narrow the filter or export CSV", n, xlsxRowLimit))
			return
		}
	}
	names := s.app.LedgerNames()
	name := "cases-" + s.app.Clock.Now().In(calendar.China).Format("20060102-150405")
	s.streamLedger(w, r, format, name, "案件台账", assess.CaseColumns, func(lw ledger.Writer) error {
		return s.app.ExportCases(r.Context(), p, f, format, func(c *casework.Case) error {
			return lw.WriteRow(assess.CaseRow(c, names))
		})
	})
}

// streamLedger writes a ledger as an attachment. The first bytes are held back (spool) so that
// an error before any of them left — a refused filter, an unreachable database — still answers
// with a JSON error; an error after that can only cut the download short (abortStream).
func (s *Server) streamLedger(w http.ResponseWriter, r *http.Request, format, name, sheet string, cols []ledger.Column, rows func(ledger.Writer) error) {
	h := w.Header()
	sp := &spool{w: w}
	var lw ledger.Writer
	var err error
	if format == "xlsx" {
		h.Set("Content-Type", xlsxType)
		lw, err = ledger.NewXLSX(sp, sheet, cols)
	} else {
		h.Set("Content-Type", csvType)
		lw, err = ledger.NewCSV(sp, cols)
	}
	h.Set("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	h.Set("Cache-Control", "no-store")
	if err == nil {
		err = rows(lw)
	}
	if err == nil {
		err = lw.Close()
	}
	if err == nil {
		err = sp.finish()
	}
	if err == nil {
		return
	}
	if !sp.started {
		h.Del("Content-Disposition")
		h.Del("Cache-Control")
		s.writeError(w, r, err)
		return
	}
	s.log.Error("ledger cut short", "path", r.URL.Path, "err", err)
	abortStream(w)
}

// xlsxRowLimit is the most cases a case ledger takes as XLSX: what one worksheet holds.
var xlsxRowLimit = ledger.MaxXLSXRows

// spoolSize is how much of a ledger is held before the answer starts.
const spoolSize = 64 << 10

// spool holds the first spoolSize bytes of an answer, then passes everything through.
type spool struct {
	w       http.ResponseWriter
	buf     bytes.Buffer
	started bool
}

func (s *spool) Write(p []byte) (int, error) {
	if s.started {
		return s.w.Write(p)
	}
	s.buf.Write(p)
	if s.buf.Len() >= spoolSize {
		if err := s.finish(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// finish starts the answer with what is held.
func (s *spool) finish() error {
	if !s.started {
		s.started = true
		s.w.WriteHeader(http.StatusOK)
	}
	if s.buf.Len() == 0 {
		return nil
	}
	_, err := s.w.Write(s.buf.Bytes())
	s.buf = bytes.Buffer{}
	return err
}

// abortStream closes the connection of an answer already under way, so that the client sees a
// broken download rather than a complete-looking, truncated file.
func abortStream(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// periodSlug names a period in a file name.
func periodSlug(p assess.Period) string {
	if p.Name != "" {
		return p.Name
	}
	f := func(t time.Time) string { return t.In(calendar.China).Format("20060102T1504") }
	return strings.Join([]string{f(p.From), f(p.To)}, "-")
}
