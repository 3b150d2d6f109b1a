package ledger

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadCSV reads back a CSV ledger: its header and rows, as text (the byte-order mark removed).
func ReadCSV(r io.Reader) ([][]string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(bom)) {
		return nil, fmt.Errorf("ledger: the CSV does not start with a UTF-8 byte-order mark")
	}
	cr := csv.NewReader(bytes.NewReader(b[len(bom):]))
	return cr.ReadAll()
}

// Sheet is the first worksheet of a workbook as ReadXLSX finds it.
type Sheet struct {
	Name        string
	Rows        [][]string // cell text by row and column ("" for a missing cell)
	Numeric     [][]bool   // whether each cell was a number
	Bold        []bool     // whether each header cell has the bold style
	Widths      []float64  // column widths
	FrozenRows  int        // rows frozen at the top
	ContentType string     // of the worksheet part, from [Content_Types].xml
}

// ReadXLSX reads back the first worksheet of a workbook this package wrote (inline strings and
// numbers), checking that every part it names is there. It is meant for tests and tools that
// verify an export.
func ReadXLSX(r io.ReaderAt, size int64) (*Sheet, error) {
	sheets, err := readXLSX(r, size, 1)
	if err != nil {
		return nil, err
	}
	return sheets[0], nil
}

// ReadXLSXBook reads back every worksheet of a workbook this package wrote, in order.
func ReadXLSXBook(r io.ReaderAt, size int64) ([]*Sheet, error) {
	return readXLSX(r, size, MaxSheets)
}

// readXLSX reads up to max worksheets.
func readXLSX(r io.ReaderAt, size int64, max int) ([]*Sheet, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("ledger: not a zip: %w", err)
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[f.Name] = f
	}
	read := func(name string, v any) error {
		f, ok := parts[name]
		if !ok {
			return fmt.Errorf("ledger: the workbook has no %s", name)
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := xml.NewDecoder(rc).Decode(v); err != nil {
			return fmt.Errorf("ledger: %s: %w", name, err)
		}
		return nil
	}
	var types struct {
		Overrides []struct {
			PartName    string `xml:"PartName,attr"`
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Override"`
	}
	if err := read("[Content_Types].xml", &types); err != nil {
		return nil, err
	}
	var rels struct {
		Rels []struct {
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := read("_rels/.rels", &rels); err != nil {
		return nil, err
	}
	if len(rels.Rels) == 0 || rels.Rels[0].Target != "xl/workbook.xml" {
		return nil, fmt.Errorf("ledger: the package does not point at xl/workbook.xml")
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := read("xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	if len(wb.Sheets) == 0 {
		return nil, fmt.Errorf("ledger: the workbook has no sheet")
	}
	var wrels struct {
		Rels []struct {
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := read("xl/_rels/workbook.xml.rels", &wrels); err != nil {
		return nil, err
	}
	for _, r := range wrels.Rels {
		if _, ok := parts["xl/"+r.Target]; !ok {
			return nil, fmt.Errorf("ledger: the workbook names xl/%s, which is missing", r.Target)
		}
	}
	var styles struct {
		Fonts []struct {
			Bold *struct{} `xml:"b"`
		} `xml:"fonts>font"`
		Xfs []struct {
			FontID int `xml:"fontId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := read("xl/styles.xml", &styles); err != nil {
		return nil, err
	}
	var out []*Sheet
	for n := 0; n < len(wb.Sheets) && n < max; n++ {
		part := fmt.Sprintf("xl/worksheets/sheet%d.xml", n+1)
		var ws struct {
			Pane struct {
				YSplit int    `xml:"ySplit,attr"`
				State  string `xml:"state,attr"`
			} `xml:"sheetViews>sheetView>pane"`
			Cols []struct {
				Min   int     `xml:"min,attr"`
				Width float64 `xml:"width,attr"`
			} `xml:"cols>col"`
			Rows []struct {
				R     int `xml:"r,attr"`
				Cells []struct {
					R      string `xml:"r,attr"`
					T      string `xml:"t,attr"`
					S      int    `xml:"s,attr"`
					V      string `xml:"v"`
					Inline string `xml:"is>t"`
				} `xml:"c"`
			} `xml:"sheetData>row"`
		}
		if err := read(part, &ws); err != nil {
			return nil, err
		}
		s := &Sheet{Name: wb.Sheets[n].Name}
		for _, o := range types.Overrides {
			if o.PartName == "/"+part {
				s.ContentType = o.ContentType
			}
		}
		if ws.Pane.State == "frozen" {
			s.FrozenRows = ws.Pane.YSplit
		}
		for _, c := range ws.Cols {
			s.Widths = append(s.Widths, c.Width)
		}
		for i, row := range ws.Rows {
			if row.R != i+1 {
				return nil, fmt.Errorf("ledger: row %d is numbered %d", i+1, row.R)
			}
			var text []string
			var num []bool
			for _, c := range row.Cells {
				col, err := columnIndex(strings.TrimSuffix(c.R, strconv.Itoa(row.R)))
				if err != nil || col < len(text) {
					return nil, fmt.Errorf("ledger: row %d: bad or unordered cell reference %q", row.R, c.R)
				}
				for len(text) < col {
					text, num = append(text, ""), append(num, false)
				}
				switch c.T {
				case "inlineStr":
					text, num = append(text, c.Inline), append(num, false)
				case "":
					if _, err := strconv.ParseFloat(c.V, 64); err != nil {
						return nil, fmt.Errorf("ledger: cell %s holds %q, not a number", c.R, c.V)
					}
					text, num = append(text, c.V), append(num, true)
				default:
					return nil, fmt.Errorf("ledger: cell %s has type %q", c.R, c.T)
				}
				if i == 0 {
					bold := c.S < len(styles.Xfs) && styles.Xfs[c.S].FontID < len(styles.Fonts) && styles.Fonts[styles.Xfs[c.S].FontID].Bold != nil
					s.Bold = append(s.Bold, bold)
				}
			}
			s.Rows, s.Numeric = append(s.Rows, text), append(s.Numeric, num)
		}
		out = append(out, s)
	}
	return out, nil
}

// columnIndex is the inverse of columnName.
func columnIndex(ref string) (int, error) {
	if ref == "" {
		return 0, fmt.Errorf("empty column")
	}
	n := 0
	for _, r := range ref {
		if r < 'A' || r > 'Z' {
			return 0, fmt.Errorf("bad column %q", ref)
		}
		n = n*26 + int(r-'A') + 1
	}
	return n - 1, nil
}
