package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/casework"
)

// MaxIdempotencyKey bounds client-chosen idempotency keys (bytes).
const MaxIdempotencyKey = 200

// CreateCase creates a case in one transaction: it allocates the ID, asks build for the report event,
// seals it as the first link of the chain, projects it and plans its deadline marks. With a non-empty
// idemKey a second call with the same key returns the first case and created=false. On SQLite,
// creations that wait for the writer at the same time share one durable commit (groupcommit.go);
// each is still answered only after that commit.
func (db *DB) CreateCase(ctx context.Context, idemKey, trackingCode string, build func(id int64) (casework.Event, error)) (c *casework.Case, created bool, err error) {
	if len(idemKey) > MaxIdempotencyKey {
		return nil, false, civicgrid.Errorf(civicgrid.EINVALID, "idempotency key is longer than %d bytes", MaxIdempotencyKey)
	}
	if g := db.group; g != nil {
		return g.create(ctx, idemKey, trackingCode, build)
	}
	for attempt := 0; attempt < 3; attempt++ {
		err = db.inWrite(ctx, func(tx *Tx) (err error) {
			c, created, err = createCaseTx(ctx, tx, idemKey, trackingCode, build)
			return err
		})
		if err == nil || !isUniqueViolation(err) {
			break
		}
		// A concurrent request with the same idempotency key (or, rarely, tracking code) won the
		// insert; the next attempt finds its case.
	}
	if err != nil && isUniqueViolation(err) {
		return nil, false, errConcurrentCreate()
	}
	return c, created, err
}

func errConcurrentCreate() error {
	return civicgrid.Errorf(civicgrid.ECONFLICT, "a concurrent request created this case; retry to read it")
}

// createCaseTx is the whole write of one new case inside a transaction: the idempotency check, the
// case row, its report event on the chain, the projection and the deadline marks. Every path that
// creates cases runs it, one transaction per case or several under savepoints (groupcommit.go).
func createCaseTx(ctx context.Context, tx *Tx, idemKey, trackingCode string, build func(id int64) (casework.Event, error)) (*casework.Case, bool, error) {
	if idemKey != "" {
		var id int64
		switch err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE idempotency_key = $1`, idemKey).Scan(&id); {
		case err == nil:
			c, err := loadCase(ctx, tx, id, false)
			return c, false, err
		case !errors.Is(err, sql.ErrNoRows):
			return nil, false, err
		}
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO cases (tracking_code, idempotency_key, state, matter_code, urgency, channel,
		territory_path, originator_path, reported_at, updated_at, seq, last_hash, body)
		VALUES ($1, $2, 'reported', '', '', '', '', '', 0, 0, 0, '', '{}') RETURNING id`, trackingCode, nullString(idemKey)).Scan(&id); err != nil {
		return nil, false, err
	}
	ev, err := build(id)
	if err != nil {
		return nil, false, err
	}
	c := &casework.Case{}
	if err := appendEvent(ctx, tx, c, ev); err != nil {
		return nil, false, err
	}
	if err := rollupCase(ctx, tx, id); err != nil {
		return nil, false, err
	}
	return c, true, nil
}

// ActOnCase runs one action on a case under its row lock: decide sees the current projection and
// returns the next event (or an error, which changes nothing). Two conflicting actions on one case
// serialise here, and the second sees the state the first left.
func (db *DB) ActOnCase(ctx context.Context, id int64, decide func(c *casework.Case) (casework.Event, error)) (*casework.Case, error) {
	var c *casework.Case
	err := db.inWrite(ctx, func(tx *Tx) error {
		var err error
		if c, err = loadCase(ctx, tx, id, true); err != nil {
			return err
		}
		ev, err := decide(c)
		if err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, c, ev); err != nil {
			return err
		}
		return rollupCase(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// appendEvent seals ev onto c's chain, applies it, stores the event and the new projection, and
// replaces the case's pending deadline marks.
func appendEvent(ctx context.Context, tx *Tx, c *casework.Case, ev casework.Event) error {
	casework.Seal(c.LastHash, &ev)
	if err := casework.Apply(c, ev); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, seq, action, actor_user_id, actor_name, actor_role, actor_unit, actor_unit_path,
		at, from_state, to_state, reason, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		ev.CaseID, ev.Seq, ev.Action, ev.Actor.UserID, ev.Actor.Name, ev.Actor.Role, ev.Actor.Unit, ev.Actor.UnitPath,
		micros(ev.At), ev.From, ev.To, ev.Reason, string(ev.Payload), ev.PrevHash, ev.Hash); err != nil {
		if isUniqueViolation(err) {
			return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d changed while this action was decided; read it again", c.ID)
		}
		return fmt.Errorf("append event: %w", err)
	}
	if err := saveProjection(ctx, tx, c); err != nil {
		return err
	}
	return planMarks(ctx, tx, c)
}

func saveProjection(ctx context.Context, tx *Tx, c *casework.Case) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var lon, lat any
	if c.Location != nil {
		lon, lat = c.Location.Lon, c.Location.Lat
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET state = $1, matter_code = $2, urgency = $3, channel = $4, grid = $5,
		territory_path = $6, originator_path = $7, assignee = $8, assignee_path = $9, light = $10, overdue = $11, lon = $12, lat = $13,
		reported_at = $14, closed_at = $15, updated_at = $16, seq = $17, last_hash = $18, body = $19 WHERE id = $20`,
		c.State, c.MatterCode, c.Urgency, c.Channel, c.Grid, c.TerritoryPath, c.OriginatorPath, c.Assignee, c.AssigneePath,
		c.Light, c.Overdue, lon, lat, micros(c.ReportedAt), nullMicros(c.ClosedAt), micros(c.UpdatedAt), c.Seq, c.LastHash, string(body), c.ID); err != nil {
		return fmt.Errorf("save case %d: %w", c.ID, err)
	}
	return saveParties(ctx, tx, c)
}

// saveParties records the units beyond territory, originator and assignee that may read the case.
func saveParties(ctx context.Context, tx *Tx, c *casework.Case) error {
	ids := append([]string(nil), c.Assisting...)
	if c.Whistle != nil {
		ids = append(ids, c.Whistle.Lead)
		for _, p := range c.Whistle.Units {
			ids = append(ids, p.Unit)
		}
	}
	// A case's first event (its report) finds no parties and no marks to replace.
	if c.Seq > 1 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_parties WHERE case_id = $1`, c.ID); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_parties (case_id, unit_path) SELECT $1, path FROM units WHERE id = $2 ON CONFLICT DO NOTHING`, c.ID, id); err != nil {
			return fmt.Errorf("save case parties: %w", err)
		}
	}
	return nil
}

func planMarks(ctx context.Context, tx *Tx, c *casework.Case) error {
	if c.Seq > 1 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM timers WHERE case_id = $1`, c.ID); err != nil {
			return fmt.Errorf("clear timers: %w", err)
		}
	}
	for _, m := range casework.PendingMarks(c) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO timers (case_id, clock, kind, due_at) VALUES ($1, $2, $3, $4)`, c.ID, m.Clock, m.Kind, micros(m.DueAt)); err != nil {
			return fmt.Errorf("plan timer: %w", err)
		}
	}
	return nil
}

func loadCase(ctx context.Context, tx *Tx, id int64, lock bool) (*casework.Case, error) {
	q := `SELECT body FROM cases WHERE id = $1`
	if lock {
		q += tx.forUpdate()
	}
	var body string
	if err := tx.QueryRowContext(ctx, q, id).Scan(&body); errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "case %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("load case %d: %w", id, err)
	}
	var c casework.Case
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return nil, fmt.Errorf("case %d has a corrupt projection: %w", id, err)
	}
	return &c, nil
}

// Case returns the current projection of a case.
func (db *DB) Case(ctx context.Context, id int64) (*casework.Case, error) {
	var c *casework.Case
	err := db.inRead(ctx, func(tx *Tx) (err error) {
		c, err = loadCase(ctx, tx, id, false)
		return err
	})
	return c, err
}

// CaseByTrackingCode returns the case a resident follows with its tracking code.
func (db *DB) CaseByTrackingCode(ctx context.Context, code string) (*casework.Case, error) {
	var id int64
	if err := db.reads().QueryRowContext(ctx, `SELECT id FROM cases WHERE tracking_code = $1`, code).Scan(&id); errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "no case with tracking code %q", code)
	} else if err != nil {
		return nil, err
	}
	return db.Case(ctx, id)
}

// CaseEvents returns the history of a case in order.
func (db *DB) CaseEvents(ctx context.Context, id int64) ([]casework.Event, error) {
	var out []casework.Event
	err := db.inRead(ctx, func(tx *Tx) (err error) {
		out, err = caseEvents(ctx, tx, id)
		return err
	})
	return out, err
}

func caseEvents(ctx context.Context, tx *Tx, id int64) ([]casework.Event, error) {
	rows, err := tx.QueryContext(ctx, `SELECT case_id, seq, action, actor_user_id, actor_name, actor_role, actor_unit, actor_unit_path,
		at, from_state, to_state, reason, payload, prev_hash, hash FROM case_events WHERE case_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("read events of case %d: %w", id, err)
	}
	defer rows.Close()
	var out []casework.Event
	for rows.Next() {
		var e casework.Event
		var at int64
		var payload string
		if err := rows.Scan(&e.CaseID, &e.Seq, &e.Action, &e.Actor.UserID, &e.Actor.Name, &e.Actor.Role, &e.Actor.Unit, &e.Actor.UnitPath,
			&at, &e.From, &e.To, &e.Reason, &payload, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		if payload != "" {
			e.Payload = json.RawMessage(payload)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CaseFilter selects cases for lists. Zero fields do not filter.
type CaseFilter struct {
	// Scopes are the unit paths the reader may see: a case is visible when its territory,
	// originator, assignee or another party lies within one of them. Nil means no restriction
	// (system use only); an empty non-nil slice sees nothing.
	Scopes        []string
	IDs           []int64
	States        []casework.State
	MatterCodes   []string
	Channel       casework.Channel
	Within        string // territory path prefix
	AssigneePath  string // assignee path prefix
	Light         casework.Light
	Overdue       *bool
	ReportedFrom  time.Time
	ReportedTo    time.Time
	UpdatedAfter  time.Time
	UpdatedBefore time.Time
	// BBox: MinLon, MinLat, MaxLon, MaxLat (WGS-84); all zero for none.
	BBox *[4]float64
	// Before is the keyset cursor: only cases with a smaller ID (lists run newest first).
	Before int64
	Limit  int
	// Offset serves page-numbered APIs (Open311); cursor pagination is preferred.
	Offset int
	// ReportedBy keeps the cases a staff user reported: the user of the case's first event.
	ReportedBy int64
	// Assignees keeps the cases assigned to exactly one of these units (not to units below them).
	Assignees []string
}

// MaxListLimit caps every list.
const MaxListLimit = 1000

func (f *CaseFilter) where() (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Scopes != nil {
		if len(f.Scopes) == 0 {
			conds = append(conds, "1 = 0")
		}
		var ors []string
		for _, s := range f.Scopes {
			lo, hi := prefixRange(s)
			l, h := arg(lo), arg(hi)
			ors = append(ors,
				fmt.Sprintf("(territory_path >= %s AND territory_path < %s)", l, h),
				fmt.Sprintf("(originator_path >= %s AND originator_path < %s)", l, h),
				fmt.Sprintf("(assignee_path >= %s AND assignee_path < %s)", l, h),
				fmt.Sprintf("EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = cases.id AND p.unit_path >= %s AND p.unit_path < %s)", l, h))
		}
		if len(ors) > 0 {
			conds = append(conds, "("+strings.Join(ors, " OR ")+")")
		}
	}
	in := func(column string, n int, value func(i int) any) {
		if n == 0 {
			return
		}
		ps := make([]string, n)
		for i := range n {
			ps[i] = arg(value(i))
		}
		conds = append(conds, column+" IN ("+strings.Join(ps, ", ")+")")
	}
	in("id", len(f.IDs), func(i int) any { return f.IDs[i] })
	in("state", len(f.States), func(i int) any { return string(f.States[i]) })
	in("matter_code", len(f.MatterCodes), func(i int) any { return f.MatterCodes[i] })
	in("assignee", len(f.Assignees), func(i int) any { return f.Assignees[i] })
	if f.Channel != "" {
		conds = append(conds, "channel = "+arg(string(f.Channel)))
	}
	if f.ReportedBy != 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.seq = 1 AND e.actor_user_id = "+arg(f.ReportedBy)+")")
	}
	if f.Within != "" {
		lo, hi := prefixRange(f.Within)
		conds = append(conds, fmt.Sprintf("territory_path >= %s AND territory_path < %s", arg(lo), arg(hi)))
	}
	if f.AssigneePath != "" {
		lo, hi := prefixRange(f.AssigneePath)
		conds = append(conds, fmt.Sprintf("assignee_path >= %s AND assignee_path < %s", arg(lo), arg(hi)))
	}
	if f.Light != "" {
		conds = append(conds, "light = "+arg(string(f.Light)))
	}
	if f.Overdue != nil {
		conds = append(conds, "overdue = "+arg(*f.Overdue))
	}
	if !f.ReportedFrom.IsZero() {
		conds = append(conds, "reported_at >= "+arg(micros(f.ReportedFrom)))
	}
	if !f.ReportedTo.IsZero() {
		conds = append(conds, "reported_at < "+arg(micros(f.ReportedTo)))
	}
	if !f.UpdatedAfter.IsZero() {
		conds = append(conds, "updated_at > "+arg(micros(f.UpdatedAfter)))
	}
	if !f.UpdatedBefore.IsZero() {
		conds = append(conds, "updated_at < "+arg(micros(f.UpdatedBefore)))
	}
	if f.BBox != nil {
		b := f.BBox
		conds = append(conds, fmt.Sprintf("lon >= %s AND lat >= %s AND lon <= %s AND lat <= %s", arg(b[0]), arg(b[1]), arg(b[2]), arg(b[3])))
	}
	if f.Before > 0 {
		conds = append(conds, "id < "+arg(f.Before))
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Cases lists cases newest first.
func (db *DB) Cases(ctx context.Context, f CaseFilter) ([]*casework.Case, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = 50
	}
	where, args := f.where()
	args = append(args, limit, f.Offset)
	q := fmt.Sprintf(`SELECT body FROM cases%s ORDER BY id DESC LIMIT $%d OFFSET $%d`, where, len(args)-1, len(args))
	rows, err := db.reads().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []*casework.Case
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var c casework.Case
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			return nil, fmt.Errorf("corrupt case projection: %w", err)
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// CountCases counts the cases a filter selects, grouped by state.
func (db *DB) CountCases(ctx context.Context, f CaseFilter) (map[casework.State]int, error) {
	f.Before = 0
	where, args := f.where()
	rows, err := db.reads().QueryContext(ctx, `SELECT state, count(*) FROM cases`+where+` GROUP BY state`, args...)
	if err != nil {
		return nil, fmt.Errorf("count cases: %w", err)
	}
	defer rows.Close()
	out := map[casework.State]int{}
	for rows.Next() {
		var s casework.State
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// OpenCasesNear returns IDs and locations of open cases of one matter type reported since a time
// inside a bounding box: the candidates for duplicate detection, which the caller refines by
// distance.
func (db *DB) OpenCasesNear(ctx context.Context, matterCode string, since time.Time, bbox [4]float64, limit int) ([]DupCandidate, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT id, lon, lat FROM cases WHERE matter_code = $1 AND reported_at >= $2
		AND state NOT IN ('closed', 'rejected', 'voided') AND lon >= $3 AND lat >= $4 AND lon <= $5 AND lat <= $6 ORDER BY id LIMIT $7`,
		matterCode, micros(since), bbox[0], bbox[1], bbox[2], bbox[3], limit)
	if err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	defer rows.Close()
	var out []DupCandidate
	for rows.Next() {
		var d DupCandidate
		if err := rows.Scan(&d.ID, &d.Lon, &d.Lat); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DupCandidate is an open case that may be the same matter as a new report.
type DupCandidate struct {
	ID       int64
	Lon, Lat float64
}

// FireDue fires the deadline marks due at now, at most limit of them, in one transaction. fire
// decides the warn or overdue event for a case; a mark whose event is refused (the clock moved on)
// is dropped. Each mark is deleted in the transaction that appends its event, so it fires exactly
// once even with several processes sweeping: on PostgreSQL a case locked by another transaction is
// skipped and left for the next sweep.
func (db *DB) FireDue(ctx context.Context, now time.Time, limit int, fire func(c *casework.Case, m casework.Mark) (casework.Event, error)) (int, error) {
	fired := 0
	err := db.inWrite(ctx, func(tx *Tx) error {
		fired = 0
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT case_id FROM (SELECT case_id FROM timers WHERE due_at <= $1 ORDER BY due_at LIMIT $2) d`, micros(now), limit)
		if err != nil {
			return fmt.Errorf("select due timers: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			n, err := fireCase(ctx, tx, id, now, fire)
			if err != nil {
				return err
			}
			fired += n
		}
		return nil
	})
	return fired, err
}

func fireCase(ctx context.Context, tx *Tx, id int64, now time.Time, fire func(c *casework.Case, m casework.Mark) (casework.Event, error)) (int, error) {
	q := `SELECT body FROM cases WHERE id = $1`
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	var body string
	if err := tx.QueryRowContext(ctx, q, id).Scan(&body); errors.Is(err, sql.ErrNoRows) {
		return 0, nil // another process holds the case; its sweep or action deals with the marks
	} else if err != nil {
		return 0, err
	}
	var c casework.Case
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return 0, fmt.Errorf("case %d has a corrupt projection: %w", id, err)
	}
	n := 0
	// A case can have several marks due at once (after an outage: warnings, overdue marks and
	// whistle parties); each is fired in turn, reading the marks again after every event since an
	// event re-plans them. The bound only guards against a mark that keeps coming back.
	for i := 0; i < maxMarksPerCase; i++ {
		m, ok, err := nextDueMark(ctx, tx, id, now)
		if err != nil {
			return n, err
		}
		if !ok {
			break
		}
		ev, err := fire(&c, m)
		if err != nil {
			if code := civicgrid.ErrorCode(err); code == civicgrid.EINTERNAL || code == civicgrid.EUNAVAILABLE {
				return n, err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM timers WHERE case_id = $1 AND clock = $2 AND kind = $3`, id, m.Clock, m.Kind); err != nil {
				return n, err
			}
			continue
		}
		if err := appendEvent(ctx, tx, &c, ev); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		return n, rollupCase(ctx, tx, id)
	}
	return n, nil
}

// maxMarksPerCase bounds the marks one case can plan: four deadline marks and one per whistle party.
const maxMarksPerCase = 4 + 11

// nextDueMark returns the case's earliest mark due at now (a warning before an overdue mark due at
// the same instant, then by clock name). A case has a handful of marks, so they are read by the
// primary key and chosen here: a plan that ran through the due_at index instead would cost as much
// as the whole backlog.
func nextDueMark(ctx context.Context, tx *Tx, id int64, now time.Time) (casework.Mark, bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT clock, kind, due_at FROM timers WHERE case_id = $1`, id)
	if err != nil {
		return casework.Mark{}, false, err
	}
	defer rows.Close()
	var best casework.Mark
	found := false
	for rows.Next() {
		var m casework.Mark
		var due int64
		if err := rows.Scan(&m.Clock, &m.Kind, &due); err != nil {
			return casework.Mark{}, false, err
		}
		m.DueAt = fromMicros(due)
		if m.DueAt.After(now) {
			continue
		}
		if !found || earlierMark(m, best) {
			best, found = m, true
		}
	}
	return best, found, rows.Err()
}

// earlierMark orders marks due at one instant: warnings first, then by clock, then by kind.
func earlierMark(a, b casework.Mark) bool {
	if !a.DueAt.Equal(b.DueAt) {
		return a.DueAt.Before(b.DueAt)
	}
	if (a.Kind == casework.ActWarn) != (b.Kind == casework.ActWarn) {
		return a.Kind == casework.ActWarn
	}
	if a.Clock != b.Clock {
		return a.Clock < b.Clock
	}
	return a.Kind < b.Kind
}

// PendingTimers counts marks not yet fired, and those due at now.
func (db *DB) PendingTimers(ctx context.Context, now time.Time) (pending, due int, err error) {
	err = db.reads().QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN due_at <= $1 THEN 1 ELSE 0 END), 0) FROM timers`, micros(now)).Scan(&pending, &due)
	return pending, due, err
}

// NextTimer returns when the earliest pending mark is due (ok=false when there is none).
func (db *DB) NextTimer(ctx context.Context) (time.Time, bool, error) {
	var v sql.NullInt64
	if err := db.reads().QueryRowContext(ctx, `SELECT min(due_at) FROM timers`).Scan(&v); err != nil {
		return time.Time{}, false, err
	}
	return fromMicros(v.Int64), v.Valid, nil
}
