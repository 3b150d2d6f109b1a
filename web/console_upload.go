package web

import (
	"errors"
	"io"
	"net/http"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
)

// Console forms with photos. The console's page wrapper caps a form at maxFormBody, far below a
// photo, so a form with file inputs goes through uploadPage: for a logged-in user it reads the
// multipart body first, under the form's own cap, and then hands over to the usual wrapper, which
// checks the session and the CSRF token on the form already read. Nobody without a session gets a
// byte of an upload read: they are sent to the login page as before.

// uploadMemory is how much of a multipart form is held in memory; files beyond it go to temporary
// files, removed when the request ends.
const uploadMemory = 1 << 20

// uploadPage wraps a console handler whose POST form may carry up to photos photos.
func (c *console) uploadPage(photos int, h func(w http.ResponseWriter, r *http.Request, p *consolePage)) http.HandlerFunc {
	inner := c.page(h)
	limit := int64(maxFormBody) + int64(photos)*(app.MaxMediaBytes+16<<10)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			inner(w, r)
			return
		}
		ck, err := r.Cookie(SessionCookie)
		if err != nil || ck.Value == "" {
			inner(w, r)
			return
		}
		u, err := c.s.app.DB.SessionUser(r.Context(), auth.TokenHash(ck.Value))
		if err != nil {
			inner(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseMultipartForm(uploadMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			setPageHeaders(w)
			p := &consolePage{Lang: c.language(w, r), Path: r.URL.RequestURI(), User: u, token: ck.Value, CSRF: csrfToken(ck.Value, csrfSession)}
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				c.renderError(w, r, p, http.StatusRequestEntityTooLarge, "error.too_large", p.Tf2("upload.too_large", photos, app.MaxMediaBytes>>20))
				return
			}
			c.renderError(w, r, p, http.StatusBadRequest, "error.invalid", p.T2("upload.unreadable"))
			return
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		inner(w, r)
	}
}

// formPhoto reads the one optional photo of a file input; an empty input is no photo.
func formPhoto(r *http.Request, field string) ([]byte, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	files := r.MultipartForm.File[field]
	switch {
	case len(files) == 0 || (len(files) == 1 && files[0].Size == 0):
		return nil, nil
	case len(files) > 1:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s: one photo only", field).WithDetail("field", field)
	case files[0].Size > app.MaxMediaBytes:
		return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "%s: the photo is %d bytes; at most %d (%d MiB) are accepted", field, files[0].Size, app.MaxMediaBytes, app.MaxMediaBytes>>20).WithDetail("field", field)
	}
	fh, err := files[0].Open()
	if err != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s: the photo could not be read", field).WithDetail("field", field)
	}
	defer fh.Close()
	data := make([]byte, files[0].Size)
	if _, err := io.ReadFull(fh, data); err != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s: the photo could not be read", field).WithDetail("field", field)
	}
	return data, nil
}

// storePhoto stores the photo of a file input through the platform's media path (type sniffed,
// metadata removed, size capped) and returns its ID, or "" when the input was empty.
func (c *console) storePhoto(r *http.Request, field string) (string, error) {
	data, err := formPhoto(r, field)
	if err != nil || data == nil {
		return "", err
	}
	m, err := c.s.app.PutMedia(r.Context(), principalOf(r), data)
	if err != nil {
		return "", err
	}
	return m.ID, nil
}
