package web

import (
	"net/url"

	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// adminSamples are sample bodies of the administration pages: every list filled, with markup in
// every text, and every list empty.
func adminSamples(evil string, m *gridMap) map[string][]any {
	base := adminBase{Sections: []periodTab{{Label: evil, URL: "/console/admin/", Active: true}, {Label: "b", URL: "/console/admin/grids"}}, Root: true}
	tree := &treeNode{ID: "1", Name: evil, Kind: evil, Children: []*treeNode{{ID: "2", Name: evil, Kind: evil, Shape: true}}}
	preview := &gridPreview{File: evil, GeoJSON: evil, Apply: 1, Changes: []gridChange{{ID: evil, Name: evil, Kind: "new", Label: evil}, {ID: "x", Kind: "changed", Label: evil, Message: evil}}}
	failed := &gridPreview{File: evil, GeoJSON: evil, Errors: 1, Changes: []gridChange{{Kind: "error", Label: evil, Message: evil}}}
	matter := matterRow{Code: evil, Name: evil, Class: evil, Kind: "event", URL: "/console/admin/matters/E0101", Urgency: catalog.Urgencies[0], Whole: evil, Active: true}
	one := &matterView{matterRow: matter, WarnPercent: 80, DuplicateRadiusM: 50, DuplicateMinutes: 1440, Keywords: evil, Stages: []string{evil},
		Deadlines: []deadlineRow{{Urgency: catalog.Urgencies[0], Stages: []string{evil}, Whole: evil}},
		Fields:    []catalog.Field{{Code: evil, NameZh: evil, NameEn: evil, Type: "text", Required: true}}}
	opts := []option{{Value: evil, Label: evil, Selected: true}}
	return map[string][]any{
		"admin":       {&adminTreeBody{adminBase: base, Roots: []*treeNode{tree}, Units: 2}, &adminTreeBody{}},
		"admin_grids": {&adminGridsBody{adminBase: base, Map: m, Grids: 1, MaxSize: "8 MiB", Preview: preview}, &adminGridsBody{adminBase: base, Preview: failed}, &adminGridsBody{}},
		"admin_matters": {&adminMattersBody{adminBase: base, Types: []matterRow{matter, {Code: "x"}}}, &adminMattersBody{adminBase: base, One: one},
			&adminMattersBody{adminBase: adminBase{}, One: &matterView{}}, &adminMattersBody{}},
		"admin_lists": {&adminListsBody{adminBase: base, Responsibilities: []respRow{{Matter: evil, Scope: evil, Mode: evil, Lead: evil, Assisting: evil, Note: evil}},
			Admissions: []admRow{{Scope: evil, Matter: evil, Note: evil}}}, &adminListsBody{}},
		"admin_calendar": {&adminCalendarBody{adminBase: base, Year: 2026, Years: base.Sections, Hours: []hoursRow{{Day: evil, Spans: evil}},
			Days: []dayRow{{Date: "2026-10-01", Kind: evil, Name: evil}, {Date: "2026-10-11", Kind: evil, Name: evil, Work: true}}, Off: 1, Out: 1}, &adminCalendarBody{}},
		"admin_users": {&adminUsersBody{adminBase: base, Users: []userRow{{ID: 1, Login: evil, Name: evil, Grants: []string{evil, evil}, Disabled: true, Reset: "/console/admin/users/1/password"}, {ID: 2, Login: "b"}},
			Roles: opts, Units: opts, Roles2: opts, Units2: opts, Values: url.Values{"login": {evil}, "name": {evil}}, Capped: true}, &adminUsersBody{}},
		"admin_roles": {&adminRolesBody{adminBase: base, Roles: []roleRow{{Role: org.RoleLeader, Actions: []roleAction{{Action: casework.ActSupervise, From: []string{evil, evil}}}}, {Role: org.RoleAuditor}}}, &adminRolesBody{}},
		"admin_keys": {&adminKeysBody{adminBase: base, Secret: evil, Name: evil, Roles: opts, Units: opts,
			Keys: []keyRow{{ID: 1, Name: evil, Role: org.RoleHandler, Unit: evil, CreatedAt: "x", Revoke: "/console/admin/keys/1/revoke"}, {ID: 2, Revoked: true}}}, &adminKeysBody{}},
	}
}
