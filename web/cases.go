package web

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
)

// caseView is a case as the API shows it: the projection, with the reporter's personal fields only
// for staff, the actions the caller can take now, and (for one case) its timeline.
type caseView struct {
	*casework.Case
	Actions  []casework.Action `json:"actions"`
	Timeline []eventView       `json:"timeline,omitempty"`
}

type eventView struct {
	Seq     int             `json:"seq"`
	Action  casework.Action `json:"action"`
	Actor   org.Actor       `json:"actor"`
	At      time.Time       `json:"at"`
	From    casework.State  `json:"from"`
	To      casework.State  `json:"to"`
	Reason  string          `json:"reason,omitempty"`
	Payload any             `json:"payload,omitempty"`
	Hash    string          `json:"hash"`
}

func (s *Server) view(p app.Principal, c *casework.Case) caseView {
	return caseView{Case: app.Redacted(p, c), Actions: app.Actions(p, c)}
}

func (s *Server) handleCreateCase(w http.ResponseWriter, r *http.Request) {
	var in app.ReportInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principalOf(r)
	c, created, err := s.app.Report(r.Context(), p, in, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, status, s.view(p, c))
}

func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principalOf(r)
	c, events, err := s.app.Case(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := s.view(p, c)
	v.Timeline = make([]eventView, 0, len(events))
	for _, e := range events {
		ev := eventView{Seq: e.Seq, Action: e.Action, Actor: e.Actor, At: e.At, From: e.From, To: e.To, Reason: e.Reason, Hash: e.Hash}
		if len(e.Payload) > 0 && p.User != nil {
			ev.Payload = jsonRaw(e.Payload)
		}
		v.Timeline = append(v.Timeline, ev)
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	action := casework.Action(r.PathValue("action"))
	if action == casework.ActReport || slices.Contains(casework.SystemActions, action) || !knownAction(action) {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "no case action %q", action))
		return
	}
	var in casework.Input
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	p := principalOf(r)
	c, err := s.app.Act(r.Context(), p, id, action, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(p, c))
}

func knownAction(a casework.Action) bool {
	for _, t := range casework.Table() {
		if t.Action == a {
			return true
		}
	}
	return false
}

type caseList struct {
	Cases      []caseView `json:"cases"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// handleListCases lists cases newest first with filters and an opaque keyset cursor.
func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request) {
	f, err := caseFilter(r)
	if err == nil {
		err = withinFilter(s, r, &f)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principalOf(r)
	cases, err := s.app.Cases(r.Context(), p, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := caseList{Cases: make([]caseView, 0, len(cases))}
	for _, c := range cases {
		out.Cases = append(out.Cases, s.view(p, c))
	}
	if len(cases) == f.Limit {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(cases[len(cases)-1].ID, 10)))
	}
	writeJSON(w, http.StatusOK, out)
}

// MaxPageSize caps list pages; MaxFilterValues caps a comma-separated filter.
const (
	MaxPageSize     = 200
	MaxFilterValues = 100
)

func caseFilter(r *http.Request) (store.CaseFilter, error) {
	q := r.URL.Query()
	f := store.CaseFilter{Limit: 50}
	known := map[string]bool{"state": true, "matter_code": true, "channel": true, "within": true, "assignee": true, "light": true,
		"overdue": true, "reported_from": true, "reported_to": true, "updated_after": true, "limit": true, "cursor": true}
	for k := range q {
		if !known[k] {
			return f, civicgrid.Errorf(civicgrid.EINVALID, "unknown query parameter %q", k).WithDetail("field", k)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return f, civicgrid.Errorf(civicgrid.EINVALID, "limit must be 1 to %d", MaxPageSize).WithDetail("field", "limit")
		}
		f.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.ParseInt(string(b), 10, 64)
		if err != nil || err2 != nil || n <= 0 {
			return f, civicgrid.Errorf(civicgrid.EINVALID, "cursor is not one this API returned").WithDetail("field", "cursor")
		}
		f.Before = n
	}
	if v := q.Get("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if !validState(casework.State(st)) {
				return f, civicgrid.Errorf(civicgrid.EINVALID, "state %q is not a case state", st).WithDetail("field", "state")
			}
			f.States = append(f.States, casework.State(st))
		}
	}
	if v := q.Get("matter_code"); v != "" {
		f.MatterCodes = strings.Split(v, ",")
		if len(f.MatterCodes) > MaxFilterValues {
			return f, civicgrid.Errorf(civicgrid.EINVALID, "at most %d matter codes in one filter", MaxFilterValues).WithDetail("field", "matter_code")
		}
	}
	f.Channel = casework.Channel(q.Get("channel"))
	if f.Channel != "" && !validChannel(f.Channel) {
		return f, civicgrid.Errorf(civicgrid.EINVALID, "channel %q is not one of the report channels", f.Channel).WithDetail("field", "channel")
	}
	f.Light = casework.Light(q.Get("light"))
	if f.Light != "" && f.Light != casework.Green && f.Light != casework.Yellow && f.Light != casework.Red {
		return f, civicgrid.Errorf(civicgrid.EINVALID, "light must be green, yellow or red").WithDetail("field", "light")
	}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, civicgrid.Errorf(civicgrid.EINVALID, "overdue must be true or false").WithDetail("field", "overdue")
		}
		f.Overdue = &b
	}
	for name, dst := range map[string]*time.Time{"reported_from": &f.ReportedFrom, "reported_to": &f.ReportedTo, "updated_after": &f.UpdatedAfter} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, civicgrid.Errorf(civicgrid.EINVALID, "%s must be an RFC 3339 time with a zone, e.g. 2026-11-01T08:00:00+08:00", name).WithDetail("field", name)
			}
			*dst = t
		}
	}
	return f, nil
}

func withinFilter(s *Server, r *http.Request, f *store.CaseFilter) error {
	cfg := s.app.Config()
	for param, dst := range map[string]*string{"within": &f.Within, "assignee": &f.AssigneePath} {
		if v := r.URL.Query().Get(param); v != "" {
			u, ok := cfg.Tree.Unit(v)
			if !ok {
				return civicgrid.Errorf(civicgrid.EINVALID, "%s: unit %q does not exist", param, v).WithDetail("field", param)
			}
			*dst = u.Path
		}
	}
	return nil
}

func validChannel(c casework.Channel) bool {
	for _, x := range casework.Channels {
		if x == c {
			return true
		}
	}
	return false
}

func validState(s casework.State) bool {
	for _, x := range casework.States {
		if x == s {
			return true
		}
	}
	return false
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, civicgrid.Errorf(civicgrid.ENOTFOUND, "%s %q is not a valid ID", name, r.PathValue(name))
	}
	return id, nil
}
