package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"civicgrid/store/storetest"
)

// TestDemoHistoryVerifies generates a short demo history through the real workflow and checks
// that verify finds every projection equal to its events and every chain intact.
func TestDemoHistoryVerifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		out, err := runCommand(t, "demo", "--db", dsn, "--days", "6", "--per-day", "12", "--password", "demo-pass-1")
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Staff password: demo-pass-1") || !strings.Contains(out, "cases with") {
			t.Fatalf("demo output:\n%s", out)
		}
		out, err = runCommand(t, "verify", "--db", dsn)
		if err != nil || !strings.Contains(out, ": 0 problems") {
			t.Fatalf("verify: %v\n%s", err, out)
		}
		// Roll-up rows that no longer add up are found, and a rebuild from the histories mends them.
		if err := storetest.Exec(t, dsn, `UPDATE rollups SET n = n + 1 WHERE day = (SELECT min(day) FROM rollups)`); err != nil {
			t.Fatal(err)
		}
		if out, err := runCommand(t, "verify", "--db", dsn); err == nil || !strings.Contains(out, "roll-up row") {
			t.Fatalf("verify of damaged roll-ups: %v\n%s", err, out)
		}
		if out, err := runCommand(t, "migrate", "--db", dsn, "--rebuild-rollups"); err != nil || !strings.Contains(out, "roll-ups rebuilt from") {
			t.Fatalf("rebuild: %v\n%s", err, out)
		}
		if out, err := runCommand(t, "verify", "--db", dsn); err != nil || !strings.Contains(out, ": 0 problems") {
			t.Fatalf("verify after the rebuild: %v\n%s", err, out)
		}
		// A second demo run leaves a database with data alone.
		out, err = runCommand(t, "demo", "--db", dsn, "--days", "1")
		if err != nil || !strings.Contains(out, "already holds data") {
			t.Fatalf("second demo: %v\n%s", err, out)
		}
	})
}

// TestSIGTERMDrains: a terminated server finishes, exits 0 and says so.
func TestSIGTERMDrains(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	s := startServer(t, "--db", dsn)
	res, err := http.Get(s.url + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()
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
	if !strings.Contains(s.logs.String(), "stopped") {
		t.Fatalf("no clean stop in the log:\n%s", s.logs)
	}
}

// TestCalendarImportCLI imports a later year's holidays and refuses a malformed file unchanged.
func TestCalendarImportCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		good := filepath.Join(dir, "2027.csv")
		os.WriteFile(good, []byte("date,kind,name\n2027-01-01,off,元旦\n2027-02-06,work,春节调休上班\n"), 0o600)
		// Tools that patch data never migrate behind the operator's back.
		if out, err := runCommand(t, "calendar", "import", "--db", dsn, good); err == nil || !strings.Contains(err.Error(), "run civicgrid migrate") {
			t.Fatalf("import into an unmigrated database: %v\n%s", err, out)
		}
		if out, err := runCommand(t, "migrate", "--db", dsn); err != nil || !strings.Contains(out, "schema at version") {
			t.Fatalf("migrate: %v\n%s", err, out)
		}
		out, err := runCommand(t, "calendar", "import", "--db", dsn, good)
		if err != nil || !strings.Contains(out, "imported 2 calendar days") {
			t.Fatalf("import: %v\n%s", err, out)
		}
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("date,kind,name\n2027-02-30,off,不存在的日子\n"), 0o600)
		out, err = runCommand(t, "calendar", "import", "--db", dsn, bad)
		if err == nil || !strings.Contains(out+err.Error(), "line 2") {
			t.Fatalf("bad file: %v\n%s", err, out)
		}
	})
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"verify"}, {"migrate", "--no-such-flag"}, {"calendar"}} {
		if _, err := runCommand(t, args...); err != errUsage {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
	if _, err := runCommand(t, "migrate", "--db", "mysql://x"); err == nil || !strings.Contains(err.Error(), "sqlite: or postgres://") {
		t.Errorf("unknown DSN scheme: %v", err)
	}
}
