package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"civicgrid/demo"
)

// youyiC1 is 宝钢一村居委会 of 友谊路街道; its first grid's centre is a point inside the district.
const (
	youyiStreet = "310113003000"
	youyiC1     = "310113003001"
	youyiGrid1  = "310113003001001"
)

func gridPoint(t *testing.T, grid string) (lat, lon float64) {
	t.Helper()
	mp, ok := demo.Baoshan().Grids[grid]
	if !ok {
		t.Fatalf("no demo grid %s", grid)
	}
	p := demo.GridCentre(mp)
	return p.Lat, p.Lon
}

func caseID(t *testing.T, r response) string {
	t.Helper()
	return fmt.Sprint(int64(r.json(t)["id"].(float64)))
}

func field(t *testing.T, r response, name string) any {
	t.Helper()
	return r.json(t)[name]
}

// TestClosedLoop drives one matter from a resident's report to closure and rating, each step as the
// user whose job it is, and checks the record at the end.
func TestClosedLoop(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		lat, lon := gridPoint(t, youyiGrid1)
		r := f.must(http.StatusCreated, f.do("POST", "/api/v1/cases", "", map[string]any{
			"matter_code": "E0502", "description": "路口有人占道摆摊卖水果", "lat": lat, "lon": lon,
			"reporter": map[string]any{"name": "张女士", "phone": "13900001111"},
		}, "X-API-Key", demoKey))
		id := caseID(t, r)
		if got := field(t, r, "state"); got != "reported" {
			t.Fatalf("new case state %v", got)
		}
		if got := field(t, r, "grid"); got != youyiGrid1 {
			t.Fatalf("located in grid %v, want %s", got, youyiGrid1)
		}
		if r.json(t)["reporter"] != nil {
			t.Fatal("an API-key caller was shown the reporter's personal fields")
		}
		route := r.json(t)["suggested_route"].(map[string]any)
		if route["lead"] != youyiStreet+"-chengguan" || !strings.Contains(route["reason"].(string), "权责清单") {
			t.Fatalf("suggested route %v: want the 友谊路 城管 squad citing the responsibility list", route)
		}

		intake, dispatcher := f.login("district.intake"), f.login("district.dispatcher")
		handler, otherHandler := f.login("chengguan.youyi.handler"), f.login("chengguan.wusong.handler")
		act := func(token, action string, body any) response {
			return f.do("POST", "/api/v1/cases/"+id+"/"+action, token, body)
		}
		f.must(http.StatusOK, act(intake, "file", nil))
		// Only the dispatcher dispatches; intake holds no such role.
		if r := act(intake, "dispatch", nil); r.Status != http.StatusForbidden {
			t.Fatalf("intake dispatching: %d %s", r.Status, r.Body)
		}
		r = f.must(http.StatusOK, act(dispatcher, "dispatch", nil))
		if field(t, r, "assignee") != youyiStreet+"-chengguan" {
			t.Fatalf("dispatched to %v", field(t, r, "assignee"))
		}
		// Another street's squad cannot see the case at all.
		if r := f.do("GET", "/api/v1/cases/"+id, otherHandler, nil); r.Status != http.StatusNotFound {
			t.Fatalf("another squad reading the case: %d", r.Status)
		}
		if r := act(otherHandler, "sign", nil); r.Status != http.StatusNotFound {
			t.Fatalf("another squad signing: %d %s", r.Status, r.Body)
		}
		f.must(http.StatusOK, act(handler, "sign", nil))
		f.clock.Advance(90 * time.Minute)
		f.must(http.StatusOK, act(handler, "handle", map[string]any{"result": "已劝离摊贩,恢复通行", "photos_after": []string{"after-1"}}))
		f.must(http.StatusOK, act(intake, "request_check", nil))
		// The handling unit can never close its own case.
		if r := act(handler, "check_pass", nil); r.Status != http.StatusForbidden {
			t.Fatalf("handler closing own case: %d %s", r.Status, r.Body)
		}
		r = f.must(http.StatusOK, act(intake, "check_pass", nil))
		if field(t, r, "state") != "closed" {
			t.Fatalf("after check: %v", field(t, r, "state"))
		}
		r = f.must(http.StatusOK, act(intake, "rate", map[string]any{"rating": "satisfied"}))
		if field(t, r, "rating") != "satisfied" {
			t.Fatalf("rating %v", field(t, r, "rating"))
		}

		r = f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, intake, nil))
		tl := r.json(t)["timeline"].([]any)
		want := []string{"report", "file", "dispatch", "sign", "handle", "request_check", "check_pass", "rate"}
		if len(tl) != len(want) {
			t.Fatalf("timeline has %d events, want %d: %s", len(tl), len(want), r.Body)
		}
		prev := ""
		for i, e := range tl {
			ev := e.(map[string]any)
			if ev["action"] != want[i] {
				t.Errorf("event %d is %v, want %s", i+1, ev["action"], want[i])
			}
			if h := ev["hash"].(string); len(h) != 64 || h == prev {
				t.Errorf("event %d hash %q", i+1, h)
			}
			prev = ev["hash"].(string)
		}
		if r.json(t)["reporter"] == nil {
			t.Error("staff should see the reporter of the case")
		}
		rep, err := f.app.DB.Verify(context.Background())
		if err != nil || len(rep.Problems) != 0 || rep.Cases != 1 || rep.Events != len(want) {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		// The refused attempts above were logged.
		entries, err := f.app.DB.AuditLog(context.Background(), "denied", 10)
		if err != nil || len(entries) < 2 {
			t.Fatalf("audit log holds %d denials (%v), want the out-of-scope read and sign", len(entries), err)
		}
	})
}

// TestDeadlineLights moves the clock across the sign stage's warning and due instants and checks
// that the sweep turns the light yellow then red, each exactly once.
func TestDeadlineLights(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		worker := f.login("youyi.c1.worker1")
		lat, lon := gridPoint(t, youyiGrid1)
		r := f.must(http.StatusCreated, f.do("POST", "/api/v1/cases", worker, map[string]any{"matter_code": "E0502", "description": "占道经营", "lat": lat, "lon": lon}))
		id := caseID(t, r)
		if field(t, r, "channel") != "patrol" || field(t, r, "originator") != youyiC1 {
			t.Fatalf("grid worker report: channel %v originator %v", field(t, r, "channel"), field(t, r, "originator"))
		}
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/file", f.login("district.intake"), nil))
		r = f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/dispatch", f.login("district.dispatcher"), nil))
		clk := r.json(t)["stage_clock"].(map[string]any)
		warn, _ := time.Parse(time.RFC3339Nano, clk["warn_at"].(string))
		due, _ := time.Parse(time.RFC3339Nano, clk["due_at"].(string))
		if clk["stage"] != "sign" || !warn.Before(due) || !f.clock.Now().Before(warn) {
			t.Fatalf("sign clock %v", clk)
		}
		light := func() string {
			c, err := f.app.DB.Case(ctx, mustInt(t, id))
			if err != nil {
				t.Fatal(err)
			}
			return string(c.StageLight)
		}
		sweep := func() int {
			n, err := f.app.Sweep(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		f.clock.Set(warn.Add(-time.Microsecond))
		if n := sweep(); n != 0 || light() != "green" {
			t.Fatalf("before the warning: fired %d, light %s", n, light())
		}
		f.clock.Set(warn)
		if n := sweep(); n != 1 || light() != "yellow" {
			t.Fatalf("at the warning: fired %d, light %s", n, light())
		}
		if n := sweep(); n != 0 {
			t.Fatalf("the warning fired again: %d", n)
		}
		f.clock.Set(due)
		if n := sweep(); n != 1 || light() != "red" {
			t.Fatalf("at the due instant: fired %d, light %s", n, light())
		}
		f.clock.Advance(48 * time.Hour)
		if n := sweep(); n != 0 {
			t.Fatalf("overdue fired again or a later mark fired early: %d", n)
		}
		c, _ := f.app.DB.Case(ctx, mustInt(t, id))
		if !c.Overdue || c.Light != "red" {
			t.Fatalf("case after overdue: overdue %v light %s", c.Overdue, c.Light)
		}
		// Signing starts a new stage: its light is green again, the case stays marked overdue.
		r = f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/sign", f.login("chengguan.youyi.handler"), nil))
		if field(t, r, "stage_light") != "green" || field(t, r, "overdue") != true {
			t.Fatalf("after signing late: stage light %v overdue %v", field(t, r, "stage_light"), field(t, r, "overdue"))
		}
		if rep, err := f.app.DB.Verify(ctx); err != nil || len(rep.Problems) != 0 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
