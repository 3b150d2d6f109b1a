package app

import "sync/atomic"

// Counters are what this process has done since it started, for the metrics endpoint. They count
// the work of this process only: with several processes on one database, each reports its share.
type Counters struct {
	// MarksFired counts the deadline marks (warn, overdue, whistle_late) this process's sweeps fired.
	MarksFired atomic.Int64
	// Sweeps counts the sweep transactions run, and SweepErrors those that failed.
	Sweeps      atomic.Int64
	SweepErrors atomic.Int64
}
