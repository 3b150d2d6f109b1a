package ledger

import (
	"bytes"
	"errors"
	"testing"
)

func TestXLSXRowLimit(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewXLSX(&buf, "t", []Column{{Header: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	w.(*xlsxWriter).max = 2
	for i := 0; i < 2; i++ {
		if err := w.WriteRow([]Cell{Int(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRow([]Cell{Int(3)}); !errors.Is(err, ErrTooManyRows) {
		t.Fatalf("a full sheet took another row: %v", err)
	}
}

func TestColumnNames(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := columnName(i); got != want {
			t.Errorf("column %d is %s, want %s", i, got, want)
		}
		if back, err := columnIndex(want); err != nil || back != i {
			t.Errorf("column %s reads back as %d (%v)", want, back, err)
		}
	}
}
