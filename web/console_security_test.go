package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"civicgrid/web"
)

// checkPageHeaders fails unless a console page carries the strict policy and is not cached.
func checkPageHeaders(t *testing.T, r response) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code", csp)
	}
	if r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v: want X-Frame-Options DENY and Cache-Control no-store", r.Header)
	}
	// The only script a page may load is one of the platform's own checksummed files, by src.
	body := ownScript.ReplaceAllString(string(r.Body), "")
	if strings.Contains(body, "<script") || strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		t.Errorf("the page has inline script or style:\n%s", body)
	}
}

var ownScript = regexp.MustCompile(`<script src="/static/[a-z0-9_-]+\.[0-9a-f]{8}\.js" defer></script>`)

var stylesheet = regexp.MustCompile(`href="(/static/app\.([0-9a-f]{8})\.css)"`)

// TestConsoleLoginSessionAndHeaders: the login form is bound to its pre-login cookie, a login opens
// the API's own session in an HttpOnly, SameSite=Strict cookie (Secure over TLS or when the server
// says so), every page carries the strict policy, and the stylesheet is served under its checksum.
func TestConsoleLoginSessionAndHeaders(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		c := f.newClient()
		r := c.get("/console/cases/1")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fconsole%2Fcases%2F1" {
			t.Fatalf("console without a session: %d %v", r.Status, r.Header)
		}
		if r := c.get("/"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/" {
			t.Fatalf("GET /: %d %v", r.Status, r.Header)
		}
		page := c.get("/login?next=%2Fconsole%2Fcases%2F1")
		checkPageHeaders(t, page)
		if ck := setCookie(page, "civicgrid_login"); ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
			t.Fatalf("pre-login cookie %+v", ck)
		}

		// The stylesheet: checksum URL, immutable, the content matching the checksum.
		m := stylesheet.FindSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no checksum stylesheet link:\n%s", page.Body)
		}
		css := c.get(string(m[1]))
		sum := sha256.Sum256(css.Body)
		if css.Status != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") ||
			css.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || hex.EncodeToString(sum[:4]) != string(m[2]) {
			t.Fatalf("stylesheet: %d %v, checksum %x", css.Status, css.Header, sum[:4])
		}
		if r := c.get("/static/app.00000000.css"); r.Status != http.StatusNotFound {
			t.Fatalf("stylesheet under a wrong checksum: %d", r.Status)
		}

		// Without the form token, and with a token made for another browser: refused, no session.
		token := csrf(t, page)
		for _, bad := range []string{"", "x" + token[1:]} {
			r := c.post("/login", url.Values{"_csrf": {bad}, "login": {"district.intake"}, "password": {demoPassword}})
			if r.Status != http.StatusForbidden || setCookie(r, "civicgrid_session") != nil || !strings.Contains(string(r.Body), "表单已失效") {
				t.Fatalf("login with token %q: %d\n%s", bad, r.Status, r.Body)
			}
		}
		other := f.newClient()
		otherToken := csrf(t, other.get("/login"))
		if r := c.post("/login", url.Values{"_csrf": {otherToken}, "login": {"district.intake"}, "password": {demoPassword}}); r.Status != http.StatusForbidden {
			t.Fatalf("login with another browser's token: %d", r.Status)
		}

		// A wrong password: the form again, with the reason, and no session.
		r = c.post("/login", url.Values{"_csrf": {token}, "login": {"district.intake"}, "password": {"wrong-password"}})
		if r.Status != http.StatusUnauthorized || setCookie(r, "civicgrid_session") != nil || !strings.Contains(string(r.Body), "账号或密码错误") {
			t.Fatalf("wrong password: %d\n%s", r.Status, r.Body)
		}
		checkPageHeaders(t, r)

		// The right one: the session cookie, and back to the page asked for.
		r = c.post("/login", url.Values{"_csrf": {token}, "login": {"district.intake"}, "password": {demoPassword}, "next": {"/console/cases/1"}})
		ck := setCookie(r, "civicgrid_session")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/cases/1" || ck == nil {
			t.Fatalf("login: %d %v", r.Status, r.Header)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/" {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", ck)
		}
		// It is the API's session: the same token works as a bearer token.
		me := f.must(http.StatusOK, f.do("GET", "/api/v1/me", ck.Value, nil))
		if me.json(t)["login"] != "district.intake" {
			t.Fatalf("API /me with the console's session: %s", me.Body)
		}
		wb := c.get("/console/")
		checkPageHeaders(t, wb)
		if wb.Status != http.StatusOK || !strings.Contains(string(wb.Body), "调度工作台") {
			t.Fatalf("workbench: %d\n%s", wb.Status, wb.Body)
		}

		// next never leads off the console.
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/api/v1/me"} {
			c2 := f.newClient()
			page := c2.get("/login")
			r := c2.post("/login", url.Values{"_csrf": {csrf(t, page)}, "login": {"district.intake"}, "password": {demoPassword}, "next": {next}})
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/" {
				t.Fatalf("next=%s: %d %v", next, r.Status, r.Header)
			}
		}

		// Secure cookies when the server is told TLS ends in front of it, or a trusted proxy says so.
		secure := f.sibling(func(s *web.Server) { s.SecureCookies = true })
		if ck := setCookie(secure.newClient().login("district.intake", demoPassword), "civicgrid_session"); ck == nil || !ck.Secure {
			t.Fatalf("SecureCookies: session cookie %+v", ck)
		}
		proxied := f.sibling(func(s *web.Server) { s.TrustProxy = true })
		pc := proxied.newClient()
		pc.header.Set("X-Forwarded-Proto", "https")
		if ck := setCookie(pc.login("district.intake", demoPassword), "civicgrid_session"); ck == nil || !ck.Secure {
			t.Fatalf("X-Forwarded-Proto https behind a trusted proxy: session cookie %+v", ck)
		}
		// Without the trust, the header is ignored.
		pc = f.newClient()
		pc.header.Set("X-Forwarded-Proto", "https")
		if ck := setCookie(pc.login("district.intake", demoPassword), "civicgrid_session"); ck == nil || ck.Secure {
			t.Fatalf("X-Forwarded-Proto from an untrusted client: session cookie %+v", ck)
		}

		// Logging out ends the session for the console and the API alike.
		r = c.post("/logout", url.Values{"_csrf": {csrf(t, wb)}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("logout: %d %v", r.Status, r.Header)
		}
		if r := c.get("/console/"); r.Status != http.StatusSeeOther {
			t.Fatalf("console after logout: %d", r.Status)
		}
		if r := f.do("GET", "/api/v1/me", ck.Value, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("API after console logout: %d", r.Status)
		}
	})
}

// TestConsoleLoginThrottle: five failures for one login name, or thirty from one address, within 15
// minutes stop further attempts — even with the right password — until the lockout ends on the
// app's clock; a success clears the name's count.
func TestConsoleLoginThrottle(t *testing.T) {
	// Behind a trusted proxy, so that each client can come from an address of its own.
	trustProxy := func(s *web.Server) { s.TrustProxy = true }
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		from := func(addr string) *browserClient {
			c := f.newClient()
			c.header.Set("X-Forwarded-For", addr)
			return c
		}
		// The name: five failures from five addresses lock district.intake everywhere.
		for i := range 5 {
			if r := from("198.51.100."+string(rune('1'+i))).login("district.intake", "wrong-password"); r.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, r.Status)
			}
		}
		r := from("198.51.100.99").login("district.intake", demoPassword)
		if r.Status != http.StatusTooManyRequests || setCookie(r, "civicgrid_session") != nil || !strings.Contains(string(r.Body), "失败次数过多") {
			t.Fatalf("locked name with the right password: %d\n%s", r.Status, r.Body)
		}
		// Other names are unaffected.
		if r := from("198.51.100.98").login("district.dispatcher", demoPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("another name during the lockout: %d", r.Status)
		}
		f.clock.Advance(15 * time.Minute)
		if r := from("198.51.100.97").login("district.intake", demoPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("after the lockout: %d\n%s", r.Status, r.Body)
		}

		// The address: thirty failures for thirty names lock the address for every name (an
		// address gets more room than a name: a whole office may share it).
		a := "203.0.113.7"
		for i := range 30 {
			if r := from(a).login(fmt.Sprintf("nobody%d", i), "wrong-password"); r.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d from one address: %d", i+1, r.Status)
			}
		}
		if r := from(a).login("district.leader", demoPassword); r.Status != http.StatusTooManyRequests {
			t.Fatalf("locked address with the right password: %d", r.Status)
		}
		if r := from("203.0.113.8").login("district.leader", demoPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("another address: %d", r.Status)
		}
		f.clock.Advance(16 * time.Minute)
		if r := from(a).login("district.leader", demoPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("address after the lockout: %d", r.Status)
		}

		// A success clears the name: 4 failures, a success, 4 failures — not locked.
		for round := range 2 {
			for i := range 4 {
				from("192.0.2."+string(rune('1'+round*4+i))).login("district.auditor", "wrong-password")
			}
			if r := from("192.0.2.100").login("district.auditor", demoPassword); r.Status != http.StatusSeeOther {
				t.Fatalf("round %d: a name with 4 failures after a success was refused: %d", round, r.Status)
			}
		}
		// Every refusal and failure is in the audit log.
		entries, err := f.app.DB.AuditLog(context.Background(), "login_throttled", 100)
		if err != nil || len(entries) < 2 {
			t.Fatalf("audit of throttled logins: %d entries, %v", len(entries), err)
		}
	}, trustProxy)
}

// TestConsoleCSRF: a form POST without the page's token — none, a wrong one, or one from another
// session — is refused with 403 and changes nothing; the page's own token works.
func TestConsoleCSRF(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		id := f.report(youyiGrid1, "E0502", "路口有人占道摆摊卖水果")
		intake, dispatcher := f.newClient(), f.newClient()
		intake.mustLogin("district.intake")
		dispatcher.mustLogin("district.dispatcher")
		page := intake.get("/console/cases/" + id)
		if page.Status != http.StatusOK {
			t.Fatalf("case page: %d", page.Status)
		}
		foreign := csrf(t, dispatcher.get("/console/"))
		mine := csrf(t, page)
		if foreign == mine {
			t.Fatal("two sessions have the same form token")
		}
		for _, tok := range []string{"", "forged", foreign, mine[:len(mine)-1]} {
			r := intake.post("/console/cases/"+id+"/file", url.Values{"_csrf": {tok}, "reason": {"x"}})
			if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "表单已失效或来源不明") {
				t.Fatalf("file with token %q: %d\n%s", tok, r.Status, r.Body)
			}
			checkPageHeaders(t, r)
		}
		// Nothing changed.
		api := f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, f.login("district.intake"), nil)).json(t)
		if api["state"] != "reported" || api["seq"].(float64) != 1 {
			t.Fatalf("after refused forms the case is %v at seq %v", api["state"], api["seq"])
		}
		// Logout and the password form are protected the same way.
		if r := intake.post("/logout", url.Values{}); r.Status != http.StatusForbidden {
			t.Fatalf("logout without token: %d", r.Status)
		}
		if r := intake.post("/console/password", url.Values{"current": {demoPassword}, "new": {"new-password-9"}, "confirm": {"new-password-9"}}); r.Status != http.StatusForbidden {
			t.Fatalf("password change without token: %d", r.Status)
		}
		if r := intake.get("/console/"); r.Status != http.StatusOK {
			t.Fatalf("the session did not survive the refused logout: %d", r.Status)
		}
		denied, err := f.app.DB.AuditLog(context.Background(), "denied", 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range denied {
			if strings.Contains(e.Detail, "CSRF") {
				n++
			}
		}
		if n < 6 {
			t.Fatalf("%d CSRF refusals in the audit log, want at least 6", n)
		}
		// With the page's own token the same form works.
		r := intake.post("/console/cases/"+id+"/file", url.Values{"_csrf": {mine}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/cases/"+id+"?done=file" {
			t.Fatalf("file with the page's token: %d %v\n%s", r.Status, r.Header, r.Body)
		}
	})
}

// TestConsoleScope: a case outside the user's jurisdiction is the console's 404 page, for reading
// and acting alike, and the attempt is in the audit log.
func TestConsoleScope(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		id := f.report(youyiGrid1, "E0502", "路口有人占道摆摊卖水果")
		w := f.newClient()
		w.mustLogin("youyi.c2.worker1")
		for _, path := range []string{"/console/cases/" + id, "/console/cases/999999", "/console/cases/x", "/console/nowhere"} {
			r := w.get(path)
			checkPageHeaders(t, r)
			if r.Status != http.StatusNotFound || !strings.Contains(string(r.Body), `data-status="404"`) || !strings.Contains(string(r.Body), "找不到该页面或案件") {
				t.Fatalf("%s: %d\n%s", path, r.Status, r.Body)
			}
		}
		tok := csrf(t, w.get("/console/password"))
		if r := w.post("/console/cases/"+id+"/comment", url.Values{"_csrf": {tok}, "reason": {"看看"}}); r.Status != http.StatusNotFound {
			t.Fatalf("acting outside the scope: %d", r.Status)
		}
		if r := w.post("/console/cases/"+id+"/warn", url.Values{"_csrf": {tok}}); r.Status != http.StatusNotFound {
			t.Fatalf("a system action from a form: %d", r.Status)
		}
		denied, err := f.app.DB.AuditLog(context.Background(), "denied", 100)
		if err != nil {
			t.Fatal(err)
		}
		reads, acts := 0, 0
		for _, e := range denied {
			if e.Object == "case/"+id && e.Actor == "youyi.c2.worker1" {
				if strings.Contains(e.Detail, "read") {
					reads++
				} else {
					acts++
				}
			}
		}
		if reads == 0 || acts == 0 {
			t.Fatalf("audit: %d reads and %d actions outside scope recorded: %+v", reads, acts, denied)
		}
		api := f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, f.login("district.intake"), nil)).json(t)
		if api["seq"].(float64) != 1 {
			t.Fatalf("the case changed: seq %v", api["seq"])
		}
	})
}
