package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// BenchmarkIndicatorsMonth computes the indicators of March 2026 for every unit of the demo
// district (the district and its whole subtree: 194 units) in one request, on databases holding
// about 10,000 and 100,000 cases with their full histories. The histories are real: sixty days of
// the demo generator (1,185 cases driven through the workflow, every state reached) up to
// 31 March, then copied whole under new case IDs by bulk SQL. One operation reads the histories in
// scope, folds each case and adds it up (IndicatorQuery.FromHistories: the reference path; the
// roll-ups are measured by BenchmarkIndicatorsRollups). The figures must be the templates' own,
// times the number of copies.
func BenchmarkIndicatorsMonth(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		for _, size := range []int{10_000, 100_000} {
			b.Run("cases="+strconv.Itoa(size), func(b *testing.B) {
				dsn := newDSN(b)
				benchIndicators(b, dsn, size)
			})
		}
	})
}

func benchIndicators(b *testing.B, dsn string, size int) {
	ctx := context.Background()
	db := storetest.MustOpen(b, dsn)
	if _, err := demo.Load(ctx, db, "k", "bench-password-1"); err != nil {
		b.Fatal(err)
	}
	end := time.Date(2026, 3, 31, 18, 0, 0, 0, calendar.China)
	fake := clock.NewFake(end.AddDate(0, 0, -60))
	a, err := app.New(ctx, db, fake, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	db.SetBulkLoad(ctx, true)
	stats, err := demo.GenerateHistory(ctx, a, fake, demo.HistoryOptions{Days: 60, PerDay: 20, End: end, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	fake.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, calendar.China))
	march, _ := assess.ParsePeriod("2026-03")
	q := app.IndicatorQuery{Unit: demo.DistrictID, Period: march, Subtree: true, FromHistories: true}
	own, err := a.Indicators(ctx, app.Principal{System: true}, q)
	if err != nil {
		b.Fatal(err)
	}
	copies := max(1, (size+stats.Cases/2)/stats.Cases)
	cloneHistories(b, db, int64(stats.Cases), copies)
	db.SetBulkLoad(ctx, false)
	if db.Dialect() == store.Postgres {
		if err := db.ExecRaw(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d template cases (%d actions, %d marks) copied to %d cases in %s", stats.Cases, stats.Actions, stats.Marks, copies*stats.Cases, time.Since(start).Round(time.Second))

	var rep *app.IndicatorReport
	for b.Loop() {
		if rep, err = a.Indicators(ctx, app.Principal{System: true}, q); err != nil {
			b.Fatal(err)
		}
	}
	if rep.Cases != copies*own.Cases || rep.Unit.Territory.Received != copies*own.Unit.Territory.Received ||
		rep.Unit.Assignee.HandleRuns != copies*own.Unit.Assignee.HandleRuns {
		b.Fatalf("%d copies of %d histories read as %d; received %d, %d copies of %d", copies, own.Cases, rep.Cases,
			rep.Unit.Territory.Received, copies, own.Unit.Territory.Received)
	}
	b.ReportMetric(float64(copies*stats.Cases), "cases-in-db")
	b.ReportMetric(float64(rep.Cases), "cases-read")
	b.ReportMetric(float64(len(rep.Units)+1), "units")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rep.Cases), "ns/case")
}

// cloneHistories copies the first `templates` cases, rows and events, so that the database holds
// `copies` of each: copy k of case id is case id + k·templates, with the same history. (The
// projection inside the row is the template's, ID included: the indicators read only events.)
func cloneHistories(b *testing.B, db *store.DB, templates int64, copies int) {
	b.Helper()
	series := fmt.Sprintf(`(WITH RECURSIVE r(i) AS (SELECT 1 WHERE 1 < %[1]d UNION ALL SELECT i + 1 FROM r WHERE i + 1 < %[1]d) SELECT i FROM r) AS k`, copies)
	if db.Dialect() == store.Postgres {
		series = fmt.Sprintf(`generate_series(1::bigint, %d) AS k(i)`, copies-1)
	}
	stmts := []string{
		fmt.Sprintf(`INSERT INTO cases (id, tracking_code, state, matter_code, urgency, channel, grid, territory_path, originator_path,
				assignee, assignee_path, light, overdue, lon, lat, reported_at, closed_at, updated_at, seq, last_hash, body)
			SELECT t.id + k.i * %[1]d, 'copy-' || (t.id + k.i * %[1]d), t.state, t.matter_code, t.urgency, t.channel, t.grid, t.territory_path,
				t.originator_path, t.assignee, t.assignee_path, t.light, t.overdue, t.lon, t.lat, t.reported_at, t.closed_at, t.updated_at,
				t.seq, t.last_hash, t.body
			FROM %[2]s CROSS JOIN cases t WHERE t.id <= %[1]d`, templates, series),
		fmt.Sprintf(`INSERT INTO case_events (case_id, seq, action, actor_user_id, actor_name, actor_role, actor_unit, actor_unit_path,
				at, from_state, to_state, reason, payload, prev_hash, hash)
			SELECT e.case_id + k.i * %[1]d, e.seq, e.action, e.actor_user_id, e.actor_name, e.actor_role, e.actor_unit, e.actor_unit_path,
				e.at, e.from_state, e.to_state, e.reason, e.payload, e.prev_hash, e.hash
			FROM %[2]s CROSS JOIN case_events e WHERE e.case_id <= %[1]d`, templates, series),
	}
	for _, s := range stmts {
		if err := db.ExecRaw(context.Background(), s); err != nil {
			b.Fatalf("copy histories: %v", err)
		}
	}
	n, err := db.CountAll(context.Background(), store.CaseFilter{})
	if err != nil || n != copies*int(templates) {
		b.Fatalf("the database holds %d cases, want %d (%v)", n, copies*int(templates), err)
	}
}
