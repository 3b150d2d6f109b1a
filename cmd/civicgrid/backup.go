package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"

	"civicgrid"
	"civicgrid/store"
)

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	set := flag.NewFlagSet("backup", flag.ContinueOnError)
	set.SetOutput(stderr)
	dsn := dbFlag(set)
	out := set.String("out", "", "file to write the copy to; it must not exist")
	if err := set.Parse(args); err != nil {
		return errUsage
	}
	if err := needDB(set, *dsn); err != nil {
		return err
	}
	if *out == "" || set.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: civicgrid backup --db DSN --out FILE")
		return errUsage
	}
	dialect, target, err := store.ParseDSN(*dsn)
	if err != nil {
		return err
	}
	if dialect == store.Postgres {
		return explainPgDump(target, *out, stderr)
	}
	// Opening a missing SQLite file would create an empty database; a backup of nothing is a
	// mistake worth saying so.
	if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
		return civicgrid.Errorf(civicgrid.ENOTFOUND, "there is no database at %s", target)
	} else if err != nil {
		return err
	}
	// The schema is not checked against this build: a backup taken before an upgrade, with the
	// new binary, is exactly what the upgrade procedure asks for.
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	info, err := db.Backup(ctx, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %d cases, %d events (schema version %d) to %s, %d bytes\n", info.Cases, info.Events, info.Version, info.Path, info.Bytes)
	return nil
}

// explainPgDump says how to back up PostgreSQL, with the pg_dump command for this database, and
// fails: no backup was made, and a script must not believe otherwise.
func explainPgDump(dsn, out string, w io.Writer) error {
	target, hadPassword := pgDumpTarget(dsn)
	fmt.Fprintf(w, `civicgrid backup copies SQLite databases. Back up PostgreSQL with pg_dump, which takes a
consistent snapshot while the servers keep running:

  pg_dump --format=custom --no-owner --file=%s %s

`, shellQuote(out), shellQuote(target))
	if hadPassword {
		fmt.Fprintln(w, "The password is left out of the command: give it through PGPASSWORD or a password file (~/.pgpass).")
	}
	fmt.Fprintln(w, "Restore with pg_restore into a new database and check it with civicgrid verify: see docs/postgresql.md, \"Backup and restore\".")
	return civicgrid.Errorf(civicgrid.EINVALID, "no backup made: PostgreSQL is backed up with pg_dump (command above)")
}

// libpqParams are the URI parameters libpq (and so pg_dump) understands.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"channel_binding": true, "connect_timeout": true, "client_encoding": true, "options": true,
	"application_name": true, "fallback_application_name": true, "keepalives": true,
	"keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"tcp_user_timeout": true, "gssencmode": true, "sslmode": true, "sslcert": true, "sslkey": true,
	"sslpassword": true, "sslcertmode": true, "sslrootcert": true, "sslcrl": true, "sslcrldir": true,
	"sslsni": true, "requirepeer": true, "ssl_min_protocol_version": true,
	"ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true, "gssdelegation": true,
	"service": true, "target_session_attrs": true, "load_balance_hosts": true,
}

// pgxOnlyParams tune the Go driver's client side and mean nothing to pg_dump.
var pgxOnlyParams = map[string]bool{
	"statement_cache_capacity": true, "description_cache_capacity": true, "default_query_exec_mode": true,
	"min_read_buffer_size": true, "servicefile": true, "krbspn": true, "prefer_simple_protocol": true,
}

// pgDumpTarget turns the server's DSN into one pg_dump accepts: without the password, and with
// the server settings the Go driver passes through (search_path, say) moved into libpq's options
// parameter, which libpq requires for them.
func pgDumpTarget(dsn string) (string, bool) {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn, false
	}
	hadPassword := false
	if u.User != nil {
		_, hadPassword = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	var settings []string
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var kept []string
	for _, k := range names {
		v := q.Get(k)
		switch {
		case k == "password":
			hadPassword = true
		case k == "options":
			settings = append(settings, v)
		case libpqParams[k]:
			kept = append(kept, uriEscape(k)+"="+uriEscape(v))
		case pgxOnlyParams[k] || strings.HasPrefix(k, "pool_"):
		default:
			settings = append(settings, "-c "+k+"="+optionEscape(v))
		}
	}
	if len(settings) > 0 {
		kept = append(kept, "options="+uriEscape(strings.Join(settings, " ")))
	}
	u.RawQuery = strings.Join(kept, "&")
	return u.String(), hadPassword
}

// uriEscape percent-encodes a URI query component as libpq decodes it: libpq knows %XX but not
// "+" for a space. Slashes and colons, common in file paths, are legal there and kept readable.
func uriEscape(s string) string {
	return strings.NewReplacer("+", "%20", "%2F", "/", "%3A", ":").Replace(url.QueryEscape(s))
}

// optionEscape escapes a value inside libpq's options, where spaces separate arguments.
func optionEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, " ", `\ `).Replace(s)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
