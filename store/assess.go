package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"civicgrid/casework"
)

// Reads for assessment and ledgers: the histories the indicators are computed from, and the case
// list exported as a ledger, both streamed in batches so that memory does not grow with the
// number of cases.

// HistoryScope selects the cases whose histories may count in a unit's indicators for a period.
type HistoryScope struct {
	// Path is the unit's path: a case is read when its territory lies in the subtree, or when a
	// dispatch or ruling before To sent it to a unit in the subtree. Empty reads every case.
	Path     string
	From, To time.Time
}

// HistoryBatch is how many cases one read of EachHistory covers.
const HistoryBatch = 500

// EachHistory calls fn with the history of every case in scope that can count in [From, To): the
// events recorded before To, in order; cases in ID order. A case counts only if it was reported
// before To and either had an event since From or was still open (neither closed, rejected nor
// voided): a case that ended before the period began holds nothing the period counts. The
// histories are read HistoryBatch cases at a time, each batch in one statement; fn must not keep
// the slice it is given.
func (db *DB) EachHistory(ctx context.Context, s HistoryScope, fn func(events []casework.Event) error) error {
	args := []any{0, micros(s.To), micros(s.From)}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	cond := `c.id > $1 AND c.reported_at < $2 AND (c.updated_at >= $3 OR c.state NOT IN ('closed', 'rejected', 'voided'))`
	if s.Path != "" {
		lo, hi := prefixRange(s.Path)
		// The route a dispatch or ruling recorded is in its payload as "lead_path":"<path>"; the
		// payload bytes are fixed by the hash chain, so the match is exact (and a superset at worst:
		// the indicators attribute every event to its unit again).
		cond += fmt.Sprintf(` AND ((c.territory_path >= %s AND c.territory_path < %s) OR EXISTS (SELECT 1 FROM case_events d
			WHERE d.case_id = c.id AND d.action IN ('dispatch', 'rule') AND d.at < $2 AND d.payload LIKE %s ESCAPE '\'))`,
			arg(lo), arg(hi), arg(`%"lead_path":"`+escapeLike(s.Path)+`%`))
	}
	q := fmt.Sprintf(`WITH batch AS (SELECT c.id FROM cases c WHERE %s ORDER BY c.id LIMIT %d)
		SELECT %s FROM case_events e JOIN batch b ON e.case_id = b.id WHERE e.at < $2 ORDER BY e.case_id, e.seq`,
		cond, HistoryBatch, eventColumns)
	var events []casework.Event
	for {
		n, last := 0, int64(0)
		err := func() error {
			rows, err := db.reads().QueryContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("read case histories: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				e, err := scanEvent(rows)
				if err != nil {
					return err
				}
				if e.CaseID != last && len(events) > 0 {
					if err := fn(events); err != nil {
						return err
					}
					events = events[:0]
				}
				if e.CaseID != last {
					n, last = n+1, e.CaseID
				}
				events = append(events, e)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if len(events) > 0 {
				err := fn(events)
				events = events[:0]
				return err
			}
			return nil
		}()
		if err != nil || n < HistoryBatch {
			return err
		}
		args[0] = last
	}
}

// escapeLike escapes LIKE's wildcards (and the escape character) in s.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ExportBatch is how many cases one read of EachCase covers.
const ExportBatch = 500

// EachCase calls fn with every case the filter selects, newest first, reading ExportBatch cases at
// a time by keyset (the filter's Limit, Offset and Before are its own). It stops at fn's first
// error.
func (db *DB) EachCase(ctx context.Context, f CaseFilter, fn func(c *casework.Case) error) error {
	f.Limit, f.Offset, f.Before = ExportBatch, 0, 0
	for {
		cases, err := db.Cases(ctx, f)
		if err != nil {
			return err
		}
		for _, c := range cases {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(cases) < ExportBatch {
			return nil
		}
		f.Before = cases[len(cases)-1].ID
	}
}

// CountAll counts the cases a filter selects.
func (db *DB) CountAll(ctx context.Context, f CaseFilter) (int, error) {
	by, err := db.CountCases(ctx, f)
	n := 0
	for _, k := range by {
		n += k
	}
	return n, err
}
