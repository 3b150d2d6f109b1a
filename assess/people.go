package assess

import (
	"fmt"
	"time"

	"civicgrid/assess/ledger"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// Person indicators (人员考核): what one person did in one role in a period, read from the actors
// of the events. Every definition is written in docs/indicators.md; PeopleAggregator implements
// exactly those. Only staff users count (an event's actor with a user ID); the role is the one the
// person acted in, so a user holding two roles is assessed in each apart.

// PersonKey is one person in one role.
type PersonKey struct {
	UserID int64    `json:"user_id"`
	Role   org.Role `json:"role"`
}

// PersonIndicators are the indicators of one person in one role for one period.
type PersonIndicators struct {
	// 监督员/网格员
	Reports         int      `json:"reports"`           // 上报数: reports the person made in the period
	ReportsDecided  int      `json:"reports_decided"`   // of those, decided by intake by the period's end
	ReportsValid    int      `json:"reports_valid"`     // of those, filed and neither voided nor merged
	ValidReportRate *float64 `json:"valid_report_rate"` // 有效上报率 = valid / decided
	GridCases       int      `json:"grid_cases"`        // cases reported in the period in the person's grids, merged ones left out
	Missed          int      `json:"missed"`            // of those, reported by residents (hotline, portal, Open311)
	MissRate        *float64 `json:"miss_rate"`         // 漏报率 = missed / grid cases
	// 按时核实率: confirmations (confirm or deny) the person made, on time when before the confirm
	// stage's due, and confirmations of the person's grids left open past a due in the period (late).
	Confirmations     int      `json:"confirmations"`
	ConfirmedOnTime   int      `json:"confirmed_on_time"`
	OnTimeConfirmRate *float64 `json:"on_time_confirm_rate"`
	// 按时核查率: checks (pass or fail) the person made, on time when before the check stage's due.
	Checks          int      `json:"checks"`
	CheckedOnTime   int      `json:"checked_on_time"`
	OnTimeCheckRate *float64 `json:"on_time_check_rate"`
	// 受理员/值班长: filings, on time when before the accept (or, after a confirmation, the file)
	// stage's due; accurate when the case was not voided or merged by the period's end.
	Filings            int      `json:"filings"`
	FiledOnTime        int      `json:"filed_on_time"`
	OnTimeFilingRate   *float64 `json:"on_time_filing_rate"` // 按时立案率
	FilingsAccurate    int      `json:"filings_accurate"`
	AccurateFilingRate *float64 `json:"accurate_filing_rate"` // 准确立案率
	// Closures the person made (check passed), on time when before the whole-case due.
	Closures          int      `json:"closures"`
	ClosedOnTime      int      `json:"closed_on_time"`
	OnTimeClosureRate *float64 `json:"on_time_closure_rate"` // 按时结案率
	// 派遣员: dispatch runs the person completed (a dispatch or ruling from filed or returned), on
	// time when before the dispatch stage's due; every dispatch or ruling the person made, and those
	// the unit sent to returned (退回) by the period's end.
	DispatchRuns         int      `json:"dispatch_runs"`
	DispatchedOnTime     int      `json:"dispatched_on_time"`
	OnTimeDispatchRate   *float64 `json:"on_time_dispatch_rate"` // 按时派遣率
	Dispatches           int      `json:"dispatches"`
	DispatchesReturned   int      `json:"dispatches_returned"`
	AccurateDispatchRate *float64 `json:"accurate_dispatch_rate"` // 准确派遣率
}

// PersonValues are the criteria of a person's composite.
func PersonValues(x PersonIndicators) map[string]*float64 {
	return map[string]*float64{
		CritValidReport:          x.ValidReportRate,
		CritNoMiss:               complement(x.MissRate),
		CritOnTimeConfirm:        x.OnTimeConfirmRate,
		CritPersonOnTimeCheck:    x.OnTimeCheckRate,
		CritOnTimeFiling:         x.OnTimeFilingRate,
		CritPersonAccurateFiling: x.AccurateFilingRate,
		CritPersonOnTimeClosure:  x.OnTimeClosureRate,
		CritOnTimeDispatch:       x.OnTimeDispatchRate,
		CritAccurateDispatch:     x.AccurateDispatchRate,
	}
}

type personTally struct {
	reports, decided, valid, gridCases, missed              int
	confirms, confirmsOnTime, checks, checksOnTime          int
	filings, filedOnTime, filingsAccurate                   int
	closures, closedOnTime                                  int
	dispatchRuns, dispatchedOnTime, dispatches, dispReturns int
}

// GridCover says that a grid worker (in the grid_worker role) answers for the grids under a path:
// the path of one of the worker's grants.
type GridCover struct {
	Key  PersonKey
	Path string
}

// PeopleAggregator adds case histories into the indicators of people for one period.
type PeopleAggregator struct {
	period Period
	now    time.Time // inside the period: the figures so far; zero when the period is over
	covers []GridCover
	acc    map[PersonKey]*personTally
	cases  int
}

// NewPeopleAggregator prepares a tally for the period; covers are the grid workers' grants, which
// the miss rate and open confirmations need. now, when inside the period, makes the figures those
// so far: a due still ahead of now has not come.
func NewPeopleAggregator(p Period, covers []GridCover, now time.Time) (*PeopleAggregator, error) {
	if !p.From.Before(p.To) {
		return nil, fmt.Errorf("assess: empty period")
	}
	a := &PeopleAggregator{period: p, covers: covers, acc: map[PersonKey]*personTally{}}
	if now.Before(p.To) {
		a.now = now
	}
	return a, nil
}

func (a *PeopleAggregator) tally(k PersonKey) *personTally {
	t := a.acc[k]
	if t == nil {
		t = &personTally{}
		a.acc[k] = t
	}
	return t
}

// Cases is the number of histories added.
func (a *PeopleAggregator) Cases() int { return a.cases }

// Add counts one case's history: its events before the period's end, in order. It replays them
// through the case projection, so every action is judged against the clocks the case had then.
func (a *PeopleAggregator) Add(events []casework.Event) error {
	if len(events) == 0 {
		return fmt.Errorf("assess: a case history needs at least its report")
	}
	if last := events[len(events)-1].At; !last.Before(a.period.To) {
		return fmt.Errorf("assess: the history of case %d runs past the end of the period (%s)", events[0].CaseID, last)
	}
	a.cases++
	c := &casework.Case{}
	var (
		reporter        *PersonKey
		reportedIn      bool
		filed, rejected bool
		voided, merged  bool
		filers          []PersonKey
		dispatchers     []PersonKey
		returned        []bool
		lastDispatch    = -1
		territory       string
		resident        bool
	)
	for _, e := range events {
		b := beforeOf(c)
		if err := casework.Apply(c, e); err != nil {
			return fmt.Errorf("assess: case %d: %w", e.CaseID, err)
		}
		in := a.period.Contains(e.At)
		key := PersonKey{UserID: e.Actor.UserID, Role: e.Actor.Role}
		person := in && e.Actor.UserID > 0
		switch e.Action {
		case casework.ActReport:
			territory, resident, reportedIn = c.TerritoryPath, residentChannels[c.Channel], in
			if person && key.Role == org.RoleGridWorker {
				reporter = &key
			}
		case casework.ActConfirm, casework.ActDeny:
			rejected = rejected || e.Action == casework.ActDeny
			if person {
				t := a.tally(key)
				t.confirms++
				t.confirmsOnTime += int(b2i(onTimeAgainst(b.stage, e.At, catalog.StageConfirm)))
			}
		case casework.ActReject:
			rejected = true
		case casework.ActFile:
			filed = true
			if person {
				t := a.tally(key)
				t.filings++
				t.filedOnTime += int(b2i(onTimeAgainst(b.stage, e.At, catalog.StageAccept, catalog.StageFile)))
				filers = append(filers, key)
			}
		case casework.ActVoid, casework.ActMerge:
			voided = true
			merged = merged || e.Action == casework.ActMerge
		case casework.ActDispatch, casework.ActRule:
			lastDispatch = -1
			if person {
				t := a.tally(key)
				if e.From == casework.Filed || e.From == casework.Returned {
					t.dispatchRuns++
					t.dispatchedOnTime += int(b2i(onTimeAgainst(b.stage, e.At, catalog.StageDispatch)))
				}
				dispatchers, returned = append(dispatchers, key), append(returned, false)
				lastDispatch = len(dispatchers) - 1
			}
		case casework.ActReturn:
			if lastDispatch >= 0 {
				returned[lastDispatch] = true
			}
			lastDispatch = -1
		case casework.ActCheckPass, casework.ActCheckFail:
			if person {
				t := a.tally(key)
				t.checks++
				t.checksOnTime += int(b2i(onTimeAgainst(b.stage, e.At, catalog.StageCheck)))
				if e.Action == casework.ActCheckPass {
					t.closures++
					t.closedOnTime += int(b2i(b.whole == nil || b.whole.Paused || e.At.Before(b.whole.DueAt)))
				}
			}
		}
	}
	if reporter != nil {
		t := a.tally(*reporter)
		t.reports++
		if filed || rejected || voided {
			t.decided++
			t.valid += int(b2i(filed && !voided))
		}
	}
	for _, k := range filers {
		a.tally(k).filingsAccurate += int(b2i(!voided))
	}
	for i, k := range dispatchers {
		t := a.tally(k)
		t.dispatches++
		t.dispReturns += int(b2i(returned[i]))
	}
	// A confirmation left open past a due inside the period is late for every grid worker whose
	// grids hold the case: it is theirs to confirm.
	if k := c.StageClock; c.State == casework.Confirming && k != nil && k.Stage == catalog.StageConfirm && !k.Paused &&
		a.period.Contains(k.DueAt) && (a.now.IsZero() || !k.DueAt.After(a.now)) {
		for _, g := range a.covers {
			if org.Contains(g.Path, c.TerritoryPath) {
				a.tally(g.Key).confirms++
			}
		}
	}
	if reportedIn && !merged && territory != "" {
		for _, g := range a.covers {
			if org.Contains(g.Path, territory) {
				t := a.tally(g.Key)
				t.gridCases++
				t.missed += int(b2i(resident))
			}
		}
	}
	return nil
}

// onTimeAgainst judges an action that ends a stage: on time when the stage clock running before
// it was not one of the stages, was paused, or had not reached its due.
func onTimeAgainst(k *casework.Clock, at time.Time, stages ...catalog.Stage) bool {
	if k == nil || k.Paused {
		return true
	}
	for _, s := range stages {
		if k.Stage == s {
			return at.Before(k.DueAt)
		}
	}
	return true
}

// Keys are the people the tally holds.
func (a *PeopleAggregator) Keys() []PersonKey {
	out := make([]PersonKey, 0, len(a.acc))
	for k := range a.acc {
		out = append(out, k)
	}
	return out
}

// Result is the indicators of one person (all zero when the tally has nothing of them).
func (a *PeopleAggregator) Result(k PersonKey) PersonIndicators {
	t := a.acc[k]
	if t == nil {
		t = &personTally{}
	}
	r := func(n, d int) *float64 { return ratio(int64(n), int64(d)) }
	return PersonIndicators{
		Reports: t.reports, ReportsDecided: t.decided, ReportsValid: t.valid, ValidReportRate: r(t.valid, t.decided),
		GridCases: t.gridCases, Missed: t.missed, MissRate: r(t.missed, t.gridCases),
		Confirmations: t.confirms, ConfirmedOnTime: t.confirmsOnTime, OnTimeConfirmRate: r(t.confirmsOnTime, t.confirms),
		Checks: t.checks, CheckedOnTime: t.checksOnTime, OnTimeCheckRate: r(t.checksOnTime, t.checks),
		Filings: t.filings, FiledOnTime: t.filedOnTime, OnTimeFilingRate: r(t.filedOnTime, t.filings),
		FilingsAccurate: t.filingsAccurate, AccurateFilingRate: r(t.filingsAccurate, t.filings),
		Closures: t.closures, ClosedOnTime: t.closedOnTime, OnTimeClosureRate: r(t.closedOnTime, t.closures),
		DispatchRuns: t.dispatchRuns, DispatchedOnTime: t.dispatchedOnTime, OnTimeDispatchRate: r(t.dispatchedOnTime, t.dispatchRuns),
		Dispatches: t.dispatches, DispatchesReturned: t.dispReturns, AccurateDispatchRate: r(t.dispatches-t.dispReturns, t.dispatches),
	}
}

// UnitSatisfaction is the residents' satisfaction with the closures of units (承办满意率): each
// rating of a citizen's request made in the period counts for the unit the case was closed with
// just before the rating (and for the units above it).
type UnitSatisfaction struct {
	period         Period
	rated, pleased map[string]int // by unit path
}

// NewUnitSatisfaction prepares the tally.
func NewUnitSatisfaction(p Period) *UnitSatisfaction {
	return &UnitSatisfaction{period: p, rated: map[string]int{}, pleased: map[string]int{}}
}

// Add counts one case's facts.
func (u *UnitSatisfaction) Add(f *CaseFacts) {
	if !f.Resident() {
		return
	}
	for _, r := range f.Ratings {
		if !u.period.Contains(r.At) {
			continue
		}
		unit := ""
		for _, c := range f.Closings {
			if !c.At.After(r.At) {
				unit = c.UnitPath
			}
		}
		if unit == "" {
			continue
		}
		u.rated[unit]++
		if r.Rating == casework.Satisfied || r.Rating == casework.BasicSatisfied {
			u.pleased[unit]++
		}
	}
}

// Rate is the satisfaction of the ratings of closures with units in the subtree of path; nil
// without any.
func (u *UnitSatisfaction) Rate(path string) *float64 {
	n, s := 0, 0
	for p, c := range u.rated {
		if org.Contains(path, p) {
			n += c
			s += u.pleased[p]
		}
	}
	return ratio(int64(s), int64(n))
}

// RoleNames are the Chinese names of the assessed roles, for ledgers.
var RoleNames = map[org.Role]string{
	org.RoleGridWorker: "监督员/网格员", org.RoleIntake: "受理员", org.RoleShiftLeader: "值班长", org.RoleDispatcher: "派遣员",
}

// PeopleColumns are the columns of the person ledger.
var PeopleColumns = []ledger.Column{
	{Header: "统计期", Width: 10}, {Header: "角色", Width: 14}, {Header: "排名", Width: 6}, {Header: "账号", Width: 22},
	{Header: "姓名", Width: 10}, {Header: "所属单位", Width: 24}, {Header: "综合得分", Width: 10}, {Header: "等级", Width: 6},
	{Header: "上报数", Width: 8}, {Header: "有效上报率(%)", Width: 13}, {Header: "网格案件数", Width: 10}, {Header: "漏报率(%)", Width: 10},
	{Header: "核实数", Width: 8}, {Header: "按时核实率(%)", Width: 13}, {Header: "核查数", Width: 8}, {Header: "按时核查率(%)", Width: 13},
	{Header: "立案数", Width: 8}, {Header: "按时立案率(%)", Width: 13}, {Header: "准确立案率(%)", Width: 13},
	{Header: "结案数", Width: 8}, {Header: "按时结案率(%)", Width: 13},
	{Header: "派遣数", Width: 8}, {Header: "按时派遣率(%)", Width: 13}, {Header: "准确派遣率(%)", Width: 13},
	{Header: "评价方案", Width: 16}, {Header: "方案版本", Width: 9},
}

// PersonLedgerRow is one person's row of the person ledger.
func PersonLedgerRow(p Period, role org.Role, rank *int, login, name, unitName string, x PersonIndicators, c Composite, s Scheme) []ledger.Cell {
	n := func(v int) ledger.Cell { return ledger.Int(int64(v)) }
	r := ledger.Empty()
	if rank != nil {
		r = ledger.Int(int64(*rank))
	}
	return []ledger.Cell{
		ledger.Text(PeriodLabel(p)), ledger.Text(RoleNames[role]), r, ledger.Text(login),
		ledger.Text(name), ledger.Text(unitName), num(c.Score, 2), ledger.Text(c.Grade),
		n(x.Reports), pct(x.ValidReportRate), n(x.GridCases), pct(x.MissRate),
		n(x.Confirmations), pct(x.OnTimeConfirmRate), n(x.Checks), pct(x.OnTimeCheckRate),
		n(x.Filings), pct(x.OnTimeFilingRate), pct(x.AccurateFilingRate),
		n(x.Closures), pct(x.OnTimeClosureRate),
		n(x.Dispatches), pct(x.OnTimeDispatchRate), pct(x.AccurateDispatchRate),
		ledger.Text(s.Name), ledger.Int(int64(s.Version)),
	}
}

// StateName is the Chinese name of a case state, for ledgers.
func StateName(s casework.State) string { return zh(stateNames, string(s)) }
