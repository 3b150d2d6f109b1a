package store_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// TestCountPerDay: cases are counted on the civil day in China of their report, or of their
// closing, within the filter; a report at 07:00 in China (23:00 the day before in UTC) counts on
// the Chinese day.
func TestCountPerDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.MustOpen(t, dsn)
		if _, err := demo.Load(ctx, db, "k", "test-password-1"); err != nil {
			t.Fatal(err)
		}
		at := func(d, hh int) time.Time { return time.Date(2026, 3, d, hh, 0, 0, 0, calendar.China) }
		fake := clock.NewFake(at(2, 10))
		a, err := app.New(ctx, db, fake, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		who := func(login string) app.Principal {
			u, _, err := db.UserByLogin(ctx, login)
			if err != nil {
				t.Fatal(err)
			}
			return app.Principal{User: u}
		}
		report := func(grid string) int64 {
			pt := demo.GridCentre(demo.Baoshan().Grids[grid])
			c, _, err := a.Report(ctx, who("district.intake"), app.ReportInput{MatterCode: "E0502", Description: "占道", Lat: &pt.Lat, Lon: &pt.Lon}, "")
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		x := report("310113003001001") // 2 March, 10:00
		fake.Set(at(3, 7))
		report("310113003001001")    // 3 March, 07:00 in China: 2 March, 23:00 UTC
		report("310113007001001")    // 吴淞, another street
		for _, s := range []struct { // x goes round the loop and closes on 3 March
			login  string
			action casework.Action
			in     casework.Input
		}{{"district.intake", casework.ActFile, casework.Input{}}, {"district.dispatcher", casework.ActDispatch, casework.Input{}},
			{"chengguan.youyi.handler", casework.ActSign, casework.Input{}}, {"chengguan.youyi.handler", casework.ActHandle, casework.Input{Result: "已劝离"}},
			{"district.intake", casework.ActRequestCheck, casework.Input{}}, {"district.intake", casework.ActCheckPass, casework.Input{}}} {
			fake.Advance(10 * time.Minute)
			if _, err := a.Act(ctx, who(s.login), x, s.action, s.in); err != nil {
				t.Fatalf("%s: %v", s.action, err)
			}
		}
		// Day numbers: days since 1970-01-01 of the Chinese civil date.
		d2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix() / 86400
		d3 := d2 + 1
		youyi := store.CaseFilter{Within: "/310000000000/310113000000/310113003000/"}
		count := func(f store.CaseFilter, closed bool, from time.Time) map[int64]int {
			t.Helper()
			got, err := db.CountPerDay(ctx, f, closed, from, 8*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, c := range []struct {
			name   string
			f      store.CaseFilter
			closed bool
			from   time.Time
			want   map[int64]int
		}{
			{"reported in 友谊路", youyi, false, at(2, 0), map[int64]int{d2: 1, d3: 1}},
			{"reported everywhere", store.CaseFilter{}, false, at(2, 0), map[int64]int{d2: 1, d3: 2}},
			{"reported from 3 March", youyi, false, at(3, 0), map[int64]int{d3: 1}},
			{"closed in 友谊路", youyi, true, at(2, 0), map[int64]int{d3: 1}},
			{"closed in 吴淞", store.CaseFilter{Within: "/310000000000/310113000000/310113007000/"}, true, at(2, 0), map[int64]int{}},
			{"no scope", store.CaseFilter{Scopes: []string{}}, false, at(2, 0), map[int64]int{}},
		} {
			if got := count(c.f, c.closed, c.from); !maps.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	})
}
