package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"civicgrid/demo"
	"civicgrid/store/storetest"
)

// TestScaleOut runs three `civicgrid serve` processes on one PostgreSQL database, as behind a load
// balancer. SQLite serves one process only (docs/configuration.md), so the test has a postgres
// subtest alone, which skips with the usual message when no test server is configured.
//
//   - A backlog of deadline marks, due when the three processes start together, is fired by
//     their sweepers racing one another: every mark exactly once.
//   - Cases are reported, filed, dispatched and read round robin across the processes, with
//     sessions opened on one process used on the others.
//   - Two operators file and reject the same case on two processes at the same moment: one wins
//     with 200, the other gets 409, and the history holds the winner alone.
//   - A configuration change made through one process reaches the other two.
func TestScaleOut(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresDSN(t)
		began := time.Now()
		const key, password = "scale-out-key", "scale-out-pw"
		client := &http.Client{Timeout: 20 * time.Second}

		// The demo is loaded once, by the first process; it then stops, and while no process
		// runs a backlog of cases whose deadlines have all passed is written.
		loader := startServer(t, "--db", dsn, "--demo", "--demo-days", "0", "--demo-api-key", key, "--demo-password", password)
		stopServer(t, loader)
		const backlogCases = 150
		overdue := backlog(t, dsn, backlogCases)

		servers := startServers(t, 3, "--db", dsn)
		db := storetest.MustOpen(t, dsn)
		drainStart := time.Now()
		waitFor(t, 60*time.Second, "the three sweepers to fire the backlog", func() bool {
			_, due, err := db.PendingTimers(context.Background(), time.Now())
			return err == nil && due == 0
		})
		drained := time.Since(drainStart)
		fired := checkMarksOnce(t, db, overdue)
		var shares []string
		sum := 0
		for i, s := range servers {
			n := scrapeValue(t, client, s, "civicgrid_deadline_marks_fired_total")
			sum += int(n)
			shares = append(shares, fmt.Sprintf("process %d: %d", i+1, int(n)))
		}
		if sum != fired {
			t.Fatalf("the processes report %d marks fired (%s), the histories hold %d", sum, strings.Join(shares, ", "), fired)
		}
		t.Logf("%d marks of %d overdue cases fired exactly once by three racing sweepers, drained %v after the last process listened (%s)",
			fired, backlogCases, drained.Round(time.Millisecond), strings.Join(shares, ", "))

		// Round robin: each case is reported, filed, dispatched and read on different processes;
		// a session opened on one process is accepted by the others.
		intake := bearer(login(t, client, servers[0], "district.intake", password))
		dispatcher := bearer(login(t, client, servers[1], "district.dispatcher", password))
		centre := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
		report := func(s *server, what string) int64 {
			status, body, err := callAPI(client, "POST", s.url+"/api/v1/cases", apiKey(key), map[string]any{
				"matter_code": "E0502", "description": what, "lat": centre.Lat, "lon": centre.Lon})
			if err != nil || status != http.StatusCreated {
				t.Errorf("report on %s: %d %v %v", s.url, status, body, err)
				return 0
			}
			return int64(body["id"].(float64))
		}
		const roundRobin = 30
		ids := make([]int64, roundRobin)
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < roundRobin; i += 6 {
					id := report(servers[i%3], fmt.Sprintf("round robin %d", i))
					if id == 0 {
						return
					}
					for k, step := range []struct {
						action string
						who    credential
					}{{"file", intake}, {"dispatch", dispatcher}} {
						s := servers[(i+1+k)%3]
						status, body, err := callAPI(client, "POST", fmt.Sprintf("%s/api/v1/cases/%d/%s", s.url, id, step.action), step.who, nil)
						if err != nil || status != http.StatusOK {
							t.Errorf("%s case %d on process %d: %d %v %v", step.action, id, (i+1+k)%3+1, status, body, err)
							return
						}
					}
					ids[i] = id
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		for _, id := range ids {
			for _, s := range servers {
				tl := timeline(t, client, s, intake, id)
				if strings.Join(tl, ",") != "report,file,dispatch" {
					t.Fatalf("case %d on %s: history %v", id, s.url, tl)
				}
			}
		}

		// Conflicting actions on two processes at the same moment.
		const conflicts = 20
		wins := map[string]int{}
		for i := range conflicts {
			id := report(servers[i%3], fmt.Sprintf("contested %d", i))
			if id == 0 {
				t.FailNow()
			}
			type answer struct {
				action string
				status int
				err    error
			}
			answers := make([]answer, 2)
			startGun := make(chan struct{})
			var wg sync.WaitGroup
			for j, a := range []struct {
				s      *server
				action string
				body   any
			}{
				{servers[0], "file", nil},
				{servers[1], "reject", map[string]any{"reason_code": "invalid", "reason": "无效报告"}},
			} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-startGun
					status, _, err := callAPI(client, "POST", fmt.Sprintf("%s/api/v1/cases/%d/%s", a.s.url, id, a.action), intake, a.body)
					answers[j] = answer{a.action, status, err}
				}()
			}
			close(startGun)
			wg.Wait()
			winner := ""
			for _, a := range answers {
				switch {
				case a.err != nil:
					t.Fatalf("case %d: %s: %v", id, a.action, a.err)
				case a.status == http.StatusOK && winner == "":
					winner = a.action
				case a.status != http.StatusConflict:
					t.Fatalf("case %d: %s answered %d; want one 200 and one 409 (%+v)", id, a.action, a.status, answers)
				}
			}
			if winner == "" {
				t.Fatalf("case %d: neither action won (%+v)", id, answers)
			}
			wins[winner]++
			if tl := timeline(t, client, servers[2], intake, id); strings.Join(tl, ",") != "report,"+winner {
				t.Fatalf("case %d: %s won, history %v", id, winner, tl)
			}
		}

		// A configuration change made through one process reaches the others (they check every
		// 2 s); the version each process holds is on its metrics.
		admin := bearer(login(t, client, servers[2], "city.admin", password))
		req, _ := http.NewRequest("POST", servers[0].url+"/api/v1/calendar/days", strings.NewReader("date,kind,name\n2027-01-01,off,元旦\n"))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set(admin.header, admin.value)
		changed := time.Now()
		res, err := client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("calendar import: %v %v", res, err)
		}
		res.Body.Close()
		want := scrapeValue(t, client, servers[0], "civicgrid_config_version")
		waitFor(t, 15*time.Second, "the other processes to reload the configuration", func() bool {
			return scrapeValue(t, client, servers[1], "civicgrid_config_version") == want &&
				scrapeValue(t, client, servers[2], "civicgrid_config_version") == want
		})
		propagated := time.Since(changed)

		if out, err := runCommand(t, "verify", "--db", dsn); err != nil || !strings.Contains(out, ": 0 problems") {
			t.Fatalf("verify: %v\n%s", err, out)
		}
		if _, due, err := db.PendingTimers(context.Background(), time.Now()); err != nil || due != 0 {
			t.Fatalf("%d marks left due (%v)", due, err)
		}
		t.Logf("%d cases round robin across 3 processes; %d contested cases: %v; configuration reached every process in %v; whole test %v",
			roundRobin, conflicts, wins, propagated.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	})
}

// timeline returns the actions of a case's history as a process serves it.
func timeline(t *testing.T, client *http.Client, s *server, who credential, id int64) []string {
	t.Helper()
	status, body, err := callAPI(client, "GET", fmt.Sprintf("%s/api/v1/cases/%d", s.url, id), who, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("case %d on %s: %d %v %v", id, s.url, status, body, err)
	}
	var out []string
	for _, ev := range body["timeline"].([]any) {
		out = append(out, ev.(map[string]any)["action"].(string))
	}
	return out
}

// scrapeValue reads one unlabelled sample from a process's /metrics.
func scrapeValue(t *testing.T, client *http.Client, s *server, name string) float64 {
	t.Helper()
	res, err := client.Get(s.url + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", s.url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s", s.url, res.Status)
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s on %s: %v", name, s.url, err)
			}
			return v
		}
	}
	t.Fatalf("no %s on %s", name, s.url)
	return 0
}

// startServers starts n serve processes at once, so that they come up together, and waits for
// each to listen.
func startServers(t *testing.T, n int, args ...string) []*server {
	t.Helper()
	type launched struct {
		cmd   *exec.Cmd
		logs  *bytes.Buffer
		found <-chan string
	}
	ls := make([]launched, n)
	for i := range ls {
		cmd, logs, found := launch(t, args...)
		ls[i] = launched{cmd, logs, found}
	}
	out := make([]*server, n)
	for i, l := range ls {
		select {
		case url, ok := <-l.found:
			if !ok {
				l.cmd.Wait()
				t.Fatalf("server %d exited before listening:\n%s", i+1, l.logs)
			}
			out[i] = &server{cmd: l.cmd, url: url, logs: l.logs}
		case <-time.After(60 * time.Second):
			t.Fatalf("server %d did not start within a minute:\n%s", i+1, l.logs)
		}
	}
	return out
}

// stopServer terminates a server as an operator would and waits for its clean exit.
func stopServer(t *testing.T, s *server) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server exited with %v\n%s", err, s.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not stop within 30 s of SIGTERM\n%s", s.logs)
	}
}
