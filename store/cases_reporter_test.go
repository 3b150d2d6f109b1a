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

// TestCaseListReportedBy: the ReportedBy filter keeps the cases whose first event is the user's —
// not those the user acted on later — and combines with scopes, states and the cursor; the
// Assignees filter keeps cases assigned to exactly the units named.
func TestCaseListReportedBy(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db, "k", "test-password"); err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, db, clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), nil)
		if err != nil {
			t.Fatal(err)
		}
		principal := func(login string) app.Principal {
			u, _, err := db.UserByLogin(ctx, login)
			if err != nil {
				t.Fatal(err)
			}
			return app.Principal{User: u}
		}
		worker, other, intake := principal("youyi.c1.worker1"), principal("youyi.c1.handler"), principal("district.intake")
		report := func(p app.Principal) int64 {
			cs, _, err := a.Report(ctx, p, app.ReportInput{MatterCode: "E0502", Description: "占道摆摊", Grid: "310113003001001"}, "")
			if err != nil {
				t.Fatal(err)
			}
			return cs.ID
		}
		var mine []int64
		for i := range 5 {
			mine = append(mine, report(worker))
			theirs := report(other)
			if i == 0 {
				// The worker confirming someone else's case does not make it the worker's report.
				if _, err := a.Act(ctx, intake, theirs, casework.ActRequestConfirm, casework.Input{}); err != nil {
					t.Fatal(err)
				}
				if _, err := a.Act(ctx, worker, theirs, casework.ActConfirm, casework.Input{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := db.Cases(ctx, store.CaseFilter{ReportedBy: worker.User.ID, Scopes: worker.Scopes()})
		if err != nil || len(got) != 5 {
			t.Fatalf("the worker's reports: %d, %v", len(got), err)
		}
		for i, c := range got {
			if c.ID != mine[4-i] {
				t.Fatalf("report %d is case %d, want %d (newest first)", i, c.ID, mine[4-i])
			}
		}
		page, err := db.Cases(ctx, store.CaseFilter{ReportedBy: worker.User.ID, Before: mine[2], Limit: 10})
		if err != nil || len(page) != 2 || page[0].ID != mine[1] {
			t.Fatalf("the page before case %d: %d cases, %v", mine[2], len(page), err)
		}
		if n, err := db.CountCases(ctx, store.CaseFilter{ReportedBy: other.User.ID, States: []casework.State{casework.Reported}}); err != nil || n[casework.Reported] != 5 {
			t.Fatalf("the other user's reported cases: %v %v", n, err)
		}
		if none, err := db.Cases(ctx, store.CaseFilter{ReportedBy: intake.User.ID}); err != nil || len(none) != 0 {
			t.Fatalf("intake reported nothing, the filter found %d", len(none))
		}
		// Assignees: exactly the units named, not the units below them.
		dispatcher := principal("district.dispatcher")
		if _, err := a.Act(ctx, intake, mine[0], casework.ActFile, casework.Input{}); err != nil {
			t.Fatal(err)
		}
		cs, err := a.Act(ctx, dispatcher, mine[0], casework.ActDispatch, casework.Input{})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.Cases(ctx, store.CaseFilter{Assignees: []string{"x", cs.Assignee}}); err != nil || len(got) != 1 || got[0].ID != mine[0] {
			t.Fatalf("cases assigned to %s: %d %v", cs.Assignee, len(got), err)
		}
		if got, err := db.Cases(ctx, store.CaseFilter{Assignees: []string{cs.Street, cs.District}}); err != nil || len(got) != 0 {
			t.Fatalf("cases assigned to the street or district themselves: %d %v", len(got), err)
		}
	})
}
