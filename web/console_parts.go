package web

import (
	"fmt"
	"net/http"
	"sort"

	"civicgrid/org"
)

// The console is assembled from parts: each group of pages (the dispatch workbench, the grid
// worker's phone pages, the department's pages, the leader's dashboard, administration) lives in
// its own files and adds, from an init function, its catalogue entries, its page templates, its
// routes and its links in the top navigation. The core files know nothing of the parts.

// consolePart is one group of console pages.
type consolePart struct {
	// Name identifies the part in error messages.
	Name string
	// Pages are the part's page templates (templates/NAME.html), each parsed with layout.html.
	Pages []string
	// Messages are the part's catalogue entries; a key already present is a programming error.
	Messages map[string]msg
	// Routes registers the part's handlers on the server's mux.
	Routes func(c *console, m *http.ServeMux)
	// Nav are the part's links in the top navigation.
	Nav []navLink
	// Home is where /console/ leads a user without a dispatch-centre role who is shown one of
	// the part's links (a grid worker lands on their tasks, a department handler on the unit's).
	Home string
}

// navLink is a link in the top navigation, shown to the users Show accepts (everyone with a
// session when nil), ordered by Order.
type navLink struct {
	Key   string // catalogue key of the link text
	Href  string
	Order int
	Show  func(u *org.User) bool
}

var consoleParts []consolePart

// addConsolePart registers a part; it is called from init functions only.
func addConsolePart(p consolePart) {
	for k, m := range p.Messages {
		if _, dup := messages[k]; dup {
			panic(fmt.Sprintf("console part %s: message %q is defined twice", p.Name, k))
		}
		messages[k] = m
	}
	consolePages = append(consolePages, p.Pages...)
	consoleParts = append(consoleParts, p)
	sort.SliceStable(navLinks, func(i, j int) bool { return navLinks[i].Order < navLinks[j].Order })
	navLinks = append(navLinks, p.Nav...)
	sort.SliceStable(navLinks, func(i, j int) bool { return navLinks[i].Order < navLinks[j].Order })
}

// navLinks are every part's navigation links, in order. The workbench and the password page are
// the core's own.
var navLinks = []navLink{
	{Key: "nav.workbench", Href: "/console/", Order: 10, Show: workbenchUser},
	{Key: "nav.password", Href: "/console/password", Order: 1000},
}

// Nav are the navigation links the page's user may follow.
func (p *consolePage) Nav() []navLink {
	if p.User == nil {
		return nil
	}
	out := make([]navLink, 0, len(navLinks))
	for _, l := range navLinks {
		if l.Show == nil || l.Show(p.User) {
			out = append(out, l)
		}
	}
	return out
}

// hasRole reports whether u holds any of the roles anywhere; for navigation links, which only
// decide what is offered — every handler checks its own permission.
func hasRole(u *org.User, roles ...org.Role) bool {
	for _, g := range u.Grants {
		for _, r := range roles {
			if g.Role == r {
				return true
			}
		}
	}
	return false
}

// partRoutes registers every part's routes.
func (c *console) partRoutes(m *http.ServeMux) {
	for _, p := range consoleParts {
		if p.Routes != nil {
			p.Routes(c, m)
		}
	}
}

// workbenchRoles are the roles the dispatch workbench is made for.
var workbenchRoles = []org.Role{org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleLeader, org.RoleAdmin, org.RoleAuditor}

func workbenchUser(u *org.User) bool { return hasRole(u, workbenchRoles...) }

// home is the page /console/ leads u to instead of the workbench, if any: the home of the first
// part (in navigation order) offering u a link, for users without a dispatch-centre role.
func home(u *org.User) (string, bool) {
	if workbenchUser(u) {
		return "", false
	}
	best, order := "", 0
	for _, p := range consoleParts {
		for _, l := range p.Nav {
			if p.Home != "" && (l.Show == nil || l.Show(u)) && (best == "" || l.Order < order) {
				best, order = p.Home, l.Order
			}
		}
	}
	return best, best != ""
}
