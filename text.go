package civicgrid

import (
	"unicode"
	"unicode/utf8"
)

// CheckText reports whether s is acceptable free text of at most max characters: valid UTF-8 with
// no control characters other than tab, line feed and carriage return. Stored text is returned
// verbatim to every reader, so anything a terminal, a spreadsheet or PostgreSQL would choke on
// (NUL above all) is refused at the door.
func CheckText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s is not valid UTF-8 text", field).WithDetail("field", field)
	}
	n := 0
	for _, r := range s {
		n++
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return Errorf(EINVALID, "%s contains a control character (U+%04X)", field, r).WithDetail("field", field)
		}
	}
	if n > max {
		return Errorf(EINVALID, "%s is %d characters long; at most %d are allowed", field, n, max).WithDetail("field", field)
	}
	return nil
}
