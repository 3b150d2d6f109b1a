package casework

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/catalog"
	"civicgrid/org"
)

// Limits on what actors supply.
const (
	MaxReason       = 2000 // characters of a reason or comment
	MaxMediaRef     = 2000 // characters of one media reference (a stored photo's ID or a URL)
	MaxResult       = 4000 // characters of a handling result
	MaxPhotos       = 20   // photos before, and again after
	MaxWhistleUnits = 10   // units summoned besides the lead; also assisting units of a dispatch
	maxReturns      = 2    // returns after which only a ruling dispatches again
)

// Reason codes of a rejection (不予立案) and of a return (退回).
var (
	RejectCodes = []string{"not_government", "duplicate", "outside_jurisdiction", "invalid"}
	ReturnCodes = []string{"wrong_territory", "unclear_ownership", "overlapping_functions", "other"} // 属地不符, 权属不清, 职能交叉, 其他
)

// Decide checks that the actor may take the action on the case now with this input, and returns
// the event that records it. The event is neither sealed nor applied: the caller seals it onto the
// chain, stores it, and applies it. Decide never changes c.
//
// Errors: an unknown action or bad input is EINVALID; an action not possible from the case's state
// (or a stale ExpectSeq, or a state precondition such as a pending request) is ECONFLICT — what the
// loser of a race gets; a role the table does not name for the action, or an actor outside the
// case's scope, is EFORBIDDEN.
func Decide(c *Case, actor org.Actor, action Action, in Input, env Env) (Event, error) {
	if !knownAction(action) {
		return Event{}, civicgrid.Errorf(civicgrid.EINVALID, "unknown action %q", action).WithDetail("field", "action")
	}
	if c == nil || c.Seq == 0 {
		return Event{}, fmt.Errorf("casework: decide on a case without history")
	}
	if in.ExpectSeq != 0 && in.ExpectSeq != c.Seq {
		return Event{}, civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has changed (version %d, expected %d); read it again", c.ID, c.Seq, in.ExpectSeq)
	}
	t, ok := row(c.State, action)
	if !ok {
		return Event{}, notFrom(c, action)
	}
	if !t.allows(actor.Role) {
		return Event{}, civicgrid.Errorf(civicgrid.EFORBIDDEN, "a %s cannot %s case %d; that is for %s", orNoRole(actor.Role), action, c.ID, joinRoles(t.Roles))
	}
	if env.Now.IsZero() {
		return Event{}, fmt.Errorf("casework: decide without the current time")
	}
	if t.Guard != nil {
		if err := t.Guard(c, actor); err != nil {
			return Event{}, err
		}
	}
	to := t.To
	if t.Next != nil {
		to = t.Next(c, in, env)
	}
	reason := strings.TrimSpace(in.Reason)
	if err := checkText("reason", reason, MaxReason); err != nil {
		return Event{}, err
	}
	d := &decision{c: c, action: action, actor: actor, in: in, env: env, m: newClockMath(env), to: to, reason: reason}
	payload, err := builders[action](d)
	if err != nil {
		return Event{}, err
	}
	return newEvent(c.ID, c.Seq+1, action, actor, d.m.now, c.State, to, reason, payload)
}

func notFrom(c *Case, a Action) error {
	from := fromStates(a)
	if len(from) == 0 {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d is %s; %s happens only when a case is created", c.ID, c.State, a)
	}
	names := make([]string, len(from))
	for i, s := range from {
		names[i] = string(s)
	}
	return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d is %s; %s is possible only from %s", c.ID, c.State, a, strings.Join(names, ", ")).
		WithDetail("state", string(c.State))
}

// decision is what a builder works from.
type decision struct {
	c      *Case
	action Action
	actor  org.Actor
	in     Input
	env    Env
	m      clockMath
	to     State
	reason string
}

func (d *decision) needReason() error {
	if d.reason == "" {
		return civicgrid.Errorf(civicgrid.EINVALID, "%s needs a reason", d.action).WithDetail("field", "reason")
	}
	return nil
}

// builders check the input of each action and produce its payload (nil for none).
var builders = map[Action]func(*decision) (any, error){
	ActRequestConfirm:   enter(catalog.StageConfirm),
	ActConfirm:          enter(catalog.StageFile),
	ActFile:             enter(catalog.StageDispatch),
	ActSign:             enter(catalog.StageHandle),
	ActDeny:             buildDeny,
	ActReject:           buildReject,
	ActMerge:            buildMerge,
	ActDispatch:         buildRoute,
	ActRule:             buildRoute,
	ActReturn:           buildReturn,
	ActRequestExtension: buildRequestExtension,
	ActApproveExtension: buildApproveExtension,
	ActDenyExtension:    noPayload,
	ActRequestSuspend:   reasonOnly,
	ActApproveSuspend:   buildSuspend,
	ActDenySuspend:      noPayload,
	ActResume:           buildResume,
	ActHandle:           buildHandle,
	ActRequestCheck:     noPayload,
	ActCheckPass:        buildClose,
	ActCheckFail:        buildCheckFail,
	ActRate:             buildRate,
	ActSupervise:        buildSupervise,
	ActWhistle:          buildWhistle,
	ActWhistleAck:       buildAck,
	ActVoid:             buildVoid,
	ActComment:          reasonOnly,
	ActWarn:             mark(Yellow),
	ActOverdue:          mark(Red),
	ActWhistleLate:      buildWhistleLate,
}

func noPayload(*decision) (any, error) { return nil, nil }

func reasonOnly(d *decision) (any, error) { return nil, d.needReason() }

func enter(stage catalog.Stage) func(*decision) (any, error) {
	return func(d *decision) (any, error) {
		cs, err := d.m.enter(d.c, stage)
		if err != nil {
			return nil, err
		}
		return stagePayload{Clocks: cs}, nil
	}
}

func buildDeny(d *decision) (any, error) {
	if err := d.needReason(); err != nil {
		return nil, err
	}
	return codePayload{ReasonCode: "invalid", Clocks: stop(d.c)}, nil
}

func buildReject(d *decision) (any, error) {
	if err := oneOf("reason_code", d.in.ReasonCode, RejectCodes); err != nil {
		return nil, err
	}
	if err := d.needReason(); err != nil {
		return nil, err
	}
	return codePayload{ReasonCode: d.in.ReasonCode, Clocks: stop(d.c)}, nil
}

func buildVoid(d *decision) (any, error) {
	if err := d.needReason(); err != nil {
		return nil, err
	}
	return stagePayload{Clocks: stop(d.c)}, nil
}

func buildClose(d *decision) (any, error) { return stagePayload{Clocks: stop(d.c)}, nil }

func buildMerge(d *decision) (any, error) {
	m := d.env.Master
	switch {
	case m == nil:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "merging case %d needs the case to merge it into", d.c.ID).WithDetail("field", "target")
	case d.in.Target != 0 && d.in.Target != m.ID:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "merge target %d does not match the master case %d", d.in.Target, m.ID).WithDetail("field", "target")
	case m.ID == d.c.ID:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "case %d cannot be merged into itself", d.c.ID).WithDetail("field", "target")
	case m.State == Rejected || m.State == Voided:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "case %d is %s and cannot take merged cases", m.ID, m.State).WithDetail("field", "target")
	}
	return mergePayload{Master: m.ID, Clocks: stop(d.c)}, nil
}

func buildRoute(d *decision) (any, error) {
	rt := d.env.Target
	if rt == nil || strings.TrimSpace(rt.Lead) == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s needs the unit that must act", d.action).WithDetail("field", "unit")
	}
	if !validPath(rt.LeadPath) || lastID(rt.LeadPath) != rt.Lead {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %s has no valid path (%q)", rt.Lead, rt.LeadPath).WithDetail("field", "unit")
	}
	if d.in.Unit != "" && d.in.Unit != rt.Lead {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %s was asked for but %s was resolved", d.in.Unit, rt.Lead).WithDetail("field", "unit")
	}
	switch rt.Mode {
	case "", "comprehensive", "professional", "assisted":
	default:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "route mode %q is not one of comprehensive, professional, assisted", rt.Mode).WithDetail("field", "mode")
	}
	if len(rt.Assisting) > MaxWhistleUnits {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "at most %d assisting units", MaxWhistleUnits).WithDetail("field", "assisting")
	}
	seen := map[string]bool{rt.Lead: true}
	for _, u := range rt.Assisting {
		if strings.TrimSpace(u) == "" || seen[u] {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "assisting units must be distinct, named, and not the lead unit").WithDetail("field", "assisting")
		}
		seen[u] = true
	}
	if err := checkText("route reason", rt.Reason, MaxReason); err != nil {
		return nil, err
	}
	cs, err := d.m.enter(d.c, catalog.StageSign)
	if err != nil {
		return nil, err
	}
	r := *rt
	r.Assisting = append([]string(nil), rt.Assisting...)
	if len(r.Assisting) == 0 {
		r.Assisting = nil
	}
	return routePayload{Route: r, Clocks: cs}, nil
}

func buildReturn(d *decision) (any, error) {
	if err := oneOf("reason_code", d.in.ReasonCode, ReturnCodes); err != nil {
		return nil, err
	}
	if err := d.needReason(); err != nil {
		return nil, err
	}
	cs, err := d.m.enter(d.c, catalog.StageDispatch)
	if err != nil {
		return nil, err
	}
	return codePayload{ReasonCode: d.in.ReasonCode, Clocks: cs}, nil
}

func buildRequestExtension(d *decision) (any, error) {
	ext := d.in.Extension
	if ext == nil || ext.IsZero() {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "an extension request needs the extra time asked for").WithDetail("field", "extension")
	}
	if err := ext.Validate(); err != nil {
		return nil, err
	}
	if err := d.needReason(); err != nil {
		return nil, err
	}
	k := d.c.StageClock
	if k == nil || k.Paused {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the current stage of case %d has no running time limit to extend", d.c.ID)
	}
	if !d.m.now.Before(k.DueAt) {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the %s deadline of case %d passed at %s; an extension must be asked before it", k.Stage, d.c.ID, inChina(k.DueAt)).
			WithDetail("due_at", k.DueAt)
	}
	return extensionPayload{Extension: *ext}, nil
}

func buildApproveExtension(d *decision) (any, error) {
	if err := d.m.need("extend the deadlines"); err != nil {
		return nil, err
	}
	ext := *d.c.PendingExtension
	cs := current(d.c)
	cs.Stage, cs.StageLight = d.m.extend(cs.Stage, ext, cs.StageLight)
	cs.Whole, cs.WholeLight = d.m.extend(cs.Whole, ext, cs.WholeLight)
	return extensionPayload{Extension: ext, Clocks: cs}, nil
}

func buildSuspend(d *decision) (any, error) {
	if err := d.m.need("pause the deadlines"); err != nil {
		return nil, err
	}
	cs := current(d.c)
	cs.Stage, cs.Whole = d.m.pause(cs.Stage), d.m.pause(cs.Whole)
	return stagePayload{Clocks: cs}, nil
}

func buildResume(d *decision) (any, error) {
	if err := d.m.need("restart the deadlines"); err != nil {
		return nil, err
	}
	cs := current(d.c)
	cs.Stage, cs.Whole = d.m.resume(cs.Stage), d.m.resume(cs.Whole)
	return stagePayload{Clocks: cs}, nil
}

func buildHandle(d *decision) (any, error) {
	result := strings.TrimSpace(d.in.Result)
	if result == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "handling needs a result").WithDetail("field", "result")
	}
	if err := checkText("result", result, MaxResult); err != nil {
		return nil, err
	}
	if err := checkMedia("photos_before", d.in.PhotosBefore, MaxPhotos); err != nil {
		return nil, err
	}
	if err := checkMedia("photos_after", d.in.PhotosAfter, MaxPhotos); err != nil {
		return nil, err
	}
	cs, err := d.m.enter(d.c, catalog.StageCheck)
	if err != nil {
		return nil, err
	}
	return handlePayload{Result: result, PhotosBefore: nonEmpty(d.in.PhotosBefore), PhotosAfter: nonEmpty(d.in.PhotosAfter), Clocks: cs}, nil
}

func buildCheckFail(d *decision) (any, error) {
	if err := d.needReason(); err != nil {
		return nil, err
	}
	cs, err := d.m.enter(d.c, catalog.StageSign)
	if err != nil {
		return nil, err
	}
	return stagePayload{Clocks: cs}, nil
}

func buildRate(d *decision) (any, error) {
	switch d.in.Rating {
	case Satisfied, BasicSatisfied, Dissatisfied:
	default:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "rating %q is not one of satisfied, basic_satisfied, dissatisfied", d.in.Rating).WithDetail("field", "rating")
	}
	if d.to != Rework {
		return ratePayload{Rating: d.in.Rating}, nil
	}
	// Reopening starts a new run of the loop: the same unit signs again, and the whole case gets a
	// fresh budget, because the first one ended when the case closed.
	cs, err := d.m.enter(d.c, catalog.StageSign)
	if err != nil {
		return nil, err
	}
	if cs.Whole, err = d.m.start("", d.env.Limits.Whole); err != nil {
		return nil, err
	}
	cs.WholeLight = Green
	return ratePayload{Rating: d.in.Rating, Reopen: true, Clocks: cs}, nil
}

func buildSupervise(d *decision) (any, error) {
	switch d.in.Level {
	case SuperviseNormal, SuperviseYellow, SuperviseRed:
	default:
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "supervision level %q is not one of normal, yellow, red", d.in.Level).WithDetail("field", "level")
	}
	return supervisePayload{Level: d.in.Level}, nil
}

func buildWhistle(d *decision) (any, error) {
	in := d.in
	if strings.TrimSpace(in.Lead) == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a whistle needs a lead unit").WithDetail("field", "lead")
	}
	if len(in.Units) == 0 || len(in.Units) > MaxWhistleUnits {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a whistle summons 1 to %d units besides the lead, not %d", MaxWhistleUnits, len(in.Units)).WithDetail("field", "units")
	}
	seen := map[string]bool{in.Lead: true}
	for _, u := range in.Units {
		if strings.TrimSpace(u) == "" || seen[u] {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "summoned units must be distinct, named, and not the lead unit (%q)", u).WithDetail("field", "units")
		}
		seen[u] = true
	}
	if in.AckLimit == nil || in.AckLimit.IsZero() {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a whistle needs the time each unit has to acknowledge").WithDetail("field", "ack_limit")
	}
	if err := in.AckLimit.Validate(); err != nil {
		return nil, err
	}
	parties := append([]string{in.Lead}, in.Units...)
	for _, u := range parties {
		if d.env.UnitPath == nil {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %s is unknown", u).WithDetail("field", "units")
		}
		if p, ok := d.env.UnitPath(u); !ok || !validPath(p) {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %s is unknown", u).WithDetail("field", "units")
		}
	}
	if err := d.m.need("set the acknowledgement deadlines"); err != nil {
		return nil, err
	}
	due := stamp(d.m.cal.Deadline(d.m.now, *in.AckLimit))
	w := Whistle{Lead: in.Lead, By: d.actor.Unit, At: d.m.now}
	if w.By == "" {
		w.By = lastID(d.actor.UnitPath)
	}
	for _, u := range parties {
		w.Units = append(w.Units, WhistleParty{Unit: u, DueAt: due})
	}
	return whistlePayload{Whistle: w}, nil
}

func buildAck(d *decision) (any, error) {
	i, _ := summonedParty(d.c.Whistle, d.actor.UnitPath)
	return ackPayload{Unit: d.c.Whistle.Units[i].Unit}, nil
}

// buildWhistleLate records that a summoned party let its acknowledgement deadline pass. Timers fire
// it; a mark for a party that has acknowledged, is already late, is no longer summoned (a new
// whistle replaced the old one), or whose deadline is still ahead gets ECONFLICT.
func buildWhistleLate(d *decision) (any, error) {
	c, unit := d.c, strings.TrimSpace(d.in.Unit)
	if unit == "" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a late acknowledgement mark needs the summoned unit").WithDetail("field", "unit")
	}
	for _, p := range c.Whistle.Units {
		if p.Unit != unit {
			continue
		}
		switch {
		case p.AckedAt != nil:
			return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "unit %s acknowledged the whistle on case %d at %s", unit, c.ID, inChina(*p.AckedAt))
		case p.Late:
			return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "unit %s is already recorded late on case %d", unit, c.ID)
		case d.m.now.Before(p.DueAt):
			return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "unit %s has until %s to acknowledge the whistle on case %d", unit, inChina(p.DueAt), c.ID)
		}
		return ackPayload{Unit: unit}, nil
	}
	return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "unit %s is not summoned by the whistle on case %d", unit, c.ID)
}

// mark records that a clock reached its warning (yellow) or due (red) instant. Timers fire it; a
// timer that is early, late for a stage already left, or repeated gets ECONFLICT and changes nothing.
func mark(light Light) func(*decision) (any, error) {
	return func(d *decision) (any, error) {
		c, name := d.c, d.in.ClockStage
		cs := current(c)
		var k *Clock
		var have *Light
		switch {
		case name == "":
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "a deadline mark needs the clock: a stage or %q", ClockWhole).WithDetail("field", "clock_stage")
		case name == ClockWhole:
			k, have = cs.Whole, &cs.WholeLight
		case !knownStage(name):
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "clock %q is neither a stage nor %q", name, ClockWhole).WithDetail("field", "clock_stage")
		case cs.Stage == nil || cs.Stage.Stage != name:
			return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "case %d is no longer in the %s stage", c.ID, name)
		default:
			k, have = cs.Stage, &cs.StageLight
		}
		if k == nil || k.Paused {
			return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "the %s clock of case %d is not running", stageName(name), c.ID)
		}
		at := k.WarnAt
		if light == Red {
			at = k.DueAt
		}
		if lightRank(*have) >= lightRank(light) {
			return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "the %s clock of case %d is already %s", stageName(name), c.ID, *have)
		}
		if d.m.now.Before(at) {
			return nil, civicgrid.Errorf(civicgrid.ECONFLICT, "the %s clock of case %d turns %s only at %s", stageName(name), c.ID, light, inChina(at))
		}
		*have = light
		return markPayload{Clock: name, Light: light, Clocks: cs}, nil
	}
}

func newEvent(id int64, seq int, a Action, actor org.Actor, at time.Time, from, to State, reason string, payload any) (Event, error) {
	e := Event{CaseID: id, Seq: seq, Action: a, Actor: actor, At: at, From: from, To: to, Reason: reason}
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return Event{}, fmt.Errorf("casework: encode the %s payload: %w", a, err)
		}
		e.Payload = b
	}
	return e, nil
}

// checkText holds free text to the platform's one rule (civicgrid.CheckText).
func checkText(field, s string, max int) error { return civicgrid.CheckText(field, s, max) }

func checkMedia(field string, ids []string, max int) error {
	if len(ids) > max {
		return civicgrid.Errorf(civicgrid.EINVALID, "%s: at most %d items, got %d", field, max, len(ids)).WithDetail("field", field)
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return civicgrid.Errorf(civicgrid.EINVALID, "%s: empty media ID", field).WithDetail("field", field)
		}
		if err := checkText(field, id, MaxMediaRef); err != nil {
			return err
		}
	}
	return nil
}

func oneOf(field, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return civicgrid.Errorf(civicgrid.EINVALID, "%s %q is not one of %s", field, v, strings.Join(allowed, ", ")).WithDetail("field", field)
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// validPath reports whether p looks like a materialised unit path: "/a/b/".
func validPath(p string) bool {
	return len(p) > 2 && strings.HasPrefix(p, "/") && strings.HasSuffix(p, "/") && !strings.Contains(p, "//")
}

func joinRoles(rs []org.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func orNoRole(r org.Role) string {
	if r == "" {
		return "actor without a role"
	}
	return string(r)
}

// chinaTime is the zone people read deadlines in (UTC+8, no daylight saving).
var chinaTime = time.FixedZone("CST", 8*3600)

func inChina(t time.Time) string { return t.In(chinaTime).Format("2006-01-02 15:04 MST") }

func knownStage(s catalog.Stage) bool {
	for _, x := range catalog.Stages {
		if x == s {
			return true
		}
	}
	return false
}
