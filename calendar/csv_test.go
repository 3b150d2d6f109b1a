package calendar

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"civicgrid"
)

func TestParseCSVTolerant(t *testing.T) {
	in := "\uFEFF# local adjustments\r\n" +
		"date,kind,name\r\n" +
		"\r\n" +
		"2025-10-08, WORK , 本市调整 \r\n" +
		"   # an indented comment\r\n" +
		"   \r\n" +
		"2025-12-31,off,\"跨年, 半天\"\r\n" +
		"2026-01-05,off,\r\n" +
		"2026-01-06,off,\"say \"\"hi\"\"\"" // no final newline
	got, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Day{
		{"2025-10-08", Work, "本市调整"},
		{"2025-12-31", Off, "跨年, 半天"},
		{"2026-01-05", Off, ""},
		{"2026-01-06", Off, `say "hi"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseCSV = %#v\nwant %#v", got, want)
	}
	// The header is optional, and empty input has no days.
	got, err = ParseCSV(strings.NewReader("2024-01-01,off,元旦\n"))
	if err != nil || len(got) != 1 || got[0] != (Day{"2024-01-01", Off, "元旦"}) {
		t.Errorf("headerless: %v %v", got, err)
	}
	got, err = ParseCSV(strings.NewReader(""))
	if err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}

func TestParseCSVErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"too few columns", "date,kind,name\n2025-10-01,off\n", 2,
			"line 2: 2 columns found; want 3: date,kind,name"},
		{"too many columns", "# c\n# c\n2025-10-01,off,x,y\n", 3, "line 3: 4 columns found"},
		{"unknown kind", "# header comment\n\ndate,kind,name\n2025-10-01,holiday,国庆节\n", 4,
			`line 4: kind "holiday" of 2025-10-01 is not one of off (holiday), work (make-up working day)`},
		{"no such month", "2025-10-01,off,a\n2025-13-01,off,b\n", 2,
			`line 2: date "2025-13-01" has no such month; months run from 01 to 12`},
		{"no such day", "\r\n\r\n2025-02-29,off,a\r\n", 3,
			`line 3: date "2025-02-29" is not a real calendar date; 2025-02 has 28 days`},
		{"leap day is fine, 31 April is not", "2024-02-29,off,a\n2024-04-31,off,b\n", 2,
			"2024-04 has 30 days"},
		{"year out of range", "1999-12-31,off,a\n", 1,
			`line 1: date "1999-12-31" has year 1999; years from 2000 to 2100 are allowed`},
		{"slashes", "date,kind,name\n2025/10/01,off,a\n", 2,
			`line 2: date "2025/10/01" is not written YYYY-MM-DD`},
		{"letters", "2025-1O-01,off,a\n", 1, "is not written YYYY-MM-DD with digits"},
		{"duplicate", "date,kind,name\n2025-10-01,off,a\n# note\n2025-10-02,off,b\n2025-10-01,work,c\n", 5,
			"line 5: date 2025-10-01 is already listed on line 2; keep one line per date"},
		{"header twice", "date,kind,name\n2025-10-01,off,a\ndate,kind,name\n", 3, `line 3: date "date" is not written`},
		{"bare quote", "2025-10-01,off,ok\n2025-10-02,off,a\"b\n", 2,
			"line 2: not well-formed CSV (bare \" in non-quoted-field); put a field containing quotes"},
		{"unterminated quote", "2025-10-01,off,ok\n2025-10-02,off,\"abc\n2025-10-03,off,x\n", 2,
			"line 2: not well-formed CSV (extraneous or missing \" in quoted-field); put a field containing quotes or commas in double quotes and double each quote inside it; the record runs on to line"},
		{"invalid UTF-8", "2025-10-01,off,a\n2025-10-02,off,b\n2025-10-03,off,\xff\n", 3,
			"line 3: the text is not valid UTF-8"},
		{"long name", "2025-10-01,off," + strings.Repeat("节", 51) + "\n", 1,
			"line 1: name of 2025-10-01 has 51 characters; at most 50 are allowed"},
		{"tab in name", "2025-10-01,off,a\tb\n", 1, "contains a control character (U+0009)"},
	}
	for _, c := range cases {
		_, err := ParseCSV(strings.NewReader(c.in))
		e, ok := err.(*civicgrid.Error)
		if !ok || e.Code != civicgrid.EINVALID {
			t.Errorf("%s: err = %v, want *civicgrid.Error invalid", c.name, err)
			continue
		}
		if !strings.Contains(e.Message, c.want) || e.Details["line"] != c.line {
			t.Errorf("%s: got %q (line detail %v), want %q on line %d", c.name, e.Message, e.Details["line"], c.want, c.line)
		}
	}
	// A 50-character name is the limit, not over it.
	if _, err := ParseCSV(strings.NewReader("2025-10-01,off," + strings.Repeat("节", 50))); err != nil {
		t.Errorf("50-character name: %v", err)
	}
}

func TestParseCSVLimits(t *testing.T) {
	// Exactly 1 MiB is accepted; one byte more is too large.
	line := "# " + strings.Repeat("x", 97) + "\n" // 100 bytes
	body := "2025-10-01,off,a\n"
	pad := strings.Repeat(line, (MaxCSVBytes-len(body))/100)
	pad += "#" + strings.Repeat("y", MaxCSVBytes-len(body)-len(pad)-2) + "\n"
	in := pad + body
	if len(in) != MaxCSVBytes {
		t.Fatalf("test input is %d bytes", len(in))
	}
	if days, err := ParseCSV(strings.NewReader(in)); err != nil || len(days) != 1 {
		t.Errorf("1 MiB input: %d days, %v", len(days), err)
	}
	_, err := ParseCSV(strings.NewReader(in + "\n"))
	if !civicgrid.IsCode(err, civicgrid.ETOOLARGE) || !strings.Contains(err.Error(), "larger than 1048576 bytes (1 MiB)") {
		t.Errorf("1 MiB + 1: %v", err)
	}

	// 10,000 data lines are accepted; the 10,001st is refused with its line number.
	var b strings.Builder
	b.WriteString("date,kind,name\n")
	day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < MaxCSVLines+1; i++ {
		fmt.Fprintf(&b, "%s,off,d\n", day.AddDate(0, 0, i).Format("2006-01-02"))
	}
	all := b.String()
	ok := all[:strings.LastIndex(strings.TrimSuffix(all, "\n"), "\n")+1]
	if days, err := ParseCSV(strings.NewReader(ok)); err != nil || len(days) != MaxCSVLines {
		t.Errorf("10000 lines: %d days, %v", len(days), err)
	}
	_, err = ParseCSV(strings.NewReader(all))
	e, isErr := err.(*civicgrid.Error)
	if !isErr || e.Code != civicgrid.ETOOLARGE || e.Details["line"] != MaxCSVLines+2 ||
		!strings.Contains(e.Message, "line 10002: more than 10000 data lines") {
		t.Errorf("10001 lines: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestWriteCSV(t *testing.T) {
	days := append(Seed(), Day{"2027-01-01", Off, `元旦, "新年"`})
	var buf bytes.Buffer
	if err := WriteCSV(&buf, days); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "date,kind,name\n2024-01-01,off,元旦\n") {
		t.Errorf("WriteCSV output starts %q", buf.String()[:40])
	}
	if !strings.HasSuffix(buf.String(), "2027-01-01,off,\"元旦, \"\"新年\"\"\"\n") {
		t.Errorf("quoted name not written as expected: %q", buf.String()[buf.Len()-40:])
	}
	back, err := ParseCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, days) {
		t.Error("WriteCSV → ParseCSV does not round-trip")
	}

	buf.Reset()
	err = WriteCSV(&buf, []Day{{"2025-10-01", Off, "ok"}, {"2025-10-02", "maybe", ""}})
	if !civicgrid.IsCode(err, civicgrid.EINVALID) || !strings.Contains(err.Error(), "day 2: kind \"maybe\"") || buf.Len() != 0 {
		t.Errorf("invalid day: %v, wrote %q", err, buf.String())
	}
	if err := WriteCSV(failingWriter{}, days); !civicgrid.IsCode(err, civicgrid.EINTERNAL) {
		t.Errorf("failing writer: %v", err)
	}
}

func TestDayValidate(t *testing.T) {
	good := []Day{{"2000-01-01", Off, ""}, {"2100-12-31", Work, "x"}, {"2024-02-29", Off, "闰日"}}
	for _, d := range good {
		if err := d.Validate(); err != nil {
			t.Errorf("%+v: %v", d, err)
		}
	}
	bad := map[string]Day{
		"year 2101":      {"2101-01-01", Off, ""},
		"short":          {"2025-1-01", Off, ""},
		"day 00":         {"2025-01-00", Off, ""},
		"empty kind":     {"2025-01-01", "", ""},
		"leading space":  {"2025-01-01", Off, " x"},
		"newline":        {"2025-01-01", Off, "a\nb"},
		"invalid utf8":   {"2025-01-01", Off, "\xff"},
		"ideographic sp": {"2025-01-01", Off, "节\u3000"},
	}
	for name, d := range bad {
		if err := d.Validate(); !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Errorf("%s: Validate = %v, want invalid", name, err)
		}
	}
}
