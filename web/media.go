package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/app"
)

// handleMedia serves a stored photo by ID. A photo never changes once stored, so its answer may
// be cached for a year and its ETag is its SHA-256. The stored type is sent as is with nosniff and
// a policy that lets nothing in the file run, so a file can only ever be shown as an image.
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !app.ValidMediaID(id) {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "media not found"))
		return
	}
	h := w.Header()
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		m, err := s.app.MediaInfo(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if etagMatch(inm, m.SHA256) {
			setMediaHeaders(h, m)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	m, data, err := s.app.MediaContent(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	setMediaHeaders(h, m)
	h.Set("Content-Type", m.ContentType)
	h.Set("Content-Disposition", "inline; filename=\""+m.ID+mediaExt(m.ContentType)+"\"")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// ServeContent answers HEAD and Range requests; the conditional headers were handled above
	// (and it would handle them again from the ETag alike).
	http.ServeContent(w, r, "", m.CreatedAt, bytes.NewReader(data))
}

func setMediaHeaders(h http.Header, m *app.Media) {
	h.Set("ETag", strconv.Quote(m.SHA256))
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
}

// etagMatch reports whether an If-None-Match header names the entity tag (weak or strong; "*"
// matches anything that exists).
func etagMatch(header, sha string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == `"`+sha+`"` {
			return true
		}
	}
	return false
}

func mediaExt(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	return ""
}
