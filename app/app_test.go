package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.China) // a Monday morning

type env struct {
	t     *testing.T
	dsn   string
	app   *app.App
	clock *clock.Fake
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpen(t, dsn)
	if _, err := demo.Load(ctx, db, "k", "test-password"); err != nil {
		t.Fatal(err)
	}
	fake := clock.NewFake(start)
	return &env{t: t, dsn: dsn, app: newApp(t, db, fake), clock: fake}
}

func newApp(t *testing.T, db *store.DB, fake *clock.Fake) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), db, fake, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) user(login string) app.Principal {
	e.t.Helper()
	u, _, err := e.app.DB.UserByLogin(context.Background(), login)
	if err != nil {
		e.t.Fatal(err)
	}
	return app.Principal{User: u}
}

func (e *env) report(matter, grid string) *casework.Case {
	e.t.Helper()
	p := demo.GridCentre(demo.Baoshan().Grids[grid])
	c, created, err := e.app.Report(context.Background(), e.user("district.intake"), app.ReportInput{MatterCode: matter, Description: "test report", Lat: &p.Lat, Lon: &p.Lon}, "")
	if err != nil || !created {
		e.t.Fatalf("report: %v (created %v)", err, created)
	}
	return c
}

func (e *env) act(login string, id int64, a casework.Action, in casework.Input) *casework.Case {
	e.t.Helper()
	c, err := e.app.Act(context.Background(), e.user(login), id, a, in)
	if err != nil {
		e.t.Fatalf("%s %s: %v", login, a, err)
	}
	return c
}

// TestConflictingActionsOneWins races two intake operators filing and rejecting the same case: one
// action wins, the other gets a conflict, and the history holds exactly one of them.
func TestConflictingActionsOneWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		for round := 0; round < 5; round++ {
			c := e.report("E0502", "310113003001001")
			var wg sync.WaitGroup
			errs := make([]error, 2)
			in := []casework.Input{{}, {ReasonCode: "invalid", Reason: "无效"}}
			actions := []casework.Action{casework.ActFile, casework.ActReject}
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = e.app.Act(ctx, e.user("district.intake"), c.ID, actions[i], in[i])
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !civicgrid.IsCode(err, civicgrid.ECONFLICT):
					t.Fatalf("loser got %v, want a conflict", err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d actions won (%v)", round, won, errs)
			}
			events, _ := e.app.DB.CaseEvents(ctx, c.ID)
			if len(events) != 2 {
				t.Fatalf("history has %d events, want report + the winner", len(events))
			}
		}
	})
}

// TestIdempotentCreate sends the same report with one idempotency key from several goroutines.
func TestIdempotentCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		p := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
		in := app.ReportInput{MatterCode: "E0502", Description: "same request", Lat: &p.Lat, Lon: &p.Lon}
		ids := make([]int64, 6)
		created := make([]bool, 6)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, cr, err := e.app.Report(ctx, e.user("district.intake"), in, "req-42")
				if err != nil {
					t.Errorf("attempt %d: %v", i, err)
					return
				}
				ids[i], created[i] = c.ID, cr
			}()
		}
		wg.Wait()
		n := 0
		for i := range ids {
			if ids[i] != ids[0] {
				t.Fatalf("attempts returned different cases: %v", ids)
			}
			if created[i] {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d attempts reported creating the case", n)
		}
		// The same key from another caller is another request.
		c, cr, err := e.app.Report(ctx, e.user("district.intake2"), in, "req-42")
		if err != nil || !cr || c.ID == ids[0] {
			t.Fatalf("another caller's key collided: %v %v", cr, err)
		}
	})
}

// TestMarksFireOnceAcrossProcesses runs three independent app instances (separate connection
// pools, as three server processes would have) sweeping the same database at once.
func TestMarksFireOnceAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		const n = 30
		for i := 0; i < n; i++ {
			c := e.report("E0502", fmt.Sprintf("310113003001%03d", 1+i%6))
			e.act("district.intake", c.ID, casework.ActFile, casework.Input{})
		}
		// Every case now has a dispatch-stage clock; jump past every warning and due instant.
		apps := []*app.App{e.app}
		for i := 0; i < 2; i++ {
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			apps = append(apps, newApp(t, db, e.clock))
		}
		e.clock.Advance(30 * 24 * time.Hour)
		var wg sync.WaitGroup
		fired := make([]int, len(apps))
		for i, a := range apps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k, err := a.Sweep(ctx, 7)
					if err != nil {
						t.Errorf("sweeper %d: %v", i, err)
						return
					}
					fired[i] += k
					if k == 0 {
						if _, due, _ := a.DB.PendingTimers(ctx, e.clock.Now()); due == 0 {
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		total := fired[0] + fired[1] + fired[2]
		// Per case: the dispatch stage warns and goes overdue, and so does the whole-case clock.
		if total != 4*n {
			t.Fatalf("fired %d marks (%v), want %d", total, fired, 4*n)
		}
		cases, err := e.app.DB.Cases(ctx, store.CaseFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			events, _ := e.app.DB.CaseEvents(ctx, c.ID)
			count := map[casework.Action]int{}
			for _, ev := range events {
				count[ev.Action]++
			}
			if count[casework.ActWarn] != 2 || count[casework.ActOverdue] != 2 {
				t.Fatalf("case %d marks: %v", c.ID, count)
			}
		}
		if rep, err := e.app.DB.Verify(ctx); err != nil || len(rep.Problems) != 0 {
			t.Fatalf("verify: %+v %v", rep.Problems, err)
		}
	})
}

// TestVerifyFindsTampering alters a closure record behind the platform's back.
func TestVerifyFindsTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		c := e.report("E0502", "310113003001001")
		e.act("district.intake", c.ID, casework.ActFile, casework.Input{})
		if rep, err := e.app.DB.Verify(ctx); err != nil || len(rep.Problems) != 0 {
			t.Fatalf("clean database: %+v %v", rep, err)
		}
		if err := storetest.Exec(t, dsn, `UPDATE case_events SET at = at - 86400000000 WHERE case_id = $1 AND seq = 2`, c.ID); err != nil {
			t.Fatal(err)
		}
		rep, err := e.app.DB.Verify(ctx)
		if err != nil || len(rep.Problems) != 1 || rep.Problems[0].CaseID != c.ID {
			t.Fatalf("tampered event not found: %+v %v", rep, err)
		}
	})
}

// TestNewerSchemaRefused: a database migrated by a newer civicgrid is not touched by this one.
func TestNewerSchemaRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.MustOpen(t, dsn)
		ctx := context.Background()
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("fresh schema: %v", err)
		}
		if err := storetest.Exec(t, dsn, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
			t.Fatal(err)
		}
		if err := db.CheckSchema(ctx); !civicgrid.IsCode(err, civicgrid.EUNAVAILABLE) {
			t.Fatalf("CheckSchema on a newer schema: %v", err)
		}
		if err := db.Migrate(ctx); !civicgrid.IsCode(err, civicgrid.EUNAVAILABLE) {
			t.Fatalf("Migrate on a newer schema: %v", err)
		}
	})
}
