package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
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

// TestKillMidWorkflow runs the workflow under load — reports through the API key, filing and
// dispatching by demo staff logged in through the API — and kills the server with SIGKILL while
// requests are in flight. While it is down, cases whose deadlines ran out during the outage are
// added (the way another process would, on a clock set back so that their warning and overdue
// instants lie in the past). After the restart every acknowledged action is in its case's history
// exactly once, each mark that fell due during the outage fires exactly once, no mark is left due,
// and verify is clean.
func TestKillMidWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		const key, password = "crash-flow-key", "crash-flow-pw"
		first := startServer(t, "--db", dsn, "--demo", "--demo-days", "0", "--demo-api-key", key, "--demo-password", password)
		client := &http.Client{Timeout: 10 * time.Second}
		intake := bearer(login(t, client, first, "district.intake", password))
		dispatcher := bearer(login(t, client, first, "district.dispatcher", password))
		resident := apiKey(key)
		centre := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])

		var mu sync.Mutex
		acked := map[int64][]string{} // case → the actions acknowledged on it
		ack := func(id int64, action string) {
			mu.Lock()
			acked[id] = append(acked[id], action)
			mu.Unlock()
		}
		dispatched := func() int {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, as := range acked {
				if slices.Contains(as, "dispatch") {
					n++
				}
			}
			return n
		}
		reported, filed := make(chan int64, 10000), make(chan int64, 10000)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		worker := func(step func() bool) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if !step() {
						return
					}
				}
			}()
		}
		// An error from the client means the server died under the request: it was never
		// acknowledged, and the worker stops.
		for range 3 {
			worker(func() bool {
				status, body, err := callAPI(client, "POST", first.url+"/api/v1/cases", resident, map[string]any{
					"matter_code": "E0502", "description": "crash flow", "lat": centre.Lat, "lon": centre.Lon})
				if err != nil {
					return false
				}
				if status != http.StatusCreated || body["state"] != "reported" {
					t.Errorf("report answered %d: %v", status, body)
					return false
				}
				id := int64(body["id"].(float64))
				ack(id, "report")
				reported <- id
				return true
			})
		}
		act := func(from <-chan int64, to chan<- int64, who credential, action string) func() bool {
			return func() bool {
				var id int64
				select {
				case id = <-from:
				case <-stop:
					return false
				}
				status, body, err := callAPI(client, "POST", fmt.Sprintf("%s/api/v1/cases/%d/%s", first.url, id, action), who, nil)
				if err != nil {
					return false
				}
				if status != http.StatusOK {
					t.Errorf("%s of case %d answered %d: %v", action, id, status, body)
					return false
				}
				ack(id, action)
				if to != nil {
					to <- id
				}
				return true
			}
		}
		for range 2 {
			worker(act(reported, filed, intake, "file"))
			worker(act(filed, nil, dispatcher, "dispatch"))
		}
		waitFor(t, 60*time.Second, "40 cases dispatched under load", func() bool { return dispatched() >= 40 })
		if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		first.cmd.Wait()
		close(stop)
		wg.Wait()

		// The outage: cases whose clocks ran out while no server was running.
		overdue := backlog(t, dsn, 30)

		second := startServer(t, "--db", dsn)
		db := storetest.MustOpen(t, dsn)
		waitFor(t, 30*time.Second, "the marks due during the outage to fire", func() bool {
			_, due, err := db.PendingTimers(context.Background(), time.Now())
			return err == nil && due == 0
		})
		fired := checkMarksOnce(t, db, overdue)

		// Every acknowledged action is in the history exactly once, read through the restarted
		// server with the sessions opened before the crash.
		counts := map[string]int{}
		for id, actions := range acked {
			status, body, err := callAPI(client, "GET", fmt.Sprintf("%s/api/v1/cases/%d", second.url, id), intake, nil)
			if err != nil || status != http.StatusOK {
				t.Fatalf("case %d after restart: %d %v %v", id, status, body, err)
			}
			inHistory := map[string]int{}
			for _, ev := range body["timeline"].([]any) {
				inHistory[ev.(map[string]any)["action"].(string)]++
			}
			for _, a := range []string{"report", "file", "dispatch"} {
				if inHistory[a] > 1 {
					t.Errorf("case %d: %s recorded %d times", id, a, inHistory[a])
				}
			}
			for _, a := range actions {
				counts[a]++
				if inHistory[a] != 1 {
					t.Errorf("case %d: acknowledged %s recorded %d times", id, a, inHistory[a])
				}
			}
		}
		if out, err := runCommand(t, "verify", "--db", dsn); err != nil {
			t.Fatalf("verify after the crash: %v\n%s", err, out)
		}
		t.Logf("acknowledged before the kill: %d reports, %d filings, %d dispatches; %d marks due during the outage fired once each after the restart",
			counts["report"], counts["file"], counts["dispatch"], fired)
	})
}

// credential is how a request authenticates: a header and its value.
type credential struct{ header, value string }

func bearer(token string) credential { return credential{"Authorization", "Bearer " + token} }
func apiKey(key string) credential   { return credential{"X-API-Key", key} }

// callAPI sends a request (body as JSON when not nil) and decodes the JSON answer.
func callAPI(client *http.Client, method, url string, who credential, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who.header != "" {
		req.Header.Set(who.header, who.value)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, err
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return res.StatusCode, m, nil
}

// login opens a session for a demo account through the API.
func login(t *testing.T, client *http.Client, s *server, user, password string) string {
	t.Helper()
	status, body, err := callAPI(client, "POST", s.url+"/api/v1/login", credential{}, map[string]string{"login": user, "password": password})
	if err != nil || status != http.StatusOK {
		t.Fatalf("login %s: %d %v %v", user, status, body, err)
	}
	return body["token"].(string)
}

// backlog files and dispatches n cases through the application on a clock set 60 days back,
// with no sweeper running, so that every deadline of the sign stage and of the whole case has
// passed in real time: each case carries four due marks (warning and overdue of both clocks)
// when a server next sweeps. The database must hold the demo district already.
func backlog(t *testing.T, dsn string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fake := clock.NewFake(time.Now().Add(-60 * 24 * time.Hour))
	a, err := app.New(ctx, db, fake, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	user := func(login string) app.Principal {
		u, _, err := db.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		return app.Principal{User: u}
	}
	intake, dispatcher := user("district.intake"), user("district.dispatcher")
	grids := []string{"310113003001001", "310113003001002", "310113003022001"}
	ids := make([]int64, 0, n)
	for i := range n {
		p := demo.GridCentre(demo.Baoshan().Grids[grids[i%len(grids)]])
		c, _, err := a.Report(ctx, intake, app.ReportInput{MatterCode: "E0502", Description: fmt.Sprintf("overdue backlog %d", i), Lat: &p.Lat, Lon: &p.Lon}, "")
		if err != nil {
			t.Fatalf("backlog report: %v", err)
		}
		fake.Advance(5 * time.Minute)
		if _, err := a.Act(ctx, intake, c.ID, casework.ActFile, casework.Input{}); err != nil {
			t.Fatalf("backlog file: %v", err)
		}
		fake.Advance(5 * time.Minute)
		if _, err := a.Act(ctx, dispatcher, c.ID, casework.ActDispatch, casework.Input{}); err != nil {
			t.Fatalf("backlog dispatch: %v", err)
		}
		ids = append(ids, c.ID)
	}
	if _, due, err := db.PendingTimers(ctx, time.Now()); err != nil || due < 4*n {
		t.Fatalf("backlog: %d marks due, want at least %d (%v)", due, 4*n, err)
	}
	return ids
}

// checkMarksOnce checks that each case's history holds exactly one warning and one overdue mark
// for the sign stage and for the whole case, and no other mark; it returns the marks counted.
func checkMarksOnce(t *testing.T, db *store.DB, ids []int64) int {
	t.Helper()
	total := 0
	for start := 0; start < len(ids); start += store.MaxListLimit {
		chunk := ids[start:min(start+store.MaxListLimit, len(ids))]
		histories, err := db.EventsOfCases(context.Background(), chunk)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range chunk {
			marks := map[string]int{}
			for _, ev := range histories[id] {
				if ev.Action != casework.ActWarn && ev.Action != casework.ActOverdue {
					continue
				}
				var p struct {
					Clock string `json:"clock"`
				}
				if err := json.Unmarshal(ev.Payload, &p); err != nil {
					t.Fatalf("case %d: mark payload: %v", id, err)
				}
				marks[string(ev.Action)+" "+p.Clock]++
				total++
			}
			want := map[string]int{"warn sign": 1, "overdue sign": 1, "warn whole": 1, "overdue whole": 1}
			if !maps.Equal(marks, want) {
				t.Fatalf("case %d fired %v, want each of %v once", id, marks, want)
			}
		}
	}
	return total
}
