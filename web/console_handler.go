package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
)

// The department handler's pages (部门处置): the cases assigned to the user's units — to sign, in
// handling, sent back for rework — with their deadline lights and counts, and a page per case with
// the handler's actions: sign, return with a reason, ask for more time or a suspension, and
// complete with the result and photos before and after. Every action goes through app.Act.

func init() {
	addConsolePart(consolePart{
		Name:     "department handler",
		Pages:    []string{"unit_tasks", "unit_case"},
		Messages: handlerMessages,
		Routes: func(c *console, m *http.ServeMux) {
			m.HandleFunc("GET /console/unit/{$}", c.page(c.handleUnitTasks))
			m.HandleFunc("GET /console/unit/cases/{id}", c.page(c.handleUnitCase))
			m.HandleFunc("POST /console/unit/cases/{id}/{action}", c.uploadPage(2, c.handleUnitAction))
		},
		Home: "/console/unit/",
		Nav: []navLink{
			{Key: "nav.unit_tasks", Href: "/console/unit/", Order: 30, Show: func(u *org.User) bool { return hasRole(u, org.RoleHandler) }},
		},
	})
}

// unitTabs are the handler's lists, in the order of the tabs.
var unitTabs = []struct {
	Key, Label, Hint string // Label and Hint are catalogue keys
	States           []casework.State
}{
	{"sign", "unit.tab_sign", "unit.tab_sign_hint", []casework.State{casework.Dispatched}},
	{"handling", "unit.tab_handling", "unit.tab_handling_hint", []casework.State{casework.Handling, casework.Suspended}},
	{"rework", "unit.tab_rework", "unit.tab_rework_hint", []casework.State{casework.Rework}},
}

// unitTab is one tab of the handler's list, in the page's language.
type unitTab struct {
	Key, Label, Hint, URL string
	Count                 int
	Active                bool
}

// unitActions are the actions the handler's case page offers, in this order.
var unitActions = []casework.Action{casework.ActSign, casework.ActHandle, casework.ActRequestExtension, casework.ActRequestSuspend,
	casework.ActReturn, casework.ActWhistleAck}

const unitPageSize = 25

type unitTasksBody struct {
	Tab   string
	Tabs  []unitTab
	Units []string
	Rows  []caseRow
	Next  string
	Paged bool
}

// handlerUnits are the user's handler grants.
func handlerUnits(u *org.User) []org.Grant {
	var out []org.Grant
	for _, g := range u.Grants {
		if g.Role == org.RoleHandler {
			out = append(out, g)
		}
	}
	return out
}

func (c *console) handleUnitTasks(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleHandler) {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	tab := unitTabs[0]
	for _, t := range unitTabs {
		if t.Key == q.Get("tab") {
			tab = t
		}
	}
	before, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		c.renderError(w, r, p, http.StatusBadRequest, "error.invalid", "cursor is not one this page made")
		return
	}
	pr := principalOf(r)
	grants := handlerUnits(p.User)
	cfg := c.s.app.Config()
	body := unitTasksBody{Tab: tab.Key, Paged: before > 0}
	var states []casework.State
	for _, t := range unitTabs {
		states = append(states, t.States...)
	}
	for _, g := range grants {
		body.Units = append(body.Units, unitName(cfg, p.Lang, g.Unit))
	}
	assignees := handlerAssignees(grants)
	counts := map[casework.State]int{}
	if len(assignees) > 0 { // no assignees would be no filter
		counts, err = c.s.app.DB.CountCases(ctx, store.CaseFilter{Scopes: pr.Scopes(), Assignees: assignees, States: states})
	}
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	for _, t := range unitTabs {
		n := 0
		for _, s := range t.States {
			n += counts[s]
		}
		body.Tabs = append(body.Tabs, unitTab{Key: t.Key, Label: p.T2(t.Label), Hint: p.T2(t.Hint), URL: "/console/unit/?tab=" + t.Key,
			Count: n, Active: t.Key == tab.Key})
	}
	cases, more, err := c.unitPage(ctx, pr, assignees, tab.States, before)
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	for _, cs := range cases {
		row := c.row(p, cs)
		row.URL = "/console/unit/cases/" + strconv.FormatInt(cs.ID, 10)
		body.Rows = append(body.Rows, row)
	}
	if more {
		body.Next = "/console/unit/?" + url.Values{"tab": {tab.Key}, "cursor": {encodeCursor(cases[len(cases)-1].ID)}}.Encode()
	}
	p.Title = p.T2("unit.title")
	p.Body = body
	c.render(w, r, http.StatusOK, "unit_tasks", p)
}

// handlerAssignees are the units whose cases the grants' holders sign and handle: each grant's
// unit and the units its staff count as staff of (a squad's street, a grid's community), by the
// rule that decides who may sign (org.MemberOf).
func handlerAssignees(grants []org.Grant) []string {
	var out []string
	for _, g := range grants {
		for _, id := range org.MemberChain(g.UnitPath) {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// unitPage returns a page of the cases assigned to the units, newest first, and whether more
// follow.
func (c *console) unitPage(ctx context.Context, pr app.Principal, assignees []string, states []casework.State, before int64) ([]*casework.Case, bool, error) {
	if len(assignees) == 0 {
		return nil, false, nil
	}
	cases, err := c.s.app.Cases(ctx, pr, store.CaseFilter{Assignees: assignees, States: states, Before: before, Limit: unitPageSize + 1})
	if err != nil {
		return nil, false, err
	}
	if len(cases) > unitPageSize {
		return cases[:unitPageSize], true, nil
	}
	return cases, false, nil
}

// unitCaseBody is the handler's page of one case.
type unitCaseBody struct {
	Case     *casework.Case
	Matter   string
	Place    string
	Assignee string
	StageDue string
	WholeDue string
	Photos   []photo
	Forms    []actionForm
	Pending  string
	MaxPhoto int
}

func (c *console) handleUnitCase(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleHandler) {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	if done := casework.Action(r.URL.Query().Get("done")); slices.Contains(unitActions, done) {
		p.Notice = p.Tf2("case.done", p.Action(done))
	}
	c.showUnitCase(w, r, p, id, http.StatusOK, "", nil)
}

func (c *console) showUnitCase(w http.ResponseWriter, r *http.Request, p *consolePage, id int64, status int, failed casework.Action, posted url.Values) {
	pr := principalOf(r)
	cs, _, err := c.s.app.Case(r.Context(), pr, id)
	if err != nil {
		if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
			return
		}
		c.renderError(w, r, p, HTTPStatus(err), errorKey(err), c.platformMessage(r, err))
		return
	}
	cfg := c.s.app.Config()
	var offered []casework.Action
	for _, a := range unitActions {
		if slices.Contains(app.Actions(pr, cs), a) {
			offered = append(offered, a)
		}
	}
	b := &unitCaseBody{Case: cs, Matter: matterName(cfg, p.Lang, cs.MatterCode), Place: placeOf(cfg, p.Lang, cs),
		Assignee: unitName(cfg, p.Lang, cs.Assignee), Photos: photos(p, cs), Forms: c.actionForms(p, cfg, cs, offered),
		MaxPhoto: app.MaxMediaBytes >> 20}
	if k := cs.StageClock; k != nil {
		if k.Paused {
			b.StageDue = p.T2("case.paused")
		} else {
			b.StageDue = p.label("stage", string(k.Stage)) + ": " + p.Time(k.DueAt)
		}
	}
	if k := cs.WholeClock; k != nil && !k.Paused {
		b.WholeDue = p.Time(k.DueAt)
	}
	if cs.PendingExtension != nil {
		b.Pending = p.Tf2("workbench.pending_extension", limitText(p.Lang, *cs.PendingExtension))
	}
	if cs.PendingSuspension {
		b.Pending = p.T2("workbench.pending_suspension")
	}
	for i := range b.Forms {
		if b.Forms[i].Action == failed {
			b.Forms[i].Values = posted
		}
	}
	p.Title = p.Tf2("case.title", cs.ID)
	p.Body = b
	c.render(w, r, status, "unit_case", p)
}

// handleUnitAction carries out a handler's action; completing stores the photos before and after
// through the media path first and hands their IDs to the action.
func (c *console) handleUnitAction(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleHandler) {
		return
	}
	id, err := pathID(r, "id")
	action := casework.Action(r.PathValue("action"))
	if err != nil || !slices.Contains(unitActions, action) {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	in, err := formInput(r)
	if err == nil && action == casework.ActHandle {
		err = c.unitPhotos(r, id, &in)
	}
	if err == nil {
		_, err = c.s.app.Act(r.Context(), principalOf(r), id, action, in)
	}
	if err != nil {
		if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
			return
		}
		p.Error = &pageError{Heading: p.T2(errorKey(err)), Message: c.platformMessage(r, err)}
		c.showUnitCase(w, r, p, id, HTTPStatus(err), action, r.PostForm)
		return
	}
	http.Redirect(w, r, "/console/unit/cases/"+strconv.FormatInt(id, 10)+"?done="+url.QueryEscape(string(action)), http.StatusSeeOther)
}

// unitPhotos stores the completion photos, but only for a case the user may complete now, so that
// nobody stores files against a case they cannot act on.
func (c *console) unitPhotos(r *http.Request, id int64, in *casework.Input) error {
	pr := principalOf(r)
	cs, _, err := c.s.app.Case(r.Context(), pr, id)
	if err != nil {
		return err
	}
	if !slices.Contains(app.Actions(pr, cs), casework.ActHandle) {
		return nil // app.Act refuses it with the reason
	}
	for _, f := range []struct {
		field string
		to    *[]string
	}{{"photo_before", &in.PhotosBefore}, {"photo_after", &in.PhotosAfter}} {
		id, err := c.storePhoto(r, f.field)
		if err != nil {
			return err
		}
		if id != "" {
			*f.to = []string{id}
		}
	}
	return nil
}
