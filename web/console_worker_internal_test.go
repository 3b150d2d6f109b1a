package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
)

// ownScriptTag is a script element loading a static file by its checksum URL, the only kind of
// script a console page may hold.
var ownScriptTag = regexp.MustCompile(`<script src="(/static/[^"]+)" defer></script>`)

// withoutOwnScripts removes the page's script elements after checking that each loads one of the
// platform's own static files under its current checksum URL; any other script stays in the page
// and fails the caller's check.
func withoutOwnScripts(t *testing.T, c *console, page string) string {
	t.Helper()
	return ownScriptTag.ReplaceAllStringFunc(page, func(tag string) string {
		src := ownScriptTag.FindStringSubmatch(tag)[1]
		if _, ok := c.static.files[strings.TrimPrefix(src, "/static/")]; !ok || !strings.HasSuffix(src, ".js") {
			t.Errorf("a script from %s, which is not one of the platform's static scripts", src)
			return tag
		}
		return ""
	})
}

// workerSamples are the sample bodies of the grid worker's and the department handler's pages.
func workerSamples(now time.Time, evil string) map[string][]any {
	opts := []option{{Value: "a", Label: evil, Selected: true}, {Value: "b", Label: "b"}}
	choice := matterChoice{Code: "C0101", Name: evil, Class: evil, URL: "/console/worker/report?matter=C0101&q=" + evil}
	var fields []fieldInput
	for _, ft := range []catalog.FieldType{catalog.FieldSingleValueList, catalog.FieldMultiValueList, catalog.FieldNumber, catalog.FieldText, catalog.FieldString, catalog.FieldDatetime} {
		fields = append(fields, fieldInput{Code: "f_" + string(ft), Name: evil, Type: ft, Required: ft == catalog.FieldSingleValueList, Options: opts, Value: evil})
	}
	full := &workerReportBody{Query: evil, Searched: true, Hits: []matterChoice{choice, {Code: "C0102", Name: "b", URL: "/x"}}, Matter: &choice,
		Fields: fields, Grids: opts, Form: workerReportForm{Description: evil, Lat: "31.4", Lon: "121.4", Grid: "a", Address: evil},
		MaxDesc: 2000, MaxPhoto: 10, Idem: evil}
	browse := &workerReportBody{Groups: []matterGroup{{Name: evil, Matters: []matterChoice{choice}}}, MaxDesc: 2000, MaxPhoto: 10}
	none := &workerReportBody{Query: "xq", Searched: true}
	var rows []caseRow
	for _, l := range []casework.Light{casework.Green, casework.Yellow, casework.Red} {
		rows = append(rows, caseRow{ID: 7, URL: "/console/cases/7", Light: l, Matter: evil, Place: evil, ReportedAt: "2026-03-02 09:30",
			Assignee: evil, State: casework.Checking, Due: "2026-03-02 10:30", Pending: evil})
	}
	task := workerTask{Row: rows[2], Description: evil, Result: evil, Photos: []photo{{Label: evil, URL: "/media/x"}}, Forms: []taskForm{
		{Action: casework.ActConfirm, URL: "/console/worker/tasks/7/confirm", Reason: "optional", Seq: 3},
		{Action: casework.ActDeny, URL: "/console/worker/tasks/7/deny", Reason: "required", Danger: true, Seq: 3}}}
	tasks := workerTasksBody{Sections: []taskSection{{Kind: "confirm", Tasks: []workerTask{task}}, {Kind: "check", Tasks: []workerTask{task}}}, Capped: true}
	ext := calendar.Limit{Amount: 2, Unit: calendar.WorkingDays}
	c := &casework.Case{ID: 7, State: casework.Handling, MatterCode: "E0502", Urgency: catalog.Normal, Description: evil, Result: evil,
		Light: casework.Red, PendingExtension: &ext, ReportedAt: now, Seq: 4}
	var forms []actionForm
	for _, a := range unitActions {
		f := actionForm{Action: a, URL: "/console/cases/7/" + string(a), Reason: "optional", Values: map[string][]string{"reason": {evil}, "result": {evil}}}
		switch a {
		case casework.ActReturn:
			f.Codes, f.Reason, f.Danger = opts, "required", true
		case casework.ActHandle:
			f.Result, f.Reason = true, ""
		case casework.ActRequestExtension:
			f.Extend, f.ExtUnits, f.Reason = true, opts, "required"
		case casework.ActRequestSuspend:
			f.Reason = "required"
		}
		forms = append(forms, f)
	}
	tabs := []unitTab{{Key: "sign", Label: evil, Hint: evil, URL: "/console/unit/?tab=sign", Count: 2, Active: true}, {Key: "rework", Label: "r", URL: "/console/unit/?tab=rework"}}
	return map[string][]any{
		"worker_report":  {full, browse, none},
		"worker_tasks":   {tasks, workerTasksBody{Sections: []taskSection{{Kind: "confirm"}, {Kind: "check"}}}},
		"worker_history": {workerHistoryBody{Rows: rows, Next: "/console/worker/history?cursor=Nw", Paged: true}, workerHistoryBody{}},
		"unit_tasks":     {unitTasksBody{Tab: "sign", Tabs: tabs, Units: []string{evil}, Rows: rows, Next: "/console/unit/?tab=sign&cursor=Nw", Paged: true}, unitTasksBody{Tab: "sign", Tabs: tabs}},
		"unit_case": {&unitCaseBody{Case: c, Matter: evil, Place: evil, Assignee: evil, StageDue: evil, WholeDue: evil, Pending: evil,
			Photos: []photo{{Label: evil, URL: "/media/x"}}, Forms: forms, MaxPhoto: 10}, &unitCaseBody{Case: &casework.Case{ID: 8, State: casework.Closed, ReportedAt: now}}},
	}
}
