package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// The case page (案件详情): the facts, a map of the grid, photos, the whole timeline, the routing
// suggestion, and a form for each action the user may take now — exactly the actions the API lists
// for the same user (caseView), each with the inputs it needs.

type caseBody struct {
	Case        *casework.Case
	Matter      string
	Urgency     catalog.Urgency
	Place       []fact
	Originator  string
	Assignee    string
	Assisting   []string
	StageDue    string
	StageName   string
	WholeDue    string
	Map         *mapView
	Photos      []photo
	Route       *routeView
	Admission   string // the admission list's refusal of the case's community, if it refuses
	Timeline    []timelineRow
	Actions     []actionForm
	Reporter    *casework.Reporter
	PendingExt  string
	Supervision string
}

type fact struct{ Label, Value string }

type photo struct {
	Label string
	URL   string
}

type routeView struct {
	Lead      string
	Mode      string
	Assisting []string
	Reason    string
}

type timelineRow struct {
	Seq    int
	At     string
	Actor  string
	Role   org.Role
	Unit   string
	Action casework.Action
	From   casework.State
	To     casework.State
	Reason string
	Detail string
}

// actionForm is one action the user may take, with the inputs it needs.
type actionForm struct {
	Action   casework.Action
	URL      string
	Reason   string // "", "optional" or "required"
	Codes    []option
	Units    []option // dispatch or ruling: the unit that must act
	Assist   []option
	Result   bool
	Extend   bool
	ExtUnits []option
	Ratings  []option
	Levels   []option
	Target   string // merge: the master case, prefilled with the flagged duplicate
	Whistle  bool
	Danger   bool
	Values   url.Values // what was posted, when the action was refused
}

type option struct {
	Value    string
	Label    string
	Selected bool
	Disabled bool
}

// Value is what the user posted for a field of this form (after a refusal), for re-filling it.
func (f actionForm) Value(name string) string { return f.Values.Get(name) }

func (c *console) handleCasePage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	id, err := pathID(r, "id")
	if err != nil {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	if done := casework.Action(r.URL.Query().Get("done")); knownAction(done) {
		p.Notice = p.Tf2("case.done", p.Action(done))
	}
	c.showCase(w, r, p, id, http.StatusOK, "", nil)
}

// showCase renders the case page; a refused action comes with its status, the action and what was
// posted.
func (c *console) showCase(w http.ResponseWriter, r *http.Request, p *consolePage, id int64, status int, failed casework.Action, posted url.Values) {
	pr := principalOf(r)
	cs, events, err := c.s.app.Case(r.Context(), pr, id)
	if err != nil {
		if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
			return
		}
		c.renderError(w, r, p, HTTPStatus(err), errorKey(err), c.platformMessage(r, err))
		return
	}
	body, err := c.caseBody(r.Context(), p, pr, cs, events)
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	for i := range body.Actions {
		if body.Actions[i].Action == failed {
			body.Actions[i].Values = posted
		}
	}
	p.Title = p.Tf2("case.title", cs.ID)
	p.Body = body
	c.render(w, r, status, "case", p)
}

func (c *console) caseBody(ctx context.Context, p *consolePage, pr app.Principal, cs *casework.Case, events []casework.Event) (*caseBody, error) {
	cfg := c.s.app.Config()
	lang := p.Lang
	b := &caseBody{Case: cs, Matter: matterName(cfg, lang, cs.MatterCode), Urgency: cs.Urgency,
		Originator: unitName(cfg, lang, cs.Originator), Assignee: unitName(cfg, lang, cs.Assignee),
		Assisting: unitNames(cfg, lang, cs.Assisting), Reporter: cs.Reporter}
	for _, lv := range []struct{ key, id string }{{"case.district", cs.District}, {"case.street", cs.Street}, {"case.community", cs.Community}, {"case.grid", cs.Grid}} {
		if lv.id != "" {
			b.Place = append(b.Place, fact{Label: p.T2(lv.key), Value: unitName(cfg, lang, lv.id)})
		}
	}
	if k := cs.StageClock; k != nil {
		b.StageName = p.label("stage", string(k.Stage))
		if k.Paused {
			b.StageDue = p.T2("case.paused")
		} else {
			b.StageDue = p.Time(k.DueAt)
		}
	}
	if k := cs.WholeClock; k != nil {
		if k.Paused {
			b.WholeDue = p.T2("case.paused")
		} else {
			b.WholeDue = p.Time(k.DueAt)
		}
	}
	if cs.PendingExtension != nil {
		b.PendingExt = limitText(lang, *cs.PendingExtension)
	}
	if cs.Supervision != "" {
		b.Supervision = p.label("level", string(cs.Supervision))
	}
	shapes, err := c.shapes.get(ctx, c.s.app)
	if err != nil {
		return nil, err
	}
	b.Map = caseMap(cfg.Tree, shapes, cs.Grid, cs.Community, cs.Location, unitName(cfg, lang, firstNonEmpty(cs.Grid, cs.Community)), c.s.Tiles)
	b.Photos = photos(p, cs)
	if rt := cs.SuggestedRoute; rt != nil {
		b.Route = &routeView{Lead: unitName(cfg, lang, rt.Lead), Mode: p.label("mode", string(rt.Mode)), Assisting: unitNames(cfg, lang, rt.Assisting), Reason: rt.Reason}
	}
	if cs.Community != "" {
		if err := catalog.CheckAssignment(cs.Community, cs.MatterCode, cfg.Admissions, cfg.Tree); err != nil {
			b.Admission = civicgrid.ErrorMessage(err)
		}
	}
	for _, e := range events {
		b.Timeline = append(b.Timeline, timelineRow{Seq: e.Seq, At: p.Time(e.At), Actor: actorName(p, e.Actor), Role: e.Actor.Role,
			Unit: unitName(cfg, lang, firstNonEmpty(e.Actor.Unit, lastID(e.Actor.UnitPath))), Action: e.Action, From: e.From, To: e.To,
			Reason: e.Reason, Detail: eventDetail(p, cfg, e)})
	}
	b.Actions = c.actionForms(p, cfg, cs, c.s.view(pr, cs).Actions)
	return b, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func lastID(path string) string {
	ids := org.IDsOnPath(path)
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

func actorName(p *consolePage, a org.Actor) string {
	if a.Role == org.RoleSystem {
		return p.T2("case.system")
	}
	return a.Name
}

// photos links the case's pictures: stored ones through /media/, others (URLs a client system sent)
// as they are — html/template refuses any scheme but http, https and mailto.
func photos(p *consolePage, cs *casework.Case) []photo {
	var out []photo
	add := func(key string, refs []string) {
		for i, ref := range refs {
			u := ref
			if app.ValidMediaID(ref) {
				u = "/media/" + ref
			}
			out = append(out, photo{Label: p.Tf2(key, i+1), URL: u})
		}
	}
	add("case.photo_report", cs.Media)
	add("case.photo_before", cs.PhotosBefore)
	add("case.photo_after", cs.PhotosAfter)
	return out
}

// eventPayload is what the timeline shows of an event's payload.
type eventPayload struct {
	ReasonCode string                    `json:"reason_code"`
	Route      *casework.Route           `json:"route"`
	Result     string                    `json:"result"`
	Extension  *calendar.Limit           `json:"extension"`
	Rating     casework.Rating           `json:"rating"`
	Level      casework.SupervisionLevel `json:"level"`
	Master     int64                     `json:"master"`
	Unit       string                    `json:"unit"`
	Whistle    *casework.Whistle         `json:"whistle"`
	Clock      string                    `json:"clock"`
}

// eventDetail summarises an event's payload in a line: the unit dispatched to, the coded reason,
// the result, the time asked for, the rating …
func eventDetail(p *consolePage, cfg *app.Config, e casework.Event) string {
	if len(e.Payload) == 0 {
		return ""
	}
	var pl eventPayload
	if err := json.Unmarshal(e.Payload, &pl); err != nil {
		return ""
	}
	lang := p.Lang
	var parts []string
	switch e.Action {
	case casework.ActDispatch, casework.ActRule:
		if pl.Route != nil {
			s := p.Tf2("detail.route", unitName(cfg, lang, pl.Route.Lead))
			if len(pl.Route.Assisting) > 0 {
				s += "; " + p.Tf2("detail.assisting", strings.Join(unitNames(cfg, lang, pl.Route.Assisting), ", "))
			}
			parts = append(parts, s)
		}
	case casework.ActReject, casework.ActDeny:
		parts = append(parts, p.label("reject", pl.ReasonCode))
	case casework.ActReturn:
		parts = append(parts, p.label("return", pl.ReasonCode))
	case casework.ActHandle:
		parts = append(parts, pl.Result)
	case casework.ActRequestExtension, casework.ActApproveExtension:
		if pl.Extension != nil {
			parts = append(parts, limitText(lang, *pl.Extension))
		}
	case casework.ActRate:
		parts = append(parts, p.label("rating", string(pl.Rating)))
	case casework.ActSupervise:
		parts = append(parts, p.label("level", string(pl.Level)))
	case casework.ActMerge:
		parts = append(parts, p.Tf2("detail.merged", pl.Master))
	case casework.ActWhistleAck, casework.ActWhistleLate:
		parts = append(parts, unitName(cfg, lang, pl.Unit))
	case casework.ActWhistle:
		if pl.Whistle != nil {
			var others []string
			for _, u := range pl.Whistle.Units {
				if u.Unit != pl.Whistle.Lead {
					others = append(others, unitName(cfg, lang, u.Unit))
				}
			}
			parts = append(parts, p.Tf2("detail.whistle", unitName(cfg, lang, pl.Whistle.Lead), strings.Join(others, ", ")))
		}
	case casework.ActWarn, casework.ActOverdue:
		parts = append(parts, p.label("stage", pl.Clock))
	}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " ")
}

// reasonNeed says which actions need a reason (Decide refuses them without one) and which take one.
var reasonNeed = map[casework.Action]string{
	casework.ActDeny: "required", casework.ActReject: "required", casework.ActVoid: "required", casework.ActReturn: "required",
	casework.ActRequestExtension: "required", casework.ActRequestSuspend: "required", casework.ActCheckFail: "required",
	casework.ActComment: "required", casework.ActHandle: "",
}

// dangerous actions end or undo work; their buttons look it.
var dangerous = []casework.Action{casework.ActReject, casework.ActDeny, casework.ActVoid, casework.ActReturn, casework.ActCheckFail,
	casework.ActDenyExtension, casework.ActDenySuspend, casework.ActMerge}

// actionForms builds the form of each action, in the order the transition table lists them.
func (c *console) actionForms(p *consolePage, cfg *app.Config, cs *casework.Case, actions []casework.Action) []actionForm {
	var units []*org.Unit // computed once, for the actions that choose units
	candidates := func() []*org.Unit {
		if units == nil {
			units = dispatchCandidates(cfg, cs)
		}
		return units
	}
	var out []actionForm
	for _, a := range actions {
		f := actionForm{Action: a, URL: "/console/cases/" + strconv.FormatInt(cs.ID, 10) + "/" + string(a), Reason: "optional",
			Danger: slices.Contains(dangerous, a)}
		if need, ok := reasonNeed[a]; ok {
			f.Reason = need
		}
		switch a {
		case casework.ActReject:
			f.Codes = codeOptions(p, "reject", casework.RejectCodes)
		case casework.ActReturn:
			f.Codes = codeOptions(p, "return", casework.ReturnCodes)
		case casework.ActDispatch, casework.ActRule:
			lead := cs.Assignee
			var assisting []string
			if rt := cs.SuggestedRoute; rt != nil {
				lead, assisting = rt.Lead, rt.Assisting
			}
			f.Units = unitOptions(cfg, p.Lang, cs, candidates(), []string{lead})
			f.Assist = unitOptions(cfg, p.Lang, cs, candidates(), assisting)
		case casework.ActHandle:
			f.Result = true
		case casework.ActRequestExtension:
			f.Extend = true
			f.ExtUnits = limitUnitOptions(p, calendar.WorkingDays)
		case casework.ActRate:
			f.Ratings = codeOptions(p, "rating", []string{string(casework.Satisfied), string(casework.BasicSatisfied), string(casework.Dissatisfied)})
		case casework.ActSupervise:
			f.Levels = codeOptions(p, "level", []string{string(casework.SuperviseNormal), string(casework.SuperviseYellow), string(casework.SuperviseRed)})
		case casework.ActMerge:
			if cs.DuplicateOf != 0 {
				f.Target = strconv.FormatInt(cs.DuplicateOf, 10)
			}
		case casework.ActWhistle:
			f.Whistle = true
			f.Units = unitOptions(cfg, p.Lang, cs, candidates(), []string{cs.Assignee})
			f.Assist = unitOptions(cfg, p.Lang, cs, candidates(), nil)
			f.ExtUnits = limitUnitOptions(p, calendar.WorkingHours)
		}
		out = append(out, f)
	}
	return out
}

func codeOptions(p *consolePage, kind string, codes []string) []option {
	out := make([]option, 0, len(codes))
	for _, code := range codes {
		out = append(out, option{Value: code, Label: p.label(kind, code)})
	}
	return out
}

func limitUnitOptions(p *consolePage, selected calendar.Unit) []option {
	var out []option
	for _, u := range []calendar.Unit{calendar.WorkingHours, calendar.WorkingDays, calendar.NaturalHours, calendar.NaturalDays} {
		out = append(out, option{Value: string(u), Label: p.label("unit", string(u)), Selected: u == selected})
	}
	return out
}

// dispatchCandidates are the units a case here can be given to: the district, street and
// community of its place, and every department serving one of them (district bureaus, street
// squads). The current assignee and the suggested units are always among them.
func dispatchCandidates(cfg *app.Config, cs *casework.Case) []*org.Unit {
	tree := cfg.Tree
	var out []*org.Unit
	seen := map[string]bool{}
	add := func(u *org.Unit) {
		if u != nil && !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	byID := func(id string) *org.Unit {
		u, _ := tree.Unit(id)
		return u
	}
	if rt := cs.SuggestedRoute; rt != nil {
		add(byID(rt.Lead))
		for _, id := range rt.Assisting {
			add(byID(id))
		}
	}
	add(byID(cs.Assignee))
	places := []string{cs.Street, cs.Community, cs.District}
	for _, id := range places {
		add(byID(id))
	}
	served := map[string]bool{}
	for _, id := range places {
		if id != "" {
			served[id] = true
		}
	}
	for _, u := range tree.All() {
		if u.Kind == org.Department && served[u.Territory] {
			add(u)
		}
	}
	return out
}

// unitOptions lists candidate units; a community whose admission list refuses the case's matter is
// shown but cannot be chosen.
func unitOptions(cfg *app.Config, lang string, cs *casework.Case, units []*org.Unit, selected []string) []option {
	out := make([]option, 0, len(units))
	for _, u := range units {
		o := option{Value: u.ID, Label: unitName(cfg, lang, u.ID), Selected: slices.Contains(selected, u.ID)}
		if err := catalog.CheckAssignment(u.ID, cs.MatterCode, cfg.Admissions, cfg.Tree); err != nil {
			o.Disabled, o.Selected = true, false
			o.Label += " — " + t(lang, "case.not_admitted")
		}
		out = append(out, o)
	}
	return out
}

// handleCaseAction carries out one action from a case page form and goes back to the page: with a
// notice when it was done, with the refusal (and the form as it was filled) when not.
func (c *console) handleCaseAction(w http.ResponseWriter, r *http.Request, p *consolePage) {
	id, err := pathID(r, "id")
	action := casework.Action(r.PathValue("action"))
	if err != nil || action == casework.ActReport || slices.Contains(casework.SystemActions, action) || !knownAction(action) {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	in, err := formInput(r)
	if err == nil {
		_, err = c.s.app.Act(r.Context(), principalOf(r), id, action, in)
	}
	if err != nil {
		if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
			return
		}
		p.Error = &pageError{Heading: p.T2(errorKey(err)), Message: c.platformMessage(r, err)}
		c.showCase(w, r, p, id, HTTPStatus(err), action, r.PostForm)
		return
	}
	http.Redirect(w, r, "/console/cases/"+strconv.FormatInt(id, 10)+"?done="+url.QueryEscape(string(action)), http.StatusSeeOther)
}

// formInput reads an action's inputs from its form. Fields an action does not use are ignored by
// Decide, as in the API.
func formInput(r *http.Request) (casework.Input, error) {
	if err := r.ParseForm(); err != nil {
		return casework.Input{}, civicgrid.Errorf(civicgrid.EINVALID, "the form could not be read: %v", err)
	}
	f := r.PostForm
	in := casework.Input{Reason: f.Get("reason"), ReasonCode: f.Get("reason_code"), Unit: f.Get("unit"), Result: f.Get("result"),
		Level: casework.SupervisionLevel(f.Get("level")), Rating: casework.Rating(f.Get("rating")), Lead: f.Get("lead")}
	in.Assisting = nonBlank(f["assisting"])
	in.Units = nonBlank(f["units"])
	limit := func(amount, unit, field string) (*calendar.Limit, error) {
		if f.Get(amount) == "" {
			return nil, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(f.Get(amount)))
		if err != nil {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s must be a whole number", field).WithDetail("field", field)
		}
		return &calendar.Limit{Amount: n, Unit: calendar.Unit(f.Get(unit))}, nil
	}
	var err error
	if in.Extension, err = limit("ext_amount", "ext_unit", "extension"); err != nil {
		return in, err
	}
	if in.AckLimit, err = limit("ack_amount", "ack_unit", "ack_limit"); err != nil {
		return in, err
	}
	if v := strings.TrimSpace(f.Get("target")); v != "" {
		if in.Target, err = strconv.ParseInt(v, 10, 64); err != nil {
			return in, civicgrid.Errorf(civicgrid.EINVALID, "the case to merge into must be a case number").WithDetail("field", "target")
		}
	}
	if v := f.Get("expect_seq"); v != "" {
		if in.ExpectSeq, err = strconv.Atoi(v); err != nil {
			return in, civicgrid.Errorf(civicgrid.EINVALID, "expect_seq must be a number").WithDetail("field", "expect_seq")
		}
	}
	return in, nil
}

func nonBlank(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
