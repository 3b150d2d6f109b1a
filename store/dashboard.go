package store

import (
	"context"
	"fmt"
	"time"

	"civicgrid/casework"
)

// CountPerDay counts the cases of the filter per civil day of their report — or, with closed, of
// their latest closing, closed cases only — from the day holding from on. Days are numbered from
// 1970-01-01 in the zone that is offset from UTC (China has no summer time, so one offset serves);
// the answer maps a day's number to its count and leaves out days without cases.
func (db *DB) CountPerDay(ctx context.Context, f CaseFilter, closed bool, from time.Time, offset time.Duration) (map[int64]int, error) {
	f.Before, f.Limit, f.Offset = 0, 0, 0
	col := "reported_at"
	if closed {
		col, f.States = "closed_at", []casework.State{casework.Closed}
	}
	where, args := f.where()
	args = append(args, micros(from))
	cond := fmt.Sprintf("%s >= $%d", col, len(args))
	if where == "" {
		where = " WHERE " + cond
	} else {
		where += " AND " + cond
	}
	day := fmt.Sprintf("(%s + %d) / %d", col, offset.Microseconds(), (24 * time.Hour).Microseconds())
	rows, err := db.reads().QueryContext(ctx, `SELECT `+day+`, count(*) FROM cases`+where+` GROUP BY `+day, args...)
	if err != nil {
		return nil, fmt.Errorf("count cases per day: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var d int64
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, err
		}
		out[d] = n
	}
	return out, rows.Err()
}
