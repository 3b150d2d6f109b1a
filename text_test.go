package civicgrid

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	good := []string{"", "占道经营", "line one\nline two\ttabbed\r\n", strings.Repeat("字", 10)}
	for _, s := range good {
		if err := CheckText("f", s, 10); err != nil && len([]rune(s)) <= 10 {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	bad := map[string]string{
		"nul":     "a\x00b",
		"escape":  "a\x1b[31mred",
		"bell":    "\a",
		"utf8":    "\xff\xfe",
		"toolong": strings.Repeat("字", 11),
		"c1":      "a\u0085b",
	}
	for name, s := range bad {
		err := CheckText("description", s, 10)
		if !IsCode(err, EINVALID) {
			t.Errorf("%s: %q accepted (%v)", name, s, err)
			continue
		}
		if e := err.(*Error); e.Details["field"] != "description" {
			t.Errorf("%s: error names field %v", name, e.Details["field"])
		}
	}
}
