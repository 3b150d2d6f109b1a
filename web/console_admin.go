package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
)

// Administration (系统管理): the jurisdiction tree, grid boundaries with a preview before they are
// applied, the matter type catalogue, the responsibility and admission lists, the calendar, users,
// roles and API keys. Every page is for administrators and every write goes through the same
// checks and app functions as the REST API's admin endpoints: an admin acts within the subtrees
// of their admin grants, and the platform-wide configuration (catalogue, lists, calendar, API
// keys) needs an admin grant over a root of the tree. Refusals are logged (Server.requireRole).

func init() {
	addConsolePart(consolePart{
		Name:     "admin",
		Pages:    []string{"admin", "admin_grids", "admin_matters", "admin_lists", "admin_calendar", "admin_users", "admin_roles", "admin_keys"},
		Messages: adminMessages,
		Routes: func(c *console, m *http.ServeMux) {
			m.HandleFunc("GET /console/admin/{$}", c.page(c.handleAdminTree))
			m.HandleFunc("GET /console/admin/grids", c.page(c.handleAdminGrids))
			m.HandleFunc("POST /console/admin/grids/preview", c.upload(consoleGeoJSONMax, c.handleGridsPreview))
			m.HandleFunc("POST /console/admin/grids/apply", c.upload(consoleGeoJSONMax, c.handleGridsApply))
			m.HandleFunc("GET /console/admin/matters", c.page(c.handleAdminMatters))
			m.HandleFunc("GET /console/admin/matters/{code}", c.page(c.handleAdminMatters))
			m.HandleFunc("POST /console/admin/matters", c.upload(MaxJSONBody, c.handleImportMatters))
			m.HandleFunc("GET /console/admin/lists", c.page(c.handleAdminLists))
			m.HandleFunc("POST /console/admin/lists/{list}", c.upload(MaxJSONBody, c.handleImportList))
			m.HandleFunc("GET /console/admin/calendar", c.page(c.handleAdminCalendar))
			m.HandleFunc("POST /console/admin/calendar", c.upload(MaxCalendarBody, c.handleImportCalendar))
			m.HandleFunc("GET /console/admin/users", c.page(c.handleAdminUsers))
			m.HandleFunc("POST /console/admin/users", c.page(c.handleCreateUser))
			m.HandleFunc("POST /console/admin/users/{id}/password", c.page(c.handleResetPassword))
			m.HandleFunc("GET /console/admin/roles", c.page(c.handleAdminRoles))
			m.HandleFunc("GET /console/admin/keys", c.page(c.handleAdminKeys))
			m.HandleFunc("POST /console/admin/keys", c.page(c.handleCreateKey))
			m.HandleFunc("POST /console/admin/keys/{id}/revoke", c.page(c.handleRevokeKey))
		},
		Nav: []navLink{{Key: "nav.admin", Href: "/console/admin/", Order: 30, Show: func(u *org.User) bool { return hasRole(u, org.RoleAdmin) }}},
	})
}

// Caps of the console's uploads. A GeoJSON file travels back in the preview page's confirm form,
// so it is held to 8 MiB here (the API takes up to 64 MiB); JSON and CSV files have the API's caps.
const (
	consoleGeoJSONMax = 8 << 20
	adminUserLimit    = 500 // users listed per admin grant
)

// upload is page for a form that sends a file: the body may be as large as the file's cap plus
// the form's own fields, and a body announced larger is refused before it is read.
func (c *console) upload(fileMax int64, h func(w http.ResponseWriter, r *http.Request, p *consolePage)) http.HandlerFunc {
	limit := fileMax + maxFormBody
	inner := c.pageLimit(limit, h)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			// Refused before anything is read: answered like a page view (nothing is done, so no
			// form token is needed), with the user's session and navigation.
			g := r.Clone(r.Context())
			g.Method, g.Body, g.ContentLength = http.MethodGet, http.NoBody, 0
			c.page(func(w http.ResponseWriter, r *http.Request, p *consolePage) {
				c.renderError(w, r, p, http.StatusRequestEntityTooLarge, "error.too_large", tooLarge(fileMax).Error())
			})(w, g)
			return
		}
		inner(w, r)
	}
}

func tooLarge(max int64) error {
	return civicgrid.Errorf(civicgrid.ETOOLARGE, "the file is larger than %s; nothing was changed", sizeText(max))
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n>>10, 10) + " KiB"
}

// formFile reads the uploaded file of the field, at most max bytes.
func formFile(r *http.Request, field string, max int64) ([]byte, string, error) {
	f, hdr, err := r.FormFile(field)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, "", tooLarge(max)
		}
		return nil, "", civicgrid.Errorf(civicgrid.EINVALID, "choose a file to upload").WithDetail("field", field)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, "", civicgrid.Errorf(civicgrid.EINVALID, "the file could not be read: %v", err)
	}
	if int64(len(b)) > max {
		return nil, "", tooLarge(max)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, "", civicgrid.Errorf(civicgrid.EINVALID, "the file %q is empty", hdr.Filename).WithDetail("field", field)
	}
	return b, hdr.Filename, nil
}

// decodeFileJSON decodes an uploaded JSON file as the API decodes a body: unknown fields,
// trailing data and NUL characters are refused.
func decodeFileJSON(b []byte, v any) error {
	if bytes.Contains(bytes.ToLower(b), []byte(`\u0000`)) {
		return civicgrid.Errorf(civicgrid.EINVALID, "the file contains a NUL character (\\u0000), which no field accepts")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return civicgrid.Errorf(civicgrid.EINVALID, "the file must hold a single JSON value")
	}
	return nil
}

// adminBase is what every administration page shares: its sections, and whether the user may
// change the platform-wide configuration.
type adminBase struct {
	Sections []periodTab
	Root     bool
}

var adminSections = []struct{ Key, Href string }{
	{"admin.tree", "/console/admin/"}, {"admin.grids", "/console/admin/grids"}, {"admin.matters", "/console/admin/matters"},
	{"admin.lists", "/console/admin/lists"}, {"admin.calendar", "/console/admin/calendar"}, {"admin.users", "/console/admin/users"},
	{"admin.roles", "/console/admin/roles"}, {"admin.keys", "/console/admin/keys"},
}

// adminPage checks that the user is an administrator somewhere (refusing, and logging, otherwise)
// and returns the shared part of the page.
func (c *console) adminPage(w http.ResponseWriter, r *http.Request, p *consolePage, active string) (adminBase, bool) {
	if err := c.s.requireRole(r, "", org.RoleAdmin); err != nil {
		c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", c.platformMessage(r, err))
		return adminBase{}, false
	}
	b := adminBase{Root: c.s.app.IsRootAdmin(principalOfUser(p.User))} // only which forms are offered; handlers check with Server.rootAdmin, which logs
	for _, s := range adminSections {
		b.Sections = append(b.Sections, periodTab{Label: p.T2(s.Key), URL: s.Href, Active: s.Href == active})
	}
	return b, true
}

// adminScopes are the unit paths of the user's admin grants.
func adminScopes(u *org.User) []string {
	var out []string
	for _, g := range u.Grants {
		if g.Role == org.RoleAdmin {
			out = append(out, g.UnitPath)
		}
	}
	return out
}

// adminFailed shows a refused write on the page it came from: the same page with the refusal.
func (c *console) adminFailed(w http.ResponseWriter, r *http.Request, p *consolePage, err error, show func(status int)) {
	if civicgrid.ErrorCode(err) == civicgrid.EINTERNAL {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	p.Error = &pageError{Heading: p.T2(errorKey(err)), Message: c.platformMessage(r, err)}
	show(HTTPStatus(err))
}

// done sends the browser back to a page with a notice key.
func done(w http.ResponseWriter, r *http.Request, path, notice string, n int) {
	v := url.Values{"done": {notice}}
	if n >= 0 {
		v.Set("n", strconv.Itoa(n))
	}
	http.Redirect(w, r, path+"?"+v.Encode(), http.StatusSeeOther)
}

// adminNotices are the notices a write leaves; a notice with a count takes n.
var adminNotices = map[string]string{
	"grids": "admin.done_grids", "matters": "admin.done_matters", "responsibilities": "admin.done_responsibilities",
	"admissions": "admin.done_admissions", "calendar": "admin.done_calendar", "user": "admin.done_user",
	"password": "admin.done_password", "revoked": "admin.done_revoked",
}

func notice(p *consolePage, r *http.Request) {
	key, ok := adminNotices[r.URL.Query().Get("done")]
	if !ok {
		return
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && n >= 0 && strings.Contains(messages[key].En, "%d") {
		p.Notice = p.Tf2(key, n)
	} else if !strings.Contains(messages[key].En, "%") {
		p.Notice = p.T2(key)
	}
}

// --- the jurisdiction tree ---

type treeNode struct {
	ID, Name, Kind string
	Shape          bool // a grid with its boundary drawn
	Children       []*treeNode
}

type adminTreeBody struct {
	adminBase
	Roots []*treeNode
	Units int
}

// kindKeys are the catalogue keys of the unit kinds.
var kindKeys = map[org.Kind]string{org.City: "kind.city", org.District: "kind.district", org.Street: "kind.street", org.Town: "kind.town",
	org.Community: "kind.community", org.Grid: "kind.grid", org.Department: "kind.department"}

func (c *console) handleAdminTree(w http.ResponseWriter, r *http.Request, p *consolePage) {
	base, ok := c.adminPage(w, r, p, "/console/admin/")
	if !ok {
		return
	}
	shapes, err := c.shapes.get(r.Context(), c.s.app)
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	cfg := c.s.app.Config()
	b := &adminTreeBody{adminBase: base}
	var build func(u *org.Unit) *treeNode
	build = func(u *org.Unit) *treeNode {
		b.Units++
		_, has := shapes[u.ID]
		n := &treeNode{ID: u.ID, Name: unitName(cfg, p.Lang, u.ID), Kind: p.T2(kindKeys[u.Kind]), Shape: has}
		for _, ch := range cfg.Tree.Children(u.ID) {
			n.Children = append(n.Children, build(ch))
		}
		return n
	}
	for _, root := range topUnits(cfg.Tree, adminScopes(p.User)) {
		b.Roots = append(b.Roots, build(root))
	}
	p.Title = p.T2("admin.tree")
	p.Body = b
	c.render(w, r, http.StatusOK, "admin", p)
}

// topUnits are the units at the given paths, leaving out any inside another one.
func topUnits(tree *org.Tree, paths []string) []*org.Unit {
	var out []*org.Unit
	for _, u := range tree.All() {
		if !slices.Contains(paths, u.Path) {
			continue
		}
		inner := false
		for _, q := range paths {
			if q != u.Path && org.Contains(q, u.Path) {
				inner = true
			}
		}
		if !inner {
			out = append(out, u)
		}
	}
	return out
}

// --- grid boundaries ---

type adminGridsBody struct {
	adminBase
	Map     *gridMap
	Grids   int // grids with a boundary in the admin's subtrees
	MaxSize string
	Preview *gridPreview
}

// gridPreview is an uploaded GeoJSON file checked but not applied.
type gridPreview struct {
	File    string
	GeoJSON string // carried by the confirm form; checked again when it comes back
	Changes []gridChange
	Errors  int
	Apply   int // grids that the confirm would store

	shapes map[string]geo.MultiPolygon
}

// changeKeys are the catalogue keys of what an imported feature does.
var changeKeys = map[string]string{"new": "admin.change_new", "changed": "admin.change_changed", "unchanged": "admin.change_unchanged", "error": "admin.change_error"}

type gridChange struct {
	ID, Name string
	Kind     string // "new", "changed", "unchanged" or "error"
	Label    string
	Message  string
}

func (c *console) handleAdminGrids(w http.ResponseWriter, r *http.Request, p *consolePage) {
	notice(p, r)
	c.showGrids(w, r, p, http.StatusOK, nil)
}

// showGrids draws the grids of the admin's subtrees and, with a preview, the uploaded grids over
// them.
func (c *console) showGrids(w http.ResponseWriter, r *http.Request, p *consolePage, status int, pv *gridPreview) {
	base, ok := c.adminPage(w, r, p, "/console/admin/grids")
	if !ok {
		return
	}
	shapes, err := c.shapes.get(r.Context(), c.s.app)
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	cfg := c.s.app.Config()
	scopes := adminScopes(p.User)
	b := &adminGridsBody{adminBase: base, Preview: pv, MaxSize: sizeText(consoleGeoJSONMax)}
	var ids, classes, titles []string
	var mps []geo.MultiPolygon
	for _, g := range cfg.Tree.All() {
		if mp, ok := shapes[g.ID]; ok && inScopes(scopes, g.Path) {
			b.Grids++
			ids, mps = append(ids, g.ID), append(mps, mp)
			classes, titles = append(classes, "map-existing"), append(titles, unitName(cfg, p.Lang, g.ID)+" ("+g.ID+")")
		}
	}
	if pv != nil {
		for _, ch := range pv.Changes {
			if mp, ok := pv.shapes[ch.ID]; ok && ch.Kind != "error" {
				ids, mps = append(ids, ch.ID), append(mps, mp)
				classes, titles = append(classes, "map-"+ch.Kind), append(titles, ch.Name+" ("+ch.ID+"): "+ch.Label)
			}
		}
	}
	b.Map = drawShapes(c.s.Tiles, ids, mps, classes, titles)
	p.Title = p.T2("admin.grids")
	p.Body = b
	c.render(w, r, status, "admin_grids", p)
}

// planGrids parses a GeoJSON file and checks every feature as the import would: a known grid
// within the admin's subtrees with a valid boundary. It returns the valid shapes and the change
// each feature makes. A feature outside the admin's subtrees is refused and the file's first such
// refusal is logged, as the API logs it.
func (c *console) planGrids(r *http.Request, lang string, body []byte) (map[string]geo.MultiPolygon, []gridChange) {
	fs, err := geo.ParseFeatureCollection(body)
	if err != nil {
		return nil, []gridChange{{Kind: "error", Label: t(lang, changeKeys["error"]), Message: civicgrid.ErrorMessage(err)}}
	}
	shapes, _ := c.shapes.get(r.Context(), c.s.app)
	cfg := c.s.app.Config()
	p := principalOf(r)
	out := map[string]geo.MultiPolygon{}
	var changes []gridChange
	denied := false
	for _, f := range fs {
		ch := gridChange{ID: f.ID, Name: f.Name}
		u, known := cfg.Tree.Unit(f.ID)
		if known {
			ch.Name = unitName(cfg, lang, u.ID)
		}
		switch {
		case !known:
			ch.Kind, ch.Message = "error", civicgrid.ErrorMessage(civicgrid.Errorf(civicgrid.EINVALID, "grid %s in the GeoJSON is not a known unit: create the grid first", f.ID))
		case u.Kind != org.Grid:
			ch.Kind, ch.Message = "error", civicgrid.ErrorMessage(civicgrid.Errorf(civicgrid.EINVALID, "feature %s is a %s, not a grid", f.ID, u.Kind))
		case !holdsRole(p, u.Path, org.RoleAdmin):
			if !denied { // one entry in the audit log per file, however many grids it names
				denied = true
				c.s.requireRole(r, u.Path, org.RoleAdmin)
			}
			ch.Kind, ch.Message = "error", civicgrid.ErrorMessage(civicgrid.Errorf(civicgrid.EFORBIDDEN, "grid %s lies outside the units you administer", f.ID))
		default:
			if err := f.Geometry.Validate(); err != nil {
				ch.Kind, ch.Message = "error", civicgrid.ErrorMessage(err)
				break
			}
			old, had := shapes[f.ID]
			switch {
			case !had:
				ch.Kind = "new"
			case reflect.DeepEqual(old, f.Geometry):
				ch.Kind = "unchanged"
			default:
				ch.Kind = "changed"
			}
			out[f.ID] = f.Geometry
		}
		ch.Label = t(lang, changeKeys[ch.Kind])
		changes = append(changes, ch)
	}
	if len(fs) == 0 {
		changes = append(changes, gridChange{Kind: "error", Label: t(lang, changeKeys["error"]), Message: "the file holds no features"})
	}
	return out, changes
}

// gridPreviewOf checks a GeoJSON file for the preview and the confirm.
func (c *console) gridPreviewOf(r *http.Request, lang string, body []byte, file string) (*gridPreview, map[string]geo.MultiPolygon) {
	shapes, changes := c.planGrids(r, lang, body)
	pv := &gridPreview{File: file, GeoJSON: string(body), Changes: changes, shapes: shapes}
	for _, ch := range changes {
		if ch.Kind == "error" {
			pv.Errors++
		} else {
			pv.Apply++
		}
	}
	return pv, shapes
}

func (c *console) handleGridsPreview(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if _, ok := c.adminPage(w, r, p, ""); !ok {
		return
	}
	body, name, err := formFile(r, "file", consoleGeoJSONMax)
	if err != nil {
		c.adminFailed(w, r, p, err, func(st int) { c.showGrids(w, r, p, st, nil) })
		return
	}
	pv, _ := c.gridPreviewOf(r, p.Lang, body, name)
	status := http.StatusOK
	if pv.Errors > 0 {
		status = http.StatusUnprocessableEntity
		p.Error = &pageError{Heading: p.T2("admin.preview_errors"), Message: p.Tf2("admin.preview_errors_n", pv.Errors)}
	}
	c.showGrids(w, r, p, status, pv)
}

func (c *console) handleGridsApply(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if _, ok := c.adminPage(w, r, p, ""); !ok {
		return
	}
	body := []byte(r.PostFormValue("geojson"))
	if len(body) > consoleGeoJSONMax {
		c.adminFailed(w, r, p, tooLarge(consoleGeoJSONMax), func(st int) { c.showGrids(w, r, p, st, nil) })
		return
	}
	pv, shapes := c.gridPreviewOf(r, p.Lang, body, r.PostFormValue("file"))
	if pv.Errors > 0 || len(shapes) == 0 {
		p.Error = &pageError{Heading: p.T2("admin.preview_errors"), Message: p.Tf2("admin.preview_errors_n", pv.Errors)}
		c.showGrids(w, r, p, http.StatusUnprocessableEntity, pv)
		return
	}
	if err := c.s.app.PutGridShapes(r.Context(), shapes); err != nil {
		c.adminFailed(w, r, p, err, func(st int) { c.showGrids(w, r, p, st, pv) })
		return
	}
	done(w, r, "/console/admin/grids", "grids", len(shapes))
}

// --- the matter type catalogue ---

type adminMattersBody struct {
	adminBase
	Types []matterRow
	One   *matterView
}

type matterRow struct {
	Code, Name, Class, Kind, URL string
	Urgency                      catalog.Urgency
	Whole                        string
	Active                       bool
}

type matterView struct {
	matterRow
	WarnPercent      int
	DuplicateRadiusM float64
	DuplicateMinutes int
	Keywords         string
	Deadlines        []deadlineRow
	Stages           []string // stage names, the columns of Deadlines
	Fields           []catalog.Field
}

type deadlineRow struct {
	Urgency catalog.Urgency
	Stages  []string
	Whole   string
}

func (c *console) handleAdminMatters(w http.ResponseWriter, r *http.Request, p *consolePage) {
	notice(p, r)
	c.showMatters(w, r, p, http.StatusOK)
}

func (c *console) showMatters(w http.ResponseWriter, r *http.Request, p *consolePage, status int) {
	base, ok := c.adminPage(w, r, p, "/console/admin/matters")
	if !ok {
		return
	}
	cfg := c.s.app.Config()
	b := &adminMattersBody{adminBase: base}
	row := func(m *catalog.MatterType) matterRow {
		class, name := m.ClassZh, m.NameZh
		if p.Lang == langEn {
			class, name = firstNonEmpty(m.ClassEn, m.ClassZh), firstNonEmpty(m.NameEn, m.NameZh)
		}
		out := matterRow{Code: m.Code, Name: name, Class: class, Kind: string(m.Kind), URL: "/console/admin/matters/" + url.PathEscape(m.Code),
			Urgency: m.DefaultUrgency, Active: m.Active}
		if l, ok := m.Deadlines[m.DefaultUrgency]; ok && !l.Whole.IsZero() {
			out.Whole = limitText(p.Lang, l.Whole)
		}
		return out
	}
	if code := r.PathValue("code"); code != "" {
		m, ok := cfg.Matters[code]
		if !ok {
			c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "matter type "+code+" not found")
			return
		}
		v := &matterView{matterRow: row(m), WarnPercent: m.WarnPercent, DuplicateRadiusM: m.DuplicateRadiusM,
			DuplicateMinutes: int(m.DuplicateWindow.Minutes()), Keywords: strings.Join(m.Keywords, "、"), Fields: m.Fields}
		for _, s := range catalog.Stages {
			v.Stages = append(v.Stages, p.label("stage", string(s)))
		}
		for _, u := range catalog.Urgencies {
			l, ok := m.Deadlines[u]
			if !ok {
				continue
			}
			d := deadlineRow{Urgency: u, Whole: limitOrDash(p.Lang, l.Whole)}
			for _, s := range catalog.Stages {
				d.Stages = append(d.Stages, limitOrDash(p.Lang, l.Stages[s]))
			}
			v.Deadlines = append(v.Deadlines, d)
		}
		b.One = v
		p.Title = v.Name
	} else {
		for i := range cfg.MatterList {
			b.Types = append(b.Types, row(&cfg.MatterList[i]))
		}
		p.Title = p.T2("admin.matters")
	}
	p.Body = b
	c.render(w, r, status, "admin_matters", p)
}

func limitOrDash(lang string, l calendar.Limit) string {
	if l.IsZero() {
		return "—"
	}
	return limitText(lang, l)
}

func (c *console) handleImportMatters(w http.ResponseWriter, r *http.Request, p *consolePage) {
	fail := func(err error) {
		c.adminFailed(w, r, p, err, func(st int) { c.showMatters(w, r, p, st) })
	}
	if err := c.s.rootAdmin(r); err != nil {
		c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", c.platformMessage(r, err))
		return
	}
	b, _, err := formFile(r, "file", MaxJSONBody)
	if err != nil {
		fail(err)
		return
	}
	var req matterTypesRequest
	if err := decodeFileJSON(b, &req); err != nil {
		fail(err)
		return
	}
	if len(req.MatterTypes) == 0 || len(req.MatterTypes) > 2000 {
		fail(civicgrid.Errorf(civicgrid.EINVALID, "send 1 to 2000 matter types").WithDetail("field", "matter_types"))
		return
	}
	if err := c.s.app.PutMatterTypes(r.Context(), req.MatterTypes); err != nil {
		fail(err)
		return
	}
	done(w, r, "/console/admin/matters", "matters", len(req.MatterTypes))
}

// --- the responsibility and admission lists ---

type adminListsBody struct {
	adminBase
	Responsibilities []respRow
	Admissions       []admRow
}

type respRow struct {
	Matter, Scope, Mode, Lead, Assisting, Note string
}

type admRow struct{ Scope, Matter, Note string }

func (c *console) handleAdminLists(w http.ResponseWriter, r *http.Request, p *consolePage) {
	notice(p, r)
	c.showLists(w, r, p, http.StatusOK)
}

func (c *console) showLists(w http.ResponseWriter, r *http.Request, p *consolePage, status int) {
	base, ok := c.adminPage(w, r, p, "/console/admin/lists")
	if !ok {
		return
	}
	cfg := c.s.app.Config()
	b := &adminListsBody{adminBase: base}
	for _, e := range cfg.Responsibilities {
		lead := e.Lead
		if e.LeadLevel != "" {
			lead += " (" + e.LeadLevel + ")"
		}
		b.Responsibilities = append(b.Responsibilities, respRow{Matter: e.MatterCode + " " + matterName(cfg, p.Lang, e.MatterCode),
			Scope: firstNonEmpty(unitName(cfg, p.Lang, e.Scope), p.T2("admin.everywhere")), Mode: p.label("mode", string(e.Mode)),
			Lead: lead, Assisting: strings.Join(e.Assisting, ", "), Note: e.Note})
	}
	for _, e := range cfg.Admissions {
		b.Admissions = append(b.Admissions, admRow{Scope: unitName(cfg, p.Lang, e.Scope), Matter: e.MatterCode + " " + matterName(cfg, p.Lang, e.MatterCode), Note: e.Note})
	}
	p.Title = p.T2("admin.lists")
	p.Body = b
	c.render(w, r, status, "admin_lists", p)
}

func (c *console) handleImportList(w http.ResponseWriter, r *http.Request, p *consolePage) {
	fail := func(err error) {
		c.adminFailed(w, r, p, err, func(st int) { c.showLists(w, r, p, st) })
	}
	list := r.PathValue("list")
	if list != "responsibilities" && list != "admissions" {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	if err := c.s.rootAdmin(r); err != nil {
		c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", c.platformMessage(r, err))
		return
	}
	b, _, err := formFile(r, "file", MaxJSONBody)
	if err != nil {
		fail(err)
		return
	}
	n := 0
	if list == "responsibilities" {
		var req struct {
			Entries []catalog.ResponsibilityEntry `json:"entries"`
		}
		if err = decodeFileJSON(b, &req); err == nil {
			if n = len(req.Entries); n > MaxListEntries {
				err = civicgrid.Errorf(civicgrid.EINVALID, "at most %d entries", MaxListEntries).WithDetail("field", "entries")
			} else {
				err = c.s.app.ReplaceResponsibilities(r.Context(), req.Entries)
			}
		}
	} else {
		var req struct {
			Entries []catalog.AdmissionEntry `json:"entries"`
		}
		if err = decodeFileJSON(b, &req); err == nil {
			if n = len(req.Entries); n > MaxListEntries {
				err = civicgrid.Errorf(civicgrid.EINVALID, "at most %d entries", MaxListEntries).WithDetail("field", "entries")
			} else {
				err = c.s.app.ReplaceAdmissions(r.Context(), req.Entries)
			}
		}
	}
	if err != nil {
		fail(err)
		return
	}
	done(w, r, "/console/admin/lists", list, n)
}

// --- the calendar ---

type adminCalendarBody struct {
	adminBase
	Year     int
	Years    []periodTab
	Hours    []hoursRow
	Days     []dayRow
	Off, Out int // holidays and make-up working days of the year
}

type hoursRow struct{ Day, Spans string }

type dayRow struct {
	Date, Kind, Name string
	Work             bool
}

// weekdayKeys are the catalogue keys of the weekdays, Monday first.
var weekdayKeys = []string{"day.mon", "day.tue", "day.wed", "day.thu", "day.fri", "day.sat", "day.sun"}

func (c *console) handleAdminCalendar(w http.ResponseWriter, r *http.Request, p *consolePage) {
	notice(p, r)
	c.showCalendar(w, r, p, http.StatusOK)
}

func (c *console) showCalendar(w http.ResponseWriter, r *http.Request, p *consolePage, status int) {
	base, ok := c.adminPage(w, r, p, "/console/admin/calendar")
	if !ok {
		return
	}
	year := c.s.app.Clock.Now().In(calendar.China).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			c.renderError(w, r, p, http.StatusBadRequest, "error.invalid", "year must be 2000 to 2100")
			return
		}
		year = y
	}
	cal := c.s.app.Config().Calendar
	b := &adminCalendarBody{adminBase: base, Year: year}
	for _, y := range []int{year - 1, year, year + 1} {
		b.Years = append(b.Years, periodTab{Label: strconv.Itoa(y), URL: "/console/admin/calendar?year=" + strconv.Itoa(y), Active: y == year})
	}
	hours := cal.Hours()
	for i, key := range weekdayKeys {
		var spans []string
		for _, s := range hours[(i+1)%7] { // Hours is indexed by time.Weekday, Sunday first
			spans = append(spans, s.String())
		}
		row := hoursRow{Day: p.T2(key), Spans: strings.Join(spans, ", ")}
		if row.Spans == "" {
			row.Spans = p.T2("admin.closed")
		}
		b.Hours = append(b.Hours, row)
	}
	for _, d := range cal.Days() {
		if !strings.HasPrefix(d.Date, strconv.Itoa(year)+"-") {
			continue
		}
		row := dayRow{Date: d.Date, Name: d.Name, Work: d.Kind == calendar.Work}
		if row.Work {
			row.Kind = p.T2("admin.day_work")
			b.Out++
		} else {
			row.Kind = p.T2("admin.day_off")
			b.Off++
		}
		b.Days = append(b.Days, row)
	}
	p.Title = p.T2("admin.calendar")
	p.Body = b
	c.render(w, r, status, "admin_calendar", p)
}

func (c *console) handleImportCalendar(w http.ResponseWriter, r *http.Request, p *consolePage) {
	fail := func(err error) {
		c.adminFailed(w, r, p, err, func(st int) { c.showCalendar(w, r, p, st) })
	}
	if err := c.s.rootAdmin(r); err != nil {
		c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", c.platformMessage(r, err))
		return
	}
	b, _, err := formFile(r, "file", MaxCalendarBody)
	if err != nil {
		fail(err)
		return
	}
	days, err := calendar.ParseCSV(bytes.NewReader(b))
	if err == nil && (len(days) == 0 || len(days) > 10000) {
		err = civicgrid.Errorf(civicgrid.EINVALID, "send 1 to 10000 days").WithDetail("field", "days")
	}
	if err == nil {
		err = c.s.app.PutCalendarDays(r.Context(), days)
	}
	if err != nil {
		fail(err)
		return
	}
	done(w, r, "/console/admin/calendar", "calendar", len(days))
}

// --- users ---

type adminUsersBody struct {
	adminBase
	Users  []userRow
	Roles  []option
	Units  []option
	Roles2 []option // the optional second grant
	Units2 []option
	Values url.Values // what was posted, after a refusal
	Capped bool
}

// Value is what the user posted in a field of the create form, for re-filling it.
func (b *adminUsersBody) Value(name string) string { return b.Values.Get(name) }

type userRow struct {
	ID       int64
	Login    string
	Name     string
	Grants   []string
	Disabled bool
	Reset    string // the reset form's action, when the admin may reset this user's password
}

func (c *console) handleAdminUsers(w http.ResponseWriter, r *http.Request, p *consolePage) {
	notice(p, r)
	c.showUsers(w, r, p, http.StatusOK, nil)
}

func (c *console) showUsers(w http.ResponseWriter, r *http.Request, p *consolePage, status int, posted url.Values) {
	base, ok := c.adminPage(w, r, p, "/console/admin/users")
	if !ok {
		return
	}
	cfg := c.s.app.Config()
	b := &adminUsersBody{adminBase: base, Values: posted}
	seen := map[int64]bool{}
	for _, scope := range adminScopes(p.User) {
		found, err := c.s.app.DB.Users(r.Context(), scope, adminUserLimit)
		if err != nil {
			c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
			return
		}
		b.Capped = b.Capped || len(found) == adminUserLimit
		for _, u := range found {
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			row := userRow{ID: u.ID, Login: u.Login, Name: u.Name, Disabled: u.Disabled}
			for _, g := range u.Grants {
				row.Grants = append(row.Grants, p.Role(g.Role)+" · "+unitName(cfg, p.Lang, g.Unit))
			}
			if app.CanManage(principalOfUser(p.User), &u) {
				row.Reset = "/console/admin/users/" + strconv.FormatInt(u.ID, 10) + "/password"
			}
			b.Users = append(b.Users, row)
		}
	}
	sort.Slice(b.Users, func(i, j int) bool { return b.Users[i].ID < b.Users[j].ID })
	for _, role := range org.StaffRoles {
		b.Roles = append(b.Roles, option{Value: string(role), Label: p.Role(role), Selected: string(role) == posted.Get("role")})
		b.Roles2 = append(b.Roles2, option{Value: string(role), Label: p.Role(role), Selected: string(role) == posted.Get("role2")})
	}
	b.Units = scopeUnitOptions(cfg, p.Lang, adminScopes(p.User), posted.Get("unit"))
	b.Units2 = scopeUnitOptions(cfg, p.Lang, adminScopes(p.User), posted.Get("unit2"))
	p.Title = p.T2("admin.users")
	p.Body = b
	c.render(w, r, status, "admin_users", p)
}

// scopeUnitOptions lists the units inside the paths, in tree order, with their codes.
func scopeUnitOptions(cfg *app.Config, lang string, paths []string, selected string) []option {
	var out []option
	for _, u := range cfg.Tree.All() {
		if inScopes(paths, u.Path) {
			out = append(out, option{Value: u.ID, Label: unitName(cfg, lang, u.ID) + " (" + u.ID + ")", Selected: u.ID == selected})
		}
	}
	return out
}

// userGrantRows is how many grants the create form offers; the first is required.
const userGrantRows = 2

func (c *console) handleCreateUser(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if _, ok := c.adminPage(w, r, p, ""); !ok {
		return
	}
	f := r.PostForm
	fail := func(err error) {
		c.adminFailed(w, r, p, err, func(st int) {
			kept := url.Values{"login": {f.Get("login")}, "name": {f.Get("name")}, "role": {f.Get("role")}, "unit": {f.Get("unit")},
				"role2": {f.Get("role2")}, "unit2": {f.Get("unit2")}}
			c.showUsers(w, r, p, st, kept)
		})
	}
	var grants []org.Grant
	for i, suffix := range []string{"", "2"} {
		roleField, unitField := "role"+suffix, "unit"+suffix
		if i > 0 && f.Get(roleField) == "" && f.Get(unitField) == "" {
			continue // the optional second grant, left blank
		}
		grants = append(grants, org.Grant{Role: org.Role(f.Get(roleField)), Unit: f.Get(unitField)})
	}
	if _, err := c.s.app.CreateUser(r.Context(), principalOf(r), app.NewUserInput{Login: f.Get("login"), Name: f.Get("name"),
		Password: f.Get("password"), WorkerType: f.Get("worker_type"), Grants: grants}); err != nil {
		fail(err)
		return
	}
	done(w, r, "/console/admin/users", "user", -1)
}

func (c *console) handleResetPassword(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if _, ok := c.adminPage(w, r, p, ""); !ok {
		return
	}
	fail := func(err error) {
		c.adminFailed(w, r, p, err, func(st int) { c.showUsers(w, r, p, st, nil) })
	}
	id, err := pathID(r, "id")
	if err != nil {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	if err := c.s.app.ResetPassword(r.Context(), principalOf(r), id, r.PostFormValue("password")); err != nil {
		fail(err)
		return
	}
	done(w, r, "/console/admin/users", "password", -1)
}

// --- roles ---

type adminRolesBody struct {
	adminBase
	Roles []roleRow
}

type roleRow struct {
	Role    org.Role
	Actions []roleAction
}

type roleAction struct {
	Action casework.Action
	From   []string
}

// handleAdminRoles shows what each staff role may do, read from the transition table itself.
func (c *console) handleAdminRoles(w http.ResponseWriter, r *http.Request, p *consolePage) {
	base, ok := c.adminPage(w, r, p, "/console/admin/roles")
	if !ok {
		return
	}
	b := &adminRolesBody{adminBase: base}
	table := casework.Table()
	for _, role := range org.StaffRoles {
		row := roleRow{Role: role}
		index := map[casework.Action]int{}
		for _, tr := range table {
			if !slices.Contains(tr.Roles, role) {
				continue
			}
			i, ok := index[tr.Action]
			if !ok {
				i = len(row.Actions)
				index[tr.Action] = i
				row.Actions = append(row.Actions, roleAction{Action: tr.Action})
			}
			if from := p.State(tr.From); from != "" && !slices.Contains(row.Actions[i].From, from) {
				row.Actions[i].From = append(row.Actions[i].From, from)
			}
		}
		b.Roles = append(b.Roles, row)
	}
	p.Title = p.T2("admin.roles")
	p.Body = b
	c.render(w, r, http.StatusOK, "admin_roles", p)
}

// --- API keys ---

type adminKeysBody struct {
	adminBase
	Keys   []keyRow
	Roles  []option
	Units  []option
	Secret string // a key just created, shown once
	Name   string
}

type keyRow struct {
	ID        int64
	Name      string
	Role      org.Role
	Unit      string
	CreatedAt string
	Revoked   bool
	Revoke    string
}

func (c *console) handleAdminKeys(w http.ResponseWriter, r *http.Request, p *consolePage) {
	notice(p, r)
	c.showKeys(w, r, p, http.StatusOK, "", "")
}

func (c *console) showKeys(w http.ResponseWriter, r *http.Request, p *consolePage, status int, secret, name string) {
	base, ok := c.adminPage(w, r, p, "/console/admin/keys")
	if !ok {
		return
	}
	if !base.Root {
		err := c.s.rootAdmin(r)
		c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", c.platformMessage(r, err))
		return
	}
	cfg := c.s.app.Config()
	keys, err := c.s.app.DB.APIKeys(r.Context())
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	b := &adminKeysBody{adminBase: base, Secret: secret, Name: name}
	for _, k := range keys {
		b.Keys = append(b.Keys, keyRow{ID: k.ID, Name: k.Name, Role: k.Role, Unit: unitName(cfg, p.Lang, k.Unit), CreatedAt: p.Time(k.CreatedAt),
			Revoked: k.Revoked, Revoke: "/console/admin/keys/" + strconv.FormatInt(k.ID, 10) + "/revoke"})
	}
	for _, role := range org.StaffRoles {
		b.Roles = append(b.Roles, option{Value: string(role), Label: p.Role(role)})
	}
	b.Units = scopeUnitOptions(cfg, p.Lang, adminScopes(p.User), "")
	p.Title = p.T2("admin.keys")
	p.Body = b
	c.render(w, r, status, "admin_keys", p)
}

func (c *console) handleCreateKey(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if err := c.s.rootAdmin(r); err != nil {
		c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", c.platformMessage(r, err))
		return
	}
	f := r.PostForm
	key := auth.NewToken(24)
	k, err := c.s.app.DB.CreateAPIKey(r.Context(), auth.TokenHash(key), strings.TrimSpace(f.Get("name")), f.Get("unit"), org.Role(f.Get("role")))
	if err != nil {
		c.adminFailed(w, r, p, err, func(st int) { c.showKeys(w, r, p, st, "", "") })
		return
	}
	p.Notice = p.Tf2("admin.key_created", k.Name)
	c.showKeys(w, r, p, http.StatusCreated, key, k.Name)
}

func (c *console) handleRevokeKey(w http.ResponseWriter, r *http.Request, p *consolePage) {
	if err := c.s.rootAdmin(r); err != nil {
		c.renderError(w, r, p, http.StatusForbidden, "error.forbidden", c.platformMessage(r, err))
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = c.s.app.DB.RevokeAPIKey(r.Context(), id)
	}
	if err != nil {
		c.adminFailed(w, r, p, err, func(st int) { c.showKeys(w, r, p, st, "", "") })
		return
	}
	done(w, r, "/console/admin/keys", "revoked", -1)
}
