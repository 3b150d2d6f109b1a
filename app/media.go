package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/auth"
	"civicgrid/store"
)

// Media limits: a photo is at most MaxMediaBytes, a report carries at most MaxMediaPerReport.
const (
	MaxMediaBytes     = 10 << 20
	MaxMediaPerReport = 5
	// MaxMediaPixels bounds width × height of a JPEG, PNG or GIF, so that no client that shows
	// a stored photo is asked to decode a bomb (a tiny file that expands to gigabytes).
	MaxMediaPixels = 100_000_000
)

// mediaIDBytes is the randomness of a media ID: 24 bytes, 32 characters of base64url. The ID is the
// only thing guarding a photo, so it must not be guessable.
const (
	mediaIDBytes = 24
	mediaIDLen   = 32
)

// Media is a stored photo.
type Media struct {
	ID          string    `json:"id"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// MediaTypes are the content types a photo may have.
var MediaTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// ValidMediaID reports whether id has the form of a media ID (32 characters of base64url). Callers
// check it before touching the store.
func ValidMediaID(id string) bool {
	if len(id) != mediaIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// PutMedia stores a photo after sniffing its type (JPEG, PNG, GIF or WebP only) and removing its
// metadata (EXIF with the GPS position, XMP, IPTC, comments), and returns its record. The type
// comes from the bytes, never from what the client claims.
func (a *App) PutMedia(ctx context.Context, p Principal, data []byte) (*Media, error) {
	if len(data) == 0 {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the photo is empty").WithDetail("field", "media")
	}
	if len(data) > MaxMediaBytes {
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "the photo is %d bytes; at most %d (%d MiB) are accepted", len(data), MaxMediaBytes, MaxMediaBytes>>20).
			WithDetail("field", "media").WithDetail("max_bytes", MaxMediaBytes)
	}
	ct, err := sniffImage(data)
	if err != nil {
		return nil, err
	}
	clean, err := stripMetadata(ct, data)
	if err == nil {
		_, err = sniffImage(clean)
	}
	if err != nil {
		msg := err.Error()
		var ce *civicgrid.Error
		if errors.As(err, &ce) {
			msg = ce.Message
		}
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the photo's structure cannot be read: %s", msg).WithDetail("field", "media")
	}
	data = clean
	sum := sha256.Sum256(data)
	m := &store.Media{ID: auth.NewToken(mediaIDBytes), SHA256: hex.EncodeToString(sum[:]), ContentType: ct, Size: int64(len(data)), CreatedBy: p.Name()}
	if err := a.DB.PutMedia(ctx, m, data); err != nil {
		return nil, err
	}
	return mediaOf(m), nil
}

// sniffImage returns the content type of an accepted photo, or says what the bytes are instead.
func sniffImage(data []byte) (string, error) {
	ct := http.DetectContentType(data)
	if isWebP(data) {
		ct = "image/webp"
	}
	var cfg image.Config
	var err error
	switch ct {
	case "image/jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case "image/png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case "image/gif":
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	case "image/webp":
		// The standard library has no WebP decoder: the dimensions come from the first chunk.
		cfg, err = webpConfig(data)
	default:
		return "", civicgrid.Errorf(civicgrid.EINVALID, "only JPEG, PNG, GIF or WebP photos are accepted; this file is %s", strings.TrimSpace(ct)).
			WithDetail("field", "media").WithDetail("detected", ct).WithDetail("allowed", MediaTypes)
	}
	name := strings.TrimPrefix(ct, "image/")
	if err != nil {
		return "", civicgrid.Errorf(civicgrid.EINVALID, "the photo starts like %s but its header cannot be read: %v", name, err).WithDetail("field", "media")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxMediaPixels {
		return "", civicgrid.Errorf(civicgrid.EINVALID, "the photo is %d×%d pixels; at most %d pixels in all are accepted", cfg.Width, cfg.Height, MaxMediaPixels).WithDetail("field", "media")
	}
	return ct, nil
}

// isWebP recognises a WebP file: a RIFF container of form WEBP whose first chunk is VP8, VP8L or
// VP8X.
func isWebP(b []byte) bool {
	return len(b) >= 16 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP" && string(b[12:15]) == "VP8"
}

// webpConfig reads a WebP's canvas size from its first chunk: VP8X (extended) holds it directly,
// VP8L (lossless) after its signature byte, VP8 (lossy) in the key frame header. The RIFF size
// must cover the chunk.
func webpConfig(b []byte) (image.Config, error) {
	var cfg image.Config
	if int64(binary.LittleEndian.Uint32(b[4:8]))+8 > int64(len(b)) || len(b) < 30 {
		return cfg, errors.New("the RIFF container is truncated")
	}
	p := b[20:]
	switch string(b[12:16]) {
	case "VP8X":
		cfg.Width = 1 + (int(p[4]) | int(p[5])<<8 | int(p[6])<<16)
		cfg.Height = 1 + (int(p[7]) | int(p[8])<<8 | int(p[9])<<16)
	case "VP8L":
		if p[0] != 0x2f {
			return cfg, errors.New("bad lossless signature")
		}
		v := binary.LittleEndian.Uint32(p[1:5])
		cfg.Width, cfg.Height = 1+int(v&0x3fff), 1+int(v>>14&0x3fff)
	case "VP8 ":
		if p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a {
			return cfg, errors.New("bad key frame start code")
		}
		cfg.Width = int(binary.LittleEndian.Uint16(p[6:8]) & 0x3fff)
		cfg.Height = int(binary.LittleEndian.Uint16(p[8:10]) & 0x3fff)
	default:
		return cfg, fmt.Errorf("unknown first chunk %q", b[12:16])
	}
	return cfg, nil
}

// MediaContent returns a stored photo and its bytes.
func (a *App) MediaContent(ctx context.Context, id string) (*Media, []byte, error) {
	if !ValidMediaID(id) {
		return nil, nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "media %s not found", id)
	}
	m, data, err := a.DB.Media(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return mediaOf(m), data, nil
}

// MediaInfo returns a stored photo's record without its bytes (to answer a conditional request,
// or to check that a report names photos that exist).
func (a *App) MediaInfo(ctx context.Context, id string) (*Media, error) {
	if !ValidMediaID(id) {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "media %s not found", id)
	}
	m, err := a.DB.MediaInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	return mediaOf(m), nil
}

func mediaOf(m *store.Media) *Media {
	return &Media{ID: m.ID, ContentType: m.ContentType, Size: m.Size, SHA256: m.SHA256, CreatedAt: m.CreatedAt}
}
