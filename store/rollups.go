package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/casework"
)

// Roll-ups (汇总): the sums of what every case contributes to the indicators (assess.Item), kept in
// the transaction that appends a case's events. rollup_cases holds each case's current items;
// rollups their sums per key. See docs/indicators.md, "Roll-ups".

// rollupCase brings the roll-ups up to date with the history of case id: the items the history
// contributes now replace those it contributed before. Every write path that appends events calls
// it once per case, after the events, in the same transaction.
func rollupCase(ctx context.Context, tx *Tx, id int64) error {
	d, err := rollupDelta(ctx, tx, id)
	if err != nil {
		return err
	}
	return addRows(ctx, tx, d)
}

// rollupDelta stores the items case id's history contributes now and returns the difference from
// those it contributed before, which the caller must add to the rows.
func rollupDelta(ctx context.Context, tx *Tx, id int64) ([]assess.Item, error) {
	events, err := caseEvents(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	// Only handling time needs the calendar, so only a history with a handling result reads it.
	var cal *calendar.Calendar
	if slices.ContainsFunc(events, func(e casework.Event) bool { return e.Action == casework.ActHandle }) {
		if cal, err = tx.db.rollupCalendar(ctx, tx); err != nil {
			return nil, err
		}
	}
	items, err := assess.Contributions(events, cal)
	if err != nil {
		return nil, fmt.Errorf("roll-ups of case %d: %w", id, err)
	}
	var stored string
	switch err := tx.QueryRowContext(ctx, `SELECT items FROM rollup_cases WHERE case_id = $1`, id).Scan(&stored); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read roll-ups of case %d: %w", id, err)
	}
	enc := encodeItems(items)
	if enc == stored && stored != "" {
		return nil, nil
	}
	old, err := decodeItems(stored)
	if err != nil {
		return nil, fmt.Errorf("case %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rollup_cases (case_id, items) VALUES ($1, $2)
		ON CONFLICT (case_id) DO UPDATE SET items = excluded.items`, id, enc); err != nil {
		return nil, fmt.Errorf("save roll-ups of case %d: %w", id, err)
	}
	return delta(old, items), nil
}

// delta is new − old per key, without the keys that do not change, in key order (the order rows
// are locked in, so that two writers never wait on each other in a cycle).
func delta(old, new []assess.Item) []assess.Item {
	sums := map[assess.Key]int64{}
	for _, it := range old {
		sums[it.Key()] -= it.N
	}
	for _, it := range new {
		sums[it.Key()] += it.N
	}
	out := make([]assess.Item, 0, len(sums))
	for k, n := range sums {
		if n != 0 {
			out = append(out, assess.Item{Unit: k.Unit, Counter: k.Counter, Day: k.Day, ALo: k.ALo, BLo: k.BLo, BHi: k.BHi, N: n})
		}
	}
	return assess.Merge(out)
}

// rowBatch bounds the rows one statement adds.
const rowBatch = 500

// addRows adds the amounts to their rows, creating missing rows and deleting those that fall to
// zero. The values are written into the statement as literals (numbers, and unit IDs quoted):
// the pure-Go SQLite driver spends more binding hundreds of parameters than parsing their text.
func addRows(ctx context.Context, tx *Tx, d []assess.Item) error {
	for len(d) > 0 {
		n := min(len(d), rowBatch)
		batch := d[:n]
		d = d[n:]
		b := make([]byte, 0, 64*n)
		b = append(b, `INSERT INTO rollups (day, unit, counter, alo, blo, bhi, n) VALUES `...)
		var gone []byte
		for i, it := range batch {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, '(')
			b = appendKey(b, it, ", ")
			b = append(b, ", "...)
			b = strconv.AppendInt(b, it.N, 10)
			b = append(b, ')')
			if it.N < 0 {
				if len(gone) > 0 {
					gone = append(gone, " OR "...)
				}
				gone = append(gone, '(')
				gone = appendKey(gone, it, " AND ")
				gone = append(gone, ')')
			}
		}
		b = append(b, ` ON CONFLICT (day, unit, counter, alo, blo, bhi) DO UPDATE SET n = rollups.n + excluded.n`...)
		// The text carries the values: sent as it is, never kept prepared.
		if _, err := tx.Tx.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("add roll-ups: %w", err)
		}
		if len(gone) > 0 {
			if _, err := tx.Tx.ExecContext(ctx, `DELETE FROM rollups WHERE n = 0 AND (`+string(gone)+`)`); err != nil {
				return fmt.Errorf("drop empty roll-ups: %w", err)
			}
		}
	}
	return nil
}

// appendKey writes a row's key as SQL literals: the values in column order joined by sep, or,
// with sep " AND ", as column = value conditions.
func appendKey(b []byte, it assess.Item, sep string) []byte {
	cond := sep == " AND "
	for i, v := range []int64{int64(it.Day), 0, int64(it.Counter), int64(it.ALo), int64(it.BLo), int64(it.BHi)} {
		if i > 0 {
			b = append(b, sep...)
		}
		if cond {
			b = append(b, rowColumns[i]...)
			b = append(b, " = "...)
		}
		if i == 1 {
			b = append(b, '\'')
			b = append(b, strings.ReplaceAll(it.Unit, "'", "''")...)
			b = append(b, '\'')
			continue
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return b
}

// rowColumns are the key columns of rollups, in order.
var rowColumns = [...]string{"day", "unit", "counter", "alo", "blo", "bhi"}

// encodeItems writes items as text: "unit,counter,day,alo,blo,bhi,at,n" joined by ";".
func encodeItems(items []assess.Item) string {
	var b []byte
	for i, it := range items {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, it.Unit...)
		for _, v := range []int64{int64(it.Counter), int64(it.Day), int64(it.ALo), int64(it.BLo), int64(it.BHi), it.At, it.N} {
			b = append(b, ',')
			b = strconv.AppendInt(b, v, 10)
		}
	}
	return string(b)
}

func decodeItems(s string) ([]assess.Item, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ";")
	out := make([]assess.Item, len(parts))
	for i, p := range parts {
		f := strings.Split(p, ",")
		if len(f) != 8 {
			return nil, fmt.Errorf("corrupt roll-up item %q", p)
		}
		var v [7]int64
		for j := range v {
			x, err := strconv.ParseInt(f[j+1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("corrupt roll-up item %q", p)
			}
			v[j] = x
		}
		out[i] = assess.Item{Unit: f[0], Counter: int(v[0]), Day: int32(v[1]), ALo: int32(v[2]), BLo: int32(v[3]), BHi: int32(v[4]), At: v[5], N: v[6]}
	}
	return out, nil
}

// rollupCal caches the calendar handling time is measured on, by configuration version.
type rollupCal struct {
	mu      sync.Mutex
	version string
	cal     *calendar.Calendar
}

// rollupCalendar is the platform's calendar as of the transaction's configuration version.
func (db *DB) rollupCalendar(ctx context.Context, tx *Tx) (*calendar.Calendar, error) {
	var v string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'config_version'`).Scan(&v); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read config version: %w", err)
	}
	c := &db.rcal
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cal != nil && c.version == v {
		return c.cal, nil
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return nil, fmt.Errorf("calendar for roll-ups: %w", err)
	}
	c.version, c.cal = v, cal
	return cal, nil
}

// RollupSum is the sum of the rows of one unit and counter that count in a period.
type RollupSum struct {
	Unit    string
	Counter int
	N       int64
}

// RollupsReady reports whether the roll-ups cover every case: false after the migration that added
// them to a database holding cases, until RebuildRollups has run.
func (db *DB) RollupsReady(ctx context.Context) (bool, error) {
	var n int
	if err := db.reads().QueryRowContext(ctx, `SELECT count(*) FROM meta WHERE key = 'rollups_rebuild'`).Scan(&n); err != nil {
		return false, fmt.Errorf("read roll-up state: %w", err)
	}
	return n == 0, nil
}

// RollupSums adds up the rows that count in the period [from, to) of day numbers (see assess.Item),
// per unit and counter; due items of days at or after dueBefore are left out (a period in progress).
func (db *DB) RollupSums(ctx context.Context, from, to, dueBefore int32) ([]RollupSum, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT unit, counter, SUM(n) FROM rollups
		WHERE day >= $1 AND day < $2 AND alo <= $1 AND blo <= $2 AND bhi >= $2 AND (counter < $3 OR day < $4)
		GROUP BY unit, counter`, from, to, assess.DueItem, dueBefore)
	if err != nil {
		return nil, fmt.Errorf("read roll-ups: %w", err)
	}
	defer rows.Close()
	var out []RollupSum
	for rows.Next() {
		var s RollupSum
		if err := rows.Scan(&s.Unit, &s.Counter, &s.N); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RollupRows returns every roll-up row, in key order: for operators' checks and tests.
func (db *DB) RollupRows(ctx context.Context) ([]assess.Item, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT day, unit, counter, alo, blo, bhi, n FROM rollups`)
	if err != nil {
		return nil, fmt.Errorf("read roll-ups: %w", err)
	}
	defer rows.Close()
	var out []assess.Item
	for rows.Next() {
		var it assess.Item
		if err := rows.Scan(&it.Day, &it.Unit, &it.Counter, &it.ALo, &it.BLo, &it.BHi, &it.N); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return assess.Merge(out), nil
}

// RollupItemsDue returns, per case, the items of the cases that have a deadline mark planned in (after, to):
// the cases whose running clocks fall due then, which a period in progress must check one by one.
func (db *DB) RollupItemsDue(ctx context.Context, after, to time.Time) ([][]assess.Item, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT items FROM rollup_cases WHERE case_id IN
		(SELECT case_id FROM timers WHERE due_at > $1 AND due_at < $2)`, micros(after), micros(to))
	if err != nil {
		return nil, fmt.Errorf("read roll-ups of cases due: %w", err)
	}
	defer rows.Close()
	var out [][]assess.Item
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		items, err := decodeItems(s)
		if err != nil {
			return nil, err
		}
		out = append(out, items)
	}
	return out, rows.Err()
}

// RebuildBatch is how many cases one transaction of RebuildRollups covers.
const RebuildBatch = 500

// RebuildRollups recomputes the roll-ups of every case from its history, RebuildBatch cases per
// transaction, and then marks them ready. It is what migrate runs after adding the roll-ups to a
// database that holds cases, and what an operator runs after changing past days of the calendar.
// It is meant to run while no server writes: a write racing with the first clearing transaction on
// PostgreSQL could leave its difference in the rows (which verify finds).
func (db *DB) RebuildRollups(ctx context.Context) (cases int, err error) {
	if err := db.inWrite(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('rollups_rebuild', '1') ON CONFLICT (key) DO NOTHING`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rollups`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM rollup_cases`)
		return err
	}); err != nil {
		return 0, fmt.Errorf("clear roll-ups: %w", err)
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	var after int64
	for {
		n := 0
		if err := db.inWrite(ctx, func(tx *Tx) error {
			var err error
			n, after, err = rebuildBatch(ctx, tx, after, cal)
			return err
		}); err != nil {
			return cases, fmt.Errorf("rebuild roll-ups: %w", err)
		}
		cases += n
		if n < RebuildBatch {
			break
		}
	}
	if err := db.inWrite(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = 'rollups_rebuild'`)
		return err
	}); err != nil {
		return cases, err
	}
	return cases, nil
}

// rebuildBatch rebuilds the roll-ups of the RebuildBatch cases after the ID after, three reads
// and a few writes for the whole batch: the histories, the stored items, then the changed items
// and the summed differences. It returns how many cases it covered and the last ID.
func rebuildBatch(ctx context.Context, tx *Tx, after int64, cal *calendar.Calendar) (int, int64, error) {
	var ids []int64
	rows, err := tx.QueryContext(ctx, `SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2`, after, RebuildBatch)
	if err != nil {
		return 0, after, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, after, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return 0, after, err
	}
	lo, hi := after, ids[len(ids)-1]
	histories := make(map[int64][]casework.Event, len(ids))
	rows, err = tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM case_events WHERE case_id > $1 AND case_id <= $2 ORDER BY case_id, seq`, lo, hi)
	if err != nil {
		return 0, after, fmt.Errorf("read histories: %w", err)
	}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			return 0, after, err
		}
		histories[e.CaseID] = append(histories[e.CaseID], e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, after, err
	}
	stored := map[int64]string{}
	rows, err = tx.QueryContext(ctx, `SELECT case_id, items FROM rollup_cases WHERE case_id > $1 AND case_id <= $2`, lo, hi)
	if err != nil {
		return 0, after, err
	}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			rows.Close()
			return 0, after, err
		}
		stored[id] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, after, err
	}
	var all []assess.Item
	type saved struct {
		id  int64
		enc string
	}
	var changed []saved
	for _, id := range ids {
		items, err := assess.Contributions(histories[id], cal)
		if err != nil {
			return 0, after, fmt.Errorf("roll-ups of case %d: %w", id, err)
		}
		enc := encodeItems(items)
		if enc == stored[id] && enc != "" {
			continue
		}
		old, err := decodeItems(stored[id])
		if err != nil {
			return 0, after, fmt.Errorf("case %d: %w", id, err)
		}
		all = append(all, delta(old, items)...)
		changed = append(changed, saved{id, enc})
	}
	for len(changed) > 0 {
		batch := changed[:min(len(changed), rowBatch)]
		changed = changed[len(batch):]
		var sb strings.Builder
		args := make([]any, 0, 2*len(batch))
		sb.WriteString(`INSERT INTO rollup_cases (case_id, items) VALUES `)
		for i, c := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "($%d, $%d)", len(args)+1, len(args)+2)
			args = append(args, c.id, c.enc)
		}
		sb.WriteString(` ON CONFLICT (case_id) DO UPDATE SET items = excluded.items`)
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return 0, after, fmt.Errorf("save roll-ups: %w", err)
		}
	}
	// Cases share most rows, so the batch's differences are summed before they are added.
	return len(ids), hi, addRows(ctx, tx, assess.Merge(all))
}

// rebuildPending runs RebuildRollups when a migration asked for it.
func (db *DB) rebuildPending(ctx context.Context) error {
	ready, err := db.RollupsReady(ctx)
	if err != nil || ready {
		return err
	}
	_, err = db.RebuildRollups(ctx)
	return err
}

// verifyRollups checks that the stored items of every case are what its history contributes, and
// that the rows are the sums of the stored items.
func (db *DB) verifyRollups(ctx context.Context, rep *VerifyReport) error {
	damaged := map[int64]bool{} // cases already found damaged: their history is not to be trusted
	for _, p := range rep.Problems {
		damaged[p.CaseID] = true
	}
	if ready, err := db.RollupsReady(ctx); err != nil || !ready {
		if err == nil {
			rep.Problems = append(rep.Problems, Problem{What: "the roll-ups are not built yet: run civicgrid migrate"})
		}
		return err
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return err
	}
	sums := map[assess.Key]int64{}
	var after int64
	for {
		type stored struct {
			id    int64
			items string
		}
		var batch []stored
		rows, err := db.reads().QueryContext(ctx, `SELECT c.id, COALESCE(r.items, '') FROM cases c LEFT JOIN rollup_cases r ON r.case_id = c.id
			WHERE c.id > $1 ORDER BY c.id LIMIT 500`, after)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s stored
			if err := rows.Scan(&s.id, &s.items); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, s)
		}
		rows.Close()
		if len(batch) == 0 {
			break
		}
		ids := make([]int64, len(batch))
		for i, s := range batch {
			ids[i] = s.id
		}
		histories, err := db.EventsOfCases(ctx, ids)
		if err != nil {
			return err
		}
		for _, s := range batch {
			if damaged[s.id] {
				if err := addStored(sums, s.id, s.items, rep); err != nil {
					return err
				}
				continue
			}
			items, err := assess.Contributions(histories[s.id], cal)
			if err != nil {
				rep.Problems = append(rep.Problems, Problem{CaseID: s.id, What: err.Error()})
				continue
			}
			if want := encodeItems(items); want != s.items {
				rep.Problems = append(rep.Problems, Problem{CaseID: s.id, What: "its roll-up contribution differs from its history's"})
			}
			if err := addStored(sums, s.id, s.items, rep); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].id
		if len(rep.Problems) >= maxProblems {
			return nil
		}
	}
	rows, err := db.reads().QueryContext(ctx, `SELECT day, unit, counter, alo, blo, bhi, n FROM rollups`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var k assess.Key
		var n int64
		if err := rows.Scan(&k.Day, &k.Unit, &k.Counter, &k.ALo, &k.BLo, &k.BHi, &n); err != nil {
			return err
		}
		if sums[k] != n {
			bad = append(bad, fmt.Sprintf("%s counter %d day %d: %d, the cases add up to %d", k.Unit, k.Counter, k.Day, n, sums[k]))
		}
		delete(sums, k)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for k, n := range sums {
		if n != 0 {
			bad = append(bad, fmt.Sprintf("%s counter %d day %d: no row, the cases add up to %d", k.Unit, k.Counter, k.Day, n))
		}
	}
	slices.Sort(bad)
	for _, b := range bad[:min(len(bad), maxProblems)] {
		rep.Problems = append(rep.Problems, Problem{What: "roll-up row " + b})
	}
	return nil
}

// addStored adds a case's stored items to the sums the rows must hold.
func addStored(sums map[assess.Key]int64, id int64, stored string, rep *VerifyReport) error {
	items, err := decodeItems(stored)
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{CaseID: id, What: err.Error()})
		return nil
	}
	for _, it := range items {
		sums[it.Key()] += it.N
	}
	return nil
}
