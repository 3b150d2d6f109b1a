package assess_test

import (
	"testing"
	"time"

	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// A small world: 宝山区 with one street, its community and grid, and the district's 城管 bureau
// with the street's squad. Cases lie in the grid; the district centre took them in.
const (
	districtID    = "310113000000"
	districtPath  = "/310000000000/310113000000/"
	streetID      = "310113003000"
	streetPath    = districtPath + streetID + "/"
	communityID   = "310113003001"
	communityPath = streetPath + communityID + "/"
	gridPath      = communityPath + "310113003001001/"
	bureauID      = "310113000000-chengguan"
	bureauPath    = districtPath + bureauID + "/"
	squadID       = "310113003000-chengguan"
	squadPath     = bureauPath + squadID + "/"
)

var testCalendar = func() *calendar.Calendar {
	c, err := calendar.New(calendar.DefaultHours(), calendar.Seed())
	if err != nil {
		panic(err)
	}
	return c
}()

func wh(n int) calendar.Limit { return calendar.Limit{Amount: n, Unit: calendar.WorkingHours} }
func wd(n int) calendar.Limit { return calendar.Limit{Amount: n, Unit: calendar.WorkingDays} }

// testLimits are the seed limits of 占道经营 at normal urgency.
var testLimits = catalog.Limits{
	Stages: map[catalog.Stage]calendar.Limit{catalog.StageAccept: wh(1), catalog.StageDispatch: wh(1), catalog.StageSign: wh(2),
		catalog.StageHandle: wh(4), catalog.StageCheck: wd(1)},
	Whole: wd(2),
}

func cst(m time.Month, d, hh, mm int) time.Time {
	return time.Date(2026, m, d, hh, mm, 0, 0, calendar.China)
}

var (
	intake     = org.Actor{UserID: 1, Name: "受理员", Role: org.RoleIntake, Unit: districtID, UnitPath: districtPath}
	dispatcher = org.Actor{UserID: 2, Name: "派遣员", Role: org.RoleDispatcher, Unit: districtID, UnitPath: districtPath}
	leader     = org.Actor{UserID: 3, Name: "领导", Role: org.RoleLeader, Unit: districtID, UnitPath: districtPath}
	shift      = org.Actor{UserID: 4, Name: "值班长", Role: org.RoleShiftLeader, Unit: districtID, UnitPath: districtPath}
)

func handlerOf(id, path string) org.Actor {
	return org.Actor{UserID: 9, Name: "处置", Role: org.RoleHandler, Unit: id, UnitPath: path}
}

// story drives one case through casework in memory, recording its events.
type story struct {
	t      testing.TB
	c      *casework.Case
	events []casework.Event
}

func newStory(t testing.TB, id int64, channel casework.Channel, at time.Time) *story {
	t.Helper()
	r := casework.Report{MatterCode: "E0502", Channel: channel, Description: "占道经营", Grid: "310113003001001",
		TerritoryPath: gridPath, Originator: districtID, OriginatorPath: districtPath}
	ev, err := casework.NewCase(id, r, intake, env(at, nil))
	if err != nil {
		t.Fatal(err)
	}
	s := &story{t: t, c: &casework.Case{}}
	s.append(ev)
	return s
}

func env(at time.Time, target *casework.Route) casework.Env {
	return casework.Env{Now: at, Calendar: testCalendar, Limits: testLimits, WarnPercent: 80, RatingWindow: 7 * 24 * time.Hour, Target: target,
		UnitPath: func(id string) (string, bool) {
			return map[string]string{squadID: squadPath, bureauID: bureauPath}[id], true
		}}
}

func (s *story) append(ev casework.Event) {
	s.t.Helper()
	casework.Seal(s.c.LastHash, &ev)
	if err := casework.Apply(s.c, ev); err != nil {
		s.t.Fatal(err)
	}
	s.events = append(s.events, ev)
}

// do takes the action at the time; to names the dispatch or ruling target's path.
func (s *story) do(at time.Time, actor org.Actor, a casework.Action, in casework.Input, to ...string) *story {
	s.t.Helper()
	var target *casework.Route
	if len(to) > 0 {
		ids := org.IDsOnPath(to[0])
		target = &casework.Route{Lead: ids[len(ids)-1], LeadPath: to[0]}
	}
	ev, err := casework.Decide(s.c, actor, a, in, env(at, target))
	if err != nil {
		s.t.Fatalf("%s at %s: %v", a, at, err)
	}
	s.append(ev)
	return s
}

// mark fires the overdue mark of a clock at its due instant.
func (s *story) overdue(clock catalog.Stage) *story {
	s.t.Helper()
	k := s.c.StageClock
	if clock == casework.ClockWhole {
		k = s.c.WholeClock
	}
	return s.do(k.DueAt, org.SystemActor, casework.ActOverdue, casework.Input{ClockStage: clock})
}

var (
	reason = casework.Input{Reason: "原因"}
	result = casework.Input{Result: "已处置"}
)
