package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"civicgrid/app"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/web"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	data := fs.String("data", "data", "directory for the embedded database")
	dsn := fs.String("db", "", "database DSN: sqlite:PATH or postgres://... (default sqlite:DATA/civicgrid.db)")
	withDemo := fs.Bool("demo", false, "load the demo district and its history into an empty database")
	demoKey := fs.String("demo-api-key", "", "Open311 API key of the demo (random when empty)")
	demoPassword := fs.String("demo-password", "", "password of every demo staff account (random when empty)")
	demoDays := fs.Int("demo-days", 90, "days of demo history")
	demoPerDay := fs.Int("demo-per-day", 22, "demo reports a day on average")
	logJSON := fs.Bool("log-json", false, "write logs as JSON")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	metricsAllow := fs.String("metrics-allow", "", "comma-separated CIDRs allowed to read /metrics (default: this host only)")
	trustProxy := fs.Bool("trust-proxy", false, "take the client address from X-Forwarded-For (only behind a proxy that sets it)")
	secureCookies := fs.Bool("secure-cookies", false, "mark cookies Secure even on plain HTTP (behind a TLS-terminating proxy)")
	tileURL := fs.String("tile-url", "", "tile URL template with {z}, {x}, {y} (and {key}) drawn under the console's maps (default: none)")
	tileKey := fs.String("tile-key", "", "key put in the tile URL's {key}")
	tileCRS := fs.String("tile-crs", "wgs84", "coordinate system of the tiles: wgs84 (天地图, OpenStreetMap) or gcj02 (高德, 腾讯)")
	ratePerKey := fs.Float64("rate-per-key", web.DefaultLimits().PerKey.PerMinute, "Open311 and portal writes a minute per API key, bursts of twice that (0: no limit)")
	ratePerAddr := fs.Float64("rate-per-addr", web.DefaultLimits().PerAddr.PerMinute, "Open311 and portal writes a minute per client address, bursts of twice that (0: no limit)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *ratePerKey < 0 || *ratePerAddr < 0 {
		fmt.Fprintln(stderr, "serve: --rate-per-key and --rate-per-addr must not be negative")
		return errUsage
	}
	var tiles *web.TileLayer
	if *tileURL != "" {
		var err error
		if tiles, err = web.NewTileLayer(*tileURL, *tileKey, *tileCRS); err != nil {
			return err
		}
	} else if *tileKey != "" {
		return fmt.Errorf("--tile-key needs --tile-url")
	}
	log, err := newLogger(stderr, *logJSON, *logLevel)
	if err != nil {
		return err
	}
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(*data, "civicgrid.db")
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	fake := clock.NewFake(time.Now())
	a, err := app.New(ctx, db, fake, log)
	if err != nil {
		return err
	}
	if *withDemo {
		if err := loadDemo(ctx, a, fake, *demoKey, *demoPassword, *demoDays, *demoPerDay, stdout); err != nil {
			return err
		}
	}
	// History is written; from here on the platform runs on real time.
	a.Clock, db.Clock = clock.Real{}, clock.Real{}

	handler := web.NewServer(a, log)
	handler.TrustProxy, handler.SecureCookies, handler.Tiles = *trustProxy, *secureCookies, tiles
	handler.Limits.PerKey = web.Rate{PerMinute: *ratePerKey, Burst: int(2 * *ratePerKey)}
	handler.Limits.PerAddr = web.Rate{PerMinute: *ratePerAddr, Burst: int(2 * *ratePerAddr)}
	if *metricsAllow != "" {
		prefixes, err := parsePrefixes(*metricsAllow)
		if err != nil {
			return err
		}
		handler.MetricsAllow = web.AllowPrefixes(prefixes)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	loops, stopLoops := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.RunTimers(loops, time.Second) }()
	go func() { defer wg.Done(); a.WatchConfig(loops, 2*time.Second) }()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "civicgrid listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "db", string(db.Dialect()))

	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down: draining requests")
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopLoops()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

func newLogger(w io.Writer, asJSON bool, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q must be debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// openMigrated opens the database and brings its schema up to date, refusing one that is newer
// than this build.
func openMigrated(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// loadDemo loads the demo district into an empty database and generates its history.
func loadDemo(ctx context.Context, a *app.App, fake *clock.Fake, key, password string, days, perDay int, stdout io.Writer) error {
	empty, err := demo.IsEmpty(ctx, a.DB)
	if err != nil {
		return err
	}
	if !empty {
		fmt.Fprintln(stdout, "demo: the database already holds data; not loading the demo again")
		return nil
	}
	creds, err := demo.Load(ctx, a.DB, key, password)
	if err != nil {
		return err
	}
	if err := a.Reload(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: 宝山区 loaded. Staff password: %s (e.g. login district.dispatcher). Open311 api_key: %s\n", creds.Password, creds.APIKey)
	if days <= 0 {
		return nil
	}
	fmt.Fprintf(stdout, "demo: generating %d days of history through the real workflow (this takes a little while)...\n", days)
	end := fake.Now()
	fake.Set(end.Add(-time.Duration(days) * 24 * time.Hour))
	if err := a.DB.SetBulkLoad(ctx, true); err != nil {
		return err
	}
	stats, err := demo.GenerateHistory(ctx, a, fake, demo.HistoryOptions{Days: days, PerDay: perDay, End: end, Seed: 2026})
	if err2 := a.DB.SetBulkLoad(context.WithoutCancel(ctx), false); err == nil {
		err = err2
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: %d cases with %d actions and %d deadline marks over %d days\n", stats.Cases, stats.Actions, stats.Marks, days)
	return nil
}

// parsePrefixes reads a comma-separated list of CIDRs (a bare address means just that host).
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("--metrics-allow: %q is neither an address nor a CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("--metrics-allow: %q is not a CIDR such as 10.0.0.0/8", f)
		}
		out = append(out, p.Masked())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--metrics-allow names no address")
	}
	return out, nil
}
