package app

import (
	"context"
	"time"
)

// RunTimers sweeps due deadline marks every interval until ctx ends. A sweep that fills its batch
// runs again at once, so a backlog (after an outage) drains without waiting for the next tick.
func (a *App) RunTimers(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			n, err := a.Sweep(ctx, timerBatch)
			a.Counters.Sweeps.Add(1)
			if err != nil {
				if ctx.Err() == nil {
					a.Counters.SweepErrors.Add(1)
					a.Log.Error("deadline sweep failed", "err", err)
				}
				break
			}
			a.Counters.MarksFired.Add(int64(n))
			if n > 0 {
				a.Log.Debug("deadline marks fired", "n", n)
			}
			if n < timerBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// timerBatch is how many marks one sweep transaction fires at most.
const timerBatch = 200
