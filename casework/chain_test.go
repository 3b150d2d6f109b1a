package casework_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"civicgrid/casework"
	"civicgrid/org"
)

// longHistory walks a case through most of the loop: a failed check, an extension, a suspension,
// a whistle with acknowledgements, a close, a reopening rating and a second close.
func longHistory(t *testing.T) *world {
	w := worldIn(t, casework.Checking, "")
	w.do(casework.ActCheckFail, org.RoleGridWorker).do(casework.ActSign, org.RoleHandler)
	w.do(casework.ActRequestExtension, org.RoleHandler).do(casework.ActApproveExtension, org.RoleDispatcher)
	w.do(casework.ActRequestSuspend, org.RoleHandler).do(casework.ActApproveSuspend, org.RoleShiftLeader)
	w.at(w.now.Add(72*time.Hour)).do(casework.ActResume, org.RoleDispatcher)
	w.do(casework.ActWhistleAck, org.RoleHandler).do(casework.ActSupervise, org.RoleLeader).do(casework.ActComment, org.RoleAuditor)
	w.do(casework.ActHandle, org.RoleHandler).do(casework.ActRequestCheck, org.RoleDispatcher).do(casework.ActCheckPass, org.RoleIntake)
	w.do(casework.ActRate, org.RoleResident)
	w.do(casework.ActSign, org.RoleHandler).do(casework.ActHandle, org.RoleHandler).do(casework.ActRequestCheck, org.RoleIntake)
	w.do(casework.ActCheckPass, org.RoleShiftLeader)
	return w
}

func TestRebuildEqualsStepByStep(t *testing.T) {
	w := longHistory(t)
	if w.c.State != casework.Closed || w.c.ReworkCount != 2 || w.c.ExtensionCount != 1 || len(w.events) < 25 {
		t.Fatalf("history ends %s, rework %d, extensions %d, %d events", w.c.State, w.c.ReworkCount, w.c.ExtensionCount, len(w.events))
	}
	c, err := casework.Rebuild(w.events)
	if err != nil {
		t.Fatal(err)
	}
	sameCase(t, c, w.c)
	if c.Seq != len(w.events) || c.LastHash != w.events[len(w.events)-1].Hash || !c.UpdatedAt.Equal(w.events[len(w.events)-1].At) {
		t.Errorf("seq %d last hash %s updated %v", c.Seq, c.LastHash, c.UpdatedAt)
	}
	// Every prefix rebuilds too, and an event out of turn is refused.
	for i := 1; i < len(w.events); i++ {
		if _, err := casework.Rebuild(w.events[:i]); err != nil {
			t.Fatalf("prefix %d: %v", i, err)
		}
	}
	if err := casework.Apply(c, w.events[3]); err == nil {
		t.Error("Apply accepted an event that does not follow")
	}
	if _, err := casework.Rebuild(nil); err == nil {
		t.Error("Rebuild of nothing")
	}
}

func TestChainDetectsTampering(t *testing.T) {
	w := longHistory(t)
	if err := casework.VerifyChain(w.events); err != nil {
		t.Fatal(err)
	}
	if w.events[0].PrevHash != "" || len(w.events[0].Hash) != 64 {
		t.Fatalf("first event prev %q hash %q", w.events[0].PrevHash, w.events[0].Hash)
	}
	alter := map[string]func(*casework.Event){
		"case":      func(e *casework.Event) { e.CaseID++ },
		"seq":       func(e *casework.Event) { e.Seq += 100 },
		"action":    func(e *casework.Event) { e.Action += "x" },
		"user":      func(e *casework.Event) { e.Actor.UserID++ },
		"name":      func(e *casework.Event) { e.Actor.Name += "x" },
		"role":      func(e *casework.Event) { e.Actor.Role = "admin" + e.Actor.Role },
		"unit":      func(e *casework.Event) { e.Actor.Unit += "x" },
		"unit path": func(e *casework.Event) { e.Actor.UnitPath += "x/" },
		"at":        func(e *casework.Event) { e.At = e.At.Add(time.Microsecond) },
		"from":      func(e *casework.Event) { e.From += "x" },
		"to":        func(e *casework.Event) { e.To += "x" },
		"reason":    func(e *casework.Event) { e.Reason += "." },
		"payload":   func(e *casework.Event) { e.Payload = append(slices.Clone(e.Payload), ' ') },
		"prev hash": func(e *casework.Event) { e.PrevHash += "0" },
		"hash":      func(e *casework.Event) { e.Hash = e.Hash[1:] + e.Hash[:1] },
		// Moving bytes between neighbouring fields must not keep the hash: the encoding is
		// length-prefixed.
		"shift": func(e *casework.Event) { e.Actor.Name, e.Actor.Unit = e.Actor.Name+e.Actor.Unit, "" },
	}
	for i := range w.events {
		for name, f := range alter {
			events := slices.Clone(w.events)
			f(&events[i])
			if name == "shift" && events[i].Actor.Unit == w.events[i].Actor.Unit {
				continue // nothing moved (no unit)
			}
			brokenAt(t, events, i+1, name)
		}
	}
	for i := 0; i < len(w.events)-1; i++ {
		brokenAt(t, slices.Delete(slices.Clone(w.events), i, i+1), i+1, "delete")
		swapped := slices.Clone(w.events)
		swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
		brokenAt(t, swapped, i+1, "swap")
		// Renumbering after a deletion does not help: the link to the removed event is gone.
		renum := slices.Delete(slices.Clone(w.events), i, i+1)
		for j := i; j < len(renum); j++ {
			renum[j].Seq = j + 1
		}
		if i < len(renum) {
			brokenAt(t, renum, i+1, "renumbered delete")
		}
	}
}

func brokenAt(t *testing.T, events []casework.Event, seq int, what string) {
	t.Helper()
	err := casework.VerifyChain(events)
	var ce *casework.ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("%s at %d: VerifyChain said %v", what, seq, err)
	}
	if ce.Seq != seq {
		t.Fatalf("%s at %d: chain broken at %d (%v)", what, seq, ce.Seq, err)
	}
}

// Apply refuses events that are not a step of the loop, and leaves the case as it was.
func TestApplyRefusesBadEvents(t *testing.T) {
	w := newWorld(t, june(9, 9, 0))
	good, err := w.try(casework.ActFile, actorFor(casework.ActFile, org.RoleIntake), casework.Input{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(w.c)
	bad := map[string]func(*casework.Event){
		"wrong destination": func(e *casework.Event) { e.To = casework.Closed },
		"wrong origin":      func(e *casework.Event) { e.From = casework.Filed },
		"gap":               func(e *casework.Event) { e.Seq++ },
		"other case":        func(e *casework.Event) { e.CaseID++ },
		"garbage payload":   func(e *casework.Event) { e.Payload = []byte("{") },
		"no clocks":         func(e *casework.Event) { e.Payload = []byte("{}") },
		"no payload":        func(e *casework.Event) { e.Payload = nil },
		"second report":     func(e *casework.Event) { e.Action, e.To = casework.ActReport, casework.Reported },
		"unknown action":    func(e *casework.Event) { e.Action = "teleport" },
	}
	for name, f := range bad {
		e := good
		f(&e)
		casework.Seal(w.c.LastHash, &e)
		if err := casework.Apply(w.c, e); err == nil {
			t.Errorf("%s: applied", name)
		}
		if after, _ := json.Marshal(w.c); string(after) != string(before) {
			t.Fatalf("%s: the case changed", name)
		}
	}
	w.commit(good)
}
