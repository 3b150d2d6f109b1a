package org

import (
	"testing"

	"civicgrid"
)

func TestMemberOf(t *testing.T) {
	const (
		district  = "/310000000000/310113000000/"
		street    = district + "310113103000/"
		community = street + "310113103001/"
		grid      = community + "310113103001002/"
		bureau    = district + "310113000000-chengguan/"
		squad     = bureau + "310113103000-chengguan/"
	)
	cases := []struct {
		unit, actor string
		want        bool
	}{
		{street, street, true},
		{community, grid, true},    // a grid worker belongs to the community
		{bureau, squad, true},      // a squad belongs to its bureau
		{street, community, false}, // a community is not the street office
		{street, grid, false},      // nor is a grid below it
		{district, bureau, true},   // the district's own departments
		{district, street, false},  // a street is its own jurisdiction
		{squad, bureau, false},     // the bureau is not part of a squad
		{community, street, false}, // above is never a member
		{community, "/310000000000/310113000000/310113103000/310113103009/", false},
	}
	for _, c := range cases {
		if got := MemberOf(c.unit, c.actor); got != c.want {
			t.Errorf("MemberOf(%s, %s) = %v, want %v", c.unit, c.actor, got, c.want)
		}
	}
}

func TestTree(t *testing.T) {
	units := []Unit{
		{ID: "310113103001001", Kind: Grid, Name: "网格1", Parent: "310113103001"},
		{ID: "310113000000", Kind: District, Name: "宝山区"},
		{ID: "310113103000", Kind: Town, Name: "杨行镇", Parent: "310113000000"},
		{ID: "310113103001", Kind: Community, Name: "杨泰一村一居委会", Parent: "310113103000"},
		{ID: "310113000000-chengguan", Kind: Department, Name: "城管执法局", Parent: "310113000000", DeptKind: "chengguan", Territory: "310113000000"},
		{ID: "310113103000-chengguan", Kind: Department, Name: "杨行中队", Parent: "310113000000-chengguan", DeptKind: "chengguan", Territory: "310113103000"},
	}
	for _, u := range units {
		if err := u.Validate(); err != nil {
			t.Fatalf("unit %s: %v", u.ID, err)
		}
	}
	tree, err := NewTree(units)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := tree.Unit("310113103001001")
	if g.Path != "/310113000000/310113103000/310113103001/310113103001001/" {
		t.Fatalf("grid path %q", g.Path)
	}
	if s, ok := tree.Ancestor(g.ID, LevelStreet); !ok || s.ID != "310113103000" {
		t.Fatalf("street of grid: %v %v", s, ok)
	}
	if d, ok := tree.DepartmentFor("chengguan", g.ID); !ok || d.ID != "310113103000-chengguan" {
		t.Fatalf("chengguan for a Yanghang grid should be the Yanghang squad, got %v", d)
	}
	if _, ok := tree.DepartmentFor("market", g.ID); ok {
		t.Fatal("found a market department where there is none")
	}
	// A cycle and a missing parent are refused.
	if _, err := NewTree([]Unit{{ID: "310113000000", Kind: District, Name: "x", Parent: "310113103000"}, {ID: "310113103000", Kind: Town, Name: "y", Parent: "310113000000"}}); err == nil {
		t.Fatal("cycle accepted")
	}
	if _, err := NewTree([]Unit{{ID: "310113103000", Kind: Town, Name: "y", Parent: "310113000000"}}); !civicgrid.IsCode(err, civicgrid.EINVALID) {
		t.Fatalf("missing parent: %v", err)
	}
}

func TestUnitValidate(t *testing.T) {
	bad := []Unit{
		{ID: "31011300000", Kind: District, Name: "short code"},
		{ID: "310113000000", Kind: "county", Name: "bad kind"},
		{ID: "310113103001", Kind: Community, Name: " ", Parent: "310113103000"},
		{ID: "310113103002001", Kind: Grid, Name: "grid of another community", Parent: "310113103001"},
		{ID: "chengguan", Kind: Department, Name: "no owner code", Parent: "310113000000", DeptKind: "chengguan", Territory: "310113000000"},
		{ID: "310113000000-chengguan", Kind: Department, Name: "no kind", Parent: "310113000000", Territory: "310113000000"},
		{ID: "310113103000", Kind: Town, Name: "no parent"},
	}
	for _, u := range bad {
		if err := u.Validate(); !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Errorf("unit %+v: want invalid, got %v", u, err)
		}
	}
	community := Unit{ID: "310113103001", Kind: Community, Name: "c", Parent: "310113000000"}
	district := &Unit{ID: "310113000000", Kind: District, Path: "/310113000000/"}
	if err := community.ValidateChild(district); err == nil {
		t.Error("a community directly under a district was accepted")
	}
}
