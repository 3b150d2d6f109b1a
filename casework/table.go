package casework

import "civicgrid/org"

// Transition is one row of the transition table: from a state, an action taken by one of the roles
// leads to a state. Guard checks what the case and the actor must satisfy (scope, pending requests,
// counts) without looking at the input; Decide checks the input afterwards. Next, when set, picks
// the destination from the input (a rating may reopen a closed case).
type Transition struct {
	From   State                                  `json:"from"`
	Action Action                                 `json:"action"`
	Roles  []org.Role                             `json:"roles"`
	To     State                                  `json:"to"`
	Guard  func(c *Case, a org.Actor) error       `json:"-"`
	Next   func(c *Case, in Input, env Env) State `json:"-"`
}

// Role groups of the table. They are spelled out row by row below so that a reader sees who may do
// what without chasing names.
var (
	reporters = []org.Role{org.RoleGridWorker, org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleHandler, org.RoleLeader, org.RoleAdmin, org.RoleResident, org.RoleSystem}
	checkers  = []org.Role{org.RoleGridWorker, org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleHandler}
	staff     = []org.Role{org.RoleGridWorker, org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleHandler, org.RoleLeader, org.RoleAdmin, org.RoleAuditor}
)

// nonTerminal are the states a case can still move from (closed only re-opens through a rating).
var nonTerminal = []State{Reported, Confirming, Filed, Dispatched, Handling, Handled, Checking, Rework, Returned, Suspended}

// withWhistle are the states a whistle can exist in: it is blown from filed on and stays with the case.
var withWhistle = []State{Filed, Dispatched, Handling, Handled, Checking, Rework, Returned, Suspended}

// running are the states whose clocks run (suspended pauses them, terminal states stop them).
var running = []State{Reported, Confirming, Filed, Dispatched, Handling, Handled, Checking, Rework, Returned}

// transitions is the whole state machine. Nothing outside this table decides whether an action is
// possible from a state or for a role.
var transitions = buildTable()

func buildTable() []Transition {
	r := func(role ...org.Role) []org.Role { return role }
	t := []Transition{
		{From: "", Action: ActReport, Roles: reporters, To: Reported},

		{From: Reported, Action: ActRequestConfirm, Roles: r(org.RoleIntake, org.RoleShiftLeader), To: Confirming, Guard: centreScope},
		{From: Reported, Action: ActFile, Roles: r(org.RoleIntake, org.RoleShiftLeader), To: Filed, Guard: centreScope},
		{From: Reported, Action: ActReject, Roles: r(org.RoleIntake, org.RoleShiftLeader), To: Rejected, Guard: centreScope},
		{From: Reported, Action: ActMerge, Roles: r(org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher), To: Voided, Guard: centreScope},

		{From: Confirming, Action: ActConfirm, Roles: r(org.RoleGridWorker), To: Reported, Guard: onTerritoryLine},
		{From: Confirming, Action: ActDeny, Roles: r(org.RoleGridWorker), To: Rejected, Guard: onTerritoryLine},
		{From: Confirming, Action: ActReject, Roles: r(org.RoleIntake, org.RoleShiftLeader), To: Rejected, Guard: centreScope},
		{From: Confirming, Action: ActMerge, Roles: r(org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher), To: Voided, Guard: centreScope},

		{From: Filed, Action: ActDispatch, Roles: r(org.RoleDispatcher, org.RoleShiftLeader), To: Dispatched, Guard: centreScope},
		{From: Filed, Action: ActMerge, Roles: r(org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher), To: Voided, Guard: centreScope},

		{From: Returned, Action: ActDispatch, Roles: r(org.RoleDispatcher), To: Dispatched, Guard: all(centreScope, notDisputed)},
		{From: Returned, Action: ActRule, Roles: r(org.RoleShiftLeader, org.RoleLeader), To: Dispatched, Guard: centreScope},

		{From: Dispatched, Action: ActDispatch, Roles: r(org.RoleDispatcher, org.RoleShiftLeader), To: Dispatched, Guard: centreScope},
		{From: Dispatched, Action: ActSign, Roles: r(org.RoleHandler), To: Handling, Guard: inAssignee},
		{From: Dispatched, Action: ActReturn, Roles: r(org.RoleHandler), To: Returned, Guard: all(inAssignee, notRuled)},
		{From: Dispatched, Action: ActRequestExtension, Roles: r(org.RoleHandler), To: Dispatched, Guard: all(inAssignee, noPendingExtension)},

		{From: Handling, Action: ActHandle, Roles: r(org.RoleHandler), To: Handled, Guard: inAssignee},
		{From: Handling, Action: ActRequestExtension, Roles: r(org.RoleHandler), To: Handling, Guard: all(inAssignee, noPendingExtension)},
		{From: Handling, Action: ActRequestSuspend, Roles: r(org.RoleHandler), To: Handling, Guard: all(inAssignee, noPendingSuspension)},
		{From: Handling, Action: ActApproveSuspend, Roles: r(org.RoleDispatcher, org.RoleShiftLeader), To: Suspended, Guard: all(centreScope, pendingSuspension)},
		{From: Handling, Action: ActDenySuspend, Roles: r(org.RoleDispatcher, org.RoleShiftLeader), To: Handling, Guard: all(centreScope, pendingSuspension)},

		{From: Rework, Action: ActSign, Roles: r(org.RoleHandler), To: Handling, Guard: inAssignee},
		{From: Rework, Action: ActRequestExtension, Roles: r(org.RoleHandler), To: Rework, Guard: all(inAssignee, noPendingExtension)},

		// Suspension is only granted from handling, so resuming lands there; Next reads the recorded
		// state so that the table stays right if suspension is ever granted from elsewhere.
		{From: Suspended, Action: ActResume, Roles: r(org.RoleDispatcher, org.RoleShiftLeader), To: Handling, Guard: centreScope, Next: resumeNext},

		{From: Handled, Action: ActRequestCheck, Roles: r(org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher), To: Checking, Guard: centreScope},

		// 谁发单、谁验收: only the originating unit checks, never the unit that handled the case.
		{From: Checking, Action: ActCheckPass, Roles: checkers, To: Closed, Guard: originatorChecks},
		{From: Checking, Action: ActCheckFail, Roles: checkers, To: Rework, Guard: originatorChecks},

		{From: Closed, Action: ActRate, Roles: r(org.RoleResident, org.RoleIntake), To: Closed, Guard: all(rater, notRatedThisClosure), Next: rateNext},
	}
	for _, s := range []State{Dispatched, Handling, Rework} {
		t = append(t,
			Transition{From: s, Action: ActApproveExtension, Roles: r(org.RoleDispatcher, org.RoleShiftLeader), To: s, Guard: all(centreScope, pendingExtension)},
			Transition{From: s, Action: ActDenyExtension, Roles: r(org.RoleDispatcher, org.RoleShiftLeader), To: s, Guard: all(centreScope, pendingExtension)},
		)
	}
	for _, s := range nonTerminal {
		t = append(t,
			Transition{From: s, Action: ActSupervise, Roles: r(org.RoleLeader), To: s, Guard: centreScope},
			Transition{From: s, Action: ActVoid, Roles: r(org.RoleShiftLeader, org.RoleAdmin), To: Voided, Guard: centreScope},
		)
	}
	for _, s := range []State{Filed, Dispatched, Handling, Returned, Rework} {
		t = append(t, Transition{From: s, Action: ActWhistle, Roles: r(org.RoleLeader, org.RoleDispatcher, org.RoleShiftLeader, org.RoleHandler), To: s, Guard: whistler})
	}
	for _, s := range withWhistle {
		t = append(t,
			Transition{From: s, Action: ActWhistleAck, Roles: r(org.RoleHandler), To: s, Guard: summoned},
			Transition{From: s, Action: ActWhistleLate, Roles: r(org.RoleSystem), To: s, Guard: hasWhistle},
		)
	}
	for _, s := range running {
		t = append(t,
			Transition{From: s, Action: ActWarn, Roles: r(org.RoleSystem), To: s, Guard: clockRunning},
			Transition{From: s, Action: ActOverdue, Roles: r(org.RoleSystem), To: s, Guard: clockRunning},
		)
	}
	for _, s := range States {
		t = append(t, Transition{From: s, Action: ActComment, Roles: staff, To: s, Guard: involved})
	}
	return t
}

// rateNext reopens a closed case into rework when the resident is dissatisfied within the window.
func rateNext(c *Case, in Input, env Env) State {
	if in.Rating == Dissatisfied && c.ClosedAt != nil && !stamp(env.Now).After(c.ClosedAt.Add(env.RatingWindow)) {
		return Rework
	}
	return Closed
}

func resumeNext(c *Case, _ Input, _ Env) State {
	if c.SuspendedFrom == "" {
		return Handling
	}
	return c.SuspendedFrom
}

// Table returns a copy of the transition table, for documentation and tests.
func Table() []Transition {
	out := make([]Transition, len(transitions))
	for i, t := range transitions {
		t.Roles = append([]org.Role(nil), t.Roles...)
		out[i] = t
	}
	return out
}

// Actions lists every action.
var Actions = []Action{ActReport, ActRequestConfirm, ActConfirm, ActDeny, ActFile, ActReject, ActDispatch, ActRule, ActSign, ActReturn,
	ActRequestExtension, ActApproveExtension, ActDenyExtension, ActRequestSuspend, ActApproveSuspend, ActDenySuspend, ActResume,
	ActHandle, ActRequestCheck, ActCheckPass, ActCheckFail, ActRate, ActSupervise, ActWhistle, ActWhistleAck, ActMerge, ActVoid,
	ActComment, ActWarn, ActOverdue, ActWhistleLate}

// SystemActions are the actions only the system takes, fired by the deadline timers (PendingMarks);
// no person may take them.
var SystemActions = []Action{ActWarn, ActOverdue, ActWhistleLate}

func knownAction(a Action) bool {
	for _, x := range Actions {
		if x == a {
			return true
		}
	}
	return false
}

// row finds the transition for (from, action), if any. Each pair has at most one row.
func row(from State, a Action) (Transition, bool) {
	for _, t := range transitions {
		if t.From == from && t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// fromStates lists, in state order, the states an action is possible from.
func fromStates(a Action) []State {
	var out []State
	for _, s := range States {
		if _, ok := row(s, a); ok {
			out = append(out, s)
		}
	}
	return out
}

func (t Transition) allows(r org.Role) bool {
	for _, x := range t.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Available lists the actions the actor could take on the case now: the role, the state and the
// guards that need no input all allow them. Input rules (a reason, a deadline not yet passed) are
// still checked by Decide.
func Available(c *Case, actor org.Actor) []Action {
	if c == nil {
		return nil
	}
	var out []Action
	for _, t := range transitions {
		if t.From != c.State || !t.allows(actor.Role) {
			continue
		}
		if t.Guard != nil && t.Guard(c, actor) != nil {
			continue
		}
		out = append(out, t.Action)
	}
	return out
}
