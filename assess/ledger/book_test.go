package ledger_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"civicgrid/assess/ledger"
)

// TestBook writes two tables and reads them back: as worksheets of one workbook, and as CSV
// sections each opened by its name and header, set apart by an empty line (which CSV readers
// skip).
func TestBook(t *testing.T) {
	a := []ledger.Column{{Header: "单位"}, {Header: "得分"}}
	b := []ledger.Column{{Header: "案件"}, {Header: "状态"}, {Header: "说明"}}
	write := func(book ledger.Book) {
		t.Helper()
		w, err := book.Sheet("综合得分", a)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRow([]ledger.Cell{ledger.Text("友谊路街道"), ledger.Number(81.5, 2)}); err != nil {
			t.Fatal(err)
		}
		w, err = book.Sheet("超期案件", b)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range [][]ledger.Cell{{ledger.Int(7), ledger.Text("handling"), ledger.Text("=1+1")}, {ledger.Int(9), ledger.Text("closed"), ledger.Empty()}} {
			if err := w.WriteRow(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WriteRow([]ledger.Cell{ledger.Int(1)}); err == nil {
			t.Error("a short row was taken")
		}
		if err := book.Close(); err != nil {
			t.Fatal(err)
		}
	}

	var x bytes.Buffer
	book, err := ledger.NewXLSXBook(&x)
	if err != nil {
		t.Fatal(err)
	}
	write(book)
	sheets, err := ledger.ReadXLSXBook(bytes.NewReader(x.Bytes()), int64(x.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 2 || sheets[0].Name != "综合得分" || sheets[1].Name != "超期案件" {
		t.Fatalf("%d sheets", len(sheets))
	}
	if !slices.Equal(sheets[0].Rows[1], []string{"友谊路街道", "81.5"}) || !slices.Equal(sheets[1].Rows[0], []string{"案件", "状态", "说明"}) ||
		!slices.Equal(sheets[1].Rows[1], []string{"7", "handling", "=1+1"}) || len(sheets[1].Rows) != 3 || sheets[1].FrozenRows != 1 || !sheets[1].Bold[0] {
		t.Errorf("rows %q / %q", sheets[0].Rows, sheets[1].Rows)
	}
	dup, _ := ledger.NewXLSXBook(&bytes.Buffer{})
	dup.Sheet("一", a)
	if _, err := dup.Sheet("一", a); err == nil {
		t.Error("two worksheets of one name")
	}
	if first, err := ledger.ReadXLSX(bytes.NewReader(x.Bytes()), int64(x.Len())); err != nil || first.Name != "综合得分" {
		t.Errorf("the first sheet alone: %v", err)
	}

	var c bytes.Buffer
	book, err = ledger.NewCSVBook(&c)
	if err != nil {
		t.Fatal(err)
	}
	write(book)
	if !bytes.HasPrefix(c.Bytes(), []byte("\uFEFF")) {
		t.Fatal("no byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(c.Bytes()[3:]))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"【综合得分】"}, {"单位", "得分"}, {"友谊路街道", "81.5"}, {"【超期案件】"}, {"案件", "状态", "说明"}, {"7", "handling", "'=1+1"}, {"9", "closed", ""}}
	if len(recs) != len(want) || !bytes.Contains(c.Bytes(), []byte("81.5\r\n\r\n")) {
		t.Fatalf("records %q", recs)
	}
	for i, w := range want {
		if !slices.Equal(recs[i], w) {
			t.Errorf("record %d: %q, want %q", i, recs[i], w)
		}
	}
}
