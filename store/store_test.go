package store_test

import (
	"context"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/org"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

func TestSessionsExpireOnTheClock(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fake := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db.Clock = fake
		mustUnits(t, db)
		u, err := db.CreateUser(ctx, store.NewUser{Login: "a.user", Name: "甲", PasswordHash: "h", Grants: []org.Grant{{Role: org.RoleIntake, Unit: "310113000000"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, "tokenhash", u.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		if got, err := db.SessionUser(ctx, "tokenhash"); err != nil || got.ID != u.ID || got.Grants[0].UnitPath != "/310113000000/" {
			t.Fatalf("live session: %+v %v", got, err)
		}
		fake.Advance(time.Hour)
		if _, err := db.SessionUser(ctx, "tokenhash"); !civicgrid.IsCode(err, civicgrid.EUNAUTHORIZED) {
			t.Fatalf("expired session: %v", err)
		}
		if err := db.SetPassword(ctx, u.ID, "h2"); err != nil {
			t.Fatal(err)
		}
	})
}

func mustUnits(t *testing.T, db *store.DB) {
	t.Helper()
	err := db.PutUnits(context.Background(), []org.Unit{
		{ID: "310113000000", Kind: org.District, Name: "宝山区"},
		{ID: "310113103000", Kind: org.Town, Name: "杨行镇", Parent: "310113000000"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUsersAndKeysRefuseBadInputWhole(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustUnits(t, db)
		g := []org.Grant{{Role: org.RoleDispatcher, Unit: "310113103000"}}
		if _, err := db.CreateUser(ctx, store.NewUser{Login: "yh.dispatch", Name: "乙", PasswordHash: "h", Grants: g}); err != nil {
			t.Fatal(err)
		}
		bad := []store.NewUser{
			{Login: "yh.dispatch", Name: "重名", PasswordHash: "h", Grants: g},                                                // taken
			{Login: "Bad Login", Name: "x", PasswordHash: "h", Grants: g},                                                   // pattern
			{Login: "x.y", Name: "x", PasswordHash: "h", Grants: []org.Grant{{Role: "mayor", Unit: "310113103000"}}},        // role
			{Login: "x.z", Name: "x", PasswordHash: "h", Grants: []org.Grant{{Role: org.RoleIntake, Unit: "310113999000"}}}, // unit
			{Login: "x.w", Name: "x\x00", PasswordHash: "h", Grants: g},                                                     // NUL
		}
		wantCodes := []string{civicgrid.ECONFLICT, civicgrid.EINVALID, civicgrid.EINVALID, civicgrid.EINVALID, civicgrid.EINVALID}
		for i, nu := range bad {
			if _, err := db.CreateUser(ctx, nu); !civicgrid.IsCode(err, wantCodes[i]) {
				t.Errorf("user %d (%s): got %v, want %s", i, nu.Login, err, wantCodes[i])
			}
		}
		users, err := db.Users(ctx, "", 100)
		if err != nil || len(users) != 1 {
			t.Fatalf("refused users were stored: %d %v", len(users), err)
		}
		k, err := db.CreateAPIKey(ctx, "keyhash", "某系统", "310113103000", org.RoleHandler)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.APIKeyByHash(ctx, "keyhash"); err != nil || got.UnitPath != "/310113000000/310113103000/" {
			t.Fatalf("key: %+v %v", got, err)
		}
		if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.APIKeyByHash(ctx, "keyhash"); !civicgrid.IsCode(err, civicgrid.EUNAUTHORIZED) {
			t.Fatalf("revoked key still works: %v", err)
		}
		if err := db.RevokeAPIKey(ctx, k.ID); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Fatalf("revoking twice: %v", err)
		}
	})
}

func TestPutUnitsAllOrNothing(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustUnits(t, db)
		v0, _ := db.ConfigVersion(ctx)
		err := db.PutUnits(ctx, []org.Unit{
			{ID: "310113103001", Kind: org.Community, Name: "杨泰一村一居委会", Parent: "310113103000"},
			{ID: "310113103002", Kind: org.Community, Name: "孤儿", Parent: "310113555000"},
		})
		if !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Fatalf("batch with an orphan: %v", err)
		}
		units, _ := db.Units(ctx)
		if len(units) != 2 {
			t.Fatalf("a refused batch stored %d units", len(units)-2)
		}
		if v1, _ := db.ConfigVersion(ctx); v1 != v0 {
			t.Fatalf("a refused batch bumped the config version %d → %d", v0, v1)
		}
		// Moving a unit to another parent is refused.
		err = db.PutUnits(ctx, []org.Unit{{ID: "310113103000", Kind: org.Town, Name: "杨行镇", Parent: "310113000000"}, {ID: "310114000000", Kind: org.District, Name: "嘉定区"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PutUnits(ctx, []org.Unit{{ID: "310113103000", Kind: org.Town, Name: "杨行镇", Parent: "310114000000"}}); !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Fatalf("moving a town between districts: %v", err)
		}
	})
}

// TestCaseListScopeAndCursor pages through a street's cases with the keyset cursor and checks that
// a community sees only its own.
func TestCaseListScopeAndCursor(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db, "k", "test-password"); err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, db, clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _, _ := db.UserByLogin(ctx, "district.intake")
		p := app.Principal{User: u}
		grids := []string{"310113003001001", "310113003022001", "310113007001001"} // two 友谊路 communities, one 吴淞
		var mine int
		for i := 0; i < 25; i++ {
			g := grids[i%3]
			pt := demo.GridCentre(demo.Baoshan().Grids[g])
			if _, _, err := a.Report(ctx, p, app.ReportInput{MatterCode: "C0112", Description: "公交站亭破损", Lat: &pt.Lat, Lon: &pt.Lon}, ""); err != nil {
				t.Fatal(err)
			}
			if g == grids[0] {
				mine++
			}
		}
		street := "/310000000000/310113000000/310113003000/"
		seen := map[int64]bool{}
		var before int64
		for page := 0; page < 10; page++ {
			cs, err := db.Cases(ctx, store.CaseFilter{Scopes: []string{street}, Before: before, Limit: 4})
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cs {
				if seen[c.ID] || (i > 0 && c.ID >= cs[i-1].ID) || c.Street != "310113003000" {
					t.Fatalf("page %d: case %d repeated, out of order or outside the street", page, c.ID)
				}
				seen[c.ID] = true
			}
			if len(cs) < 4 {
				break
			}
			before = cs[len(cs)-1].ID
		}
		if want := 17; len(seen) != want { // cases 1,2 of every 3 lie in 友谊路: ceil(25·2/3)
			t.Fatalf("street saw %d cases, want %d", len(seen), want)
		}
		community := street + "310113003001/"
		counts, err := db.CountCases(ctx, store.CaseFilter{Scopes: []string{community}})
		if err != nil || counts["reported"] != mine {
			t.Fatalf("community sees %v, want %d reported", counts, mine)
		}
		none, err := db.Cases(ctx, store.CaseFilter{Scopes: []string{}})
		if err != nil || len(none) != 0 {
			t.Fatalf("an empty scope saw %d cases", len(none))
		}
	})
}
