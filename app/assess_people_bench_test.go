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

// benchDistrict builds the database of the rankings, people and report benchmarks (sixty days of
// the demo generator up to 31 March 2026, copied to about 10,000 cases, roll-ups rebuilt) and sets
// the clock to 1 April. It returns the app and the number of cases.
func benchDistrict(b *testing.B, dsn string) (*app.App, int) {
	b.Helper()
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
	// The copies are made by SQL, behind the store's back: their roll-ups are rebuilt from the
	// histories, as after an upgrade.
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
	return a, copies * stats.Cases
}

// BenchmarkPeopleMonth scores every person of the four assessed roles in the demo district for
// March 2026 (one read of the district's histories, folded per actor), and BenchmarkMonthlyReport
// gathers the monthly report of 友谊路街道 (its indicators, two rankings of the district's streets
// for two months each, its overdue cases), on the database of BenchmarkRankingsMonth.
func BenchmarkPeopleMonth(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		a, cases := benchDistrict(b, newDSN(b))
		march, _ := assess.ParsePeriod("2026-03")
		ctx := context.Background()
		b.Run("people", func(b *testing.B) {
			var rep *app.PeopleReport
			var err error
			for b.Loop() {
				if rep, err = a.People(ctx, app.Principal{System: true}, app.PeopleQuery{Unit: demo.DistrictID, Period: march}); err != nil {
					b.Fatal(err)
				}
			}
			scored := 0
			for _, r := range rep.Rows {
				if r.Score != nil {
					scored++
				}
			}
			if scored == 0 {
				b.Fatal("nobody scored")
			}
			b.ReportMetric(float64(cases), "cases-in-db")
			b.ReportMetric(float64(rep.Cases), "cases-read")
			b.ReportMetric(float64(len(rep.Rows)), "people")
			b.ReportMetric(float64(scored), "scored")
		})
		b.Run("report", func(b *testing.B) {
			var rep *app.MonthlyReport
			var err error
			for b.Loop() {
				if rep, err = a.MonthlyReport(ctx, app.Principal{System: true}, "310113003000", "2026-03"); err != nil {
					b.Fatal(err)
				}
			}
			if len(rep.Standings) != 2 || rep.Standings[0].Row.Score == nil {
				b.Fatalf("standings %+v", rep.Standings)
			}
			b.ReportMetric(float64(cases), "cases-in-db")
			b.ReportMetric(float64(len(rep.Overdue)), "overdue-cases")
		})
	})
}
