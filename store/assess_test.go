package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

// TestEachHistory reads the histories of 1,203 cases (more than two batches): three real cases —
// X dispatched to the 友谊路 城管 squad, Y rejected, Z only reported — and 400 copies of each.
func TestEachHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.MustOpen(t, dsn)
		if _, err := demo.Load(ctx, db, "k", "test-password-1"); err != nil {
			t.Fatal(err)
		}
		day := func(d, hh, mm int) time.Time { return time.Date(2026, 3, d, hh, mm, 0, 0, calendar.China) }
		fake := clock.NewFake(day(2, 9, 0))
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
		report := func() int64 {
			pt := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
			c, _, err := a.Report(ctx, who("district.intake"), app.ReportInput{MatterCode: "E0502", Description: "占道", Lat: &pt.Lat, Lon: &pt.Lon}, "")
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		act := func(id int64, at time.Time, login string, action casework.Action, in casework.Input) {
			fake.Set(at)
			if _, err := a.Act(ctx, who(login), id, action, in); err != nil {
				t.Fatal(err)
			}
		}
		x := report()
		act(x, day(2, 9, 5), "district.intake", casework.ActFile, casework.Input{})
		act(x, day(2, 9, 10), "district.dispatcher", casework.ActDispatch, casework.Input{})
		fake.Set(day(2, 9, 20))
		y := report()
		act(y, day(2, 9, 25), "district.intake", casework.ActReject, casework.Input{ReasonCode: "invalid", Reason: "无效"})
		fake.Set(day(2, 10, 0))
		z := report()
		if x != 1 || y != 2 || z != 3 {
			t.Fatalf("cases %d %d %d", x, y, z)
		}
		copyHistories(t, db, 3, 401)

		district, bureau := "/310000000000/310113000000/", "/310000000000/310113000000/310113000000-chengguan/"
		read := func(path string, from, to time.Time) map[int64][]casework.Event {
			t.Helper()
			got := map[int64][]casework.Event{}
			last := int64(0)
			err := db.EachHistory(ctx, store.HistoryScope{Path: path, From: from, To: to}, func(events []casework.Event) error {
				id := events[0].CaseID
				if id <= last {
					return fmt.Errorf("case %d after case %d", id, last)
				}
				last = id
				for i, e := range events {
					if e.CaseID != id || e.Seq != i+1 || !e.At.Before(to) {
						return fmt.Errorf("case %d: event %d is case %d seq %d at %s", id, i, e.CaseID, e.Seq, e.At)
					}
				}
				got[id] = append([]casework.Event(nil), events...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		count := func(got map[int64][]casework.Event, template int64) int {
			n := 0
			for id := range got {
				if (id-1)%3 == template-1 {
					n++
				}
			}
			return n
		}
		all := read(district, day(1, 0, 0), time.Date(2026, 4, 1, 0, 0, 0, 0, calendar.China))
		if len(all) != 1203 || len(all[1]) != 3 || len(all[2]) != 2 || len(all[3]) != 1 || len(all[1203]) != 1 {
			t.Fatalf("%d histories; case 1 has %d events, 2 has %d, 3 has %d", len(all), len(all[1]), len(all[2]), len(all[3]))
		}
		// A case that ended before the period began holds nothing it counts.
		later := read(district, day(3, 0, 0), day(4, 0, 0))
		if len(later) != 802 || count(later, 2) != 0 {
			t.Fatalf("from 3 March: %d histories, %d of them rejected on the 2nd", len(later), count(later, 2))
		}
		// The bureau holds no territory: its cases are those dispatched to it or its squads.
		dept := read(bureau, day(1, 0, 0), day(4, 0, 0))
		if len(dept) != 401 || count(dept, 1) != 401 {
			t.Fatalf("the bureau reads %d histories", len(dept))
		}
		// Histories end where the period does: at 09:10 case 1 has been reported and filed, and the
		// dispatch to the squad has not happened, so the bureau reads nothing.
		early := read(district, day(1, 0, 0), day(2, 9, 10))
		if len(early) != 401 || len(early[1]) != 2 {
			t.Fatalf("before 09:10: %d histories, case 1 with %d events", len(early), len(early[1]))
		}
		if got := read(bureau, day(1, 0, 0), day(2, 9, 10)); len(got) != 0 {
			t.Fatalf("the bureau read %d histories before anything was sent to it", len(got))
		}
		stop := errors.New("stop")
		n := 0
		err = db.EachHistory(ctx, store.HistoryScope{Path: district, From: day(1, 0, 0), To: day(4, 0, 0)}, func([]casework.Event) error {
			if n++; n == 600 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 600 {
			t.Fatalf("stopping after 600 histories: %v after %d", err, n)
		}

		// The case list in batches: every case once, newest first, with the filter applied.
		var ids []int64
		if err := db.EachCase(ctx, store.CaseFilter{States: []casework.State{casework.Dispatched, casework.Reported}, Limit: 7, Before: 9}, func(c *casework.Case) error {
			ids = append(ids, c.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(ids) != 802 || ids[0] != 1203 || ids[len(ids)-1] != 1 {
			t.Fatalf("EachCase gave %d cases, %d first, %d last", len(ids), ids[0], ids[len(ids)-1])
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] >= ids[i-1] {
				t.Fatalf("case %d after case %d", ids[i], ids[i-1])
			}
		}
	})
}

// copyHistories copies cases 1..templates, rows and events, so that the database holds `copies`
// of each: copy k of case id is case id + k·templates (the "id" inside its projection too).
func copyHistories(t *testing.T, db *store.DB, templates int64, copies int) {
	t.Helper()
	series := fmt.Sprintf(`(WITH RECURSIVE r(i) AS (SELECT 1 WHERE 1 < %[1]d UNION ALL SELECT i + 1 FROM r WHERE i + 1 < %[1]d) SELECT i FROM r) AS k`, copies)
	if db.Dialect() == store.Postgres {
		series = fmt.Sprintf(`generate_series(1::bigint, %d) AS k(i)`, copies-1)
	}
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO cases (id, tracking_code, state, matter_code, urgency, channel, grid, territory_path, originator_path,
				assignee, assignee_path, light, overdue, lon, lat, reported_at, closed_at, updated_at, seq, last_hash, body)
			SELECT t.id + k.i * %[1]d, 'copy-' || (t.id + k.i * %[1]d), t.state, t.matter_code, t.urgency, t.channel, t.grid, t.territory_path,
				t.originator_path, t.assignee, t.assignee_path, t.light, t.overdue, t.lon, t.lat, t.reported_at, t.closed_at, t.updated_at,
				t.seq, t.last_hash, replace(t.body, '{"id":' || t.id || ',', '{"id":' || (t.id + k.i * %[1]d) || ',')
			FROM %[2]s CROSS JOIN cases t WHERE t.id <= %[1]d`, templates, series),
		fmt.Sprintf(`INSERT INTO case_events (case_id, seq, action, actor_user_id, actor_name, actor_role, actor_unit, actor_unit_path,
				at, from_state, to_state, reason, payload, prev_hash, hash)
			SELECT e.case_id + k.i * %[1]d, e.seq, e.action, e.actor_user_id, e.actor_name, e.actor_role, e.actor_unit, e.actor_unit_path,
				e.at, e.from_state, e.to_state, e.reason, e.payload, e.prev_hash, e.hash
			FROM %[2]s CROSS JOIN case_events e WHERE e.case_id <= %[1]d`, templates, series),
	} {
		if err := db.ExecRaw(context.Background(), q); err != nil {
			t.Fatalf("copy histories: %v", err)
		}
	}
}
