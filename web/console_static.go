package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFiles are the console's own stylesheet and images, each served under a name that carries
// the first 8 hex digits of its SHA-256 (app.3f2a9c1d.css). A changed file gets a new URL, so the
// old one can be cached for a year without ever going stale.
type staticFiles struct {
	byName map[string]string // app.css → app.3f2a9c1d.css
	files  map[string]staticFile
}

type staticFile struct {
	data        []byte
	contentType string
	etag        string
}

func loadStatic() (*staticFiles, error) {
	sf := &staticFiles{byName: map[string]string{}, files: map[string]staticFile{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		ext := path.Ext(name)
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			return fmt.Errorf("static file %s has no known content type", name)
		}
		sum := sha256.Sum256(data)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		sf.byName[name] = hashed
		sf.files[hashed] = staticFile{data: data, contentType: ct, etag: `"` + hex.EncodeToString(sum[:]) + `"`}
		return nil
	})
	return sf, err
}

// url is the checksum URL of a static file; templates call it as {{asset "app.css"}}. An unknown
// name is an error, so a template naming a missing file fails to render (and its test fails).
func (sf *staticFiles) url(name string) (string, error) {
	h, ok := sf.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + h, nil
}

// handleStatic serves a static file by its checksum name, cacheable for a year.
func (c *console) handleStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := c.static.files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", f.etag)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'")
	if etagMatch(r.Header.Get("If-None-Match"), strings.Trim(f.etag, `"`)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(f.data)
}
