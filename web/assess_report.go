package web

import (
	"net/http"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess/ledger"
)

// handleMonthlyReport streams a unit's monthly report: one XLSX workbook of six worksheets, or the
// same tables one after another in one CSV (format=csv).
func (s *Server) handleMonthlyReport(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "unit", "month", "format"); err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	unit, err := needUnit(r, "unit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := q.Get("format")
	switch format {
	case "":
		format = "xlsx"
	case "xlsx", "csv":
	default:
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "format must be xlsx or csv").WithDetail("field", "format"))
		return
	}
	if q.Get("month") == "" {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "month is needed, e.g. 2026-03").WithDetail("field", "month"))
		return
	}
	rep, err := s.app.MonthlyReport(r.Context(), principalOf(r), unit, q.Get("month"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sheets := rep.Sheets(s.app.LedgerNames())
	h := w.Header()
	sp := &spool{w: w}
	var book ledger.Book
	if format == "xlsx" {
		h.Set("Content-Type", xlsxType)
		book, err = ledger.NewXLSXBook(sp)
	} else {
		h.Set("Content-Type", csvType)
		book, err = ledger.NewCSVBook(sp)
	}
	h.Set("Content-Disposition", `attachment; filename="`+app.ReportName(rep.Unit, rep.Period)+"."+format+`"`)
	h.Set("Cache-Control", "no-store")
	for _, sh := range sheets {
		if err != nil {
			break
		}
		var lw ledger.Writer
		if lw, err = book.Sheet(sh.Name, sh.Columns); err != nil {
			break
		}
		for _, row := range sh.Rows {
			if err = lw.WriteRow(row); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = book.Close()
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
	s.log.Error("monthly report cut short", "path", r.URL.Path, "err", err)
	abortStream(w)
}
