package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/geo"
	"civicgrid/org"
	"civicgrid/store"
)

// The leader's dashboard (领导驾驶舱): the key indicators of a unit and of each unit below it for
// this month so far or the month before, the overdue and supervised cases with supervision and
// whistle at hand, a map of the grids coloured by their open cases, and two trends. Everything is
// read within the user's scopes: a unit outside them is "not found" (and the attempt is logged by
// app.Indicators), and the cases are read with the user's scopes.

func init() {
	addConsolePart(consolePart{
		Name:     "leader",
		Pages:    []string{"dashboard"},
		Messages: leaderMessages,
		Routes: func(c *console, m *http.ServeMux) {
			m.HandleFunc("GET /console/dashboard", c.page(c.handleDashboard))
		},
		Nav: []navLink{{Key: "nav.dashboard", Href: "/console/dashboard", Order: 20, Show: func(u *org.User) bool {
			return hasRole(u, org.RoleLeader, org.RoleShiftLeader, org.RoleAuditor)
		}}},
	})
}

// Dashboard limits: cases listed per list, days and months of the trends.
const (
	dashListLimit = 15
	dashDays      = 30
	dashMonths    = 6
)

// indicatorColumns are the indicators the dashboard shows, in order; indicatorCells fills them.
var indicatorColumns = []string{"dash.received", "dash.filed", "dash.closed", "dash.closure_rate", "dash.on_time_rate",
	"dash.overdue", "dash.supervisions", "dash.response_rate", "dash.resolution_rate", "dash.satisfaction_rate"}

func indicatorCells(x assess.Indicators) []string {
	t, h := x.Territory, x.Hotline
	return []string{strconv.Itoa(t.Received), strconv.Itoa(t.Filed), strconv.Itoa(t.Closed), percent(t.ClosureRate),
		percent(t.OnTimeClosureRate), strconv.Itoa(t.Overdue), strconv.Itoa(t.Supervisions), percent(h.ResponseRate),
		percent(h.ResolutionRate), percent(h.SatisfactionRate)}
}

type dashboardBody struct {
	UnitID     string
	Unit       string
	Up         string // the parent unit's dashboard, when the user may see it
	Period     string // "month" or "prev"
	PeriodName string
	Periods    []periodTab
	Columns    []string
	Cards      []card
	Rows       []indicatorRow
	Overdue    dashList
	Supervised dashList
	Open       int // open cases in the unit's territory
	Map        *gridMap
	Daily      *chart
	Monthly    *chart
}

type periodTab struct {
	Label, URL string
	Active     bool
}

type card struct{ Key, Value string }

type indicatorRow struct {
	ID, Name, URL string
	Cells         []string
}

// dashList is a list of cases with the page, for the template that draws it.
type dashList struct {
	Page        *consolePage
	Rows        []dashCase
	None, Level string // the texts of an empty list and of the supervision level
}

// dashCase is a case of the overdue or supervised list, with the supervision and whistle forms the
// user may post from here.
type dashCase struct {
	caseRow
	Seq         int
	Supervision string
	Forms       []actionForm
}

// dashboardActions are the case actions offered on the dashboard.
var dashboardActions = []casework.Action{casework.ActSupervise, casework.ActWhistle}

func (c *console) handleDashboard(w http.ResponseWriter, r *http.Request, p *consolePage) {
	ctx := r.Context()
	pr := principalOf(r)
	cfg := c.s.app.Config()
	q := r.URL.Query()
	unit := q.Get("unit")
	if unit == "" {
		unit = homeUnit(p.User)
	}
	period := q.Get("period")
	if period != "prev" {
		period = "month"
	}
	now := c.s.app.Clock.Now().In(calendar.China)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, calendar.China)
	per := assess.MonthOf(now)
	if period == "prev" {
		per = assess.MonthOf(monthStart.AddDate(0, -1, 0))
	}
	// The page's own report decides whether the user may see the unit (app.Indicators refuses,
	// and logs, a unit outside the user's scopes). The rest of the page is read meanwhile, on the
	// other core, but only for a unit inside the user's scopes, so that a refusal is logged once.
	var rep *app.IndicatorReport
	var repErr error
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		rep, repErr = c.s.app.Indicators(ctx, pr, app.IndicatorQuery{Unit: unit, Period: per})
	}()
	u, known := cfg.Tree.Unit(unit)
	var b *dashboardBody
	var rates []*float64
	var restErr error
	if known && inScopes(pr.Scopes(), u.Path) {
		b = &dashboardBody{UnitID: u.ID, Unit: unitName(cfg, p.Lang, u.ID), Period: period, PeriodName: per.Name, Columns: indicatorColumns}
		for _, l := range []*dashList{&b.Overdue, &b.Supervised} {
			l.Page, l.None, l.Level = p, p.T2("dash.none"), p.T2("dash.level")
		}
		restErr = c.dashboardCases(ctx, p, pr, cfg, u, b)
		if restErr == nil {
			b.Daily, restErr = c.dailyTrend(ctx, p, pr, u, now)
		}
		if restErr == nil {
			rates, restErr = c.monthlyRates(ctx, pr, u, monthStart, per.Name)
		}
	}
	<-reported
	if repErr != nil {
		if civicgrid.IsCode(repErr, civicgrid.ENOTFOUND) {
			c.renderError(w, r, p, http.StatusNotFound, "error.not_found", c.platformMessage(r, repErr))
			return
		}
		c.renderError(w, r, p, HTTPStatus(repErr), errorKey(repErr), c.platformMessage(r, repErr))
		return
	}
	if b == nil { // the report was made for a unit the scopes do not hold: not a case that occurs
		restErr = civicgrid.Errorf(civicgrid.EINTERNAL, "dashboard of unit %s: the report and the scopes disagree", unit)
	}
	if restErr != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, restErr))
		return
	}
	if parent, ok := cfg.Tree.Unit(u.Parent); ok && inScopes(pr.Scopes(), parent.Path) {
		b.Up = dashboardURL(parent.ID, period)
	}
	b.Periods = []periodTab{
		{Label: p.T2("dash.this_month"), URL: dashboardURL(u.ID, "month"), Active: period == "month"},
		{Label: p.T2("dash.prev_month"), URL: dashboardURL(u.ID, "prev"), Active: period == "prev"},
	}
	for i, v := range indicatorCells(rep.Unit) {
		b.Cards = append(b.Cards, card{Key: indicatorColumns[i], Value: v})
	}
	b.Rows = append(b.Rows, indicatorRow{ID: u.ID, Name: b.Unit, Cells: indicatorCells(rep.Unit)})
	for _, x := range rep.Units {
		b.Rows = append(b.Rows, indicatorRow{ID: x.Unit.ID, Name: unitName(cfg, p.Lang, x.Unit.ID), URL: dashboardURL(x.Unit.ID, period), Cells: indicatorCells(x)})
	}
	labels := make([]string, dashMonths)
	for i := range labels {
		labels[i] = assess.MonthOf(monthStart.AddDate(0, i-(dashMonths-1), 0)).Name
		if labels[i] == per.Name {
			rates[i] = rep.Unit.Territory.ClosureRate
		}
	}
	b.Monthly = rateChart(labels, rates, p.T2("dash.closure_rate"))
	p.Title = p.Tf2("dash.title", b.Unit)
	p.Body = b
	c.render(w, r, http.StatusOK, "dashboard", p)
}

func dashboardURL(unit, period string) string {
	return "/console/dashboard?" + url.Values{"unit": {unit}, "period": {period}}.Encode()
}

// homeUnit is the unit a user's dashboard opens on: the first leader grant's, else the first
// grant's.
func homeUnit(u *org.User) string {
	for _, g := range u.Grants {
		if g.Role == org.RoleLeader {
			return g.Unit
		}
	}
	if len(u.Grants) > 0 {
		return u.Grants[0].Unit
	}
	return ""
}

func inScopes(scopes []string, path string) bool {
	for _, s := range scopes {
		if org.Contains(s, path) {
			return true
		}
	}
	return false
}

// dashboardCases reads the open cases of the unit's territory within the user's scopes once: the
// overdue and supervised lists (newest first) and the open cases of each grid for the map.
func (c *console) dashboardCases(ctx context.Context, p *consolePage, pr app.Principal, cfg *app.Config, u *org.Unit, b *dashboardBody) error {
	perGrid := map[string]int{}
	err := c.s.app.DB.EachCase(ctx, store.CaseFilter{Scopes: pr.Scopes(), Within: u.Path, States: openStates}, func(cs *casework.Case) error {
		b.Open++
		if cs.Grid != "" {
			perGrid[cs.Grid]++
		}
		red, sup := cs.Light == casework.Red, cs.Supervision != ""
		if (red && len(b.Overdue.Rows) < dashListLimit) || (sup && len(b.Supervised.Rows) < dashListLimit) {
			var acts []casework.Action
			for _, a := range app.Actions(pr, cs) {
				if slices.Contains(dashboardActions, a) {
					acts = append(acts, a)
				}
			}
			dc := dashCase{caseRow: c.row(p, cs), Seq: cs.Seq, Supervision: p.label("level", string(cs.Supervision)), Forms: c.actionForms(p, cfg, cs, acts)}
			if red && len(b.Overdue.Rows) < dashListLimit {
				b.Overdue.Rows = append(b.Overdue.Rows, dc)
			}
			if sup && len(b.Supervised.Rows) < dashListLimit {
				b.Supervised.Rows = append(b.Supervised.Rows, dc)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	shapes, err := c.shapes.get(ctx, c.s.app)
	if err != nil {
		return err
	}
	var ids, classes, titles []string
	var mps []geo.MultiPolygon
	for _, g := range cfg.Tree.All() {
		mp, ok := shapes[g.ID]
		if g.Kind != org.Grid || !ok || !org.Contains(u.Path, g.Path) {
			continue
		}
		n := perGrid[g.ID]
		ids, mps = append(ids, g.ID), append(mps, mp)
		classes = append(classes, "heat-"+strconv.Itoa(heatLevel(n)))
		titles = append(titles, p.Tf2("dash.map_title", unitName(cfg, p.Lang, g.ID), n))
	}
	if b.Map = drawShapes(c.s.Tiles, ids, mps, classes, titles); b.Map != nil {
		b.Map.Legend = heatLegend()
	}
	return nil
}

// dailyTrend counts, for each of the last 30 days (China time), the cases of the unit's territory
// within the user's scopes reported that day and those closed that day: two grouped counts. A case
// counts on the day of its latest closing.
func (c *console) dailyTrend(ctx context.Context, p *consolePage, pr app.Principal, u *org.Unit, now time.Time) (*chart, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, calendar.China)
	from := today.AddDate(0, 0, -(dashDays - 1))
	_, off := from.Zone()
	offset := time.Duration(off) * time.Second
	first := (from.Unix() + int64(off)) / 86400
	f := store.CaseFilter{Scopes: pr.Scopes(), Within: u.Path}
	series := make([][]float64, 2)
	for i, closed := range []bool{false, true} {
		perDay, err := c.s.app.DB.CountPerDay(ctx, f, closed, from, offset)
		if err != nil {
			return nil, err
		}
		series[i] = make([]float64, dashDays)
		for d, n := range perDay {
			if k := d - first; k >= 0 && k < dashDays {
				series[i][k] = float64(n)
			}
		}
	}
	labels := make([]string, dashDays)
	for i := range labels {
		labels[i] = from.AddDate(0, 0, i).Format("01-02")
	}
	return lineChart(labels, []lineSeries{
		{Class: "line-received", Label: p.T2("dash.received"), Values: series[0]},
		{Class: "line-closed", Label: p.T2("dash.closed"), Values: series[1]},
	}, 5), nil
}

// monthlyRates is the unit's 结案率 for each of the last six months, this one so far, except the
// month skip (the page's own report, filled in by the caller). Each month is summed from the
// roll-ups, so nothing is kept between views. It runs only for a unit inside the user's scopes.
func (c *console) monthlyRates(ctx context.Context, pr app.Principal, u *org.Unit, monthStart time.Time, skip string) ([]*float64, error) {
	rates := make([]*float64, dashMonths)
	for i := range dashMonths {
		per := assess.MonthOf(monthStart.AddDate(0, i-(dashMonths-1), 0))
		if per.Name == skip {
			continue
		}
		rep, err := c.s.app.Indicators(ctx, pr, app.IndicatorQuery{Unit: u.ID, Period: per})
		if err != nil {
			return nil, err
		}
		rates[i] = rep.Unit.Territory.ClosureRate
	}
	return rates, nil
}
