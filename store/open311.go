package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"civicgrid"
	"civicgrid/casework"
)

// Open311Update is an update a department system posted through Open311 (FixMyStreet's POST
// servicerequestupdates), as recorded under the key that sent it: the case it acted on, the
// update's principal event (the last one that is not a comment; comments only annotate) and the
// state the case was left in.
type Open311Update struct {
	KeyID     int64
	UpdateID  string
	CaseID    int64
	Seq       int
	Action    casework.Action
	State     casework.State
	CreatedAt time.Time
}

// maxUpdateSteps bounds the events one update may append.
const maxUpdateSteps = 4

// PostOpen311Update carries out one department update exactly once per (keyID, updateID). When
// the pair is recorded already it changes nothing and returns the record with replay=true.
// Otherwise, under the case's row lock, it asks decide for the update's events one by one — step
// 0, 1, … each seeing the case as the previous ones left it, until decide returns nil — appends
// them, writes audit (when not nil) and records the update, all in one transaction: an update is
// recorded if and only if its events are. decide's errors change nothing.
func (db *DB) PostOpen311Update(ctx context.Context, keyID int64, updateID string, caseID int64, audit *AuditEntry,
	decide func(c *casework.Case, step int) (*casework.Event, error)) (rec *Open311Update, c *casework.Case, replay bool, err error) {
	for attempt := 0; attempt < 2; attempt++ {
		err = db.inWrite(ctx, func(tx *Tx) error {
			rec, c, replay = nil, nil, false
			// A repeat is answered before the case is locked; a twin running concurrently is caught
			// by the second look below, which PostgreSQL makes after the lock with a fresh snapshot.
			if r, err := findOpen311Update(ctx, tx, keyID, updateID); err != nil || r != nil {
				rec, replay = r, r != nil
				return err
			}
			var err error
			if c, err = loadCase(ctx, tx, caseID, true); err != nil {
				return err
			}
			if r, err := findOpen311Update(ctx, tx, keyID, updateID); err != nil || r != nil {
				rec, replay = r, r != nil
				return err
			}
			var principal *casework.Event
			for step := 0; ; step++ {
				ev, err := decide(c, step)
				if err != nil {
					return err
				}
				if ev == nil {
					break
				}
				if step >= maxUpdateSteps {
					return fmt.Errorf("store: an Open311 update of case %d decided more than %d events", caseID, maxUpdateSteps)
				}
				if err := appendEvent(ctx, tx, c, *ev); err != nil {
					return err
				}
				if principal == nil || ev.Action != casework.ActComment {
					e := *ev
					e.Seq = c.Seq
					principal = &e
				}
			}
			if principal == nil {
				return fmt.Errorf("store: an Open311 update of case %d decided no event", caseID)
			}
			if err := rollupCase(ctx, tx, caseID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO open311_updates (key_id, update_id, case_id, seq, created_at) VALUES ($1, $2, $3, $4, $5)`,
				keyID, updateID, caseID, principal.Seq, micros(tx.now)); err != nil {
				return err
			}
			if audit != nil {
				if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, actor, kind, object, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
					micros(tx.now), audit.UserID, audit.Actor, audit.Kind, audit.Object, audit.Detail); err != nil {
					return fmt.Errorf("audit: %w", err)
				}
			}
			rec = &Open311Update{KeyID: keyID, UpdateID: updateID, CaseID: caseID, Seq: principal.Seq, Action: principal.Action,
				State: principal.To, CreatedAt: fromMicros(micros(tx.now))}
			return nil
		})
		// A unique violation here is the record: the same update_id, racing on another case, won.
		// The next attempt finds its record.
		if err == nil || !isUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		if isUniqueViolation(err) {
			return nil, nil, false, civicgrid.Errorf(civicgrid.ECONFLICT, "a concurrent update with update_id %q was recorded; send it again to read its answer", updateID)
		}
		return nil, nil, false, err
	}
	if replay {
		c = nil
	}
	return rec, c, replay, nil
}

// findOpen311Update returns the record of (keyID, updateID) with its principal event's action and
// resulting state, or nil.
func findOpen311Update(ctx context.Context, tx *Tx, keyID int64, updateID string) (*Open311Update, error) {
	r := Open311Update{KeyID: keyID, UpdateID: updateID}
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT u.case_id, u.seq, u.created_at, e.action, e.to_state FROM open311_updates u
		JOIN case_events e ON e.case_id = u.case_id AND e.seq = u.seq WHERE u.key_id = $1 AND u.update_id = $2`, keyID, updateID).
		Scan(&r.CaseID, &r.Seq, &created, &r.Action, &r.State)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read Open311 update %q: %w", updateID, err)
	}
	r.CreatedAt = fromMicros(created)
	return &r, nil
}
