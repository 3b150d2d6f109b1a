package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/store"
)

// The dispatcher's workbench (调度工作台): the queues a dispatch centre works, each with a live count
// of the cases the user may see, and one queue listed at a time, newest first, paged by cursor.

// queue is one list of the workbench.
type queue struct {
	Key    string
	States []casework.State
	// Light, when set, keeps only cases with that light (the overdue queue).
	Light casework.Light
	// Pending keeps only cases with an extension or suspension request waiting for a decision. The
	// store has no column for it, so those cases are found by reading the states a request can wait
	// in (see pendingScanLimit).
	Pending bool
}

// openStates are the states a case can still move from.
var openStates = []casework.State{casework.Reported, casework.Confirming, casework.Filed, casework.Dispatched, casework.Handling,
	casework.Handled, casework.Checking, casework.Rework, casework.Returned, casework.Suspended}

// queues of the workbench, in the order of the tabs.
var queues = []queue{
	{Key: "reported", States: []casework.State{casework.Reported}},                                                      // 待立案
	{Key: "filed", States: []casework.State{casework.Filed}},                                                            // 待派遣
	{Key: "returned", States: []casework.State{casework.Returned}},                                                      // 退回
	{Key: "requests", States: []casework.State{casework.Dispatched, casework.Handling, casework.Rework}, Pending: true}, // 延期/挂账申请
	{Key: "overdue", States: openStates, Light: casework.Red},                                                           // 超期
	{Key: "check", States: []casework.State{casework.Handled, casework.Checking}},                                       // 待核查
}

// Workbench page size, and how many cases in the request-holding states one count or page reads
// at most to find the pending requests.
const (
	workbenchPageSize = 25
	pendingScanLimit  = 5000
	pendingScanBatch  = 200
)

type workbenchBody struct {
	Queue  string
	Tabs   []queueTab
	Rows   []caseRow
	Next   string // URL of the next page, or ""
	Paged  bool   // this is not the first page
	Capped bool   // the pending count stopped at pendingScanLimit cases read
}

type queueTab struct {
	Key    string
	URL    string
	Count  int
	Active bool
}

// caseRow is one case in a queue.
type caseRow struct {
	ID         int64
	URL        string
	Light      casework.Light
	Matter     string
	Place      string
	ReportedAt string
	Assignee   string
	State      casework.State
	Due        string // the current stage's due time
	Pending    string // what is waiting for a decision (requests queue)
}

func (c *console) handleWorkbench(w http.ResponseWriter, r *http.Request, p *consolePage) {
	ctx := r.Context()
	q := r.URL.Query()
	if to, ok := home(p.User); ok && len(q) == 0 {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	active := queues[0]
	for _, qu := range queues {
		if qu.Key == q.Get("q") {
			active = qu
		}
	}
	var before int64
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.ParseInt(string(b), 10, 64)
		if err != nil || err2 != nil || n <= 0 {
			c.renderError(w, r, p, http.StatusBadRequest, "error.invalid", "cursor is not one this page made")
			return
		}
		before = n
	}
	pr := principalOf(r)
	body := workbenchBody{Queue: active.Key, Paged: before > 0}
	counts, capped, err := c.queueCounts(ctx, pr)
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	body.Capped = capped
	for _, qu := range queues {
		body.Tabs = append(body.Tabs, queueTab{Key: qu.Key, URL: "/console/?q=" + qu.Key, Count: counts[qu.Key], Active: qu.Key == active.Key})
	}
	cases, more, err := c.queuePage(ctx, pr, active, before, workbenchPageSize)
	if err != nil {
		c.renderError(w, r, p, http.StatusInternalServerError, "error.internal", c.platformMessage(r, err))
		return
	}
	for _, cs := range cases {
		body.Rows = append(body.Rows, c.row(p, cs))
	}
	if more {
		v := url.Values{"q": {active.Key}, "cursor": {base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(cases[len(cases)-1].ID, 10)))}}
		body.Next = "/console/?" + v.Encode()
	}
	p.Title = p.T2("workbench.title")
	p.Body = body
	c.render(w, r, http.StatusOK, "workbench", p)
}

// queueCounts counts every queue within the user's scopes: one grouped count for the queues by
// state, one for the overdue queue, and a read of the request-holding states for pending requests.
func (c *console) queueCounts(ctx context.Context, pr app.Principal) (map[string]int, bool, error) {
	// Only the queues' own states: the index on state then skips the closed cases, which are most.
	var states []casework.State
	for _, qu := range queues {
		if !qu.Pending && qu.Light == "" {
			states = append(states, qu.States...)
		}
	}
	byState, err := c.s.app.DB.CountCases(ctx, store.CaseFilter{Scopes: pr.Scopes(), States: states})
	if err != nil {
		return nil, false, err
	}
	red, err := c.s.app.DB.CountCases(ctx, store.CaseFilter{Scopes: pr.Scopes(), States: openStates, Light: casework.Red})
	if err != nil {
		return nil, false, err
	}
	out := map[string]int{}
	capped := false
	for _, qu := range queues {
		switch {
		case qu.Pending:
			n, hitCap, err := c.countPending(ctx, pr, qu)
			if err != nil {
				return nil, false, err
			}
			out[qu.Key], capped = n, hitCap
		case qu.Light != "":
			for _, n := range red {
				out[qu.Key] += n
			}
		default:
			for _, s := range qu.States {
				out[qu.Key] += byState[s]
			}
		}
	}
	return out, capped, nil
}

func hasPendingRequest(c *casework.Case) bool {
	return c.PendingExtension != nil || c.PendingSuspension
}

func (c *console) countPending(ctx context.Context, pr app.Principal, qu queue) (int, bool, error) {
	n, read := 0, 0
	err := c.scan(ctx, pr, qu, 0, func(cs *casework.Case) bool {
		read++
		if hasPendingRequest(cs) {
			n++
		}
		return read < pendingScanLimit
	})
	return n, read >= pendingScanLimit, err
}

// scan reads the queue's states newest first from before (0 for the start) in batches, calling fn
// for each case until fn returns false or the cases run out.
func (c *console) scan(ctx context.Context, pr app.Principal, qu queue, before int64, fn func(*casework.Case) bool) error {
	for {
		batch, err := c.s.app.Cases(ctx, pr, store.CaseFilter{States: qu.States, Light: qu.Light, Before: before, Limit: pendingScanBatch})
		if err != nil {
			return err
		}
		for _, cs := range batch {
			if !fn(cs) {
				return nil
			}
		}
		if len(batch) < pendingScanBatch {
			return nil
		}
		before = batch[len(batch)-1].ID
	}
}

// queuePage returns up to limit cases of the queue older than before, and whether more follow.
func (c *console) queuePage(ctx context.Context, pr app.Principal, qu queue, before int64, limit int) ([]*casework.Case, bool, error) {
	if !qu.Pending {
		cases, err := c.s.app.Cases(ctx, pr, store.CaseFilter{States: qu.States, Light: qu.Light, Before: before, Limit: limit + 1})
		if err != nil {
			return nil, false, err
		}
		if len(cases) > limit {
			return cases[:limit], true, nil
		}
		return cases, false, nil
	}
	var out []*casework.Case
	more, read := false, 0
	err := c.scan(ctx, pr, qu, before, func(cs *casework.Case) bool {
		read++
		if hasPendingRequest(cs) {
			if len(out) == limit {
				more = true
				return false
			}
			out = append(out, cs)
		}
		return read < pendingScanLimit
	})
	return out, more, err
}

// row turns a case into a queue row in the page's language.
func (c *console) row(p *consolePage, cs *casework.Case) caseRow {
	cfg := c.s.app.Config()
	row := caseRow{ID: cs.ID, URL: "/console/cases/" + strconv.FormatInt(cs.ID, 10), Light: cs.Light, State: cs.State,
		Matter: matterName(cfg, p.Lang, cs.MatterCode), Place: placeOf(cfg, p.Lang, cs), ReportedAt: p.Time(cs.ReportedAt),
		Assignee: unitName(cfg, p.Lang, cs.Assignee)}
	if cs.StageClock != nil && !cs.StageClock.DueAt.IsZero() {
		row.Due = p.Time(cs.StageClock.DueAt)
	}
	if cs.PendingExtension != nil {
		row.Pending = p.Tf2("workbench.pending_extension", limitText(p.Lang, *cs.PendingExtension))
	}
	if cs.PendingSuspension {
		row.Pending = p.T2("workbench.pending_suspension")
	}
	return row
}
