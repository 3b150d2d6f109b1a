// Package store holds all SQL of CivicGrid, for SQLite and PostgreSQL alike. Queries are written once
// with $N placeholders, RETURNING and ON CONFLICT; only DDL (migrations/<dialect>) and a few clauses
// differ by dialect. Exported methods own their transaction; unexported helpers take a *Tx.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"civicgrid"
	"civicgrid/clock"
)

//go:embed migrations
var migrationFS embed.FS

// Dialect names a supported database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. For SQLite it keeps one writer connection (SQLite allows one writer at a
// time; queueing in Go is cheaper than busy-waiting in the driver) and a pool of readers.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	Clock   clock.Clock
	dsn     string
	// group commits concurrent case creations together on SQLite (groupcommit.go); nil when off.
	group *groupCommitter
	// writeStmts and readStmts keep SQLite's statements prepared (stmtcache.go); nil on PostgreSQL.
	writeStmts, readStmts *stmtCache
	rcal                  rollupCal
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// ParseDSN splits "sqlite:PATH" or "postgres://..." into dialect and driver DSN.
func ParseDSN(dsn string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return "", "", civicgrid.Errorf(civicgrid.EINVALID, "sqlite DSN needs a file path, as sqlite:data/civicgrid.db")
		}
		return SQLite, path, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn, nil
	}
	return "", "", civicgrid.Errorf(civicgrid.EINVALID, "database DSN %q must start with sqlite: or postgres://", redactDSN(dsn))
}

func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return dsn
}

// Open opens (but does not migrate) the database named by dsn.
func Open(ctx context.Context, dsn string) (*DB, error) {
	dialect, target, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: dialect, Clock: clock.Real{}, dsn: dsn}
	switch dialect {
	case SQLite:
		if dir := filepath.Dir(target); dir != "" {
			if err := ensureDir(dir); err != nil {
				return nil, err
			}
		}
		// busy_timeout first so that the pragmas after it wait instead of failing; synchronous FULL
		// makes every acknowledged commit durable, not only against a process crash.
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
		if db.write, err = sql.Open("sqlite", "file:"+target+q+"&_txlock=immediate"); err != nil {
			return nil, fmt.Errorf("open sqlite writer: %w", err)
		}
		db.write.SetMaxOpenConns(1)
		if db.read, err = sql.Open("sqlite", "file:"+target+q+"&_pragma=query_only(1)"); err != nil {
			db.write.Close()
			return nil, fmt.Errorf("open sqlite readers: %w", err)
		}
		db.read.SetMaxOpenConns(8)
		db.writeStmts, db.readStmts = newStmtCache(db.write), newStmtCache(db.read)
		db.group = newGroupCommitter(db)
	case Postgres:
		if db.write, err = sql.Open("pgx", target); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.write.SetMaxOpenConns(16)
		db.write.SetMaxIdleConns(16)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, civicgrid.Errorf(civicgrid.EUNAVAILABLE, "cannot reach the %s database: %v", dialect, err)
	}
	return db, nil
}

// Close closes all connections.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.stop()
	}
	for _, c := range []*stmtCache{db.writeStmts, db.readStmts} {
		if c != nil {
			c.close()
		}
	}
	var err error
	if db.read != nil && db.read != db.write {
		err = db.read.Close()
	}
	if db.write != nil {
		if e := db.write.Close(); e != nil {
			err = e
		}
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Stats reports the connection pool of the writer (the only pool on PostgreSQL).
func (db *DB) Stats() sql.DBStats { return db.write.Stats() }

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + string(db.dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s must start with a number and _", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// LatestVersion is the newest schema version this build knows.
func (db *DB) LatestVersion() int {
	ms, err := db.migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// SchemaVersion returns the version the database is at (0 for an empty database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	var q string
	if db.dialect == SQLite {
		q = `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	} else {
		q = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	}
	if err := db.reads().QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.reads().QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// CheckSchema refuses a database whose schema is newer than this build, or not yet migrated.
func (db *DB) CheckSchema(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := db.LatestVersion()
	if v > latest {
		return civicgrid.Errorf(civicgrid.EUNAVAILABLE, "database schema is at version %d but this civicgrid knows only up to %d: upgrade civicgrid before using this database", v, latest)
	}
	if v < latest {
		return civicgrid.Errorf(civicgrid.EUNAVAILABLE, "database schema is at version %d, needs %d: run civicgrid migrate", v, latest)
	}
	return nil
}

// Migrate applies every migration the database lacks, each in its own transaction. Concurrent
// migrators on PostgreSQL serialise on an advisory lock.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := db.migrations()
	if err != nil {
		return err
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(72231)`); err != nil {
			return fmt.Errorf("lock for migration: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(72231)`)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var cur sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&cur); err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; int(cur.Int64) > latest {
		return civicgrid.Errorf(civicgrid.EUNAVAILABLE, "database schema is at version %d but this civicgrid knows only up to %d: upgrade civicgrid", cur.Int64, latest)
	}
	for _, m := range ms {
		if m.version <= int(cur.Int64) {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.version, m.name, time.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit migration %s: %w", m.name, err)
		}
	}
	if db.dialect == SQLite {
		conn.Close() // the rebuild needs the one writer connection; PostgreSQL keeps the lock meanwhile
	}
	return db.rebuildPending(ctx)
}

// Tx is a transaction with the time it started, which every write in it uses.
type Tx struct {
	*sql.Tx
	db    *DB
	now   time.Time
	stmts *stmtCache // nil: statements are sent as text (PostgreSQL caches them itself)
}

// forUpdate is the row-locking suffix: PostgreSQL locks rows; SQLite's single writer already
// serialises every write transaction.
func (tx *Tx) forUpdate() string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// inWrite runs fn in a write transaction, retrying when the database reports a transient conflict
// (PostgreSQL serialization failure or deadlock, SQLite busy).
func (db *DB) inWrite(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.once(ctx, db.write, false, fn)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

// inRead runs fn in a read-only transaction (a consistent snapshot).
func (db *DB) inRead(ctx context.Context, fn func(tx *Tx) error) error {
	return db.once(ctx, db.read, true, fn)
}

func (db *DB) once(ctx context.Context, pool *sql.DB, readOnly bool, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: readOnly && db.dialect == Postgres}
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: stx, db: db, now: db.Clock.Now(), stmts: db.writeStmts}
	if pool == db.read && db.read != db.write {
		tx.stmts = db.readStmts
	}
	if err := fn(tx); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// isUniqueViolation reports a unique-constraint violation in either dialect.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// micros converts a time to the stored form; fromMicros converts back (UTC).
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// ExecRaw runs a statement outside the platform's rules. It exists for operators' tools and tests
// that simulate tampering; the application never calls it.
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return err
}

// SetBulkLoad relaxes SQLite's per-commit sync while a bulk load runs (the demo history), and
// restores full durability when called with false. A crash during a bulk load may lose its last
// commits, never corrupt the database (WAL). PostgreSQL is left as configured.
func (db *DB) SetBulkLoad(ctx context.Context, on bool) error {
	if db.dialect != SQLite {
		return nil
	}
	mode := "FULL"
	if on {
		mode = "NORMAL"
	}
	_, err := db.write.ExecContext(ctx, "PRAGMA synchronous = "+mode)
	return err
}
