package clock

import (
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f := NewFake(t0)
	if !f.Now().Equal(t0) {
		t.Fatalf("Now %v", f.Now())
	}
	f.Advance(90 * time.Minute)
	if want := t0.Add(90 * time.Minute); !f.Now().Equal(want) {
		t.Fatalf("after Advance: %v, want %v", f.Now(), want)
	}
	f.Set(t0)
	if !f.Now().Equal(t0) {
		t.Fatalf("after Set: %v", f.Now())
	}
	var _ Clock = Real{}
	if d := time.Since(Real{}.Now()); d < 0 || d > time.Minute {
		t.Fatalf("Real clock is %v away from the system clock", d)
	}
}
