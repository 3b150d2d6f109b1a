package web

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/auth"
	"civicgrid/org"
)

// The web console: server-rendered pages for staff, in Chinese by default and English on request.
// Pages are html/template files embedded in the binary and parsed once when the server is built;
// the stylesheet is served under a checksum URL. Every page carries a strict Content-Security-Policy
// (no inline script or style at all), every form carries a CSRF token, and logins are throttled.
// Sessions are the API's: the same civicgrid_session cookie and session store.

//go:embed templates/*.html
var templateFS embed.FS

// consolePages are the page templates; each is parsed together with layout.html. A name listed
// here without its file stops the server at start (and fails TestConsoleTemplates).
var consolePages = []string{"login", "password", "workbench", "case", "error", "portal_report", "portal_done", "portal_track"}

// consoleCSP is the Content-Security-Policy of every console page: nothing but the platform's own
// files, no inline script or style, no plugins, no framing, forms only back to the platform. The
// only scripts are the platform's own checksummed static files (worker.js), loaded by src.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// console holds what the console pages share: the parsed templates, the static files and the login
// throttle. It lives as long as its Server.
type console struct {
	s        *Server
	pages    map[string]*template.Template
	static   *staticFiles
	throttle *loginThrottle
	shapes   shapeCache
}

// consoleRoutes registers the web console's pages.
func (s *Server) consoleRoutes() {
	c := newConsole(s)
	m := s.mux
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	m.HandleFunc("GET /static/{file}", c.handleStatic)
	m.HandleFunc("GET /login", c.handleLoginPage)
	m.HandleFunc("POST /login", c.handleLoginPost)
	m.HandleFunc("POST /logout", c.page(c.handleLogoutPost))
	m.HandleFunc("GET /console/{$}", c.page(c.handleWorkbench))
	m.HandleFunc("GET /console/password", c.page(c.handlePasswordPage))
	m.HandleFunc("POST /console/password", c.page(c.handlePasswordPost))
	m.HandleFunc("GET /console/cases/{id}", c.page(c.handleCasePage))
	m.HandleFunc("POST /console/cases/{id}/{action}", c.page(c.handleCaseAction))
	s.portalRoutes(c)
	c.partRoutes(m)
	m.HandleFunc("/console/", c.page(func(w http.ResponseWriter, r *http.Request, p *consolePage) {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
	}))
}

func newConsole(s *Server) *console {
	static, err := loadStatic()
	if err != nil {
		panic("console: " + err.Error())
	}
	c := &console{s: s, static: static, throttle: s.logins}
	pages, err := parsePages(templateFS, static)
	if err != nil {
		panic("console: " + err.Error())
	}
	c.pages = pages
	return c
}

// parsePages parses every page of consolePages with the shared layout.
func parsePages(fsys fs.FS, static *staticFiles) (map[string]*template.Template, error) {
	funcs := template.FuncMap{"asset": static.url}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template, len(consolePages))
	for _, name := range consolePages {
		t, err := template.Must(base.Clone()).ParseFS(fsys, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// consolePage is what every page template receives: who is looking, in which language, the form
// token, and the page's own data in Body.
type consolePage struct {
	Lang   string
	Page   string // the page template's name, on <body data-page>
	User   *org.User
	CSRF   string
	Path   string // the page's path and query, for the language links
	Title  string
	Notice string // a success message, already in the page's language
	Error  *pageError
	Body   any

	token string // the session token, for the CSRF check
}

// pageError is a refusal shown on a page: a heading in the page's language and the platform's own
// message.
type pageError struct {
	Heading string
	Message string
}

// page wraps a console handler: it sets the security headers, picks the language and requires a
// logged-in staff user (anyone else is sent to the login page). POST handlers get the CSRF check
// before anything else runs.
func (c *console) page(h func(w http.ResponseWriter, r *http.Request, p *consolePage)) http.HandlerFunc {
	return c.pageLimit(maxFormBody, h)
}

// pageLimit is page with another cap on the request body, for the forms that upload a file.
func (c *console) pageLimit(limit int64, h func(w http.ResponseWriter, r *http.Request, p *consolePage)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		p := &consolePage{Lang: c.language(w, r), Path: r.URL.RequestURI()}
		ck, err := r.Cookie(SessionCookie)
		if err != nil || ck.Value == "" {
			c.toLogin(w, r)
			return
		}
		u, err := c.s.app.DB.SessionUser(r.Context(), auth.TokenHash(ck.Value))
		if err != nil {
			if !civicgrid.IsCode(err, civicgrid.EUNAUTHORIZED) {
				c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", "")
				c.s.log.Error("console session lookup", "err", err)
				return
			}
			c.clearSession(w, r)
			c.toLogin(w, r)
			return
		}
		p.User, p.token, p.CSRF = u, ck.Value, csrfToken(ck.Value, csrfSession)
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if !c.checkCSRF(r, p.token, csrfSession) {
				c.refuseCSRF(w, r, p)
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, principalOfUser(u))), p)
	}
}

// maxFormBody caps a console form (the largest is a handling result of 4,000 characters).
const maxFormBody = 64 << 10

func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// toLogin sends a visitor without a session to the login page, remembering a console page to come
// back to.
func (c *console) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && localPath(r.URL.RequestURI()) {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath accepts only console paths as a place to return to after login, so that the login
// form cannot be used to send someone elsewhere.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/console/") && !strings.ContainsAny(p, "\\\r\n") && !strings.HasPrefix(p, "//")
}

// secure reports whether cookies should carry the Secure attribute.
func (c *console) secure(r *http.Request) bool { return c.s.secureCookie(r) }

// render executes a page template into a buffer first, so that a failing template answers 500
// instead of half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, p *consolePage) {
	t, ok := c.pages[name]
	if !ok {
		c.s.log.Error("console: no page template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.Page = name
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.s.log.Error("console: render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w)
	w.Header().Set("Content-Security-Policy", c.pageCSP())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPageBody is the data of the error page.
type errorPageBody struct {
	Status  int
	Heading string
	Message string
	Hint    string // catalogue key of what the person can do now
	Back    string
}

// errorHint is the catalogue key of the advice on an error page.
func errorHint(status int) string {
	switch status {
	case http.StatusNotFound, http.StatusForbidden, http.StatusBadRequest, http.StatusConflict, http.StatusTooManyRequests:
		return "error.hint_" + strconv.Itoa(status)
	}
	return "error.hint_other"
}

// renderError answers with the console's error page: a heading from the catalogue and an optional
// message (the platform's own words).
func (c *console) renderError(w http.ResponseWriter, r *http.Request, p *consolePage, status int, key, message string) {
	p.Title = p.T2(key)
	back := "/console/"
	if p.User == nil {
		back = "/login"
	}
	hint := errorHint(status)
	if key == "error.csrf" {
		hint = "error.hint_csrf"
	}
	p.Body = errorPageBody{Status: status, Heading: p.T2(key), Message: message, Hint: hint, Back: back}
	c.render(w, r, status, "error", p)
}

// errorKey is the catalogue heading for a platform error code.
func errorKey(err error) string {
	switch civicgrid.ErrorCode(err) {
	case civicgrid.EINVALID:
		return "error.invalid"
	case civicgrid.ECONFLICT:
		return "error.conflict"
	case civicgrid.EFORBIDDEN:
		return "error.forbidden"
	case civicgrid.ENOTFOUND:
		return "error.not_found"
	case civicgrid.ETOOLARGE:
		return "error.too_large"
	case civicgrid.ERATELIMIT:
		return "error.rate_limited"
	}
	return "error.internal"
}

// platformMessage is what a person may read of an error: the platform's message, except for
// internal faults, which are logged and shown only as such.
func (c *console) platformMessage(r *http.Request, err error) string {
	if civicgrid.ErrorCode(err) == civicgrid.EINTERNAL {
		c.s.log.Error("console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return ""
	}
	return civicgrid.ErrorMessage(err)
}
