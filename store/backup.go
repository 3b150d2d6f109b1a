package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"civicgrid"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Path    string
	Bytes   int64
	Version int // schema version of the copy
	Cases   int64
	Events  int64
}

// Backup writes a consistent copy of an SQLite database to out while the database stays in use.
// VACUUM INTO reads one snapshot, so the copy holds exactly the transactions committed when it
// began, whatever servers commit meanwhile; being a read, it never blocks them. The copy is written
// under a temporary name next to out, checked (integrity check, schema version), synced, and only
// then given its name — so out either does not exist or is a complete backup. An existing out is
// never replaced. PostgreSQL databases are backed up with pg_dump instead (docs/postgresql.md).
func (db *DB) Backup(ctx context.Context, out string) (BackupInfo, error) {
	if db.dialect != SQLite {
		return BackupInfo{}, civicgrid.Errorf(civicgrid.EINVALID, "backup copies SQLite databases; back up PostgreSQL with pg_dump")
	}
	if out == "" {
		return BackupInfo{}, civicgrid.Errorf(civicgrid.EINVALID, "name the backup file")
	}
	if _, err := os.Lstat(out); err == nil {
		return BackupInfo{}, civicgrid.Errorf(civicgrid.ECONFLICT, "%s already exists; a backup never overwrites a file: choose another name or remove it", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return BackupInfo{}, fmt.Errorf("check the backup file: %w", err)
	}
	dir := filepath.Dir(out)
	if err := ensureDir(dir); err != nil {
		return BackupInfo{}, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("create the backup file: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	// VACUUM INTO wants a file that does not exist or is empty; the empty temporary file reserves
	// the name. It is removed on every path that does not end in a finished backup.
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	// A connection of the writer pool: the reader connections are query_only, which SQLite takes to
	// forbid VACUUM even INTO another file. VACUUM INTO only reads this database and takes no
	// write lock, so holding the writer connection of this (the backup command's own) handle
	// keeps nobody else waiting.
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO $1`, tmpName); err != nil {
		return BackupInfo{}, fmt.Errorf("copy the database: %w", err)
	}
	info, err := checkCopy(ctx, tmpName)
	if err != nil {
		return BackupInfo{}, err
	}
	if err := syncFile(tmpName); err != nil {
		return BackupInfo{}, err
	}
	// A hard link gives the copy its name only if the name is still free: no window in which a
	// file created meanwhile would be overwritten.
	if err := os.Link(tmpName, out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return BackupInfo{}, civicgrid.Errorf(civicgrid.ECONFLICT, "%s appeared while the backup ran; the backup was not written", out)
		}
		return BackupInfo{}, fmt.Errorf("name the backup file: %w", err)
	}
	os.Remove(tmpName)
	done = true
	if err := syncFile(dir); err != nil {
		return BackupInfo{}, err
	}
	st, err := os.Stat(out)
	if err != nil {
		return BackupInfo{}, err
	}
	info.Path, info.Bytes = out, st.Size()
	return info, nil
}

// checkCopy opens the copy read-only and checks it before it is named a backup: SQLite's integrity
// check and a civicgrid schema; it reads the counts the caller reports.
func checkCopy(ctx context.Context, path string) (BackupInfo, error) {
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("open the copy: %w", err)
	}
	defer c.Close()
	var verdict string
	if err := c.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&verdict); err != nil {
		return BackupInfo{}, fmt.Errorf("check the copy: %w", err)
	}
	if verdict != "ok" {
		return BackupInfo{}, fmt.Errorf("the copy fails SQLite's integrity check: %s", verdict)
	}
	var version sql.NullInt64
	if err := c.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil {
		return BackupInfo{}, fmt.Errorf("read the copy's schema version: %w", err)
	}
	if version.Int64 == 0 {
		return BackupInfo{}, civicgrid.Errorf(civicgrid.EINVALID, "the database holds no civicgrid schema: run civicgrid migrate first")
	}
	info := BackupInfo{Version: int(version.Int64)}
	if err := c.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_events)`).Scan(&info.Cases, &info.Events); err != nil {
		return BackupInfo{}, fmt.Errorf("count the copy: %w", err)
	}
	return info, nil
}

// syncFile flushes a file or directory to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
