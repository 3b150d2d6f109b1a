package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"civicgrid"
	"civicgrid/org"
)

var loginRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NewUser is what creates a staff account. PasswordHash is already hashed (package auth).
type NewUser struct {
	Login        string
	Name         string
	PasswordHash string
	WorkerType   string
	Grants       []org.Grant
}

// CreateUser creates a staff account with its grants.
func (db *DB) CreateUser(ctx context.Context, nu NewUser) (*org.User, error) {
	if !loginRe.MatchString(nu.Login) {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "login %q must be 2–64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit", nu.Login).WithDetail("field", "login")
	}
	if nu.Name == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "name must be 1–100 characters").WithDetail("field", "name")
	}
	if err := civicgrid.CheckText("name", nu.Name, 100); err != nil {
		return nil, err
	}
	if len(nu.Grants) == 0 || len(nu.Grants) > 20 {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a staff account needs 1 to 20 role grants").WithDetail("field", "grants")
	}
	var id int64
	err := db.inWrite(ctx, func(tx *Tx) error {
		for _, g := range nu.Grants {
			if err := org.ValidStaffRole(g.Role); err != nil {
				return err
			}
			if _, err := findUnit(ctx, tx, g.Unit); err != nil {
				return civicgrid.Errorf(civicgrid.EINVALID, "grant of %s names unit %s, which does not exist", g.Role, g.Unit).WithDetail("field", "grants")
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (login, name, password_hash, worker_type, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			nu.Login, nu.Name, nu.PasswordHash, nu.WorkerType, micros(tx.now)).Scan(&id)
		if isUniqueViolation(err) {
			return civicgrid.Errorf(civicgrid.ECONFLICT, "login %q is taken", nu.Login).WithDetail("field", "login")
		} else if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		for _, g := range nu.Grants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO grants (user_id, role, unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, g.Role, g.Unit); err != nil {
				return fmt.Errorf("insert grant: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.User(ctx, id)
}

// SetPassword replaces a user's password hash and ends all their sessions.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	return db.inWrite(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return civicgrid.Errorf(civicgrid.ENOTFOUND, "user %d not found", userID)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

// User returns a user with grants (paths filled in).
func (db *DB) User(ctx context.Context, id int64) (*org.User, error) {
	return db.userWhere(ctx, `u.id = $1`, id)
}

// UserByLogin returns a user and their password hash.
func (db *DB) UserByLogin(ctx context.Context, login string) (*org.User, string, error) {
	var hash string
	if err := db.reads().QueryRowContext(ctx, `SELECT password_hash FROM users WHERE login = $1`, login).Scan(&hash); errors.Is(err, sql.ErrNoRows) {
		return nil, "", civicgrid.Errorf(civicgrid.ENOTFOUND, "no user %q", login)
	} else if err != nil {
		return nil, "", err
	}
	u, err := db.userWhere(ctx, `u.login = $1`, login)
	return u, hash, err
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (*org.User, error) {
	var u org.User
	err := db.reads().QueryRowContext(ctx, `SELECT u.id, u.login, u.name, u.worker_type, u.disabled FROM users u WHERE `+where, arg).
		Scan(&u.ID, &u.Login, &u.Name, &u.WorkerType, &u.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "user not found")
	} else if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	rows, err := db.reads().QueryContext(ctx, `SELECT g.role, g.unit_id, un.path FROM grants g JOIN units un ON un.id = g.unit_id WHERE g.user_id = $1 ORDER BY g.role, g.unit_id`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g org.Grant
		if err := rows.Scan(&g.Role, &g.Unit, &g.UnitPath); err != nil {
			return nil, err
		}
		u.Grants = append(u.Grants, g)
	}
	return &u, rows.Err()
}

// Users lists accounts with a grant inside the given scope path (all when scope is "").
func (db *DB) Users(ctx context.Context, scope string, limit int) ([]org.User, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	lo, hi := prefixRange(scope)
	rows, err := db.reads().QueryContext(ctx, `SELECT DISTINCT u.id FROM users u JOIN grants g ON g.user_id = u.id JOIN units un ON un.id = g.unit_id
		WHERE un.path >= $1 AND un.path < $2 ORDER BY u.id LIMIT $3`, lo, hi, limit)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]org.User, 0, len(ids))
	for _, id := range ids {
		u, err := db.User(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, nil
}

// prefixRange turns a path prefix into a half-open range [lo, hi) that an ordinary B-tree index
// serves in both dialects (paths end in '/', and '0' is the next byte after '/').
func prefixRange(prefix string) (string, string) {
	if prefix == "" {
		return "", "\U0010FFFF"
	}
	return prefix, prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
}

// CreateSession stores a session token hash for a user.
func (db *DB) CreateSession(ctx context.Context, tokenHash string, userID int64, ttl time.Duration) error {
	return db.inWrite(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			tokenHash, userID, micros(tx.now), micros(tx.now.Add(ttl)))
		return err
	})
}

// SessionUser returns the user of a live session.
func (db *DB) SessionUser(ctx context.Context, tokenHash string) (*org.User, error) {
	var userID int64
	err := db.reads().QueryRowContext(ctx, `SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, tokenHash, micros(db.Clock.Now())).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.EUNAUTHORIZED, "session expired or unknown: log in again")
	} else if err != nil {
		return nil, err
	}
	return db.User(ctx, userID)
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	return db.inWrite(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
		return err
	})
}

// APIKey is a key for another system (an Open311 client or a department system).
type APIKey struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Unit      string    `json:"unit"`
	UnitPath  string    `json:"unit_path"`
	Role      org.Role  `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	Revoked   bool      `json:"revoked"`
}

// CreateAPIKey stores a key hash acting with a role over a unit.
func (db *DB) CreateAPIKey(ctx context.Context, keyHash, name, unit string, role org.Role) (*APIKey, error) {
	if name == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "API key name must be 1–100 characters").WithDetail("field", "name")
	}
	if err := civicgrid.CheckText("name", name, 100); err != nil {
		return nil, err
	}
	if role != org.RoleResident && org.ValidStaffRole(role) != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "API key role %q must be resident (a public client) or a staff role", role).WithDetail("field", "role")
	}
	var id int64
	err := db.inWrite(ctx, func(tx *Tx) error {
		if _, err := findUnit(ctx, tx, unit); err != nil {
			return civicgrid.Errorf(civicgrid.EINVALID, "API key unit %s does not exist", unit).WithDetail("field", "unit")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO api_keys (key_hash, name, unit_id, role, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			keyHash, name, unit, role, micros(tx.now)).Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	return db.apiKeyWhere(ctx, `k.id = $1`, id)
}

// APIKeyByHash returns a live key.
func (db *DB) APIKeyByHash(ctx context.Context, keyHash string) (*APIKey, error) {
	k, err := db.apiKeyWhere(ctx, `k.key_hash = $1`, keyHash)
	if err != nil || k.Revoked {
		return nil, civicgrid.Errorf(civicgrid.EUNAUTHORIZED, "API key unknown or revoked")
	}
	return k, nil
}

// RevokeAPIKey revokes a key.
func (db *DB) RevokeAPIKey(ctx context.Context, id int64) error {
	return db.inWrite(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, micros(tx.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return civicgrid.Errorf(civicgrid.ENOTFOUND, "API key %d not found or already revoked", id)
		}
		return nil
	})
}

// APIKeys lists keys.
func (db *DB) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := db.reads().QueryContext(ctx, `SELECT k.id FROM api_keys k ORDER BY k.id`)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	var out []APIKey
	for _, id := range ids {
		k, err := db.apiKeyWhere(ctx, `k.id = $1`, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *k)
	}
	return out, nil
}

func (db *DB) apiKeyWhere(ctx context.Context, where string, arg any) (*APIKey, error) {
	var k APIKey
	var created int64
	var revoked sql.NullInt64
	err := db.reads().QueryRowContext(ctx, `SELECT k.id, k.name, k.unit_id, un.path, k.role, k.created_at, k.revoked_at FROM api_keys k JOIN units un ON un.id = k.unit_id WHERE `+where, arg).
		Scan(&k.ID, &k.Name, &k.Unit, &k.UnitPath, &k.Role, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "API key not found")
	} else if err != nil {
		return nil, err
	}
	k.CreatedAt = fromMicros(created)
	k.Revoked = revoked.Valid
	return &k, nil
}

// AuditEntry is one line of the audit log: denials and sensitive reads.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	UserID int64     `json:"user_id"`
	Actor  string    `json:"actor"`
	Kind   string    `json:"kind"` // "denied", "read_sensitive", "login_failed", ...
	Object string    `json:"object"`
	Detail string    `json:"detail"`
}

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	return db.inWrite(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, actor, kind, object, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
			micros(tx.now), e.UserID, e.Actor, e.Kind, e.Object, e.Detail)
		return err
	})
}

// AuditLog returns the newest entries first.
func (db *DB) AuditLog(ctx context.Context, kind string, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.reads().QueryContext(ctx, `SELECT id, at, user_id, actor, kind, object, detail FROM audit_log WHERE ($1 = '' OR kind = $1) ORDER BY id DESC LIMIT $2`, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Actor, &e.Kind, &e.Object, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
