package casework_test

import (
	"sort"
	"strings"
	"testing"

	"civicgrid/casework"
	"civicgrid/org"
)

// spec is the state machine as the loop is described, written out by hand apart from the table:
// "states action roles -> to", states separated by commas ("-" is creation), "=" for the same state.
const spec = `
- report grid_worker intake shift_leader dispatcher handler leader admin resident system -> reported

reported request_confirm intake shift_leader -> confirming
reported file intake shift_leader -> filed
reported,confirming reject intake shift_leader -> rejected
reported,confirming,filed merge intake shift_leader dispatcher -> voided

confirming confirm grid_worker -> reported
confirming deny grid_worker -> rejected

filed dispatch dispatcher shift_leader -> dispatched
returned dispatch dispatcher -> dispatched
returned rule shift_leader leader -> dispatched

dispatched dispatch dispatcher shift_leader -> dispatched
dispatched sign handler -> handling
dispatched return handler -> returned
dispatched,handling,rework request_extension handler -> =

handling handle handler -> handled
handling request_suspension handler -> =
rework sign handler -> handling

dispatched,handling,rework approve_extension dispatcher shift_leader -> =
dispatched,handling,rework deny_extension dispatcher shift_leader -> =
handling approve_suspension dispatcher shift_leader -> suspended
handling deny_suspension dispatcher shift_leader -> =
suspended resume dispatcher shift_leader -> handling

handled request_check intake shift_leader dispatcher -> checking
checking check_pass grid_worker intake shift_leader dispatcher handler -> closed
checking check_fail grid_worker intake shift_leader dispatcher handler -> rework
closed rate resident intake -> closed

reported,confirming,filed,dispatched,handling,handled,checking,rework,returned,suspended supervise leader -> =
reported,confirming,filed,dispatched,handling,handled,checking,rework,returned,suspended void shift_leader admin -> voided
filed,dispatched,handling,returned,rework whistle leader dispatcher shift_leader handler -> =
filed,dispatched,handling,handled,checking,rework,returned,suspended whistle_ack handler -> =
filed,dispatched,handling,handled,checking,rework,returned,suspended whistle_late system -> =

reported,confirming,filed,rejected,dispatched,handling,handled,checking,closed,rework,returned,suspended,voided comment grid_worker intake shift_leader dispatcher handler leader admin auditor -> =
reported,confirming,filed,dispatched,handling,handled,checking,rework,returned warn system -> =
reported,confirming,filed,dispatched,handling,handled,checking,rework,returned overdue system -> =
`

type triple struct {
	from   casework.State
	action casework.Action
	role   org.Role
}

type pair struct {
	from   casework.State
	action casework.Action
}

// specTriples parses spec into the allowed triples and the destination of each (state, action).
func specTriples(t testing.TB) (map[triple]bool, map[pair]casework.State) {
	t.Helper()
	allowed, to := map[triple]bool{}, map[pair]casework.State{}
	for _, line := range strings.Split(spec, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		lhs, dest, ok := strings.Cut(line, " -> ")
		f := strings.Fields(lhs)
		if !ok || len(f) < 3 {
			t.Fatalf("bad spec line %q", line)
		}
		for _, s := range strings.Split(f[0], ",") {
			from := casework.State(s)
			if s == "-" {
				from = ""
			}
			p := pair{from, casework.Action(f[1])}
			if _, dup := to[p]; dup {
				t.Fatalf("spec lists %v twice", p)
			}
			to[p] = casework.State(dest)
			if dest == "=" {
				to[p] = from
			}
			for _, r := range f[2:] {
				allowed[triple{from, casework.Action(f[1]), org.Role(r)}] = true
			}
		}
	}
	return allowed, to
}

func TestTableMatchesSpec(t *testing.T) {
	want, wantTo := specTriples(t)
	got, gotTo := map[triple]bool{}, map[pair]casework.State{}
	for _, r := range casework.Table() {
		p := pair{r.From, r.Action}
		if _, dup := gotTo[p]; dup {
			t.Errorf("table has two rows for %s from %q", r.Action, r.From)
		}
		gotTo[p] = r.To
		for _, role := range r.Roles {
			got[triple{r.From, r.Action, role}] = true
		}
	}
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k.String())
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k.String())
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("the table lacks %d allowed triples: %s", len(missing), strings.Join(missing, "; "))
	}
	if len(extra) > 0 {
		t.Errorf("the table allows %d triples the spec does not: %s", len(extra), strings.Join(extra, "; "))
	}
	for p, to := range wantTo {
		if gotTo[p] != to {
			t.Errorf("%s from %q leads to %q, want %q", p.action, p.from, gotTo[p], to)
		}
	}
}

func (k triple) String() string {
	return string(k.from) + "/" + string(k.action) + "/" + string(k.role)
}

func TestTableIsACopy(t *testing.T) {
	a := casework.Table()
	a[0].Roles[0] = "nobody"
	a[1].To = "nowhere"
	b := casework.Table()
	if b[0].Roles[0] == "nobody" || b[1].To == "nowhere" {
		t.Fatal("Table returned the table itself, not a copy")
	}
}

// Every action appears in the table, and every state has at least the comment row, so nothing is
// declared and then forgotten.
func TestTableCoversActionsAndStates(t *testing.T) {
	seenA, seenS := map[casework.Action]bool{}, map[casework.State]bool{}
	for _, r := range casework.Table() {
		seenA[r.Action] = true
		seenS[r.From] = true
	}
	for _, a := range casework.Actions {
		if !seenA[a] {
			t.Errorf("action %s has no row", a)
		}
	}
	for _, s := range casework.States {
		if !seenS[s] {
			t.Errorf("state %s has no row", s)
		}
	}
}

// SystemActions are exactly the actions whose rows name the system alone.
func TestSystemActions(t *testing.T) {
	only := map[casework.Action]bool{}
	for _, r := range casework.Table() {
		sys := len(r.Roles) == 1 && r.Roles[0] == org.RoleSystem
		if v, seen := only[r.Action]; seen && v != sys {
			t.Errorf("%s is for the system alone in some states only", r.Action)
		}
		only[r.Action] = sys
	}
	var got []string
	for a, sys := range only {
		if sys {
			got = append(got, string(a))
		}
	}
	var want []string
	for _, a := range casework.SystemActions {
		want = append(want, string(a))
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("system-only actions %v, SystemActions %v", got, want)
	}
}
