package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/org"
	"civicgrid/store"
)

// CSRF. Every console form carries a token in the hidden field _csrf that only the page's own
// session could have produced: an HMAC-SHA256 keyed with the session token (which the HttpOnly
// cookie keeps from every script) over a purpose label. A forged form from another site can make
// the browser send the cookie but cannot know the token. Being derived, the token needs no storage
// and is the same on every server process sharing the database. Before login there is no session,
// so the login form is bound the same way to a random pre-login cookie (civicgrid_login).
const (
	csrfField   = "_csrf"
	csrfSession = "civicgrid console form v1"
	csrfLogin   = "civicgrid login form v1"
	loginCookie = "civicgrid_login"
)

func csrfToken(secret, purpose string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF compares the form's token with the expected one in constant time.
func (c *console) checkCSRF(r *http.Request, secret, purpose string) bool {
	if secret == "" {
		return false
	}
	got := r.PostFormValue(csrfField)
	return got != "" && hmac.Equal([]byte(got), []byte(csrfToken(secret, purpose)))
}

// refuseCSRF answers 403 with a page that says what happened, and changes nothing.
func (c *console) refuseCSRF(w http.ResponseWriter, r *http.Request, p *consolePage) {
	c.s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{UserID: userID(p.User), Actor: loginOf(p.User),
		Kind: "denied", Object: r.Method + " " + r.URL.Path, Detail: "console form without a valid CSRF token"})
	c.renderError(w, r, p, http.StatusForbidden, "error.csrf", "")
}

func principalOfUser(u *org.User) app.Principal { return app.Principal{User: u} }

func userID(u *org.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

func loginOf(u *org.User) string {
	if u == nil {
		return "anonymous"
	}
	return u.Login
}

// loginBody is the data of the login page.
type loginBody struct {
	Login string
	Next  string
}

// handleLoginPage shows the login form, binding it to a fresh pre-login cookie unless the browser
// already holds one.
func (c *console) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	setPageHeaders(w)
	p := &consolePage{Lang: c.language(w, r), Path: r.URL.RequestURI()}
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = ""
	}
	p.CSRF = csrfToken(c.loginSecret(w, r), csrfLogin)
	p.Title = p.T2("login.title")
	p.Body = loginBody{Next: next}
	c.render(w, r, http.StatusOK, "login", p)
}

// loginSecret returns the browser's pre-login secret, setting a new one when it has none.
func (c *console) loginSecret(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(loginCookie); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	v := auth.NewToken(32)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.secure(r), MaxAge: 12 * 3600})
	return v
}

// handleLoginPost checks the form token, the throttle and the password, in that order, then opens
// a session exactly as POST /api/v1/login does.
func (c *console) handleLoginPost(w http.ResponseWriter, r *http.Request) {
	setPageHeaders(w)
	p := &consolePage{Lang: c.language(w, r), Path: "/login"}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	ck, _ := r.Cookie(loginCookie)
	secret := ""
	if ck != nil {
		secret = ck.Value
	}
	if !c.checkCSRF(r, secret, csrfLogin) {
		c.refuseCSRF(w, r, p)
		return
	}
	login := strings.TrimSpace(r.PostFormValue("login"))
	next := r.PostFormValue("next")
	if !localPath(next) {
		next = ""
	}
	p.CSRF = csrfToken(secret, csrfLogin)
	p.Title = p.T2("login.title")
	p.Body = loginBody{Login: login, Next: next}
	// The throttle remembers at most maxLoginLen bytes of a login name.
	key := login
	if len(key) > maxLoginLen {
		key = key[:maxLoginLen]
	}
	addr := c.s.clientAddr(r)
	now := c.s.app.Clock.Now()
	if until, locked := c.throttle.locked(now, key, addr); locked {
		c.s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{Actor: key, Kind: "login_throttled", Object: "console login", Detail: addr})
		mins := int(until.Sub(now).Minutes()) + 1
		p.Error = &pageError{Heading: p.T2("login.throttled_heading"), Message: p.Tf2("login.throttled", mins)}
		c.render(w, r, http.StatusTooManyRequests, "login", p)
		return
	}
	u, hash, err := c.s.app.DB.UserByLogin(r.Context(), login)
	if err != nil && !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	if u == nil || u.Disabled || !auth.VerifyPassword(hash, r.PostFormValue("password")) {
		c.throttle.fail(now, key, addr)
		c.s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{Actor: key, Kind: "login_failed", Object: "console login"})
		p.Error = &pageError{Heading: p.T2("login.failed_heading"), Message: p.T2("login.failed")}
		c.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}
	c.throttle.succeed(key)
	if err := c.openSession(w, r, u.ID); err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	if next == "" {
		next = "/console/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// maxLoginLen bounds the login names the throttle remembers.
const maxLoginLen = 100

// openSession creates a session and sets its cookie, as the API's login does.
func (c *console) openSession(w http.ResponseWriter, r *http.Request, userID int64) error {
	token := auth.NewToken(32)
	if err := c.s.app.DB.CreateSession(r.Context(), auth.TokenHash(token), userID, c.s.SessionTTL); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.secure(r), MaxAge: int(c.s.SessionTTL.Seconds())})
	return nil
}

func (c *console) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.secure(r), MaxAge: -1})
}

// handleLogoutPost ends the session (a form POST, so that a link on another site cannot log
// anyone out).
func (c *console) handleLogoutPost(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if err := c.s.app.DB.DeleteSession(r.Context(), auth.TokenHash(p.token)); err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	c.clearSession(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// passwordBody is the data of the password page.
type passwordBody struct {
	Done bool
}

func (c *console) handlePasswordPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Title = p.T2("password.title")
	p.Body = passwordBody{}
	if r.URL.Query().Get("done") == "1" {
		p.Notice = p.T2("password.changed")
	}
	c.render(w, r, http.StatusOK, "password", p)
}

// handlePasswordPost changes the password. The store ends every session of the user, this one
// included, so a new session is opened for the browser that made the change. A wrong current
// password counts as a failed login for the throttle.
func (c *console) handlePasswordPost(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Title = p.T2("password.title")
	p.Body = passwordBody{}
	fail := func(status int, err error) {
		p.Error = &pageError{Heading: p.T2(errorKey(err)), Message: c.platformMessage(r, err)}
		c.render(w, r, status, "password", p)
	}
	now := c.s.app.Clock.Now()
	addr := c.s.clientAddr(r)
	if until, locked := c.throttle.locked(now, p.User.Login, addr); locked {
		p.Error = &pageError{Heading: p.T2("login.throttled_heading"), Message: p.Tf2("login.throttled", int(until.Sub(now).Minutes())+1)}
		c.render(w, r, http.StatusTooManyRequests, "password", p)
		return
	}
	_, hash, err := c.s.app.DB.UserByLogin(r.Context(), p.User.Login)
	if err != nil {
		fail(HTTPStatus(err), err)
		return
	}
	if !auth.VerifyPassword(hash, r.PostFormValue("current")) {
		c.throttle.fail(now, p.User.Login, addr)
		fail(http.StatusBadRequest, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.T2("password.wrong_current")))
		return
	}
	nw := r.PostFormValue("new")
	if nw != r.PostFormValue("confirm") {
		fail(http.StatusBadRequest, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.T2("password.mismatch")))
		return
	}
	if err := auth.CheckPasswordPolicy(nw); err != nil {
		fail(HTTPStatus(err), err)
		return
	}
	nh, err := auth.HashPassword(nw)
	if err == nil {
		err = c.s.app.DB.SetPassword(r.Context(), p.User.ID, nh)
	}
	if err == nil {
		err = c.openSession(w, r, p.User.ID)
	}
	if err != nil {
		fail(HTTPStatus(err), err)
		return
	}
	c.s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{UserID: p.User.ID, Actor: p.User.Login, Kind: "password_changed", Object: "console"})
	http.Redirect(w, r, "/console/password?done=1", http.StatusSeeOther)
}

// T2 and Tf2 are T and Tf for handlers: they name only literal keys that TestConsoleMessages
// checks, so they never fail; a missing key would show as itself.
func (p *consolePage) T2(key string) string { return t(p.Lang, key) }

func (p *consolePage) Tf2(key string, args ...any) string {
	s, err := p.Tf(key, args...)
	if err != nil {
		return key
	}
	return s
}
