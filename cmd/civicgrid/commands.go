package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/clock"
	"civicgrid/store"
)

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "database DSN: sqlite:PATH or postgres://...")
}

func needDB(fs *flag.FlagSet, dsn string) error {
	if dsn == "" {
		fmt.Fprintf(fs.Output(), "%s needs --db\n", fs.Name())
		return errUsage
	}
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs)
	rebuild := fs.Bool("rebuild-rollups", false, "rebuild the indicator roll-ups from the case histories (after changing past days of the calendar)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := needDB(fs, *dsn); err != nil {
		return err
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d\n", v)
	if *rebuild {
		start := time.Now()
		n, err := db.RebuildRollups(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "roll-ups rebuilt from %d case histories in %s\n", n, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs)
	days := fs.Int("days", 90, "days of history to generate, ending now")
	perDay := fs.Int("per-day", 22, "reports a day on average")
	key := fs.String("api-key", "", "Open311 API key (random when empty)")
	password := fs.String("password", "", "staff password (random when empty)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := needDB(fs, *dsn); err != nil {
		return err
	}
	if *days < 1 || *days > 3650 || *perDay < 1 || *perDay > 100000 {
		fmt.Fprintln(stderr, "--days must be 1..3650 and --per-day 1..100000")
		return errUsage
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	fake := clock.NewFake(time.Now())
	a, err := app.New(ctx, db, fake, nil)
	if err != nil {
		return err
	}
	return loadDemo(ctx, a, fake, *key, *password, *days, *perDay, stdout)
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := needDB(fs, *dsn); err != nil {
		return err
	}
	db, err := openCurrent(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Verify(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(rep)
	} else {
		fmt.Fprintf(stdout, "verified %d cases, %d events: %d problems\n", rep.Cases, rep.Events, len(rep.Problems))
		for _, p := range rep.Problems {
			if p.CaseID == 0 { // a finding about the roll-ups as a whole
				fmt.Fprintln(stdout, p.What)
				continue
			}
			fmt.Fprintf(stdout, "case %d: %s\n", p.CaseID, p.What)
		}
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d problems found", len(rep.Problems))
	}
	return nil
}

func runCalendar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "usage: civicgrid calendar import --db DSN FILE.csv")
		return errUsage
	}
	fs := flag.NewFlagSet("calendar import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if err := needDB(fs, *dsn); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "calendar import needs one CSV file (date,kind,name)")
		return errUsage
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	days, err := calendar.ParseCSV(f)
	if err != nil {
		return err
	}
	db, err := openCurrent(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PutCalendarDays(ctx, days); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d calendar days\n", len(days))
	return nil
}

// openCurrent opens a database whose schema is exactly this build's, changing nothing: tools that
// read or patch data never migrate behind the operator's back.
func openCurrent(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
