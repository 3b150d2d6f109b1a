package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"civicgrid/casework"
)

// portalSamples are the portal pages' sample data for TestConsoleTemplates.
func portalSamples(now time.Time, evil string) map[string][]any {
	groups := []portalMatterGroup{{Name: evil, Matters: []portalOption{{Value: "E0502", Name: evil}, {Value: evil, Name: "b"}}}}
	form := &portalForm{Groups: groups, Areas: []portalOption{{Value: "310113003000", Name: evil}}, Matter: "E0502", Description: evil,
		Lat: evil, Lon: evil, CRS: evil, Area: "310113003000", Address: evil, Name: evil, Phone: evil, MaxDesc: 4000, MaxPhotoMiB: 10}
	steps := []portalStep{{At: now, Action: casework.ActReport, State: casework.Reported}, {At: now, Action: casework.ActHandle, State: casework.Handled, Text: evil}}
	due := now.Add(time.Hour)
	return map[string][]any{
		"portal_report": {form, &portalForm{}},
		"portal_done":   {portalDone{Code: evil, TrackURL: "/portal/track?code=" + evil, Matter: evil, Place: evil}},
		"portal_track": {&portalTrack{}, &portalTrack{Code: evil, Asked: true},
			&portalTrack{Code: evil, Found: true, Merged: true, ID: 7, State: casework.Handling, Matter: evil, Place: evil, ReportedAt: now, Unit: evil, Due: &due, Steps: steps},
			&portalTrack{Code: "ABC", Found: true, State: casework.Closed, ReportedAt: now, ClosedAt: &now, RateOpen: true, RateUntil: due, Rating: casework.Satisfied, Steps: steps}},
	}
}

// TestPortalBrandLink: the portal's pages lead residents back to the portal, not to the staff
// console's login.
func TestPortalBrandLink(t *testing.T) {
	c := testConsole(t)
	for name, bodies := range samplePages() {
		want := `class="brand" href="/console/"`
		if strings.HasPrefix(name, "portal_") {
			want = `class="brand" href="/portal/"`
		}
		rec := httptest.NewRecorder()
		c.render(rec, httptest.NewRequest("GET", "/", nil), http.StatusOK, name, &consolePage{Lang: langZh, Body: bodies[0]})
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("page %s: brand link is not %s", name, want)
		}
	}
}
