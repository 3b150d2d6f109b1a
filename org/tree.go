package org

import (
	"sort"
	"strings"

	"civicgrid"
)

// Tree is an immutable in-memory view of all units, built from the store and shared by readers.
type Tree struct {
	byID     map[string]*Unit
	children map[string][]*Unit
	// depts indexes departments by kind, then by the territory they serve.
	depts map[string]map[string]*Unit
}

// NewTree builds a tree, filling in every unit's Path from its parents. Units may come in any order.
func NewTree(units []Unit) (*Tree, error) {
	t := &Tree{byID: make(map[string]*Unit, len(units)), children: map[string][]*Unit{}, depts: map[string]map[string]*Unit{}}
	for i := range units {
		u := units[i]
		if _, dup := t.byID[u.ID]; dup {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %s appears twice", u.ID)
		}
		t.byID[u.ID] = &u
	}
	for _, u := range t.byID {
		if u.Parent == "" {
			continue
		}
		if _, ok := t.byID[u.Parent]; !ok {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %s names parent %s, which does not exist", u.ID, u.Parent)
		}
		t.children[u.Parent] = append(t.children[u.Parent], u)
	}
	for _, u := range t.byID {
		if err := t.fillPath(u, 0); err != nil {
			return nil, err
		}
	}
	for _, kids := range t.children {
		sort.Slice(kids, func(i, j int) bool { return kids[i].ID < kids[j].ID })
	}
	for _, u := range t.byID {
		if u.Kind != Department {
			continue
		}
		if t.depts[u.DeptKind] == nil {
			t.depts[u.DeptKind] = map[string]*Unit{}
		}
		// Where two departments of one kind serve the same territory, the one deeper in the tree
		// (a squad) is more specific and wins; ties go to the smaller code for determinism.
		if cur, ok := t.depts[u.DeptKind][u.Territory]; !ok || len(u.Path) > len(cur.Path) || (len(u.Path) == len(cur.Path) && u.ID < cur.ID) {
			t.depts[u.DeptKind][u.Territory] = u
		}
	}
	return t, nil
}

func (t *Tree) fillPath(u *Unit, depth int) error {
	if u.Path != "" && strings.HasSuffix(u.Path, "/"+u.ID+"/") {
		return nil
	}
	if depth > 32 {
		return civicgrid.Errorf(civicgrid.EINVALID, "unit %s is part of a parent cycle or a tree deeper than 32", u.ID)
	}
	if u.Parent == "" {
		u.Path = "/" + u.ID + "/"
		return nil
	}
	p := t.byID[u.Parent]
	if err := t.fillPath(p, depth+1); err != nil {
		return err
	}
	u.Path = p.Path + u.ID + "/"
	return nil
}

// Unit returns the unit with the given ID.
func (t *Tree) Unit(id string) (*Unit, bool) {
	u, ok := t.byID[id]
	return u, ok
}

// Children returns the direct children of a unit, ordered by ID.
func (t *Tree) Children(id string) []*Unit { return t.children[id] }

// Len returns the number of units.
func (t *Tree) Len() int { return len(t.byID) }

// All returns every unit ordered by path (parents before children).
func (t *Tree) All() []*Unit {
	out := make([]*Unit, 0, len(t.byID))
	for _, u := range t.byID {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Ancestor returns the nearest unit on id's path (itself included) whose level is lvl.
func (t *Tree) Ancestor(id string, lvl Level) (*Unit, bool) {
	u, ok := t.byID[id]
	if !ok {
		return nil, false
	}
	ids := IDsOnPath(u.Path)
	for i := len(ids) - 1; i >= 0; i-- {
		if a := t.byID[ids[i]]; a != nil && a.Kind.Level() == lvl {
			return a, true
		}
	}
	return nil, false
}

// DepartmentFor returns the department of the given kind that serves the location at unit id: the
// one whose territory is the nearest ancestor of the location (a street squad before the district
// bureau).
func (t *Tree) DepartmentFor(deptKind, id string) (*Unit, bool) {
	byTerritory := t.depts[deptKind]
	u, ok := t.byID[id]
	if !ok || byTerritory == nil {
		return nil, false
	}
	ids := IDsOnPath(u.Path)
	for i := len(ids) - 1; i >= 0; i-- {
		if d, ok := byTerritory[ids[i]]; ok {
			return d, true
		}
	}
	return nil, false
}
