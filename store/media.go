package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"civicgrid"
)

// Media is a stored photo's record; its bytes travel separately.
type Media struct {
	ID          string
	SHA256      string // hex
	ContentType string
	Size        int64
	CreatedBy   string
	CreatedAt   time.Time
}

// PutMedia stores a photo under m.ID (the caller chose it and checked the bytes). CreatedAt is
// set to the transaction's time. An ID already taken is a conflict.
func (db *DB) PutMedia(ctx context.Context, m *Media, data []byte) error {
	if m.ID == "" || len(data) == 0 || int64(len(data)) != m.Size {
		return fmt.Errorf("store: media %q with %d bytes, size %d", m.ID, len(data), m.Size)
	}
	err := db.inWrite(ctx, func(tx *Tx) error {
		m.CreatedAt = fromMicros(micros(tx.now))
		_, err := tx.ExecContext(ctx, `INSERT INTO media (id, sha256, content_type, size, data, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, m.SHA256, m.ContentType, m.Size, data, m.CreatedBy, micros(tx.now))
		return err
	})
	if isUniqueViolation(err) {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "media %s exists already", m.ID)
	} else if err != nil {
		return fmt.Errorf("store media: %w", err)
	}
	return nil
}

// MediaInfo returns a photo's record without its bytes.
func (db *DB) MediaInfo(ctx context.Context, id string) (*Media, error) {
	var m Media
	var created int64
	err := db.reads().QueryRowContext(ctx, `SELECT id, sha256, content_type, size, created_by, created_at FROM media WHERE id = $1`, id).
		Scan(&m.ID, &m.SHA256, &m.ContentType, &m.Size, &m.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "media %s not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("read media %s: %w", id, err)
	}
	m.CreatedAt = fromMicros(created)
	return &m, nil
}

// Media returns a photo's record and its bytes.
func (db *DB) Media(ctx context.Context, id string) (*Media, []byte, error) {
	var m Media
	var created int64
	var data []byte
	err := db.reads().QueryRowContext(ctx, `SELECT id, sha256, content_type, size, created_by, created_at, data FROM media WHERE id = $1`, id).
		Scan(&m.ID, &m.SHA256, &m.ContentType, &m.Size, &m.CreatedBy, &created, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "media %s not found", id)
	} else if err != nil {
		return nil, nil, fmt.Errorf("read media %s: %w", id, err)
	}
	m.CreatedAt = fromMicros(created)
	return &m, data, nil
}
