package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"civicgrid"
)

// CountRows counts the rows of one table (a plain lower-case name): for operators' tools and
// benchmarks.
func (db *DB) CountRows(ctx context.Context, table string) (int64, error) {
	if table == "" || strings.Trim(table, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return 0, civicgrid.Errorf(civicgrid.EINVALID, "%q is not a table name", table)
	}
	var n int64
	err := db.reads().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, err
}

// SeedPlan describes how CloneCases fills a database with history.
type SeedPlan struct {
	// Total is the number of cases the database should hold at the end.
	Total int64
	// PerDay is how many cases a day the copies spread over: the copies of the templates' period
	// are laid back in time period after period, PerDay a day, so that the history reaches as far
	// back as Total / PerDay days. At least the templates' own rate.
	PerDay int64
	// Chunk bounds the cases copied in one transaction.
	Chunk int64
	// Progress, when set, hears how many cases the database holds after each transaction.
	Progress func(cases int64)
	// ReportsOnly copies only each template's first event, the report, with its case row: a
	// database of many cases in less space and time, for loads that read cases and not their
	// histories.
	ReportsOnly bool
}

// SeedResult says what CloneCases made.
type SeedResult struct {
	Templates   int64 // cases of the real history the copies are made of (finished ones)
	Cases       int64 // cases in the database at the end
	Events      int64
	PeriodDays  int64 // length of the templates' history
	HistoryDays int64 // how far back the copies reach
}

// CloneCases fills a database that holds a real history (cases with IDs 1..n, every one written
// through the workflow) up to plan.Total cases with copies of its finished cases — closed,
// rejected and voided, rows, events and parties — laid back in time before it, period after period,
// plan.PerDay cases a day. Copies get IDs after the history's, their own tracking codes, and
// every time column (report, update and close times of the case, the times of its events) moved
// back by whole periods. Finished cases plan no deadline marks, so the copies add none.
//
// It is bulk SQL, a few statements per chunk of copies, for load tests of a database the size of a
// city's; the copies' hash chains are their templates' (verify reports them) and the projection
// inside each copied row keeps its template's times. On PostgreSQL the case ID sequence is moved
// past the copies and the tables analysed.
func (db *DB) CloneCases(ctx context.Context, plan SeedPlan) (SeedResult, error) {
	var res SeedResult
	var n, maxID int64
	if err := db.reads().QueryRowContext(ctx, `SELECT count(*), COALESCE(max(id), 0) FROM cases`).Scan(&n, &maxID); err != nil {
		return res, err
	}
	if n == 0 || n != maxID {
		return res, civicgrid.Errorf(civicgrid.EINVALID, "seeding copies a history of cases numbered 1..n; this database holds %d cases up to ID %d", n, maxID)
	}
	if plan.Total < n {
		return res, civicgrid.Errorf(civicgrid.EINVALID, "the database already holds %d cases, more than %d", n, plan.Total)
	}
	if plan.Chunk <= 0 {
		plan.Chunk = 50000
	}
	var first, last int64
	if err := db.reads().QueryRowContext(ctx, `SELECT min(reported_at), max(reported_at) FROM cases`).Scan(&first, &last); err != nil {
		return res, err
	}
	day := int64(24 * time.Hour / time.Microsecond)
	periodDays := (last-first)/day + 1
	res.PeriodDays = periodDays

	// The templates are copied aside first: reading the table an INSERT writes to would make the
	// database set the whole result aside before inserting.
	drop := `DROP TABLE IF EXISTS seed_cases; DROP TABLE IF EXISTS seed_events; DROP TABLE IF EXISTS seed_parties`
	if err := db.ExecRaw(ctx, drop); err != nil {
		return res, err
	}
	defer db.ExecRaw(context.WithoutCancel(ctx), drop)
	if err := db.ExecRaw(ctx, `CREATE TABLE seed_cases AS SELECT row_number() OVER (ORDER BY id) AS rank, cases.* FROM cases
			WHERE state IN ('closed', 'rejected', 'voided');
		CREATE TABLE seed_events AS SELECT t.rank, e.* FROM seed_cases t JOIN case_events e ON e.case_id = t.id ORDER BY t.rank, e.seq;
		CREATE TABLE seed_parties AS SELECT t.rank, p.unit_path FROM seed_cases t JOIN case_parties p ON p.case_id = t.id ORDER BY t.rank`); err != nil {
		return res, fmt.Errorf("set the templates aside: %w", err)
	}
	var f int64
	if err := db.reads().QueryRowContext(ctx, `SELECT count(*) FROM seed_cases`).Scan(&f); err != nil {
		return res, err
	}
	if f == 0 {
		return res, civicgrid.Errorf(civicgrid.EINVALID, "the history holds no finished case to copy")
	}
	res.Templates = f
	copies := (plan.Total - n + f - 1) / f
	// Copies per period: enough to make PerDay cases a day, at least one.
	perPeriod := max(1, plan.PerDay*periodDays/f)
	res.HistoryDays = ((copies+perPeriod-1)/perPeriod + 1) * periodDays

	series := func(lo, hi int64) string { // copy numbers lo..hi as s.i
		if db.dialect == Postgres {
			return fmt.Sprintf(`generate_series(%d::bigint, %d) AS s(i)`, lo, hi)
		}
		return fmt.Sprintf(`(WITH RECURSIVE r(i) AS (SELECT %[1]d UNION ALL SELECT i + 1 FROM r WHERE i < %[2]d) SELECT i FROM r) AS s`, lo, hi)
	}
	// Copy i (1-based) of template rank r is case maxID + (i-1)·f + r, moved back shift(i).
	// Copies are written in the order of their IDs (and events in their sequence), so that every
	// insert appends to the tables' primary keys.
	idOf := func(alias string) string { return fmt.Sprintf(`(%d + (s.i - 1) * %d + %s.rank)`, maxID, f, alias) }
	shift := fmt.Sprintf(`(((s.i - 1) / %d + 1) * %d)`, perPeriod, periodDays*day)
	perChunk := max(1, plan.Chunk/f)
	for lo := int64(1); lo <= copies; lo += perChunk {
		hi := min(copies, lo+perChunk-1)
		src := series(lo, hi)
		limit := func(alias string) string { return fmt.Sprintf(`%s <= %d`, idOf(alias), plan.Total) }
		eventsLimit := limit("e")
		if plan.ReportsOnly {
			eventsLimit += ` AND e.seq = 1`
		}
		stmts := []string{
			// json.Marshal writes a case as {"id":N,"tracking_code":"...",...}.
			fmt.Sprintf(`INSERT INTO cases (id, tracking_code, state, matter_code, urgency, channel, grid, territory_path, originator_path,
				assignee, assignee_path, light, overdue, lon, lat, reported_at, closed_at, updated_at, seq, last_hash, body)
				SELECT %[1]s, 'seed-' || %[1]s, t.state, t.matter_code, t.urgency, t.channel, t.grid, t.territory_path,
					t.originator_path, t.assignee, t.assignee_path, t.light, t.overdue, t.lon, t.lat, t.reported_at - %[2]s,
					t.closed_at - %[2]s, t.updated_at - %[2]s, t.seq, t.last_hash,
					replace(replace(t.body, '{"id":' || t.id || ',', '{"id":' || %[1]s || ','),
						'"tracking_code":"' || t.tracking_code || '"', '"tracking_code":"seed-' || %[1]s || '"')
				FROM %[3]s CROSS JOIN seed_cases t WHERE %[4]s`, idOf("t"), shift, src, limit("t")),
			fmt.Sprintf(`INSERT INTO case_events (case_id, seq, action, actor_user_id, actor_name, actor_role, actor_unit, actor_unit_path,
				at, from_state, to_state, reason, payload, prev_hash, hash)
				SELECT %[1]s, e.seq, e.action, e.actor_user_id, e.actor_name, e.actor_role, e.actor_unit, e.actor_unit_path,
					e.at - %[2]s, e.from_state, e.to_state, e.reason, e.payload, e.prev_hash, e.hash
				FROM %[3]s CROSS JOIN seed_events e WHERE %[4]s`, idOf("e"), shift, src, eventsLimit),
			fmt.Sprintf(`INSERT INTO case_parties (case_id, unit_path)
				SELECT %[1]s, p.unit_path FROM %[2]s CROSS JOIN seed_parties p WHERE %[3]s`, idOf("p"), src, limit("p")),
		}
		if err := db.ExecRaw(ctx, "BEGIN;\n"+strings.Join(stmts, ";\n")+";\nCOMMIT"); err != nil {
			db.ExecRaw(context.WithoutCancel(ctx), "ROLLBACK")
			return res, fmt.Errorf("copy cases: %w", err)
		}
		if plan.Progress != nil {
			plan.Progress(min(plan.Total, maxID+hi*f))
		}
	}
	// PostgreSQL: new cases must number after the copies, and autovacuum would have analysed the
	// tables by the time a city's history had grown this large. SQLite is left unanalysed, as the
	// platform leaves it.
	if db.dialect == Postgres {
		if err := db.ExecRaw(ctx, `SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases)); ANALYZE`); err != nil {
			return res, err
		}
	}
	if err := db.reads().QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&res.Cases); err != nil {
		return res, err
	}
	if err := db.reads().QueryRowContext(ctx, `SELECT count(*) FROM case_events`).Scan(&res.Events); err != nil {
		return res, err
	}
	return res, nil
}
