package demo

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/clock"
	"civicgrid/geo"
	"civicgrid/org"
)

// HistoryOptions shape a generated history.
type HistoryOptions struct {
	Days   int       // how many days back from End
	PerDay int       // reports a day on average
	End    time.Time // the present; steps due after it are left undone, so recent cases are open
	Seed   uint64
}

// HistoryStats counts what a generated history holds.
type HistoryStats struct {
	Cases   int
	Actions int
	Marks   int // warn and overdue marks fired by the timers
	States  map[casework.State]int
}

// GenerateHistory drives the real workflow through every state: reports on every channel, intake,
// confirmation, dispatch by the responsibility list, returns and rulings, extensions, suspensions,
// handling, checks with rework, ratings, supervision, whistles, merges and voids. Time runs on the
// fake clock the app was built with; before each step the deadline timers due by then are swept,
// so lights and overdue marks come from the same engine as in production.
func GenerateHistory(ctx context.Context, a *app.App, fake *clock.Fake, opt HistoryOptions) (HistoryStats, error) {
	g, err := newGenerator(ctx, a, fake, opt)
	if err != nil {
		return HistoryStats{}, err
	}
	start := opt.End.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	for d := 0; d < opt.Days; d++ {
		day := start.Add(time.Duration(d) * 24 * time.Hour)
		n := opt.PerDay/2 + g.rnd.IntN(opt.PerDay+1)
		for i := 0; i < n; i++ {
			// Reports cluster in the daytime, China time.
			at := time.Date(day.In(calendar.China).Year(), day.In(calendar.China).Month(), day.In(calendar.China).Day(), 7, 0, 0, 0, calendar.China).
				Add(time.Duration(g.rnd.IntN(14*60)) * time.Minute)
			if at.After(opt.End) {
				continue
			}
			g.push(step{at: at, kind: stepReport})
		}
	}
	for g.queue.Len() > 0 {
		s := heap.Pop(&g.queue).(step)
		if s.at.After(opt.End) {
			continue
		}
		if err := g.advance(ctx, s.at); err != nil {
			return g.stats, err
		}
		if err := g.run(ctx, s); err != nil {
			return g.stats, fmt.Errorf("history step %s on case %d at %s: %w", s.kind, s.caseID, s.at.Format(time.RFC3339), err)
		}
	}
	if err := g.advance(ctx, opt.End); err != nil {
		return g.stats, err
	}
	return g.stats, nil
}

type stepKind string

const (
	stepReport stepKind = "report"
	stepNext   stepKind = "next"
)

type step struct {
	at     time.Time
	kind   stepKind
	caseID int64
	seq    int // tie-breaker: insertion order
}

type stepQueue []step

func (q stepQueue) Len() int { return len(q) }
func (q stepQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q stepQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *stepQueue) Push(x any)   { *q = append(*q, x.(step)) }
func (q *stepQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type generator struct {
	a       *app.App
	fake    *clock.Fake
	rnd     *rand.Rand
	queue   stepQueue
	n       int
	stats   HistoryStats
	users   map[string]app.Principal
	key     app.Principal
	grids   []string
	centres map[string]geo.Point
	// handlers maps a unit to the login of one of its handlers.
	handlers map[string]string
	// workers maps a community to its comprehensive grid worker.
	workers map[string]string
	// plan remembers per case what its script still holds.
	plan map[int64]*script
}

type script struct {
	confirm, ret, extend, suspend, fail, dissatisfied, supervise, whistle, void bool
	late                                                                        bool
}

func newGenerator(ctx context.Context, a *app.App, fake *clock.Fake, opt HistoryOptions) (*generator, error) {
	g := &generator{a: a, fake: fake, rnd: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		users: map[string]app.Principal{}, centres: map[string]geo.Point{}, handlers: map[string]string{}, workers: map[string]string{}, plan: map[int64]*script{}}
	d := Baoshan()
	for id, mp := range d.Grids {
		g.grids = append(g.grids, id)
		g.centres[id] = GridCentre(mp)
	}
	sortStrings(g.grids)
	for _, s := range d.Staff {
		for _, gr := range s.Grants {
			switch {
			case gr.Role == org.RoleHandler && g.handlers[gr.Unit] == "":
				g.handlers[gr.Unit] = s.Login
			case gr.Role == org.RoleGridWorker && len(gr.Unit) == 12 && g.workers[gr.Unit] == "":
				g.workers[gr.Unit] = s.Login
			}
		}
	}
	keys, err := a.DB.APIKeys(ctx)
	if err != nil || len(keys) == 0 {
		return nil, fmt.Errorf("the demo history needs the demo API key: %v", err)
	}
	g.key = app.Principal{Key: &keys[0]}
	return g, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (g *generator) push(s step) {
	g.n++
	s.seq = g.n
	heap.Push(&g.queue, s)
}

func (g *generator) user(ctx context.Context, login string) (app.Principal, error) {
	if p, ok := g.users[login]; ok {
		return p, nil
	}
	u, _, err := g.a.DB.UserByLogin(ctx, login)
	if err != nil {
		return app.Principal{}, fmt.Errorf("demo user %s: %w", login, err)
	}
	p := app.Principal{User: u}
	g.users[login] = p
	return p, nil
}

// advance moves the clock to t and fires every deadline mark due by then.
func (g *generator) advance(ctx context.Context, t time.Time) error {
	if t.After(g.fake.Now()) {
		g.fake.Set(t)
	}
	for {
		n, err := g.a.Sweep(ctx, 500)
		if err != nil {
			return err
		}
		g.stats.Marks += n
		if n == 0 {
			return nil
		}
	}
}

func (g *generator) chance(p float64) bool { return g.rnd.Float64() < p }

// later schedules the case's next step after a delay: mostly prompt, sometimes slow enough to turn
// a light yellow or red.
func (g *generator) later(id int64, now time.Time, late bool) {
	d := time.Duration(10+g.rnd.IntN(170)) * time.Minute
	if late || g.chance(0.1) {
		d = time.Duration(1+g.rnd.IntN(4)) * 24 * time.Hour
	}
	g.push(step{at: now.Add(d), kind: stepNext, caseID: id})
}

func (g *generator) run(ctx context.Context, s step) error {
	if s.kind == stepReport {
		return g.report(ctx, s.at)
	}
	return g.next(ctx, s)
}

func (g *generator) report(ctx context.Context, at time.Time) error {
	cfg := g.a.Config()
	mt := cfg.MatterList[g.rnd.IntN(len(cfg.MatterList))]
	grid := g.grids[g.rnd.IntN(len(g.grids))]
	pt := g.centres[grid]
	// Spread points around the grid centre (≈ ±60 m) so that some reports are near-duplicates.
	pt.Lon += (g.rnd.Float64() - 0.5) * 0.0012
	pt.Lat += (g.rnd.Float64() - 0.5) * 0.0010
	lat, lon := pt.Lat, pt.Lon
	in := app.ReportInput{MatterCode: mt.Code, Description: fmt.Sprintf("%s:%s附近发现问题,请处理。", mt.NameZh, gridName(cfg, grid)), Lat: &lat, Lon: &lon}
	if len(mt.Fields) > 0 {
		in.Attributes = demoAttributes(mt.Fields)
	}
	var p app.Principal
	switch r := g.rnd.Float64(); {
	case r < 0.45:
		comm := grid[:12]
		var err error
		if p, err = g.user(ctx, g.workers[comm]); err != nil {
			return err
		}
	case r < 0.70:
		var err error
		if p, err = g.user(ctx, "district.intake"); err != nil {
			return err
		}
		in.Reporter = &casework.Reporter{Name: "市民", Phone: fmt.Sprintf("1390000%04d", g.rnd.IntN(10000))}
	case r < 0.90:
		p = g.key
		in.Reporter = &casework.Reporter{Email: fmt.Sprintf("resident%d@example.org", g.rnd.IntN(1000))}
	default:
		p = app.Principal{Resident: true}
	}
	if g.chance(0.08) {
		in.Urgency = "urgent"
	}
	c, _, err := g.a.Report(ctx, p, in, "")
	if err != nil {
		return err
	}
	g.stats.Cases++
	g.plan[c.ID] = &script{
		confirm: g.chance(0.15), ret: g.chance(0.08), extend: g.chance(0.07), suspend: g.chance(0.03), fail: g.chance(0.1),
		dissatisfied: g.chance(0.04), supervise: g.chance(0.05), whistle: g.chance(0.02), void: g.chance(0.01), late: g.chance(0.12),
	}
	g.later(c.ID, at, false)
	return nil
}

func gridName(cfg *app.Config, id string) string {
	if u, ok := cfg.Tree.Unit(id); ok {
		return u.Name
	}
	return id
}

func demoAttributes(fs []catalog.Field) map[string]any {
	out := map[string]any{}
	for _, f := range fs {
		if !f.Required {
			continue
		}
		switch f.Type {
		case "number":
			out[f.Code] = 12.5
		case "singlevaluelist":
			out[f.Code] = f.Values[0].Key
		case "multivaluelist":
			out[f.Code] = []any{f.Values[0].Key}
		case "datetime":
			out[f.Code] = "2026-01-01T08:00:00+08:00"
		default:
			out[f.Code] = "见现场照片"
		}
	}
	return out
}

// act performs one action as login, counting it.
func (g *generator) act(ctx context.Context, login string, id int64, a casework.Action, in casework.Input) (*casework.Case, error) {
	p, err := g.user(ctx, login)
	if err != nil {
		return nil, err
	}
	c, err := g.a.Act(ctx, p, id, a, in)
	if err != nil {
		return nil, fmt.Errorf("%s as %s: %w", a, login, err)
	}
	g.stats.Actions++
	return c, nil
}

// next takes the case one step along its script.
func (g *generator) next(ctx context.Context, s step) error {
	c, err := g.a.DB.Case(ctx, s.caseID)
	if err != nil {
		return err
	}
	sc := g.plan[c.ID]
	id, now := c.ID, s.at
	again := func(c *casework.Case, err error) error {
		if err != nil {
			return err
		}
		if c.State != casework.Closed && c.State != casework.Rejected && c.State != casework.Voided {
			g.later(id, now, sc.late)
		} else if c.State == casework.Closed && c.Rating == "" && c.Channel != casework.ChannelPatrol {
			g.later(id, now, false)
		}
		return nil
	}
	if sc.void && c.State == casework.Filed {
		sc.void = false
		return again(g.act(ctx, "district.shiftleader", id, casework.ActVoid, casework.Input{Reason: "重复录入,作废"}))
	}
	switch c.State {
	case casework.Reported:
		switch {
		case c.DuplicateOf != 0 && g.chance(0.7):
			return again(g.act(ctx, "district.intake", id, casework.ActMerge, casework.Input{Target: c.DuplicateOf, Reason: "同一事项重复上报"}))
		case sc.confirm && !c.Confirmed:
			return again(g.act(ctx, "district.intake", id, casework.ActRequestConfirm, casework.Input{}))
		case g.chance(0.05):
			return again(g.act(ctx, "district.intake", id, casework.ActReject, casework.Input{ReasonCode: "not_government", Reason: "不属于政府职责范围"}))
		}
		return again(g.act(ctx, "district.intake", id, casework.ActFile, casework.Input{}))
	case casework.Confirming:
		if g.chance(0.15) {
			return again(g.act(ctx, g.workers[c.Community], id, casework.ActDeny, casework.Input{Reason: "现场核实无此情况"}))
		}
		return again(g.act(ctx, g.workers[c.Community], id, casework.ActConfirm, casework.Input{}))
	case casework.Filed:
		in := casework.Input{}
		if c.SuggestedRoute == nil {
			in.Unit = c.Street
		}
		return again(g.act(ctx, "district.dispatcher", id, casework.ActDispatch, in))
	case casework.Returned:
		if c.ReturnCount >= 2 {
			return again(g.act(ctx, "district.shiftleader", id, casework.ActRule, casework.Input{Unit: c.Street}))
		}
		return again(g.act(ctx, "district.dispatcher", id, casework.ActDispatch, casework.Input{Unit: c.Street}))
	case casework.Dispatched:
		h := g.handlers[c.Assignee]
		if sc.whistle && c.Whistle == nil {
			sc.whistle = false
			return again(g.whistle(ctx, c))
		}
		if sc.ret {
			sc.ret = false
			return again(g.act(ctx, h, id, casework.ActReturn, casework.Input{ReasonCode: "unclear_ownership", Reason: "权属不清,请重新派遣"}))
		}
		return again(g.act(ctx, h, id, casework.ActSign, casework.Input{}))
	case casework.Handling:
		h := g.handlers[c.Assignee]
		switch {
		case c.PendingExtension != nil:
			return again(g.act(ctx, "district.dispatcher", id, casework.ActApproveExtension, casework.Input{}))
		case c.PendingSuspension:
			return again(g.act(ctx, "district.dispatcher", id, casework.ActApproveSuspend, casework.Input{}))
		case sc.supervise && c.SupervisionCount == 0:
			sc.supervise = false
			return again(g.act(ctx, "district.leader", id, casework.ActSupervise, casework.Input{Level: casework.SuperviseYellow, Reason: "请加快处置"}))
		case sc.extend && c.StageClock != nil && now.Before(c.StageClock.DueAt):
			sc.extend = false
			return again(g.act(ctx, h, id, casework.ActRequestExtension, casework.Input{Extension: &calendar.Limit{Amount: 2, Unit: calendar.WorkingDays}, Reason: "需协调物业,申请延期"}))
		case sc.suspend:
			sc.suspend = false
			return again(g.act(ctx, h, id, casework.ActRequestSuspend, casework.Input{Reason: "需列入年度维修计划,申请挂账"}))
		}
		return again(g.act(ctx, h, id, casework.ActHandle, casework.Input{Result: "已到现场处置完毕。", PhotosBefore: []string{"demo-before"}, PhotosAfter: []string{"demo-after"}}))
	case casework.Suspended:
		return again(g.act(ctx, "district.dispatcher", id, casework.ActResume, casework.Input{Reason: "条件具备,恢复处置"}))
	case casework.Rework:
		return again(g.act(ctx, g.handlers[c.Assignee], id, casework.ActSign, casework.Input{}))
	case casework.Handled:
		return again(g.act(ctx, "district.intake", id, casework.ActRequestCheck, casework.Input{}))
	case casework.Checking:
		checker := g.checker(c)
		if sc.fail {
			sc.fail = false
			return again(g.act(ctx, checker, id, casework.ActCheckFail, casework.Input{Reason: "现场仍未整改到位"}))
		}
		return again(g.act(ctx, checker, id, casework.ActCheckPass, casework.Input{}))
	case casework.Closed:
		rating := casework.Satisfied
		if sc.dissatisfied {
			sc.dissatisfied = false
			rating = casework.Dissatisfied
		} else if g.chance(0.2) {
			rating = casework.BasicSatisfied
		}
		return again(g.act(ctx, "district.intake", id, casework.ActRate, casework.Input{Rating: rating}))
	}
	return nil
}

// checker is who checks a case for its originator: the community's grid worker for cases raised in
// a community (the street's intake when that community also handled it), the district intake for
// cases the district centre took in.
func (g *generator) checker(c *casework.Case) string {
	if len(c.Originator) == 12 && c.Originator == c.Community {
		if c.Assignee == c.Community {
			return streetSlug(c.Street) + ".intake"
		}
		return g.workers[c.Community]
	}
	return "district.intake"
}

func streetSlug(code string) string {
	for _, s := range streets {
		if s.code == code {
			return s.slug
		}
	}
	return "district"
}

// whistle has the street leader summon the assignee with one or two departments.
func (g *generator) whistle(ctx context.Context, c *casework.Case) (*casework.Case, error) {
	var units []string
	for _, kind := range []string{"environment", "housing", "construction"} {
		if u := DistrictID + "-" + kind; u != c.Assignee && (len(units) == 0 || g.chance(0.5)) {
			units = append(units, u)
		}
	}
	leader := streetSlug(c.Street) + ".leader"
	cc, err := g.act(ctx, leader, c.ID, casework.ActWhistle, casework.Input{Lead: c.Assignee, Units: units, AckLimit: &calendar.Limit{Amount: 2, Unit: calendar.WorkingHours}, Reason: "多部门联合处置"})
	if err != nil {
		return nil, err
	}
	for _, u := range append([]string{c.Assignee}, units...) {
		if _, err := g.act(ctx, g.handlers[u], c.ID, casework.ActWhistleAck, casework.Input{}); err != nil && !civicgrid.IsCode(err, civicgrid.ECONFLICT) {
			return nil, err
		}
	}
	return cc, nil
}
