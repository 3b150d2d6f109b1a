package app

import (
	"context"
	"math"
	"sort"
	"strings"

	"civicgrid"
	"civicgrid/auth"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
)

// ReportInput is a report as a channel delivers it.
type ReportInput struct {
	MatterCode  string             `json:"matter_code"`
	Urgency     catalog.Urgency    `json:"urgency,omitempty"`
	Title       string             `json:"title,omitempty"`
	Description string             `json:"description"`
	Address     string             `json:"address,omitempty"`
	Lat         *float64           `json:"lat,omitempty"`
	Lon         *float64           `json:"lon,omitempty"`
	CRS         geo.CRS            `json:"crs,omitempty"`
	Grid        string             `json:"grid,omitempty"` // when the reporter gives no point
	Channel     casework.Channel   `json:"channel,omitempty"`
	Reporter    *casework.Reporter `json:"reporter,omitempty"`
	Attributes  map[string]any     `json:"attributes,omitempty"`
	Media       []string           `json:"media,omitempty"`
}

// Report takes a report in: it locates it, routes it by the responsibility list, flags a likely
// duplicate, starts its clocks and stores it. idemKey makes a retried request return the first case
// (created=false).
func (a *App) Report(ctx context.Context, p Principal, in ReportInput, idemKey string) (*casework.Case, bool, error) {
	cfg := a.Config()
	mt, ok := cfg.Matters[in.MatterCode]
	if !ok || !mt.Active {
		return nil, false, civicgrid.Errorf(civicgrid.EINVALID, "matter type %q is not in the catalogue", in.MatterCode).WithDetail("field", "matter_code")
	}
	r := casework.Report{MatterCode: mt.Code, Urgency: in.Urgency, Channel: in.Channel, Title: in.Title, Description: in.Description,
		Address: in.Address, Reporter: in.Reporter, Attributes: in.Attributes, Media: in.Media}
	if r.Urgency == "" {
		r.Urgency = mt.DefaultUrgency
	}
	if err := checkAttributes(mt, in.Attributes); err != nil {
		return nil, false, err
	}
	actor, err := a.reportingActor(p, in)
	if err != nil {
		return nil, false, err
	}
	if r.Channel == "" {
		r.Channel = defaultChannel(p, actor)
	}
	if err := a.place(cfg, p, actor, in, &r); err != nil {
		return nil, false, err
	}
	if d, err := catalog.Route(mt, lastID(r.TerritoryPath), cfg.Responsibilities, cfg.Admissions, cfg.Tree); err == nil {
		r.Route = a.routeOf(cfg, d)
	}
	if r.Location != nil && mt.DuplicateRadiusM > 0 && mt.DuplicateWindow > 0 {
		if dup, err := a.findDuplicate(ctx, mt, *r.Location); err != nil {
			return nil, false, err
		} else {
			r.DuplicateOf = dup
		}
	}
	r.TrackingCode = auth.NewTrackingCode()
	env := a.env(cfg, mt, r.Urgency)
	if idemKey != "" {
		if err := checkIdempotencyKey(idemKey); err != nil {
			return nil, false, err
		}
		// Keys are the caller's own: the same key from another caller is another request.
		idemKey = p.Name() + "|" + idemKey
	}
	return a.DB.CreateCase(ctx, idemKey, r.TrackingCode, func(id int64) (casework.Event, error) {
		return casework.NewCase(id, r, actor, env)
	})
}

// lastID is the unit a path ends at.
func lastID(path string) string {
	ids := org.IDsOnPath(path)
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

// checkAttributes validates the extra fields a report carries against its matter type.
func checkAttributes(mt *catalog.MatterType, attrs map[string]any) error {
	if len(attrs) > 50 {
		return civicgrid.Errorf(civicgrid.EINVALID, "at most 50 attributes").WithDetail("field", "attributes")
	}
	fields := map[string]catalog.Field{}
	for _, f := range mt.Fields {
		fields[f.Code] = f
		if _, ok := attrs[f.Code]; f.Required && !ok {
			return civicgrid.Errorf(civicgrid.EINVALID, "matter type %s requires attribute %s (%s)", mt.Code, f.Code, f.NameZh).WithDetail("field", "attributes."+f.Code)
		}
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := fields[k]
		if !ok {
			return civicgrid.Errorf(civicgrid.EINVALID, "matter type %s has no attribute %q", mt.Code, k).WithDetail("field", "attributes."+k)
		}
		if err := checkAttribute(f, attrs[k]); err != nil {
			return err
		}
	}
	return nil
}

func checkAttribute(f catalog.Field, v any) error {
	bad := func(want string) error {
		return civicgrid.Errorf(civicgrid.EINVALID, "attribute %s must be %s", f.Code, want).WithDetail("field", "attributes."+f.Code)
	}
	allowed := func(s string) bool {
		for _, fv := range f.Values {
			if fv.Key == s {
				return true
			}
		}
		return false
	}
	switch f.Type {
	case catalog.FieldNumber:
		if n, ok := v.(float64); !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			return bad("a number")
		}
	case catalog.FieldSingleValueList:
		if s, ok := v.(string); !ok || !allowed(s) {
			return bad("one of its listed keys")
		}
	case catalog.FieldMultiValueList:
		list, ok := v.([]any)
		if !ok || len(list) == 0 || len(list) > len(f.Values) {
			return bad("a list of its listed keys")
		}
		for _, x := range list {
			if s, ok := x.(string); !ok || !allowed(s) {
				return bad("a list of its listed keys")
			}
		}
	default:
		s, ok := v.(string)
		if !ok || len([]rune(s)) > 1000 {
			return bad("text of at most 1000 characters")
		}
	}
	return nil
}

// reportingActor picks the role a principal reports in.
func (a *App) reportingActor(p Principal, in ReportInput) (org.Actor, error) {
	actors := p.Actors()
	if p.User != nil {
		// Report as the most hands-on role the user holds: a grid worker on patrol first.
		order := []org.Role{org.RoleGridWorker, org.RoleHandler, org.RoleIntake, org.RoleShiftLeader, org.RoleDispatcher, org.RoleLeader, org.RoleAdmin}
		for _, r := range order {
			for _, ac := range actors {
				if ac.Role == r {
					return ac, nil
				}
			}
		}
		return org.Actor{}, civicgrid.Errorf(civicgrid.EFORBIDDEN, "your roles do not include reporting cases")
	}
	return actors[0], nil
}

func defaultChannel(p Principal, actor org.Actor) casework.Channel {
	switch {
	case p.System:
		return casework.ChannelSensor
	case p.Key != nil && actor.Role == org.RoleResident:
		return casework.ChannelOpen311
	case p.Key != nil:
		return casework.ChannelImport
	case p.User == nil:
		return casework.ChannelPortal
	}
	switch actor.Role {
	case org.RoleGridWorker:
		return casework.ChannelPatrol
	case org.RoleHandler:
		return casework.ChannelCommunity
	}
	return casework.ChannelHotline
}

// place locates the report (point → grid → community → street → district) and sets its originator.
func (a *App) place(cfg *Config, p Principal, actor org.Actor, in ReportInput, r *casework.Report) error {
	var at *org.Unit
	switch {
	case in.Lat != nil || in.Lon != nil:
		if in.Lat == nil || in.Lon == nil {
			return civicgrid.Errorf(civicgrid.EINVALID, "a location needs both lat and lon").WithDetail("field", "lat")
		}
		crs := in.CRS
		if crs == "" {
			crs = geo.WGS84
		}
		if _, err := geo.ParseCRS(string(crs)); err != nil {
			return err
		}
		pt := geo.Point{Lon: *in.Lon, Lat: *in.Lat}
		if err := pt.Validate(); err != nil {
			return err
		}
		pt = geo.ToWGS84(pt, crs)
		id, ok := cfg.Index.Locate(pt)
		if !ok {
			return civicgrid.Errorf(civicgrid.EINVALID, "the point (lat %.6f, lon %.6f) lies outside every grid of this platform", pt.Lat, pt.Lon).WithDetail("field", "lat")
		}
		at, _ = cfg.Tree.Unit(id)
		r.Location = &pt
	case in.Grid != "":
		u, ok := cfg.Tree.Unit(in.Grid)
		if !ok || u.Kind == org.Department {
			return civicgrid.Errorf(civicgrid.EINVALID, "grid %q is not a known grid or jurisdiction", in.Grid).WithDetail("field", "grid")
		}
		at = u
	case actor.Unit != "":
		// No place given: the reporter's own unit (a grid worker's grid, an operator's territory).
		if u, ok := cfg.Tree.Unit(actor.Unit); ok && u.Kind != org.Department {
			at = u
		}
	}
	if at == nil {
		return civicgrid.Errorf(civicgrid.EINVALID, "the report needs a location: lat and lon, or a grid code").WithDetail("field", "lat")
	}
	if len(strings.TrimSpace(r.Address)) == 0 {
		r.Address = at.Name
	}
	set := func(lvl org.Level) string {
		if u, ok := cfg.Tree.Ancestor(at.ID, lvl); ok {
			return u.ID
		}
		return ""
	}
	r.Grid, r.Community, r.Street, r.District = set(org.LevelGrid), set(org.LevelCommunity), set(org.LevelStreet), set(org.LevelDistrict)
	r.TerritoryPath = at.Path
	// Staff and systems report only within their own territory.
	if scopes := p.Scopes(); scopes != nil && (p.User != nil || p.Key != nil) {
		inside := false
		for _, s := range territories(cfg, scopes) {
			if org.Contains(s, at.Path) || org.Contains(at.Path, s) {
				inside = true
			}
		}
		if !inside {
			return civicgrid.Errorf(civicgrid.EINVALID, "the location %s lies outside your jurisdiction", at.Name).WithDetail("field", "lat")
		}
	}
	orig := a.originator(cfg, actor, r)
	r.Originator, r.OriginatorPath = orig.ID, orig.Path
	return nil
}

// originator is the unit that raised the case and checks it (谁发单、谁验收): a grid worker's
// community, a staff member's own unit, else the dispatch centre of the district where it is.
func (a *App) originator(cfg *Config, actor org.Actor, r *casework.Report) *org.Unit {
	if actor.Unit != "" {
		if actor.Role == org.RoleGridWorker {
			if u, ok := cfg.Tree.Ancestor(actor.Unit, org.LevelCommunity); ok {
				return u
			}
		}
		if actor.Role != org.RoleResident && actor.Role != org.RoleSystem {
			if u, ok := cfg.Tree.Unit(actor.Unit); ok {
				return u
			}
		}
	}
	for _, id := range []string{r.District, r.Street, r.Community, r.Grid} {
		if u, ok := cfg.Tree.Unit(id); ok {
			return u
		}
	}
	u, _ := cfg.Tree.Unit(actor.Unit)
	return u
}

func (a *App) routeOf(cfg *Config, d catalog.Decision) *casework.Route {
	lead, ok := cfg.Tree.Unit(d.Lead)
	if !ok {
		return nil
	}
	return &casework.Route{Lead: lead.ID, LeadPath: lead.Path, Assisting: d.Assisting, Mode: d.Mode, Reason: d.Reason}
}

// findDuplicate returns the earliest open case of the same matter type within the type's radius
// and time window, or 0.
func (a *App) findDuplicate(ctx context.Context, mt *catalog.MatterType, pt geo.Point) (int64, error) {
	dLat := mt.DuplicateRadiusM / 111320
	dLon := mt.DuplicateRadiusM / (111320 * math.Max(0.01, math.Cos(pt.Lat*math.Pi/180)))
	bbox := [4]float64{pt.Lon - dLon, pt.Lat - dLat, pt.Lon + dLon, pt.Lat + dLat}
	cands, err := a.DB.OpenCasesNear(ctx, mt.Code, a.Clock.Now().Add(-mt.DuplicateWindow), bbox, 50)
	if err != nil {
		return 0, err
	}
	for _, c := range cands {
		if geo.DistanceMeters(pt, geo.Point{Lon: c.Lon, Lat: c.Lat}) <= mt.DuplicateRadiusM {
			return c.ID, nil
		}
	}
	return 0, nil
}

func (a *App) env(cfg *Config, mt *catalog.MatterType, u catalog.Urgency) casework.Env {
	return casework.Env{Now: a.Clock.Now(), Calendar: cfg.Calendar, Limits: mt.Deadlines[u], WarnPercent: mt.WarnPercent,
		RatingWindow: a.RatingWindow, UnitPath: func(id string) (string, bool) {
			if u, ok := cfg.Tree.Unit(id); ok {
				return u.Path, true
			}
			return "", false
		}}
}

// checkIdempotencyKey accepts 1–200 visible ASCII characters, as clients send in an
// Idempotency-Key header.
func checkIdempotencyKey(k string) error {
	if len(k) > 200 {
		return civicgrid.Errorf(civicgrid.EINVALID, "idempotency key is longer than 200 characters").WithDetail("field", "Idempotency-Key")
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return civicgrid.Errorf(civicgrid.EINVALID, "idempotency key may hold only visible ASCII characters").WithDetail("field", "Idempotency-Key")
		}
	}
	return nil
}

// territories turns scopes into places on the map: a department reaches the territory it serves,
// not its own node in the tree.
func territories(cfg *Config, scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		u, ok := cfg.Tree.Unit(lastID(s))
		if ok && u.Kind == org.Department {
			if t, ok := cfg.Tree.Unit(u.Territory); ok {
				out = append(out, t.Path)
				continue
			}
		}
		out = append(out, s)
	}
	return out
}
