package casework_test

import (
	"encoding/json"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/org"
)

// FuzzDecide drives a case with random actions, roles, actors, inputs and times. Nothing may panic;
// every refusal carries a code a person can act on; Decide never changes the case; and every
// accepted event applies, so that in the end Rebuild equals the step-by-step case and the chain
// verifies.
func FuzzDecide(f *testing.F) {
	seed := func(steps ...step) []byte {
		var b []byte
		for _, s := range steps {
			b = append(b, byte(actionIndex(s.action)), byte(roleIndex(s.role)), 0)
		}
		return b
	}
	f.Add(seed(path[casework.Closed]...))
	f.Add(seed(append(path[casework.Suspended], step{casework.ActResume, org.RoleDispatcher}, step{casework.ActHandle, org.RoleHandler})...))
	f.Add(seed(append(path[casework.Returned], step{casework.ActDispatch, org.RoleDispatcher}, step{casework.ActReturn, org.RoleHandler}, step{casework.ActRule, org.RoleLeader})...))
	f.Add([]byte{28, 9, 0, 29, 9, 0, 4, 1, 0xF8, 28, 9, 0xF8})
	f.Add([]byte{})
	f.Fuzz(runScript)
}

// maxSteps bounds a script, which keeps minimising a new input quick.
const maxSteps = 48

// runScript plays data as a sequence of (action, role, variant) triples on a fresh case.
func runScript(t *testing.T, data []byte) {
	{
		w := newWorld(t, june(9, 9, 0))
		for steps := 0; len(data) >= 3 && steps < maxSteps; steps++ {
			a := casework.Actions[int(data[0])%len(casework.Actions)]
			r := allRoles[int(data[1])%len(allRoles)]
			v := data[2]
			data = data[3:]
			actor := actorFor(a, r)
			if v&1 != 0 {
				actor.UnitPath, actor.Unit = otherStreetPath, otherStreetID
			}
			in := inputFor(w.c, a)
			if v&2 != 0 {
				in.Reason = ""
			}
			if v&4 != 0 {
				in.Rating, in.Level, in.ReasonCode = casework.Satisfied, casework.SuperviseRed, "other"
			}
			if v&8 != 0 && len(data) > 0 {
				n := min(int(data[0]), len(data)-1)
				in.Reason, in.Result, data = string(data[1:1+n]), string(data[1:1+n]), data[1+n:]
			}
			env := envFor(w.c, a)
			env.Now = env.Now.Add(time.Duration(v>>4) * 97 * time.Minute)
			before, _ := json.Marshal(w.c)
			e, err := casework.Decide(w.c, actor, a, in, env)
			if after, _ := json.Marshal(w.c); string(after) != string(before) {
				t.Fatalf("Decide %s changed the case", a)
			}
			if err != nil {
				switch civicgrid.ErrorCode(err) {
				case civicgrid.EINVALID, civicgrid.ECONFLICT, civicgrid.EFORBIDDEN:
				default:
					t.Fatalf("%s by %s in %s: %v", a, r, w.c.State, err)
				}
				continue
			}
			w.commit(e)
		}
		c, err := casework.Rebuild(w.events)
		if err != nil {
			t.Fatal(err)
		}
		sameCase(t, c, w.c)
		if err := casework.VerifyChain(w.events); err != nil {
			t.Fatal(err)
		}
	}
}

func actionIndex(a casework.Action) int {
	for i, x := range casework.Actions {
		if x == a {
			return i
		}
	}
	panic(a)
}

func roleIndex(r org.Role) int {
	for i, x := range allRoles {
		if x == r {
			return i
		}
	}
	panic(r)
}
