package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
	"civicgrid/web"
)

// BenchmarkConsolePages renders the two pages a dispatch centre keeps open, through the real
// server, over the demo district with its default history (90 days, about 22 reports a day, as
// `serve --demo` loads it), logged in as district.dispatcher (the whole district in scope):
//
//   - workbench: GET /console/ — the six queue counts (two grouped counts and the read of the
//     request-holding states for pending requests) and the first page of the 待立案 queue;
//   - case: GET /console/cases/{id} for the case with the longest history — the case and its
//     events, the grid map, the routing suggestion, the timeline and the action forms;
//   - dashboard: GET /console/dashboard as district.leader — the district's and its 20 child units'
//     indicators for this month, the six months of 结案率 (five more indicator runs), the open
//     cases for the lists and the map of 140 grids, the 30 days' trend.
//
// Each answer is checked (status 200 and its page) so that an error page cannot pass for a fast
// one.
func BenchmarkConsolePages(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		s := newConsoleBench(b, newDSN(b))
		for _, p := range []struct {
			name, path, page string
			client           *http.Client
		}{
			{"workbench", "/console/", `data-page="workbench"`, s.client},
			{"case", fmt.Sprintf("/console/cases/%d", s.longest), `data-page="case"`, s.client},
			{"dashboard", "/console/dashboard", `data-page="dashboard"`, s.leader},
		} {
			b.Run(p.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := s.getAs(p.client, p.path, p.page); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

type consoleBench struct {
	app     *app.App
	db      *store.DB
	srv     *httptest.Server
	client  *http.Client // district.dispatcher
	leader  *http.Client // district.leader
	longest int64        // the case with the most events
}

func newConsoleBench(b *testing.B, dsn string) *consoleBench {
	b.Helper()
	ctx := context.Background()
	db := storetest.MustOpen(b, dsn)
	if _, err := demo.Load(ctx, db, benchKey, benchPassword); err != nil {
		b.Fatal(err)
	}
	end := benchStart.Add(90 * 24 * time.Hour)
	fake := clock.NewFake(benchStart)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, db, fake, log)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.SetBulkLoad(ctx, true); err != nil {
		b.Fatal(err)
	}
	stats, err := demo.GenerateHistory(ctx, a, fake, demo.HistoryOptions{Days: 90, PerDay: 22, End: end, Seed: 2026})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.SetBulkLoad(ctx, false); err != nil {
		b.Fatal(err)
	}
	b.Logf("demo history: %d cases, %d actions, %d deadline marks", stats.Cases, stats.Actions, stats.Marks)
	if strings.HasPrefix(dsn, "postgres") {
		// The history rewrote each case's row about seven times in a minute; a running PostgreSQL
		// would have vacuumed since (autovacuum). Measure that steady state, not the dead rows.
		if err := db.ExecRaw(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(web.NewServer(a, log))
	b.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	s := &consoleBench{app: a, db: db, srv: srv, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.Cleanup(s.client.CloseIdleConnections)
	s.login(b, "district.dispatcher")
	leaderJar, _ := cookiejar.New(nil)
	s.leader = &http.Client{Jar: leaderJar, CheckRedirect: s.client.CheckRedirect}
	b.Cleanup(s.leader.CloseIdleConnections)
	(&consoleBench{srv: srv, client: s.leader}).login(b, "district.leader")
	s.longest = longestCase(b, db)
	return s
}

func (s *consoleBench) login(b *testing.B, login string) {
	b.Helper()
	res, err := s.client.Get(s.srv.URL + "/login")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(page)
	if m == nil {
		b.Fatalf("no CSRF token on the login page")
	}
	res, err = s.client.PostForm(s.srv.URL+"/login", url.Values{"_csrf": {string(m[1])}, "login": {login}, "password": {benchPassword}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("login: %d", res.StatusCode)
	}
}

func (s *consoleBench) getAs(client *http.Client, path, want string) error {
	res, err := client.Get(s.srv.URL + path)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		return fmt.Errorf("GET %s: %d, want a page with %s", path, res.StatusCode, want)
	}
	return nil
}

// longestCase finds the case with the most events among the newest thousand.
func longestCase(b *testing.B, db *store.DB) int64 {
	b.Helper()
	cases, err := db.Cases(context.Background(), store.CaseFilter{Limit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	var best int64
	seq := 0
	for _, c := range cases {
		if c.Seq > seq {
			best, seq = c.ID, c.Seq
		}
	}
	b.Logf("case page: case %d with %d events", best, seq)
	return best
}
