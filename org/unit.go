// Package org holds the jurisdiction tree (市 → 区 → 街道/镇 → 社区 → 网格), the functional departments
// (条) that serve a territory (块), staff roles and the scope each role reaches.
//
// Jurisdictions and departments are one tree of units. A unit's ID is its official code: the 12-digit
// 统计用区划代码 down to community, a grid code that extends its community's code, or a department code
// under the jurisdiction that owns the department. Each unit carries its materialised path so that
// "inside this subtree" is a prefix test in memory and in SQL alike.
package org

import (
	"regexp"
	"strings"

	"civicgrid"
)

// Kind is the kind of a unit.
type Kind string

const (
	City       Kind = "city"       // 市
	District   Kind = "district"   // 区
	Street     Kind = "street"     // 街道
	Town       Kind = "town"       // 镇
	Community  Kind = "community"  // 社区 / 居委会 / 村委会
	Grid       Kind = "grid"       // 网格
	Department Kind = "department" // 职能部门 (条) or one of its squads
)

// Level is the jurisdiction level a unit sits at; streets and towns share one level.
type Level string

const (
	LevelCity      Level = "city"
	LevelDistrict  Level = "district"
	LevelStreet    Level = "street"
	LevelCommunity Level = "community"
	LevelGrid      Level = "grid"
)

// Unit is a node of the tree: a jurisdiction or a department.
type Unit struct {
	ID     string `json:"id"` // official code
	Kind   Kind   `json:"kind"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
	Parent string `json:"parent,omitempty"`
	Path   string `json:"path"` // "/<root id>/.../<id>/"
	// For departments: the kind of department (城管 "chengguan", 市场监管 "market", ...) and the
	// jurisdiction whose territory it serves.
	DeptKind  string `json:"dept_kind,omitempty"`
	Territory string `json:"territory,omitempty"`
	// For grids: the kind of grid worker assigned (出租屋, 安全生产, 消防, 市容巡查, 综合).
	GridType string `json:"grid_type,omitempty"`
}

var (
	divisionCode = regexp.MustCompile(`^[0-9]{12}$`)
	gridCode     = regexp.MustCompile(`^[0-9]{12}[0-9]{3,6}$`)
	deptCode     = regexp.MustCompile(`^[0-9]{6,12}-[A-Za-z][A-Za-z0-9_-]{0,30}$`)
	deptKindRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// MaxNameLen bounds unit names (characters).
const MaxNameLen = 100

// Level returns the jurisdiction level of a kind; departments have none.
func (k Kind) Level() Level {
	switch k {
	case City:
		return LevelCity
	case District:
		return LevelDistrict
	case Street, Town:
		return LevelStreet
	case Community:
		return LevelCommunity
	case Grid:
		return LevelGrid
	}
	return ""
}

// parentKinds lists which kinds may sit directly above each kind.
var parentKinds = map[Kind][]Kind{
	City:       nil,
	District:   {City},
	Street:     {District},
	Town:       {District},
	Community:  {Street, Town},
	Grid:       {Community},
	Department: {City, District, Street, Town, Department},
}

// Validate checks the unit on its own; ValidateChild checks it against its parent.
func (u *Unit) Validate() error {
	if _, ok := parentKinds[u.Kind]; !ok {
		return civicgrid.Errorf(civicgrid.EINVALID, "unit kind %q is not one of city, district, street, town, community, grid, department", u.Kind)
	}
	name := strings.TrimSpace(u.Name)
	if name == "" {
		return civicgrid.Errorf(civicgrid.EINVALID, "unit %s needs a name", u.ID).WithDetail("field", "name")
	}
	if err := civicgrid.CheckText("name", u.Name, MaxNameLen); err != nil {
		return err
	}
	if err := civicgrid.CheckText("name_en", u.NameEn, MaxNameLen); err != nil {
		return err
	}
	switch u.Kind {
	case Grid:
		if !gridCode.MatchString(u.ID) {
			return civicgrid.Errorf(civicgrid.EINVALID, "grid code %q must be its community's 12-digit code followed by 3 to 6 digits", u.ID).WithDetail("field", "id")
		}
		if u.Parent != "" && !strings.HasPrefix(u.ID, u.Parent) {
			return civicgrid.Errorf(civicgrid.EINVALID, "grid code %q must extend its community code %q", u.ID, u.Parent).WithDetail("field", "id")
		}
	case Department:
		if !deptCode.MatchString(u.ID) {
			return civicgrid.Errorf(civicgrid.EINVALID, "department code %q must be the owning jurisdiction's code, a dash and a short name (e.g. 310113000000-chengguan)", u.ID).WithDetail("field", "id")
		}
		if !deptKindRe.MatchString(u.DeptKind) {
			return civicgrid.Errorf(civicgrid.EINVALID, "department %s needs a dept_kind of lower-case letters, digits and _ (e.g. chengguan)", u.ID).WithDetail("field", "dept_kind")
		}
		if u.Territory == "" {
			return civicgrid.Errorf(civicgrid.EINVALID, "department %s needs the territory it serves", u.ID).WithDetail("field", "territory")
		}
	default:
		if !divisionCode.MatchString(u.ID) {
			return civicgrid.Errorf(civicgrid.EINVALID, "division code %q must be 12 digits (统计用区划代码)", u.ID).WithDetail("field", "id")
		}
	}
	if u.Kind != City && u.Kind != District && u.Parent == "" {
		return civicgrid.Errorf(civicgrid.EINVALID, "unit %s of kind %s needs a parent", u.ID, u.Kind).WithDetail("field", "parent")
	}
	return nil
}

// ValidateChild checks that u may sit under parent and sets u.Path.
func (u *Unit) ValidateChild(parent *Unit) error {
	if parent == nil {
		if u.Kind != City && u.Kind != District {
			return civicgrid.Errorf(civicgrid.EINVALID, "only a city or district can be a root, not %s %s", u.Kind, u.ID)
		}
		u.Parent = ""
		u.Path = "/" + u.ID + "/"
		return nil
	}
	ok := false
	for _, k := range parentKinds[u.Kind] {
		if parent.Kind == k {
			ok = true
		}
	}
	if !ok {
		return civicgrid.Errorf(civicgrid.EINVALID, "a %s cannot sit under a %s (%s)", u.Kind, parent.Kind, parent.ID).WithDetail("field", "parent")
	}
	u.Path = parent.Path + u.ID + "/"
	return nil
}

// Contains reports whether unit path p lies within the subtree rooted at path root.
func Contains(root, p string) bool { return root != "" && strings.HasPrefix(p, root) }

// IDsOnPath returns the unit IDs along a path from the root down.
func IDsOnPath(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}

// MemberOf reports whether staff of the unit at actorPath belong to the unit at unitPath: the unit
// itself, its grids (a grid is part of its community) and its departments' squads (a squad is part
// of its bureau). A jurisdiction below is not part of the one above it: a community's staff are not
// the street office's, even though the community lies in the street.
func MemberOf(unitPath, actorPath string) bool {
	if !Contains(unitPath, actorPath) {
		return false
	}
	for _, id := range IDsOnPath(actorPath[len(unitPath):]) {
		if !isDepartmentCode(id) && !isGridCode(id) {
			return false
		}
	}
	return true
}

func isDepartmentCode(id string) bool { return strings.Contains(id, "-") }

func isGridCode(id string) bool { return len(id) > 12 && !strings.Contains(id, "-") }

// MemberChain returns the units whose staff the actor at actorPath counts as, from the widest down
// to the actor's own unit: its own unit, and upwards through grids and squads to the first
// jurisdiction or bureau they belong to (see MemberOf).
func MemberChain(actorPath string) []string {
	ids := IDsOnPath(actorPath)
	i := len(ids) - 1
	for i > 0 && (isDepartmentCode(ids[i]) || isGridCode(ids[i])) {
		i--
	}
	if i < 0 {
		return nil
	}
	return ids[i:]
}
