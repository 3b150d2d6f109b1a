package ledger

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// Book is a ledger of several tables (a monthly report): each Sheet starts the next table and
// ends the one before; Close finishes the file. As XLSX every table is a worksheet; as CSV the
// tables follow each other, each opened by a line naming it and its header row, and set apart by
// an empty line.
type Book interface {
	Sheet(name string, cols []Column) (Writer, error)
	Close() error
}

// MaxSheets bounds the tables of a book.
const MaxSheets = 20

type xlsxBook struct {
	zw     *zip.Writer
	names  []string
	cur    *bookSheet
	closed bool
}

// NewXLSXBook starts an XLSX workbook on w.
func NewXLSXBook(w io.Writer) (Book, error) {
	b := &xlsxBook{zw: zip.NewWriter(w)}
	for _, p := range staticParts {
		if p.name != "_rels/.rels" && p.name != "xl/styles.xml" {
			continue // the content types and the workbook's relationships list the sheets: written at Close
		}
		if err := b.part(p.name, p.body); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *xlsxBook) create(name string) (io.Writer, error) {
	modified := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
}

func (b *xlsxBook) part(name, body string) error {
	f, err := b.create(name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, body)
	return err
}

// bookSheet is a worksheet of a book; closing it ends it, once.
type bookSheet struct {
	*xlsxWriter
	done bool
}

func (s *bookSheet) Close() error {
	if s.done {
		return nil
	}
	s.done = true
	return s.end()
}

func (b *xlsxBook) Sheet(name string, cols []Column) (Writer, error) {
	if len(b.names) == MaxSheets {
		return nil, fmt.Errorf("ledger: a book holds at most %d sheets", MaxSheets)
	}
	if b.cur != nil {
		if err := b.cur.Close(); err != nil {
			return nil, err
		}
	}
	name = sheetName(name)
	for _, n := range b.names {
		if strings.EqualFold(n, name) {
			return nil, fmt.Errorf("ledger: two sheets named %q", name)
		}
	}
	b.names = append(b.names, name)
	f, err := b.create(fmt.Sprintf("xl/worksheets/sheet%d.xml", len(b.names)))
	if err != nil {
		return nil, err
	}
	x := &xlsxWriter{zw: b.zw, max: MaxXLSXRows}
	if err := x.begin(f, cols); err != nil {
		return nil, err
	}
	b.cur = &bookSheet{xlsxWriter: x}
	return b.cur, nil
}

func (b *xlsxBook) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.cur != nil {
		if err := b.cur.Close(); err != nil {
			return err
		}
	}
	if len(b.names) == 0 {
		return fmt.Errorf("ledger: a book needs a sheet")
	}
	var types, rels, sheets strings.Builder
	types.WriteString(xmlHdr + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	rels.WriteString(xmlHdr + `<Relationships xmlns="` + nsPkg + `">`)
	for i, n := range b.names {
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, nsRel, i+1)
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, escape(n), i+1, i+1)
	}
	types.WriteString(`</Types>`)
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/></Relationships>`, len(b.names)+1, nsRel)
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", types.String()},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"xl/workbook.xml", fmt.Sprintf(`%s<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets></workbook>`, xmlHdr, nsMain, nsRel, sheets.String())},
	} {
		if err := b.part(p.name, p.body); err != nil {
			return err
		}
	}
	return b.zw.Close()
}

type csvBook struct {
	w      *csv.Writer
	sheets int
}

// NewCSVBook starts a CSV book on w: UTF-8 with a byte-order mark, as NewCSV.
func NewCSVBook(w io.Writer) (Book, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvBook{w: cw}, nil
}

func (b *csvBook) Sheet(name string, cols []Column) (Writer, error) {
	if b.sheets == MaxSheets {
		return nil, fmt.Errorf("ledger: a book holds at most %d sheets", MaxSheets)
	}
	if b.sheets > 0 {
		if err := b.w.Write([]string{""}); err != nil {
			return nil, err
		}
	}
	b.sheets++
	if err := b.w.Write([]string{"【" + Neutralise(name) + "】"}); err != nil {
		return nil, err
	}
	c := &csvWriter{w: b.w, cols: len(cols), rec: make([]string, len(cols))}
	for i, col := range cols {
		c.rec[i] = Neutralise(col.Header)
	}
	if err := b.w.Write(c.rec); err != nil {
		return nil, err
	}
	return c, nil
}

func (b *csvBook) Close() error {
	b.w.Flush()
	return b.w.Error()
}
