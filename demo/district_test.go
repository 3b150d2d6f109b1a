package demo

import (
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"civicgrid/geo"
	"civicgrid/org"
)

// pointIn is the test's own even-odd point-in-polygon over a multipolygon.
func pointIn(mp geo.MultiPolygon, p geo.Point) bool {
	for _, poly := range mp {
		in := false
		for _, r := range poly {
			n := len(r)
			for i, j := 0, n-1; i < n; j, i = i, i+1 {
				a, b := r[i], r[j]
				if (a.Lat > p.Lat) != (b.Lat > p.Lat) &&
					p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
					in = !in
				}
			}
		}
		if in {
			return true
		}
	}
	return false
}

// ring builds a ring from lon, lat pairs.
func ring(c ...float64) geo.Ring {
	var r geo.Ring
	for i := 0; i+1 < len(c); i += 2 {
		r = append(r, geo.Point{Lon: c[i], Lat: c[i+1]})
	}
	return r
}

type rect struct{ w, s, e, n float64 }

func bboxOf(shapes ...geo.MultiPolygon) rect {
	r := rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, mp := range shapes {
		for _, poly := range mp {
			for _, ring := range poly {
				for _, q := range ring {
					r.w, r.e = math.Min(r.w, q.Lon), math.Max(r.e, q.Lon)
					r.s, r.n = math.Min(r.s, q.Lat), math.Max(r.n, q.Lat)
				}
			}
		}
	}
	return r
}

func (r rect) contains(p geo.Point) bool {
	return p.Lon > r.w && p.Lon < r.e && p.Lat > r.s && p.Lat < r.n
}

func (r rect) overlaps(o rect) bool {
	return r.w < o.e && o.w < r.e && r.s < o.n && o.s < r.n
}

// lattice returns n×n points inside r, offset so that none falls on a cell edge of the demo's
// splits.
func lattice(r rect, n int) []geo.Point {
	var out []geo.Point
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			out = append(out, geo.Point{
				Lon: r.w + (r.e-r.w)*(float64(i)+0.31)/float64(n),
				Lat: r.s + (r.n-r.s)*(float64(j)+0.31)/float64(n),
			})
		}
	}
	return out
}

func unitsOfKind(d District, kinds ...org.Kind) []org.Unit {
	var out []org.Unit
	for _, u := range d.Units {
		for _, k := range kinds {
			if u.Kind == k {
				out = append(out, u)
			}
		}
	}
	return out
}

func TestTreeAcceptsUnits(t *testing.T) {
	d := Baoshan()
	tree, err := org.NewTree(d.Units)
	if err != nil {
		t.Fatalf("NewTree: %v", err)
	}
	if tree.Len() != len(d.Units) {
		t.Fatalf("tree has %d units, demo %d", tree.Len(), len(d.Units))
	}
	seen := map[string]bool{}
	for _, u := range d.Units {
		if err := u.Validate(); err != nil {
			t.Errorf("unit %s: %v", u.ID, err)
		}
		if u.Parent != "" && !seen[u.Parent] {
			t.Errorf("unit %s comes before its parent %s", u.ID, u.Parent)
		}
		seen[u.ID] = true
		tu, _ := tree.Unit(u.ID)
		var parent *org.Unit
		if u.Parent != "" {
			parent, _ = tree.Unit(u.Parent)
		}
		c := *tu
		if err := c.ValidateChild(parent); err != nil {
			t.Errorf("unit %s under %s: %v", u.ID, u.Parent, err)
		}
		if c.Path != tu.Path {
			t.Errorf("unit %s: path %q, tree says %q", u.ID, c.Path, tu.Path)
		}
	}
	if root, _ := tree.Unit(CityID); root.Parent != "" || root.Kind != org.City {
		t.Errorf("root is %+v", root)
	}
	if dist, _ := tree.Unit(DistrictID); dist.Kind != org.District || dist.NameEn == "" {
		t.Errorf("district is %+v", dist)
	}
}

func TestCounts(t *testing.T) {
	d := Baoshan()
	streets := unitsOfKind(d, org.Street, org.Town)
	comms := unitsOfKind(d, org.Community)
	grids := unitsOfKind(d, org.Grid)
	var districtDepts []org.Unit
	for _, u := range unitsOfKind(d, org.Department) {
		if u.Parent == DistrictID {
			districtDepts = append(districtDepts, u)
		}
	}
	if len(streets) < 4 || len(comms) < 16 || len(grids) < 120 || len(districtDepts) < 12 {
		t.Fatalf("streets %d, communities %d, grids %d, district departments %d", len(streets), len(comms), len(grids), len(districtDepts))
	}
	for _, s := range streets {
		if s.NameEn == "" {
			t.Errorf("street %s has no English name", s.ID)
		}
		n := 0
		for _, c := range comms {
			if c.Parent == s.ID {
				n++
			}
		}
		if n < 3 {
			t.Errorf("street %s has %d communities", s.ID, n)
		}
	}
	if len(d.Staff) < 60 || len(d.Staff) > 150 {
		t.Errorf("%d staff accounts", len(d.Staff))
	}
}

func TestCodes(t *testing.T) {
	d := Baoshan()
	byID := map[string]org.Unit{}
	for _, u := range d.Units {
		byID[u.ID] = u
	}
	gridTypes := map[string]bool{}
	for _, gt := range GridTypes {
		gridTypes[gt] = true
	}
	for _, u := range d.Units {
		switch u.Kind {
		case org.Street, org.Town:
			if !strings.HasPrefix(u.ID, "310113") || !strings.HasSuffix(u.ID, "000") || u.ID == DistrictID {
				t.Errorf("street code %s", u.ID)
			}
		case org.Community:
			if u.ID[:9]+"000" != u.Parent {
				t.Errorf("community %s does not extend street %s", u.ID, u.Parent)
			}
		case org.Grid:
			if len(u.ID) != 15 || !strings.HasPrefix(u.ID, u.Parent) || byID[u.Parent].Kind != org.Community {
				t.Errorf("grid %s under %s", u.ID, u.Parent)
			}
			if !gridTypes[u.GridType] {
				t.Errorf("grid %s has type %q", u.ID, u.GridType)
			}
			if _, ok := d.Grids[u.ID]; !ok {
				t.Errorf("grid %s has no shape", u.ID)
			}
		}
	}
	for id := range d.Grids {
		if byID[id].Kind != org.Grid {
			t.Errorf("shape for %s, which is not a grid", id)
		}
	}
}

func TestDepartments(t *testing.T) {
	d := Baoshan()
	tree, err := org.NewTree(d.Units)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, k := range DeptKinds {
		allowed[k] = true
	}
	if len(allowed) != 13 {
		t.Fatalf("DeptKinds: %v", DeptKinds)
	}
	found := map[string]bool{}
	for _, u := range unitsOfKind(d, org.Department) {
		if !allowed[u.DeptKind] {
			t.Errorf("department %s has kind %q", u.ID, u.DeptKind)
		}
		ter, ok := tree.Unit(u.Territory)
		if !ok || ter.Kind.Level() == "" {
			t.Errorf("department %s serves %q, not a jurisdiction", u.ID, u.Territory)
			continue
		}
		if !strings.HasPrefix(u.ID, u.Territory+"-") {
			t.Errorf("department %s does not carry its territory's code %s", u.ID, u.Territory)
		}
		if u.Parent == DistrictID {
			found[u.DeptKind] = true
			if u.Territory != DistrictID {
				t.Errorf("district department %s serves %s", u.ID, u.Territory)
			}
		} else {
			p, _ := tree.Unit(u.Parent)
			if p.Kind != org.Department || p.DeptKind != u.DeptKind || ter.Kind.Level() != org.LevelStreet {
				t.Errorf("squad %s: parent %s, territory %s", u.ID, u.Parent, u.Territory)
			}
		}
	}
	for k := range allowed {
		if !found[k] {
			t.Errorf("no district department of kind %s", k)
		}
	}
	// A grid of every street routes to its street's squads, and to the district bureau otherwise.
	for _, s := range unitsOfKind(d, org.Street, org.Town) {
		var grid string
		for _, g := range unitsOfKind(d, org.Grid) {
			if strings.HasPrefix(g.ID, s.ID[:9]) {
				grid = g.ID
				break
			}
		}
		for _, kind := range []string{"chengguan", "police"} {
			dep, ok := tree.DepartmentFor(kind, grid)
			if !ok || dep.ID != s.ID+"-"+kind {
				t.Errorf("%s for grid %s: %v", kind, grid, dep)
			}
		}
		if dep, ok := tree.DepartmentFor("water", grid); !ok || dep.ID != DistrictID+"-water" {
			t.Errorf("water for grid %s: %v", grid, dep)
		}
	}
}

func TestGridShapes(t *testing.T) {
	d := Baoshan()
	for id, mp := range d.Grids {
		if len(mp) != 1 || len(mp[0]) != 1 {
			t.Fatalf("grid %s: want one polygon without holes", id)
		}
		r := mp[0][0]
		if len(r) < 4 || r[0] != r[len(r)-1] {
			t.Errorf("grid %s: ring not closed", id)
		}
		if signedArea(r) <= 0 {
			t.Errorf("grid %s: outer ring not counter-clockwise", id)
		}
		for _, q := range r {
			if q.Lon < 121.30 || q.Lon > 121.55 || q.Lat < 31.25 || q.Lat > 31.50 {
				t.Errorf("grid %s: vertex %v outside Baoshan", id, q)
			}
		}
	}
}

func TestGridsTileCommunities(t *testing.T) {
	d := Baoshan()
	gridsOf := map[string][]string{}
	for _, u := range unitsOfKind(d, org.Grid) {
		gridsOf[u.Parent] = append(gridsOf[u.Parent], u.ID)
	}
	commBox := map[string]rect{}
	for comm, ids := range gridsOf {
		var shapes []geo.MultiPolygon
		for _, id := range ids {
			shapes = append(shapes, d.Grids[id])
		}
		box := bboxOf(shapes...)
		commBox[comm] = box
		for _, p := range lattice(box, 40) {
			n := 0
			for _, id := range ids {
				if pointIn(d.Grids[id], p) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("community %s: point %v lies in %d grids", comm, p, n)
			}
		}
	}
	// Communities tile their street's rectangle in turn, and streets do not overlap.
	streetBox := map[string]rect{}
	for _, s := range unitsOfKind(d, org.Street, org.Town) {
		var comms []rect
		var shapes []geo.MultiPolygon
		for _, c := range unitsOfKind(d, org.Community) {
			if c.Parent == s.ID {
				comms = append(comms, commBox[c.ID])
				for _, id := range gridsOf[c.ID] {
					shapes = append(shapes, d.Grids[id])
				}
			}
		}
		box := bboxOf(shapes...)
		streetBox[s.ID] = box
		for _, p := range lattice(box, 40) {
			n := 0
			for _, c := range comms {
				if c.contains(p) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("street %s: point %v lies in %d communities", s.ID, p, n)
			}
		}
	}
	for a, ra := range streetBox {
		for b, rb := range streetBox {
			if a < b && ra.overlaps(rb) {
				t.Errorf("streets %s and %s overlap", a, b)
			}
		}
	}
}

func TestGridCentre(t *testing.T) {
	d := Baoshan()
	for id, mp := range d.Grids {
		if c := GridCentre(mp); !pointIn(mp, c) {
			t.Errorf("centre %v of grid %s lies outside it", c, id)
		}
	}
	// Shapes whose centroid lies outside: a U and a square with a square hole.
	u := geo.MultiPolygon{{ring(0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3, 0, 0)}}
	holed := geo.MultiPolygon{{
		ring(0, 0, 4, 0, 4, 4, 0, 4, 0, 0),
		ring(1, 1, 1, 3, 3, 3, 3, 1, 1, 1),
	}}
	for name, mp := range map[string]geo.MultiPolygon{"U": u, "holed": holed} {
		if c := GridCentre(mp); !pointIn(mp, c) {
			t.Errorf("%s: centre %v lies outside", name, c)
		}
	}
	if c := GridCentre(nil); c != (geo.Point{}) {
		t.Errorf("empty shape: %v", c)
	}
}

func TestStaff(t *testing.T) {
	d := Baoshan()
	tree, err := org.NewTree(d.Units)
	if err != nil {
		t.Fatal(err)
	}
	login := regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)
	gridTypes := map[string]bool{}
	for _, gt := range GridTypes {
		gridTypes[gt] = true
	}
	logins, names := map[string]bool{}, map[string]bool{}
	roles := map[org.Role]int{}
	for _, s := range d.Staff {
		if !login.MatchString(s.Login) {
			t.Errorf("login %q", s.Login)
		}
		if logins[s.Login] {
			t.Errorf("login %q appears twice", s.Login)
		}
		logins[s.Login] = true
		if names[s.Name] {
			t.Errorf("name %q appears twice", s.Name)
		}
		names[s.Name] = true
		if s.Name == "" || len(s.Grants) == 0 {
			t.Errorf("account %s: name %q, %d grants", s.Login, s.Name, len(s.Grants))
		}
		worker := false
		for _, g := range s.Grants {
			if err := org.ValidStaffRole(g.Role); err != nil {
				t.Errorf("account %s: %v", s.Login, err)
			}
			u, ok := tree.Unit(g.Unit)
			if !ok {
				t.Errorf("account %s: grant on unknown unit %s", s.Login, g.Unit)
				continue
			}
			roles[g.Role]++
			switch g.Role {
			case org.RoleGridWorker:
				worker = true
				if u.Kind != org.Community && u.Kind != org.Grid {
					t.Errorf("grid worker %s scoped to %s %s", s.Login, u.Kind, u.ID)
				}
			case org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleLeader:
				if l := u.Kind.Level(); l != org.LevelDistrict && l != org.LevelStreet {
					t.Errorf("centre account %s scoped to %s", s.Login, u.ID)
				}
			case org.RoleAdmin, org.RoleAuditor:
				// The district's own administrators and auditors; the platform administrator sits
				// at the root (the city).
				if u.ID != DistrictID && !(s.Login == "city.admin" && u.ID == CityID) {
					t.Errorf("%s scoped to %s", s.Login, u.ID)
				}
			}
		}
		if worker != (s.WorkerType != "") || (worker && !gridTypes[s.WorkerType]) {
			t.Errorf("account %s: worker type %q", s.Login, s.WorkerType)
		}
	}
	for _, r := range org.StaffRoles {
		if roles[r] == 0 {
			t.Errorf("role %s is never granted", r)
		}
	}
	// Every department and squad has a handler, every community a handler and a grid worker, every
	// street an intake, a dispatcher and a leader.
	held := map[org.Role]map[string]bool{}
	for _, s := range d.Staff {
		for _, g := range s.Grants {
			if held[g.Role] == nil {
				held[g.Role] = map[string]bool{}
			}
			held[g.Role][g.Unit] = true
		}
	}
	for _, u := range d.Units {
		switch u.Kind {
		case org.Department:
			if !held[org.RoleHandler][u.ID] {
				t.Errorf("department %s has no handler", u.ID)
			}
		case org.Community:
			if !held[org.RoleHandler][u.ID] || !held[org.RoleGridWorker][u.ID] {
				t.Errorf("community %s lacks a handler or grid worker", u.ID)
			}
		case org.Street, org.Town:
			for _, r := range []org.Role{org.RoleIntake, org.RoleDispatcher, org.RoleLeader} {
				if !held[r][u.ID] {
					t.Errorf("street %s has no %s", u.ID, r)
				}
			}
		}
	}
	for _, r := range []org.Role{org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleLeader, org.RoleAdmin, org.RoleAuditor} {
		if !held[r][DistrictID] {
			t.Errorf("district centre has no %s", r)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := Baoshan(), Baoshan()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls differ")
	}
	// Fresh values: changing one result leaves the next untouched.
	a.Units[0].Name = "changed"
	a.Grids[a.Units[len(a.Units)-1].ID][0][0][0].Lon = 0
	a.Staff[0].Grants[0].Unit = "changed"
	if c := Baoshan(); !reflect.DeepEqual(b, c) {
		t.Fatal("a call's result shares memory with the next")
	}
}
