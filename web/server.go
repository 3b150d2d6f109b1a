// Package web is CivicGrid's HTTP surface: the JSON REST API with its OpenAPI document, health
// checks, and (in later parts) Open311 and the console. Handlers turn requests into calls on the
// app layer and answers into JSON; rules live in the domain packages.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"civicgrid"
	"civicgrid/app"
)

// Server serves HTTP for one App.
type Server struct {
	app *app.App
	log *slog.Logger
	mux *http.ServeMux
	// SessionTTL is how long a login lasts.
	SessionTTL time.Duration
	// Limits are the rate limits of the write endpoints (ratelimit.go). TrustProxy takes the
	// client's address from X-Forwarded-For; set it only behind a proxy that writes that header.
	Limits     Limits
	TrustProxy bool
	rl         limiter
	// MetricsAllow decides who may read GET /metrics; nil means LoopbackOnly (metrics.go).
	MetricsAllow func(*http.Request) bool
	metrics      *serverMetrics
	// SecureCookies marks the session cookies Secure even on plain HTTP requests: set it when a
	// proxy in front terminates TLS (requests that arrive over TLS get Secure cookies anyway).
	SecureCookies bool
	// logins throttles failed logins by name and by address, for the console and the API alike.
	logins *loginThrottle
	// Tiles, when set, is a tile service drawn under the console's maps (console_tiles.go).
	Tiles *TileLayer
}

// NewServer builds the routes.
func NewServer(a *app.App, log *slog.Logger) *Server {
	s := &Server{app: a, log: log, mux: http.NewServeMux(), SessionTTL: 12 * time.Hour}
	s.Limits = DefaultLimits()
	s.logins = newLoginThrottle(maxThrottleKeys)
	s.routes()
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	m.HandleFunc("GET /api/v1/openapi.json", s.handleOpenAPI)

	m.HandleFunc("POST /api/v1/login", s.handleLogin)
	m.HandleFunc("POST /api/v1/logout", s.staff(s.handleLogout))
	m.HandleFunc("GET /api/v1/me", s.staff(s.handleMe))
	m.HandleFunc("POST /api/v1/me/password", s.staff(s.handlePassword))

	m.HandleFunc("GET /api/v1/units", s.staff(s.handleUnits))
	m.HandleFunc("GET /api/v1/units/{id}", s.staff(s.handleUnit))
	m.HandleFunc("PUT /api/v1/units", s.staff(s.handlePutUnits))
	m.HandleFunc("GET /api/v1/grids.geojson", s.staff(s.handleGridsExport))
	m.HandleFunc("PUT /api/v1/grids.geojson", s.staff(s.handleGridsImport))
	m.HandleFunc("GET /api/v1/locate", s.staff(s.handleLocate))

	m.HandleFunc("GET /api/v1/matter-types", s.staff(s.handleMatterTypes))
	m.HandleFunc("GET /api/v1/matter-types/{code}", s.staff(s.handleMatterType))
	m.HandleFunc("PUT /api/v1/matter-types", s.staff(s.handlePutMatterTypes))
	m.HandleFunc("GET /api/v1/responsibility-list", s.staff(s.handleResponsibilities))
	m.HandleFunc("PUT /api/v1/responsibility-list", s.staff(s.handlePutResponsibilities))
	m.HandleFunc("GET /api/v1/admission-list", s.staff(s.handleAdmissions))
	m.HandleFunc("PUT /api/v1/admission-list", s.staff(s.handlePutAdmissions))
	m.HandleFunc("GET /api/v1/calendar", s.staff(s.handleCalendar))
	m.HandleFunc("PUT /api/v1/calendar/hours", s.staff(s.handlePutHours))
	m.HandleFunc("POST /api/v1/calendar/days", s.staff(s.handleImportDays))

	m.HandleFunc("GET /api/v1/users", s.staff(s.handleUsers))
	m.HandleFunc("POST /api/v1/users", s.staff(s.handleCreateUser))
	m.HandleFunc("GET /api/v1/api-keys", s.staff(s.handleAPIKeys))
	m.HandleFunc("POST /api/v1/api-keys", s.staff(s.handleCreateAPIKey))
	m.HandleFunc("DELETE /api/v1/api-keys/{id}", s.staff(s.handleRevokeAPIKey))
	m.HandleFunc("GET /api/v1/audit", s.staff(s.handleAudit))

	m.HandleFunc("POST /api/v1/cases", s.caller(s.handleCreateCase))
	m.HandleFunc("GET /api/v1/cases", s.caller(s.handleListCases))
	m.HandleFunc("GET /api/v1/cases/{id}", s.caller(s.handleGetCase))
	m.HandleFunc("POST /api/v1/cases/{id}/{action}", s.caller(s.handleAction))

	s.open311Routes()
	s.opsRoutes()
	s.assessRoutes()
	s.consoleRoutes()

	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "no API endpoint %s %s", r.Method, r.URL.Path))
	})
}

// ServeHTTP applies the middleware every request passes: panic recovery, security headers, a
// request ID and an access log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := r.Header.Get("X-Request-Id")
	if rid == "" || len(rid) > 64 {
		b := make([]byte, 8)
		rand.Read(b)
		rid = hex.EncodeToString(b)
	}
	h := w.Header()
	h.Set("X-Request-Id", rid)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rr := r.WithContext(context.WithValue(r.Context(), ridKey{}, rid))
	s.metrics.http.inFlight.Add(1)
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if !sw.wrote {
				s.writeError(sw, r, civicgrid.Errorf(civicgrid.EINTERNAL, "internal error"))
			}
		}
		dur := time.Since(start)
		s.metrics.http.inFlight.Add(-1)
		s.metrics.http.observe(r.Method, rr.Pattern, sw.status, dur)
		s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "dur", dur, "rid", rid)
	}()
	s.mux.ServeHTTP(sw, rr)
}

type ridKey struct{}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.app.DB.Ping(ctx); err != nil {
		s.log.Warn("readiness: database unreachable", "err", err)
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EUNAVAILABLE, "database unreachable"))
		return
	}
	if err := s.app.DB.CheckSchema(ctx); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
