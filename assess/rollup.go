package assess

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// Roll-ups (汇总) let the indicators of a day-aligned period be added up from a few stored rows
// instead of folding every history. A case's contribution is a list of Items, each a number added
// to one counter of one unit under a condition on the period [a, b) (a and b as day numbers):
//
//	a ≤ Day < b,  ALo ≤ a,  BLo ≤ b ≤ BHi
//
// Plain counts (a report, a filing, a completed run, a rating) hold on the day of their event
// whatever the period; counts made once per case and period (结案数, 超期数, the 承办 派遣数 …) are
// held by the last occurrence in the period, which is the one whose next occurrence lies at or
// after b (BHi); what a case is at the period's end (open and due, an open run that fell due) holds
// while b lies between the events that bound that state (BLo, BHi), and a case's whole-case due
// counts only if it did not close in the period (ALo). Items of the same condition add up, so the
// store keeps their sums per (unit, counter, day, ALo, BLo, BHi); docs/indicators.md says which
// queries are answered from them.

// Item is one count a case contributes to the roll-ups.
type Item struct {
	Unit    string // the unit ID whose row counts it
	Counter int    // a tally counter, plus DueItem when it depends on a due having come
	Day     int32  // day number (DayOf) of the instant counted
	ALo     int32
	BLo     int32
	BHi     int32
	// At is the due instant (microseconds) of a DueItem, which a period still in progress needs to
	// tell a due that has come from one later the same day; zero for the others.
	At int64
	N  int64
}

// Key is an item without its amount: what the store sums over.
type Key struct {
	Unit               string
	Counter            int
	Day, ALo, BLo, BHi int32
}

// Key is the row the item adds to.
func (it Item) Key() Key {
	return Key{Unit: it.Unit, Counter: it.Counter, Day: it.Day, ALo: it.ALo, BLo: it.BLo, BHi: it.BHi}
}

// Counts reports whether a row of this key counts in the period [a, b) of day numbers.
func (k Key) Counts(a, b int32) bool {
	return k.Day >= a && k.Day < b && k.ALo <= a && k.BLo <= b && k.BHi >= b
}

// DueItem marks the counters that count a due only once it has come (open runs and cases due).
const DueItem = 64

// Day bounds of a condition that does not bound: NoDay is before any day, Forever after any.
const (
	NoDay   int32 = 0
	Forever int32 = 1 << 30
)

// DayOf is the number of the China day that holds t, counted from 1 January 1970.
func DayOf(t time.Time) int32 {
	_, off := t.In(calendar.China).Zone()
	return int32(floorDiv(t.Unix()+int64(off), 86400))
}

// DayStart is the instant the China day d begins.
func DayStart(d int32) time.Time {
	return time.Unix(int64(d)*86400-8*3600, 0).In(calendar.China)
}

func floorDiv(x, y int64) int64 {
	q := x / y
	if x%y != 0 && (x < 0) != (y < 0) {
		q--
	}
	return q
}

// Days is the period as day numbers [a, b), and whether it is day-aligned (both ends at a China
// midnight); only a day-aligned period can be summed from roll-ups.
func (p Period) Days() (a, b int32, ok bool) {
	a, b = DayOf(p.From), DayOf(p.To)
	return a, b, DayStart(a).Equal(p.From) && DayStart(b).Equal(p.To)
}

// Contributions is what a case's whole history contributes to the roll-ups. cal measures handling
// time (nil leaves it at zero), as Options.Calendar does. Items of one key are merged.
func Contributions(events []casework.Event, cal *calendar.Calendar) ([]Item, error) {
	if len(events) == 0 {
		return nil, fmt.Errorf("assess: a case history needs at least its report")
	}
	// What the case was after each event: the state a period ending before the next event sees.
	type state struct {
		closings int
		state    casework.State
		assignee string
		wholeDue *time.Time
		open     *Run
	}
	prefix := make([]state, len(events))
	fo := newFolder()
	for j, e := range events {
		if err := fo.step(e); err != nil {
			return nil, err
		}
		prefix[j] = state{closings: len(fo.f.Closings), state: fo.c.State, assignee: fo.c.AssigneePath, wholeDue: fo.wholeDue(), open: fo.openRun()}
	}
	facts := fo.facts()
	f := &facts
	var out []Item
	add := func(path string, counter int, day, alo, blo, bhi int32, at, n int64) {
		if n == 0 {
			return
		}
		for _, id := range org.IDsOnPath(path) {
			out = append(out, Item{Unit: id, Counter: counter, Day: day, ALo: alo, BLo: blo, BHi: bhi, At: at, N: n})
		}
	}
	plain := func(path string, counter int, t time.Time, n int64) {
		add(path, counter, DayOf(t), NoDay, NoDay, Forever, 0, n)
	}
	terr := f.TerritoryPath
	resident := f.Resident()

	plain(terr, tReceived, f.ReportedAt, 1)
	if resident {
		plain(terr, hRequests, f.ReportedAt, 1)
	}
	if f.FiledAt != nil {
		plain(terr, tFiled, *f.FiledAt, 1)
	}
	if f.RejectedAt != nil {
		plain(terr, tRejected, *f.RejectedAt, 1)
	}
	if f.VoidedAt != nil && f.FiledAt != nil {
		plain(terr, tVoided, *f.VoidedAt, 1)
	}
	for _, t := range f.Supervisions {
		plain(terr, tSupervisions, t, 1)
	}
	if resident {
		for _, r := range f.Ratings {
			plain(terr, hRated, r.At, 1)
			plain(terr, hSatisfied, r.At, b2i(r.Rating == casework.Satisfied || r.Rating == casework.BasicSatisfied))
		}
	}
	for i := range f.Runs {
		r := &f.Runs[i]
		if r.End == nil {
			continue
		}
		on := b2i(r.OnTime)
		switch r.Stage {
		case catalog.StageDispatch:
			plain(terr, tDispatchRuns, *r.End, 1)
			plain(terr, tDispatchOnTime, *r.End, on)
		case catalog.StageCheck:
			plain(terr, tCheckRuns, *r.End, 1)
			plain(terr, tCheckOnTime, *r.End, on)
		case catalog.StageSign:
			if resident {
				plain(terr, hResponseRuns, *r.End, 1)
				plain(terr, hRespondedOnTime, *r.End, on)
			}
			plain(r.UnitPath, aSignRuns, *r.End, 1)
			plain(r.UnitPath, aSignOnTime, *r.End, on)
		case catalog.StageHandle:
			plain(r.UnitPath, aHandleRuns, *r.End, 1)
			plain(r.UnitPath, aHandleOnTime, *r.End, on)
			plain(r.UnitPath, aHandled, *r.End, 1)
			if cal != nil {
				var m int64
				for _, s := range r.Active {
					if !s.To.IsZero() {
						m += cal.WorkingMinutesBetween(s.From, s.To)
					}
				}
				plain(r.UnitPath, aHandledMinutes, *r.End, m)
			}
		}
	}

	// Closures: the last one in the period counts, so each holds while the next is at or after b.
	// A request stays resolved while the case stays closed after it.
	closedAt := make([]int, 0, len(f.Closings)) // the event index of each closure
	for j := range prefix {
		if prefix[j].closings > len(closedAt) {
			closedAt = append(closedAt, j)
		}
	}
	for i, c := range f.Closings {
		day, bhi := DayOf(c.At), Forever
		if i+1 < len(f.Closings) {
			bhi = DayOf(f.Closings[i+1].At)
		}
		counts := func(path string, counter int, n int64) { add(path, counter, day, NoDay, NoDay, bhi, 0, n) }
		counts(terr, tClosed, 1)
		counts(terr, tDue, 1)
		counts(terr, tClosedOnTime, b2i(c.OnTime))
		counts(terr, tReworked, b2i(c.Reworked))
		counts(c.UnitPath, aClosed, 1)
		counts(c.UnitPath, aDue, 1)
		counts(c.UnitPath, aClosedOnTime, b2i(c.OnTime))
		counts(c.UnitPath, aReworked, b2i(c.Reworked))
		if resident {
			counts(terr, hDue, 1)
			resolved := bhi
			for j := closedAt[i] + 1; j < len(prefix); j++ {
				if prefix[j].state != casework.Closed {
					resolved = min(resolved, DayOf(events[j].At))
					break
				}
			}
			add(terr, hResolved, day, NoDay, NoDay, resolved, 0, 1)
		}
	}

	// Counted once per case and period (per unit, for the 承办 counters): the last occurrence.
	for _, o := range distinct(f.Overdues) {
		add(terr, tOverdue, DayOf(o.at), NoDay, NoDay, o.next, 0, 1)
	}
	for _, x := range []struct {
		occ     []Occurrence
		counter int
	}{{f.Dispatches, aDispatched}, {f.Returns, aReturned}, {f.Extensions, aExtended}, {f.Overdues, aOverdue}} {
		for i, o := range x.occ {
			for _, id := range org.IDsOnPath(o.UnitPath) {
				next := Forever
				for _, p := range x.occ[i+1:] {
					if slices.Contains(org.IDsOnPath(p.UnitPath), id) {
						next = DayOf(p.At)
						break
					}
				}
				out = append(out, Item{Unit: id, Counter: x.counter, Day: DayOf(o.At), ALo: NoDay, BLo: NoDay, BHi: next, N: 1})
			}
		}
	}

	// What the case is at a period's end: the state after event j holds for every b in
	// (event j, event j+1].
	var windows []Item
	for j := range prefix {
		blo, bhi := DayOf(events[j].At)+1, Forever
		if j+1 < len(events) {
			bhi = DayOf(events[j+1].At)
		}
		if blo > bhi {
			continue
		}
		s := &prefix[j]
		win := func(path string, counter int, due time.Time, alo int32) {
			for _, id := range org.IDsOnPath(path) {
				windows = append(windows, Item{Unit: id, Counter: counter + DueItem, Day: DayOf(due), ALo: alo, BLo: blo, BHi: bhi, At: due.UnixMicro(), N: 1})
			}
		}
		if s.wholeDue != nil {
			alo := NoDay
			if n := s.closings; n > 0 {
				alo = DayOf(f.Closings[n-1].At) + 1
			}
			win(terr, tDue, *s.wholeDue, alo)
			if resident {
				win(terr, hDue, *s.wholeDue, alo)
			}
			win(s.assignee, aDue, *s.wholeDue, alo)
		}
		if r := s.open; r != nil && r.Due != nil {
			switch r.Stage {
			case catalog.StageDispatch:
				win(terr, tDispatchRuns, *r.Due, NoDay)
			case catalog.StageCheck:
				win(terr, tCheckRuns, *r.Due, NoDay)
			case catalog.StageSign:
				if resident {
					win(terr, hResponseRuns, *r.Due, NoDay)
				}
				win(r.UnitPath, aSignRuns, *r.Due, NoDay)
			case catalog.StageHandle:
				win(r.UnitPath, aHandleRuns, *r.Due, NoDay)
			}
		}
	}
	out = append(out, joinWindows(windows)...)
	return Merge(out), nil
}

type occurrence struct {
	at   time.Time
	next int32
}

// distinct lists occurrences with the day of the next one (Forever for the last).
func distinct(occ []Occurrence) []occurrence {
	out := make([]occurrence, len(occ))
	for i, o := range occ {
		out[i] = occurrence{at: o.At, next: Forever}
		if i+1 < len(occ) {
			out[i].next = DayOf(occ[i+1].At)
		}
	}
	return out
}

// joinWindows joins the windows of one count that follow each other into one.
func joinWindows(ws []Item) []Item {
	slices.SortStableFunc(ws, func(x, y Item) int {
		return cmp.Or(cmp.Compare(x.Unit, y.Unit), cmp.Compare(x.Counter, y.Counter), cmp.Compare(x.At, y.At),
			cmp.Compare(x.ALo, y.ALo), cmp.Compare(x.BLo, y.BLo))
	})
	var out []Item
	for _, w := range ws {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.Unit == w.Unit && p.Counter == w.Counter && p.At == w.At && p.ALo == w.ALo && p.BHi+1 >= w.BLo {
				p.BHi = max(p.BHi, w.BHi)
				continue
			}
		}
		out = append(out, w)
	}
	return out
}

// Merge adds up items of the same key and instant and drops those that add up to nothing, in a
// fixed order.
func Merge(items []Item) []Item {
	slices.SortFunc(items, compareItems)
	out := items[:0]
	for _, it := range items {
		if n := len(out); n > 0 && out[n-1].Key() == it.Key() && out[n-1].At == it.At {
			out[n-1].N += it.N
			continue
		}
		out = append(out, it)
	}
	return slices.DeleteFunc(out, func(it Item) bool { return it.N == 0 })
}

func compareItems(x, y Item) int {
	return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Unit, y.Unit), cmp.Compare(x.Counter, y.Counter),
		cmp.Compare(x.ALo, y.ALo), cmp.Compare(x.BLo, y.BLo), cmp.Compare(x.BHi, y.BHi), cmp.Compare(x.At, y.At))
}

// AddRollup adds the sum of the roll-up rows of one unit and counter (DueItem included or not).
// Units outside the aggregator's set are ignored.
func (a *Aggregator) AddRollup(unit string, counter int, n int64) error {
	c := counter % DueItem
	if counter < 0 || counter >= 2*DueItem || c >= nCounters {
		return fmt.Errorf("assess: roll-up counter %d is unknown", counter)
	}
	if i, ok := a.index[unit]; ok {
		a.acc[i][c] += n
	}
	return nil
}

// DueBefore is the first day whose due items a period still in progress at now must leave out of
// its row sums (they lie after now), or Forever for a period that is over. Items of that day's
// start are counted by the row sums only if they are not due later that day; see Uncome.
func (a *Aggregator) DueBefore() int32 {
	if a.now.IsZero() {
		return Forever
	}
	return DayOf(a.now) + 1
}

// Uncome reports whether a due item that the row sums of the aggregator's period count (its day is
// the day of now) falls due after now, so that it must be taken out again.
func (a *Aggregator) Uncome(it Item) bool {
	if a.now.IsZero() || it.Counter < DueItem || it.Day != DayOf(a.now) {
		return false
	}
	from, to, _ := a.opt.Period.Days()
	return it.Key().Counts(from, to) && it.At > a.now.UnixMicro()
}

// AddItems adds the items that count in the aggregator's period, which must be day-aligned: what
// the row sums and their correction compute, from the items themselves.
func (a *Aggregator) AddItems(items []Item) error {
	from, to, ok := a.opt.Period.Days()
	if !ok {
		return fmt.Errorf("assess: the period %s – %s is not day-aligned", a.opt.Period.From, a.opt.Period.To)
	}
	due := a.DueBefore()
	for _, it := range items {
		if !it.Key().Counts(from, to) || (it.Counter >= DueItem && it.Day >= due) || a.Uncome(it) {
			continue
		}
		if err := a.AddRollup(it.Unit, it.Counter, it.N); err != nil {
			return err
		}
	}
	return nil
}
