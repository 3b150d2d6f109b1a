// Package storetest opens fresh, migrated databases for tests: an SQLite file in a temporary
// directory, and a PostgreSQL schema of its own on the server named by CIVICGRID_TEST_POSTGRES.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"civicgrid/store"
)

// EnvPostgres names the variable holding the PostgreSQL DSN for tests.
const EnvPostgres = "CIVICGRID_TEST_POSTGRES"

// Each runs fn as two subtests, "sqlite" and "postgres", each with a fresh migrated database.
// Without CIVICGRID_TEST_POSTGRES the postgres subtest skips and says how to enable it.
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// EachDB is Each with the database already open (closed at the end of the subtest).
func EachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	Each(t, func(t *testing.T, dsn string) { fn(t, MustOpen(t, dsn)) })
}

// SQLiteDSN returns the DSN of a new, empty SQLite database file.
func SQLiteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "civicgrid.db")
}

// PostgresDSN returns the DSN of a new, empty schema on the test server, dropped after the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip("PostgreSQL subtest skipped: set " + EnvPostgres + "=postgres://user@host:5432/db to run it")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("PostgreSQL named by %s is not usable: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpen opens and migrates dsn, closing it when the test ends.
func MustOpen(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Exec runs one statement on the database behind dsn through a connection of its own, the way an
// operator (or an attacker) would change data behind the platform's back.
func Exec(t testing.TB, dsn, query string, args ...any) error {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.ExecRaw(context.Background(), query, args...)
}

// EachBench runs fn as sub-benchmarks "sqlite" and "postgres". fn gets a maker of fresh databases
// to call in whichever (sub-)benchmark sets one up; without CIVICGRID_TEST_POSTGRES the postgres
// sub-benchmark skips at once and says how to enable it.
func EachBench(b *testing.B, fn func(b *testing.B, newDSN func(testing.TB) string)) {
	b.Helper()
	b.Run("sqlite", func(b *testing.B) { fn(b, SQLiteDSN) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(EnvPostgres) == "" {
			b.Skip("PostgreSQL benchmark skipped: set " + EnvPostgres + "=postgres://user@host:5432/db to run it")
		}
		fn(b, PostgresDSN)
	})
}
