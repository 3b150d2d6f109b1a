package web

import (
	"net/http"
	"net/url"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/catalog"
)

// requiresFields reports whether a matter type has a required extra field: the portal's form must
// show the type's fields before such a report can be sent.
func requiresFields(fs []catalog.Field) bool {
	for _, f := range fs {
		if f.Required {
			return true
		}
	}
	return false
}

// portalTrack is the status page's data. Only public facts: never the reporter's contact, never
// staff names, never internal steps (supervision, whistles, deadline marks, comments).
type portalTrack struct {
	Code       string
	Found      bool // false: the form to enter a code, with Asked set when a code was given
	Asked      bool
	Merged     bool // the case was merged into another; what follows is the master's status
	ID         int64
	State      casework.State
	Matter     string
	Place      string
	ReportedAt time.Time
	Unit       string
	Due        *time.Time
	ClosedAt   *time.Time
	Rating     casework.Rating
	RateOpen   bool
	RateUntil  time.Time
	Steps      []portalStep
}

// portalStep is one public step of the timeline.
type portalStep struct {
	At     time.Time
	Action casework.Action
	State  casework.State
	Text   string // a handling result, or the reason of a refusal, as the Open311 notes show them
}

// handlePortalTrack shows the form to enter a code, or the status of the case it belongs to.
func (c *console) handlePortalTrack(w http.ResponseWriter, r *http.Request) {
	p := c.portalPage(w, r)
	p.Title = p.T2("portal.track_title")
	code := app.NormalizeTrackingCode(r.URL.Query().Get("code"))
	if code == "" {
		p.Body = portalTrack{}
		c.render(w, r, http.StatusOK, "portal_track", p)
		return
	}
	switch r.URL.Query().Get("rated") {
	case "reopened":
		p.Notice = p.T2("portal.rated_reopened")
	case "1":
		p.Notice = p.T2("portal.rated")
	}
	body, err := c.portalStatus(r, p.Lang, code)
	if err != nil {
		if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			p.Notice = ""
			p.Title = p.T2("portal.not_found")
			p.Body = portalTrack{Code: code, Asked: true}
			c.render(w, r, http.StatusNotFound, "portal_track", p)
			return
		}
		c.portalError(w, r, p, HTTPStatus(err), errorKey(err), c.platformMessage(r, err))
		return
	}
	c.render(w, r, http.StatusOK, "portal_track", p.withBody(body))
}

func (p *consolePage) withBody(b any) *consolePage { p.Body = b; return p }

// portalStatus reads the public status of the case a code belongs to; a merged case shows its
// master's, as the reporters of merged cases follow the master.
func (c *console) portalStatus(r *http.Request, lang, code string) (*portalTrack, error) {
	ctx := r.Context()
	a := c.s.app
	own, err := a.CaseByTrackingCode(ctx, code)
	if err != nil {
		return nil, err
	}
	cs := own
	for hops := 0; cs.MergedInto != 0 && hops < 5; hops++ {
		if cs, err = a.DB.Case(ctx, cs.MergedInto); err != nil {
			return nil, err
		}
	}
	events, err := a.DB.CaseEvents(ctx, cs.ID)
	if err != nil {
		return nil, err
	}
	cfg := a.Config()
	now := a.Clock.Now()
	t := &portalTrack{Code: own.TrackingCode, Found: true, Merged: cs.ID != own.ID, ID: cs.ID, State: cs.State,
		Matter: matterName(cfg, lang, cs.MatterCode), Place: placeOf(cfg, lang, cs), ReportedAt: cs.ReportedAt,
		ClosedAt: cs.ClosedAt, Rating: cs.Rating}
	lead := cs.Assignee
	if lead == "" && cs.SuggestedRoute != nil {
		lead = cs.SuggestedRoute.Lead
	}
	t.Unit = unitName(cfg, lang, lead)
	if cs.WholeClock != nil && !cs.WholeClock.Paused && o311StatusOf(cs.State) != "closed" {
		due := cs.WholeClock.DueAt
		t.Due = &due
	}
	if !t.Merged && ratingOpen(cs, now, a.RatingWindow) {
		t.RateOpen, t.RateUntil = true, cs.ClosedAt.Add(a.RatingWindow)
	}
	for _, e := range events {
		if !o311Public(e) {
			continue
		}
		s := portalStep{At: e.At, Action: e.Action, State: e.To}
		switch e.Action {
		case casework.ActHandle:
			s.Text = factsOf(e).Result
		case casework.ActReject, casework.ActDeny:
			s.Text = e.Reason
		}
		t.Steps = append(t.Steps, s)
	}
	return t, nil
}

// handlePortalRate records the reporter's rating: the token, the throttle, then the casework
// rules through app.RateAsReporter. The portal offers the form only within the rating window.
func (c *console) handlePortalRate(w http.ResponseWriter, r *http.Request) {
	p := c.portalPage(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if !c.portalCSRF(r) {
		c.portalRefuseCSRF(w, r, p)
		return
	}
	if !c.portalThrottle(w, r, p) {
		return
	}
	code := app.NormalizeTrackingCode(r.PostFormValue("code"))
	rating := casework.Rating(r.PostFormValue("rating"))
	a := c.s.app
	cs, err := a.CaseByTrackingCode(r.Context(), code)
	if err == nil && !ratingOpen(cs, a.Clock.Now(), a.RatingWindow) {
		err = civicgrid.Errorf(civicgrid.ECONFLICT, "this case cannot be rated now")
	}
	if err == nil {
		cs, err = a.RateAsReporter(r.Context(), code, rating)
	}
	if err != nil {
		msg := c.platformMessage(r, err)
		if civicgrid.IsCode(err, civicgrid.ECONFLICT) {
			msg = p.T2("portal.rate_closed")
		}
		c.portalError(w, r, p, HTTPStatus(err), errorKey(err), msg)
		return
	}
	done := "1"
	if cs.State != casework.Closed {
		done = "reopened"
	}
	http.Redirect(w, r, "/portal/track?code="+url.QueryEscape(code)+"&rated="+done, http.StatusSeeOther)
}
