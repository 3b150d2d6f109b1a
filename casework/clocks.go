package casework

import (
	"fmt"
	"time"

	"civicgrid/calendar"
	"civicgrid/catalog"
)

// ClockWhole names the whole-case clock in Input.ClockStage (warn and overdue marks).
const ClockWhole catalog.Stage = "whole"

// DefaultWarnPercent is the share of a limit after which the light turns yellow.
const DefaultWarnPercent = 80

// Clocks is the deadline state a case has after an event that changed it. Events carry it whole,
// computed on the calendar when the event was decided, so that replaying history never consults
// the calendar and a later calendar change never alters a rebuilt case.
type Clocks struct {
	Stage      *Clock `json:"stage"`
	Whole      *Clock `json:"whole"`
	StageLight Light  `json:"stage_light"`
	WholeLight Light  `json:"whole_light"`
}

// stamp is the form every time takes in an event: UTC, whole microseconds (what the databases keep).
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func lightRank(l Light) int {
	switch l {
	case Red:
		return 2
	case Yellow:
		return 1
	}
	return 0
}

func worse(a, b Light) Light {
	if lightRank(b) > lightRank(a) {
		return b
	}
	if a == "" {
		return Green
	}
	return a
}

func milder(a, b Light) Light {
	if lightRank(b) < lightRank(a) {
		return b
	}
	return a
}

// lightAt is the light a running clock shows at now.
func lightAt(k *Clock, now time.Time) Light {
	switch {
	case !now.Before(k.DueAt):
		return Red
	case !now.Before(k.WarnAt):
		return Yellow
	}
	return Green
}

func copyClock(k *Clock) *Clock {
	if k == nil {
		return nil
	}
	x := *k
	return &x
}

// current returns a copy of the case's clocks, to be changed and recorded by the next event.
func current(c *Case) *Clocks {
	return &Clocks{Stage: copyClock(c.StageClock), Whole: copyClock(c.WholeClock), StageLight: worse(c.StageLight, Green), WholeLight: worse(c.WholeLight, Green)}
}

// clockMath does the calendar arithmetic of one decision.
type clockMath struct {
	cal     *calendar.Calendar
	limits  catalog.Limits
	percent int
	now     time.Time
}

func newClockMath(env Env) clockMath {
	p := env.WarnPercent
	if p <= 0 || p > 100 {
		p = DefaultWarnPercent
	}
	return clockMath{cal: env.Calendar, limits: env.Limits, percent: p, now: stamp(env.Now)}
}

func (m clockMath) need(what string) error {
	if m.cal == nil {
		return fmt.Errorf("casework: a working calendar is needed to %s", what)
	}
	return nil
}

// start begins a clock of limit l at now; a zero limit means the stage has no clock.
func (m clockMath) start(stage catalog.Stage, l calendar.Limit) (*Clock, error) {
	if l.IsZero() {
		return nil, nil
	}
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("casework: the %s limit of this matter type: %w", stageName(stage), err)
	}
	if err := m.need("start the " + stageName(stage) + " clock"); err != nil {
		return nil, err
	}
	due := m.cal.Deadline(m.now, l)
	warn := m.cal.WarnAt(m.now, due, l.Working(), m.percent)
	return &Clock{Stage: stage, Limit: l, Start: m.now, WarnAt: stamp(warn), DueAt: stamp(due)}, nil
}

// enter records a new stage: its own clock and a green stage light; the whole clock runs on.
func (m clockMath) enter(c *Case, stage catalog.Stage) (*Clocks, error) {
	k, err := m.start(stage, m.limits.Stages[stage])
	if err != nil {
		return nil, err
	}
	cs := current(c)
	cs.Stage, cs.StageLight = k, Green
	return cs, nil
}

// stop records the end of all clocks; the lights keep what the case reached.
func stop(c *Case) *Clocks {
	cs := current(c)
	cs.Stage, cs.Whole = nil, nil
	return cs
}

// extend moves a clock's due by the limit on the calendar and recomputes its warning point. The
// light can only become milder here; turning it worse is the timers' job.
func (m clockMath) extend(k *Clock, l calendar.Limit, light Light) (*Clock, Light) {
	if k == nil {
		return nil, light
	}
	x := *k
	x.DueAt = stamp(m.cal.Deadline(k.DueAt, l))
	x.WarnAt = stamp(m.cal.WarnAt(k.Start, x.DueAt, k.Limit.Working(), m.percent))
	return &x, milder(light, lightAt(&x, m.now))
}

// pause keeps what is left of a clock's budget, in its own clock's minutes.
func (m clockMath) pause(k *Clock) *Clock {
	if k == nil {
		return nil
	}
	x := *k
	x.Remaining = 0
	if m.now.Before(k.DueAt) {
		x.Remaining = m.cal.Measure(k.Limit.Working(), m.now, k.DueAt)
	}
	x.Paused = true
	return &x
}

// resume restarts a paused clock with its remaining budget. The warning point keeps its share of
// the budget: the stretch between warning and due stays as long as it was, so the time spent
// suspended counts towards neither.
func (m clockMath) resume(k *Clock) *Clock {
	if k == nil {
		return nil
	}
	w := k.Limit.Working()
	x := *k
	var tail int64
	if k.WarnAt.Before(k.DueAt) {
		tail = m.cal.Measure(w, k.WarnAt, k.DueAt)
	}
	x.DueAt = stamp(m.cal.Advance(w, m.now, k.Remaining))
	if k.Remaining > tail {
		x.WarnAt = stamp(m.cal.Advance(w, m.now, k.Remaining-tail))
	} else if x.DueAt.Before(k.WarnAt) {
		x.WarnAt = x.DueAt
	}
	x.Remaining, x.Paused = 0, false
	return &x
}

func stageName(s catalog.Stage) string {
	if s == "" || s == ClockWhole {
		return "whole-case"
	}
	return string(s)
}
