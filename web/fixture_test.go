package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store/storetest"
	"civicgrid/web"
)

// demoPassword is the password of every staff account in test fixtures.
const demoPassword = "test-password-1"

// demoKey is the Open311 key of the fixture's district.
const demoKey = "test-open311-key"

// fixture is a real server over a fresh database holding the demo district (no history).
type fixture struct {
	t     *testing.T
	srv   *httptest.Server
	app   *app.App
	clock *clock.Fake
}

// fixtureStart is a Monday morning on the working calendar: 2026-03-02 09:00 China time.
var fixtureStart = time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.China)

// eachFixture runs fn on SQLite and on PostgreSQL.
func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fn(t, newFixture(t, dsn))
	})
}

func newFixture(t *testing.T, dsn string) *fixture {
	t.Helper()
	a, fake, log := newDemoApp(t, dsn)
	srv := httptest.NewServer(web.NewServer(a, log))
	t.Cleanup(srv.Close)
	return &fixture{t: t, srv: srv, app: a, clock: fake}
}

// newDemoApp opens a fresh migrated database at dsn, loads the demo district (no history) and
// returns the app over it with its fake clock at fixtureStart and a silent logger.
func newDemoApp(t *testing.T, dsn string) (*app.App, *clock.Fake, *slog.Logger) {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpen(t, dsn)
	fake := clock.NewFake(fixtureStart)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, db, fake, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, db, demoKey, demoPassword); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	return a, fake, log
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// errorCode returns error.code of an error answer.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("not an error answer: %s", r.Body)
	}
	return e["code"].(string)
}

// do sends a request; body may be nil, a string (sent as is) or a value (sent as JSON).
func (f *fixture) do(method, path, token string, body any, headers ...string) response {
	f.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		ct = "application/json"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		ct = "application/json"
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// login returns a session token for a demo account.
func (f *fixture) login(login string) string {
	f.t.Helper()
	r := f.do("POST", "/api/v1/login", "", map[string]string{"login": login, "password": demoPassword})
	if r.Status != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", login, r.Status, r.Body)
	}
	return r.json(f.t)["token"].(string)
}

// must asserts the status of a response and returns it.
func (f *fixture) must(status int, r response) response {
	f.t.Helper()
	if r.Status != status {
		f.t.Fatalf("want status %d, got %d: %s", status, r.Status, r.Body)
	}
	return r
}
