package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/org"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// Demo credentials of the benchmark databases.
const (
	benchKey      = "bench-open311-key"
	benchPassword = "bench-password-1"
)

// benchStart is a Monday morning on the working calendar, when the template cases are reported.
var benchStart = time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.China)

const (
	// sweepBatch is the number of marks one measured sweep transaction fires.
	sweepBatch = 100
	// sweepTemplates is the number of real cases, reported through the application, whose rows the
	// due set copies.
	sweepTemplates = 8
	// fillerMarks is the number of not-due marks each filler case carries (stage and whole clocks,
	// warn and overdue each), as a running case does.
	fillerMarks = 4
)

// BenchmarkSweep measures firing deadline marks while the timers table holds 10k, 100k and 1M
// pending marks, exactly 1% of them due. One operation is one sweep transaction (app.Sweep) that
// must fire exactly sweepBatch marks: it finds the due marks by index, locks and loads each case,
// decides the warn event, appends it to the hash chain, saves the projection and re-plans the
// case's marks. ns/mark is the time per fired mark; it should not grow with the pending count.
//
// The 1M size takes tens of seconds or more to set up and is skipped with -short.
func BenchmarkSweep(b *testing.B) {
	sizes := []struct {
		name    string
		pending int
	}{{"pending=10k", 10_000}, {"pending=100k", 100_000}, {"pending=1M", 1_000_000}}
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		for _, size := range sizes {
			b.Run(size.name, func(b *testing.B) {
				if size.pending >= 1_000_000 && testing.Short() {
					b.Skip("the 1M size takes minutes to set up; run without -short")
				}
				dsn := newDSN(b)
				benchSweep(b, dsn, size.pending)
			})
		}
	})
}

func benchSweep(b *testing.B, dsn string, pending int) {
	ctx := context.Background()
	s := newSweepBench(b, dsn, pending)

	remaining := s.due // due marks left in the armed set
	fired := 0
	b.ReportAllocs()
	for b.Loop() {
		if remaining < sweepBatch {
			b.StopTimer()
			s.arm(b)
			remaining = s.due
			b.StartTimer()
		}
		n, err := s.app.Sweep(ctx, sweepBatch)
		if err != nil {
			b.Fatalf("sweep: %v", err)
		}
		if n != sweepBatch {
			b.Fatalf("sweep fired %d marks, want %d (%d due marks were left)", n, sweepBatch, remaining)
		}
		remaining -= n
		fired += n
	}
	b.StopTimer()
	// Every mark the sweeps did not fire must still be pending, and exactly the unfired due ones due.
	left, due, err := s.db.PendingTimers(ctx, s.now)
	if err != nil {
		b.Fatal(err)
	}
	if due != remaining {
		b.Fatalf("after the sweeps %d marks are due, want %d", due, remaining)
	}
	// Firing a warn mark deletes it and re-plans the marks its case still has, which were pending
	// already: the pending count drops by one per mark fired since the due set was last armed.
	if want := pending - (s.due - remaining); left != want {
		b.Fatalf("after the sweeps %d marks are pending, want %d", left, want)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(fired), "ns/mark")
	s.checkEvents(b, s.due-remaining)
}

// sweepBench is a database holding the demo district, a few real template cases and `pending`
// deadline marks, 1% of them due.
type sweepBench struct {
	db      *store.DB
	app     *app.App
	dialect store.Dialect
	now     time.Time // the sweep time: the templates' first marks are due, nothing else is
	pending int
	due     int // due marks, one per clone case

	marksPerCase     int      // marks a template (and so each clone) has planned
	lastHash         []string // the templates' last event hashes, in ID order
	seqs             []int    // the templates' event counts, in ID order
	tLo, tHi         int64    // template case IDs
	cloneLo, cloneHi int64    // clone case IDs, one due mark each
}

func newSweepBench(b *testing.B, dsn string, pending int) *sweepBench {
	b.Helper()
	ctx := context.Background()
	db := storetest.MustOpen(b, dsn)
	if _, err := demo.Load(ctx, db, benchKey, benchPassword); err != nil {
		b.Fatalf("load demo district: %v", err)
	}
	fake := clock.NewFake(benchStart)
	a, err := app.New(ctx, db, fake, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	key, err := db.APIKeyByHash(ctx, auth.TokenHash(benchKey))
	if err != nil {
		b.Fatal(err)
	}
	s := &sweepBench{db: db, app: a, dialect: db.Dialect(), pending: pending, due: pending / 100}
	if s.due < sweepBatch || s.due%sweepBatch != 0 {
		b.Fatalf("%d pending marks give %d due ones, which is not a multiple of the batch of %d", pending, s.due, sweepBatch)
	}

	// Real cases, reported through the application at grids spread over the district.
	grids := make([]string, 0, 256)
	for id := range demo.Baoshan().Grids {
		grids = append(grids, id)
	}
	sort.Strings(grids)
	var templates []*casework.Case
	for i := 0; i < sweepTemplates; i++ {
		pt := demo.GridCentre(demo.Baoshan().Grids[grids[i*len(grids)/sweepTemplates]])
		c, created, err := a.Report(ctx, app.Principal{Key: key}, app.ReportInput{
			MatterCode: "E0502", Description: fmt.Sprintf("占道摆摊 %d", i), Lat: &pt.Lat, Lon: &pt.Lon,
		}, "")
		if err != nil || !created {
			b.Fatalf("report template case: %v (created %v)", err, created)
		}
		templates = append(templates, c)
	}
	s.tLo, s.tHi = templates[0].ID, templates[len(templates)-1].ID
	for _, c := range templates {
		s.lastHash = append(s.lastHash, c.LastHash)
		s.seqs = append(s.seqs, c.Seq)
	}
	if s.tHi-s.tLo != int64(len(templates)-1) {
		b.Fatalf("template case IDs %d..%d are not consecutive", s.tLo, s.tHi)
	}

	// Sweep at the first mark the templates reach; exactly one mark of each must then be due.
	var first casework.Mark
	for _, c := range templates {
		for _, m := range casework.PendingMarks(c) {
			if first.DueAt.IsZero() || m.DueAt.Before(first.DueAt) {
				first = m
			}
		}
	}
	s.now = first.DueAt
	for _, c := range templates {
		marks := casework.PendingMarks(c)
		due := 0
		for _, m := range marks {
			if !m.DueAt.After(s.now) {
				due++
			}
		}
		if due != 1 {
			b.Fatalf("template case %d has %d marks due at %s, want 1: %+v", c.ID, due, s.now, marks)
		}
		if s.marksPerCase == 0 {
			s.marksPerCase = len(marks)
		} else if s.marksPerCase != len(marks) {
			b.Fatalf("template cases plan %d and %d marks", s.marksPerCase, len(marks))
		}
	}
	s.cloneLo = s.tHi + 1
	s.cloneHi = s.cloneLo + int64(s.due) - 1
	fillerMarksTotal := pending - s.due*s.marksPerCase
	if fillerMarksTotal < 0 {
		b.Fatalf("%d pending marks cannot hold %d due cases of %d marks", pending, s.due, s.marksPerCase)
	}
	fillerLo := s.cloneHi + 1
	fillerCases := (fillerMarksTotal + fillerMarks - 1) / fillerMarks
	future := s.now.Add(24 * time.Hour).UnixMicro()

	// The templates' marks move to a side table the clones copy from, so that the templates stay
	// untouched by sweeps. Filler cases are minimal rows the sweep never loads; their marks fall due
	// over the next days, spread in an order unrelated to their case IDs.
	setup := []string{
		fmt.Sprintf(`CREATE TABLE bench_marks AS SELECT case_id, clock, kind, due_at FROM timers WHERE case_id BETWEEN %d AND %d`, s.tLo, s.tHi),
		fmt.Sprintf(`DELETE FROM timers WHERE case_id BETWEEN %d AND %d`, s.tLo, s.tHi),
		fmt.Sprintf(`INSERT INTO cases (id, tracking_code, state, matter_code, urgency, channel, territory_path, originator_path,
			reported_at, updated_at, seq, last_hash, body)
			SELECT %[1]d + s.i, 'bench-f' || (%[1]d + s.i), 'filed', 'E0502', 'normal', 'open311', '', '', 0, 0, 1, '', '{}'
			FROM %[2]s`, fillerLo, s.series(fillerCases)),
		fmt.Sprintf(`INSERT INTO timers (case_id, clock, kind, due_at)
			SELECT %[1]d + s.i / %[2]d,
				CASE (s.i / 2) %% 2 WHEN 0 THEN 'stage' ELSE 'whole' END,
				CASE s.i %% 2 WHEN 0 THEN 'warn' ELSE 'overdue' END,
				%[3]d + (s.i * 7919 %% %[4]d) * 1000000
			FROM %[5]s`, fillerLo, fillerMarks, future, max(fillerMarksTotal, 1), s.series(fillerMarksTotal)),
	}
	if s.dialect == store.Postgres {
		setup = append(setup, `SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))`)
	}
	start := time.Now()
	s.execTx(b, setup)
	s.arm(b)
	if s.dialect == store.Postgres {
		// A running server's autovacuum would have analysed the tables; do it now rather than mid-run.
		if err := db.ExecRaw(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	fake.Set(s.now)

	// The database must hold exactly what the benchmark claims.
	got, due, err := db.PendingTimers(ctx, s.now)
	if err != nil {
		b.Fatal(err)
	}
	if got != pending || due != s.due {
		b.Fatalf("set up %d pending marks with %d due, want %d with %d", got, due, pending, s.due)
	}
	for _, id := range []int64{s.cloneLo, (s.cloneLo + s.cloneHi) / 2, s.cloneHi} {
		c, err := db.Case(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if c.ID != id || c.TrackingCode != fmt.Sprintf("bench-c%d", id) || c.Seq == 0 {
			b.Fatalf("clone case %d reads back as case %d (%q, seq %d)", id, c.ID, c.TrackingCode, c.Seq)
		}
	}
	b.Logf("set up %d pending marks (%d due: the %s %s mark of %d-mark cases) in %s",
		pending, s.due, first.Clock, first.Kind, s.marksPerCase, time.Since(start).Round(time.Millisecond))
	return s
}

// checkEvents fails unless exactly want clone cases got one event since the due set was armed,
// each a warn event by the system linked onto its case's chain.
func (s *sweepBench) checkEvents(b *testing.B, want int) {
	b.Helper()
	ctx := context.Background()
	warned := 0
	for id := s.cloneLo; id <= s.cloneHi; id++ {
		evs, err := s.db.CaseEvents(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		// A clone starts with its template's history.
		evs = evs[s.seqs[int(id-s.cloneLo)%len(s.seqs)]:]
		if len(evs) == 0 {
			continue
		}
		e := evs[0]
		if len(evs) > 1 || e.Action != casework.ActWarn || e.Actor.Role != org.SystemActor.Role ||
			e.PrevHash != s.lastHash[int(id-s.cloneLo)%len(s.lastHash)] {
			b.Fatalf("case %d got %d events since armed, the first %s by %s after %.8s", id, len(evs), e.Action, e.Actor.Role, e.PrevHash)
		}
		warned++
	}
	if warned != want {
		b.Fatalf("%d cases got a warn event, want %d", warned, want)
	}
}

// arm (re)writes the due set: one clone of a template case per due mark, with the template's
// projection (its "id" and tracking code rewritten), history, roll-up items, parties and marks, so
// that firing a mark costs what it costs on a real case (the roll-ups fold the whole history).
// Cases a sweep already fired are replaced, events and all. (The roll-up rows do not count the
// clones: the first event of a clone adds its difference to them as it would to counted rows.)
func (s *sweepBench) arm(b *testing.B) {
	b.Helper()
	k := s.tHi - s.tLo + 1
	lo, hi := s.cloneLo, s.cloneHi
	s.execTx(b, []string{
		fmt.Sprintf(`DELETE FROM timers WHERE case_id BETWEEN %d AND %d`, lo, hi),
		fmt.Sprintf(`DELETE FROM case_events WHERE case_id BETWEEN %d AND %d`, lo, hi),
		fmt.Sprintf(`DELETE FROM rollup_cases WHERE case_id BETWEEN %d AND %d`, lo, hi),
		fmt.Sprintf(`DELETE FROM case_parties WHERE case_id BETWEEN %d AND %d`, lo, hi),
		fmt.Sprintf(`DELETE FROM cases WHERE id BETWEEN %d AND %d`, lo, hi),
		// json.Marshal writes a case as {"id":N,"tracking_code":"...",...}.
		fmt.Sprintf(`INSERT INTO cases (id, tracking_code, state, matter_code, urgency, channel, grid, territory_path, originator_path,
			assignee, assignee_path, light, overdue, lon, lat, reported_at, closed_at, updated_at, seq, last_hash, body)
			SELECT %[1]d + s.i, 'bench-c' || (%[1]d + s.i), t.state, t.matter_code, t.urgency, t.channel, t.grid, t.territory_path,
				t.originator_path, t.assignee, t.assignee_path, t.light, t.overdue, t.lon, t.lat, t.reported_at, t.closed_at,
				t.updated_at, t.seq, t.last_hash,
				replace(replace(t.body,
					'{"id":' || t.id || ',', '{"id":' || (%[1]d + s.i) || ','),
					'"tracking_code":"' || t.tracking_code || '"', '"tracking_code":"bench-c' || (%[1]d + s.i) || '"')
			FROM %[2]s JOIN cases t ON t.id = %[3]d + s.i %% %[4]d`, lo, s.series(int(hi-lo+1)), s.tLo, k),
		fmt.Sprintf(`INSERT INTO case_events (case_id, seq, action, actor_user_id, actor_name, actor_role, actor_unit, actor_unit_path,
				at, from_state, to_state, reason, payload, prev_hash, hash)
			SELECT c.id, e.seq, e.action, e.actor_user_id, e.actor_name, e.actor_role, e.actor_unit, e.actor_unit_path,
				e.at, e.from_state, e.to_state, e.reason, e.payload, e.prev_hash, e.hash
			FROM cases c JOIN case_events e ON e.case_id = %[3]d + (c.id - %[1]d) %% %[4]d
			WHERE c.id BETWEEN %[1]d AND %[2]d`, lo, hi, s.tLo, k),
		fmt.Sprintf(`INSERT INTO rollup_cases (case_id, items)
			SELECT c.id, r.items FROM cases c JOIN rollup_cases r ON r.case_id = %[3]d + (c.id - %[1]d) %% %[4]d
			WHERE c.id BETWEEN %[1]d AND %[2]d`, lo, hi, s.tLo, k),
		fmt.Sprintf(`INSERT INTO case_parties (case_id, unit_path)
			SELECT c.id, p.unit_path FROM cases c JOIN case_parties p ON p.case_id = %[3]d + (c.id - %[1]d) %% %[4]d
			WHERE c.id BETWEEN %[1]d AND %[2]d`, lo, hi, s.tLo, k),
		fmt.Sprintf(`INSERT INTO timers (case_id, clock, kind, due_at)
			SELECT c.id, m.clock, m.kind, m.due_at FROM cases c JOIN bench_marks m ON m.case_id = %[3]d + (c.id - %[1]d) %% %[4]d
			WHERE c.id BETWEEN %[1]d AND %[2]d`, lo, hi, s.tLo, k),
	})
}

// series is a row source of the integers 0..n-1 as column s.i.
func (s *sweepBench) series(n int) string {
	if s.dialect == store.Postgres {
		return fmt.Sprintf(`generate_series(0::bigint, %d) AS s(i)`, n-1)
	}
	return fmt.Sprintf(`(WITH RECURSIVE r(i) AS (SELECT 0 WHERE 0 < %[1]d UNION ALL SELECT i + 1 FROM r WHERE i + 1 < %[1]d) SELECT i FROM r) AS s`, n)
}

// execTx runs statements in one transaction.
func (s *sweepBench) execTx(b *testing.B, stmts []string) {
	b.Helper()
	ctx := context.Background()
	if err := s.db.ExecRaw(ctx, "BEGIN;\n"+strings.Join(stmts, ";\n")+";\nCOMMIT"); err != nil {
		s.db.ExecRaw(ctx, "ROLLBACK")
		b.Fatalf("bulk SQL: %v", err)
	}
}
