package casework_test

import (
	"slices"
	"testing"

	"civicgrid"
	"civicgrid/casework"
)

// TestSweep tries every action in every state (each reached through real events) in every role,
// with an actor and input that pass every scope and input rule. The outcome must follow the spec
// exactly: allowed triples succeed and apply; a missing (state, action) row is ECONFLICT; a row that
// does not name the role is EFORBIDDEN. Available must agree.
func TestSweep(t *testing.T) {
	allowed, rows := specTriples(t)
	for _, s := range casework.States {
		for _, a := range casework.Actions {
			w := worldIn(t, s, a)
			for _, r := range allRoles {
				actor := actorFor(a, r)
				e, err := casework.Decide(w.c, actor, a, inputFor(w.c, a), envFor(w.c, a))
				k := triple{s, a, r}
				offered := slices.Contains(casework.Available(w.c, actor), a)
				switch _, row := rows[pair{s, a}]; {
				case allowed[k]:
					if err != nil {
						t.Errorf("%s: refused: %v", k, err)
						continue
					}
					if !offered {
						t.Errorf("%s: allowed but not offered by Available", k)
					}
					checkAccepted(t, w, e, k)
				case !row:
					if code := civicgrid.ErrorCode(err); code != civicgrid.ECONFLICT {
						t.Errorf("%s: got %q (%v), want conflict (no such transition)", k, code, err)
					}
				default:
					if code := civicgrid.ErrorCode(err); code != civicgrid.EFORBIDDEN {
						t.Errorf("%s: got %q (%v), want forbidden (role not allowed)", k, code, err)
					}
				}
				if !allowed[k] && offered {
					t.Errorf("%s: offered by Available but not allowed", k)
				}
			}
		}
	}
}

// checkAccepted applies an accepted event to a copy of the history and checks that it lands where
// the spec says and keeps the chain whole.
func checkAccepted(t *testing.T, w *world, e casework.Event, k triple) {
	t.Helper()
	_, wantTo := specTriples(t)
	to := wantTo[pair{k.from, k.action}]
	if k.action == casework.ActRate {
		to = casework.Rework // the sweep's rating is dissatisfied, within the window
	}
	if e.From != k.from || e.To != to || e.Seq != w.c.Seq+1 || e.Action != k.action {
		t.Errorf("%s: event %d %s %s→%s, want %d %s %s→%s", k, e.Seq, e.Action, e.From, e.To, w.c.Seq+1, k.action, k.from, to)
	}
	events := append(slices.Clone(w.events), e)
	casework.Seal(w.c.LastHash, &events[len(events)-1])
	c, err := casework.Rebuild(events)
	if err != nil {
		t.Errorf("%s: the event does not apply: %v", k, err)
		return
	}
	if err := casework.VerifyChain(events); err != nil {
		t.Errorf("%s: %v", k, err)
	}
	if c.State != to {
		t.Errorf("%s: case ends %s, want %s", k, c.State, to)
	}
}

// The sweep's fixtures are themselves checked: every state is reached, the pending requests are
// there, and the history behind each verifies.
func TestEveryStateReachable(t *testing.T) {
	for _, s := range casework.States {
		w := worldIn(t, s, "")
		if err := casework.VerifyChain(w.events); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		c, err := casework.Rebuild(w.events)
		if err != nil {
			t.Fatal(err)
		}
		sameCase(t, c, w.c)
	}
	if w := worldIn(t, casework.Rework, casework.ActApproveExtension); w.c.PendingExtension == nil {
		t.Error("no pending extension for the approval sweep")
	}
	if w := worldIn(t, casework.Handling, casework.ActDenySuspend); !w.c.PendingSuspension {
		t.Error("no pending suspension for the decision sweep")
	}
	if w := worldIn(t, casework.Suspended, ""); w.c.Whistle == nil || w.c.StageClock == nil || !w.c.StageClock.Paused {
		t.Errorf("suspended fixture: whistle %v, stage clock %+v", w.c.Whistle, w.c.StageClock)
	}
}
