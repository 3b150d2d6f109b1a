// Package assess computes the indicators units are assessed on (考核指标) from the record: the events
// of each case, which are the source of truth. Fold reads one case's history into CaseFacts, the
// few instants and units the indicators count; an Aggregator adds the facts of many cases into the
// indicators of a set of units for one period. Every definition is written in docs/indicators.md;
// this package implements exactly those. No SQL and no HTTP here: the store streams histories in,
// the web layer shows the result.
package assess

import (
	"fmt"
	"time"

	"civicgrid/casework"
	"civicgrid/catalog"
)

// CaseFacts is what one case's history holds that the indicators count. Fold fills it from the
// events it is given, which for a period are the case's events before the period's end; State,
// WholeDue and the open run then describe the case as it stood at that end.
type CaseFacts struct {
	ID            int64
	Channel       casework.Channel
	MatterCode    string
	TerritoryPath string
	ReportedAt    time.Time
	LastAt        time.Time      // the time of the last event folded
	State         casework.State // after the last event
	AssigneePath  string         // the unit the case is assigned to after the last event, or ""
	FiledAt       *time.Time     // 立案
	RejectedAt    *time.Time     // 不予立案: rejected by intake, or denied on confirmation
	VoidedAt      *time.Time     // 作废: voided, or merged into another case
	Merged        bool
	// WholeDue is the whole-case due in force after the last event; nil when no whole clock runs
	// (the case is terminal or suspended, or its matter type sets no whole limit).
	WholeDue   *time.Time
	Closings   []Closing
	Dispatches []Occurrence // dispatches and rulings: the unit the case was sent to
	Returns    []Occurrence // the unit that returned the case
	Extensions []Occurrence // approved extensions: the unit the case was with
	Overdues   []Occurrence // overdue marks of any clock: the unit that had to act (see withUnit), or ""

	Supervisions []time.Time
	Ratings      []RatingFact
	Runs         []Run // completed stage runs, and the run still open after the last event
}

// Occurrence is an event that counts for a unit: when it happened and the path of the unit.
type Occurrence struct {
	At       time.Time
	UnitPath string
}

// Closing is one closure (核查通过 → 结案).
type Closing struct {
	At time.Time
	// OnTime: the closure came before the whole-case due in force (extensions included), or the
	// case had no whole-case clock.
	OnTime bool
	// UnitPath is the unit the case was assigned to when it closed.
	UnitPath string
	// Reworked: before this closure the case failed a check or was reopened by a rating.
	Reworked bool
}

// RatingFact is one rating of a closure.
type RatingFact struct {
	At     time.Time
	Rating casework.Rating
}

// Span is a stretch of time [From, To).
type Span struct{ From, To time.Time }

// Run is one run of a timed stage whose punctuality is assessed: 派遣 (dispatch), 签收 (sign),
// 处置 (handle) or 核查 (check). A run starts when the stage starts and is completed by the event
// that ends the stage normally (dispatch or ruling; signing; the handling result; the check).
// Runs ended otherwise — a return before signing, a re-dispatch, a void, a merge — are not kept.
type Run struct {
	Stage    catalog.Stage
	UnitPath string // the unit the case was assigned to at the end (sign, handle), else ""
	Start    time.Time
	End      *time.Time // completion; nil while open
	// Due is the stage's due in force at completion, or after the last event while the run is
	// open (extensions included); nil when the stage has no time limit or its clock is paused.
	Due    *time.Time
	OnTime bool // completed before Due, or completed without a due
	Open   bool // still running after the last event
	// Active are the stretches of a handle run outside suspension (挂账); while the run is open and
	// not suspended, the last stretch has a zero To.
	Active []Span
}

// assessed are the stages whose runs are kept.
var assessed = map[catalog.Stage]bool{catalog.StageDispatch: true, catalog.StageSign: true, catalog.StageHandle: true, catalog.StageCheck: true}

// residentChannels are the channels of citizens' requests (诉求), which the hotline indicators count.
var residentChannels = map[casework.Channel]bool{casework.ChannelHotline: true, casework.ChannelPortal: true, casework.ChannelOpen311: true}

// Resident reports whether the case is a citizen's request (诉求): it came in by the hotline, the
// resident portal or Open311.
func (f *CaseFacts) Resident() bool { return residentChannels[f.Channel] }

// Fold reads a case's history, in order, into its facts. It replays the events through the case
// projection (casework.Apply), so the facts see exactly the states, assignees and recorded clocks
// the case had; it never consults a calendar.
func Fold(events []casework.Event) (CaseFacts, error) {
	if len(events) == 0 {
		return CaseFacts{}, fmt.Errorf("assess: a case history needs at least its report")
	}
	fo := newFolder()
	for _, e := range events {
		if err := fo.step(e); err != nil {
			return CaseFacts{}, err
		}
	}
	return fo.facts(), nil
}

// folder folds a history one event at a time.
type folder struct {
	f   CaseFacts
	c   *casework.Case
	cur *Run // the run in progress
}

func newFolder() *folder { return &folder{c: &casework.Case{}} }

func (fo *folder) start(stage catalog.Stage, at time.Time) {
	fo.cur = &Run{Stage: stage, Start: at}
	if stage == catalog.StageHandle {
		fo.cur.Active = []Span{{From: at}}
	}
}

// step applies the next event.
func (fo *folder) step(e casework.Event) error {
	f, c := &fo.f, fo.c
	before := beforeOf(c)
	if err := casework.Apply(c, e); err != nil {
		return fmt.Errorf("assess: case %d: %w", e.CaseID, err)
	}
	at := e.At
	complete := func(stage catalog.Stage, unit string) {
		if fo.cur == nil || fo.cur.Stage != stage {
			// The history reached the stage's end without its start (it cannot, from the table);
			// the run is then counted from the event before.
			fo.start(stage, before.updated)
		}
		r := *fo.cur
		r.End = &at
		r.Due = dueOf(before.stage, stage)
		r.OnTime = r.Due == nil || at.Before(*r.Due)
		r.UnitPath = unit
		if len(r.Active) > 0 {
			r.Active[len(r.Active)-1].To = at
		}
		f.Runs = append(f.Runs, r)
		fo.cur = nil
	}
	switch e.Action {
	case casework.ActReport:
		f.ID, f.Channel, f.MatterCode, f.TerritoryPath, f.ReportedAt = c.ID, c.Channel, c.MatterCode, c.TerritoryPath, at
	case casework.ActFile:
		f.FiledAt = firstTime(f.FiledAt, at)
		fo.start(catalog.StageDispatch, at)
	case casework.ActReject, casework.ActDeny:
		f.RejectedAt = firstTime(f.RejectedAt, at)
		fo.cur = nil
	case casework.ActVoid, casework.ActMerge:
		f.VoidedAt = firstTime(f.VoidedAt, at)
		f.Merged = e.Action == casework.ActMerge
		fo.cur = nil
	case casework.ActDispatch, casework.ActRule:
		if e.From == casework.Filed || e.From == casework.Returned {
			complete(catalog.StageDispatch, "")
		}
		f.Dispatches = append(f.Dispatches, Occurrence{At: at, UnitPath: c.AssigneePath})
		fo.start(catalog.StageSign, at)
	case casework.ActReturn:
		f.Returns = append(f.Returns, Occurrence{At: at, UnitPath: before.assignee})
		fo.start(catalog.StageDispatch, at)
	case casework.ActSign:
		complete(catalog.StageSign, before.assignee)
		fo.start(catalog.StageHandle, at)
	case casework.ActApproveExtension:
		f.Extensions = append(f.Extensions, Occurrence{At: at, UnitPath: c.AssigneePath})
	case casework.ActApproveSuspend:
		if fo.cur != nil && len(fo.cur.Active) > 0 {
			fo.cur.Active[len(fo.cur.Active)-1].To = at
		}
	case casework.ActResume:
		if fo.cur != nil && fo.cur.Stage == catalog.StageHandle {
			fo.cur.Active = append(fo.cur.Active, Span{From: at})
		}
	case casework.ActHandle:
		complete(catalog.StageHandle, before.assignee)
		fo.start(catalog.StageCheck, at)
	case casework.ActCheckPass:
		complete(catalog.StageCheck, "")
		f.Closings = append(f.Closings, Closing{At: at, OnTime: before.whole == nil || at.Before(before.whole.DueAt),
			UnitPath: c.AssigneePath, Reworked: c.ReworkCount > 0})
	case casework.ActCheckFail:
		complete(catalog.StageCheck, "")
		fo.start(catalog.StageSign, at)
	case casework.ActRate:
		f.Ratings = append(f.Ratings, RatingFact{At: at, Rating: c.Rating})
		if e.To == casework.Rework {
			fo.start(catalog.StageSign, at)
		}
	case casework.ActSupervise:
		f.Supervisions = append(f.Supervisions, at)
	case casework.ActOverdue:
		f.Overdues = append(f.Overdues, Occurrence{At: at, UnitPath: withUnit(e.From, c.AssigneePath)})
	}
	return nil
}

// wholeDue is the whole-case due in force, nil when no whole clock runs.
func (fo *folder) wholeDue() *time.Time {
	if k := fo.c.WholeClock; k != nil && !k.Paused {
		due := k.DueAt
		return &due
	}
	return nil
}

// openRun is the run still open after the events so far, if its stage is assessed.
func (fo *folder) openRun() *Run {
	if fo.cur == nil || !assessed[fo.cur.Stage] {
		return nil
	}
	r := *fo.cur
	r.Open = true
	r.UnitPath = unitOfStage(r.Stage, fo.c.AssigneePath)
	if k := fo.c.StageClock; k != nil && !k.Paused {
		r.Due = dueOf(k, r.Stage)
	}
	return &r
}

// facts are the facts of the events so far.
func (fo *folder) facts() CaseFacts {
	f := fo.f
	f.LastAt, f.State, f.AssigneePath = fo.c.UpdatedAt, fo.c.State, fo.c.AssigneePath
	f.WholeDue = fo.wholeDue()
	if r := fo.openRun(); r != nil {
		f.Runs = append(f.Runs[:len(f.Runs):len(f.Runs)], *r)
	}
	return f
}

// before is what an event is judged against: the case as it stood before the event.
type before struct {
	stage    *casework.Clock
	whole    *casework.Clock
	assignee string
	updated  time.Time
}

func beforeOf(c *casework.Case) before {
	return before{stage: c.StageClock, whole: c.WholeClock, assignee: c.AssigneePath, updated: c.UpdatedAt}
}

// dueOf is the due of a stage's clock when k is that stage's running clock.
func dueOf(k *casework.Clock, stage catalog.Stage) *time.Time {
	if k == nil || k.Stage != stage || k.Paused {
		return nil
	}
	due := k.DueAt
	return &due
}

// unitOfStage is the unit a run of the stage counts for: the assignee for signing and handling,
// none (the territory) for dispatch and check.
func unitOfStage(s catalog.Stage, assignee string) string {
	if s == catalog.StageSign || s == catalog.StageHandle {
		return assignee
	}
	return ""
}

// withUnit is the assignee while the case waits on it — to be signed (dispatched), handled
// (handling) or reworked (rework) — and "" in every other state, where the centre or the
// originator must act.
func withUnit(s casework.State, assignee string) string {
	switch s {
	case casework.Dispatched, casework.Handling, casework.Rework:
		return assignee
	}
	return ""
}

func firstTime(have *time.Time, at time.Time) *time.Time {
	if have != nil {
		return have
	}
	return &at
}
