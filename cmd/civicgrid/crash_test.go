package main

import (
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"civicgrid/demo"
	"civicgrid/store/storetest"
)

// TestKillMidWrite loads a server with concurrent case creations, kills it with SIGKILL while
// requests are in flight, restarts it on the same database and finds every acknowledged case
// exactly once, with verify clean.
func TestKillMidWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		const key = "crash-test-key"
		first := startServer(t, "--db", dsn, "--demo", "--demo-days", "0", "--demo-api-key", key, "--demo-password", "crash-test-pw")
		client := &http.Client{Timeout: 10 * time.Second}
		centre := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
		point := [2]float64{centre.Lat, centre.Lon}

		var mu sync.Mutex
		acked := map[string]int{} // tracking code → case id as acknowledged
		stop := make(chan struct{})
		enough := make(chan struct{})
		var enoughOnce sync.Once
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					status, body, err := first.post(client, "/api/v1/cases", key, map[string]any{
						"matter_code": "E0502", "description": fmt.Sprintf("crash test %d", i), "lat": point[0], "lon": point[1]})
					if err != nil {
						return // the server died under us: this request was never acknowledged
					}
					if status != http.StatusCreated {
						t.Errorf("create answered %d: %v", status, body)
						return
					}
					mu.Lock()
					acked[body["tracking_code"].(string)] = int(body["id"].(float64))
					if len(acked) >= 150 {
						enoughOnce.Do(func() { close(enough) })
					}
					mu.Unlock()
				}
			}()
		}
		// Let writes flow until 150 are acknowledged (or a bound passes), then kill the process
		// without warning while the writers are still sending.
		select {
		case <-enough:
		case <-time.After(30 * time.Second):
		}
		if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		first.cmd.Wait()
		close(stop)
		wg.Wait()
		if len(acked) < 50 {
			t.Fatalf("only %d cases acknowledged before the kill; the load did not run", len(acked))
		}

		second := startServer(t, "--db", dsn)
		for code, id := range acked {
			status, body, err := second.get(client, fmt.Sprintf("/api/v1/cases/%d", id), key)
			if err != nil || status != http.StatusOK || body["tracking_code"] != code {
				t.Fatalf("acknowledged case %d (%s) after restart: %d %v %v", id, code, status, body, err)
			}
		}
		if out, err := runCommand(t, "verify", "--db", dsn); err != nil {
			t.Fatalf("verify after the crash: %v\n%s", err, out)
		}
	})
}
