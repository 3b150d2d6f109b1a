package ledger

import (
	"encoding/csv"
	"fmt"
	"io"
)

// bom makes spreadsheet programs read the file as UTF-8 (Excel on Chinese Windows assumes GBK
// otherwise and shows the headers garbled).
const bom = "\uFEFF"

type csvWriter struct {
	w    *csv.Writer
	cols int
	rec  []string
}

// NewCSV starts a CSV ledger on w: UTF-8 with a byte-order mark, RFC 4180 quoting and CRLF line
// ends, the headers first. Text cells that a spreadsheet would take for a formula (starting with
// = + - @, a tab or a carriage return) are prefixed with an apostrophe, which spreadsheets show as
// text; numbers are written as they are. Line breaks inside a cell are written as CRLF; a
// carriage return on its own is dropped (encoding/csv's rule with CRLF line ends).
func NewCSV(w io.Writer, cols []Column) (Writer, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	cw := &csvWriter{w: csv.NewWriter(w), cols: len(cols), rec: make([]string, len(cols))}
	cw.w.UseCRLF = true
	for i, c := range cols {
		cw.rec[i] = Neutralise(c.Header)
	}
	if err := cw.w.Write(cw.rec); err != nil {
		return nil, err
	}
	return cw, nil
}

func (c *csvWriter) WriteRow(cells []Cell) error {
	if len(cells) != c.cols {
		return fmt.Errorf("ledger: a row of %d cells in a ledger of %d columns", len(cells), c.cols)
	}
	for i, x := range cells {
		if x.isNum {
			c.rec[i] = x.text
		} else {
			c.rec[i] = Neutralise(x.text)
		}
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// Neutralise prefixes text that a spreadsheet would evaluate as a formula with an apostrophe
// (CSV injection).
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
