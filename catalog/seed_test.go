package catalog

import (
	"testing"

	"civicgrid/calendar"
)

func TestSeedValidates(t *testing.T) {
	types := Seed()
	for i := range types {
		if err := types[i].Validate(); err != nil {
			t.Errorf("%s: %v", types[i].Code, err)
		}
	}
	list := SeedResponsibilities()
	for i := range list {
		if err := list[i].Validate(); err != nil {
			t.Errorf("responsibility row %d: %v", i, err)
		}
	}
	adm := SeedAdmission("310113000000")
	for i := range adm {
		if err := adm[i].Validate(); err != nil {
			t.Errorf("admission row %d: %v", i, err)
		}
	}
	if err := ValidateCatalogue(types, list, adm); err != nil {
		t.Fatal(err)
	}
}

func TestSeedShape(t *testing.T) {
	types := Seed()
	if len(types) < 70 {
		t.Errorf("seed has %d matter types, want at least 70", len(types))
	}
	codes := map[string]*MatterType{}
	kinds := map[Kind]int{}
	classes := map[string]bool{}
	fieldTypes := map[FieldType]bool{}
	withFields := 0
	for i := range types {
		m := &types[i]
		if codes[m.Code] != nil {
			t.Errorf("code %s appears twice", m.Code)
		}
		codes[m.Code] = m
		kinds[m.Kind]++
		classes[m.ClassCode] = true
		if len(m.Fields) > 0 {
			withFields++
		}
		for _, f := range m.Fields {
			fieldTypes[f.Type] = true
		}
		if !m.Active || m.WarnPercent != 80 || len(m.Keywords) == 0 {
			t.Errorf("%s: active %v, warn %d, %d keywords", m.Code, m.Active, m.WarnPercent, len(m.Keywords))
		}
	}
	for cc := range seedClasses {
		if !classes[cc] {
			t.Errorf("class %s has no matter type", cc)
		}
	}
	for _, h := range []string{"H01", "H02", "H03", "H04", "H05"} {
		if codes[h] == nil || codes[h].Kind != Hotline {
			t.Errorf("hotline kind %s missing", h)
		}
	}
	if kinds[Component] < 30 || kinds[Event] < 30 || kinds[Hotline] != 5 {
		t.Errorf("kinds %v", kinds)
	}
	if withFields < 8 {
		t.Errorf("only %d matter types have extra fields, want at least 8", withFields)
	}
	for _, ft := range []FieldType{FieldString, FieldNumber, FieldDatetime, FieldText, FieldSingleValueList, FieldMultiValueList} {
		if !fieldTypes[ft] {
			t.Errorf("no seed field of type %s", ft)
		}
	}
	// Emergencies run on the natural clock at every urgency.
	for i := range types {
		if types[i].ClassCode != "E04" {
			continue
		}
		for u, l := range types[i].Deadlines {
			for s, lim := range l.Stages {
				if lim.Working() {
					t.Errorf("%s %s %s counts working time", types[i].Code, u, s)
				}
			}
		}
	}
	// Field orders run 1..n.
	for i := range types {
		for j, f := range types[i].Fields {
			if f.Order != j+1 {
				t.Errorf("%s field %s has order %d", types[i].Code, f.Code, f.Order)
			}
		}
	}
}

func TestSeedResponsibilitiesCoverEveryType(t *testing.T) {
	general := map[string]ResponsibilityEntry{}
	modes := map[Mode]int{}
	kindsUsed := map[string]bool{}
	communityLeads := 0
	for _, e := range SeedResponsibilities() {
		if e.Scope != "" {
			t.Errorf("seed row for %s has scope %q", e.MatterCode, e.Scope)
		}
		if _, dup := general[e.MatterCode]; dup {
			t.Errorf("two rows for %s", e.MatterCode)
		}
		general[e.MatterCode] = e
		modes[e.Mode]++
		for _, k := range append([]string{e.Lead}, e.Assisting...) {
			if k == TerritoryLead {
				continue
			}
			if _, ok := LookupDeptKind(k); !ok {
				t.Errorf("%s names department kind %q, which DeptKinds does not list", e.MatterCode, k)
			}
			kindsUsed[k] = true
		}
		if e.LeadLevel == LeadCommunity {
			communityLeads++
		}
	}
	for _, m := range Seed() {
		if _, ok := general[m.Code]; !ok {
			t.Errorf("matter type %s %s has no responsibility entry", m.Code, m.NameZh)
		}
	}
	if len(general) != len(Seed()) {
		t.Errorf("%d rows for %d matter types", len(general), len(Seed()))
	}
	for _, mode := range []Mode{Comprehensive, Professional, Assisted} {
		if modes[mode] == 0 {
			t.Errorf("no row uses mode %s", mode)
		}
	}
	for _, k := range DeptKinds {
		if !kindsUsed[k.Kind] {
			t.Errorf("department kind %s is listed but never named", k.Kind)
		}
	}
	if communityLeads == 0 {
		t.Error("no row has a community lead")
	}
	// Every community lead must be admissible, or routing would always fall back to the street.
	admitted := map[string]bool{}
	for _, a := range SeedAdmission("310113000000") {
		admitted[a.MatterCode] = true
	}
	for code, e := range general {
		if e.LeadLevel == LeadCommunity && !admitted[code] {
			t.Errorf("%s has a community lead but is not on the seed admission list", code)
		}
	}
}

func TestSeedReturnsFreshValues(t *testing.T) {
	a, b := Seed(), Seed()
	a[0].Deadlines[Normal].Stages[StageHandle] = calendar.Limit{Amount: 99, Unit: calendar.NaturalDays}
	a[0].Fields[0].Values[0].Key = "changed"
	a[0].Keywords[0] = "changed"
	if b[0].Deadlines[Normal].Stages[StageHandle].Amount == 99 || b[0].Fields[0].Values[0].Key == "changed" || b[0].Keywords[0] == "changed" {
		t.Fatal("two calls of Seed share values")
	}
	if a[1].Fields[0].Values[0].Key == "changed" {
		t.Fatal("two matter types of one Seed call share field values")
	}
}
