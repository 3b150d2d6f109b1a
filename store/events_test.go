package store_test

import (
	"context"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// TestEventsBetweenAndOfCases reads histories across cases: a time window (both ends included,
// oldest first, capped) and several cases at once, each in order.
func TestEventsBetweenAndOfCases(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db, "k", "test-password"); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		fake := clock.NewFake(start)
		a, err := app.New(ctx, db, fake, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _, _ := db.UserByLogin(ctx, "district.intake")
		p := app.Principal{User: u}
		pt := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
		var ids []int64
		for i := 0; i < 3; i++ {
			c, _, err := a.Report(ctx, p, app.ReportInput{MatterCode: "C0112", Description: "公交站亭破损", Lat: &pt.Lat, Lon: &pt.Lon}, "")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
			fake.Advance(time.Minute)
		}
		if _, err := a.Act(ctx, p, ids[0], casework.ActFile, casework.Input{}); err != nil {
			t.Fatal(err)
		}
		// Reports at 09:00, 09:01, 09:02; the filing at 09:03.
		evs, err := db.EventsBetween(ctx, start.Add(time.Minute), start.Add(3*time.Minute), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 || evs[0].CaseID != ids[1] || evs[1].CaseID != ids[2] || evs[2].Action != casework.ActFile || evs[2].Seq != 2 {
			t.Fatalf("events 09:01–09:03: %+v", evs)
		}
		if evs[2].Hash == "" || evs[2].PrevHash == "" || !evs[2].At.Equal(start.Add(3*time.Minute)) || len(evs[0].Payload) == 0 {
			t.Fatalf("event read incompletely: %+v", evs[2])
		}
		if evs, err := db.EventsBetween(ctx, start, start.Add(time.Hour), 2); err != nil || len(evs) != 2 || evs[0].CaseID != ids[0] {
			t.Fatalf("capped at 2: %+v %v", evs, err)
		}
		if evs, err := db.EventsBetween(ctx, start.Add(time.Hour), start.Add(2*time.Hour), 10); err != nil || len(evs) != 0 {
			t.Fatalf("an empty window: %+v %v", evs, err)
		}
		hist, err := db.EventsOfCases(ctx, []int64{ids[0], ids[2], 999999})
		if err != nil || len(hist) != 2 || len(hist[ids[0]]) != 2 || hist[ids[0]][1].Seq != 2 || len(hist[ids[2]]) != 1 {
			t.Fatalf("histories: %+v %v", hist, err)
		}
	})
}
