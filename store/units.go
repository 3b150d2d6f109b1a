package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"civicgrid"
	"civicgrid/geo"
	"civicgrid/org"
)

// ConfigVersion is bumped by every change to units, grids, the catalogue, the lists or the calendar,
// so that every server process knows when to reload its in-memory view.
func (db *DB) ConfigVersion(ctx context.Context) (int64, error) {
	var v string
	err := db.reads().QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'config_version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read config version: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

func bumpConfig(ctx context.Context, tx *Tx) error {
	// One statement that works in both dialects: text arithmetic through a cast.
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('config_version', '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)`)
	return err
}

// PutUnits inserts or updates units (parents before children, in one transaction). Each unit is
// validated against its parent; the whole batch fails on the first bad unit and nothing changes.
func (db *DB) PutUnits(ctx context.Context, units []org.Unit) error {
	return db.inWrite(ctx, func(tx *Tx) error {
		known := map[string]*org.Unit{}
		for i := range units {
			u := units[i]
			if err := u.Validate(); err != nil {
				return err
			}
			var parent *org.Unit
			if u.Parent != "" {
				if p, ok := known[u.Parent]; ok {
					parent = p
				} else {
					p, err := findUnit(ctx, tx, u.Parent)
					if err != nil {
						if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
							return civicgrid.Errorf(civicgrid.EINVALID, "unit %s names parent %s, which does not exist", u.ID, u.Parent).WithDetail("field", "parent")
						}
						return err
					}
					parent = p
				}
			}
			if err := u.ValidateChild(parent); err != nil {
				return err
			}
			if u.Kind == org.Department {
				if _, ok := known[u.Territory]; !ok {
					if _, err := findUnit(ctx, tx, u.Territory); err != nil {
						return civicgrid.Errorf(civicgrid.EINVALID, "department %s serves territory %s, which does not exist", u.ID, u.Territory).WithDetail("field", "territory")
					}
				}
			}
			if old, err := findUnit(ctx, tx, u.ID); err == nil && old.Path != u.Path {
				return civicgrid.Errorf(civicgrid.EINVALID, "unit %s cannot move from %s to %s", u.ID, old.Parent, u.Parent)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO units (id, kind, name, name_en, parent, path, dept_kind, territory, grid_type, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, name_en = excluded.name_en,
					dept_kind = excluded.dept_kind, territory = excluded.territory, grid_type = excluded.grid_type, updated_at = excluded.updated_at`,
				u.ID, u.Kind, u.Name, u.NameEn, nullString(u.Parent), u.Path, u.DeptKind, u.Territory, u.GridType, micros(tx.now)); err != nil {
				return fmt.Errorf("put unit %s: %w", u.ID, err)
			}
			known[u.ID] = &u
		}
		return bumpConfig(ctx, tx)
	})
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const unitColumns = `id, kind, name, name_en, COALESCE(parent, ''), path, dept_kind, territory, grid_type`

func scanUnit(sc interface{ Scan(...any) error }) (*org.Unit, error) {
	var u org.Unit
	if err := sc.Scan(&u.ID, &u.Kind, &u.Name, &u.NameEn, &u.Parent, &u.Path, &u.DeptKind, &u.Territory, &u.GridType); err != nil {
		return nil, err
	}
	return &u, nil
}

func findUnit(ctx context.Context, tx *Tx, id string) (*org.Unit, error) {
	u, err := scanUnit(tx.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM units WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "unit %s not found", id)
	}
	return u, err
}

// Units returns every unit, parents before children.
func (db *DB) Units(ctx context.Context) ([]org.Unit, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT `+unitColumns+` FROM units ORDER BY path`)
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	defer rows.Close()
	var out []org.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// PutGridShapes stores grid polygons. Every feature must name an existing grid unit; nothing
// changes unless all do.
func (db *DB) PutGridShapes(ctx context.Context, shapes map[string]geo.MultiPolygon) error {
	return db.inWrite(ctx, func(tx *Tx) error {
		for id, mp := range shapes {
			u, err := findUnit(ctx, tx, id)
			if err != nil {
				return civicgrid.Errorf(civicgrid.EINVALID, "grid %s in the GeoJSON is not a known unit: create the grid first", id).WithDetail("id", id)
			}
			if u.Kind != org.Grid {
				return civicgrid.Errorf(civicgrid.EINVALID, "feature %s is a %s, not a grid", id, u.Kind).WithDetail("id", id)
			}
			b, err := json.Marshal(mp)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE units SET geometry = $1, updated_at = $2 WHERE id = $3`, string(b), micros(tx.now), id); err != nil {
				return fmt.Errorf("put grid shape %s: %w", id, err)
			}
		}
		return bumpConfig(ctx, tx)
	})
}

// GridShapes returns the polygon of every grid that has one.
func (db *DB) GridShapes(ctx context.Context) (map[string]geo.MultiPolygon, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT id, geometry FROM units WHERE kind = 'grid' AND geometry IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("list grid shapes: %w", err)
	}
	defer rows.Close()
	out := map[string]geo.MultiPolygon{}
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		var mp geo.MultiPolygon
		if err := json.Unmarshal([]byte(body), &mp); err != nil {
			return nil, fmt.Errorf("grid %s has a corrupt shape: %w", id, err)
		}
		out[id] = mp
	}
	return out, rows.Err()
}
