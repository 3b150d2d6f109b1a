package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// BenchmarkFieldPages renders the grid worker's and the department handler's pages through the
// real server over the same 90-day demo history as BenchmarkConsolePages:
//
//   - worker_search: GET /console/worker/report?q=jg as youyi.c1.worker1 — the pinyin search of
//     the whole catalogue and the page;
//   - worker_form: the report form of 上水井盖 with its fields and the worker's grids;
//   - worker_tasks: the community's cases waiting for confirmation or the check, with the actions
//     the worker may take on each;
//   - worker_history: the first page of the worker's own reports (a scan of the community's cases
//     for those whose first event is the worker's);
//   - unit_tasks: GET /console/unit/ as chengguan.youyi.handler — the three counts of the squad
//     and its 待签收 list;
//   - unit_case: the handler's page of the squad's open case with the longest history, with its
//     action forms.
//
// The history leaves few cases waiting at its end, so a busy morning is added first: 45 residents'
// reports in 宝钢一村's first grid, 20 of them sent to the community's grid worker for
// confirmation, 25 filed and dispatched to the street's 城管 squad. Each answer is checked (status
// 200 and its page), and the number of cases each page lists is logged.
func BenchmarkFieldPages(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		s := newConsoleBench(b, newDSN(b))
		busyMorning(b, s)
		worker := s.as(b, "youyi.c1.worker1")
		handler := s.as(b, "chengguan.youyi.handler")
		unitCase := squadCase(b, s, "chengguan.youyi.handler")
		for _, p := range []struct {
			name, path, page string
			c                *consoleBench
		}{
			{"worker_search", "/console/worker/report?q=jg", `data-code="C0101"`, worker},
			{"worker_form", "/console/worker/report?matter=C0101", `id="patrol-form"`, worker},
			{"worker_tasks", "/console/worker/tasks", `data-page="worker_tasks"`, worker},
			{"worker_history", "/console/worker/history", `<li data-case=`, worker},
			{"unit_tasks", "/console/unit/", `data-page="unit_tasks"`, handler},
			{"unit_case", fmt.Sprintf("/console/unit/cases/%d", unitCase), `data-page="unit_case"`, handler},
		} {
			b.Run(p.name, func(b *testing.B) {
				b.Logf("%s: %d cases on the page", p.path, p.c.caseRows(b, p.path))
				b.ReportAllocs()
				for b.Loop() {
					if err := p.c.getAs(p.c.client, p.path, p.page); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// busyMorning adds the cases waiting for the worker and the squad (see BenchmarkFieldPages).
func busyMorning(b *testing.B, s *consoleBench) {
	b.Helper()
	ctx := context.Background()
	user := func(login string) app.Principal {
		u, _, err := s.db.UserByLogin(ctx, login)
		if err != nil {
			b.Fatal(err)
		}
		return app.Principal{User: u}
	}
	intake, dispatcher := user("district.intake"), user("district.dispatcher")
	pt := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
	act := func(p app.Principal, id int64, a casework.Action) {
		if _, err := s.app.Act(ctx, p, id, a, casework.Input{}); err != nil {
			b.Fatalf("%s case %d: %v", a, id, err)
		}
	}
	for i := range 45 {
		cs, _, err := s.app.Report(ctx, app.Principal{Resident: true}, app.ReportInput{MatterCode: "E0502",
			Description: fmt.Sprintf("菜场门口占道摆摊 %d", i), Lat: &pt.Lat, Lon: &pt.Lon}, "")
		if err != nil {
			b.Fatal(err)
		}
		if i < 20 {
			act(intake, cs.ID, casework.ActRequestConfirm)
			continue
		}
		act(intake, cs.ID, casework.ActFile)
		act(dispatcher, cs.ID, casework.ActDispatch)
	}
}

// caseRows counts the cases a page lists.
func (s *consoleBench) caseRows(b *testing.B, path string) int {
	b.Helper()
	res, err := s.client.Get(s.srv.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Count(body, []byte(` data-case="`))
}

// as is the same server with another user logged in.
func (s *consoleBench) as(b *testing.B, login string) *consoleBench {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	o := &consoleBench{db: s.db, srv: s.srv, longest: s.longest, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.Cleanup(o.client.CloseIdleConnections)
	o.login(b, login)
	return o
}

// squadCase is the open case with the most events among those assigned to the handler's unit.
func squadCase(b *testing.B, s *consoleBench, login string) int64 {
	b.Helper()
	db := s.db
	u, _, err := db.UserByLogin(context.Background(), login)
	if err != nil {
		b.Fatal(err)
	}
	cases, err := db.Cases(context.Background(), store.CaseFilter{AssigneePath: u.Grants[0].UnitPath, Limit: 1000,
		States: []casework.State{casework.Dispatched, casework.Handling, casework.Rework}})
	if err != nil || len(cases) == 0 {
		b.Fatalf("no case assigned to %s's unit: %v", login, err)
	}
	best := cases[0]
	for _, c := range cases {
		if c.Seq > best.Seq {
			best = c
		}
	}
	b.Logf("unit case page: case %d with %d events", best.ID, best.Seq)
	return best.ID
}
