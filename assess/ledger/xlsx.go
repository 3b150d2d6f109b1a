package ledger

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// An XLSX workbook is a zip of SpreadsheetML parts. This writer emits the smallest set Excel,
// LibreOffice and WPS open: the content types, the package and workbook relationships, the
// workbook, a style sheet whose second cell format is bold (the header), and one worksheet with
// the header row frozen and the column widths set. Strings are written inline, so no shared-string
// table has to be built in memory; the worksheet is the zip's last entry and is streamed through
// the compressor row by row.

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
	xmlHdr = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

var staticParts = []struct{ name, body string }{
	{"[Content_Types].xml", xmlHdr + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`},
	{"_rels/.rels", xmlHdr + `<Relationships xmlns="` + nsPkg + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`},
	{"xl/_rels/workbook.xml.rels", xmlHdr + `<Relationships xmlns="` + nsPkg + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
		`</Relationships>`},
	{"xl/styles.xml", xmlHdr + `<styleSheet xmlns="` + nsMain + `">` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`},
}

type xlsxWriter struct {
	zw   *zip.Writer
	buf  *bufio.Writer
	cols int
	refs []string // column letters
	row  int      // rows written, header included
	max  int      // data rows a sheet takes
	num  []byte
}

// NewXLSX starts an XLSX ledger on w with one worksheet named sheet (cut to Excel's 31 characters,
// without the characters Excel forbids) and the header row in bold, frozen above the data.
func NewXLSX(w io.Writer, sheet string, cols []Column) (Writer, error) {
	x := &xlsxWriter{zw: zip.NewWriter(w), cols: len(cols), max: MaxXLSXRows}
	modified := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // fixed: the same rows give the same bytes
	create := func(name string) (io.Writer, error) {
		return x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	}
	for _, p := range staticParts {
		f, err := create(p.name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return nil, err
		}
	}
	f, err := create("xl/workbook.xml")
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(f, `%s<workbook xmlns="%s" xmlns:r="%s"><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		xmlHdr, nsMain, nsRel, escape(sheetName(sheet))); err != nil {
		return nil, err
	}
	f, err = create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	if err := x.begin(f, cols); err != nil {
		return nil, err
	}
	return x, nil
}

// begin starts a worksheet on f: the frozen header pane, the column widths and the header row.
func (x *xlsxWriter) begin(f io.Writer, cols []Column) error {
	x.cols, x.refs, x.row = len(cols), nil, 0
	x.buf = bufio.NewWriterSize(f, 64<<10)
	x.buf.WriteString(xmlHdr + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">`)
	x.buf.WriteString(`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>` +
		`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>`)
	x.buf.WriteString(`<sheetFormatPr defaultRowHeight="15"/><cols>`)
	for i, c := range cols {
		x.refs = append(x.refs, columnName(i))
		w := c.Width
		if w <= 0 {
			w = 10
		}
		fmt.Fprintf(x.buf, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(w, 'f', -1, 64))
	}
	x.buf.WriteString(`</cols><sheetData>`)
	header := make([]Cell, len(cols))
	for i, c := range cols {
		header[i] = Text(c.Header)
	}
	return x.writeRow(header, 1)
}

// end finishes the worksheet.
func (x *xlsxWriter) end() error {
	x.buf.WriteString(`</sheetData></worksheet>`)
	return x.buf.Flush()
}

func (x *xlsxWriter) WriteRow(cells []Cell) error {
	if len(cells) != x.cols {
		return fmt.Errorf("ledger: a row of %d cells in a ledger of %d columns", len(cells), x.cols)
	}
	if x.row-1 >= x.max {
		return ErrTooManyRows
	}
	return x.writeRow(cells, 0)
}

// writeRow writes the next row; style 1 is the bold header.
func (x *xlsxWriter) writeRow(cells []Cell, style int) error {
	x.row++
	r := strconv.Itoa(x.row)
	b := x.buf
	b.WriteString(`<row r="`)
	b.WriteString(r)
	b.WriteString(`">`)
	for i, c := range cells {
		if !c.isNum && c.text == "" {
			continue
		}
		b.WriteString(`<c r="`)
		b.WriteString(x.refs[i])
		b.WriteString(r)
		if style != 0 {
			b.WriteString(`" s="`)
			b.WriteString(strconv.Itoa(style))
		}
		if c.isNum {
			b.WriteString(`"><v>`)
			x.num = strconv.AppendFloat(x.num[:0], c.num, 'g', -1, 64)
			b.Write(x.num)
			b.WriteString(`</v></c>`)
			continue
		}
		b.WriteString(`" t="inlineStr"><is><t xml:space="preserve">`)
		if err := xml.EscapeText(b, []byte(c.text)); err != nil {
			return err
		}
		b.WriteString(`</t></is></c>`)
	}
	_, err := b.WriteString(`</row>`)
	return err
}

func (x *xlsxWriter) Close() error {
	if err := x.end(); err != nil {
		return err
	}
	return x.zw.Close()
}

// columnName is the spreadsheet name of the i-th column (0 → A, 25 → Z, 26 → AA).
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// sheetName makes a valid worksheet name: no []:*?/\ and at most 31 characters.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if strings.TrimSpace(s) == "" {
		s = "Sheet1"
	}
	return s
}

func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
