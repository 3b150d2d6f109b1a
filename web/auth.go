package web

import (
	"context"
	"net/http"
	"strings"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/org"
	"civicgrid/store"
)

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "civicgrid_session"

type principalKey struct{}

func principalOf(r *http.Request) app.Principal {
	p, _ := r.Context().Value(principalKey{}).(app.Principal)
	return p
}

// authenticate finds the caller: a session (bearer token or cookie) or an API key (X-API-Key).
// No credentials → an anonymous principal; bad credentials → an error.
func (s *Server) authenticate(r *http.Request) (app.Principal, bool, error) {
	ctx := r.Context()
	if key := r.Header.Get("X-API-Key"); key != "" {
		k, err := s.app.DB.APIKeyByHash(ctx, auth.TokenHash(key))
		if err != nil {
			return app.Principal{}, false, err
		}
		return app.Principal{Key: k}, true, nil
	}
	token := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		token = c.Value
	}
	if token == "" {
		return app.Principal{}, false, nil
	}
	u, err := s.app.DB.SessionUser(ctx, auth.TokenHash(token))
	if err != nil {
		return app.Principal{}, false, err
	}
	return app.Principal{User: u}, true, nil
}

// staff wraps handlers that need a logged-in staff user.
func (s *Server) staff(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !ok || p.User == nil {
			s.writeError(w, r, civicgrid.Errorf(civicgrid.EUNAUTHORIZED, "log in first: send Authorization: Bearer <token> from POST /api/v1/login"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// caller wraps handlers open to staff and API keys.
func (s *Server) caller(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !ok {
			s.writeError(w, r, civicgrid.Errorf(civicgrid.EUNAUTHORIZED, "log in first, or send an API key in X-API-Key"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// holdsRole reports whether the user holds one of roles over a unit whose subtree contains path
// (any grant of the role when path is "").
func holdsRole(p app.Principal, path string, roles ...org.Role) bool {
	if p.User == nil {
		return false
	}
	for _, g := range p.User.Grants {
		for _, role := range roles {
			if g.Role == role && (path == "" || org.Contains(g.UnitPath, path)) {
				return true
			}
		}
	}
	return false
}

// requireRole refuses, and logs the denial, unless the user holds one of roles over path.
func (s *Server) requireRole(r *http.Request, path string, roles ...org.Role) error {
	p := principalOf(r)
	if holdsRole(p, path, roles...) {
		return nil
	}
	err := civicgrid.Errorf(civicgrid.EFORBIDDEN, "this needs the %s role over the unit concerned", joinRoles(roles))
	s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "denied", Object: r.Method + " " + r.URL.Path, Detail: civicgrid.ErrorMessage(err)})
	return err
}

func joinRoles(roles []org.Role) string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return strings.Join(out, " or ")
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token string    `json:"token"`
	User  *org.User `json:"user"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The same throttle as the console's: guessing through the API is no cheaper.
	key := req.Login
	if len(key) > maxLoginLen {
		key = key[:maxLoginLen]
	}
	addr, now := s.clientAddr(r), s.app.Clock.Now()
	if until, locked := s.logins.locked(now, key, addr); locked {
		s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{Actor: key, Kind: "login_throttled", Object: "api login", Detail: addr})
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ERATELIMIT, "too many failed logins: try again after %s", until.In(chinaZone).Format("15:04")).
			WithDetail("retry_after", int(until.Sub(now).Seconds())+1))
		return
	}
	u, hash, err := s.app.DB.UserByLogin(r.Context(), req.Login)
	if err != nil && !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
		s.writeError(w, r, err)
		return
	}
	if u == nil || u.Disabled || !auth.VerifyPassword(hash, req.Password) {
		s.logins.fail(now, key, addr)
		s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{Actor: req.Login, Kind: "login_failed", Object: "login"})
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EUNAUTHORIZED, "login or password is wrong"))
		return
	}
	s.logins.succeed(key)
	token := auth.NewToken(32)
	if err := s.app.DB.CreateSession(r.Context(), auth.TokenHash(token), u.ID, s.SessionTTL); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secureCookie(r), MaxAge: int(s.SessionTTL.Seconds())})
	writeJSON(w, http.StatusOK, loginResponse{Token: token, User: u})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	token := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		token = c.Value
	}
	if err := s.app.DB.DeleteSession(r.Context(), auth.TokenHash(token)); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, principalOf(r).User)
}

type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) {
	var req passwordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u := principalOf(r).User
	_, hash, err := s.app.DB.UserByLogin(r.Context(), u.Login)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !auth.VerifyPassword(hash, req.Current) {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "current password is wrong").WithDetail("field", "current"))
		return
	}
	if err := auth.CheckPasswordPolicy(req.New); err != nil {
		s.writeError(w, r, err)
		return
	}
	nh, err := auth.HashPassword(req.New)
	if err == nil {
		err = s.app.DB.SetPassword(r.Context(), u.ID, nh)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// secureCookie reports whether cookies should carry the Secure attribute: over TLS, when the
// operator says a TLS-terminating proxy stands in front (SecureCookies), or when a trusted proxy
// reports that the client came over https.
func (s *Server) secureCookie(r *http.Request) bool {
	if r.TLS != nil || s.SecureCookies {
		return true
	}
	return s.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
