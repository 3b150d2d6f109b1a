package demo

import (
	"context"
	"fmt"

	"civicgrid/auth"
	"civicgrid/calendar"
	"civicgrid/catalog"
	"civicgrid/org"
	"civicgrid/store"
)

// Credentials are what a demo load hands to the person who started it.
type Credentials struct {
	APIKey   string // Open311 key of the district dispatch centre (resident role)
	Password string // password of every demo staff account
}

// IsEmpty reports whether the database holds no units yet (the demo loads only into an empty one).
func IsEmpty(ctx context.Context, db *store.DB) (bool, error) {
	units, err := db.Units(ctx)
	return len(units) == 0, err
}

// Load writes the demo district into db: units, grid polygons, the catalogue and its lists, the
// statutory calendar, staff accounts and an Open311 API key. Empty apiKey or password fields get
// random values, returned in Credentials.
func Load(ctx context.Context, db *store.DB, apiKey, password string) (Credentials, error) {
	if apiKey == "" {
		apiKey = auth.NewToken(18)
	}
	if password == "" {
		password = auth.NewToken(9)
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return Credentials{}, err
	}
	d := Baoshan()
	if err := db.PutUnits(ctx, d.Units); err != nil {
		return Credentials{}, fmt.Errorf("demo units: %w", err)
	}
	if err := db.PutGridShapes(ctx, d.Grids); err != nil {
		return Credentials{}, fmt.Errorf("demo grids: %w", err)
	}
	if err := db.PutMatterTypes(ctx, catalog.Seed()); err != nil {
		return Credentials{}, fmt.Errorf("demo catalogue: %w", err)
	}
	if err := db.ReplaceResponsibilities(ctx, catalog.SeedResponsibilities()); err != nil {
		return Credentials{}, fmt.Errorf("demo responsibility list: %w", err)
	}
	if err := db.ReplaceAdmissions(ctx, catalog.SeedAdmission(DistrictID)); err != nil {
		return Credentials{}, fmt.Errorf("demo admission list: %w", err)
	}
	if err := db.PutCalendarHours(ctx, calendar.DefaultHours()); err != nil {
		return Credentials{}, err
	}
	if err := db.PutCalendarDays(ctx, calendar.Seed()); err != nil {
		return Credentials{}, fmt.Errorf("demo calendar: %w", err)
	}
	// One hash for all demo accounts: they share the password by design, and argon2id is slow on
	// purpose.
	hash, err := auth.HashPassword(password)
	if err != nil {
		return Credentials{}, err
	}
	for _, s := range d.Staff {
		if _, err := db.CreateUser(ctx, store.NewUser{Login: s.Login, Name: s.Name, PasswordHash: hash, WorkerType: s.WorkerType, Grants: s.Grants}); err != nil {
			return Credentials{}, fmt.Errorf("demo user %s: %w", s.Login, err)
		}
	}
	if _, err := db.CreateAPIKey(ctx, auth.TokenHash(apiKey), "宝山区网格化综合管理中心 Open311", DistrictID, org.RoleResident); err != nil {
		return Credentials{}, fmt.Errorf("demo API key: %w", err)
	}
	return Credentials{APIKey: apiKey, Password: password}, nil
}
