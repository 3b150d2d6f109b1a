package catalog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMatterTypeJSON(t *testing.T) {
	for _, m := range Seed() {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back MatterType
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", m.Code, err)
		}
		if !reflect.DeepEqual(m, back) {
			t.Fatalf("%s does not round-trip:\n%+v\n%+v", m.Code, m, back)
		}
	}
	b, _ := json.Marshal(Seed()[0])
	var generic map[string]any
	json.Unmarshal(b, &generic)
	if generic["duplicate_window_minutes"] != float64(Seed()[0].DuplicateWindow/time.Minute) || generic["duplicate_window"] != nil {
		t.Fatalf("window written as %v / %v", generic["duplicate_window_minutes"], generic["duplicate_window"])
	}
	var m MatterType
	if err := json.Unmarshal([]byte(`{"code":"E0101","colour":"red"}`), &m); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("unknown field accepted: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"code":"E0101","duplicate_window_minutes":-5}`), &m); err == nil {
		t.Fatal("negative window accepted")
	}
}
