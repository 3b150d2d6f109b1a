package calendar

import (
	"bytes"
	"reflect"
	"testing"

	"civicgrid"
)

func FuzzParseCSV(f *testing.F) {
	f.Add(seedCSV)
	f.Add([]byte("\uFEFFdate,kind,name\r\n2025-10-01,off,国庆节\r\n"))
	f.Add([]byte("2025-10-01,work,\"a, \"\"b\"\"\"\n# c\n\n2025-10-02,OFF, x \n"))
	f.Add([]byte("2025-02-29,off,a\n"))
	f.Add([]byte("2025-10-01,off,a\"b\n"))
	f.Add([]byte("date,kind,name\ndate,kind,name\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		days, err := ParseCSV(bytes.NewReader(in))
		if err != nil {
			if e, ok := err.(*civicgrid.Error); !ok || (e.Code != civicgrid.EINVALID && e.Code != civicgrid.ETOOLARGE) {
				t.Fatalf("error %v is not an invalid or too_large *civicgrid.Error", err)
			}
			return
		}
		for _, d := range days {
			if err := d.Validate(); err != nil {
				t.Fatalf("parsed day %+v does not validate: %v", d, err)
			}
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, days); err != nil {
			t.Fatalf("WriteCSV of parsed days: %v", err)
		}
		back, err := ParseCSV(&buf)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", buf.String(), err)
		}
		if len(days) == 0 && len(back) == 0 {
			return
		}
		if !reflect.DeepEqual(back, days) {
			t.Fatalf("round trip changed the days:\n%#v\n%#v", days, back)
		}
		if _, err := New(DefaultHours(), days); err != nil {
			t.Fatalf("New with parsed days: %v", err)
		}
	})
}
