package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
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

// rollupBenchCases is how many cases the roll-ups of BenchmarkIndicatorsRollups hold.
const rollupBenchCases = 10_000_000

// rollupBenchSpan is how many days the copies are spread over: about three years, so that the
// database holds ≈ 9,000 cases a day, a large city's volume.
const rollupBenchSpan = 1095

// BenchmarkIndicatorsRollups computes the indicators of one month for every unit of the demo
// district (the district and its whole subtree: 194 units) from roll-ups that hold 10,000,000
// cases. The templates are real: sixty days of the demo generator (1,185 cases driven through the
// workflow, every state reached) up to 31 March 2026, their roll-ups kept by the store as the
// events were appended. The 10M cases are copies of the templates' whole contribution moved by a
// whole number of days, spread evenly over the three years before 31 March 2026: the rows each
// copy adds are the template rows with every day bound moved, summed into the table by key as the
// store sums them. (Only the templates have case rows and histories; the month's answer reads
// roll-up rows only, and the deadline marks of today's period in progress, which the copies would
// not add to in a month that is over.)
//
// Each month is checked against the same rows added up in memory through assess (AddItems), and
// the March figures against the templates' own, which the proof test checks against the
// histories.
func BenchmarkIndicatorsRollups(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		ctx := context.Background()
		db := storetest.MustOpen(b, newDSN(b))
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
		generated := time.Since(start)
		fake.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, calendar.China))
		templates, err := db.RollupRows(ctx)
		if err != nil {
			b.Fatal(err)
		}
		copies := rollupBenchCases / stats.Cases
		rows := shiftedRows(templates, copies)
		loadRows(b, db, rows)
		db.SetBulkLoad(ctx, false)
		if db.Dialect() == store.Postgres {
			if err := db.ExecRaw(ctx, `ANALYZE`); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%d template cases (%d template rows) generated in %s, copied %d times: %d cases, %d rows, loaded in %s", stats.Cases, len(templates),
			generated.Round(time.Second), copies, copies*stats.Cases, len(rows), (time.Since(start) - generated).Round(time.Second))

		// Two months well inside the three years, so that they hold a full month of copies.
		for _, month := range []string{"2025-06", "2024-11"} {
			b.Run("month="+month, func(b *testing.B) {
				p, _ := assess.ParsePeriod(month)
				q := app.IndicatorQuery{Unit: demo.DistrictID, Period: p, Subtree: true}
				var rep *app.IndicatorReport
				for b.Loop() {
					if rep, err = a.Indicators(ctx, app.Principal{System: true}, q); err != nil {
						b.Fatal(err)
					}
				}
				units := append([]assess.Unit{rep.Unit.Unit}, unitsOf(rep.Units)...)
				agg, err := assess.NewAggregator(units, assess.Options{Period: p, Calendar: a.Config().Calendar, Weights: assess.DefaultWeights, Now: fake.Now()})
				if err != nil {
					b.Fatal(err)
				}
				if err := agg.AddItems(rows); err != nil {
					b.Fatal(err)
				}
				want := agg.Result()
				if !reflect.DeepEqual(want[0], rep.Unit) || !reflect.DeepEqual(want[1:], rep.Units) {
					b.Fatalf("the database's sums differ from the rows' own:\n%+v\n%+v", rep.Unit, want[0])
				}
				if rep.Unit.Territory.Received < 200_000 {
					b.Fatalf("%s received only %d cases", month, rep.Unit.Territory.Received)
				}
				b.ReportMetric(float64(copies*stats.Cases), "cases-in-db")
				b.ReportMetric(float64(len(rows)), "rows-in-db")
				b.ReportMetric(float64(rep.Unit.Territory.Received), "received")
				b.ReportMetric(float64(len(units)), "units")
			})
		}
	})
}

func unitsOf(xs []assess.Indicators) []assess.Unit {
	out := make([]assess.Unit, len(xs))
	for i, x := range xs {
		out[i] = x.Unit
	}
	return out
}

// shiftedRows adds up `copies` copies of the template rows, copy k moved back by k mod
// rollupBenchSpan days.
func shiftedRows(templates []assess.Item, copies int) []assess.Item {
	per := make([]int64, rollupBenchSpan) // copies per shift
	for k := range copies {
		per[k%rollupBenchSpan]++
	}
	move := func(d, by int32) int32 {
		if d == assess.NoDay || d == assess.Forever {
			return d
		}
		return d - by
	}
	sums := map[assess.Key]int64{}
	for by, n := range per {
		if n == 0 {
			continue
		}
		for _, it := range templates {
			k := it.Key()
			k.Day, k.ALo, k.BLo, k.BHi = move(k.Day, int32(by)), move(k.ALo, int32(by)), move(k.BLo, int32(by)), move(k.BHi, int32(by))
			sums[k] += it.N * n
		}
	}
	out := make([]assess.Item, 0, len(sums))
	for k, n := range sums {
		out = append(out, assess.Item{Unit: k.Unit, Counter: k.Counter, Day: k.Day, ALo: k.ALo, BLo: k.BLo, BHi: k.BHi, N: n})
	}
	return assess.Merge(out)
}

// loadRows replaces the roll-up rows with rows, in bulk statements.
func loadRows(b *testing.B, db *store.DB, rows []assess.Item) {
	b.Helper()
	ctx := context.Background()
	if err := db.ExecRaw(ctx, `DELETE FROM rollups`); err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	for i := 0; i < len(rows); i += batch {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO rollups (day, unit, counter, alo, blo, bhi, n) VALUES `)
		for j, it := range rows[i:min(i+batch, len(rows))] {
			if j > 0 {
				sb.WriteString(", ")
			}
			if strings.ContainsAny(it.Unit, `'\`) {
				b.Fatalf("unit %q", it.Unit)
			}
			fmt.Fprintf(&sb, "(%d, '%s', %d, %d, %d, %d, %d)", it.Day, it.Unit, it.Counter, it.ALo, it.BLo, it.BHi, it.N)
		}
		if err := db.ExecRaw(ctx, sb.String()); err != nil {
			b.Fatalf("load roll-ups: %v", err)
		}
	}
}
