package calendar

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"civicgrid"
)

// DayKind says how a listed date departs from the ordinary week.
type DayKind string

const (
	Off  DayKind = "off"  // a holiday: not worked whatever its weekday
	Work DayKind = "work" // a make-up working day (调休上班): worked even on a weekend
)

// Bounds on listed days and on holiday CSV input.
const (
	MinYear      = 2000
	MaxYear      = 2100
	MaxNameRunes = 50
	MaxCSVBytes  = 1 << 20 // 1 MiB
	MaxCSVLines  = 10000   // data lines, not counting the header, comments and blank lines
)

// Day is one listed date: a holiday or a make-up working day.
type Day struct {
	Date string  `json:"date"` // civil date in China, YYYY-MM-DD
	Kind DayKind `json:"kind"`
	Name string  `json:"name"` // e.g. 春节; may be empty
}

// Validate checks that the date is a real calendar date written YYYY-MM-DD with a year from 2000
// to 2100, that the kind is off or work, and that the name has at most 50 characters, no control
// characters and no leading or trailing spaces.
func (d Day) Validate() error {
	if e := d.check(); e != nil {
		return e
	}
	return nil
}

func (d Day) check() *civicgrid.Error {
	if _, e := parseDate(d.Date); e != nil {
		return e
	}
	if d.Kind != Off && d.Kind != Work {
		return civicgrid.Errorf(civicgrid.EINVALID, "kind %q of %s is not one of off (holiday), work (make-up working day)",
			string(d.Kind), d.Date).WithDetail("field", "kind").WithDetail("allowed", []string{string(Off), string(Work)})
	}
	if n := utf8.RuneCountInString(d.Name); n > MaxNameRunes || !utf8.ValidString(d.Name) {
		return civicgrid.Errorf(civicgrid.EINVALID, "name of %s has %d characters; at most %d are allowed",
			d.Date, n, MaxNameRunes).WithDetail("field", "name").WithDetail("max", MaxNameRunes)
	}
	for _, r := range d.Name {
		if unicode.IsControl(r) {
			return civicgrid.Errorf(civicgrid.EINVALID, "name of %s contains a control character (%U); use plain text on one line",
				d.Date, r).WithDetail("field", "name")
		}
	}
	if strings.TrimSpace(d.Name) != d.Name {
		return civicgrid.Errorf(civicgrid.EINVALID, "name %q of %s starts or ends with a space; remove it",
			d.Name, d.Date).WithDetail("field", "name")
	}
	return nil
}

// parseDate reads a strict YYYY-MM-DD civil date and returns its day number (days since 1970-01-01).
func parseDate(s string) (int64, *civicgrid.Error) {
	bad := func(why string) *civicgrid.Error {
		return civicgrid.Errorf(civicgrid.EINVALID, "date %q %s", s, why).
			WithDetail("field", "date").WithDetail("format", "YYYY-MM-DD")
	}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, bad("is not written YYYY-MM-DD (for example 2025-10-01)")
	}
	num := func(part string) int {
		n := 0
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(s[:4]), num(s[5:7]), num(s[8:])
	if y < 0 || m < 0 || d < 0 {
		return 0, bad("is not written YYYY-MM-DD with digits (for example 2025-10-01)")
	}
	if y < MinYear || y > MaxYear {
		return 0, bad(fmt.Sprintf("has year %d; years from %d to %d are allowed", y, MinYear, MaxYear))
	}
	if m < 1 || m > 12 {
		return 0, bad("has no such month; months run from 01 to 12")
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if d < 1 || t.Day() != d {
		return 0, bad(fmt.Sprintf("is not a real calendar date; %04d-%02d has %d days", y, m,
			time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()))
	}
	return t.Unix() / 86400, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ParseCSV reads listed days in the format of the seed file: UTF-8 lines "date,kind,name", for
// example "2025-10-01,off,国庆节". A header line "date,kind,name" may come first; lines starting with
// # are comments; blank lines are ignored; a byte order mark and CRLF line ends are tolerated;
// fields may be quoted as in RFC 4180 and surrounding spaces are trimmed. Every data line must have
// exactly three columns (the name may be empty). Days are returned in input order. Input over
// MaxCSVBytes or with more than MaxCSVLines data lines is refused with civicgrid.ETOOLARGE; any
// other fault is civicgrid.EINVALID with the line number in the message and the "line" detail.
func ParseCSV(r io.Reader) ([]Day, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the holiday CSV could not be read: %v", err)
	}
	if len(data) > MaxCSVBytes {
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "the holiday CSV is larger than %d bytes (1 MiB); split it into smaller files",
			MaxCSVBytes).WithDetail("max_bytes", MaxCSVBytes)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		line := 1
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			if r == '\n' {
				line++
			}
			i += size
		}
		return nil, lineError(line, civicgrid.Errorf(civicgrid.EINVALID, "the text is not valid UTF-8; save the file as UTF-8"))
	}

	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	var days []Day
	firstLine := map[int64]int{}
	sawRecord := false
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				msg := "not well-formed CSV (" + pe.Err.Error() + ")"
				if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
					msg += "; put a field containing quotes or commas in double quotes and double each quote inside it"
				}
				if pe.Line != pe.StartLine {
					msg += fmt.Sprintf("; the record runs on to line %d", pe.Line)
				}
				return nil, lineError(pe.StartLine, civicgrid.Errorf(civicgrid.EINVALID, "%s", msg))
			}
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "the holiday CSV could not be read: %v", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces
		}
		if strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
			continue // an indented comment
		}
		if !sawRecord {
			sawRecord = true
			if isHeader(rec) {
				continue
			}
		}
		if len(days) >= MaxCSVLines {
			return nil, lineError(line, civicgrid.Errorf(civicgrid.ETOOLARGE,
				"more than %d data lines; split the file", MaxCSVLines).WithDetail("max_lines", MaxCSVLines))
		}
		if len(rec) != 3 {
			return nil, lineError(line, civicgrid.Errorf(civicgrid.EINVALID,
				"%d columns found; want 3: date,kind,name (the name may be empty)", len(rec)).
				WithDetail("columns", len(rec)))
		}
		d := Day{
			Date: strings.TrimSpace(rec[0]),
			Kind: DayKind(strings.ToLower(strings.TrimSpace(rec[1]))),
			Name: strings.TrimSpace(rec[2]),
		}
		if e := d.check(); e != nil {
			return nil, lineError(line, e)
		}
		dn, _ := parseDate(d.Date)
		if prev, dup := firstLine[dn]; dup {
			return nil, lineError(line, civicgrid.Errorf(civicgrid.EINVALID,
				"date %s is already listed on line %d; keep one line per date", d.Date, prev).
				WithDetail("field", "date").WithDetail("first_line", prev))
		}
		firstLine[dn] = line
		days = append(days, d)
	}
	return days, nil
}

func isHeader(rec []string) bool {
	want := []string{"date", "kind", "name"}
	if len(rec) != len(want) {
		return false
	}
	for i, f := range rec {
		if strings.ToLower(strings.TrimSpace(f)) != want[i] {
			return false
		}
	}
	return true
}

// lineError prefixes e's message with the line number and records it as the "line" detail.
func lineError(line int, e *civicgrid.Error) *civicgrid.Error {
	e.Message = fmt.Sprintf("line %d: %s", line, e.Message)
	return e.WithDetail("line", line)
}

// WriteCSV writes days, in the order given, in the format ParseCSV reads, header line first. Every
// day is validated before anything is written.
func WriteCSV(w io.Writer, days []Day) error {
	for i, d := range days {
		if e := d.check(); e != nil {
			e.Message = fmt.Sprintf("day %d: %s", i+1, e.Message)
			return e.WithDetail("index", i)
		}
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"date", "kind", "name"}); err != nil {
		return writeError(err)
	}
	for _, d := range days {
		if err := cw.Write([]string{d.Date, string(d.Kind), d.Name}); err != nil {
			return writeError(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return writeError(err)
	}
	if err := bw.Flush(); err != nil {
		return writeError(err)
	}
	return nil
}

func writeError(err error) error {
	return civicgrid.Errorf(civicgrid.EINTERNAL, "writing the holiday CSV failed: %v", err)
}

// The seed lists the statutory holidays and make-up working days announced by the State Council.
//
//go:embed cn-statutory.csv
var seedCSV []byte

var (
	seedOnce sync.Once
	seedDays []Day
)

// Seed returns the statutory holidays and make-up working days shipped with the platform, sorted by
// date. The caller owns the returned slice.
func Seed() []Day {
	seedOnce.Do(func() {
		days, err := ParseCSV(bytes.NewReader(seedCSV))
		if err != nil {
			return // cannot happen: the seed is checked by the tests
		}
		slices.SortFunc(days, func(a, b Day) int { return strings.Compare(a.Date, b.Date) })
		seedDays = days
	})
	return slices.Clone(seedDays)
}
