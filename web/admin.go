package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/calendar"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
	"civicgrid/store"
)

// Import caps for non-JSON bodies.
const (
	MaxGeoJSONBody  = 64 << 20
	MaxCalendarBody = 1 << 20
	MaxUnitsPerPut  = 5000 // about what fits in one JSON body
)

// rootAdmin requires the admin role over a root of the tree: the catalogue, the lists, the
// calendar and API keys are platform-wide, so a district's admin does not change them for a city.
func (s *Server) rootAdmin(r *http.Request) error {
	if s.app.IsRootAdmin(principalOf(r)) {
		return nil
	}
	return s.requireRole(r, "/", org.RoleAdmin)
}

func (s *Server) handleUnits(w http.ResponseWriter, r *http.Request) {
	tree := s.app.Config().Tree
	under := r.URL.Query().Get("under")
	var root string
	if under != "" {
		u, ok := tree.Unit(under)
		if !ok {
			s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "unit %s not found", under))
			return
		}
		root = u.Path
	}
	out := []*org.Unit{}
	for _, u := range tree.All() {
		if root == "" || org.Contains(root, u.Path) {
			out = append(out, u)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"units": out})
}

func (s *Server) handleUnit(w http.ResponseWriter, r *http.Request) {
	tree := s.app.Config().Tree
	u, ok := tree.Unit(r.PathValue("id"))
	if !ok {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "unit %s not found", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"unit": u, "children": nonNil(tree.Children(u.ID))})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type unitsRequest struct {
	Units []org.Unit `json:"units"`
}

func (s *Server) handlePutUnits(w http.ResponseWriter, r *http.Request) {
	var req unitsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Units) == 0 || len(req.Units) > MaxUnitsPerPut {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "send 1 to %d units", MaxUnitsPerPut).WithDetail("field", "units"))
		return
	}
	tree := s.app.Config().Tree
	for _, u := range req.Units {
		// An admin may change units inside their subtree; a new root needs a root admin.
		path := ""
		if p, ok := tree.Unit(u.Parent); ok {
			path = p.Path
		}
		var err error
		if path == "" {
			err = s.rootAdmin(r)
		} else {
			err = s.requireRole(r, path, org.RoleAdmin)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := s.app.PutUnits(r.Context(), req.Units); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"units": len(req.Units)})
}

func (s *Server) handleGridsExport(w http.ResponseWriter, r *http.Request) {
	shapes, err := s.app.DB.GridShapes(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tree := s.app.Config().Tree
	root := ""
	if under := r.URL.Query().Get("under"); under != "" {
		u, ok := tree.Unit(under)
		if !ok {
			s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "unit %s not found", under))
			return
		}
		root = u.Path
	}
	var fs []geo.Feature
	for _, u := range tree.All() {
		mp, ok := shapes[u.ID]
		if !ok || (root != "" && !org.Contains(root, u.Path)) {
			continue
		}
		fs = append(fs, geo.Feature{ID: u.ID, Name: u.Name, Properties: map[string]any{"community": u.Parent, "grid_type": u.GridType}, Geometry: mp})
	}
	b, err := geo.MarshalFeatureCollection(fs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Write(b)
}

func (s *Server) handleGridsImport(w http.ResponseWriter, r *http.Request) {
	if err := s.requireRole(r, "", org.RoleAdmin); err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := readLimited(w, r, MaxGeoJSONBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fs, err := geo.ParseFeatureCollection(body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	shapes := make(map[string]geo.MultiPolygon, len(fs))
	tree := s.app.Config().Tree
	for _, f := range fs {
		// An admin draws the grids of their own subtree; unknown grids are refused by the store.
		if u, ok := tree.Unit(f.ID); ok {
			if err := s.requireRole(r, u.Path, org.RoleAdmin); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		shapes[f.ID] = f.Geometry
	}
	if err := s.app.PutGridShapes(r.Context(), shapes); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"grids": len(fs)})
}

type locateResponse struct {
	Point     geo.Point `json:"point"` // WGS-84
	Grid      *org.Unit `json:"grid"`
	Community *org.Unit `json:"community,omitempty"`
	Street    *org.Unit `json:"street,omitempty"`
	District  *org.Unit `json:"district,omitempty"`
}

func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pt, err := geo.ParsePoint(q.Get("lat"), q.Get("lon"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	crs, err := geo.ParseCRS(q.Get("crs"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cfg := s.app.Config()
	pt = geo.ToWGS84(pt, crs)
	id, ok := cfg.Index.Locate(pt)
	if !ok {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "the point (lat %.6f, lon %.6f) lies outside every grid", pt.Lat, pt.Lon))
		return
	}
	out := locateResponse{Point: pt}
	out.Grid, _ = cfg.Tree.Unit(id)
	out.Community, _ = cfg.Tree.Ancestor(id, org.LevelCommunity)
	out.Street, _ = cfg.Tree.Ancestor(id, org.LevelStreet)
	out.District, _ = cfg.Tree.Ancestor(id, org.LevelDistrict)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleMatterTypes(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"matter_types": nonNil(s.app.Config().MatterList)})
}

func (s *Server) handleMatterType(w http.ResponseWriter, r *http.Request) {
	m, ok := s.app.Config().Matters[r.PathValue("code")]
	if !ok {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.ENOTFOUND, "matter type %s not found", r.PathValue("code")))
		return
	}
	writeJSON(w, http.StatusOK, m)
}

type matterTypesRequest struct {
	MatterTypes []catalog.MatterType `json:"matter_types"`
}

func (s *Server) handlePutMatterTypes(w http.ResponseWriter, r *http.Request) {
	var req matterTypesRequest
	if err := s.adminJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.MatterTypes) == 0 || len(req.MatterTypes) > 2000 {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "send 1 to 2000 matter types").WithDetail("field", "matter_types"))
		return
	}
	if err := s.app.PutMatterTypes(r.Context(), req.MatterTypes); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"matter_types": len(req.MatterTypes)})
}

// adminJSON checks the root admin role, then decodes the body.
func (s *Server) adminJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := s.rootAdmin(r); err != nil {
		return err
	}
	return decodeJSON(w, r, v)
}

func (s *Server) handleResponsibilities(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"entries": nonNil(s.app.Config().Responsibilities)})
}

// MaxListEntries caps a published list (responsibility or admission list) sent in one PUT.
const MaxListEntries = 20000

func (s *Server) handlePutResponsibilities(w http.ResponseWriter, r *http.Request) {
	putList(s, w, r, s.app.ReplaceResponsibilities)
}

func (s *Server) handleAdmissions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"entries": nonNil(s.app.Config().Admissions)})
}

func (s *Server) handlePutAdmissions(w http.ResponseWriter, r *http.Request) {
	putList(s, w, r, s.app.ReplaceAdmissions)
}

// putList replaces a whole published list: a platform administrator sends {"entries":[...]}, and
// the list is replaced as one document or not at all.
func putList[T any](s *Server, w http.ResponseWriter, r *http.Request, replace func(context.Context, []T) error) {
	var req struct {
		Entries []T `json:"entries"`
	}
	if err := s.adminJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Entries) > MaxListEntries {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "at most %d entries", MaxListEntries).WithDetail("field", "entries"))
		return
	}
	if err := replace(r.Context(), req.Entries); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"entries": len(req.Entries)})
}

type calendarResponse struct {
	Hours calendar.Hours `json:"hours"`
	Days  []calendar.Day `json:"days"`
}

func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	cal := s.app.Config().Calendar
	days := cal.Days()
	if y := r.URL.Query().Get("year"); y != "" {
		var kept []calendar.Day
		for _, d := range days {
			if strings.HasPrefix(d.Date, y+"-") {
				kept = append(kept, d)
			}
		}
		days = kept
	}
	writeJSON(w, http.StatusOK, calendarResponse{Hours: cal.Hours(), Days: nonNil(days)})
}

type hoursRequest struct {
	Hours calendar.Hours `json:"hours"`
}

func (s *Server) handlePutHours(w http.ResponseWriter, r *http.Request) {
	var req hoursRequest
	if err := s.adminJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.app.PutCalendarHours(r.Context(), req.Hours); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleImportDays imports holidays and make-up working days as CSV (date,kind,name) or as JSON
// {"days":[...]}.
func (s *Server) handleImportDays(w http.ResponseWriter, r *http.Request) {
	if err := s.rootAdmin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	var days []calendar.Day
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		body, err := readLimited(w, r, MaxCalendarBody)
		if err == nil {
			days, err = calendar.ParseCSV(bytes.NewReader(body))
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
	} else {
		var req struct {
			Days []calendar.Day `json:"days"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		days = req.Days
	}
	if len(days) == 0 || len(days) > 10000 {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "send 1 to 10000 days").WithDetail("field", "days"))
		return
	}
	if err := s.app.PutCalendarDays(r.Context(), days); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"days": len(days)})
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	if err := s.requireRole(r, "", org.RoleAdmin, org.RoleLeader, org.RoleAuditor); err != nil {
		s.writeError(w, r, err)
		return
	}
	seen := map[int64]bool{}
	users := []org.User{}
	for _, g := range principalOf(r).User.Grants {
		if g.Role != org.RoleAdmin && g.Role != org.RoleLeader && g.Role != org.RoleAuditor {
			continue
		}
		found, err := s.app.DB.Users(r.Context(), g.UnitPath, 1000)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, u := range found {
			if !seen[u.ID] {
				seen[u.ID] = true
				users = append(users, u)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var req app.NewUserInput
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.app.CreateUser(r.Context(), principalOf(r), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) handleAPIKeys(w http.ResponseWriter, r *http.Request) {
	if err := s.rootAdmin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	keys, err := s.app.DB.APIKeys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"api_keys": nonNil(keys)})
}

type createKeyRequest struct {
	Name string   `json:"name"`
	Unit string   `json:"unit"`
	Role org.Role `json:"role"`
}

type createKeyResponse struct {
	*store.APIKey
	Key string `json:"key"` // shown once
}

func (s *Server) handleCreateAPIKey(w http.ResponseWriter, r *http.Request) {
	var req createKeyRequest
	if err := s.adminJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	key := auth.NewToken(24)
	k, err := s.app.DB.CreateAPIKey(r.Context(), auth.TokenHash(key), req.Name, req.Unit, req.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createKeyResponse{APIKey: k, Key: key})
}

func (s *Server) handleRevokeAPIKey(w http.ResponseWriter, r *http.Request) {
	if err := s.rootAdmin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.DB.RevokeAPIKey(r.Context(), id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	if err := s.requireRole(r, "", org.RoleAuditor, org.RoleAdmin); err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, r, civicgrid.Errorf(civicgrid.EINVALID, "limit must be 1 to 1000").WithDetail("field", "limit"))
			return
		}
		limit = n
	}
	entries, err := s.app.DB.AuditLog(r.Context(), r.URL.Query().Get("kind"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": nonNil(entries)})
}
