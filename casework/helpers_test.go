package casework_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
)

// The test world: 宝山区 (310113) with one street, one community and one grid, a second street, and
// district departments. The case lies in the grid; the street's dispatch centre took it in and is
// its originator; it is dispatched to the district's 城管 department.
const (
	cityPath        = "/310000000000/"
	districtID      = "310113000000"
	districtPath    = cityPath + districtID + "/"
	streetID        = "310113103000"
	streetPath      = districtPath + streetID + "/"
	communityID     = "310113103001"
	communityPath   = streetPath + communityID + "/"
	gridID          = "310113103001001"
	gridPath        = communityPath + gridID + "/"
	otherStreetID   = "310113104000"
	otherStreetPath = districtPath + otherStreetID + "/"
	chengguan       = "310113000000-chengguan"
	market          = "310113000000-market"
	housing         = "310113000000-housing"
	water           = "310113000000-water"
	residentID      = 900
)

func deptPath(id string) string { return districtPath + id + "/" }

var unitPaths = map[string]string{
	districtID: districtPath, streetID: streetPath, communityID: communityPath, gridID: gridPath,
	otherStreetID: otherStreetPath, chengguan: deptPath(chengguan), market: deptPath(market),
	housing: deptPath(housing), water: deptPath(water),
}

func resolveUnit(id string) (string, bool) { p, ok := unitPaths[id]; return p, ok }

var realCalendar = func() *calendar.Calendar {
	c, err := calendar.New(calendar.DefaultHours(), calendar.Seed())
	if err != nil {
		panic(err)
	}
	return c
}()

// cst is a wall-clock time in China.
func cst(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calendar.China)
}

var allRoles = []org.Role{org.RoleGridWorker, org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleHandler,
	org.RoleLeader, org.RoleAdmin, org.RoleAuditor, org.RoleResident, org.RoleSystem}

func staffAt(role org.Role, unit, path string) org.Actor {
	ids := map[org.Role]int64{org.RoleGridWorker: 101, org.RoleIntake: 102, org.RoleShiftLeader: 103, org.RoleDispatcher: 104,
		org.RoleHandler: 105, org.RoleLeader: 106, org.RoleAdmin: 107, org.RoleAuditor: 108}
	return org.Actor{UserID: ids[role], Name: string(role) + "@" + unit, Role: role, Unit: unit, UnitPath: path}
}

var resident = org.Actor{UserID: residentID, Name: "张女士", Role: org.RoleResident}

// actorFor is an actor in the role who passes every scope guard of the action on the world's case.
func actorFor(a casework.Action, r org.Role) org.Actor {
	switch r {
	case org.RoleResident:
		return resident
	case org.RoleSystem:
		return org.SystemActor
	case org.RoleGridWorker:
		return staffAt(r, gridID, gridPath)
	case org.RoleHandler:
		switch a {
		case casework.ActCheckPass, casework.ActCheckFail, casework.ActWhistle, casework.ActComment:
			return staffAt(r, streetID, streetPath) // the street's own staff: originator side, a 块
		case casework.ActWhistleAck:
			return staffAt(r, market, deptPath(market))
		}
		return staffAt(r, chengguan, deptPath(chengguan))
	}
	return staffAt(r, streetID, streetPath)
}

func testLimits() catalog.Limits {
	wh := func(n int) calendar.Limit { return calendar.Limit{Amount: n, Unit: calendar.WorkingHours} }
	wd := func(n int) calendar.Limit { return calendar.Limit{Amount: n, Unit: calendar.WorkingDays} }
	return catalog.Limits{
		Stages: map[catalog.Stage]calendar.Limit{
			catalog.StageAccept: wh(2), catalog.StageConfirm: wh(4), catalog.StageFile: wd(1), catalog.StageDispatch: wh(2),
			catalog.StageSign: wh(2), catalog.StageHandle: wd(3), catalog.StageCheck: wd(2),
		},
		Whole: wd(10),
	}
}

func testReport() casework.Report {
	return casework.Report{
		MatterCode: "E0105", Channel: casework.ChannelPortal, Title: "人行道堆放建筑垃圾",
		Description: "友谊路人行道上堆放建筑垃圾,影响通行。", Address: "友谊路 100 号",
		Location: &geo.Point{Lon: 121.489, Lat: 31.405}, Grid: gridID, Community: communityID, Street: streetID, District: districtID,
		TerritoryPath: gridPath, Reporter: &casework.Reporter{Name: "张女士", Phone: "13800000000"},
		Attributes: map[string]any{"area_m2": 3, "blocking": true}, Media: []string{"m-1"},
		Originator: streetID, OriginatorPath: streetPath,
	}
}

// baseEnv is what the caller would look up for the world's case at now.
func baseEnv(now time.Time) casework.Env {
	return casework.Env{
		Now: now, Calendar: realCalendar, Limits: testLimits(), WarnPercent: 80, RatingWindow: 7 * 24 * time.Hour,
		Target:   &casework.Route{Lead: chengguan, LeadPath: deptPath(chengguan), Mode: catalog.Professional, Reason: "权责清单: 专业管理"},
		Master:   &casework.Case{ID: 2, State: casework.Filed},
		UnitPath: resolveUnit,
	}
}

// inputFor is an input that satisfies every input rule of the action on c.
func inputFor(c *casework.Case, a casework.Action) casework.Input {
	in := casework.Input{Reason: "现场情况说明"}
	switch a {
	case casework.ActReject:
		in.ReasonCode = "duplicate"
	case casework.ActReturn:
		in.ReasonCode = "wrong_territory"
	case casework.ActHandle:
		in.Result, in.PhotosBefore, in.PhotosAfter = "已清运建筑垃圾", []string{"m-2"}, []string{"m-3"}
	case casework.ActRequestExtension:
		in.Extension = &calendar.Limit{Amount: 1, Unit: calendar.WorkingDays}
	case casework.ActSupervise:
		in.Level = casework.SuperviseYellow
	case casework.ActRate:
		in.Rating = casework.Dissatisfied
	case casework.ActWhistle:
		in.Lead, in.Units, in.AckLimit = housing, []string{market, water}, &calendar.Limit{Amount: 2, Unit: calendar.WorkingHours}
	case casework.ActMerge:
		in.Target = 2
	case casework.ActWarn, casework.ActOverdue:
		in.ClockStage = casework.ClockWhole
		if c.StageClock != nil {
			in.ClockStage = c.StageClock.Stage
		}
	case casework.ActWhistleLate:
		if p := waitingParty(c); p != nil {
			in.Unit = p.Unit
		}
	}
	return in
}

// waitingParty is the first whistle party that has neither acknowledged nor been recorded late.
func waitingParty(c *casework.Case) *casework.WhistleParty {
	if c.Whistle == nil {
		return nil
	}
	for i, p := range c.Whistle.Units {
		if p.AckedAt == nil && !p.Late {
			return &c.Whistle.Units[i]
		}
	}
	return nil
}

// envFor is an environment in which the action on c meets its time rules.
func envFor(c *casework.Case, a casework.Action) casework.Env {
	env := baseEnv(c.UpdatedAt.Add(time.Minute))
	k := c.StageClock
	if k == nil {
		k = c.WholeClock
	}
	if k != nil {
		switch a {
		case casework.ActWarn:
			env.Now = k.WarnAt
		case casework.ActOverdue:
			env.Now = k.DueAt
		}
	}
	if p := waitingParty(c); a == casework.ActWhistleLate && p != nil && p.DueAt.After(env.Now) {
		env.Now = p.DueAt
	}
	return env
}

// world is one case and its history, built through Decide, Seal and Apply as the platform does.
type world struct {
	t      testing.TB
	c      *casework.Case
	events []casework.Event
	now    time.Time
	env    func(time.Time) casework.Env
}

func newWorld(t testing.TB, at time.Time) *world {
	t.Helper()
	return newWorldWith(t, at, testReport(), baseEnv)
}

func newWorldWith(t testing.TB, at time.Time, r casework.Report, env func(time.Time) casework.Env) *world {
	t.Helper()
	w := &world{t: t, c: &casework.Case{}, now: at, env: env}
	e, err := casework.NewCase(1, r, resident, env(at))
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	w.commit(e)
	return w
}

// commit seals the event onto the chain and applies it.
func (w *world) commit(e casework.Event) {
	w.t.Helper()
	casework.Seal(w.c.LastHash, &e)
	if err := casework.Apply(w.c, e); err != nil {
		w.t.Fatalf("apply %s: %v", e.Action, err)
	}
	w.events = append(w.events, e)
	w.now = e.At.Add(time.Minute)
}

// try decides without committing, at w.now unless the env is changed by mod.
func (w *world) try(a casework.Action, actor org.Actor, in casework.Input, mod ...func(*casework.Env)) (casework.Event, error) {
	env := w.env(w.now)
	for _, m := range mod {
		m(&env)
	}
	return casework.Decide(w.c, actor, a, in, env)
}

// do takes the action as the role with the default actor and input, and commits it.
func (w *world) do(a casework.Action, r org.Role) *world {
	w.t.Helper()
	return w.doIn(a, actorFor(a, r), inputFor(w.c, a))
}

func (w *world) doIn(a casework.Action, actor org.Actor, in casework.Input, mod ...func(*casework.Env)) *world {
	w.t.Helper()
	e, err := w.try(a, actor, in, mod...)
	if err != nil {
		w.t.Fatalf("%s by %s in %s: %v", a, actor.Role, w.c.State, err)
	}
	w.commit(e)
	return w
}

// at sets the time of the next action.
func (w *world) at(t time.Time) *world { w.now = t; return w }

// mustFail asserts the error code.
func mustFail(t testing.TB, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want %s", code)
	}
	if got := civicgrid.ErrorCode(err); got != code {
		t.Fatalf("got %s (%v); want %s", got, err, code)
	}
}

// sameCase compares two cases field by field, through JSON for a readable difference.
func sameCase(t testing.TB, got, want *casework.Case) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.Marshal(got)
	x, _ := json.Marshal(want)
	t.Fatalf("cases differ:\n got %s\nwant %s", g, x)
}

// path are the actions, with their roles, that bring the world's case into each state.
var path = map[casework.State][]step{
	casework.Reported:   nil,
	casework.Confirming: {{casework.ActRequestConfirm, org.RoleIntake}},
	casework.Rejected:   {{casework.ActReject, org.RoleIntake}},
	casework.Voided:     {{casework.ActVoid, org.RoleShiftLeader}},
	casework.Filed:      toFiled,
	casework.Dispatched: append(toFiled[:len(toFiled):len(toFiled)], step{casework.ActDispatch, org.RoleDispatcher}),
	casework.Returned:   append(toHandling()[:3:3], step{casework.ActReturn, org.RoleHandler}),
	casework.Handling:   toHandling(),
	casework.Suspended:  append(toHandling(), step{casework.ActRequestSuspend, org.RoleHandler}, step{casework.ActApproveSuspend, org.RoleDispatcher}),
	casework.Handled:    toHandled(),
	casework.Checking:   append(toHandled(), step{casework.ActRequestCheck, org.RoleIntake}),
	casework.Closed:     append(toHandled(), step{casework.ActRequestCheck, org.RoleIntake}, step{casework.ActCheckPass, org.RoleGridWorker}),
	casework.Rework:     append(toHandled(), step{casework.ActRequestCheck, org.RoleIntake}, step{casework.ActCheckFail, org.RoleGridWorker}),
}

type step struct {
	action casework.Action
	role   org.Role
}

var toFiled = []step{{casework.ActFile, org.RoleIntake}, {casework.ActWhistle, org.RoleLeader}}

func toHandling() []step {
	return append(toFiled[:len(toFiled):len(toFiled)], step{casework.ActDispatch, org.RoleDispatcher}, step{casework.ActSign, org.RoleHandler})
}

func toHandled() []step { return append(toHandling(), step{casework.ActHandle, org.RoleHandler}) }

// worldIn builds a case in state s through real events. Deciding on a pending request needs one:
// for those actions the request is made first, where the state allows it.
func worldIn(t testing.TB, s casework.State, next casework.Action) *world {
	t.Helper()
	w := newWorld(t, cst(2025, 6, 9, 9, 0))
	for _, st := range path[s] {
		w.do(st.action, st.role)
	}
	switch next {
	case casework.ActApproveExtension, casework.ActDenyExtension:
		if s == casework.Dispatched || s == casework.Handling || s == casework.Rework {
			w.do(casework.ActRequestExtension, org.RoleHandler)
		}
	case casework.ActApproveSuspend, casework.ActDenySuspend:
		if s == casework.Handling {
			w.do(casework.ActRequestSuspend, org.RoleHandler)
		}
	}
	if w.c.State != s {
		t.Fatalf("path to %s ends in %s", s, w.c.State)
	}
	return w
}
