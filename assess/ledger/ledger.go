// Package ledger writes ledgers (台账): tables with Chinese headers, as CSV or as an XLSX workbook,
// streamed row by row so that a table of any length never sits in memory. Nothing here knows what
// the rows mean; callers describe the columns and hand over the cells.
package ledger

import (
	"errors"
	"math"
	"strconv"
)

// Column is one column of a ledger: its header and its width in characters (XLSX).
type Column struct {
	Header string
	Width  float64
}

// Cell is one value. A number is written as a number (XLSX) or in its shortest decimal form (CSV);
// text as text; an empty cell as nothing.
type Cell struct {
	text  string
	num   float64
	isNum bool
}

// Text is a text cell.
func Text(s string) Cell { return Cell{text: s} }

// Int is a whole-number cell.
func Int(n int64) Cell { return Cell{num: float64(n), isNum: true, text: strconv.FormatInt(n, 10)} }

// Number is a number cell rounded to the given decimals; NaN and infinities are written empty.
func Number(v float64, decimals int) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Cell{}
	}
	p := math.Pow(10, float64(decimals))
	v = math.Round(v*p) / p
	if v == 0 {
		v = 0 // no "-0"
	}
	return Cell{num: v, isNum: true, text: strconv.FormatFloat(v, 'f', -1, 64)}
}

// Empty is an empty cell.
func Empty() Cell { return Cell{} }

// String is the cell as CSV writes it (before formula neutralisation).
func (c Cell) String() string { return c.text }

// IsNumber reports whether the cell holds a number.
func (c Cell) IsNumber() bool { return c.isNum }

// Writer takes a ledger's rows one by one. Close finishes the file; a Writer must be closed for
// the output to be complete.
type Writer interface {
	WriteRow(cells []Cell) error
	Close() error
}

// MaxXLSXRows is the most data rows one worksheet holds (Excel's limit, less the header).
const MaxXLSXRows = 1<<20 - 1

// ErrTooManyRows is returned when a worksheet is full.
var ErrTooManyRows = errors.New("ledger: a worksheet holds at most 1,048,575 data rows; export CSV instead")
