package app_test

import (
	"context"
	"io"
	"log/slog"
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

// BenchmarkRankingsMonth ranks the demo district's streets (territory) and its bureaus
// (department) for March 2026 against February, on a database holding about 10,000 cases built as
// in BenchmarkIndicatorsMonth, whose roll-ups are then rebuilt from the histories (the copies are
// made by SQL, behind the store's back). One operation adds up the indicators of the ranked units
// for both months from the roll-ups, scores and ranks them.
func BenchmarkRankingsMonth(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		dsn := newDSN(b)
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
		db.SetBulkLoad(ctx, true)
		stats, err := demo.GenerateHistory(ctx, a, fake, demo.HistoryOptions{Days: 60, PerDay: 20, End: end, Seed: 7})
		if err != nil {
			b.Fatal(err)
		}
		copies := max(1, (10_000+stats.Cases/2)/stats.Cases)
		cloneHistories(b, db, int64(stats.Cases), copies)
		rebuild := time.Now()
		if n, err := db.RebuildRollups(ctx); err != nil || n != copies*stats.Cases {
			b.Fatalf("rebuilt the roll-ups of %d cases, want %d: %v", n, copies*stats.Cases, err)
		}
		b.Logf("rebuilt the roll-ups of %d cases in %s", copies*stats.Cases, time.Since(rebuild).Round(time.Millisecond))
		db.SetBulkLoad(ctx, false)
		if db.Dialect() == store.Postgres {
			if err := db.ExecRaw(ctx, `ANALYZE`); err != nil {
				b.Fatal(err)
			}
		}
		fake.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, calendar.China))
		march, _ := assess.ParsePeriod("2026-03")
		for _, kind := range []assess.RankingKind{assess.RankTerritory, assess.RankDepartment} {
			b.Run(string(kind), func(b *testing.B) {
				var rep *app.RankingReport
				for b.Loop() {
					if rep, err = a.Rankings(ctx, app.Principal{System: true}, app.RankingQuery{Unit: demo.DistrictID, Period: march, Kind: kind}); err != nil {
						b.Fatal(err)
					}
				}
				if rep.Rows[0].Rank == nil || *rep.Rows[0].Rank != 1 {
					b.Fatalf("no unit ranked first: %+v", rep.Rows[0])
				}
				b.ReportMetric(float64(copies*stats.Cases), "cases-in-db")
				b.ReportMetric(float64(len(rep.Rows)), "units")
			})
		}
	})
}
