package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/casework"
	"civicgrid/geo"
	"civicgrid/org"
	"civicgrid/store"
)

// The resident portal: report a matter, follow it by its tracking code, and rate it once it is
// closed. Residents have no accounts. Forms are bound to a random pre-session cookie, as the login
// form is, and every POST is throttled by address. The tracking code is the reporter's proof: it
// opens the case's public status and, once closed, its rating (casework.ReporterByCode).

const (
	csrfPortal   = "civicgrid portal form v1"
	portalCookie = "civicgrid_portal"
	// portalMaxText caps the text fields of the report form together.
	portalMaxText = 64 << 10
	// portalMaxBody caps a whole report form: its text, one photo, and room for part headers.
	portalMaxBody = portalMaxText + app.MaxMediaBytes + 16<<10
	// Contact fields.
	portalMaxName  = 50
	portalMaxPhone = 30
	portalMaxAddr  = 200
)

// portalRoutes registers the resident portal's pages.
func (s *Server) portalRoutes(c *console) {
	m := s.mux
	m.HandleFunc("GET /portal/{$}", c.handlePortalForm)
	m.HandleFunc("POST /portal/{$}", c.handlePortalReport)
	m.HandleFunc("GET /portal/track", c.handlePortalTrack)
	m.HandleFunc("POST /portal/track/rate", c.handlePortalRate)
}

// portalPage starts a portal page: security headers, the language, and the form token bound to
// the browser's portal cookie (set here when the browser has none).
func (c *console) portalPage(w http.ResponseWriter, r *http.Request) *consolePage {
	setPageHeaders(w)
	w.Header().Set("Referrer-Policy", "no-referrer") // tracking codes travel in the query
	p := &consolePage{Lang: c.language(w, r), Path: r.URL.RequestURI()}
	p.CSRF = csrfToken(c.portalSecret(w, r), csrfPortal)
	return p
}

// portalSecret returns the browser's portal secret, setting a new one when it has none.
func (c *console) portalSecret(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(portalCookie); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	v := auth.NewToken(32)
	http.SetCookie(w, &http.Cookie{Name: portalCookie, Value: v, Path: "/portal/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.secure(r), MaxAge: 12 * 3600})
	return v
}

// portalCSRF checks a posted portal form against the browser's portal cookie; the form must
// already be parsed.
func (c *console) portalCSRF(r *http.Request) bool {
	ck, err := r.Cookie(portalCookie)
	if err != nil {
		return false
	}
	return c.checkCSRF(r, ck.Value, csrfPortal)
}

// portalError answers with the error page, pointing back to the portal rather than the login.
func (c *console) portalError(w http.ResponseWriter, r *http.Request, p *consolePage, status int, key, message string) {
	p.Title = p.T2(key)
	hint := errorHint(status)
	if key == "error.csrf" {
		hint = "error.hint_csrf"
	}
	if status == http.StatusNotFound {
		hint = "portal.not_found_hint"
	}
	p.Body = errorPageBody{Status: status, Heading: p.T2(key), Message: message, Hint: hint, Back: "/portal/"}
	c.render(w, r, status, "error", p)
}

// portalRefuseCSRF logs and refuses a portal form without a valid token.
func (c *console) portalRefuseCSRF(w http.ResponseWriter, r *http.Request, p *consolePage) {
	c.s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{Actor: "resident", Kind: "denied",
		Object: r.Method + " " + r.URL.Path, Detail: "portal form without a valid CSRF token"})
	c.portalError(w, r, p, http.StatusForbidden, "error.csrf", "")
}

// portalThrottle applies the per-address rate limit; false means the answer has been sent.
func (c *console) portalThrottle(w http.ResponseWriter, r *http.Request, p *consolePage) bool {
	if err := c.s.allow(r, ""); err != nil {
		var e *civicgrid.Error
		if errors.As(err, &e) && e.Details != nil {
			if v, ok := e.Details["retry_after"]; ok {
				w.Header().Set("Retry-After", strconv.Itoa(toInt(v)))
			}
		}
		c.portalError(w, r, p, http.StatusTooManyRequests, "error.rate_limited", "")
		return false
	}
	return true
}

// portalMatterGroup is one class of the catalogue in the matter select.
type portalMatterGroup struct {
	Name    string
	Matters []portalOption
}

type portalOption struct {
	Value, Name string
}

// portalForm is what the report form shows and keeps when it is shown again with an error.
type portalForm struct {
	Groups      []portalMatterGroup
	Areas       []portalOption
	Matter      string
	Description string
	Lat, Lon    string
	CRS         string
	Area        string
	Address     string
	Name        string
	Phone       string
	MaxDesc     int
	MaxPhotoMiB int
	// Fields are the extra fields of Matter, shown once the type is known (FieldsFor).
	Fields    []fieldInput
	FieldsFor string
}

// portalMatters are the active matter types a resident can report, grouped by catalogue class in
// code order, named in the page's language.
func portalMatters(cfg *app.Config, lang string) []portalMatterGroup {
	codes := make([]string, 0, len(cfg.Matters))
	for code, mt := range cfg.Matters {
		if mt.Active {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	var out []portalMatterGroup
	last := ""
	for _, code := range codes {
		mt := cfg.Matters[code]
		if mt.ClassCode != last || len(out) == 0 {
			name := mt.ClassZh
			if lang == langEn && mt.ClassEn != "" {
				name = mt.ClassEn
			}
			out = append(out, portalMatterGroup{Name: name})
			last = mt.ClassCode
		}
		g := &out[len(out)-1]
		g.Matters = append(g.Matters, portalOption{Value: code, Name: matterName(cfg, lang, code)})
	}
	return out
}

// portalAreas are the streets and towns a resident without coordinates can pick.
func portalAreas(cfg *app.Config, lang string) []portalOption {
	var out []portalOption
	for _, u := range cfg.Tree.All() {
		if u.Kind == org.Street || u.Kind == org.Town {
			out = append(out, portalOption{Value: u.ID, Name: unitName(cfg, lang, u.ID)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

func (c *console) newPortalForm(lang string) *portalForm {
	cfg := c.s.app.Config()
	return &portalForm{Groups: portalMatters(cfg, lang), Areas: portalAreas(cfg, lang), CRS: string(geo.WGS84),
		MaxDesc: casework.MaxDescription, MaxPhotoMiB: app.MaxMediaBytes >> 20}
}

// handlePortalForm shows the report form.
func (c *console) handlePortalForm(w http.ResponseWriter, r *http.Request) {
	p := c.portalPage(w, r)
	p.Title = p.T2("portal.report_title")
	f := c.newPortalForm(p.Lang)
	// A link may name the matter (/portal/?matter=C0101): the form then asks its fields at once.
	if mt, ok := c.s.app.Config().Matters[r.URL.Query().Get("matter")]; ok && mt.Active {
		f.Matter = mt.Code
		f.Fields, f.FieldsFor = fieldInputs(p.Lang, mt.Fields), mt.Code
	}
	p.Body = f
	c.render(w, r, http.StatusOK, "portal_report", p)
}

// portalDone is the confirmation page's data.
type portalDone struct {
	Code     string
	TrackURL string
	Matter   string
	Place    string
}

// handlePortalReport takes a report in: the token, the throttle, the form, the photo, then
// app.Report as an anonymous resident through the portal channel.
func (c *console) handlePortalReport(w http.ResponseWriter, r *http.Request) {
	p := c.portalPage(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, portalMaxBody)
	if err := r.ParseMultipartForm(portalMaxText); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.portalError(w, r, p, http.StatusRequestEntityTooLarge, "error.too_large", p.Tf2("portal.photo_too_large", app.MaxMediaBytes>>20))
			return
		}
		c.portalError(w, r, p, http.StatusBadRequest, "error.invalid", "")
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if !c.portalCSRF(r) {
		c.portalRefuseCSRF(w, r, p)
		return
	}
	if !c.portalThrottle(w, r, p) {
		return
	}
	f := c.newPortalForm(p.Lang)
	f.Matter = r.PostFormValue("matter_code")
	f.Description = strings.TrimSpace(r.PostFormValue("description"))
	f.Lat, f.Lon = strings.TrimSpace(r.PostFormValue("lat")), strings.TrimSpace(r.PostFormValue("lon"))
	f.Area = r.PostFormValue("area")
	f.Address = strings.TrimSpace(r.PostFormValue("address"))
	f.Name, f.Phone = strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("phone"))
	if crs := r.PostFormValue("crs"); crs != "" {
		f.CRS = crs
	}
	p.Title = p.T2("portal.report_title")
	p.Body = f
	refuse := func(status int, message string) {
		p.Error = &pageError{Heading: p.T2("portal.report_refused"), Message: message}
		c.render(w, r, status, "portal_report", p)
	}
	in, msg := f.input(p)
	if msg != "" {
		refuse(http.StatusBadRequest, msg)
		return
	}
	// The matter's extra fields: asked on the form once the type is known. A type chosen in the
	// list whose fields the form did not show yet comes back with them (nothing is stored).
	if mt, ok := c.s.app.Config().Matters[f.Matter]; ok && len(mt.Fields) > 0 {
		f.Fields = fieldInputs(p.Lang, mt.Fields)
		keepFieldValues(f.Fields, r.PostForm)
		shown := r.PostFormValue("fields_for") == f.Matter
		f.FieldsFor = f.Matter
		if !shown && requiresFields(mt.Fields) {
			p.Error = &pageError{Heading: p.T2("portal.fields_needed"), Message: p.T2("portal.fields_hint")}
			c.render(w, r, http.StatusOK, "portal_report", p)
			return
		}
		attrs, err := fieldAttributes(p, f.Fields, r.PostForm)
		if err != nil {
			refuse(http.StatusBadRequest, c.platformMessage(r, err))
			return
		}
		if len(attrs) > 0 {
			in.Attributes = attrs
		}
	}
	photo, msg := portalPhoto(r, p)
	if msg != "" {
		refuse(http.StatusBadRequest, msg)
		return
	}
	ctx := r.Context()
	resident := app.Principal{Resident: true}
	if photo != nil {
		m, err := c.s.app.PutMedia(ctx, resident, photo)
		if err != nil {
			refuse(HTTPStatus(err), c.platformMessage(r, err))
			return
		}
		in.Media = []string{m.ID}
	}
	cs, _, err := c.s.app.Report(ctx, resident, in, "")
	if err != nil {
		refuse(HTTPStatus(err), c.platformMessage(r, err))
		return
	}
	cfg := c.s.app.Config()
	p.Title = p.T2("portal.done_title")
	p.Body = portalDone{Code: cs.TrackingCode, TrackURL: "/portal/track?code=" + url.QueryEscape(cs.TrackingCode),
		Matter: matterName(cfg, p.Lang, cs.MatterCode), Place: placeOf(cfg, p.Lang, cs)}
	c.render(w, r, http.StatusCreated, "portal_done", p)
}

// input reads the form into a report, or says in the page's language what is missing.
func (f *portalForm) input(p *consolePage) (app.ReportInput, string) {
	in := app.ReportInput{MatterCode: f.Matter, Description: f.Description, Address: f.Address, Channel: casework.ChannelPortal}
	switch {
	case f.Matter == "":
		return in, p.T2("portal.need_matter")
	case f.Description == "":
		return in, p.T2("portal.need_description")
	case utf8.RuneCountInString(f.Description) > casework.MaxDescription:
		return in, p.Tf2("portal.description_too_long", casework.MaxDescription)
	case utf8.RuneCountInString(f.Address) > portalMaxAddr:
		return in, p.Tf2("portal.address_too_long", portalMaxAddr)
	case utf8.RuneCountInString(f.Name) > portalMaxName || utf8.RuneCountInString(f.Phone) > portalMaxPhone:
		return in, p.T2("portal.contact_too_long")
	}
	if f.Phone != "" && strings.Trim(f.Phone, "0123456789+- ") != "" {
		return in, p.T2("portal.bad_phone")
	}
	switch {
	case f.Lat != "" || f.Lon != "":
		lat, err1 := strconv.ParseFloat(f.Lat, 64)
		lon, err2 := strconv.ParseFloat(f.Lon, 64)
		if err1 != nil || err2 != nil {
			return in, p.T2("portal.bad_point")
		}
		in.Lat, in.Lon, in.CRS = &lat, &lon, geo.CRS(f.CRS)
	case f.Area != "":
		if f.Address == "" {
			return in, p.T2("portal.need_address")
		}
		in.Grid = f.Area
	default:
		return in, p.T2("portal.need_place")
	}
	if f.Name != "" || f.Phone != "" {
		in.Reporter = &casework.Reporter{Name: f.Name, Phone: f.Phone}
	}
	return in, ""
}

// portalPhoto is the form's one optional photo; an empty file input is no photo.
func portalPhoto(r *http.Request, p *consolePage) ([]byte, string) {
	if r.MultipartForm == nil {
		return nil, ""
	}
	files := r.MultipartForm.File["photo"]
	if len(files) > 1 {
		return nil, p.T2("portal.one_photo")
	}
	if len(files) == 0 || files[0].Size == 0 {
		return nil, ""
	}
	if files[0].Size > app.MaxMediaBytes {
		return nil, p.Tf2("portal.photo_too_large", app.MaxMediaBytes>>20)
	}
	fh, err := files[0].Open()
	if err != nil {
		return nil, p.T2("portal.bad_photo")
	}
	defer fh.Close()
	data := make([]byte, files[0].Size)
	if _, err := io.ReadFull(fh, data); err != nil {
		return nil, p.T2("portal.bad_photo")
	}
	return data, ""
}

// ratingOpen reports whether the portal offers the rating form: the case is closed, not merged,
// not rated since it closed, and the rating window is still open.
func ratingOpen(c *casework.Case, now time.Time, window time.Duration) bool {
	if c.State != casework.Closed || c.MergedInto != 0 || c.ClosedAt == nil {
		return false
	}
	if c.RatedAt != nil && !c.RatedAt.Before(*c.ClosedAt) {
		return false
	}
	return !now.After(c.ClosedAt.Add(window))
}
