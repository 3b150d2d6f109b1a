package app

import (
	"context"
	"time"

	"civicgrid"
)

// Media limits: a photo is at most MaxMediaBytes, a report carries at most MaxMediaPerReport.
const (
	MaxMediaBytes     = 10 << 20
	MaxMediaPerReport = 5
)

// Media is a stored photo.
type Media struct {
	ID          string    `json:"id"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// PutMedia stores a photo after sniffing its type (JPEG, PNG, GIF or WebP only) and returns its
// record. (Being written.)
func (a *App) PutMedia(ctx context.Context, p Principal, data []byte) (*Media, error) {
	return nil, civicgrid.Errorf(civicgrid.EUNAVAILABLE, "media uploads are not available yet")
}

// MediaContent returns a stored photo and its bytes. (Being written.)
func (a *App) MediaContent(ctx context.Context, id string) (*Media, []byte, error) {
	return nil, nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "media %s not found", id)
}
