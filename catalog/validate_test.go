package catalog

import (
	"math"
	"strings"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/calendar"
)

// validType returns a small valid matter type to break one rule at a time.
func validType() MatterType {
	return MatterType{
		Code: "E0304", Kind: Event, ClassCode: "E03", ClassZh: "施工管理", ClassEn: "Construction management",
		NameZh: "违法建筑", NameEn: "Illegal construction", Keywords: []string{"违建"},
		DefaultUrgency: Normal, Deadlines: deadlines(profTenDays), WarnPercent: 80,
		DuplicateRadiusM: 30, DuplicateWindow: week,
		Fields: []Field{
			numField("area_m2", "面积", "Area", true),
			oneOf("state", "状态", "State", true, fv("building", "在建", "Under construction")),
		},
		Active: true,
	}
}

func detailField(err error) string {
	if e, ok := err.(*civicgrid.Error); ok {
		f, _ := e.Details["field"].(string)
		return f
	}
	return ""
}

func TestMatterTypeValidate(t *testing.T) {
	setHandle := func(u Urgency, l calendar.Limit) func(*MatterType) {
		return func(m *MatterType) { m.Deadlines[u].Stages[StageHandle] = l }
	}
	cases := []struct {
		name  string
		edit  func(*MatterType)
		field string // "" means valid
		msg   string
	}{
		{"valid", func(m *MatterType) {}, "", ""},
		{"warn 1 and radius 0 and window 0", func(m *MatterType) { m.WarnPercent, m.DuplicateRadiusM, m.DuplicateWindow = 1, 0, 0 }, "", ""},
		{"warn 99 and radius 5000 and window 30 days", func(m *MatterType) { m.WarnPercent, m.DuplicateRadiusM, m.DuplicateWindow = 99, 5000, 30*day }, "", ""},
		{"urgent 24 natural hours under normal 1 working day", func(m *MatterType) {
			m.Deadlines = deadlines(profDay)
			m.Deadlines[Urgent].Stages[StageHandle] = nh(24)
		}, "", ""},
		{"bad kind", func(m *MatterType) { m.Kind = "thing" }, "kind", "not one of component, event, hotline"},
		{"bad code", func(m *MatterType) { m.Code = "X0304" }, "code", "kind letter"},
		{"code too long", func(m *MatterType) { m.Code = "E03040101" }, "code", "2 to 6 digits"},
		{"code letter against kind", func(m *MatterType) { m.Kind = Component }, "code", "must start with C for a component"},
		{"class not a prefix", func(m *MatterType) { m.ClassCode = "E05" }, "class_code", "first three characters"},
		{"class code malformed", func(m *MatterType) { m.ClassCode = "E3" }, "class_code", "first three characters"},
		{"event code is only a class", func(m *MatterType) { m.Code = "E03" }, "code", "names only a class"},
		{"empty zh name", func(m *MatterType) { m.NameZh = "  " }, "name_zh", "Chinese name must not be empty"},
		{"empty class en", func(m *MatterType) { m.ClassEn = "" }, "class_en", "English class name must not be empty"},
		{"long en name", func(m *MatterType) { m.NameEn = strings.Repeat("x", 101) }, "name_en", "at most 100"},
		{"empty keyword", func(m *MatterType) { m.Keywords = []string{"违建", ""} }, "keywords", "keyword 2"},
		{"duplicate keyword", func(m *MatterType) { m.Keywords = []string{"违建", "违建"} }, "keywords", "appears twice"},
		{"bad default urgency", func(m *MatterType) { m.DefaultUrgency = "asap" }, "default_urgency", "not one of normal, urgent, critical"},
		{"missing urgency", func(m *MatterType) { delete(m.Deadlines, Critical) }, "deadlines.critical", "needs deadlines for urgency critical"},
		{"unknown urgency", func(m *MatterType) { m.Deadlines["later"] = m.Deadlines[Normal] }, "deadlines", "urgency \"later\""},
		{"missing stage", func(m *MatterType) { delete(m.Deadlines[Urgent].Stages, StageSign) }, "deadlines.urgent.stages.sign", "stage sign needs a time limit"},
		{"zero stage", setHandle(Normal, calendar.Limit{}), "deadlines.normal.stages.handle", "stage handle needs a time limit"},
		{"bad unit", setHandle(Normal, calendar.Limit{Amount: 3, Unit: "weeks"}), "deadlines.normal.stages.handle", "limit unit \"weeks\""},
		{"negative amount", setHandle(Normal, calendar.Limit{Amount: -1, Unit: calendar.WorkingDays}), "deadlines.normal.stages.handle", "between 1 and"},
		{"unknown stage", func(m *MatterType) { m.Deadlines[Normal].Stages["pray"] = wh(1) }, "deadlines.normal.stages.pray", "stage \"pray\""},
		{"zero whole", func(m *MatterType) {
			l := m.Deadlines[Normal]
			l.Whole = calendar.Limit{}
			m.Deadlines[Normal] = l
		}, "deadlines.normal.whole", "whole case needs a time limit"},
		{"stage outlasts whole", setHandle(Normal, wd(20)), "deadlines.normal.whole", "no stage may outlast the whole case"},
		{"urgent handle slower than normal", func(m *MatterType) {
			m.Deadlines = deadlines(profQuick) // normal handle 4 working hours ≈ 16.8 natural hours
			l := m.Deadlines[Urgent]
			l.Whole = nh(24)
			m.Deadlines[Urgent] = l
			m.Deadlines[Urgent].Stages[StageHandle] = nh(17)
		}, "deadlines.urgent.stages.handle", "handle stage limit for urgent (17 natural_hours) is slower than for normal (4 working_hours)"},
		{"critical whole slower than urgent", func(m *MatterType) {
			l := m.Deadlines[Critical]
			l.Whole = wd(8)
			m.Deadlines[Critical] = l
		}, "deadlines.critical.whole", "whole case limit for critical (8 working_days) is slower than for urgent (7 working_days)"},
		{"warn 0", func(m *MatterType) { m.WarnPercent = 0 }, "warn_percent", "between 1 and 99"},
		{"warn 100", func(m *MatterType) { m.WarnPercent = 100 }, "warn_percent", "between 1 and 99"},
		{"radius negative", func(m *MatterType) { m.DuplicateRadiusM = -1 }, "duplicate_radius_m", "between 0 and 5000"},
		{"radius too wide", func(m *MatterType) { m.DuplicateRadiusM = 5001 }, "duplicate_radius_m", "between 0 and 5000"},
		{"radius NaN", func(m *MatterType) { m.DuplicateRadiusM = math.NaN() }, "duplicate_radius_m", "between 0 and 5000"},
		{"window negative", func(m *MatterType) { m.DuplicateWindow = -time.Second }, "duplicate_window", "between 0 and 30 days"},
		{"window too long", func(m *MatterType) { m.DuplicateWindow = 30*day + time.Second }, "duplicate_window", "between 0 and 30 days"},
		{"field code", func(m *MatterType) { m.Fields[0].Code = "Area" }, "fields[0].code", "field code \"Area\""},
		{"field code too long", func(m *MatterType) { m.Fields[0].Code = "a" + strings.Repeat("b", 32) }, "fields[0].code", "up to 31"},
		{"duplicate field code", func(m *MatterType) { m.Fields[1].Code = "area_m2" }, "fields[1].code", "appears twice"},
		{"field without name", func(m *MatterType) { m.Fields[0].NameZh = "" }, "fields[0].name_zh", "must not be empty"},
		{"unknown field type", func(m *MatterType) { m.Fields[0].Type = "blob" }, "fields[0].type", "type \"blob\""},
		{"list without values", func(m *MatterType) { m.Fields[1].Values = nil }, "fields[1].values", "needs at least one value"},
		{"number with values", func(m *MatterType) { m.Fields[0].Values = []FieldValue{fv("a", "甲", "A")} }, "fields[0].values", "must not have values"},
		{"duplicate value key", func(m *MatterType) {
			m.Fields[1].Values = append(m.Fields[1].Values, fv("building", "在建中", "Building"))
		}, "fields[1].values[1].key", "appears twice"},
		{"value without key", func(m *MatterType) { m.Fields[1].Values[0].Key = "" }, "fields[1].values[0].key", "needs a key"},
		{"value without zh name", func(m *MatterType) { m.Fields[1].Values[0].NameZh = "" }, "fields[1].values[0].name_zh", "must not be empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := validType()
			c.edit(&m)
			err := m.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
				t.Fatalf("want invalid, got %v", err)
			}
			if got := detailField(err); got != c.field {
				t.Errorf("field %q, want %q (%v)", got, c.field, err)
			}
			if !strings.Contains(civicgrid.ErrorMessage(err), c.msg) {
				t.Errorf("message %q does not contain %q", civicgrid.ErrorMessage(err), c.msg)
			}
		})
	}
}

func TestHotlineCodes(t *testing.T) {
	m := validType()
	m.Kind, m.Code, m.ClassCode = Hotline, "H03", "H03"
	if err := m.Validate(); err != nil {
		t.Errorf("a hotline kind is its own class: %v", err)
	}
	m.Code = "H0301"
	if err := m.Validate(); err != nil {
		t.Errorf("a hotline sub-kind under its class: %v", err)
	}
}

func TestResponsibilityEntryValidate(t *testing.T) {
	cases := []struct {
		name  string
		e     ResponsibilityEntry
		field string
		msg   string
	}{
		{"comprehensive", ResponsibilityEntry{MatterCode: "E0101", Mode: Comprehensive, Lead: TerritoryLead}, "", ""},
		{"community lead, scoped to a grid", ResponsibilityEntry{MatterCode: "E0602", Scope: "310113101001001", Mode: Comprehensive, Lead: TerritoryLead, LeadLevel: LeadCommunity}, "", ""},
		{"assisted with community lead", ResponsibilityEntry{MatterCode: "E0614", Mode: Assisted, Lead: TerritoryLead, LeadLevel: LeadCommunity, Assisting: []string{"housing"}}, "", ""},
		{"bad matter code", ResponsibilityEntry{MatterCode: "0101", Mode: Comprehensive, Lead: TerritoryLead}, "matter_code", "matter code \"0101\""},
		{"bad scope", ResponsibilityEntry{MatterCode: "E0101", Scope: "310113", Mode: Comprehensive, Lead: TerritoryLead}, "scope", "jurisdiction code"},
		{"bad lead", ResponsibilityEntry{MatterCode: "E0101", Mode: Professional, Lead: "城管"}, "lead", "department kind"},
		{"comprehensive led by a department", ResponsibilityEntry{MatterCode: "E0101", Mode: Comprehensive, Lead: "chengguan"}, "lead", "led by the territory"},
		{"professional led by the territory", ResponsibilityEntry{MatterCode: "E0101", Mode: Professional, Lead: TerritoryLead}, "lead", "led by a department kind"},
		{"assisted without assistants", ResponsibilityEntry{MatterCode: "E0101", Mode: Assisted, Lead: "chengguan"}, "assisting", "at least one assisting unit"},
		{"professional with assistants", ResponsibilityEntry{MatterCode: "E0101", Mode: Professional, Lead: "chengguan", Assisting: []string{"police"}}, "assisting", "only assisted management"},
		{"unknown mode", ResponsibilityEntry{MatterCode: "E0101", Mode: "shared", Lead: "chengguan"}, "mode", "mode \"shared\""},
		{"community level for a department", ResponsibilityEntry{MatterCode: "E0101", Mode: Professional, Lead: "chengguan", LeadLevel: LeadCommunity}, "lead_level", "only for the territorial lead"},
		{"unknown lead level", ResponsibilityEntry{MatterCode: "E0101", Mode: Comprehensive, Lead: TerritoryLead, LeadLevel: "grid"}, "lead_level", "not one of street, community"},
		{"assistant named twice", ResponsibilityEntry{MatterCode: "E0101", Mode: Assisted, Lead: "chengguan", Assisting: []string{"police", "police"}}, "assisting[1]", "named twice"},
		{"lead also assisting", ResponsibilityEntry{MatterCode: "E0101", Mode: Assisted, Lead: "chengguan", Assisting: []string{"chengguan"}}, "assisting[0]", "named twice"},
		{"bad assistant", ResponsibilityEntry{MatterCode: "E0101", Mode: Assisted, Lead: "chengguan", Assisting: []string{"Police"}}, "assisting[0]", "department kind"},
		{"long note", ResponsibilityEntry{MatterCode: "E0101", Mode: Comprehensive, Lead: TerritoryLead, Note: strings.Repeat("注", 501)}, "note", "at most 500"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.e.Validate()
			checkInvalid(t, err, c.field, c.msg)
		})
	}
}

func TestAdmissionEntryValidate(t *testing.T) {
	cases := []struct {
		name  string
		a     AdmissionEntry
		field string
		msg   string
	}{
		{"district scope", AdmissionEntry{Scope: "310113000000", MatterCode: "E0602"}, "", ""},
		{"no scope", AdmissionEntry{MatterCode: "E0602"}, "scope", "12-digit code"},
		{"grid scope", AdmissionEntry{Scope: "310113101001001", MatterCode: "E0602"}, "scope", "12-digit code"},
		{"bad code", AdmissionEntry{Scope: "310113000000", MatterCode: "e0602"}, "matter_code", "matter code \"e0602\""},
		{"long note", AdmissionEntry{Scope: "310113000000", MatterCode: "E0602", Note: strings.Repeat("注", 501)}, "note", "at most 500"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkInvalid(t, c.a.Validate(), c.field, c.msg) })
	}
}

func checkInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("want valid, got %v", err)
		}
		return
	}
	if civicgrid.ErrorCode(err) != civicgrid.EINVALID {
		t.Fatalf("want invalid, got %v", err)
	}
	if got := detailField(err); got != field {
		t.Errorf("field %q, want %q (%v)", got, field, err)
	}
	if !strings.Contains(civicgrid.ErrorMessage(err), msg) {
		t.Errorf("message %q does not contain %q", civicgrid.ErrorMessage(err), msg)
	}
}

func TestLimitsValidate(t *testing.T) {
	l := deadlines(profDay)[Normal]
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	var empty Limits
	checkInvalid(t, empty.Validate(), "stages.accept", "stage accept needs a time limit")
}

func TestApproxNaturalMinutes(t *testing.T) {
	// 5 working days of 8 hours are taken as one natural week.
	week := 7 * 24 * 60
	if got := 5 * ApproxNaturalMinutes(wd(1)); got != week {
		t.Errorf("5 working days = %d natural minutes, want %d", got, week)
	}
	if got := 40 * ApproxNaturalMinutes(wh(1)); got != week {
		t.Errorf("40 working hours = %d natural minutes, want %d", got, week)
	}
	if ApproxNaturalMinutes(nh(3)) != 180 || ApproxNaturalMinutes(calendar.Limit{Amount: 2, Unit: calendar.NaturalDays}) != 2880 {
		t.Error("natural units convert exactly")
	}
	if ApproxNaturalMinutes(calendar.Limit{}) != 0 {
		t.Error("the zero limit is 0")
	}
}

func TestValidateCatalogue(t *testing.T) {
	district := "310113000000"
	cases := []struct {
		name string
		edit func(types *[]MatterType, list *[]ResponsibilityEntry, adm *[]AdmissionEntry)
		msg  string
	}{
		{"duplicate code", func(ty *[]MatterType, _ *[]ResponsibilityEntry, _ *[]AdmissionEntry) {
			*ty = append(*ty, (*ty)[0])
		}, "appears twice in the catalogue"},
		{"invalid type", func(ty *[]MatterType, _ *[]ResponsibilityEntry, _ *[]AdmissionEntry) {
			(*ty)[3].WarnPercent = 0
		}, "warning threshold"},
		{"row for unknown type", func(_ *[]MatterType, l *[]ResponsibilityEntry, _ *[]AdmissionEntry) {
			*l = append(*l, dept("E0999", "chengguan"))
		}, "E0999, which is not in the catalogue"},
		{"two rows for one scope", func(_ *[]MatterType, l *[]ResponsibilityEntry, _ *[]AdmissionEntry) {
			*l = append(*l, dept("E0101", "greening"))
		}, "two rows for matter type E0101"},
		{"uncovered type", func(_ *[]MatterType, l *[]ResponsibilityEntry, _ *[]AdmissionEntry) {
			(*l)[0].Scope = district
		}, "C0101 上水井盖 has no responsibility entry for everywhere"},
		{"admission of unknown type", func(_ *[]MatterType, _ *[]ResponsibilityEntry, a *[]AdmissionEntry) {
			*a = append(*a, AdmissionEntry{Scope: district, MatterCode: "E0999"})
		}, "admission entry names matter type E0999"},
		{"admission twice", func(_ *[]MatterType, _ *[]ResponsibilityEntry, a *[]AdmissionEntry) {
			*a = append(*a, (*a)[0])
		}, "twice for scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			types, list, adm := Seed(), SeedResponsibilities(), SeedAdmission(district)
			c.edit(&types, &list, &adm)
			err := ValidateCatalogue(types, list, adm)
			if civicgrid.ErrorCode(err) != civicgrid.EINVALID || !strings.Contains(civicgrid.ErrorMessage(err), c.msg) {
				t.Errorf("got %v, want invalid containing %q", err, c.msg)
			}
		})
	}
	types := Seed()
	types[0].Active = false
	list := SeedResponsibilities()[1:]
	if err := ValidateCatalogue(types, list, nil); err != nil {
		t.Errorf("an inactive type needs no row: %v", err)
	}
}
