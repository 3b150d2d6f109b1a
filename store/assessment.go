package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"civicgrid"
	"civicgrid/assess"
	"civicgrid/org"
)

// Assessment records: stored scheme versions, one-vote-veto entries and bottom-up evaluations.
// Every write is audited in the transaction that makes it.

// audit appends an entry to the audit log inside the transaction.
func (tx *Tx) audit(ctx context.Context, e AuditEntry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, actor, kind, object, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		micros(tx.now), e.UserID, e.Actor, e.Kind, e.Object, e.Detail)
	return err
}

// AddScheme stores a new version of a scheme's kind: the next version number of the kind (1 for
// the first stored one; the schemes defined in code are version 0). CreatedAt and Version are set.
func (db *DB) AddScheme(ctx context.Context, s *assess.Scheme, audit AuditEntry) error {
	err := db.inWrite(ctx, func(tx *Tx) error {
		var v sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM assessment_schemes WHERE kind = $1`, string(s.Kind)).Scan(&v); err != nil {
			return err
		}
		s.Version = int(v.Int64) + 1
		at := fromMicros(micros(tx.now))
		s.CreatedAt = &at
		body, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_schemes (kind, version, valid_from, body, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			string(s.Kind), s.Version, micros(s.ValidFrom), string(body), s.CreatedBy, micros(tx.now)); err != nil {
			return err
		}
		audit.Object = fmt.Sprintf("assessment_scheme/%s/%d", s.Kind, s.Version)
		return tx.audit(ctx, audit)
	})
	if isUniqueViolation(err) {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "another version of the %s scheme was stored at the same time: look at the schemes and try again", s.Kind)
	} else if err != nil {
		return fmt.Errorf("store scheme: %w", err)
	}
	return nil
}

// StoredSchemes returns every stored scheme version, by kind and version.
func (db *DB) StoredSchemes(ctx context.Context) ([]assess.Scheme, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT body FROM assessment_schemes ORDER BY kind, version`)
	if err != nil {
		return nil, fmt.Errorf("read schemes: %w", err)
	}
	defer rows.Close()
	var out []assess.Scheme
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var s assess.Scheme
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return nil, fmt.Errorf("read schemes: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// VetoEntry is a one-vote-veto item entered against a unit for a month, with its evidence.
type VetoEntry struct {
	ID             int64      `json:"id"`
	Unit           string     `json:"unit"`
	UnitPath       string     `json:"-"`
	Period         string     `json:"period"` // a month, e.g. 2026-03
	Item           string     `json:"item"`   // a veto item code of the scheme
	Evidence       string     `json:"evidence"`
	Media          []string   `json:"media"`
	Document       string     `json:"document"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	WithdrawnBy    string     `json:"withdrawn_by,omitempty"`
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
}

// AddVeto records a veto entry; ID and CreatedAt are set.
func (db *DB) AddVeto(ctx context.Context, v *VetoEntry, audit AuditEntry) error {
	media, err := json.Marshal(v.Media)
	if err != nil {
		return err
	}
	err = db.inWrite(ctx, func(tx *Tx) error {
		v.CreatedAt = fromMicros(micros(tx.now))
		if err := tx.QueryRowContext(ctx, `INSERT INTO assessment_vetoes (unit_id, unit_path, period, item, evidence, media, document, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			v.Unit, v.UnitPath, v.Period, v.Item, v.Evidence, string(media), v.Document, v.CreatedBy, micros(tx.now)).Scan(&v.ID); err != nil {
			return err
		}
		audit.Object = fmt.Sprintf("assessment_veto/%d", v.ID)
		return tx.audit(ctx, audit)
	})
	if err != nil {
		return fmt.Errorf("store veto entry: %w", err)
	}
	return nil
}

const vetoColumns = `id, unit_id, unit_path, period, item, evidence, media, document, created_by, created_at, withdrawn_by, withdrawn_at, withdraw_reason`

func scanVeto(r rowScanner) (VetoEntry, error) {
	var v VetoEntry
	var media string
	var created int64
	var by, reason sql.NullString
	var at sql.NullInt64
	if err := r.Scan(&v.ID, &v.Unit, &v.UnitPath, &v.Period, &v.Item, &v.Evidence, &media, &v.Document, &v.CreatedBy, &created, &by, &at, &reason); err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(media), &v.Media); err != nil {
		return v, fmt.Errorf("veto entry %d: %w", v.ID, err)
	}
	v.CreatedAt = fromMicros(created)
	if at.Valid {
		t := fromMicros(at.Int64)
		v.WithdrawnAt, v.WithdrawnBy, v.WithdrawReason = &t, by.String, reason.String
	}
	return v, nil
}

// Veto returns one veto entry.
func (db *DB) Veto(ctx context.Context, id int64) (*VetoEntry, error) {
	v, err := scanVeto(db.reads().QueryRowContext(ctx, `SELECT `+vetoColumns+` FROM assessment_vetoes WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "veto entry %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("read veto entry %d: %w", id, err)
	}
	return &v, nil
}

// VetoFilter selects veto entries: of units in any of the subtrees (all when Paths is nil), of
// one month or all (Period ""), withdrawn ones only when asked.
type VetoFilter struct {
	Paths     []string
	Period    string
	Withdrawn bool
	Limit     int
}

// Vetoes lists veto entries, oldest first.
func (db *DB) Vetoes(ctx context.Context, f VetoFilter) ([]VetoEntry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	args := []any{f.Period}
	cond := `($1 = '' OR period = $1)`
	if !f.Withdrawn {
		cond += ` AND withdrawn_at IS NULL`
	}
	cond += pathCond("unit_path", f.Paths, &args)
	args = append(args, f.Limit)
	rows, err := db.reads().QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM assessment_vetoes WHERE %s ORDER BY id LIMIT $%d`, vetoColumns, cond, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list veto entries: %w", err)
	}
	defer rows.Close()
	out := []VetoEntry{}
	for rows.Next() {
		v, err := scanVeto(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// pathCond restricts a path column to the subtrees (nil: no restriction; empty: nothing).
func pathCond(col string, paths []string, args *[]any) string {
	if paths == nil {
		return ""
	}
	if len(paths) == 0 {
		return " AND 1 = 0"
	}
	s := " AND ("
	for i, p := range paths {
		lo, hi := prefixRange(p)
		*args = append(*args, lo, hi)
		if i > 0 {
			s += " OR "
		}
		s += fmt.Sprintf("(%s >= $%d AND %s < $%d)", col, len(*args)-1, col, len(*args))
	}
	return s + ")"
}

// WithdrawVeto marks a veto entry withdrawn. An entry withdrawn already is a conflict.
func (db *DB) WithdrawVeto(ctx context.Context, id int64, by, reason string, audit AuditEntry) (*VetoEntry, error) {
	var out VetoEntry
	err := db.inWrite(ctx, func(tx *Tx) error {
		v, err := scanVeto(tx.QueryRowContext(ctx, `SELECT `+vetoColumns+` FROM assessment_vetoes WHERE id = $1`+tx.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return civicgrid.Errorf(civicgrid.ENOTFOUND, "veto entry %d not found", id)
		} else if err != nil {
			return err
		}
		if v.WithdrawnAt != nil {
			return civicgrid.Errorf(civicgrid.ECONFLICT, "veto entry %d was withdrawn already", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assessment_vetoes SET withdrawn_by = $1, withdrawn_at = $2, withdraw_reason = $3 WHERE id = $4`,
			by, micros(tx.now), reason, id); err != nil {
			return err
		}
		at := fromMicros(micros(tx.now))
		v.WithdrawnAt, v.WithdrawnBy, v.WithdrawReason = &at, by, reason
		out = v
		audit.Object = fmt.Sprintf("assessment_veto/%d", id)
		return tx.audit(ctx, audit)
	})
	if err != nil {
		var cerr *civicgrid.Error
		if errors.As(err, &cerr) {
			return nil, err
		}
		return nil, fmt.Errorf("withdraw veto entry %d: %w", id, err)
	}
	return &out, nil
}

// Evaluation is a community's rating of a unit that served it in a month (下对上, 块对条).
type Evaluation struct {
	ID         int64     `json:"id"`
	Period     string    `json:"period"`
	Community  string    `json:"community"`
	Target     string    `json:"unit"`
	TargetPath string    `json:"-"`
	Score      float64   `json:"score"`           // 0–100
	Level      string    `json:"level,omitempty"` // the five-level rating it came as, if any
	Comment    string    `json:"comment"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// AddEvaluation records an evaluation; a second one of the same community, unit and month is a
// conflict.
func (db *DB) AddEvaluation(ctx context.Context, e *Evaluation, audit AuditEntry) error {
	err := db.inWrite(ctx, func(tx *Tx) error {
		e.CreatedAt = fromMicros(micros(tx.now))
		if err := tx.QueryRowContext(ctx, `INSERT INTO assessment_evaluations (period, community, target, target_path, score, level, comment, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			e.Period, e.Community, e.Target, e.TargetPath, e.Score, e.Level, e.Comment, e.CreatedBy, micros(tx.now)).Scan(&e.ID); err != nil {
			return err
		}
		audit.Object = fmt.Sprintf("assessment_evaluation/%d", e.ID)
		return tx.audit(ctx, audit)
	})
	if isUniqueViolation(err) {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "community %s has rated %s for %s already", e.Community, e.Target, e.Period)
	} else if err != nil {
		return fmt.Errorf("store evaluation: %w", err)
	}
	return nil
}

// EvaluationFilter selects evaluations of one month or all (Period ""): those whose rated unit or
// rating community lies in any of the subtrees (all when Paths is nil).
type EvaluationFilter struct {
	Period    string
	Paths     []string
	Community string // only this community's, when set
	Limit     int
}

// Evaluations lists evaluations, oldest first.
func (db *DB) Evaluations(ctx context.Context, f EvaluationFilter, communityPath func(string) string) ([]Evaluation, error) {
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 5000
	}
	args := []any{f.Period, f.Community}
	cond := `($1 = '' OR period = $1) AND ($2 = '' OR community = $2)`
	rows, err := db.reads().QueryContext(ctx, `SELECT id, period, community, target, target_path, score, level, comment, created_by, created_at
		FROM assessment_evaluations WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list evaluations: %w", err)
	}
	defer rows.Close()
	out := []Evaluation{}
	for rows.Next() {
		var e Evaluation
		var created int64
		if err := rows.Scan(&e.ID, &e.Period, &e.Community, &e.Target, &e.TargetPath, &e.Score, &e.Level, &e.Comment, &e.CreatedBy, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = fromMicros(created)
		if f.Paths != nil && !inAny(f.Paths, e.TargetPath) && !inAny(f.Paths, communityPath(e.Community)) {
			continue
		}
		out = append(out, e)
		if len(out) == f.Limit {
			break
		}
	}
	return out, rows.Err()
}

func inAny(paths []string, p string) bool {
	for _, s := range paths {
		if p != "" && org.Contains(s, p) {
			return true
		}
	}
	return false
}
