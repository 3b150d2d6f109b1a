package store

import (
	"context"
	"encoding/json"
	"fmt"

	"civicgrid"
	"civicgrid/calendar"
	"civicgrid/catalog"
)

// PutMatterTypes inserts or replaces matter types; all are validated first and nothing changes on
// the first invalid one.
func (db *DB) PutMatterTypes(ctx context.Context, mts []catalog.MatterType) error {
	for i := range mts {
		if err := mts[i].Validate(); err != nil {
			return err
		}
	}
	return db.inWrite(ctx, func(tx *Tx) error {
		for _, m := range mts {
			b, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO matter_types (code, body, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (code) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, m.Code, string(b), micros(tx.now)); err != nil {
				return fmt.Errorf("put matter type %s: %w", m.Code, err)
			}
		}
		return bumpConfig(ctx, tx)
	})
}

// MatterTypes returns the whole catalogue ordered by code.
func (db *DB) MatterTypes(ctx context.Context) ([]catalog.MatterType, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT body FROM matter_types ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list matter types: %w", err)
	}
	defer rows.Close()
	var out []catalog.MatterType
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var m catalog.MatterType
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			return nil, fmt.Errorf("corrupt matter type: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ReplaceResponsibilities replaces the whole responsibility list (it is published as one document).
func (db *DB) ReplaceResponsibilities(ctx context.Context, list []catalog.ResponsibilityEntry) error {
	seen := map[[2]string]bool{}
	for i := range list {
		if err := list[i].Validate(); err != nil {
			return civicgrid.Errorf(civicgrid.EINVALID, "responsibility entry %d: %s", i, civicgrid.ErrorMessage(err))
		}
		k := [2]string{list[i].MatterCode, list[i].Scope}
		if seen[k] {
			return civicgrid.Errorf(civicgrid.EINVALID, "responsibility entry %d repeats matter %s for scope %q", i, k[0], k[1])
		}
		seen[k] = true
	}
	return db.inWrite(ctx, func(tx *Tx) error {
		known, err := matterCodes(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM responsibilities`); err != nil {
			return err
		}
		for i, e := range list {
			if !known[e.MatterCode] {
				return civicgrid.Errorf(civicgrid.EINVALID, "responsibility entry %d names matter type %s, which is not in the catalogue", i, e.MatterCode)
			}
			if e.Scope != "" {
				if _, err := findUnit(ctx, tx, e.Scope); err != nil {
					return civicgrid.Errorf(civicgrid.EINVALID, "responsibility entry %d is scoped to unit %s, which does not exist", i, e.Scope)
				}
			}
			b, _ := json.Marshal(e)
			if _, err := tx.ExecContext(ctx, `INSERT INTO responsibilities (matter_code, scope, body) VALUES ($1, $2, $3)`, e.MatterCode, e.Scope, string(b)); err != nil {
				return fmt.Errorf("insert responsibility: %w", err)
			}
		}
		return bumpConfig(ctx, tx)
	})
}

func matterCodes(ctx context.Context, tx *Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT code FROM matter_types`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// Responsibilities returns the responsibility list.
func (db *DB) Responsibilities(ctx context.Context) ([]catalog.ResponsibilityEntry, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT body FROM responsibilities ORDER BY matter_code, scope`)
	if err != nil {
		return nil, fmt.Errorf("list responsibilities: %w", err)
	}
	defer rows.Close()
	var out []catalog.ResponsibilityEntry
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var e catalog.ResponsibilityEntry
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, fmt.Errorf("corrupt responsibility entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ReplaceAdmissions replaces the community admission list.
func (db *DB) ReplaceAdmissions(ctx context.Context, list []catalog.AdmissionEntry) error {
	for i := range list {
		if err := list[i].Validate(); err != nil {
			return civicgrid.Errorf(civicgrid.EINVALID, "admission entry %d: %s", i, civicgrid.ErrorMessage(err))
		}
	}
	return db.inWrite(ctx, func(tx *Tx) error {
		known, err := matterCodes(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM admissions`); err != nil {
			return err
		}
		for i, a := range list {
			if !known[a.MatterCode] {
				return civicgrid.Errorf(civicgrid.EINVALID, "admission entry %d names matter type %s, which is not in the catalogue", i, a.MatterCode)
			}
			if _, err := findUnit(ctx, tx, a.Scope); err != nil {
				return civicgrid.Errorf(civicgrid.EINVALID, "admission entry %d is scoped to unit %s, which does not exist", i, a.Scope)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO admissions (scope, matter_code, note) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, a.Scope, a.MatterCode, a.Note); err != nil {
				return fmt.Errorf("insert admission: %w", err)
			}
		}
		return bumpConfig(ctx, tx)
	})
}

// Admissions returns the community admission list.
func (db *DB) Admissions(ctx context.Context) ([]catalog.AdmissionEntry, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT scope, matter_code, note FROM admissions ORDER BY scope, matter_code`)
	if err != nil {
		return nil, fmt.Errorf("list admissions: %w", err)
	}
	defer rows.Close()
	var out []catalog.AdmissionEntry
	for rows.Next() {
		var a catalog.AdmissionEntry
		if err := rows.Scan(&a.Scope, &a.MatterCode, &a.Note); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutCalendarHours sets the business hours.
func (db *DB) PutCalendarHours(ctx context.Context, h calendar.Hours) error {
	if err := h.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(h)
	return db.inWrite(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_hours (id, body) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET body = excluded.body`, string(b)); err != nil {
			return err
		}
		return bumpConfig(ctx, tx)
	})
}

// PutCalendarDays imports holiday and make-up working days; a day replaces the same date.
func (db *DB) PutCalendarDays(ctx context.Context, days []calendar.Day) error {
	seen := make(map[string]bool, len(days))
	for i, d := range days {
		if err := d.Validate(); err != nil {
			return err
		}
		if seen[d.Date] {
			return civicgrid.Errorf(civicgrid.EINVALID, "day %d repeats the date %s; list each date once", i+1, d.Date).WithDetail("field", "days")
		}
		seen[d.Date] = true
	}
	return db.inWrite(ctx, func(tx *Tx) error {
		for _, d := range days {
			if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (date, kind, name) VALUES ($1, $2, $3)
				ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name`, d.Date, d.Kind, d.Name); err != nil {
				return fmt.Errorf("put calendar day %s: %w", d.Date, err)
			}
		}
		return bumpConfig(ctx, tx)
	})
}

// Calendar builds the working calendar from the stored hours (default hours when none) and days.
func (db *DB) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	hours := calendar.DefaultHours()
	var body string
	switch err := db.reads().QueryRowContext(ctx, `SELECT body FROM calendar_hours WHERE id = 1`).Scan(&body); {
	case err == nil:
		if err := json.Unmarshal([]byte(body), &hours); err != nil {
			return nil, fmt.Errorf("corrupt calendar hours: %w", err)
		}
	case !isNoRows(err):
		return nil, err
	}
	rows, err := db.reads().QueryContext(ctx, `SELECT date, kind, name FROM calendar_days ORDER BY date`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var days []calendar.Day
	for rows.Next() {
		var d calendar.Day
		if err := rows.Scan(&d.Date, &d.Kind, &d.Name); err != nil {
			return nil, err
		}
		days = append(days, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return calendar.New(hours, days)
}
