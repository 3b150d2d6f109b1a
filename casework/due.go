package casework

import "time"

// Mark is a pending deadline mark: the instant a running clock turns yellow (warn) or red (overdue).
// The store keeps the marks a case plans and fires each one exactly once.
type Mark struct {
	Clock string    // MarkStage or MarkWhole
	Kind  Action    // ActWarn or ActOverdue
	DueAt time.Time // UTC, whole microseconds
}

// Mark clocks.
const (
	MarkStage = "stage"
	MarkWhole = "whole"
)

// PendingMarks returns the marks the case still has to reach: for each running (not paused) clock,
// its warning while its light is green and its overdue mark while it is not yet red. Terminal and
// suspended cases plan none, since their clocks are stopped or paused.
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
	return out
}

// MarkInput is the input of the system action that fires m on c.
func MarkInput(c *Case, m Mark) Input {
	if m.Clock == MarkWhole || c.StageClock == nil {
		return Input{ClockStage: ClockWhole}
	}
	return Input{ClockStage: c.StageClock.Stage}
}
