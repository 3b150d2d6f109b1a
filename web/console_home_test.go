package web_test

import (
	"bytes"
	"net/http"
	"testing"
)

// TestConsoleHome: /console/ is the dispatch workbench for the dispatch centre's roles; a grid
// worker lands on their tasks and a department handler on the unit's list, and the navigation
// offers each only their own pages.
func TestConsoleHome(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		for _, tc := range []struct{ login, to, nav, notNav string }{
			{youyiC1Worker, "/console/worker/tasks", `href="/console/worker/report"`, `href="/console/unit/"`},
			{youyiSquadHandler, "/console/unit/", `href="/console/unit/"`, `href="/console/worker/report"`},
		} {
			c := f.newClient()
			c.mustLogin(tc.login)
			r := c.get("/console/")
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != tc.to {
				t.Fatalf("%s: /console/ answered %d %q, want a redirect to %s", tc.login, r.Status, r.Header.Get("Location"), tc.to)
			}
			page := c.get(tc.to)
			if page.Status != http.StatusOK || !bytes.Contains(page.Body, []byte(tc.nav)) || bytes.Contains(page.Body, []byte(tc.notNav)) ||
				bytes.Contains(page.Body, []byte(`<a href="/console/">`)) {
				t.Fatalf("%s: %d, navigation should offer %s and neither %s nor the workbench:\n%s", tc.login, page.Status, tc.nav, tc.notNav, page.Body)
			}
			// A queue asked for by name is still the workbench, scoped as ever.
			if q := c.get("/console/?q=filed"); q.Status != http.StatusOK || !bytes.Contains(q.Body, []byte(`data-page="workbench"`)) {
				t.Fatalf("%s: the workbench by query: %d", tc.login, q.Status)
			}
		}
		d := f.newClient()
		d.mustLogin("district.dispatcher")
		if r := d.get("/console/"); r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`data-page="workbench"`)) || !bytes.Contains(r.Body, []byte(`<a href="/console/">`)) {
			t.Fatalf("dispatcher: %d", r.Status)
		}
	})
}
