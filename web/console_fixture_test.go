package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"civicgrid/store/storetest"
	"civicgrid/web"
)

// consoleFixture is the demo fixture served over a real TCP listener on 127.0.0.1, as a browser
// reaches it, with the server itself at hand for its settings.
type consoleFixture struct {
	*fixture
	server *web.Server
}

// eachConsoleFixture runs fn on SQLite and on PostgreSQL. Settings of the server are made by
// configure, before it serves.
func eachConsoleFixture(t *testing.T, fn func(t *testing.T, f *consoleFixture), configure ...func(*web.Server)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fn(t, newConsoleFixture(t, dsn, configure...))
	})
}

func newConsoleFixture(t *testing.T, dsn string, configure ...func(*web.Server)) *consoleFixture {
	t.Helper()
	a, fake, log := newDemoApp(t, dsn)
	server := web.NewServer(a, log)
	for _, fn := range configure {
		fn(server)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1: %v", err)
	}
	srv := httptest.NewUnstartedServer(server)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &consoleFixture{fixture: &fixture{t: t, srv: srv, app: a, clock: fake}, server: server}
}

// sibling is a second server over the same app and database, with its own settings: another
// process behind the same balancer, as it were.
func (f *consoleFixture) sibling(configure func(*web.Server)) *consoleFixture {
	f.t.Helper()
	server := web.NewServer(f.app, slog.New(slog.NewTextHandler(io.Discard, nil)))
	configure(server)
	srv := httptest.NewServer(server)
	f.t.Cleanup(srv.Close)
	return &consoleFixture{fixture: &fixture{t: f.t, srv: srv, app: f.app, clock: f.clock}, server: server}
}

// report creates a case in a grid as the demo Open311 client and returns its ID.
func (f *consoleFixture) report(grid, matter, description string) string {
	f.t.Helper()
	lat, lon := gridPoint(f.t, grid)
	r := f.must(http.StatusCreated, f.do("POST", "/api/v1/cases", "", map[string]any{
		"matter_code": matter, "description": description, "lat": lat, "lon": lon,
		"reporter": map[string]any{"name": "张女士", "phone": "13900001111"},
	}, "X-API-Key", demoKey))
	return caseID(f.t, r)
}

// browserClient is a console user without a browser: a cookie jar and no redirect following, so
// that every answer can be looked at.
type browserClient struct {
	f      *consoleFixture
	client *http.Client
	header http.Header // sent with every request
}

func (f *consoleFixture) newClient() *browserClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return &browserClient{f: f, header: http.Header{}, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *browserClient) send(method, path string, form url.Values) response {
	c.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.f.srv.URL+path, body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	res, err := c.client.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (c *browserClient) get(path string) response { return c.send("GET", path, nil) }

func (c *browserClient) post(path string, form url.Values) response {
	return c.send("POST", path, form)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads the form token from a page.
func csrf(t *testing.T, r response) string {
	t.Helper()
	m := csrfInput.FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no CSRF token on the page (status %d):\n%s", r.Status, r.Body)
	}
	return string(m[1])
}

// login logs in through the login form and returns the answer to the form.
func (c *browserClient) login(login, password string) response {
	c.f.t.Helper()
	page := c.get("/login")
	return c.post("/login", url.Values{"_csrf": {csrf(c.f.t, page)}, "login": {login}, "password": {password}})
}

// mustLogin logs in and fails unless the console took the user in.
func (c *browserClient) mustLogin(login string) {
	c.f.t.Helper()
	if r := c.login(login, demoPassword); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/" {
		c.f.t.Fatalf("login %s: %d %v\n%s", login, r.Status, r.Header, r.Body)
	}
}

// act posts an action form from the case page with the page's own token.
func (c *browserClient) act(id, action string, form url.Values) response {
	c.f.t.Helper()
	page := c.get("/console/cases/" + id)
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", csrf(c.f.t, page))
	return c.post("/console/cases/"+id+"/"+action, form)
}

// cookie returns the named cookie the last answer set, or nil.
func setCookie(r response, name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// formFile is a file in a multipart form: the input's name, the file's name and its bytes.
type formFile struct {
	Field, Name string
	Data        []byte
}

// sendMultipart posts a multipart form as a browser sends one with file inputs.
func (c *browserClient) sendMultipart(path string, fields url.Values, files ...formFile) response {
	c.f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f.Field, f.Name)
		if err != nil {
			c.f.t.Fatal(err)
		}
		fw.Write(f.Data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", c.f.srv.URL+path, &body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.client.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}
