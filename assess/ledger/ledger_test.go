package ledger_test

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"civicgrid/assess/ledger"
)

var cols = []ledger.Column{{Header: "编号", Width: 8}, {Header: "标题", Width: 30}, {Header: "结案率(%)", Width: 12.5}}

// tricky text: quotes, separators, line ends, formulas, XML specials and characters XML forbids.
var tricky = []string{
	`普通文本`, `含,逗号`, `含"引号"`, "多\n行", "回车\r\n换行", " 前后空格 ", `=HYPERLINK("http://x","点我")`,
	`+86 139`, `-1+2`, `@SUM(A1)`, "\tTAB", `<b>&amp;</b>`, "控制\x01字符", `'已有撇号`, ``,
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	w, err := ledger.NewCSV(&buf, cols)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range tricky {
		if err := w.WriteRow([]ledger.Cell{ledger.Int(int64(i)), ledger.Text(s), ledger.Number(-12.345, 2)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRow([]ledger.Cell{ledger.Empty()}); err == nil {
		t.Error("a short row was written")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF编号,标题,结案率(%)\r\n")) {
		t.Fatalf("the file starts %q", b[:min(len(b), 40)])
	}
	if !utf8.Valid(b) {
		t.Fatal("not UTF-8")
	}
	// RFC 4180: a field with a quote is quoted and its quotes doubled; line ends inside stay.
	for _, want := range []string{"\r\n2,\"含\"\"引号\"\"\",-12.35\r\n", "\r\n3,\"多\r\n行\",", "\r\n6,\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\","} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the file lacks %q", want)
		}
	}
	rows, err := ledger.ReadCSV(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(tricky)+1 {
		t.Fatalf("%d rows read back, want %d", len(rows), len(tricky)+1)
	}
	for i, s := range tricky {
		got := rows[i+1][1]
		// With CRLF line ends, encoding/csv writes a line break inside a field as CRLF and reads it
		// back as LF; a lone CR is not kept.
		want := strings.ReplaceAll(ledger.Neutralise(s), "\r", "")
		if got != want {
			t.Errorf("row %d: %q read back as %q, want %q", i, s, got, want)
		}
		if rows[i+1][2] != "-12.35" {
			t.Errorf("a number was changed: %q", rows[i+1][2])
		}
	}
}

func TestXLSX(t *testing.T) {
	var buf bytes.Buffer
	w, err := ledger.NewXLSX(&buf, "案件台账[2026/03]", cols)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range tricky {
		var rate ledger.Cell
		if i%2 == 0 {
			rate = ledger.Number(95.456, 2)
		}
		if err := w.WriteRow([]ledger.Cell{ledger.Int(int64(i + 1)), ledger.Text(s), rate}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sh, err := ledger.ReadXLSX(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if sh.Name != "案件台账_2026_03_" || sh.FrozenRows != 1 || !reflect.DeepEqual(sh.Widths, []float64{8, 30, 12.5}) {
		t.Fatalf("sheet %q frozen %d widths %v", sh.Name, sh.FrozenRows, sh.Widths)
	}
	if sh.ContentType != "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml" {
		t.Fatalf("worksheet content type %q", sh.ContentType)
	}
	if !reflect.DeepEqual(sh.Rows[0], []string{"编号", "标题", "结案率(%)"}) || !reflect.DeepEqual(sh.Bold, []bool{true, true, true}) {
		t.Fatalf("header %q bold %v", sh.Rows[0], sh.Bold)
	}
	if len(sh.Rows) != len(tricky)+1 {
		t.Fatalf("%d rows, want %d", len(sh.Rows), len(tricky)+1)
	}
	for i, s := range tricky {
		row, num := sh.Rows[i+1], sh.Numeric[i+1]
		// Inline strings are never formulas, so text is kept as given (line breaks included); a
		// character XML cannot carry becomes U+FFFD.
		want := strings.ReplaceAll(s, "\x01", "\uFFFD")
		if row[1] != want || row[0] != strconv.Itoa(i+1) || !num[0] {
			t.Errorf("row %d: %q %v, want %q", i+1, row, num, want)
		}
		if i%2 == 0 && (len(row) < 3 || row[2] != "95.46" || !num[2]) {
			t.Errorf("row %d: rate %q", i+1, row)
		}
		if i%2 == 1 && len(row) > 2 {
			t.Errorf("row %d: an empty cell was written: %q", i+1, row)
		}
	}
	// The same rows give the same bytes.
	var again bytes.Buffer
	w, _ = ledger.NewXLSX(&again, "案件台账[2026/03]", cols)
	for i, s := range tricky {
		var rate ledger.Cell
		if i%2 == 0 {
			rate = ledger.Number(95.456, 2)
		}
		w.WriteRow([]ledger.Cell{ledger.Int(int64(i + 1)), ledger.Text(s), rate})
	}
	w.Close()
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two writes of the same rows differ")
	}
}

func FuzzCSVCell(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var buf bytes.Buffer
		w, _ := ledger.NewCSV(&buf, cols[:2])
		if err := w.WriteRow([]ledger.Cell{ledger.Text(s), ledger.Int(1)}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		rows, err := ledger.ReadCSV(&buf)
		if err != nil || len(rows) != 2 {
			t.Fatalf("%q: %d rows, %v", s, len(rows), err)
		}
		if got, want := rows[1][0], strings.ReplaceAll(ledger.Neutralise(s), "\r", ""); got != want {
			t.Fatalf("%q came back as %q, want %q", s, got, want)
		}
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !strings.HasPrefix(rows[1][0], "'") {
			t.Fatalf("%q was not neutralised", s)
		}
	})
}

func FuzzXLSXCell(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w, _ := ledger.NewXLSX(&buf, s, cols[:1])
		if err := w.WriteRow([]ledger.Cell{ledger.Text(s)}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sh, err := ledger.ReadXLSX(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if len(sh.Rows) != 2 {
			t.Fatalf("%q: %d rows", s, len(sh.Rows))
		}
	})
}
