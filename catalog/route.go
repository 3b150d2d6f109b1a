package catalog

import (
	"fmt"
	"strings"

	"civicgrid"
	"civicgrid/org"
)

// Levels of a territorial lead (ResponsibilityEntry.LeadLevel).
const (
	LeadStreet    = "street"
	LeadCommunity = "community"
)

// Zh is the name of the mode as the responsibility list documents write it.
func (m Mode) Zh() string {
	switch m {
	case Comprehensive:
		return "综合管理"
	case Professional:
		return "专业管理"
	case Assisted:
		return "协助管理"
	}
	return string(m)
}

// Decision is a routing decision with a person-readable reason (Chinese) citing the list entry.
type Decision struct {
	Lead      string              `json:"lead"`      // unit ID of the lead unit
	LeadPath  string              `json:"lead_path"` // its materialised path
	Assisting []string            `json:"assisting,omitempty"`
	Mode      Mode                `json:"mode"`
	Reason    string              `json:"reason"`
	Entry     ResponsibilityEntry `json:"entry"`
}

// Route decides which unit must act on a matter of type m at location at (the unit ID of a grid or
// community, or any jurisdiction) from the responsibility list and the community admission list.
//
// The row for m whose scope is the nearest ancestor of at wins, with scope "" as the fallback. A
// territorial lead is the street or town of at; a community lead (LeadLevel community) is taken
// only when the community admission list admits the matter there, and otherwise falls back to the
// street with the reason saying why. A department lead is the nearest department of that kind
// serving at. Assisting units are resolved the same way; those that cannot be are left out and the
// reason says so. When no row covers at, or its lead cannot be found, the dispatch centre has to
// rule, and Route returns an EINVALID error saying so.
func Route(m *MatterType, at string, list []ResponsibilityEntry, adm []AdmissionEntry, tree *org.Tree) (Decision, error) {
	if m == nil {
		return Decision{}, civicgrid.Errorf(civicgrid.EINVALID, "routing needs a matter type").WithDetail("field", "matter_code")
	}
	if tree == nil {
		return Decision{}, civicgrid.Errorf(civicgrid.EINTERNAL, "routing needs the jurisdiction tree")
	}
	place, ok := tree.Unit(at)
	if !ok {
		return Decision{}, civicgrid.Errorf(civicgrid.EINVALID, "location unit %q is not in the jurisdiction tree", at).WithDetail("field", "at")
	}
	entry, ok := bestEntry(m.Code, place, list)
	if !ok {
		return Decision{}, needsRuling(m, place, "has no responsibility entry covering")
	}
	d := Decision{Mode: entry.Mode, Entry: entry}
	var notes []string

	lead, why := resolveTerritoryOrDept(entry.Lead, entry.LeadLevel, m.Code, place, adm, tree)
	if lead == nil {
		return Decision{}, needsRuling(m, place, fmt.Sprintf("has no responsibility entry that can be applied: its lead %s serves no unit at", leadLabel(entry.Lead))).
			WithDetail("lead", entry.Lead)
	}
	if why != "" {
		notes = append(notes, why)
	}
	d.Lead, d.LeadPath = lead.ID, lead.Path

	var names, missing []string
	for _, a := range entry.Assisting {
		u, _ := resolveTerritoryOrDept(a, LeadStreet, m.Code, place, adm, tree)
		switch {
		case u == nil:
			missing = append(missing, leadLabel(a))
		case u.ID == d.Lead || contains(d.Assisting, u.ID):
			// The same unit serves in two roles here (e.g. one office for two kinds); name it once.
		default:
			d.Assisting = append(d.Assisting, u.ID)
			names = append(names, u.Name)
		}
	}
	if len(missing) > 0 {
		notes = append(notes, "未找到服务该地的协助单位: "+strings.Join(missing, "、")+", 已略去")
	}

	var b strings.Builder
	b.WriteString("依据权责清单")
	if entry.Scope != "" {
		if s, ok := tree.Unit(entry.Scope); ok {
			fmt.Fprintf(&b, "(%s 范围条目)", s.Name)
		}
	}
	fmt.Fprintf(&b, ": %s 属%s事项, 由 %s ", m.NameZh, entry.Mode.Zh(), lead.Name)
	if len(d.Assisting) > 0 {
		fmt.Fprintf(&b, "牵头负责, 协助单位: %s", strings.Join(names, "、"))
	} else {
		b.WriteString("负责")
	}
	for _, n := range notes {
		b.WriteString("; ")
		b.WriteString(n)
	}
	if entry.Note != "" {
		fmt.Fprintf(&b, " (备注: %s)", entry.Note)
	}
	d.Reason = b.String()
	return d, nil
}

// bestEntry returns the row for code whose scope is the nearest ancestor of place (place itself
// included), falling back to the row with scope "". Among rows with the same scope the first wins.
func bestEntry(code string, place *org.Unit, list []ResponsibilityEntry) (ResponsibilityEntry, bool) {
	depth := map[string]int{}
	for i, id := range org.IDsOnPath(place.Path) {
		depth[id] = i + 1
	}
	best, bestDepth := -1, -1
	for i := range list {
		e := &list[i]
		if e.MatterCode != code {
			continue
		}
		d, ok := 0, e.Scope == ""
		if !ok {
			d, ok = depth[e.Scope]
		}
		if ok && d > bestDepth {
			best, bestDepth = i, d
		}
	}
	if best < 0 {
		return ResponsibilityEntry{}, false
	}
	return list[best], true
}

// resolveTerritoryOrDept finds the unit that plays role (TerritoryLead or a department kind) at
// place. For a community-level territorial role it also returns a note when it had to fall back to
// the street.
func resolveTerritoryOrDept(role, level, code string, place *org.Unit, adm []AdmissionEntry, tree *org.Tree) (*org.Unit, string) {
	if role != TerritoryLead {
		u, _ := tree.DepartmentFor(role, place.ID)
		return u, ""
	}
	street, _ := tree.Ancestor(place.ID, org.LevelStreet)
	if level != LeadCommunity {
		return street, ""
	}
	comm, ok := tree.Ancestor(place.ID, org.LevelCommunity)
	if !ok {
		if street == nil {
			return nil, ""
		}
		return street, fmt.Sprintf("发生地不在某一社区内, 由 %s 负责", street.Name)
	}
	if Admits(comm.ID, code, adm, tree) {
		return comm, "该事项已列入社区事务准入清单"
	}
	if street == nil {
		return nil, ""
	}
	return street, fmt.Sprintf("该事项未列入 %s 的社区事务准入清单, 社区不予受理, 改由 %s 负责", comm.Name, street.Name)
}

func needsRuling(m *MatterType, place *org.Unit, what string) *civicgrid.Error {
	return civicgrid.Errorf(civicgrid.EINVALID,
		"matter type %s %s %s %s (%s); the dispatch centre must rule on who handles it (final ruling, 终裁)",
		m.Code, m.NameZh, what, place.Name, place.ID).
		WithDetail("matter_code", m.Code).WithDetail("at", place.ID).WithDetail("ruling", "dispatch_centre")
}

// leadLabel names a lead or assisting role for people: the department kind's Chinese name where
// known.
func leadLabel(role string) string {
	if role == TerritoryLead {
		return "属地街镇(territory)"
	}
	if k, ok := LookupDeptKind(role); ok {
		return k.NameZh + "(" + role + ")"
	}
	return role
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// Admits reports whether the community admission list admits matter type matterCode for community
// communityID (a grid is taken as its community): some admission row names the matter with a scope
// that is the community itself or one of its ancestors (its street or district).
func Admits(communityID string, matterCode string, adm []AdmissionEntry, tree *org.Tree) bool {
	if tree == nil {
		return false
	}
	comm, ok := tree.Ancestor(communityID, org.LevelCommunity)
	if !ok {
		return false
	}
	for i := range adm {
		a := &adm[i]
		if a.MatterCode != matterCode || a.Scope == "" {
			continue
		}
		if strings.Contains(comm.Path, "/"+a.Scope+"/") {
			return true
		}
	}
	return false
}

// CheckAssignment reports whether unit unitID may be assigned a matter of type matterCode. A
// community (or a grid, checked as its community) may only take matters its admission list admits;
// anything else is refused with AdmissionRefusal. Departments, streets, towns and higher levels are
// always allowed.
func CheckAssignment(unitID string, matterCode string, adm []AdmissionEntry, tree *org.Tree) error {
	if tree == nil {
		return civicgrid.Errorf(civicgrid.EINTERNAL, "checking an assignment needs the jurisdiction tree")
	}
	u, ok := tree.Unit(unitID)
	if !ok {
		return civicgrid.Errorf(civicgrid.EINVALID, "unit %q is not in the jurisdiction tree", unitID).WithDetail("field", "unit")
	}
	if u.Kind != org.Community && u.Kind != org.Grid {
		return nil
	}
	comm, ok := tree.Ancestor(unitID, org.LevelCommunity)
	if !ok {
		return civicgrid.Errorf(civicgrid.EINVALID, "grid %s (%s) belongs to no community", u.Name, u.ID).WithDetail("field", "unit")
	}
	if Admits(comm.ID, matterCode, adm, tree) {
		return nil
	}
	return civicgrid.Errorf(civicgrid.EINVALID, "%s: 事项 %s 未列入 %s (%s) 的社区事务准入清单", AdmissionRefusal, matterCode, comm.Name, comm.ID).
		WithDetail("field", "unit").WithDetail("community", comm.ID).WithDetail("matter_code", matterCode).WithDetail("reason", AdmissionRefusal)
}
