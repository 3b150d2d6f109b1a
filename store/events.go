package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"civicgrid/casework"
)

// Reads of case histories across cases: the feeds that other systems poll (Open311's
// servicerequestupdates) and the public notes of a page of cases.

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `case_id, seq, action, actor_user_id, actor_name, actor_role, actor_unit, actor_unit_path,
	at, from_state, to_state, reason, payload, prev_hash, hash`

// EventsBetween returns the events of every case recorded from from to to (both included), oldest
// first (ties by case and sequence), at most limit of them (1 to MaxListLimit; other values mean
// MaxListLimit). It reads through the case_events_at index.
func (db *DB) EventsBetween(ctx context.Context, from, to time.Time, limit int) ([]casework.Event, error) {
	if limit <= 0 || limit > MaxListLimit {
		limit = MaxListLimit
	}
	rows, err := db.reads().QueryContext(ctx, `SELECT `+eventColumns+` FROM case_events WHERE at >= $1 AND at <= $2
		ORDER BY at, case_id, seq LIMIT $3`, micros(from), micros(to), limit)
	if err != nil {
		return nil, fmt.Errorf("read events between %s and %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []casework.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventsOfCases returns the histories of several cases (at most MaxListLimit IDs), each in order, in
// one query.
func (db *DB) EventsOfCases(ctx context.Context, ids []int64) (map[int64][]casework.Event, error) {
	out := make(map[int64][]casework.Event, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > MaxListLimit {
		return nil, fmt.Errorf("events of %d cases: at most %d in one read", len(ids), MaxListLimit)
	}
	ps := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ps[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := db.reads().QueryContext(ctx, `SELECT `+eventColumns+` FROM case_events WHERE case_id IN (`+strings.Join(ps, ", ")+`)
		ORDER BY case_id, seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("read events of %d cases: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out[e.CaseID] = append(out[e.CaseID], e)
	}
	return out, rows.Err()
}

type rowScanner interface{ Scan(dest ...any) error }

func scanEvent(rows rowScanner) (casework.Event, error) {
	var e casework.Event
	var at int64
	var payload string
	if err := rows.Scan(&e.CaseID, &e.Seq, &e.Action, &e.Actor.UserID, &e.Actor.Name, &e.Actor.Role, &e.Actor.Unit, &e.Actor.UnitPath,
		&at, &e.From, &e.To, &e.Reason, &payload, &e.PrevHash, &e.Hash); err != nil {
		return casework.Event{}, fmt.Errorf("read event: %w", err)
	}
	e.At = fromMicros(at)
	if payload != "" {
		e.Payload = json.RawMessage(payload)
	}
	return e, nil
}
