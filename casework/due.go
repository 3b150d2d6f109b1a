package casework

import (
	"strings"
	"time"
)

// Mark is a pending deadline mark: the instant a running clock turns yellow (warn) or red
// (overdue), or the instant a summoned unit's acknowledgement of a whistle falls due (whistle_late).
// The store keeps the marks a case plans and fires each one exactly once.
type Mark struct {
	Clock string    // MarkStage, MarkWhole, or MarkWhistle followed by the summoned unit
	Kind  Action    // ActWarn, ActOverdue or ActWhistleLate
	DueAt time.Time // UTC, whole microseconds
}

// Mark clocks.
const (
	MarkStage   = "stage"
	MarkWhole   = "whole"
	MarkWhistle = "whistle:" // + the unit ID of a whistle party
)

// PendingMarks returns the marks the case still has to reach: for each running (not paused) clock,
// its warning while its light is green and its overdue mark while it is not yet red; and for each
// party of the current whistle that has neither acknowledged nor been recorded late, its
// acknowledgement deadline. Terminal cases plan none; suspended ones plan only the whistle marks,
// since suspension pauses the case's clocks but not a summons.
func PendingMarks(c *Case) []Mark {
	var out []Mark
	add := func(clock string, k *Clock, light Light) {
		if k == nil || k.Paused {
			return
		}
		if light == "" || light == Green {
			out = append(out, Mark{Clock: clock, Kind: ActWarn, DueAt: k.WarnAt})
		}
		if light != Red {
			out = append(out, Mark{Clock: clock, Kind: ActOverdue, DueAt: k.DueAt})
		}
	}
	add(MarkStage, c.StageClock, c.StageLight)
	add(MarkWhole, c.WholeClock, c.WholeLight)
	if c.Whistle != nil && !terminal(c.State) {
		for _, p := range c.Whistle.Units {
			if p.AckedAt == nil && !p.Late {
				out = append(out, Mark{Clock: MarkWhistle + p.Unit, Kind: ActWhistleLate, DueAt: p.DueAt})
			}
		}
	}
	return out
}

// MarkInput is the input of the system action that fires m on c.
func MarkInput(c *Case, m Mark) Input {
	if m.Kind == ActWhistleLate {
		return Input{Unit: strings.TrimPrefix(m.Clock, MarkWhistle)}
	}
	if m.Clock == MarkWhole || c.StageClock == nil {
		return Input{ClockStage: ClockWhole}
	}
	return Input{ClockStage: c.StageClock.Stage}
}

// terminal reports whether a case in state s has left the loop for good (a closed case reopens
// only through a resident's rating).
func terminal(s State) bool { return s == Closed || s == Rejected || s == Voided }
