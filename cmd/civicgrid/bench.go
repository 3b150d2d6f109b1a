package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"civicgrid/app"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/loadgen"
	"civicgrid/store"
	"civicgrid/web"
)

const benchUsage = `civicgrid bench — load a CivicGrid server through its HTTP API and measure it

Usage:
  civicgrid bench [--duration 20s] [--max-requests N] [--concurrency 16] [--mix full|intake|reads]
                  [--db DSN] [--group-commit=true]
                  [--url URL --api-key KEY --password PW [--allow-remote]]
                  [--baseline=true] [--baseline-db DSN] [--json]
  civicgrid bench seed --db DSN --cases N [--per-day 5000] [--days 30] [--reports-only]
                       [--api-key KEY] [--password PW]

Without --url, bench starts a server in this process on a loopback port, over --db or a new
SQLite file in a temporary directory; an empty database gets the demo district. With --url it
drives a running server holding the demo district (its Open311 key and staff password given),
refusing non-loopback addresses unless --allow-remote. The bare baseline — a minimal server doing
one durable insert per request — runs first with the same concurrency and duration, over
--baseline-db (default: a new SQLite file, or the PostgreSQL database of --db); every figure is
also given as a ratio to it.

bench seed fills an empty database with the demo district, a real history of --days days, and
copies of its finished cases laid back in time, --per-day a day, up to --cases cases (with
--reports-only the copies keep only their report event).
`

// benchReport is what bench prints with --json.
type benchReport struct {
	Target      string                  `json:"target"` // "in-process" or the URL
	Database    string                  `json:"database,omitempty"`
	GroupCommit *bool                   `json:"group_commit,omitempty"`
	CasesBefore int64                   `json:"cases_before,omitempty"`
	Baseline    *loadgen.OpStats        `json:"baseline,omitempty"`
	Run         *loadgen.Result         `json:"run"`
	Batches     *store.GroupCommitStats `json:"group_commit_stats,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "seed" {
		return runBenchSeed(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage) }
	duration := fs.Duration("duration", 20*time.Second, "how long each phase (baseline, run) lasts")
	maxRequests := fs.Int64("max-requests", 0, "stop each phase after this many requests (0: no limit)")
	concurrency := fs.Int("concurrency", 16, "clients sending at once")
	mix := fs.String("mix", loadgen.MixFull, "work to send: full, intake or reads")
	dsn := fs.String("db", "", "database of the in-process server (default: a new SQLite file)")
	groupCommit := fs.Bool("group-commit", true, "group concurrent case creations into one commit (SQLite)")
	target := fs.String("url", "", "drive this running server instead of one in this process")
	apiKey := fs.String("api-key", "", "the demo's Open311 API key (with --url, or a --db that holds the demo)")
	password := fs.String("password", "", "the demo staff password (with --url, or a --db that holds the demo)")
	allowRemote := fs.Bool("allow-remote", false, "allow --url to name a host that is not this machine")
	baseline := fs.Bool("baseline", true, "run the bare baseline first")
	baselineDSN := fs.String("baseline-db", "", "database of the baseline (default: a new SQLite file, or --db when it is PostgreSQL)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run (not the baseline) to this file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *duration <= 0 || *duration > loadgen.MaxDuration || *concurrency < 1 || *concurrency > loadgen.MaxConcurrency || *maxRequests < 0 {
		fmt.Fprintf(stderr, "bench: --duration must be above 0 and at most %s, --concurrency 1 to %d, --max-requests not negative\n", loadgen.MaxDuration, loadgen.MaxConcurrency)
		return errUsage
	}
	if *mix != loadgen.MixFull && *mix != loadgen.MixIntake && *mix != loadgen.MixReads {
		fmt.Fprintf(stderr, "bench: --mix must be %s, %s or %s\n", loadgen.MixFull, loadgen.MixIntake, loadgen.MixReads)
		return errUsage
	}
	if *target != "" && *dsn != "" {
		fmt.Fprintln(stderr, "bench: give --url or --db, not both")
		return errUsage
	}
	tmp, err := os.MkdirTemp("", "civicgrid-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	rep := benchReport{}
	cfg := loadgen.Config{Concurrency: *concurrency, Duration: *duration, MaxRequests: *maxRequests, Mix: *mix,
		APIKey: *apiKey, Password: *password, Seed: 2026, SampleMemory: true}
	var srv *benchServer
	if *target != "" {
		if err := checkLoopback(*target, *allowRemote); err != nil {
			return err
		}
		if *apiKey == "" || *password == "" {
			fmt.Fprintln(stderr, "bench: --url needs the demo's --api-key and --password")
			return errUsage
		}
		cfg.BaseURL, rep.Target = *target, *target
	} else {
		if *dsn == "" {
			*dsn = "sqlite:" + filepath.Join(tmp, "civicgrid.db")
		}
		srv, err = startBenchServer(ctx, *dsn, *groupCommit, *apiKey, *password)
		if err != nil {
			return err
		}
		defer srv.stop()
		cfg.BaseURL, cfg.APIKey, cfg.Password = srv.url, srv.apiKey, srv.password
		rep.Target, rep.Database, rep.CasesBefore = "in-process", string(srv.db.Dialect()), srv.casesBefore
		gc := *groupCommit && srv.db.Dialect() == store.SQLite
		rep.GroupCommit = &gc
	}

	if *baseline {
		bdsn := *baselineDSN
		if bdsn == "" {
			bdsn = "sqlite:" + filepath.Join(tmp, "baseline.db")
			if d, _, err := store.ParseDSN(*dsn); err == nil && d == store.Postgres {
				bdsn = *dsn
			}
		}
		b, err := loadgen.StartBaseline(ctx, bdsn)
		if err != nil {
			return fmt.Errorf("bare baseline: %w", err)
		}
		st, err := loadgen.RunBaseline(ctx, b.URL, *concurrency, *duration, *maxRequests, 2026)
		rows, rerr := b.Rows(ctx)
		if cerr := b.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = rerr
		}
		if err != nil {
			return fmt.Errorf("bare baseline: %w", err)
		}
		// Every acknowledged insert is stored; requests cut off by the end of the phase (at most one
		// a client) may be stored unacknowledged.
		if ok := st.Count - st.Errors; rows < ok || rows > ok+int64(*concurrency) {
			return fmt.Errorf("bare baseline: %d inserts acknowledged but %d rows stored", ok, rows)
		}
		rep.Baseline = &st
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	res, err := loadgen.Run(ctx, cfg)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	if rep.Baseline != nil {
		res.Ops = loadgen.WithRatios(res.Ops, *rep.Baseline)
	}
	rep.Run = res
	if srv != nil && rep.GroupCommit != nil && *rep.GroupCommit {
		st := srv.db.GroupCommitStats()
		rep.Batches = &st
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeBenchText(stdout, rep, *duration)
	return nil
}

func writeBenchText(w io.Writer, rep benchReport, d time.Duration) {
	r := rep.Run
	fmt.Fprintf(w, "civicgrid bench: mix %s, %d clients, %s a phase, target %s", r.Mix, r.Concurrency, d, rep.Target)
	if rep.Database != "" {
		fmt.Fprintf(w, " (%s, %d cases before", rep.Database, rep.CasesBefore)
		if rep.GroupCommit != nil && rep.Database == string(store.SQLite) {
			fmt.Fprintf(w, ", group commit %v", map[bool]string{true: "on", false: "off"}[*rep.GroupCommit])
		}
		fmt.Fprint(w, ")")
	}
	fmt.Fprintln(w)
	if rep.Baseline != nil {
		fmt.Fprintln(w, "\nbare baseline (one durable insert per request):")
		loadgen.WriteTable(w, []loadgen.OpStats{*rep.Baseline}, false)
	}
	fmt.Fprintln(w, "\ncivicgrid:")
	loadgen.WriteTable(w, r.Ops, rep.Baseline != nil)
	fmt.Fprintf(w, "\nsummary: %d requests in %.1f s, %d errors, %.1f ok/s", r.Requests, r.Seconds, r.Errors, r.PerSecond)
	if rep.Baseline != nil && rep.Baseline.PerSecond > 0 {
		fmt.Fprintf(w, " (%.2f × the baseline's %.1f/s)", r.PerSecond/rep.Baseline.PerSecond, rep.Baseline.PerSecond)
	}
	fmt.Fprintln(w)
	if rep.Batches != nil && rep.Batches.Batches > 0 {
		fmt.Fprintf(w, "group commit: %d cases in %d commits (%.1f a commit, at most %d)\n", rep.Batches.Cases, rep.Batches.Batches,
			float64(rep.Batches.Cases)/float64(rep.Batches.Batches), rep.Batches.MaxBatch)
	}
	if m := r.Memory; m != nil {
		who := "server"
		if rep.Target == "in-process" {
			who = "process (server and load generator)"
		}
		fmt.Fprintf(w, "memory of the %s: RSS %.1f MiB idle, %.1f MiB peak; Go heap %.1f MiB idle, %.1f MiB peak\n", who,
			m.Idle.RSSBytes/(1<<20), m.Peak.RSSBytes/(1<<20), m.Idle.HeapBytes/(1<<20), m.Peak.HeapBytes/(1<<20))
	}
}

// checkLoopback refuses a target that is not this machine, unless allowed: a load test sent to
// someone else's server by a typo is an attack.
func checkLoopback(target string, allowRemote bool) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q must be an http:// or https:// URL", target)
	}
	if allowRemote {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--url %q is not a loopback address; pass --allow-remote to load a server on another host", target)
}

// benchServer is the platform served in this process for a bench run.
type benchServer struct {
	db               *store.DB
	url              string
	apiKey, password string
	casesBefore      int64
	stop             func()
}

func startBenchServer(ctx context.Context, dsn string, groupCommit bool, apiKey, password string) (*benchServer, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	db.SetGroupCommit(groupCommit)
	fail := func(err error) (*benchServer, error) { db.Close(); return nil, err }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, db, clock.Real{}, log)
	if err != nil {
		return fail(err)
	}
	empty, err := demo.IsEmpty(ctx, db)
	if err != nil {
		return fail(err)
	}
	if empty {
		creds, err := demo.Load(ctx, db, apiKey, password)
		if err != nil {
			return fail(err)
		}
		if err := a.Reload(ctx); err != nil {
			return fail(err)
		}
		apiKey, password = creds.APIKey, creds.Password
	} else if apiKey == "" || password == "" {
		return fail(errors.New("the database already holds data: give the demo's --api-key and --password (as printed when it was loaded)"))
	}
	n, err := db.CountRows(ctx, "cases")
	if err != nil {
		return fail(err)
	}
	s := web.NewServer(a, log)
	// The load comes from one address with one key; the limits would refuse it after a minute's
	// worth of reports. Everything else runs as served.
	s.Limits.PerKey, s.Limits.PerAddr = web.Rate{}, web.Rate{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	loops, stopLoops := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); a.RunTimers(loops, time.Second) }()
	go func() { defer wg.Done(); a.WatchConfig(loops, 2*time.Second) }()
	go func() { defer wg.Done(); hs.Serve(ln) }()
	return &benchServer{db: db, url: "http://" + ln.Addr().String(), apiKey: apiKey, password: password, casesBefore: n, stop: func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		hs.Shutdown(sctx)
		cancel()
		stopLoops()
		wg.Wait()
		db.Close()
	}}, nil
}

func runBenchSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage) }
	dsn := dbFlag(fs)
	cases := fs.Int64("cases", 1000000, "cases the database holds at the end")
	perDay := fs.Int64("per-day", 5000, "cases a day the copies spread over")
	days := fs.Int("days", 30, "days of real history to copy")
	key := fs.String("api-key", "", "Open311 API key (random when empty)")
	password := fs.String("password", "", "staff password (random when empty)")
	reportsOnly := fs.Bool("reports-only", false, "give the copies only their report event, not their whole history")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := needDB(fs, *dsn); err != nil {
		return err
	}
	if *cases < 1 || *cases > 100_000_000 || *perDay < 1 || *perDay > 10_000_000 || *days < 1 || *days > 365 {
		fmt.Fprintln(stderr, "bench seed: --cases must be 1..100000000, --per-day 1..10000000, --days 1..365")
		return errUsage
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if empty, err := demo.IsEmpty(ctx, db); err != nil {
		return err
	} else if !empty {
		return errors.New("bench seed needs an empty database")
	}
	fake := clock.NewFake(time.Now())
	a, err := app.New(ctx, db, fake, nil)
	if err != nil {
		return err
	}
	t0 := time.Now()
	creds, err := demo.Load(ctx, db, *key, *password)
	if err != nil {
		return err
	}
	if err := a.Reload(ctx); err != nil {
		return err
	}
	end := fake.Now()
	fake.Set(end.Add(-time.Duration(*days) * 24 * time.Hour))
	if err := db.SetBulkLoad(ctx, true); err != nil {
		return err
	}
	defer db.SetBulkLoad(context.WithoutCancel(ctx), false)
	stats, err := demo.GenerateHistory(ctx, a, fake, demo.HistoryOptions{Days: *days, PerDay: 22, End: end, Seed: 2026})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed: demo district and %d days of history through the workflow: %d cases, %d actions, %d marks in %.1f s\n",
		*days, stats.Cases, stats.Actions, stats.Marks, time.Since(t0).Seconds())
	t1 := time.Now()
	next := int64(0)
	res, err := db.CloneCases(ctx, store.SeedPlan{Total: *cases, PerDay: *perDay, Chunk: 50000, ReportsOnly: *reportsOnly, Progress: func(n int64) {
		if n >= next {
			fmt.Fprintf(stdout, "seed: %d cases (%.0f s)\n", n, time.Since(t1).Seconds())
			next = n + *cases/10
		}
	}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed: %d cases and %d events, copies of %d finished cases reaching back %d days, copied in %.1f s\n",
		res.Cases, res.Events, res.Templates, res.HistoryDays, time.Since(t1).Seconds())
	fmt.Fprintf(stdout, "seed: Open311 api_key: %s  staff password: %s\n", creds.APIKey, creds.Password)
	return nil
}
