package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
	"civicgrid/store"
)

// The grid worker's pages, made for a phone: report on patrol (a photo, the position from the
// phone's GPS or a chosen grid, the matter type found by Chinese or pinyin initials), my tasks
// (the cases waiting for this worker's confirmation 核实 or check 核查) and my patrol history. Every
// page works without script; worker.js only fills the position from the phone's GPS.

func init() {
	addConsolePart(consolePart{
		Name:     "grid worker",
		Pages:    []string{"worker_report", "worker_tasks", "worker_history"},
		Messages: workerMessages,
		Routes: func(c *console, m *http.ServeMux) {
			m.HandleFunc("GET /console/worker/report", c.page(c.handleWorkerReportPage))
			m.HandleFunc("POST /console/worker/report", c.uploadPage(1, c.handleWorkerReport))
			m.HandleFunc("GET /console/worker/tasks", c.page(c.handleWorkerTasks))
			m.HandleFunc("POST /console/worker/tasks/{id}/{action}", c.page(c.handleWorkerTaskAction))
			m.HandleFunc("GET /console/worker/history", c.page(c.handleWorkerHistory))
		},
		Home: "/console/worker/tasks",
		Nav: []navLink{
			{Key: "nav.worker_report", Href: "/console/worker/report", Order: 20, Show: isGridWorker},
			{Key: "nav.worker_tasks", Href: "/console/worker/tasks", Order: 21, Show: isGridWorker},
			{Key: "nav.worker_history", Href: "/console/worker/history", Order: 22, Show: isGridWorker},
		},
	})
}

func isGridWorker(u *org.User) bool { return hasRole(u, org.RoleGridWorker) }

// workerPageSize is the length of a history page; workerTaskLimit caps the tasks listed.
const (
	workerPageSize  = 20
	workerTaskLimit = 100
	workerMaxAddr   = 200
)

// needRole refuses a page to a user without the role: a 403 page, logged as a denial.
func (c *console) needRole(w http.ResponseWriter, r *http.Request, p *consolePage, role org.Role) bool {
	if hasRole(p.User, role) {
		return true
	}
	c.s.app.DB.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{UserID: userID(p.User), Actor: loginOf(p.User), Kind: "denied",
		Object: r.Method + " " + r.URL.Path, Detail: "page for role " + string(role) + " only"})
	c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", p.Tf2("worker.role_needed", p.Role(role)))
	return false
}

// workerReportBody is the report page: the matter search and, once a type is chosen, the form.
type workerReportBody struct {
	Query    string
	Searched bool
	Hits     []matterChoice
	Groups   []matterGroup // the whole catalogue, when nothing was searched
	Matter   *matterChoice
	Fields   []fieldInput
	Grids    []option
	Form     workerReportForm
	MaxDesc  int
	MaxPhoto int
	Idem     string
}

type matterChoice struct {
	Code  string
	Name  string
	Class string
	URL   string
}

type matterGroup struct {
	Name    string
	Matters []matterChoice
}

// fieldInput is one extra field a matter type asks for.
type fieldInput struct {
	Code     string
	Name     string
	Type     catalog.FieldType
	Required bool
	Options  []option
	Value    string
}

// workerReportForm is what was typed, kept when the form comes back with a refusal.
type workerReportForm struct {
	Description string
	Lat, Lon    string
	Grid        string
	Address     string
}

func matterURL(code, q string) string {
	v := url.Values{"matter": {code}}
	if q != "" {
		v.Set("q", q)
	}
	return "/console/worker/report?" + v.Encode()
}

func (c *console) matterChoice(lang, code, q string) matterChoice {
	cfg := c.s.app.Config()
	mt := cfg.Matters[code]
	class := mt.ClassZh
	if lang == langEn && mt.ClassEn != "" {
		class = mt.ClassEn
	}
	return matterChoice{Code: code, Name: matterName(cfg, lang, code), Class: class, URL: matterURL(code, q)}
}

// workerReportBody builds the page for a query and a chosen type (either may be empty).
func (c *console) workerReportBody(p *consolePage, q, code string) (*workerReportBody, error) {
	cfg := c.s.app.Config()
	if utf8.RuneCountInString(q) > matterSearchMax {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the search is at most %d characters", matterSearchMax).WithDetail("field", "q")
	}
	b := &workerReportBody{Query: q, MaxDesc: casework.MaxDescription, MaxPhoto: app.MaxMediaBytes >> 20, Idem: auth.NewToken(16)}
	if strings.TrimSpace(q) != "" && code == "" {
		// Once a type is chosen the form takes the page; the search is one link away.
		b.Searched = true
		for _, h := range matterIndexOf(cfg).search(q) {
			b.Hits = append(b.Hits, c.matterChoice(p.Lang, h.Code, q))
		}
	} else if code == "" {
		for _, g := range portalMatters(cfg, p.Lang) {
			mg := matterGroup{Name: g.Name}
			for _, m := range g.Matters {
				mg.Matters = append(mg.Matters, c.matterChoice(p.Lang, m.Value, ""))
			}
			b.Groups = append(b.Groups, mg)
		}
	}
	if code != "" {
		mt, ok := cfg.Matters[code]
		if !ok || !mt.Active {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "matter type %q is not in the catalogue", code).WithDetail("field", "matter_code")
		}
		ch := c.matterChoice(p.Lang, code, q)
		b.Matter = &ch
		b.Fields = fieldInputs(p.Lang, mt.Fields)
	}
	b.Grids = workerGrids(cfg, p.Lang, p.User)
	return b, nil
}

// workerGrids are the grids within the user's grid worker grants, for reporting without GPS.
func workerGrids(cfg *app.Config, lang string, u *org.User) []option {
	var out []option
	for _, unit := range cfg.Tree.All() {
		if unit.Kind != org.Grid {
			continue
		}
		for _, g := range u.Grants {
			if g.Role == org.RoleGridWorker && org.Contains(g.UnitPath, unit.Path) {
				out = append(out, option{Value: unit.ID, Label: unitName(cfg, lang, unit.ID)})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

func (c *console) handleWorkerReportPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleGridWorker) {
		return
	}
	q := r.URL.Query()
	b, err := c.workerReportBody(p, q.Get("q"), q.Get("matter"))
	if err != nil {
		c.renderError(w, r, p, HTTPStatus(err), errorKey(err), c.platformMessage(r, err))
		return
	}
	p.Title = p.T2("worker.report_title")
	p.Body = b
	c.render(w, r, http.StatusOK, "worker_report", p)
}

// handleWorkerReport takes a patrol report: the photo through the media path, then app.Report as
// the worker, through the patrol channel.
func (c *console) handleWorkerReport(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleGridWorker) {
		return
	}
	f := r.PostForm
	b, err := c.workerReportBody(p, f.Get("q"), f.Get("matter_code"))
	if err != nil {
		c.renderError(w, r, p, HTTPStatus(err), errorKey(err), c.platformMessage(r, err))
		return
	}
	b.Form = workerReportForm{Description: strings.TrimSpace(f.Get("description")), Lat: strings.TrimSpace(f.Get("lat")),
		Lon: strings.TrimSpace(f.Get("lon")), Grid: f.Get("grid"), Address: strings.TrimSpace(f.Get("address"))}
	if idem := f.Get("idem"); idem != "" {
		b.Idem = idem
	}
	keepFieldValues(b.Fields, f)
	for i := range b.Grids {
		b.Grids[i].Selected = b.Grids[i].Value == b.Form.Grid
	}
	p.Title = p.T2("worker.report_title")
	p.Body = b
	refuse := func(err error) {
		p.Error = &pageError{Heading: p.T2("worker.report_refused"), Message: c.platformMessage(r, err)}
		c.render(w, r, HTTPStatus(err), "worker_report", p)
	}
	in, err := b.input(p, f)
	if err != nil {
		refuse(err)
		return
	}
	ctx := r.Context()
	id, err := c.storePhoto(r, "photo")
	if err != nil {
		refuse(err)
		return
	}
	if id != "" {
		in.Media = []string{id}
	}
	cs, _, err := c.s.app.Report(ctx, principalOf(r), in, b.Idem)
	if err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, "/console/worker/history?reported="+strconv.FormatInt(cs.ID, 10), http.StatusSeeOther)
}

// input reads the form into a report; a refusal names the field in the platform's words.
func (b *workerReportBody) input(p *consolePage, f url.Values) (app.ReportInput, error) {
	in := app.ReportInput{Channel: casework.ChannelPatrol, Description: b.Form.Description, Address: b.Form.Address}
	if b.Matter == nil {
		return in, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.T2("worker.need_matter")).WithDetail("field", "matter_code")
	}
	in.MatterCode = b.Matter.Code
	switch {
	case in.Description == "":
		return in, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.T2("worker.need_description")).WithDetail("field", "description")
	case utf8.RuneCountInString(in.Description) > casework.MaxDescription:
		return in, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.Tf2("worker.description_too_long", casework.MaxDescription)).WithDetail("field", "description")
	case utf8.RuneCountInString(in.Address) > workerMaxAddr:
		return in, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.Tf2("worker.address_too_long", workerMaxAddr)).WithDetail("field", "address")
	}
	switch {
	case b.Form.Lat != "" || b.Form.Lon != "":
		lat, err1 := strconv.ParseFloat(b.Form.Lat, 64)
		lon, err2 := strconv.ParseFloat(b.Form.Lon, 64)
		if err1 != nil || err2 != nil {
			return in, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.T2("worker.bad_point")).WithDetail("field", "lat")
		}
		in.Lat, in.Lon, in.CRS = &lat, &lon, geo.WGS84
	case b.Form.Grid != "":
		if !slices.ContainsFunc(b.Grids, func(o option) bool { return o.Value == b.Form.Grid }) {
			return in, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.T2("worker.bad_grid")).WithDetail("field", "grid")
		}
		in.Grid = b.Form.Grid
	default:
		return in, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.T2("worker.need_place")).WithDetail("field", "grid")
	}
	attrs, err := fieldAttributes(p, b.Fields, f)
	if err != nil {
		return in, err
	}
	if len(attrs) > 0 {
		in.Attributes = attrs
	}
	return in, nil
}

// workerTask is one case waiting for the worker, with the forms of what the worker may do.
type workerTask struct {
	Row         caseRow
	Description string
	Photos      []photo
	Kind        string // "confirm" or "check"
	Result      string
	Forms       []taskForm
}

// taskForm is one action on a task list, posted back to the list.
type taskForm struct {
	Action casework.Action
	URL    string
	Reason string // "required" or "optional"
	Danger bool
	Seq    int
}

type workerTasksBody struct {
	Sections []taskSection // confirmations, then checks
	Capped   bool
}

type taskSection struct {
	Kind  string // "confirm" or "check"
	Tasks []workerTask
}

// workerActions are the actions the tasks page offers, in this order.
var workerActions = []casework.Action{casework.ActConfirm, casework.ActDeny, casework.ActCheckPass, casework.ActCheckFail}

func (c *console) handleWorkerTasks(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleGridWorker) {
		return
	}
	q := r.URL.Query()
	if done := casework.Action(q.Get("done")); slices.Contains(workerActions, done) {
		p.Notice = p.Tf2("worker.task_done", p.Action(done), q.Get("case"))
	}
	c.showWorkerTasks(w, r, p, http.StatusOK)
}

func (c *console) showWorkerTasks(w http.ResponseWriter, r *http.Request, p *consolePage, status int) {
	pr := principalOf(r)
	body := workerTasksBody{Sections: []taskSection{{Kind: "confirm"}, {Kind: "check"}}}
	n := 0
	err := c.scan(r.Context(), pr, queue{States: []casework.State{casework.Confirming, casework.Checking}}, 0, func(cs *casework.Case) bool {
		actions := app.Actions(pr, cs)
		var forms []taskForm
		for _, a := range workerActions {
			if slices.Contains(actions, a) {
				need := "optional"
				if reasonNeed[a] == "required" {
					need = "required"
				}
				forms = append(forms, taskForm{Action: a, URL: "/console/worker/tasks/" + strconv.FormatInt(cs.ID, 10) + "/" + string(a),
					Reason: need, Danger: slices.Contains(dangerous, a), Seq: cs.Seq})
			}
		}
		if len(forms) == 0 {
			return true
		}
		if n == workerTaskLimit {
			body.Capped = true
			return false
		}
		n++
		t := workerTask{Row: c.row(p, cs), Description: cs.Description, Photos: photos(p, cs), Forms: forms, Result: cs.Result}
		sec := &body.Sections[1]
		if cs.State == casework.Confirming {
			sec = &body.Sections[0]
		}
		t.Kind = sec.Kind
		sec.Tasks = append(sec.Tasks, t)
		return true
	})
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	p.Title = p.T2("worker.tasks_title")
	p.Body = body
	c.render(w, r, status, "worker_tasks", p)
}

// handleWorkerTaskAction takes a confirmation or a check from the tasks page through app.Act and
// goes back to the list.
func (c *console) handleWorkerTaskAction(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleGridWorker) {
		return
	}
	id, err := pathID(r, "id")
	action := casework.Action(r.PathValue("action"))
	if err != nil || !slices.Contains(workerActions, action) {
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
		c.showWorkerTasks(w, r, p, HTTPStatus(err))
		return
	}
	v := url.Values{"done": {string(action)}, "case": {strconv.FormatInt(id, 10)}}
	http.Redirect(w, r, "/console/worker/tasks?"+v.Encode(), http.StatusSeeOther)
}

type workerHistoryBody struct {
	Rows  []caseRow
	Next  string
	Paged bool
}

// handleWorkerHistory lists the cases the worker reported, newest first, paged by cursor.
func (c *console) handleWorkerHistory(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if !c.needRole(w, r, p, org.RoleGridWorker) {
		return
	}
	q := r.URL.Query()
	before, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		c.renderError(w, r, p, http.StatusBadRequest, "error.invalid", "cursor is not one this page made")
		return
	}
	if id, err := strconv.ParseInt(q.Get("reported"), 10, 64); err == nil && id > 0 {
		p.Notice = p.Tf2("worker.reported", id)
	}
	cases, err := c.s.app.Cases(r.Context(), principalOf(r), store.CaseFilter{ReportedBy: p.User.ID, Before: before, Limit: workerPageSize + 1})
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	body := workerHistoryBody{Paged: before > 0}
	if len(cases) > workerPageSize {
		cases = cases[:workerPageSize]
		body.Next = "/console/worker/history?cursor=" + encodeCursor(cases[len(cases)-1].ID)
	}
	for _, cs := range cases {
		body.Rows = append(body.Rows, c.row(p, cs))
	}
	p.Title = p.T2("worker.history_title")
	p.Body = body
	c.render(w, r, http.StatusOK, "worker_history", p)
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// decodeCursor reads a page cursor; "" is the first page.
func decodeCursor(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n <= 0 {
		return 0, civicgrid.Errorf(civicgrid.EINVALID, "bad cursor")
	}
	return n, nil
}
