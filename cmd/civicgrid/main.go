// Command civicgrid runs the CivicGrid platform: the server, migrations, the demo district and
// history, integrity verification, calendar imports, backups and load tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"civicgrid"
)

const usage = `civicgrid — 网格化基层治理平台 / grassroots governance platform

Usage:
  civicgrid serve   [--addr 127.0.0.1:8080] [--data DIR] [--db DSN] [--log-json] [--log-level info]
                    [--metrics-allow CIDR,...] [--trust-proxy] [--secure-cookies]
                    [--tile-url TEMPLATE [--tile-key KEY] [--tile-crs wgs84|gcj02]]
                    [--rate-per-key 30] [--rate-per-addr 60]
                    [--demo] [--demo-api-key KEY] [--demo-password PW] [--demo-days 90] [--demo-per-day 22]
  civicgrid migrate --db DSN [--rebuild-rollups]
  civicgrid demo    --db DSN [--days 90] [--per-day 22] [--api-key KEY] [--password PW]
  civicgrid verify  --db DSN [--json]
  civicgrid backup  --db DSN --out FILE
  civicgrid calendar import --db DSN FILE.csv
  civicgrid bench   [--duration 20s] [--concurrency 16] [--mix full|intake|reads] [--db DSN | --url URL] [--json]
  civicgrid bench seed --db DSN --cases N

DSN is sqlite:PATH or postgres://user@host:5432/db. Without --db, serve uses sqlite:DIR/civicgrid.db.
serve and demo bring the schema up to date; verify and calendar import need it current already.
backup copies an SQLite database while servers use it; for PostgreSQL it prints the pg_dump command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "civicgrid:", civicgridMessage(err))
		}
		os.Exit(exitCode(err))
	}
}

var errUsage = errors.New("usage")

func civicgridMessage(err error) string {
	var e *civicgrid.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// run is main without the process: tests call it with their own context and writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "verify":
		return runVerify(ctx, args[1:], stdout, stderr)
	case "calendar":
		return runCalendar(ctx, args[1:], stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
