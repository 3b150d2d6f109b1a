package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// intakeFixture is the demo district with an application to report through.
type intakeFixture struct {
	db *store.DB
	a  *app.App
	p  app.Principal
}

func newIntakeFixture(t *testing.T, db *store.DB) *intakeFixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Load(ctx, db, "k", "test-password"); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, db, clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := db.UserByLogin(ctx, "district.intake")
	if err != nil {
		t.Fatal(err)
	}
	return &intakeFixture{db: db, a: a, p: app.Principal{User: u}}
}

// report files one report at the centre of a demo grid; grids differ so that no report is flagged
// as another's duplicate.
func (f *intakeFixture) report(grid, key string) (*casework.Case, bool, error) {
	pt := demo.GridCentre(demo.Baoshan().Grids[grid])
	return f.a.Report(context.Background(), f.p, app.ReportInput{MatterCode: "C0112", Description: "公交站亭破损", Lat: &pt.Lat, Lon: &pt.Lon}, key)
}

func (f *intakeFixture) count(t *testing.T) int {
	t.Helper()
	n := 0
	byState, err := f.db.CountCases(context.Background(), store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range byState {
		n += c
	}
	return n
}

type outcome struct {
	c       *casework.Case
	created bool
	err     error
}

// errBuild is what the failing request's event builder answers, after its case row was inserted.
var errBuild = civicgrid.Errorf(civicgrid.EINVALID, "this report is refused on purpose")

// TestGroupCommitIsolatesFailures sends creations that are committed together on SQLite (one
// batch, held until all wait): two good reports, one whose event cannot be built after its case
// row was inserted, one repeating the idempotency key of a good one, and one whose builder panics. The failing one
// fails alone and leaves nothing behind; the repeated key returns the first case. On PostgreSQL,
// which keeps a transaction per case, the same four requests give the same outcomes.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		f := newIntakeFixture(t, db)
		ctx := context.Background()

		// On SQLite a first creation holds the committer before its COMMIT until the four wait
		// behind it, so that they form the next batch.
		held, release := make(chan struct{}), make(chan struct{})
		var holdOnce sync.Once
		grouped := store.SetBeforeGroupCommit(db, func(n int) error {
			holdOnce.Do(func() { close(held); <-release })
			return nil
		})
		if grouped != (db.Dialect() == store.SQLite) {
			t.Fatalf("group commit on %s: %v", db.Dialect(), grouped)
		}
		first := make(chan outcome, 1)
		if grouped {
			go func() { c, created, err := f.report("310113003001001", ""); first <- outcome{c, created, err} }()
			<-held
		}

		out := make([]outcome, 4)
		panicked := make(chan error, 1)
		var wg sync.WaitGroup
		run := func(i int, fn func() (*casework.Case, bool, error)) {
			wg.Add(1)
			go func() { defer wg.Done(); c, created, err := fn(); out[i] = outcome{c, created, err} }()
		}
		run(0, func() (*casework.Case, bool, error) { return f.report("310113003001002", "same-key") })
		run(1, func() (*casework.Case, bool, error) {
			return db.CreateCase(ctx, "", "BADBUILD01", func(id int64) (casework.Event, error) { return casework.Event{}, errBuild })
		})
		if grouped {
			// A builder that panics fails its own request only; the committer carries on.
			go func() {
				_, _, err := db.CreateCase(ctx, "", "PANIC01", func(id int64) (casework.Event, error) { panic("builder bug") })
				panicked <- err
			}()
		}
		run(2, func() (*casework.Case, bool, error) { return f.report("310113003001003", "") })
		run(3, func() (*casework.Case, bool, error) { return f.report("310113003001002", "same-key") })
		if grouped {
			deadline := time.Now().Add(30 * time.Second)
			for store.QueuedCreates(db) < 5 {
				if time.Now().After(deadline) {
					t.Fatalf("only %d creations queued behind the held batch", store.QueuedCreates(db))
				}
				time.Sleep(time.Millisecond)
			}
			close(release)
			if r := <-first; r.err != nil || !r.created {
				t.Fatalf("holding creation: %+v", r)
			}
		}
		wg.Wait()

		if !errors.Is(out[1].err, errBuild) || out[1].c != nil {
			t.Fatalf("the failing request answered %+v, want its own error", out[1])
		}
		if out[2].err != nil || !out[2].created || out[2].c.State != casework.Reported {
			t.Fatalf("a good request beside the failing one: %+v", out[2])
		}
		a, b := out[0], out[3]
		if a.err != nil || b.err != nil || a.c.ID != b.c.ID || a.created == b.created {
			t.Fatalf("two requests with one idempotency key: %+v and %+v, want one case, created once", a, b)
		}
		want := 2
		if grouped {
			want = 3
			st := db.GroupCommitStats()
			if st.Batches != 2 || st.Cases != 6 || st.MaxBatch != 5 {
				t.Fatalf("group commit stats %+v, want the held batch of 1 and one batch of 5", st)
			}
			if err := <-panicked; !civicgrid.IsCode(err, civicgrid.EINTERNAL) || !strings.Contains(err.Error(), "builder bug") {
				t.Fatalf("the panicking request answered %v", err)
			}
		} else if st := db.GroupCommitStats(); st != (store.GroupCommitStats{}) {
			t.Fatalf("PostgreSQL keeps a transaction per case, yet the committer reports %+v", st)
		}
		if n := f.count(t); n != want {
			t.Fatalf("%d cases stored, want %d (the failing one's row rolled back to its savepoint)", n, want)
		}
		if _, err := db.CaseByTrackingCode(ctx, "BADBUILD01"); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Fatalf("the failing request's case row is still there: %v", err)
		}
		rep, err := db.Verify(ctx)
		if err != nil || len(rep.Problems) != 0 || rep.Cases != want {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}

// TestGroupCommitAnswersAfterCommit holds a batch just before its COMMIT: its callers have no
// answer yet and other connections cannot see their cases; once it commits, both do. A batch
// whose commit fails answers every caller with the error and stores none of its cases.
func TestGroupCommitAnswersAfterCommit(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		f := newIntakeFixture(t, db)
		ctx := context.Background()
		held, release := make(chan int, 1), make(chan error)
		grouped := store.SetBeforeGroupCommit(db, func(n int) error {
			held <- n
			return <-release
		})
		if !grouped {
			// PostgreSQL: a transaction per case, answered after its own commit.
			c, created, err := f.report("310113003001001", "")
			if err != nil || !created {
				t.Fatalf("report: %v", err)
			}
			if got, err := db.Case(ctx, c.ID); err != nil || got.TrackingCode != c.TrackingCode {
				t.Fatalf("an acknowledged case is not readable: %v", err)
			}
			if st := db.GroupCommitStats(); st.Batches != 0 {
				t.Fatalf("PostgreSQL used the group committer: %+v", st)
			}
			return
		}

		answered := make(chan outcome, 1)
		go func() { c, created, err := f.report("310113003001001", "k1"); answered <- outcome{c, created, err} }()
		if n := <-held; n != 1 {
			t.Fatalf("batch of %d, want 1", n)
		}
		select {
		case r := <-answered:
			t.Fatalf("answered before the commit: %+v", r)
		default:
		}
		if n := f.count(t); n != 0 {
			t.Fatalf("a reader sees %d cases before the commit", n)
		}
		release <- nil
		r := <-answered
		if r.err != nil || !r.created {
			t.Fatalf("after the commit: %+v", r)
		}
		if got, err := db.Case(ctx, r.c.ID); err != nil || got.TrackingCode != r.c.TrackingCode {
			t.Fatalf("the acknowledged case is not readable: %v", err)
		}

		// A failed commit: every caller of the batch hears of it, nothing is stored.
		fail := errors.New("disk gone")
		for i := 0; i < 3; i++ {
			grid := fmt.Sprintf("310113003001%03d", i+2)
			go func() { c, created, err := f.report(grid, ""); answered <- outcome{c, created, err} }()
		}
		got := 0
		for got < 3 {
			got += <-held
			release <- fail
		}
		for i := 0; i < 3; i++ {
			if r := <-answered; !errors.Is(r.err, fail) || r.c != nil {
				t.Fatalf("a caller of a failed batch: %+v", r)
			}
		}
		if n := f.count(t); n != 1 {
			t.Fatalf("%d cases after the failed batch, want only the first", n)
		}
		// The idempotency key of the committed case still answers with it.
		store.SetBeforeGroupCommit(db, func(int) error { return nil })
		if c, created, err := f.report("310113003001001", "k1"); err != nil || created || c.ID != r.c.ID {
			t.Fatalf("repeating a committed key: %+v %v %v", c, created, err)
		}
	})
}
