package casework

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"civicgrid"
	"civicgrid/catalog"
	"civicgrid/org"
)

// Limits on a report.
const (
	MaxTitle       = 200
	MaxDescription = 4000
	MaxAddress     = 500
	MaxAttributes  = 50
	MaxMedia       = 20
)

// Channels lists every report channel.
var Channels = []Channel{ChannelPatrol, ChannelCommunity, ChannelPortal, ChannelOpen311, ChannelHotline, ChannelSensor, ChannelImport}

// NewCase checks a report and returns the event that creates case id from it (seq 1, not sealed).
// It starts the accept stage clock and the whole-case clock.
func NewCase(id int64, r Report, actor org.Actor, env Env) (Event, error) {
	t, _ := row("", ActReport)
	if !t.allows(actor.Role) {
		return Event{}, civicgrid.Errorf(civicgrid.EFORBIDDEN, "a %s cannot report a case", orNoRole(actor.Role))
	}
	if id <= 0 {
		return Event{}, fmt.Errorf("casework: case id must be positive, got %d", id)
	}
	if env.Now.IsZero() {
		return Event{}, fmt.Errorf("casework: report without the current time")
	}
	r, err := normalizeReport(r)
	if err != nil {
		return Event{}, err
	}
	m := newClockMath(env)
	stage, err := m.start(catalog.StageAccept, env.Limits.Stages[catalog.StageAccept])
	if err != nil {
		return Event{}, err
	}
	whole, err := m.start("", env.Limits.Whole)
	if err != nil {
		return Event{}, err
	}
	p := reportPayload{Report: r, ReporterUserID: actor.UserID, Clocks: &Clocks{Stage: stage, Whole: whole, StageLight: Green, WholeLight: Green}}
	return newEvent(id, 1, ActReport, actor, m.now, "", Reported, "", p)
}

// normalizeReport validates r and fills its defaults.
func normalizeReport(r Report) (Report, error) {
	bad := func(field, format string, args ...any) (Report, error) {
		return Report{}, civicgrid.Errorf(civicgrid.EINVALID, format, args...).WithDetail("field", field)
	}
	if strings.TrimSpace(r.MatterCode) == "" {
		return bad("matter_code", "a report needs a matter type")
	}
	if strings.TrimSpace(r.Description) == "" {
		return bad("description", "a report needs a description")
	}
	texts := []struct {
		field string
		s     string
		max   int
	}{
		{"matter_code", r.MatterCode, 32}, {"description", r.Description, MaxDescription}, {"title", r.Title, MaxTitle},
		{"address", r.Address, MaxAddress}, {"tracking_code", r.TrackingCode, 64}, {"grid", r.Grid, 64},
		{"community", r.Community, 64}, {"street", r.Street, 64}, {"district", r.District, 64},
		{"originator", r.Originator, 64}, {"originator_path", r.OriginatorPath, 1000}, {"territory_path", r.TerritoryPath, 1000},
	}
	for _, x := range texts {
		if err := checkText(x.field, x.s, x.max); err != nil {
			return Report{}, err
		}
	}
	if r.Urgency == "" {
		r.Urgency = catalog.Normal
	}
	if !validUrgency(r.Urgency) {
		return bad("urgency", "urgency %q is not one of normal, urgent, critical", r.Urgency)
	}
	if !validChannel(r.Channel) {
		return bad("channel", "channel %q is not one of patrol, community, portal, open311, hotline, sensor, import", r.Channel)
	}
	if !validPath(r.TerritoryPath) {
		return bad("territory_path", "a report needs the path of the territory it lies in")
	}
	if strings.TrimSpace(r.Originator) == "" || !validPath(r.OriginatorPath) || lastID(r.OriginatorPath) != r.Originator {
		return bad("originator", "a report needs its originating unit and that unit's path")
	}
	if p := r.Location; p != nil {
		if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || math.Abs(p.Lon) > 180 || math.Abs(p.Lat) > 90 {
			return bad("location", "location (%g, %g) is not a WGS-84 point", p.Lon, p.Lat)
		}
	}
	if len(r.Attributes) > MaxAttributes {
		return bad("attributes", "at most %d attributes, got %d", MaxAttributes, len(r.Attributes))
	}
	if len(r.Attributes) > 0 {
		// The attributes go into the hashed history as JSON; anything encoding/json cannot write
		// (or could not read back the same) is refused here.
		b, err := json.Marshal(r.Attributes)
		if err != nil {
			return bad("attributes", "attributes must be plain JSON values")
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			return bad("attributes", "attributes must be plain JSON values")
		}
		r.Attributes = back
	} else {
		r.Attributes = nil
	}
	if err := checkMedia("media", r.Media, MaxMedia); err != nil {
		return Report{}, err
	}
	r.Media = nonEmpty(r.Media)
	if r.Route != nil {
		rt := *r.Route
		rt.Assisting = nonEmpty(rt.Assisting)
		r.Route = &rt
	}
	if r.Reporter != nil {
		rp := *r.Reporter
		r.Reporter = &rp
	}
	if r.Location != nil {
		p := *r.Location
		r.Location = &p
	}
	return r, nil
}

func validUrgency(u catalog.Urgency) bool {
	for _, x := range catalog.Urgencies {
		if x == u {
			return true
		}
	}
	return false
}

func validChannel(ch Channel) bool {
	for _, x := range Channels {
		if x == ch {
			return true
		}
	}
	return false
}
