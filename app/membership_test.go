package app_test

import (
	"context"
	"strings"
	"testing"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/demo"
	"civicgrid/store/storetest"
)

func (e *env) reportAs(login, matter, grid string) *casework.Case {
	e.t.Helper()
	p := demo.GridCentre(demo.Baoshan().Grids[grid])
	c, _, err := e.app.Report(context.Background(), e.user(login), app.ReportInput{MatterCode: matter, Description: "巡查发现", Lat: &p.Lat, Lon: &p.Lon}, "")
	if err != nil {
		e.t.Fatalf("report as %s: %v", login, err)
	}
	return c
}

func (e *env) refused(login string, id int64, a casework.Action, code string) {
	e.t.Helper()
	_, err := e.app.Act(context.Background(), e.user(login), id, a, casework.Input{})
	if !civicgrid.IsCode(err, code) {
		e.t.Fatalf("%s %s: got %v, want %s", login, a, err, code)
	}
}

// TestStreetHandlesCommunityChecks: a matter the street bears (综合管理) is handled by the street
// office, not by the community that lies in the street, and the community that raised it checks.
func TestStreetHandlesCommunityChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		c := e.reportAs("youyi.c1.worker1", "E0101", "310113003001001") // 暴露垃圾
		if c.Originator != "310113003001" || c.SuggestedRoute == nil || c.SuggestedRoute.Lead != "310113003000" {
			t.Fatalf("originator %s, route %+v", c.Originator, c.SuggestedRoute)
		}
		e.act("district.intake", c.ID, casework.ActFile, casework.Input{})
		e.act("district.dispatcher", c.ID, casework.ActDispatch, casework.Input{})
		// The community's handler lies inside the street but is not the street office.
		e.refused("youyi.c1.handler", c.ID, casework.ActSign, civicgrid.EFORBIDDEN)
		e.act("youyi.handler", c.ID, casework.ActSign, casework.Input{})
		e.act("youyi.handler", c.ID, casework.ActHandle, casework.Input{Result: "已清运"})
		e.act("district.intake", c.ID, casework.ActRequestCheck, casework.Input{})
		e.refused("youyi.handler", c.ID, casework.ActCheckPass, civicgrid.EFORBIDDEN)
		// A grid worker of another community cannot even see the case.
		e.refused("youyi.c2.worker1", c.ID, casework.ActCheckPass, civicgrid.ENOTFOUND)
		closed := e.act("youyi.c1.worker1", c.ID, casework.ActCheckPass, casework.Input{})
		if closed.State != casework.Closed {
			t.Fatalf("state %s", closed.State)
		}
	})
}

// TestCommunityHandlesStreetChecks: a matter on the community admission list, raised by the
// community's own grid worker and handled by the community, is checked by the street above it.
func TestCommunityHandlesStreetChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		c := e.reportAs("youyi.c1.worker1", "E0603", "310113003001002") // 楼道堆物
		if c.SuggestedRoute == nil || c.SuggestedRoute.Lead != "310113003001" {
			t.Fatalf("route %+v: want the community, as the admission list admits 楼道堆物", c.SuggestedRoute)
		}
		e.act("district.intake", c.ID, casework.ActFile, casework.Input{})
		e.act("district.dispatcher", c.ID, casework.ActDispatch, casework.Input{})
		e.act("youyi.c1.handler", c.ID, casework.ActSign, casework.Input{})
		e.act("youyi.c1.handler", c.ID, casework.ActHandle, casework.Input{Result: "已清理楼道"})
		e.act("district.intake", c.ID, casework.ActRequestCheck, casework.Input{})
		// Everyone in the community belongs to the unit that handled it.
		e.refused("youyi.c1.worker1", c.ID, casework.ActCheckPass, civicgrid.EFORBIDDEN)
		e.refused("youyi.c1.handler", c.ID, casework.ActCheckPass, civicgrid.EFORBIDDEN)
		if got := e.act("youyi.intake", c.ID, casework.ActCheckPass, casework.Input{}); got.State != casework.Closed {
			t.Fatalf("state %s", got.State)
		}
	})
}

// TestAdmissionListRefusesCommunity: dispatching a matter the admission list does not name to a
// community is refused with the list's own wording, and nothing changes.
func TestAdmissionListRefusesCommunity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		c := e.reportAs("youyi.c1.worker1", "E0502", "310113003001001") // 占道经营: not admitted
		e.act("district.intake", c.ID, casework.ActFile, casework.Input{})
		_, err := e.app.Act(context.Background(), e.user("district.dispatcher"), c.ID, casework.ActDispatch, casework.Input{Unit: "310113003001"})
		if !civicgrid.IsCode(err, civicgrid.EINVALID) || !strings.Contains(civicgrid.ErrorMessage(err), "未列入社区事务准入清单的事项,社区一律不予受理") {
			t.Fatalf("dispatch to community: %v", err)
		}
		after, _ := e.app.DB.Case(context.Background(), c.ID)
		if after.State != casework.Filed || after.Seq != c.Seq+1 {
			t.Fatalf("a refused dispatch changed the case: %s seq %d", after.State, after.Seq)
		}
	})
}

// TestWhistleRespectsAdmissionList: a street leader cannot summon a community to a matter the
// community admission list does not name.
func TestWhistleRespectsAdmissionList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		c := e.reportAs("youyi.c1.worker1", "E0502", "310113003001001")
		e.act("district.intake", c.ID, casework.ActFile, casework.Input{})
		e.act("district.dispatcher", c.ID, casework.ActDispatch, casework.Input{})
		ack := &calendar.Limit{Amount: 2, Unit: calendar.WorkingHours}
		_, err := e.app.Act(context.Background(), e.user("youyi.leader"), c.ID, casework.ActWhistle,
			casework.Input{Lead: "310113003000-chengguan", Units: []string{"310113003001"}, AckLimit: ack, Reason: "联合整治"})
		if !civicgrid.IsCode(err, civicgrid.EINVALID) || !strings.Contains(civicgrid.ErrorMessage(err), "社区事务准入清单") {
			t.Fatalf("whistle summoning a community: %v", err)
		}
		got := e.act("youyi.leader", c.ID, casework.ActWhistle,
			casework.Input{Lead: "310113003000-chengguan", Units: []string{"310113003000-police"}, AckLimit: ack, Reason: "联合整治"})
		if got.Whistle == nil || len(got.Whistle.Units) != 2 {
			t.Fatalf("whistle: %+v", got.Whistle)
		}
		e.act("police.youyi.handler", c.ID, casework.ActWhistleAck, casework.Input{})
		e.refused("police.youyi.handler", c.ID, casework.ActWhistleAck, civicgrid.ECONFLICT)
	})
}

// TestDepartmentReportsInItsTerritory: a squad's handler reports what they see in the street they
// serve, and not in another street.
func TestDepartmentReportsInItsTerritory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		c := e.reportAs("chengguan.youyi.handler", "E0203", "310113003001001") // 非法小广告 in 友谊路
		if c.Street != "310113003000" || c.Originator != "310113003000-chengguan" {
			t.Fatalf("street %s originator %s", c.Street, c.Originator)
		}
		p := demo.GridCentre(demo.Baoshan().Grids["310113007001001"]) // 吴淞
		_, _, err := e.app.Report(context.Background(), e.user("chengguan.youyi.handler"), app.ReportInput{MatterCode: "E0203", Description: "x", Lat: &p.Lat, Lon: &p.Lon}, "")
		if !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Fatalf("reporting in another street: %v", err)
		}
	})
}

// TestWhistleLateMarkedBySweep: a summoned unit that does not acknowledge in time is marked late by
// the deadline sweep, once; acknowledging late is still recorded.
func TestWhistleLateMarkedBySweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		c := e.reportAs("youyi.c1.worker1", "E0502", "310113003001001")
		e.act("district.intake", c.ID, casework.ActFile, casework.Input{})
		e.act("district.dispatcher", c.ID, casework.ActDispatch, casework.Input{})
		c = e.act("youyi.leader", c.ID, casework.ActWhistle, casework.Input{Lead: "310113003000-chengguan", Units: []string{"310113003000-police"},
			AckLimit: &calendar.Limit{Amount: 2, Unit: calendar.WorkingHours}, Reason: "联合整治"})
		e.act("chengguan.youyi.handler", c.ID, casework.ActWhistleAck, casework.Input{})
		due := c.Whistle.Units[1].DueAt
		e.clock.Set(due)
		before, _ := e.app.DB.CaseEvents(ctx, c.ID)
		for e.sweepOnce(t) > 0 {
		}
		after, _ := e.app.DB.CaseEvents(ctx, c.ID)
		late := 0
		for _, ev := range after[len(before):] {
			if ev.Action == casework.ActWhistleLate {
				late++
			}
		}
		got, _ := e.app.DB.Case(ctx, c.ID)
		if late != 1 || !got.Whistle.Units[1].Late || got.Whistle.Units[0].Late {
			t.Fatalf("%d late marks; parties %+v", late, got.Whistle.Units)
		}
		e.act("police.youyi.handler", c.ID, casework.ActWhistleAck, casework.Input{})
		if rep, err := e.app.DB.Verify(ctx); err != nil || len(rep.Problems) != 0 {
			t.Fatalf("verify: %+v %v", rep.Problems, err)
		}
	})
}

func (e *env) sweepOnce(t *testing.T) int {
	t.Helper()
	n, err := e.app.Sweep(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
