package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"civicgrid/loadgen"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// benchJSON runs civicgrid bench with --json and decodes its report.
func benchJSON(t *testing.T, args ...string) benchReport {
	t.Helper()
	out, err := runCommand(t, append([]string{"bench", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("bench %v: %v\n%s", args, err, out)
	}
	var rep benchReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("bench --json printed no report: %v\n%s", err, out)
	}
	if rep.Run == nil {
		t.Fatalf("bench --json: no run in\n%s", out)
	}
	return rep
}

// checkOps fails unless exactly the operations named ran, each at least once and none with an
// error, with figures that hang together.
func checkOps(t *testing.T, ops []loadgen.OpStats, want []string, ratios bool) {
	t.Helper()
	got := map[string]loadgen.OpStats{}
	for _, o := range ops {
		got[o.Op] = o
	}
	if len(got) != len(want) {
		t.Errorf("operations %v, want %v", keys(got), want)
	}
	for _, name := range want {
		o, ok := got[name]
		switch {
		case !ok || o.Count == 0:
			t.Errorf("%s never ran", name)
		case o.Errors != 0:
			t.Errorf("%s: %d errors, the first: %s", name, o.Errors, o.FirstError)
		case o.PerSecond <= 0 || o.P50 <= 0 || o.P50 > o.P90 || o.P90 > o.P99 || o.P99 > o.Max:
			t.Errorf("%s: figures out of order: %+v", name, o)
		case ratios && (o.ThroughputRatio <= 0 || o.P50Ratio <= 0 || o.P99Ratio <= 0):
			t.Errorf("%s: no ratios to the baseline: %+v", name, o)
		}
	}
}

func keys(m map[string]loadgen.OpStats) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

var fullOps = []string{loadgen.OpReport, loadgen.OpFile, loadgen.OpDispatch, loadgen.OpSign, loadgen.OpHandle,
	loadgen.OpRequestCheck, loadgen.OpCheckPass, loadgen.OpListNew, loadgen.OpListActive, loadgen.OpListRed,
	loadgen.OpListMatter, loadgen.OpListWithin, loadgen.OpWorkbench}

// TestBenchRuns runs short bounded benches on both databases: the full mix with the baseline,
// where every operation must run without an error, and a request budget that must be met exactly
// with every acknowledged report stored once.
func TestBenchRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		rep := benchJSON(t, "--duration", "2s", "--concurrency", "2", "--db", dsn)
		if rep.Target != "in-process" || rep.Database != string(dialectOf(t, dsn)) || rep.Run.Mix != loadgen.MixFull || rep.Run.Concurrency != 2 {
			t.Fatalf("report header: %+v", rep)
		}
		if b := rep.Baseline; b == nil || b.Op != loadgen.OpBaseline || b.Count == 0 || b.Errors != 0 || b.PerSecond <= 0 {
			t.Fatalf("baseline: %+v", rep.Baseline)
		}
		checkOps(t, rep.Run.Ops, fullOps, true)
		var sum int64
		for _, o := range rep.Run.Ops {
			sum += o.Count
		}
		if rep.Run.Requests != sum || rep.Run.Errors != 0 || rep.Run.Seconds <= 0 {
			t.Fatalf("summary %d requests, %d errors over %.2f s; operations add up to %d", rep.Run.Requests, rep.Run.Errors, rep.Run.Seconds, sum)
		}
		if m := rep.Run.Memory; m == nil || m.Idle.RSSBytes <= 0 || m.Idle.HeapBytes <= 0 || m.Peak.RSSBytes < m.Idle.RSSBytes {
			t.Fatalf("memory readings: %+v", rep.Run.Memory)
		}
		sqlite := dialectOf(t, dsn) == store.SQLite
		if gc := rep.GroupCommit; gc == nil || *gc != sqlite {
			t.Fatalf("group commit reported as %v on %s", rep.GroupCommit, rep.Database)
		}
		if sqlite && (rep.Batches == nil || rep.Batches.Cases < rep.Run.Ops[0].Count) {
			t.Fatalf("group commit carried %+v for %d reports", rep.Batches, rep.Run.Ops[0].Count)
		}

		// A request budget: exactly that many reports, every one stored once.
		fresh := storetest.SQLiteDSN(t)
		if !sqlite {
			fresh = storetest.PostgresDSN(t)
		}
		rep = benchJSON(t, "--mix", "intake", "--duration", "2m", "--max-requests", "40", "--concurrency", "3", "--baseline=false", "--db", fresh)
		checkOps(t, rep.Run.Ops, []string{loadgen.OpReport}, false)
		if rep.Baseline != nil || rep.Run.Requests != 40 {
			t.Fatalf("budget of 40: %d requests, baseline %+v", rep.Run.Requests, rep.Baseline)
		}
		db := storetest.MustOpen(t, fresh)
		if n, err := db.CountRows(context.Background(), "cases"); err != nil || n != 40 {
			t.Fatalf("%d cases stored after 40 acknowledged reports (%v)", n, err)
		}
		if v, err := db.Verify(context.Background()); err != nil || len(v.Problems) != 0 {
			t.Fatalf("verify after the bench: %+v %v", v, err)
		}
	})
}

func dialectOf(t *testing.T, dsn string) store.Dialect {
	d, _, err := store.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBenchText checks the human-readable report: a header, the baseline's table, the run's
// table with a row per operation and the ratio columns, and the summary lines.
func TestBenchText(t *testing.T) {
	out, err := runCommand(t, "bench", "--mix", "intake", "--duration", "1s", "--concurrency", "2")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []string{"civicgrid bench: mix intake, 2 clients", "bare baseline (one durable insert per request):",
		"baseline_insert ", "open311_report ", "×tput", "summary: ", "group commit: ", "memory of the process"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "open311_report" || f[0] == "baseline_insert") {
			if (f[0] == "open311_report" && len(f) != 11) || (f[0] == "baseline_insert" && len(f) != 8) {
				t.Errorf("row with %d columns: %q", len(f), line)
			}
			if f[2] != "0" {
				t.Errorf("errors in %q", line)
			}
		}
	}
}

// TestBenchAgainstServer drives a running server through --url with its demo credentials, and
// refuses targets that are not this machine.
func TestBenchAgainstServer(t *testing.T) {
	const key, pw = "bench-test-key", "bench-test-pw"
	s := startServer(t, "--db", storetest.SQLiteDSN(t), "--demo", "--demo-days", "0", "--demo-api-key", key, "--demo-password", pw)
	// Within the server's default Open311 limits: about one report in ten requests.
	rep := benchJSON(t, "--url", s.url, "--api-key", key, "--password", pw, "--duration", "1m", "--max-requests", "120", "--concurrency", "2", "--baseline=false")
	checkOps(t, rep.Run.Ops, fullOps, false)
	if rep.Target != s.url || rep.Database != "" || rep.Run.Requests != 120 {
		t.Fatalf("report against %s: target %q, database %q, %d requests", s.url, rep.Target, rep.Database, rep.Run.Requests)
	}
	if m := rep.Run.Memory; m == nil || m.Idle.RSSBytes <= 0 || m.Idle.HeapBytes <= 0 {
		t.Fatalf("the server's memory: %+v", rep.Run.Memory)
	}

	for _, target := range []string{"http://192.0.2.1:8080", "http://example.org", "ftp://127.0.0.1/"} {
		out, err := runCommand(t, "bench", "--url", target, "--api-key", key, "--password", pw, "--duration", "1s")
		if err == nil || !strings.Contains(err.Error()+out, "--url") {
			t.Errorf("bench --url %s: %v\n%s", target, err, out)
		}
	}
	if out, err := runCommand(t, "bench", "--url", s.url, "--duration", "1s"); err == nil || !strings.Contains(out, "--api-key and --password") {
		t.Errorf("bench --url without credentials: %v\n%s", err, out)
	}
	if out, err := runCommand(t, "bench", "--concurrency", "0"); err == nil || !strings.Contains(out, "--concurrency 1 to") {
		t.Errorf("bench --concurrency 0: %v\n%s", err, out)
	}
	if out, err := runCommand(t, "bench", "--mix", "everything"); err == nil || !strings.Contains(out, "--mix must be") {
		t.Errorf("bench --mix everything: %v\n%s", err, out)
	}
}

// TestBenchSeed fills a database with a short real history and copies of its finished cases, then
// benches it: the count is exact, the copies lie back in time with their own IDs and tracking
// codes, new cases number after them, and the bench runs over them without an error.
func TestBenchSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		const key, pw = "seed-test-key-0123", "seed-test-pw"
		out, err := runCommand(t, "bench", "seed", "--db", dsn, "--cases", "1500", "--days", "3", "--per-day", "100", "--api-key", key, "--password", pw)
		if err != nil || !strings.Contains(out, "seed: 1500 cases and ") {
			t.Fatalf("bench seed: %v\n%s", err, out)
		}
		ctx := context.Background()
		db := storetest.MustOpen(t, dsn)
		if n, err := db.CountRows(ctx, "cases"); err != nil || n != 1500 {
			t.Fatalf("%d cases after seeding 1500 (%v)", n, err)
		}
		last, err := db.CaseByTrackingCode(ctx, "seed-1500")
		if err != nil || last.ID != 1500 || last.TrackingCode != "seed-1500" {
			t.Fatalf("the last copy: %+v %v", last, err)
		}
		evs, err := db.CaseEvents(ctx, 1500)
		if err != nil || len(evs) < 2 || evs[0].CaseID != 1500 || evs[len(evs)-1].To != last.State {
			t.Fatalf("the last copy's history: %d events, %v", len(evs), err)
		}
		first, err := db.Case(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		// At 100 a day, 1,500 cases reach back about two weeks: well before the real history's 3 days.
		old, err := db.Cases(ctx, store.CaseFilter{ReportedTo: first.ReportedAt.AddDate(0, 0, -6), Limit: 1})
		if err != nil || len(old) != 1 || old[0].ID <= 1 {
			t.Fatalf("no copy lies a week before the history: %v %v", old, err)
		}
		db.Close()

		rep := benchJSON(t, "--db", dsn, "--api-key", key, "--password", pw, "--mix", "intake", "--duration", "1m", "--max-requests", "20", "--concurrency", "2", "--baseline=false")
		checkOps(t, rep.Run.Ops, []string{loadgen.OpReport}, false)
		if rep.CasesBefore != 1500 {
			t.Fatalf("bench saw %d cases before, want 1500", rep.CasesBefore)
		}
		db = storetest.MustOpen(t, dsn)
		if n, err := db.CountRows(ctx, "cases"); err != nil || n != 1520 {
			t.Fatalf("%d cases after 20 more reports (%v)", n, err)
		}
		if c, err := db.Case(ctx, 1520); err != nil || c.Channel != "open311" {
			t.Fatalf("the newest report did not number after the copies: %+v %v", c, err)
		}
		if out, err := runCommand(t, "bench", "seed", "--db", dsn, "--cases", "2000"); err == nil || !strings.Contains(err.Error()+out, "empty database") {
			t.Fatalf("seeding a database with data: %v\n%s", err, out)
		}
	})
}
