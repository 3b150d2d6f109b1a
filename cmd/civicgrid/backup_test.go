package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// caseRef is an acknowledged case: what its reporter was told.
type caseRef struct {
	id   int64
	code string
}

// reportLoop reports cases through the app until stop closes, appending each acknowledged one.
func reportLoop(t *testing.T, a *app.App, p app.Principal, stop <-chan struct{}, mu *sync.Mutex, acked *[]caseRef) {
	pt := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		c, _, err := a.Report(context.Background(), p, app.ReportInput{MatterCode: "E0502", Description: fmt.Sprintf("backup load %d", i), Lat: &pt.Lat, Lon: &pt.Lon}, "")
		if err != nil {
			t.Errorf("report during the backup: %v", err)
			return
		}
		mu.Lock()
		*acked = append(*acked, caseRef{c.ID, c.TrackingCode})
		mu.Unlock()
	}
}

// TestBackupWhileWriting backs up an SQLite database while cases are being reported into it. The
// copy holds every case acknowledged before the backup began, passes verify, and serves: a server
// started on it answers for those cases. On PostgreSQL the command makes no file, says to use
// pg_dump and prints the command — which is then run, restored into a new database and verified.
func TestBackupWhileWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		const key, password = "backup-test-key", "backup-test-pw"
		db := storetest.MustOpen(t, dsn)
		if _, err := demo.Load(ctx, db, key, password); err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, db, clock.Real{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		u, _, err := db.UserByLogin(ctx, "district.intake")
		if err != nil {
			t.Fatal(err)
		}
		intake := app.Principal{User: u}
		out := filepath.Join(t.TempDir(), "nightly", "civicgrid-backup.db")

		if db.Dialect() == store.Postgres {
			pt := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
			c, _, err := a.Report(ctx, intake, app.ReportInput{MatterCode: "E0502", Description: "before the dump", Lat: &pt.Lat, Lon: &pt.Lon}, "")
			if err != nil {
				t.Fatal(err)
			}
			checkPgDumpAdvice(t, dsn, out, caseRef{c.ID, c.TrackingCode})
			return
		}

		var mu sync.Mutex
		var acked []caseRef
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); reportLoop(t, a, intake, stop, &mu, &acked) }()
		defer func() { close(stop); wg.Wait() }()
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
		waitFor(t, 30*time.Second, "20 cases acknowledged", func() bool { return count() >= 20 })

		mu.Lock()
		before := append([]caseRef(nil), acked...)
		mu.Unlock()
		started := time.Now()
		msg, err := runCommand(t, "backup", "--db", dsn, "--out", out)
		took := time.Since(started)
		if err != nil {
			t.Fatalf("backup: %v\n%s", err, msg)
		}
		during := count() - len(before)
		// The writer was not held up: it goes on acknowledging after the backup.
		n := count()
		waitFor(t, 30*time.Second, "reports after the backup", func() bool { return count() > n })
		t.Logf("backup took %v; %d cases acknowledged before it began, %d while it ran; %s", took.Round(time.Millisecond), len(before), during, strings.TrimSpace(msg))
		if !strings.HasPrefix(msg, "backed up ") || !strings.Contains(msg, out) {
			t.Fatalf("backup output: %s", msg)
		}

		copyDSN := "sqlite:" + out
		if msg, err := runCommand(t, "verify", "--db", copyDSN); err != nil || !strings.Contains(msg, ": 0 problems") {
			t.Fatalf("verify the copy: %v\n%s", err, msg)
		}
		cp := storetest.MustOpen(t, copyDSN)
		for _, ref := range before {
			c, err := cp.Case(ctx, ref.id)
			if err != nil || c.TrackingCode != ref.code {
				t.Fatalf("case %d (%s), acknowledged before the backup, is not in the copy: %v", ref.id, ref.code, err)
			}
		}

		// The backup holds personal data: its owner alone may read it. It never replaces a file,
		// and leaves no partial file behind.
		info, err := os.Stat(out)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("backup file mode: %v %v", info, err)
		}
		if msg, err := runCommand(t, "backup", "--db", dsn, "--out", out); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("backup over an existing file: %v\n%s", err, msg)
		}
		if again, _ := os.Stat(out); again.Size() != info.Size() || !again.ModTime().Equal(info.ModTime()) {
			t.Fatal("the existing backup was touched")
		}
		entries, _ := os.ReadDir(filepath.Dir(out))
		for _, e := range entries {
			if strings.Contains(e.Name(), ".partial-") {
				t.Fatalf("partial file left behind: %s", e.Name())
			}
		}
		cp.Close()

		// Restore: a server started on the copy serves the cases.
		srv := startServer(t, "--db", copyDSN)
		client := &http.Client{Timeout: 10 * time.Second}
		for _, ref := range []caseRef{before[0], before[len(before)-1]} {
			status, body, err := srv.get(client, fmt.Sprintf("/api/v1/cases/%d", ref.id), key)
			if err != nil || status != http.StatusOK || body["tracking_code"] != ref.code {
				t.Fatalf("case %d from the restored server: %d %v %v", ref.id, status, body, err)
			}
		}
	})
}

// TestBackupRefusals: no database, no output name.
func TestBackupRefusals(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if msg, err := runCommand(t, "backup", "--db", "sqlite:"+missing, "--out", filepath.Join(dir, "b.db")); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("backup of a missing database: %v\n%s", err, msg)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("backing up a missing database created it")
	}
	if _, err := runCommand(t, "backup", "--db", "sqlite:"+missing); err != errUsage {
		t.Fatalf("backup without --out: %v", err)
	}
}

// checkPgDumpAdvice runs backup on PostgreSQL: it must fail, make no file and print a pg_dump
// command, which must work: its dump, restored into a new database, verifies and holds the case.
func checkPgDumpAdvice(t *testing.T, dsn, out string, ref caseRef) {
	t.Helper()
	msg, err := runCommand(t, "backup", "--db", dsn, "--out", out)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v\n%s", err, msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("backup on PostgreSQL wrote a file")
	}
	var args []string
	for _, line := range strings.Split(msg, "\n") {
		if rest, ok := strings.CutPrefix(line, "  pg_dump "); ok {
			args = shellSplit(t, rest)
		}
	}
	if len(args) == 0 || !strings.Contains(msg, "docs/postgresql.md") {
		t.Fatalf("no pg_dump command in:\n%s", msg)
	}
	if strings.Contains(strings.Join(args, " "), "search_path=") && !strings.Contains(strings.Join(args, " "), "options=") {
		t.Fatalf("a driver setting was passed to libpq as is: %v", args)
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the advice was checked, but %s is not on PATH, so the printed command could not be run; install the PostgreSQL client tools to run it", tool)
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("pg_dump", args...).CombinedOutput(); err != nil {
		t.Fatalf("the printed pg_dump command failed: %v\n%s", err, b)
	}

	// Restore into a database of its own and check it as docs/postgresql.md says.
	base := os.Getenv(storetest.EnvPostgres)
	admin, err := store.Open(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 5)
	rand.Read(b)
	name := "restored_" + hex.EncodeToString(b)
	if err := admin.ExecRaw(context.Background(), "CREATE DATABASE "+name+" ENCODING 'UTF8' TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := store.Open(context.Background(), base); err == nil {
			a.ExecRaw(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			a.Close()
		}
	})
	target, _ := url.Parse(base)
	target.Path = "/" + name
	if b, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname="+target.String(), out).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, b)
	}
	src, _ := url.Parse(dsn)
	q := target.Query()
	q.Set("search_path", src.Query().Get("search_path"))
	target.RawQuery = q.Encode()
	restored := target.String()
	if msg, err := runCommand(t, "verify", "--db", restored); err != nil || !strings.Contains(msg, "verified 1 cases") || !strings.Contains(msg, ": 0 problems") {
		t.Fatalf("verify the restored database: %v\n%s", err, msg)
	}
	rdb := storetest.MustOpen(t, restored)
	if c, err := rdb.Case(context.Background(), ref.id); err != nil || c.TrackingCode != ref.code {
		t.Fatalf("case %d after pg_dump and pg_restore: %v", ref.id, err)
	}
}

// shellSplit splits a command line of plain and single-quoted words, as the advice prints it.
func shellSplit(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// waitFor polls cond until it holds, failing the test after limit. It waits for a condition the
// test causes, never for time to pass.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPgDumpTarget: the printed command never carries the password, keeps what libpq knows and
// hands the driver's server settings to libpq's options.
func TestPgDumpTarget(t *testing.T) {
	for _, c := range []struct {
		dsn, want string
		password  bool
	}{
		{"postgres://civicgrid@db:5432/civicgrid?sslmode=disable", "postgres://civicgrid@db:5432/civicgrid?sslmode=disable", false},
		{"postgres://civicgrid:s3cret@db/civicgrid?sslmode=verify-full&sslrootcert=/etc/ca.pem", "postgres://civicgrid@db/civicgrid?sslmode=verify-full&sslrootcert=/etc/ca.pem", true},
		{"postgres://u@db/x?password=s3cret&search_path=t_1&pool_max_conns=4", "postgres://u@db/x?options=-c%20search_path%3Dt_1", true},
		{"postgresql://u@db/x?options=-c%20work_mem%3D64MB&application_name=a%20b", "postgresql://u@db/x?application_name=a%20b&options=-c%20work_mem%3D64MB", false},
	} {
		got, pw := pgDumpTarget(c.dsn)
		if got != c.want || pw != c.password {
			t.Errorf("%s:\n got %s (password %v)\nwant %s (password %v)", c.dsn, got, pw, c.want, c.password)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("%s: the password is in %s", c.dsn, got)
		}
	}
}
