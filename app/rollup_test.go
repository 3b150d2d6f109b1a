package app_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/demo"
	"civicgrid/store/storetest"
)

// TestRollupsMatchHistories is the proof of the roll-ups: after the thirteen constructed cases of
// March (reopened, voided, merged, suspended, extended, reworked, overdue, returned) and three weeks
// of generated history in April, the indicators of every unit of the district added up from the
// roll-ups equal those folded from the histories — for every day, every ISO week, both months,
// both quarters, the year and custom ranges, with the present at three instants (two periods in
// progress hold dues later that day). The roll-ups then pass verify, and a rebuild from the
// histories gives the same rows.
func TestRollupsMatchHistories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		scenario(t, e)
		end := time.Date(2026, 4, 22, 18, 0, 0, 0, calendar.China)
		stats, err := demo.GenerateHistory(ctx, e.app, e.clock, demo.HistoryOptions{Days: 20, PerDay: 10, End: end, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		if stats.Cases < 100 {
			t.Fatalf("only %d generated cases", stats.Cases)
		}
		var periods []assess.Period
		named := []string{"2026-03", "2026-04", "2026-Q1", "2026-Q2", "2026"}
		for d := time.Date(2026, 3, 1, 0, 0, 0, 0, calendar.China); d.Before(end.AddDate(0, 0, 2)); d = d.AddDate(0, 0, 1) {
			named = append(named, d.Format("2006-01-02"))
			if d.Weekday() == time.Monday {
				y, w := d.ISOWeek()
				named = append(named, fmt.Sprintf("%d-W%02d", y, w))
			}
		}
		for _, s := range named {
			p, err := assess.ParsePeriod(s)
			if err != nil {
				t.Fatal(err)
			}
			periods = append(periods, p)
		}
		for _, r := range [][2]time.Time{
			{march(10, 0, 0), time.Date(2026, 4, 5, 0, 0, 0, 0, calendar.China)},
			{march(31, 0, 0), time.Date(2026, 4, 2, 0, 0, 0, 0, calendar.China)},
			{time.Date(2026, 4, 8, 0, 0, 0, 0, calendar.China), time.Date(2026, 4, 30, 0, 0, 0, 0, calendar.China)},
		} {
			p, err := assess.CustomPeriod(r[0], r[1])
			if err != nil {
				t.Fatal(err)
			}
			periods = append(periods, p)
		}
		principal := app.Principal{System: true}
		compare := func(label string) {
			t.Helper()
			inProgress, units := 0, 0
			for _, p := range periods {
				q := app.IndicatorQuery{Unit: demo.DistrictID, Period: p, Subtree: true}
				got, err := e.app.Indicators(ctx, principal, q)
				if err != nil {
					t.Fatal(err)
				}
				q.FromHistories = true
				want, err := e.app.Indicators(ctx, principal, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Units) != len(want.Units) || len(got.Units) < 100 {
					t.Fatalf("%d and %d units", len(got.Units), len(want.Units))
				}
				for i, w := range append([]assess.Indicators{want.Unit}, want.Units...) {
					g := got.Unit
					if i > 0 {
						g = got.Units[i-1]
					}
					if !reflect.DeepEqual(g, w) {
						t.Fatalf("%s, %s – %s, unit %s:\nroll-ups  %+v\nhistories %+v", label, p.From, p.To, w.Unit.ID, g, w)
					}
				}
				if got.Cases != 0 {
					inProgress++
				}
				units = 1 + len(got.Units)
			}
			t.Logf("%s: %d periods agree for %d units; %d of them read the cases due later that day", label, len(periods), units, inProgress)
		}
		compare("now " + e.clock.Now().Format(time.DateTime))
		// Later, without sweeping: dues since last evening have come, later ones have not.
		for _, now := range []time.Time{time.Date(2026, 4, 23, 8, 30, 0, 0, calendar.China), time.Date(2026, 4, 23, 13, 0, 0, 0, calendar.China)} {
			e.clock.Set(now)
			compare("now " + now.Format(time.DateTime))
		}
		// A known answer beside the comparison: March is over and holds the scenario's thirteen
		// cases and the generated ones before April.
		marchRep, err := e.app.Indicators(ctx, principal, app.IndicatorQuery{Unit: demo.DistrictID, Period: periods[0]})
		if err != nil || marchRep.Unit.Territory.Received != 13 {
			t.Fatalf("March received %+v, %v", marchRep.Unit.Territory, err)
		}

		rep, err := e.app.DB.Verify(ctx)
		if err != nil || len(rep.Problems) != 0 {
			t.Fatalf("verify: %+v %v", rep.Problems, err)
		}
		before, err := e.app.DB.RollupRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.app.DB.RebuildRollups(ctx)
		if err != nil || n != 13+stats.Cases {
			t.Fatalf("rebuilt %d cases, want %d: %v", n, 13+stats.Cases, err)
		}
		after, err := e.app.DB.RollupRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(before) == 0 || !reflect.DeepEqual(before, after) {
			t.Fatalf("the rebuild changed the roll-ups: %d sums, then %d", len(before), len(after))
		}
	})
}

// TestRollupsAfterUpgrade: a database that held cases before the roll-ups (the state migration
// 0003 leaves: empty tables and the rebuild mark) is answered from the histories until migrate has
// rebuilt the roll-ups, and then from them, with the same figures and the same rows as if they had
// been kept all along.
func TestRollupsAfterUpgrade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		scenario(t, e)
		march, _ := assess.ParsePeriod("2026-03")
		q := app.IndicatorQuery{Unit: demo.DistrictID, Period: march, Subtree: true}
		kept, err := e.app.Indicators(ctx, app.Principal{System: true}, q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := e.app.DB.RollupRows(ctx)
		if err != nil || len(rows) == 0 {
			t.Fatalf("%d rows: %v", len(rows), err)
		}
		for _, s := range []string{`DELETE FROM rollups`, `DELETE FROM rollup_cases`, `INSERT INTO meta (key, value) VALUES ('rollups_rebuild', '1')`} {
			if err := storetest.Exec(t, dsn, s); err != nil {
				t.Fatal(err)
			}
		}
		folded, err := e.app.Indicators(ctx, app.Principal{System: true}, q)
		if err != nil || folded.Cases != 13 || !reflect.DeepEqual(folded.Unit, kept.Unit) || !reflect.DeepEqual(folded.Units, kept.Units) {
			t.Fatalf("before the rebuild: %d histories read (want 13), same figures %v: %v", folded.Cases, reflect.DeepEqual(folded.Units, kept.Units), err)
		}
		if err := e.app.DB.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := e.app.DB.RollupRows(ctx)
		if err != nil || !reflect.DeepEqual(after, rows) {
			t.Fatalf("rebuilt %d rows, kept %d: %v", len(after), len(rows), err)
		}
		summed, err := e.app.Indicators(ctx, app.Principal{System: true}, q)
		if err != nil || summed.Cases != 0 || !reflect.DeepEqual(summed.Units, kept.Units) {
			t.Fatalf("after the rebuild: %d histories read, same figures %v: %v", summed.Cases, reflect.DeepEqual(summed.Units, kept.Units), err)
		}
	})
}
