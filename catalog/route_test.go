package catalog

import (
	"strings"
	"testing"

	"civicgrid"
	"civicgrid/org"
)

// Unit IDs of the test tree: one district, a town with two communities and a street with one.
const (
	tDistrict = "310113000000"
	tTown     = "310113101000" // 杨行镇
	tStreet   = "310113002000" // 友谊路街道
	tComm1    = "310113101001" // 杨行一村居委会
	tComm2    = "310113101002" // 杨行二村居委会
	tComm3    = "310113002001" // 友谊一居委会
	tGrid11   = "310113101001001"
	tGrid12   = "310113101001002"
	tGrid21   = "310113101002001"
	tGrid31   = "310113002001001"

	tCGBureau = "310113000000-chengguan"
	tCGSquad  = "310113101000-chengguan"
	tHousing  = "310113000000-housing"
	tWater    = "310113000000-water"
	tGreening = "310113000000-greening"
	tPolice   = "310113000000-police"
	tPoliceYH = "310113101000-police"
)

func testTree(t *testing.T) *org.Tree {
	t.Helper()
	units := []org.Unit{
		{ID: tDistrict, Kind: org.District, Name: "宝山区"},
		{ID: tTown, Kind: org.Town, Name: "杨行镇", Parent: tDistrict},
		{ID: tStreet, Kind: org.Street, Name: "友谊路街道", Parent: tDistrict},
		{ID: tComm1, Kind: org.Community, Name: "杨行一村居委会", Parent: tTown},
		{ID: tComm2, Kind: org.Community, Name: "杨行二村居委会", Parent: tTown},
		{ID: tComm3, Kind: org.Community, Name: "友谊一居委会", Parent: tStreet},
		{ID: tGrid11, Kind: org.Grid, Name: "杨行一村第1网格", Parent: tComm1},
		{ID: tGrid12, Kind: org.Grid, Name: "杨行一村第2网格", Parent: tComm1},
		{ID: tGrid21, Kind: org.Grid, Name: "杨行二村第1网格", Parent: tComm2},
		{ID: tGrid31, Kind: org.Grid, Name: "友谊一第1网格", Parent: tComm3},
		{ID: tCGBureau, Kind: org.Department, Name: "宝山区城管执法局", Parent: tDistrict, DeptKind: "chengguan", Territory: tDistrict},
		{ID: tCGSquad, Kind: org.Department, Name: "宝山区城管执法局杨行中队", Parent: tCGBureau, DeptKind: "chengguan", Territory: tTown},
		{ID: tHousing, Kind: org.Department, Name: "宝山区房屋管理局", Parent: tDistrict, DeptKind: "housing", Territory: tDistrict},
		{ID: tWater, Kind: org.Department, Name: "宝山区水务局", Parent: tDistrict, DeptKind: "water", Territory: tDistrict},
		{ID: tGreening, Kind: org.Department, Name: "宝山区绿化和市容管理局", Parent: tDistrict, DeptKind: "greening", Territory: tDistrict},
		{ID: tPolice, Kind: org.Department, Name: "宝山公安分局", Parent: tDistrict, DeptKind: "police", Territory: tDistrict},
		{ID: tPoliceYH, Kind: org.Department, Name: "杨行派出所", Parent: tPolice, DeptKind: "police", Territory: tTown},
	}
	tree, err := org.NewTree(units)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func seedType(t *testing.T, code string) *MatterType {
	t.Helper()
	for _, m := range Seed() {
		if m.Code == code {
			return &m
		}
	}
	t.Fatalf("no seed matter type %s", code)
	return nil
}

func TestRouteProfessionalPicksNearestDepartment(t *testing.T) {
	tree := testTree(t)
	list, adm := SeedResponsibilities(), SeedAdmission(tDistrict)
	m := seedType(t, "E0502") // 占道经营

	d, err := Route(m, tGrid11, list, adm, tree)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lead != tCGSquad || d.Mode != Professional || len(d.Assisting) != 0 {
		t.Fatalf("got lead %s mode %s assisting %v; want the town squad, professional, none", d.Lead, d.Mode, d.Assisting)
	}
	if want := "依据权责清单: 占道经营 属专业管理事项, 由 宝山区城管执法局杨行中队 负责"; d.Reason != want {
		t.Errorf("reason %q, want %q", d.Reason, want)
	}
	if d.LeadPath != "/"+tDistrict+"/"+tCGBureau+"/"+tCGSquad+"/" {
		t.Errorf("lead path %q", d.LeadPath)
	}
	if d.Entry.MatterCode != "E0502" || d.Entry.Scope != "" {
		t.Errorf("entry %+v", d.Entry)
	}

	// The street has no squad of its own: the district bureau serves it.
	d, err = Route(m, tGrid31, list, adm, tree)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lead != tCGBureau {
		t.Errorf("lead %s in 友谊路, want the district bureau", d.Lead)
	}
}

func TestRouteComprehensiveLeadsToStreet(t *testing.T) {
	tree := testTree(t)
	m := seedType(t, "E0101") // 暴露垃圾
	for at, want := range map[string]string{tGrid11: tTown, tComm2: tTown, tGrid31: tStreet, tStreet: tStreet} {
		d, err := Route(m, at, SeedResponsibilities(), nil, tree)
		if err != nil {
			t.Fatal(err)
		}
		if d.Lead != want || d.Mode != Comprehensive {
			t.Errorf("at %s: lead %s mode %s, want %s comprehensive", at, d.Lead, d.Mode, want)
		}
	}
	d, _ := Route(m, tGrid11, SeedResponsibilities(), nil, tree)
	if want := "依据权责清单: 暴露垃圾 属综合管理事项, 由 杨行镇 负责"; d.Reason != want {
		t.Errorf("reason %q, want %q", d.Reason, want)
	}
}

func TestRouteAssisted(t *testing.T) {
	tree := testTree(t)
	m := seedType(t, "E0304") // 违法建筑: territory with chengguan and housing
	d, err := Route(m, tGrid21, SeedResponsibilities(), nil, tree)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lead != tTown || d.Mode != Assisted {
		t.Fatalf("lead %s mode %s", d.Lead, d.Mode)
	}
	if strings.Join(d.Assisting, ",") != tCGSquad+","+tHousing {
		t.Errorf("assisting %v", d.Assisting)
	}
	if !strings.HasPrefix(d.Reason, "依据权责清单: 违法建筑 属协助管理事项, 由 杨行镇 牵头负责, 协助单位: 宝山区城管执法局杨行中队、宝山区房屋管理局") {
		t.Errorf("reason %q", d.Reason)
	}
	if !strings.Contains(d.Reason, "备注: 拆违属地为主") {
		t.Errorf("reason %q does not carry the entry's note", d.Reason)
	}
}

func TestRouteAssistedSkipsUnresolvableAssistants(t *testing.T) {
	tree := testTree(t)
	m := seedType(t, "E0409") // 房屋险情: housing with emergency and territory; no emergency office here
	d, err := Route(m, tGrid11, SeedResponsibilities(), nil, tree)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lead != tHousing || strings.Join(d.Assisting, ",") != tTown {
		t.Fatalf("lead %s assisting %v", d.Lead, d.Assisting)
	}
	if !strings.Contains(d.Reason, "未找到服务该地的协助单位: 应急管理(emergency), 已略去") {
		t.Errorf("reason %q does not say which assisting unit was left out", d.Reason)
	}
}

func TestRouteScopeOverride(t *testing.T) {
	tree := testTree(t)
	m := seedType(t, "E0504") // 乱停放非机动车: comprehensive everywhere
	list := append(SeedResponsibilities(),
		ResponsibilityEntry{MatterCode: "E0504", Scope: tTown, Mode: Professional, Lead: "police"},
		ResponsibilityEntry{MatterCode: "E0504", Scope: tComm2, Mode: Professional, Lead: "chengguan"},
	)
	cases := []struct {
		at, lead, scope string
	}{
		{tGrid11, tPoliceYH, tTown},  // the town's row wins over the general one
		{tGrid21, tCGSquad, tComm2},  // the community's row is nearer still
		{tComm2, tCGSquad, tComm2},   // the scope itself counts as within the scope
		{tGrid31, tStreet, ""},       // outside the town: the general row
		{tDistrict, "", "no street"}, // at the district the territorial lead cannot be found
		{tTown, tPoliceYH, tTown},
	}
	for _, c := range cases {
		d, err := Route(m, c.at, list, nil, tree)
		if c.lead == "" {
			if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
				t.Errorf("at %s: error %v, want invalid", c.at, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("at %s: %v", c.at, err)
		}
		if d.Lead != c.lead || d.Entry.Scope != c.scope {
			t.Errorf("at %s: lead %s by scope %q, want %s by scope %q", c.at, d.Lead, d.Entry.Scope, c.lead, c.scope)
		}
	}
	d, _ := Route(m, tGrid11, list, nil, tree)
	if want := "依据权责清单(杨行镇 范围条目): 乱停放非机动车 属专业管理事项, 由 杨行派出所 负责"; d.Reason != want {
		t.Errorf("reason %q, want %q", d.Reason, want)
	}
}

func TestRouteCommunityLeadNeedsAdmission(t *testing.T) {
	tree := testTree(t)
	m := seedType(t, "E0602") // 邻里纠纷: community lead
	list := SeedResponsibilities()

	d, err := Route(m, tGrid12, list, SeedAdmission(tDistrict), tree)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lead != tComm1 {
		t.Fatalf("lead %s, want the community", d.Lead)
	}
	if want := "依据权责清单: 邻里纠纷 属综合管理事项, 由 杨行一村居委会 负责; 该事项已列入社区事务准入清单 (备注: 人民调解)"; d.Reason != want {
		t.Errorf("reason %q, want %q", d.Reason, want)
	}

	// Without admission the street takes it, and says why.
	d, err = Route(m, tGrid12, list, nil, tree)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lead != tTown {
		t.Fatalf("lead %s, want the town", d.Lead)
	}
	if !strings.Contains(d.Reason, "该事项未列入 杨行一村居委会 的社区事务准入清单, 社区不予受理, 改由 杨行镇 负责") {
		t.Errorf("reason %q does not explain the fallback", d.Reason)
	}

	// Admission for one community only.
	adm := []AdmissionEntry{{Scope: tComm2, MatterCode: "E0602"}}
	if d, _ := Route(m, tGrid21, list, adm, tree); d.Lead != tComm2 {
		t.Errorf("admitted community: lead %s", d.Lead)
	}
	if d, _ := Route(m, tGrid11, list, adm, tree); d.Lead != tTown {
		t.Errorf("community without admission: lead %s", d.Lead)
	}

	// Reported at the street itself: no community to take it.
	d, err = Route(m, tTown, list, SeedAdmission(tDistrict), tree)
	if err != nil || d.Lead != tTown || !strings.Contains(d.Reason, "发生地不在某一社区内") {
		t.Errorf("at the town: %+v, %v", d, err)
	}
}

func TestRouteNeedsRuling(t *testing.T) {
	tree := testTree(t)
	fire := seedType(t, "E0405") // 火灾: the fire service, which the test tree lacks
	cases := []struct {
		name string
		m    *MatterType
		at   string
		list []ResponsibilityEntry
		want string
	}{
		{"no entry", seedType(t, "E0101"), tGrid11, nil, "has no responsibility entry covering 杨行一村第1网格"},
		{"scoped elsewhere", seedType(t, "E0101"), tGrid11,
			[]ResponsibilityEntry{{MatterCode: "E0101", Scope: tStreet, Mode: Comprehensive, Lead: TerritoryLead}},
			"has no responsibility entry covering"},
		{"lead unresolvable", fire, tGrid11, SeedResponsibilities(), "its lead 消防救援(fire) serves no unit at"},
	}
	for _, c := range cases {
		_, err := Route(c.m, c.at, c.list, nil, tree)
		if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
			t.Errorf("%s: error %v, want invalid", c.name, err)
			continue
		}
		msg := civicgrid.ErrorMessage(err)
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, "the dispatch centre must rule") || !strings.Contains(msg, "final ruling") {
			t.Errorf("%s: message %q", c.name, msg)
		}
	}
	if _, err := Route(fire, "999999999999", SeedResponsibilities(), nil, tree); civicgrid.ErrorCode(err) != civicgrid.EINVALID {
		t.Errorf("unknown place: %v", err)
	}
	if _, err := Route(nil, tGrid11, SeedResponsibilities(), nil, tree); civicgrid.ErrorCode(err) != civicgrid.EINVALID {
		t.Errorf("nil matter type: %v", err)
	}
}

func TestAdmits(t *testing.T) {
	tree := testTree(t)
	adm := []AdmissionEntry{
		{Scope: tDistrict, MatterCode: "E0603"},
		{Scope: tTown, MatterCode: "E0604"},
		{Scope: tComm1, MatterCode: "E0615"},
	}
	cases := []struct {
		unit, code string
		want       bool
	}{
		{tComm1, "E0603", true}, // district-wide
		{tComm3, "E0603", true},
		{tComm2, "E0604", true}, // town-wide
		{tComm3, "E0604", false},
		{tComm1, "E0615", true}, // this community only
		{tComm2, "E0615", false},
		{tGrid12, "E0615", true}, // a grid counts as its community
		{tComm1, "E0502", false}, // not on the list
		{tTown, "E0603", false},  // not a community
		{"nope", "E0603", false},
	}
	for _, c := range cases {
		if got := Admits(c.unit, c.code, adm, tree); got != c.want {
			t.Errorf("Admits(%s, %s) = %v, want %v", c.unit, c.code, got, c.want)
		}
	}
}

func TestCheckAssignment(t *testing.T) {
	tree := testTree(t)
	adm := SeedAdmission(tDistrict)
	for _, u := range []string{tComm1, tGrid21, tComm3} {
		if err := CheckAssignment(u, "E0602", adm, tree); err != nil {
			t.Errorf("%s may take 邻里纠纷: %v", u, err)
		}
	}
	for _, u := range []string{tCGSquad, tTown, tStreet, tDistrict, tHousing} {
		if err := CheckAssignment(u, "E0502", adm, tree); err != nil {
			t.Errorf("%s may take any matter: %v", u, err)
		}
	}
	refusals := []struct{ unit, comm, commName string }{
		{tComm1, tComm1, "杨行一村居委会"},
		{tGrid31, tComm3, "友谊一居委会"},
	}
	for _, r := range refusals {
		err := CheckAssignment(r.unit, "E0502", adm, tree)
		if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
			t.Fatalf("%s: error %v, want invalid", r.unit, err)
		}
		want := "未列入社区事务准入清单的事项,社区一律不予受理: 事项 E0502 未列入 " + r.commName + " (" + r.comm + ") 的社区事务准入清单"
		if got := civicgrid.ErrorMessage(err); got != want {
			t.Errorf("%s: message %q, want %q", r.unit, got, want)
		}
		if e := err.(*civicgrid.Error); e.Details["community"] != r.comm || e.Details["reason"] != AdmissionRefusal {
			t.Errorf("%s: details %v", r.unit, e.Details)
		}
	}
	if err := CheckAssignment(tComm1, "E0602", nil, tree); err == nil || !strings.Contains(err.Error(), AdmissionRefusal) {
		t.Errorf("empty admission list must refuse everything: %v", err)
	}
	if err := CheckAssignment("nope", "E0602", adm, tree); civicgrid.ErrorCode(err) != civicgrid.EINVALID {
		t.Errorf("unknown unit: %v", err)
	}
}
