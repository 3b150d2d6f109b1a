package assess

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// Unit is a unit the indicators are computed for.
type Unit struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Kind org.Kind `json:"kind"`
	Path string   `json:"path"`
}

// UnitOf describes an org unit.
func UnitOf(u *org.Unit) Unit { return Unit{ID: u.ID, Name: u.Name, Kind: u.Kind, Path: u.Path} }

// Weights weigh the three hotline rates (三率) in their composite score.
type Weights struct {
	Response     float64 `json:"response"`     // 响应率
	Resolution   float64 `json:"resolution"`   // 解决率
	Satisfaction float64 `json:"satisfaction"` // 满意率
}

// DefaultWeights weigh response 20 %, resolution 40 % and satisfaction 40 %.
var DefaultWeights = Weights{Response: 0.2, Resolution: 0.4, Satisfaction: 0.4}

// ParseWeights reads "response,resolution,satisfaction", three non-negative numbers that do not
// all vanish (e.g. "20,40,40"); only their proportions matter.
func ParseWeights(s string) (Weights, error) {
	bad := civicgrid.Errorf(civicgrid.EINVALID, "weights %q must be three non-negative numbers, not all zero: response,resolution,satisfaction (e.g. 20,40,40)", s).WithDetail("field", "weights")
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Weights{}, bad
	}
	var v [3]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
			return Weights{}, bad
		}
		v[i] = x
	}
	if v[0]+v[1]+v[2] <= 0 {
		return Weights{}, bad
	}
	return Weights{Response: v[0], Resolution: v[1], Satisfaction: v[2]}, nil
}

// Score is the weighted mean of the rates on a 100-point scale. A rate without a denominator
// (nil) is left out and the other weights carry the score; with none left, there is no score.
func (w Weights) Score(response, resolution, satisfaction *float64) *float64 {
	sum, total := 0.0, 0.0
	for _, x := range []struct {
		w float64
		r *float64
	}{{w.Response, response}, {w.Resolution, resolution}, {w.Satisfaction, satisfaction}} {
		if x.r != nil && x.w > 0 {
			sum += x.w * *x.r
			total += x.w
		}
	}
	if total == 0 {
		return nil
	}
	v := 100 * sum / total
	return &v
}

// Options are the rules of one computation.
type Options struct {
	Period Period
	// Calendar measures handling time in working hours; without one that average is left out.
	Calendar *calendar.Calendar
	Weights  Weights
	// Now, when inside the period, makes the indicators the figures so far: a due still ahead of
	// Now is not yet due. Zero means the period is over.
	Now time.Time
}

// Territory are the indicators that count a case for the units whose subtree holds its
// territory (属地口径).
type Territory struct {
	Received           int      `json:"received"`              // 受理量
	Filed              int      `json:"filed"`                 // 立案数
	Rejected           int      `json:"rejected"`              // 不予立案数
	Voided             int      `json:"voided"`                // 作废数 (filed, then voided or merged)
	AccurateFilingRate *float64 `json:"accurate_filing_rate"`  // 准确立案率
	DispatchRuns       int      `json:"dispatch_runs"`         // 派遣 runs assessed
	DispatchedOnTime   int      `json:"dispatched_on_time"`    //
	OnTimeDispatchRate *float64 `json:"on_time_dispatch_rate"` // 按时派遣率
	Closed             int      `json:"closed"`                // 结案数
	Due                int      `json:"due"`                   // 应结案数
	ClosureRate        *float64 `json:"closure_rate"`          // 结案率
	ClosedOnTime       int      `json:"closed_on_time"`        //
	OnTimeClosureRate  *float64 `json:"on_time_closure_rate"`  // 按期结案率
	Reworked           int      `json:"reworked"`              //
	ReworkRate         *float64 `json:"rework_rate"`           // 返工率
	CheckRuns          int      `json:"check_runs"`            // 核查 runs assessed
	CheckedOnTime      int      `json:"checked_on_time"`       //
	OnTimeCheckRate    *float64 `json:"on_time_check_rate"`    // 按时核查率
	Overdue            int      `json:"overdue"`               // 超期数
	Supervisions       int      `json:"supervisions"`          // 督办数
}

// Assignee are the indicators that count what happened while a case was assigned to a unit in
// the subtree (承办口径): the unit the case was dispatched to, returned by, extended for, signed
// and handled by, closed with.
type Assignee struct {
	Dispatched        int      `json:"dispatched"`           // 派遣数 (cases sent to the unit)
	Returned          int      `json:"returned"`             //
	ReturnRate        *float64 `json:"return_rate"`          // 退回率
	Extended          int      `json:"extended"`             //
	ExtensionRate     *float64 `json:"extension_rate"`       // 延期率
	SignRuns          int      `json:"sign_runs"`            // 签收 runs assessed
	SignedOnTime      int      `json:"signed_on_time"`       //
	OnTimeSignRate    *float64 `json:"on_time_sign_rate"`    // 按时签收率
	HandleRuns        int      `json:"handle_runs"`          // 处置 runs assessed
	HandledOnTime     int      `json:"handled_on_time"`      //
	OnTimeHandleRate  *float64 `json:"on_time_handle_rate"`  // 按时处置率
	Handled           int      `json:"handled"`              // handling results reported
	HandlingHoursAvg  *float64 `json:"handling_hours_avg"`   // 平均处置时长 (working hours)
	Closed            int      `json:"closed"`               // 结案数 of the unit's cases
	Due               int      `json:"due"`                  // 应结案数 (承办)
	ClosureRate       *float64 `json:"closure_rate"`         // 结案率 (承办)
	ClosedOnTime      int      `json:"closed_on_time"`       //
	OnTimeClosureRate *float64 `json:"on_time_closure_rate"` // 按期结案率
	Reworked          int      `json:"reworked"`             //
	ReworkRate        *float64 `json:"rework_rate"`          // 返工率
	Overdue           int      `json:"overdue"`              // 超期数 while with the unit
}

// Hotline are the three rates of citizens' requests (诉求: hotline, portal and Open311 cases),
// by territory, and their weighted score.
type Hotline struct {
	Requests         int      `json:"requests"`          // 诉求 received
	ResponseRuns     int      `json:"response_runs"`     //
	RespondedOnTime  int      `json:"responded_on_time"` //
	ResponseRate     *float64 `json:"response_rate"`     // 响应率
	Due              int      `json:"due"`               //
	Resolved         int      `json:"resolved"`          //
	ResolutionRate   *float64 `json:"resolution_rate"`   // 解决率
	Rated            int      `json:"rated"`             //
	Satisfied        int      `json:"satisfied"`         // satisfied or basically satisfied
	SatisfactionRate *float64 `json:"satisfaction_rate"` // 满意率
	Score            *float64 `json:"score"`             // 三率 composite, 0–100
}

// Indicators are the indicators of one unit for one period.
type Indicators struct {
	Unit      Unit      `json:"unit"`
	Territory Territory `json:"territory"`
	Assignee  Assignee  `json:"assignee"`
	Hotline   Hotline   `json:"hotline"`
}

// Counters of a tally. Territory and hotline counters are added per case to every unit holding its
// territory; assignee counters per occurrence to the units holding the occurrence's unit.
const (
	tReceived = iota
	tFiled
	tRejected
	tVoided
	tDispatchRuns
	tDispatchOnTime
	tClosed
	tDue
	tClosedOnTime
	tReworked
	tCheckRuns
	tCheckOnTime
	tOverdue
	tSupervisions
	hRequests
	hResponseRuns
	hRespondedOnTime
	hDue
	hResolved
	hRated
	hSatisfied
	aDispatched // counters from here on are the assignee's
	aReturned
	aExtended
	aSignRuns
	aSignOnTime
	aHandleRuns
	aHandleOnTime
	aHandled
	aHandledMinutes
	aClosed
	aClosedOnTime
	aReworked
	aOverdue
	aDue
	nCounters
)

// nTerritory counts the territory and hotline counters, which come first.
const nTerritory = aDispatched

type tally [nCounters]int64

// Aggregator adds case facts into the indicators of a set of units for one period. A case counts
// for a unit when the unit's subtree holds the path concerned (the case's territory, or the unit
// an occurrence counts for); each unit of the set is counted on its own, so the set may hold a
// unit and its children, or a whole subtree.
type Aggregator struct {
	opt   Options
	now   time.Time // Now when inside the period, else zero
	units []Unit
	index map[string]int
	acc   []tally
	cases int
	buf   []int
}

// NewAggregator prepares the tallies of the units.
func NewAggregator(units []Unit, opt Options) (*Aggregator, error) {
	if !opt.Period.From.Before(opt.Period.To) {
		return nil, fmt.Errorf("assess: empty period")
	}
	a := &Aggregator{opt: opt, units: slices.Clone(units), index: make(map[string]int, len(units)), acc: make([]tally, len(units)), buf: make([]int, 0, 16)}
	if opt.Now.Before(opt.Period.To) {
		a.now = opt.Now
	}
	for i, u := range units {
		if _, dup := a.index[u.ID]; dup {
			return nil, fmt.Errorf("assess: unit %s listed twice", u.ID)
		}
		a.index[u.ID] = i
	}
	return a, nil
}

// Cases is the number of case histories added.
func (a *Aggregator) Cases() int { return a.cases }

// rowsOn appends the units of the set whose subtree holds path.
func (a *Aggregator) rowsOn(path string, buf []int) []int {
	if path == "" {
		return buf
	}
	for _, id := range org.IDsOnPath(path) {
		if i, ok := a.index[id]; ok {
			buf = append(buf, i)
		}
	}
	return buf
}

// distinctRows are the units holding the unit of any occurrence in the period, each once.
func (a *Aggregator) distinctRows(occ []Occurrence) []int {
	buf := a.buf[:0]
	for _, o := range occ {
		if a.opt.Period.Contains(o.At) {
			buf = a.rowsOn(o.UnitPath, buf)
		}
	}
	slices.Sort(buf)
	buf = slices.Compact(buf)
	a.buf = buf
	return buf
}

// Add counts one case. Its facts must come from the events before the period's end.
func (a *Aggregator) Add(f *CaseFacts) error {
	p := a.opt.Period
	if !f.LastAt.Before(p.To) {
		return fmt.Errorf("assess: the history of case %d runs past the end of the period (%s)", f.ID, f.LastAt)
	}
	a.cases++
	var d tally // the case's territory and hotline counters
	in := p.Contains
	resident := f.Resident()
	if in(f.ReportedAt) {
		d[tReceived]++
		if resident {
			d[hRequests]++
		}
	}
	if f.FiledAt != nil && in(*f.FiledAt) {
		d[tFiled]++
	}
	if f.RejectedAt != nil && in(*f.RejectedAt) {
		d[tRejected]++
	}
	if f.VoidedAt != nil && f.FiledAt != nil && in(*f.VoidedAt) {
		d[tVoided]++
	}
	var last *Closing
	for i := range f.Closings {
		if in(f.Closings[i].At) {
			last = &f.Closings[i]
		}
	}
	if last != nil {
		d[tClosed]++
		d[tClosedOnTime] += b2i(last.OnTime)
		d[tReworked] += b2i(last.Reworked)
	}
	if last != nil || (f.WholeDue != nil && a.fellDue(*f.WholeDue)) {
		d[tDue]++
		if resident {
			d[hDue]++
			d[hResolved] += b2i(last != nil && f.State == casework.Closed)
		}
	}
	for _, o := range f.Overdues {
		if in(o.At) {
			d[tOverdue] = 1
		}
	}
	for _, t := range f.Supervisions {
		d[tSupervisions] += b2i(in(t))
	}
	if resident {
		for _, r := range f.Ratings {
			if in(r.At) {
				d[hRated]++
				d[hSatisfied] += b2i(r.Rating == casework.Satisfied || r.Rating == casework.BasicSatisfied)
			}
		}
	}
	for i := range f.Runs {
		r := &f.Runs[i]
		counted, onTime := a.assessRun(r)
		if !counted {
			continue
		}
		switch r.Stage {
		case catalog.StageDispatch:
			d[tDispatchRuns]++
			d[tDispatchOnTime] += b2i(onTime)
		case catalog.StageCheck:
			d[tCheckRuns]++
			d[tCheckOnTime] += b2i(onTime)
		case catalog.StageSign:
			if resident {
				d[hResponseRuns]++
				d[hRespondedOnTime] += b2i(onTime)
			}
			for _, row := range a.rowsOn(r.UnitPath, a.buf[:0]) {
				a.acc[row][aSignRuns]++
				a.acc[row][aSignOnTime] += b2i(onTime)
			}
		case catalog.StageHandle:
			completed := r.End != nil && in(*r.End)
			minutes := a.activeMinutes(r)
			for _, row := range a.rowsOn(r.UnitPath, a.buf[:0]) {
				a.acc[row][aHandleRuns]++
				a.acc[row][aHandleOnTime] += b2i(onTime)
				if completed {
					a.acc[row][aHandled]++
					a.acc[row][aHandledMinutes] += minutes
				}
			}
		}
	}
	for _, row := range a.rowsOn(f.TerritoryPath, a.buf[:0]) {
		for i := 0; i < nTerritory; i++ {
			a.acc[row][i] += d[i]
		}
	}
	for _, x := range []struct {
		occ     []Occurrence
		counter int
	}{{f.Dispatches, aDispatched}, {f.Returns, aReturned}, {f.Extensions, aExtended}, {f.Overdues, aOverdue}} {
		for _, row := range a.distinctRows(x.occ) {
			a.acc[row][x.counter]++
		}
	}
	if last == nil && f.WholeDue != nil && a.fellDue(*f.WholeDue) {
		for _, row := range a.rowsOn(f.AssigneePath, a.buf[:0]) {
			a.acc[row][aDue]++
		}
	}
	if last != nil {
		for _, row := range a.rowsOn(last.UnitPath, a.buf[:0]) {
			a.acc[row][aDue]++
			a.acc[row][aClosed]++
			a.acc[row][aClosedOnTime] += b2i(last.OnTime)
			a.acc[row][aReworked] += b2i(last.Reworked)
		}
	}
	return nil
}

// assessRun says whether a run counts in the period and whether it was on time: a run counts when
// it was completed in the period (on time if before its due), or when it is still open at the
// period's end with its due inside the period (late).
func (a *Aggregator) assessRun(r *Run) (counted, onTime bool) {
	switch {
	case r.End != nil && a.opt.Period.Contains(*r.End):
		return true, r.OnTime
	case r.Open && r.Due != nil && a.fellDue(*r.Due):
		return true, false
	}
	return false, false
}

// fellDue reports whether a due lies in the period and, in a period not yet over, has come: a
// clock is red from its due instant on.
func (a *Aggregator) fellDue(t time.Time) bool {
	return a.opt.Period.Contains(t) && (a.now.IsZero() || !t.After(a.now))
}

// activeMinutes is the working time of a completed handle run outside suspension.
func (a *Aggregator) activeMinutes(r *Run) int64 {
	if a.opt.Calendar == nil || r.End == nil {
		return 0
	}
	var m int64
	for _, s := range r.Active {
		if !s.To.IsZero() {
			m += a.opt.Calendar.WorkingMinutesBetween(s.From, s.To)
		}
	}
	return m
}

// Result returns the indicators of every unit, in the order the units were given.
func (a *Aggregator) Result() []Indicators {
	out := make([]Indicators, len(a.units))
	for i, u := range a.units {
		out[i] = a.indicators(u, &a.acc[i])
	}
	return out
}

func (a *Aggregator) indicators(u Unit, t *tally) Indicators {
	n := func(i int) int { return int(t[i]) }
	x := Indicators{Unit: u}
	x.Territory = Territory{
		Received: n(tReceived), Filed: n(tFiled), Rejected: n(tRejected), Voided: n(tVoided),
		AccurateFilingRate: ratio(t[tFiled]-t[tVoided], t[tFiled]),
		DispatchRuns:       n(tDispatchRuns), DispatchedOnTime: n(tDispatchOnTime), OnTimeDispatchRate: ratio(t[tDispatchOnTime], t[tDispatchRuns]),
		Closed: n(tClosed), Due: n(tDue), ClosureRate: ratio(t[tClosed], t[tDue]),
		ClosedOnTime: n(tClosedOnTime), OnTimeClosureRate: ratio(t[tClosedOnTime], t[tClosed]),
		Reworked: n(tReworked), ReworkRate: ratio(t[tReworked], t[tClosed]),
		CheckRuns: n(tCheckRuns), CheckedOnTime: n(tCheckOnTime), OnTimeCheckRate: ratio(t[tCheckOnTime], t[tCheckRuns]),
		Overdue: n(tOverdue), Supervisions: n(tSupervisions),
	}
	x.Assignee = Assignee{
		Dispatched: n(aDispatched),
		Returned:   n(aReturned), ReturnRate: ratio(t[aReturned], t[aDispatched]),
		Extended: n(aExtended), ExtensionRate: ratio(t[aExtended], t[aDispatched]),
		SignRuns: n(aSignRuns), SignedOnTime: n(aSignOnTime), OnTimeSignRate: ratio(t[aSignOnTime], t[aSignRuns]),
		HandleRuns: n(aHandleRuns), HandledOnTime: n(aHandleOnTime), OnTimeHandleRate: ratio(t[aHandleOnTime], t[aHandleRuns]),
		Handled: n(aHandled),
		Closed:  n(aClosed), Due: n(aDue), ClosureRate: ratio(t[aClosed], t[aDue]),
		ClosedOnTime: n(aClosedOnTime), OnTimeClosureRate: ratio(t[aClosedOnTime], t[aClosed]),
		Reworked: n(aReworked), ReworkRate: ratio(t[aReworked], t[aClosed]),
		Overdue: n(aOverdue),
	}
	if a.opt.Calendar != nil && t[aHandled] > 0 {
		h := float64(t[aHandledMinutes]) / 60 / float64(t[aHandled])
		x.Assignee.HandlingHoursAvg = &h
	}
	x.Hotline = Hotline{
		Requests:     n(hRequests),
		ResponseRuns: n(hResponseRuns), RespondedOnTime: n(hRespondedOnTime), ResponseRate: ratio(t[hRespondedOnTime], t[hResponseRuns]),
		Due: n(hDue), Resolved: n(hResolved), ResolutionRate: ratio(t[hResolved], t[hDue]),
		Rated: n(hRated), Satisfied: n(hSatisfied), SatisfactionRate: ratio(t[hSatisfied], t[hRated]),
	}
	x.Hotline.Score = a.opt.Weights.Score(x.Hotline.ResponseRate, x.Hotline.ResolutionRate, x.Hotline.SatisfactionRate)
	return x
}

// ratio is num/den, or nil when there is nothing to divide by.
func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
