package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/org"
)

// The assessment page of the console: a month's ranking of the units below a unit, the scores of
// its people, the veto entries with the forms to enter and withdraw them, and the evaluations with
// the form a community's leader rates with. Every number comes from the same application calls as
// the API, with the same scope and rights.

func init() {
	addConsolePart(consolePart{
		Name:     "assessment",
		Pages:    []string{"assessment"},
		Messages: assessmentMessages,
		Routes: func(c *console, m *http.ServeMux) {
			m.HandleFunc("GET /console/assessment", c.page(c.handleAssessment))
			m.HandleFunc("POST /console/assessment/vetoes", c.page(c.handleAssessmentVeto))
			m.HandleFunc("POST /console/assessment/vetoes/{id}/withdraw", c.page(c.handleAssessmentWithdraw))
			m.HandleFunc("POST /console/assessment/evaluations", c.page(c.handleAssessmentEvaluation))
		},
		Nav: []navLink{{Key: "nav.assessment", Href: "/console/assessment", Order: 60, Show: func(u *org.User) bool {
			return hasRole(u, org.RoleLeader, org.RoleAdmin, org.RoleAuditor, org.RoleShiftLeader)
		}}},
	})
}

// assessmentBody is the data of the assessment page.
type assessmentBody struct {
	Unit, UnitName, Month string
	Units                 []option // the caller's grant units
	Kind                  string
	Kinds                 []option
	Role                  string
	Roles                 []option
	SchemeName            string
	SchemeVersion         int
	Ranking               []assessRankRow
	RankingError          string
	People                []assessPersonRow
	PeopleError           string
	Vetoes                []assessVetoRow
	VetoForm              *assessVetoForm
	Evaluations           []assessEvalRow
	EvalForm              *assessEvalForm
	Downloads             []assessLink
}

type assessRankRow struct {
	Rank, Unit, Name, Score, Grade, Previous, Change, Vetoed string
}

type assessPersonRow struct {
	Rank, Name, Login, Role, Unit, Score, Grade string
}

type assessVetoRow struct {
	ID                                          int64
	Unit, Item, Evidence, Document, By, At, Why string
	Withdrawn                                   bool
	CanWithdraw                                 bool
}

type assessVetoForm struct {
	Units []option
	Items []option
}

type assessEvalRow struct {
	Community, Unit, Score, Level, Comment, By string
}

type assessEvalForm struct {
	Community, CommunityName string
	Units                    []option
	Levels                   []option
}

type assessLink struct {
	Key, URL string
}

// handleAssessment shows the page.
func (c *console) handleAssessment(w http.ResponseWriter, r *http.Request, p *consolePage) {
	switch r.URL.Query().Get("done") {
	case "veto":
		p.Notice = p.T2("assess.done_veto")
	case "withdraw":
		p.Notice = p.T2("assess.done_withdraw")
	case "evaluation":
		p.Notice = p.T2("assess.done_evaluation")
	}
	c.showAssessment(w, r, p, http.StatusOK)
}

// showAssessment renders the page for the unit, month, kind and role of the query (or the form).
func (c *console) showAssessment(w http.ResponseWriter, r *http.Request, p *consolePage, status int) {
	q := r.URL.Query()
	pr := principalOf(r)
	tree := c.s.app.Config().Tree
	b := &assessmentBody{Unit: q.Get("unit"), Month: q.Get("month"), Kind: q.Get("kind"), Role: q.Get("role")}
	if r.Method == http.MethodPost {
		b.Unit, b.Month = r.PostFormValue("back_unit"), r.PostFormValue("back_month")
	}
	for _, g := range p.User.Grants {
		if b.Unit == "" {
			b.Unit = g.Unit
		}
		if u, ok := tree.Unit(g.Unit); ok && !containsOption(b.Units, g.Unit) {
			b.Units = append(b.Units, option{Value: g.Unit, Label: u.Name})
		}
	}
	for i := range b.Units {
		b.Units[i].Selected = b.Units[i].Value == b.Unit
	}
	if b.Month == "" {
		b.Month = assess.MonthOf(assess.MonthOf(c.s.app.Clock.Now()).From.AddDate(0, 0, -1)).Name
	}
	month, err := parseMonth(b.Month)
	if err != nil {
		c.renderError(w, r, p, http.StatusBadRequest, "error.invalid", c.platformMessage(r, err))
		return
	}
	u, ok := tree.Unit(b.Unit)
	if !ok {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	b.UnitName = u.Name
	if b.Kind == "" {
		b.Kind = string(assess.RankTerritory)
	}
	for _, k := range []struct {
		kind assess.RankingKind
		key  string
	}{{assess.RankTerritory, "assess.kind_territory"}, {assess.RankDepartment, "assess.kind_department"}, {assess.RankStreet, "assess.kind_street"}} {
		b.Kinds = append(b.Kinds, option{Value: string(k.kind), Label: p.T2(k.key), Selected: string(k.kind) == b.Kind})
	}
	for _, k := range append([]assess.RankingKind{""}, assess.PersonKinds...) {
		label := p.T2("assess.all_roles")
		if k != "" {
			label = p.Role(k)
		}
		b.Roles = append(b.Roles, option{Value: string(k), Label: label, Selected: string(k) == b.Role})
	}
	ctx := r.Context()
	rk, err := c.s.app.Rankings(ctx, pr, app.RankingQuery{Unit: u.ID, Period: month, Kind: assess.RankingKind(b.Kind)})
	if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	if err != nil {
		b.RankingError = c.platformMessage(r, err)
	} else {
		b.SchemeName, b.SchemeVersion = rk.Scheme.Name, rk.Scheme.Version
		for _, row := range rk.Rows {
			b.Ranking = append(b.Ranking, assessRankRow{Rank: intText(row.Rank), Unit: row.Unit.ID, Name: row.Unit.Name, Score: scoreText(row.Score),
				Grade: row.Grade, Previous: intText(row.PreviousRank), Change: intText(row.Change), Vetoed: assess.VetoNames(rk.Scheme, row.Vetoed)})
		}
	}
	people, err := c.s.app.People(ctx, pr, app.PeopleQuery{Unit: u.ID, Period: month, Role: org.Role(b.Role)})
	if err != nil {
		b.PeopleError = c.platformMessage(r, err)
	} else {
		for _, x := range people.Rows {
			b.People = append(b.People, assessPersonRow{Rank: intText(x.Rank), Name: x.Name, Login: x.Login, Role: p.Role(x.Role), Unit: x.UnitName,
				Score: scoreText(x.Score), Grade: x.Grade})
		}
	}
	vetoes, err := c.s.app.Vetoes(ctx, pr, u.ID, month.Name, true)
	if err != nil {
		c.renderError(w, r, p, HTTPStatus(err), errorKey(err), c.platformMessage(r, err))
		return
	}
	above := func(path string) bool {
		for _, g := range p.User.Grants {
			if (g.Role == org.RoleAdmin || g.Role == org.RoleLeader) && g.UnitPath != path && org.Contains(g.UnitPath, path) {
				return true
			}
		}
		return false
	}
	for _, v := range vetoes {
		row := assessVetoRow{ID: v.ID, Unit: v.Unit, Item: v.Item, Evidence: v.Evidence, Document: v.Document, By: v.CreatedBy, At: p.Time(v.CreatedAt),
			Withdrawn: v.WithdrawnAt != nil, Why: v.WithdrawReason}
		if vu, ok := tree.Unit(v.Unit); ok {
			row.Unit = vu.Name
			row.CanWithdraw = !row.Withdrawn && above(vu.Path)
		}
		b.Vetoes = append(b.Vetoes, row)
	}
	// The veto form: the territorial units of the subtree the caller stands above, and the items of
	// the street scheme in force that month.
	var targets []option
	for _, x := range tree.All() {
		if x.Kind != org.Department && x.Kind != org.Grid && org.Contains(u.Path, x.Path) && above(x.Path) && len(targets) < 200 {
			targets = append(targets, option{Value: x.ID, Label: x.Name})
		}
	}
	if len(targets) > 0 {
		if s, err := c.s.app.SchemeInForce(ctx, assess.RankStreet, month); err == nil && len(s.Vetoes) > 0 {
			f := &assessVetoForm{Units: targets}
			for _, it := range s.Vetoes {
				f.Items = append(f.Items, option{Value: it.Code, Label: it.Name})
			}
			b.VetoForm = f
		}
	}
	evals, err := c.s.app.Evaluations(ctx, pr, u.ID, month.Name)
	if err != nil {
		c.renderError(w, r, p, HTTPStatus(err), errorKey(err), c.platformMessage(r, err))
		return
	}
	for _, e := range evals {
		row := assessEvalRow{Community: e.Community, Unit: e.Target, Score: strconv.FormatFloat(e.Score, 'f', -1, 64), Comment: e.Comment, By: e.CreatedBy}
		if key, ok := levelKeys[e.Level]; ok {
			row.Level = p.T2(key)
		}
		if x, ok := tree.Unit(e.Community); ok {
			row.Community = x.Name
		}
		if x, ok := tree.Unit(e.Target); ok {
			row.Unit = x.Name
		}
		b.Evaluations = append(b.Evaluations, row)
	}
	// The evaluation form: for a leader of a community, the units that served it that month.
	for _, g := range p.User.Grants {
		cu, ok := tree.Unit(g.Unit)
		if g.Role != org.RoleLeader || !ok || cu.Kind != org.Community || b.EvalForm != nil {
			continue
		}
		units, err := c.s.app.Evaluable(ctx, pr, cu.ID, month.Name)
		if err != nil || len(units) == 0 {
			continue
		}
		f := &assessEvalForm{Community: cu.ID, CommunityName: cu.Name}
		for _, x := range units {
			f.Units = append(f.Units, option{Value: x.ID, Label: x.Name})
		}
		for _, l := range []string{"excellent", "good", "fair", "poor", "bad"} {
			f.Levels = append(f.Levels, option{Value: l, Label: p.T2(levelKeys[l])})
		}
		b.EvalForm = f
	}
	query := "?unit=" + url.QueryEscape(u.ID) + "&month=" + url.QueryEscape(month.Name)
	b.Downloads = []assessLink{
		{Key: "assess.download_report_xlsx", URL: "/api/v1/reports/monthly" + query},
		{Key: "assess.download_report_csv", URL: "/api/v1/reports/monthly" + query + "&format=csv"},
		{Key: "assess.download_ranking", URL: "/api/v1/rankings.xlsx?unit=" + url.QueryEscape(u.ID) + "&period=" + url.QueryEscape(month.Name) + "&kind=" + url.QueryEscape(b.Kind)},
		{Key: "assess.download_people", URL: "/api/v1/assessment/people.xlsx?unit=" + url.QueryEscape(u.ID) + "&period=" + url.QueryEscape(month.Name)},
	}
	p.Title = p.T2("assess.title")
	p.Body = b
	c.render(w, r, status, "assessment", p)
}

// levelKeys are the catalogue keys of the five rating levels.
var levelKeys = map[string]string{"excellent": "assess.level_excellent", "good": "assess.level_good", "fair": "assess.level_fair",
	"poor": "assess.level_poor", "bad": "assess.level_bad"}

func containsOption(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

func intText(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func scoreText(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// assessmentBack is where a successful form sends the browser.
func assessmentBack(r *http.Request, done string) string {
	return "/console/assessment?unit=" + url.QueryEscape(r.PostFormValue("back_unit")) + "&month=" + url.QueryEscape(r.PostFormValue("back_month")) + "&done=" + done
}

// assessmentRefused shows the page again with the refusal.
func (c *console) assessmentRefused(w http.ResponseWriter, r *http.Request, p *consolePage, err error) {
	p.Error = &pageError{Heading: p.T2(errorKey(err)), Message: c.platformMessage(r, err)}
	c.showAssessment(w, r, p, HTTPStatus(err))
}

// handleAssessmentVeto enters a veto item from the page's form.
func (c *console) handleAssessmentVeto(w http.ResponseWriter, r *http.Request, p *consolePage) {
	in := app.VetoInput{Unit: r.PostFormValue("unit"), Period: r.PostFormValue("month"), Item: r.PostFormValue("item"),
		Evidence: r.PostFormValue("evidence"), Document: r.PostFormValue("document")}
	for _, m := range strings.Fields(r.PostFormValue("media")) {
		in.Media = append(in.Media, m)
	}
	if _, err := c.s.app.AddVeto(r.Context(), principalOf(r), in); err != nil {
		c.assessmentRefused(w, r, p, err)
		return
	}
	http.Redirect(w, r, assessmentBack(r, "veto"), http.StatusSeeOther)
}

// handleAssessmentWithdraw withdraws a veto entry.
func (c *console) handleAssessmentWithdraw(w http.ResponseWriter, r *http.Request, p *consolePage) {
	id, err := pathID(r, "id")
	if err != nil {
		c.renderError(w, r, p, http.StatusNotFound, "error.not_found", "")
		return
	}
	if _, err := c.s.app.WithdrawVeto(r.Context(), principalOf(r), id, r.PostFormValue("reason")); err != nil {
		c.assessmentRefused(w, r, p, err)
		return
	}
	http.Redirect(w, r, assessmentBack(r, "withdraw"), http.StatusSeeOther)
}

// handleAssessmentEvaluation records a community's rating.
func (c *console) handleAssessmentEvaluation(w http.ResponseWriter, r *http.Request, p *consolePage) {
	in := app.EvaluationInput{Community: r.PostFormValue("community"), Unit: r.PostFormValue("unit"), Period: r.PostFormValue("month"),
		Level: r.PostFormValue("level"), Comment: r.PostFormValue("comment")}
	if s := strings.TrimSpace(r.PostFormValue("score")); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			c.assessmentRefused(w, r, p, civicgrid.Errorf(civicgrid.EINVALID, "score must be a number from 0 to 100").WithDetail("field", "score"))
			return
		}
		in.Score = &v
	}
	if _, err := c.s.app.AddEvaluation(r.Context(), principalOf(r), in); err != nil {
		c.assessmentRefused(w, r, p, err)
		return
	}
	http.Redirect(w, r, assessmentBack(r, "evaluation"), http.StatusSeeOther)
}
