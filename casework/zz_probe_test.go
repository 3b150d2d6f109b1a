package casework_test

import (
	"math/rand"
	"testing"
	"time"
)

func TestZZProbe(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		n := r.Intn(300)
		b := make([]byte, n)
		r.Read(b)
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				t.Logf("slow: %x", b)
				panic("slow")
			}
		}()
		runScript(t, b)
		close(done)
	}
}
