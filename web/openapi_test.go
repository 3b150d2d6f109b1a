package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
	"civicgrid/web"
)

// routeFiles are the files that register the REST API's routes.
var routeFiles = []string{"server.go", "assess.go"}

// routeSource is the source of the route files.
func routeSource(t *testing.T) string {
	t.Helper()
	var src []byte
	for _, name := range routeFiles {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	return string(src)
}

// routesOfServer reads the routes registered in the route files: every m.HandleFunc("METHOD /path", ...).
func routesOfServer(t *testing.T) []string {
	t.Helper()
	src := routeSource(t)
	re := regexp.MustCompile(`m\.HandleFunc\("([A-Z]+) (/[^"]*)"`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	if len(out) < 30 {
		t.Fatalf("found only %d routes in the route files; has the way routes are registered changed?", len(out))
	}
	sort.Strings(out)
	return out
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// operationsOfDoc lists "METHOD /path" for every operation of the document.
func operationsOfDoc(d *apiDoc) []string {
	paths, _ := d.root["paths"].(map[string]any)
	var out []string
	for p, item := range paths {
		m, _ := item.(map[string]any)
		for _, method := range httpMethods {
			if _, ok := m[method]; ok {
				out = append(out, strings.ToUpper(method)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// authOfRoutes tells, per route of the route files, how its handler is wrapped: "staff" (a
// session), "caller" (a session or an API key) or "" (open).
func authOfRoutes(t *testing.T) map[string]string {
	t.Helper()
	src := routeSource(t)
	re := regexp.MustCompile(`m\.HandleFunc\("([A-Z]+) (/[^"]*)", s\.(staff|caller)?`)
	out := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		out[m[1]+" "+m[2]] = m[3]
	}
	return out
}

func TestOpenAPIDocumentCoversEveryRoute(t *testing.T) {
	var top map[string]any
	if err := json.Unmarshal(web.OpenAPIDocument(), &top); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if top["openapi"] != "3.1.0" {
		t.Fatalf("openapi is %v, want 3.1.0", top["openapi"])
	}
	if top["jsonSchemaDialect"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("jsonSchemaDialect is %v", top["jsonSchemaDialect"])
	}
	d := openAPI(t)
	routes, ops := routesOfServer(t), operationsOfDoc(d)
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			t.Errorf("route %s of the route files has no operation in the document", r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("operation %s of the document is not a route of the route files", o)
		}
	}
	// The security the document states is the wrapper the handler has.
	want := map[string][]string{"": nil, "staff": {"bearerAuth", "sessionCookie"}, "caller": {"apiKey", "bearerAuth", "sessionCookie"}}
	for route, wrap := range authOfRoutes(t) {
		method, path, _ := strings.Cut(route, " ")
		op, _, err := d.operation(method, path)
		if err != nil {
			continue // reported above
		}
		var got []string
		sec, ok := op["security"].([]any)
		if !ok {
			t.Errorf("%s states no security", route)
			continue
		}
		for _, req := range sec {
			for name := range req.(map[string]any) {
				got = append(got, name)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, want[wrap]) {
			t.Errorf("%s: the document allows %v, the handler (%q) %v", route, got, wrap, want[wrap])
		}
		_, has401 := op["responses"].(map[string]any)["401"]
		if has401 != (wrap != "") && route != "POST /api/v1/login" {
			t.Errorf("%s: 401 documented %v, but the handler is %q", route, has401, wrap)
		}
	}
}

// TestOpenAPIDocumentIsWellFormed checks what the OpenAPI specification requires of operations and
// what this API promises of all of them, and compiles every schema in the document.
func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	d := openAPI(t)
	for _, k := range []string{"info", "paths", "components"} {
		if _, ok := d.root[k]; !ok {
			t.Errorf("document has no %s", k)
		}
	}
	schemes, _ := d.lookup("/components/securitySchemes")
	for _, name := range []string{"bearerAuth", "apiKey"} {
		if _, ok := schemes.(map[string]any)[name]; !ok {
			t.Errorf("security scheme %s is missing", name)
		}
	}
	if v, _ := d.lookup("/components/securitySchemes/apiKey/name"); v != "X-API-Key" {
		t.Errorf("apiKey scheme names header %v", v)
	}
	allowed := map[string]bool{"200": true, "201": true, "204": true, "400": true, "401": true, "403": true, "404": true,
		"409": true, "413": true, "429": true, "500": true, "503": true}
	ids := map[string]string{}
	for _, o := range operationsOfDoc(d) {
		method, path, _ := strings.Cut(o, " ")
		op, ptr, err := d.operation(method, path)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", o)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("operationId %s is used by %s and %s", id, prev, o)
		}
		ids[id] = o
		for _, k := range []string{"summary", "description"} {
			if s, _ := op[k].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s has no %s", o, k)
			}
		}
		if _, ok := op["security"]; !ok {
			t.Errorf("%s does not say how it is authenticated (security)", o)
		}
		statuses := d.documentedStatuses(op)
		if len(statuses) == 0 {
			t.Errorf("%s documents no response", o)
		}
		success := false
		for _, st := range statuses {
			if !allowed[st] {
				t.Errorf("%s documents status %s, which this API never sends", o, st)
			}
			if st[0] == '2' {
				success = true
			}
			resp, respPtr, err := d.deref(ptr + pointer("responses", st))
			if err != nil {
				t.Errorf("%s %s: %v", o, st, err)
				continue
			}
			if s, _ := resp["description"].(string); s == "" {
				t.Errorf("%s %s has no description", o, st)
			}
			content, _ := resp["content"].(map[string]any)
			if st == "204" && len(content) != 0 {
				t.Errorf("%s 204 documents a body", o)
			}
			if st != "204" && len(content) == 0 {
				t.Errorf("%s %s documents no body", o, st)
			}
			if st[0] >= '4' {
				if _, ok := content["application/json"]; !ok {
					t.Errorf("%s %s: errors are JSON", o, st)
				}
			}
			for mt := range content {
				if _, err := d.schemaAt(respPtr + pointer("content", mt, "schema")); err != nil {
					t.Errorf("%s %s %s: %v", o, st, mt, err)
				}
			}
		}
		if !success {
			t.Errorf("%s documents no success status", o)
		}
		if _, ok := op["responses"].(map[string]any)["500"]; !ok {
			t.Errorf("%s does not document 500", o)
		}
		// Path parameters: declared exactly for the template's names, required, with a schema.
		checkParameters(t, d, o, path, ptr, op)
		if _, ok := op["requestBody"]; ok {
			rb, rbPtr, err := d.deref(ptr + "/requestBody")
			if err != nil {
				t.Errorf("%s request body: %v", o, err)
				continue
			}
			content, _ := rb["content"].(map[string]any)
			if len(content) == 0 {
				t.Errorf("%s request body has no content", o)
			}
			for mt := range content {
				if _, err := d.schemaAt(rbPtr + pointer("content", mt, "schema")); err != nil {
					t.Errorf("%s request %s: %v", o, mt, err)
				}
			}
		}
	}
	// Every named schema compiles (which checks it against the 2020-12 meta-schema), and every
	// reference anywhere in the document leads somewhere.
	schemas, _ := d.lookup("/components/schemas")
	for name := range schemas.(map[string]any) {
		if _, err := d.schemaAt(pointer("components", "schemas", name)); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				if !strings.HasPrefix(r, "#/") {
					t.Errorf("%s: reference %q is not local", ptr, r)
				} else if _, ok := d.lookup(r[1:]); !ok {
					t.Errorf("%s: reference %q leads nowhere", ptr, r)
				}
			}
			for k, e := range x {
				walk(ptr+pointer(k), e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s/%d", ptr, i), e)
			}
		}
	}
	walk("", d.root)
}

// enumAt returns the enum at a pointer of the document.
func enumAt(t *testing.T, d *apiDoc, ptr string) []string {
	t.Helper()
	v, ok := d.lookup(ptr)
	if !ok {
		t.Fatalf("no enum at %s", ptr)
	}
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s: the document lists %v, the code %v", what, g, w)
	}
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestOpenAPIEnumsMatchTheCode keeps the document's enums in step with the domain packages.
func TestOpenAPIEnumsMatchTheCode(t *testing.T) {
	d := openAPI(t)
	states := strs(casework.States)
	sameSet(t, "case states", enumAt(t, d, "/components/schemas/CaseFields/properties/state/enum"), states)
	sameSet(t, "event target states", enumAt(t, d, "/components/schemas/Event/properties/to/enum"), states)
	sameSet(t, "event actions", enumAt(t, d, "/components/schemas/Event/properties/action/enum"), strs(casework.Actions))
	var person []string
	for _, tr := range casework.Table() {
		a := tr.Action
		if a == casework.ActReport || slices.Contains(casework.SystemActions, a) || slices.Contains(person, string(a)) {
			continue
		}
		if slices.Contains(tr.Roles, org.RoleSystem) && len(tr.Roles) == 1 {
			t.Errorf("action %s is for the system only but is not among casework.SystemActions", a)
		}
		person = append(person, string(a))
	}
	sameSet(t, "person actions", enumAt(t, d, "/components/schemas/PersonAction/enum"), person)
	sameSet(t, "staff roles", enumAt(t, d, "/components/schemas/Grant/properties/role/enum"), strs(org.StaffRoles))
	sameSet(t, "actor roles", enumAt(t, d, "/components/schemas/Actor/properties/role/enum"),
		append(strs(org.StaffRoles), string(org.RoleResident), string(org.RoleSystem)))
	sameSet(t, "stages", enumAt(t, d, "/components/schemas/Clock/properties/stage/enum"), strs(catalog.Stages))
	sameSet(t, "urgencies", enumAt(t, d, "/components/schemas/CaseFields/properties/urgency/enum"), strs(catalog.Urgencies))
	sameSet(t, "reject codes", enumAt(t, d, "/components/schemas/CaseFields/properties/reject_code/enum"), casework.RejectCodes)
	sameSet(t, "reason codes", enumAt(t, d, "/components/schemas/ActionInput/properties/reason_code/enum"),
		append(slices.Clone(casework.RejectCodes), casework.ReturnCodes...))
	codes := []string{civicgrid.EINVALID, civicgrid.ENOTFOUND, civicgrid.ECONFLICT, civicgrid.EFORBIDDEN, civicgrid.EUNAUTHORIZED,
		civicgrid.ETOOLARGE, civicgrid.ERATELIMIT, civicgrid.EINTERNAL, civicgrid.EUNAVAILABLE}
	sameSet(t, "error codes", enumAt(t, d, "/components/schemas/Error/properties/error/properties/code/enum"), codes)
	// Each error response of the document pins the code that web.HTTPStatus maps to its status.
	for name, status := range map[string]int{"BadRequest": 400, "Unauthorized": 401, "Forbidden": 403, "NotFound": 404,
		"Conflict": 409, "TooLarge": 413, "Internal": 500, "Unavailable": 503} {
		v, ok := d.lookup(pointer("components", "responses", name, "content", "application/json", "schema", "allOf") + "/1/properties/error/properties/code/const")
		if !ok {
			t.Errorf("response %s pins no error code", name)
			continue
		}
		if got := web.HTTPStatus(civicgrid.Errorf(v.(string), "x")); got != status {
			t.Errorf("response %s pins code %v, which the server sends with %d", name, v, got)
		}
	}
}

// TestOpenAPIValidatorRejects makes sure the validation helper has teeth: bodies that break the
// document, and statuses it does not list, fail.
func TestOpenAPIValidatorRejects(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string
		status int
		body   string
	}{
		{"undocumented status", "GET", "/api/v1/me", http.StatusConflict, `{"error":{"code":"conflict","message":"x","details":{}}}`},
		{"wrong error code for the status", "GET", "/api/v1/cases/{id}", http.StatusNotFound, `{"error":{"code":"invalid","message":"x","details":{}}}`},
		{"error without details", "GET", "/api/v1/me", http.StatusUnauthorized, `{"error":{"code":"unauthorized","message":"x"}}`},
		{"missing required field", "GET", "/api/v1/me", http.StatusOK, `{"id":1,"login":"a.b","name":"A"}`},
		{"unknown field", "GET", "/api/v1/me", http.StatusOK, `{"id":1,"login":"a.b","name":"A","grants":[],"password":"x"}`},
		{"bad enum", "GET", "/api/v1/me", http.StatusOK, `{"id":1,"login":"a.b","name":"A","grants":[{"role":"king","unit":"1","unit_path":"/1/"}]}`},
		{"timeline in a list", "GET", "/api/v1/cases", http.StatusOK, `{"cases":[` + sampleCase(`,"timeline":[]`) + `]}`},
		{"case without timeline", "GET", "/api/v1/cases/{id}", http.StatusOK, sampleCase("")},
		{"bad time", "GET", "/api/v1/cases", http.StatusOK, `{"cases":[` + strings.Replace(sampleCase(""), "2026-03-02T01:00:00Z", "yesterday", 1) + `]}`},
		{"body on 204", "POST", "/api/v1/logout", http.StatusNoContent, `{}`},
		{"not JSON", "GET", "/healthz", http.StatusOK, `ok`},
	}
	for _, c := range cases {
		rec := &recorder{}
		validateResponse(rec, c.method, c.path, c.status, []byte(c.body))
		if !rec.failed {
			t.Errorf("%s: %s %s %d passed validation: %s", c.name, c.method, c.path, c.status, c.body)
		}
	}
	requests := []struct{ method, path, body string }{
		{"POST", "/api/v1/cases", `{"matter_code":"E0502","description":"x","colour":"red"}`},
		{"POST", "/api/v1/cases", `{"description":"x"}`},
		{"POST", "/api/v1/cases/{id}/{action}", `{"rating":"great"}`},
		{"POST", "/api/v1/cases/{id}/{action}", `{"extension":{"amount":0,"unit":"working_days"}}`},
		{"PUT", "/api/v1/calendar/hours", `{"hours":[null,null,null,null,null,null]}`},
		{"POST", "/api/v1/users", `{"login":"x.y","name":"X","password":"long-enough","grants":[{"role":"king","unit":"1"}]}`},
	}
	for _, c := range requests {
		rec := &recorder{}
		validateRequest(rec, c.method, c.path, []byte(c.body))
		if !rec.failed {
			t.Errorf("request %s %s passed validation: %s", c.method, c.path, c.body)
		}
	}
	// And a good body passes.
	rec := &recorder{}
	validateResponse(rec, "GET", "/api/v1/cases", http.StatusOK, []byte(`{"cases":[`+sampleCase("")+`],"next_cursor":"MQ"}`))
	if rec.failed {
		t.Errorf("a valid case list failed validation: %s", rec.msg)
	}
}

func sampleCase(extra string) string {
	return `{"id":1,"tracking_code":"ABCDEFGH23","state":"reported","matter_code":"E0502","urgency":"normal","channel":"patrol",` +
		`"title":"","description":"d","territory_path":"/1/","originator":"1","originator_path":"/1/","return_count":0,` +
		`"rework_count":0,"extension_count":0,"supervision_count":0,"light":"green","stage_light":"green","whole_light":"green",` +
		`"reported_at":"2026-03-02T01:00:00Z","updated_at":"2026-03-02T01:00:00Z","seq":1,` +
		`"last_hash":"` + strings.Repeat("a", 64) + `","actions":["file"]` + extra + `}`
}

// recorder is a testing.TB that records failures instead of failing, for testing the validator.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg += fmt.Sprintf(format, args...) + "\n"
}
func (r *recorder) Error(args ...any) { r.failed = true; r.msg += fmt.Sprintln(args...) }
func (r *recorder) Fatalf(format string, args ...any) {
	panic("validator fatal: " + fmt.Sprintf(format, args...))
}

// TestOpenAPIConformanceAdmin runs the staff, organisation, catalogue, calendar and account
// operations on both databases and validates every answer against the document.
func TestOpenAPIConformanceAdmin(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.must(200, f.call("GET", "/healthz", "/healthz", "", nil))
		f.must(200, f.call("GET", "/readyz", "/readyz", "", nil))
		r := f.must(200, f.call("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", "", nil))
		if !bytes.Equal(r.Body, web.OpenAPIDocument()) {
			t.Error("the served document differs from openapi.json")
		}

		r = f.must(200, f.call("POST", "/api/v1/login", "/api/v1/login", "", map[string]string{"login": "city.admin", "password": demoPassword}))
		admin := r.json(t)["token"].(string)
		f.must(401, f.call("POST", "/api/v1/login", "/api/v1/login", "", map[string]string{"login": "city.admin", "password": "wrong-password"}))
		r = f.must(200, f.call("GET", "/api/v1/me", "/api/v1/me", admin, nil))
		if r.json(t)["login"] != "city.admin" {
			t.Errorf("me: %s", r.Body)
		}

		// Organisation.
		r = f.must(200, f.call("GET", "/api/v1/units", "/api/v1/units", admin, nil))
		if n := len(r.json(t)["units"].([]any)); n < 50 {
			t.Errorf("only %d units in the demo district", n)
		}
		r = f.must(200, f.call("GET", "/api/v1/units", "/api/v1/units?under="+youyiC1, admin, nil))
		for _, u := range r.json(t)["units"].([]any) {
			if !strings.Contains(u.(map[string]any)["path"].(string), "/"+youyiC1+"/") {
				t.Errorf("units under %s include %v", youyiC1, u)
			}
		}
		f.must(404, f.call("GET", "/api/v1/units", "/api/v1/units?under=999999999999", admin, nil))
		r = f.must(200, f.call("GET", "/api/v1/units/{id}", "/api/v1/units/"+youyiC1, admin, nil))
		community := r.json(t)["unit"].(map[string]any)
		if !strings.Contains(string(r.Body), `"id":"`+youyiGrid1+`"`) {
			t.Errorf("children of %s lack %s", youyiC1, youyiGrid1)
		}
		f.must(404, f.call("GET", "/api/v1/units/{id}", "/api/v1/units/999999999999", admin, nil))
		lat, lon := gridPoint(t, youyiGrid1)
		loc := fmt.Sprintf("/api/v1/locate?lat=%v&lon=%v", lat, lon)
		r = f.must(200, f.call("GET", "/api/v1/locate", loc, admin, nil))
		if g := r.json(t)["grid"].(map[string]any)["id"]; g != youyiGrid1 {
			t.Errorf("located in %v, want %s", g, youyiGrid1)
		}
		gcj := geo.FromWGS84(geo.Point{Lat: lat, Lon: lon}, geo.GCJ02)
		r = f.must(200, f.call("GET", "/api/v1/locate", fmt.Sprintf("/api/v1/locate?lat=%v&lon=%v&crs=gcj02", gcj.Lat, gcj.Lon), admin, nil))
		if g := r.json(t)["grid"].(map[string]any)["id"]; g != youyiGrid1 {
			t.Errorf("GCJ-02 point located in %v, want %s", g, youyiGrid1)
		}
		f.must(404, f.call("GET", "/api/v1/locate", "/api/v1/locate?lat=0&lon=0", admin, nil))
		f.must(400, f.call("GET", "/api/v1/locate", "/api/v1/locate?lon=121.4", admin, nil))
		f.must(400, f.call("GET", "/api/v1/locate", loc+"&crs=mars", admin, nil))
		// A round trip: the unit as read is accepted back.
		f.must(200, f.call("PUT", "/api/v1/units", "/api/v1/units", admin, map[string]any{"units": []any{community}}))
		f.must(400, f.call("PUT", "/api/v1/units", "/api/v1/units", admin, map[string]any{"units": []any{}}))
		// Grid boundaries: export one community's grids and import them again.
		r = f.must(200, f.call("GET", "/api/v1/grids.geojson", "/api/v1/grids.geojson?under="+youyiC1, admin, nil))
		if n := len(r.json(t)["features"].([]any)); n == 0 {
			t.Errorf("no grid features under %s", youyiC1)
		}
		f.must(200, f.call("PUT", "/api/v1/grids.geojson", "/api/v1/grids.geojson", admin, r.Body))
		validateRequestAs(t, "PUT", "/api/v1/grids.geojson", "application/geo+json", r.Body)
		f.must(404, f.call("GET", "/api/v1/grids.geojson", "/api/v1/grids.geojson?under=999999999999", admin, nil))
		f.must(400, f.call("PUT", "/api/v1/grids.geojson", "/api/v1/grids.geojson", admin, []byte(`{"type":"FeatureCollection"`)))

		// Catalogue.
		r = f.must(200, f.call("GET", "/api/v1/matter-types", "/api/v1/matter-types", admin, nil))
		if n := len(r.json(t)["matter_types"].([]any)); n < 10 {
			t.Errorf("only %d matter types", n)
		}
		r = f.must(200, f.call("GET", "/api/v1/matter-types/{code}", "/api/v1/matter-types/E0502", admin, nil))
		mt := r.json(t)
		f.must(404, f.call("GET", "/api/v1/matter-types/{code}", "/api/v1/matter-types/E9999", admin, nil))
		f.must(200, f.call("PUT", "/api/v1/matter-types", "/api/v1/matter-types", admin, map[string]any{"matter_types": []any{mt}}))
		r = f.must(200, f.call("GET", "/api/v1/responsibility-list", "/api/v1/responsibility-list", admin, nil))
		entries := r.json(t)["entries"]
		f.must(200, f.call("PUT", "/api/v1/responsibility-list", "/api/v1/responsibility-list", admin, map[string]any{"entries": entries}))
		r = f.must(200, f.call("GET", "/api/v1/admission-list", "/api/v1/admission-list", admin, nil))
		entries = r.json(t)["entries"]
		f.must(200, f.call("PUT", "/api/v1/admission-list", "/api/v1/admission-list", admin, map[string]any{"entries": entries}))

		// Calendar.
		r = f.must(200, f.call("GET", "/api/v1/calendar", "/api/v1/calendar", admin, nil))
		hours := r.json(t)["hours"]
		r = f.must(200, f.call("GET", "/api/v1/calendar", "/api/v1/calendar?year=2026", admin, nil))
		for _, dd := range r.json(t)["days"].([]any) {
			if !strings.HasPrefix(dd.(map[string]any)["date"].(string), "2026-") {
				t.Errorf("days of 2026 include %v", dd)
			}
		}
		f.must(204, f.call("PUT", "/api/v1/calendar/hours", "/api/v1/calendar/hours", admin, map[string]any{"hours": hours}))
		f.must(400, f.call("PUT", "/api/v1/calendar/hours", "/api/v1/calendar/hours", admin, map[string]any{"hours": [7][]any{}}))
		f.must(200, f.call("POST", "/api/v1/calendar/days", "/api/v1/calendar/days", admin,
			map[string]any{"days": []any{map[string]string{"date": "2099-05-04", "kind": "off", "name": "测试假日"}}}))
		r = f.do("POST", "/api/v1/calendar/days", admin, []byte("date,kind,name\n2099-05-05,work,\n"), "Content-Type", "text/csv")
		checkResponse(t, "POST", "/api/v1/calendar/days", f.must(200, r))
		validateRequestAs(t, "POST", "/api/v1/calendar/days", "text/csv", nil)
		r = f.do("POST", "/api/v1/calendar/days", admin, []byte("2099-13-01,off,x\n"), "Content-Type", "text/csv")
		checkResponse(t, "POST", "/api/v1/calendar/days", f.must(400, r))

		// Accounts.
		r = f.must(200, f.call("GET", "/api/v1/users", "/api/v1/users", admin, nil))
		if n := len(r.json(t)["users"].([]any)); n < 10 {
			t.Errorf("only %d users", n)
		}
		newUser := map[string]any{"login": "openapi.tester", "name": "测试员", "password": "first-password-1",
			"worker_type": "综合", "grants": []any{map[string]string{"role": "grid_worker", "unit": youyiGrid1}}}
		f.must(201, f.call("POST", "/api/v1/users", "/api/v1/users", admin, newUser))
		f.must(409, f.call("POST", "/api/v1/users", "/api/v1/users", admin, newUser))
		r = f.must(201, f.call("POST", "/api/v1/api-keys", "/api/v1/api-keys", admin, map[string]string{"name": "部门系统", "unit": youyiStreet, "role": "handler"}))
		keyID := fmt.Sprint(int64(r.json(t)["id"].(float64)))
		f.must(400, f.call("POST", "/api/v1/api-keys", "/api/v1/api-keys", admin, map[string]string{"name": "x", "unit": youyiStreet, "role": "king"}))
		r = f.must(200, f.call("GET", "/api/v1/api-keys", "/api/v1/api-keys", admin, nil))
		if !strings.Contains(string(r.Body), "部门系统") {
			t.Errorf("new key not listed: %s", r.Body)
		}
		f.must(204, f.call("DELETE", "/api/v1/api-keys/{id}", "/api/v1/api-keys/"+keyID, admin, nil))
		f.must(404, f.call("DELETE", "/api/v1/api-keys/{id}", "/api/v1/api-keys/"+keyID, admin, nil))
		f.must(404, f.call("DELETE", "/api/v1/api-keys/{id}", "/api/v1/api-keys/abc", admin, nil))

		// Refusals of a staff user without the role, then the audit log that records them.
		worker := f.login("youyi.c1.worker1")
		f.must(403, f.call("GET", "/api/v1/users", "/api/v1/users", worker, nil))
		f.must(403, f.call("GET", "/api/v1/api-keys", "/api/v1/api-keys", worker, nil))
		f.must(403, f.call("POST", "/api/v1/api-keys", "/api/v1/api-keys", worker, map[string]string{"name": "x", "unit": youyiStreet, "role": "resident"}))
		f.must(403, f.call("DELETE", "/api/v1/api-keys/{id}", "/api/v1/api-keys/1", worker, nil))
		f.must(403, f.call("PUT", "/api/v1/units", "/api/v1/units", worker, map[string]any{"units": []any{community}}))
		f.must(403, f.call("PUT", "/api/v1/matter-types", "/api/v1/matter-types", worker, map[string]any{"matter_types": []any{mt}}))
		f.must(403, f.call("PUT", "/api/v1/responsibility-list", "/api/v1/responsibility-list", worker, map[string]any{"entries": []any{}}))
		f.must(403, f.call("PUT", "/api/v1/admission-list", "/api/v1/admission-list", worker, map[string]any{"entries": []any{}}))
		f.must(403, f.call("PUT", "/api/v1/calendar/hours", "/api/v1/calendar/hours", worker, map[string]any{"hours": hours}))
		f.must(403, f.call("POST", "/api/v1/calendar/days", "/api/v1/calendar/days", worker, map[string]any{"days": []any{}}))
		f.must(403, f.call("PUT", "/api/v1/grids.geojson", "/api/v1/grids.geojson", worker, []byte(`{}`)))
		f.must(403, f.call("POST", "/api/v1/users", "/api/v1/users", worker, map[string]any{"login": "x.y", "name": "X", "password": "long-enough-1",
			"grants": []any{map[string]string{"role": "admin", "unit": youyiStreet}}}))
		f.must(403, f.call("GET", "/api/v1/audit", "/api/v1/audit", worker, nil))
		r = f.must(200, f.call("GET", "/api/v1/audit", "/api/v1/audit?kind=denied&limit=5", f.login("district.auditor"), nil))
		if n := len(r.json(t)["entries"].([]any)); n != 5 {
			t.Errorf("audit log holds %d of 5 denials asked for", n)
		}
		f.must(200, f.call("GET", "/api/v1/audit", "/api/v1/audit", admin, nil))

		// Password change and logout, on the new account.
		tester := f.must(200, f.call("POST", "/api/v1/login", "/api/v1/login", "", map[string]string{"login": "openapi.tester", "password": "first-password-1"})).json(t)["token"].(string)
		f.must(400, f.call("POST", "/api/v1/me/password", "/api/v1/me/password", tester, map[string]string{"current": "wrong-password", "new": "second-password-2"}))
		f.must(400, f.call("POST", "/api/v1/me/password", "/api/v1/me/password", tester, map[string]string{"current": "first-password-1", "new": "short"}))
		f.must(204, f.call("POST", "/api/v1/me/password", "/api/v1/me/password", tester, map[string]string{"current": "first-password-1", "new": "second-password-2"}))
		f.must(401, f.call("GET", "/api/v1/me", "/api/v1/me", tester, nil))
		tester = f.must(200, f.call("POST", "/api/v1/login", "/api/v1/login", "", map[string]string{"login": "openapi.tester", "password": "second-password-2"})).json(t)["token"].(string)
		f.must(204, f.call("POST", "/api/v1/logout", "/api/v1/logout", tester, nil))
		f.must(401, f.call("POST", "/api/v1/logout", "/api/v1/logout", tester, nil))
	})
}

// TestOpenAPIConformanceCases reports and moves cases through the loop, and provokes the error
// answers of the case operations, validating every answer against the document.
func TestOpenAPIConformanceCases(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		lat, lon := gridPoint(t, youyiGrid1)
		intake, dispatcher := f.login("district.intake"), f.login("district.dispatcher")
		handler, worker := f.login("chengguan.youyi.handler"), f.login("youyi.c1.worker1")
		const cases, oneCase, action = "/api/v1/cases", "/api/v1/cases/{id}", "/api/v1/cases/{id}/{action}"
		report := map[string]any{"matter_code": "E0502", "description": "路口有人占道摆摊", "lat": lat, "lon": lon,
			"title": "占道经营", "urgency": "urgent", "reporter": map[string]any{"name": "张女士", "phone": "13900001111"}}

		// Report through an API key, twice with one Idempotency-Key.
		r := f.must(201, f.call("POST", cases, cases, "", report, "X-API-Key", demoKey, "Idempotency-Key", "k-1"))
		first := caseID(t, r)
		if loc := r.Header.Get("Location"); loc != "/api/v1/cases/"+first {
			t.Errorf("Location %q", loc)
		}
		r = f.must(200, f.call("POST", cases, cases, "", report, "X-API-Key", demoKey, "Idempotency-Key", "k-1"))
		if caseID(t, r) != first {
			t.Errorf("the retried report made case %s, not %s", caseID(t, r), first)
		}
		// Report as a grid worker on patrol, with no point (the worker's own unit), then by grid code.
		second := caseID(t, f.must(201, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "E0502", "description": "占道经营"})))
		third := caseID(t, f.must(201, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "E0502", "description": "又见占道",
			"grid": youyiGrid1, "address": "友谊路1号", "media": []string{"m-1"}})))

		// Lists: pages by cursor, filters.
		r = f.must(200, f.call("GET", cases, cases+"?limit=1", intake, nil))
		page := r.json(t)
		cursor, _ := page["next_cursor"].(string)
		if cursor == "" || len(page["cases"].([]any)) != 1 {
			t.Fatalf("first page of one: %s", r.Body)
		}
		r = f.must(200, f.call("GET", cases, cases+"?limit=1&cursor="+cursor, intake, nil))
		if got := fmt.Sprint(int64(r.json(t)["cases"].([]any)[0].(map[string]any)["id"].(float64))); got != second {
			t.Errorf("second page holds case %s, want %s", got, second)
		}
		q := url.Values{"state": {"reported,filed"}, "matter_code": {"E0502"}, "channel": {"patrol"}, "within": {youyiStreet},
			"light": {"green"}, "overdue": {"false"}, "reported_from": {"2026-03-01T00:00:00+08:00"},
			"reported_to": {"2026-03-03T00:00:00+08:00"}, "updated_after": {"2026-03-01T00:00:00Z"}, "limit": {"200"}}
		r = f.must(200, f.call("GET", cases, cases+"?"+q.Encode(), intake, nil))
		if n := len(r.json(t)["cases"].([]any)); n != 2 {
			t.Errorf("the patrol reports filter found %d cases, want 2: %s", n, r.Body)
		}
		f.must(200, f.call("GET", cases, cases, "", nil, "X-API-Key", demoKey))

		// One case: staff see the reporter, an API key does not.
		r = f.must(200, f.call("GET", oneCase, cases+"/"+first, intake, nil))
		if r.json(t)["reporter"] == nil || len(r.json(t)["timeline"].([]any)) != 1 {
			t.Errorf("case as staff: %s", r.Body)
		}
		r = f.must(200, f.call("GET", oneCase, cases+"/"+first, "", nil, "X-API-Key", demoKey))
		if r.json(t)["reporter"] != nil {
			t.Error("an API key was shown the reporter")
		}

		// The loop, with the requests and approvals along the way.
		act := func(status int, token, id, name string, body any, headers ...string) response {
			t.Helper()
			return f.must(status, f.call("POST", action, cases+"/"+id+"/"+name, token, body, headers...))
		}
		act(200, intake, first, "file", nil)
		act(409, intake, first, "file", nil)                                     // already filed
		act(403, intake, first, "dispatch", nil)                                 // intake does not dispatch
		act(409, dispatcher, first, "dispatch", map[string]any{"expect_seq": 1}) // the case moved on
		r = act(200, dispatcher, first, "dispatch", map[string]any{"expect_seq": 2})
		if r.json(t)["assignee"] != youyiStreet+"-chengguan" {
			t.Errorf("dispatched to %v", r.json(t)["assignee"])
		}
		act(200, dispatcher, first, "whistle", map[string]any{"lead": youyiStreet + "-chengguan", "units": []string{youyiStreet},
			"ack_limit": map[string]any{"amount": 2, "unit": "working_hours"}})
		act(200, f.login("youyi.handler"), first, "whistle_ack", nil)
		act(200, handler, first, "sign", nil)
		act(200, handler, first, "request_extension", map[string]any{"reason": "需协调", "extension": map[string]any{"amount": 1, "unit": "working_days"}})
		r = act(409, handler, first, "request_extension", map[string]any{"reason": "再延", "extension": map[string]any{"amount": 1, "unit": "working_days"}})
		r = act(200, dispatcher, first, "approve_extension", nil)
		if r.json(t)["extension_count"].(float64) != 1 {
			t.Errorf("extension count %v", r.json(t)["extension_count"])
		}
		act(200, intake, first, "comment", map[string]any{"reason": "已电话联系报告人"})
		act(400, handler, first, "handle", map[string]any{"photos_after": []string{"p-1"}}) // no result
		act(200, handler, first, "handle", map[string]any{"result": "已劝离摊贩", "photos_before": []string{"p-0"}, "photos_after": []string{"p-1"}})
		act(200, intake, first, "request_check", nil)
		act(403, handler, first, "check_pass", nil) // the handling unit cannot close its own case
		act(200, intake, first, "check_pass", "")   // an empty body is an empty input
		r = act(200, intake, first, "rate", map[string]any{"rating": "satisfied"})
		if r.json(t)["state"] != "closed" {
			t.Errorf("state after rating %v", r.json(t)["state"])
		}
		r = f.must(200, f.call("GET", oneCase, cases+"/"+first, intake, nil))
		if n := len(r.json(t)["timeline"].([]any)); n != 13 {
			t.Errorf("timeline has %d events, want 13: %s", n, r.Body)
		}
		// Other paths out of reported: a rejection, and a supervised, voided case.
		act(400, intake, second, "reject", map[string]any{"reason": "非政府职责"})
		act(200, intake, second, "reject", map[string]any{"reason": "非政府职责", "reason_code": "not_government"})
		act(200, f.login("district.leader"), third, "supervise", map[string]any{"level": "yellow"})
		act(200, f.login("district.shiftleader"), third, "void", map[string]any{"reason": "重复上报"})

		// The longer way round: confirmation on site, a return and a ruling, a suspension, a failed
		// check and rework, a denied extension; a merge; a report the grid worker finds untrue.
		shift := f.login("district.shiftleader")
		fourth := caseID(t, f.must(201, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "E0502", "description": "夜市占道", "grid": youyiGrid1})))
		act(200, intake, fourth, "request_confirm", nil)
		act(200, worker, fourth, "confirm", nil)
		act(200, intake, fourth, "file", nil)
		act(200, dispatcher, fourth, "dispatch", nil)
		act(400, handler, fourth, "return", map[string]any{"reason": "不属本队", "reason_code": "not_mine"})
		act(200, handler, fourth, "return", map[string]any{"reason": "不属本队辖区", "reason_code": "wrong_territory"})
		r = act(200, shift, fourth, "rule", map[string]any{"unit": youyiStreet + "-chengguan", "reason": "裁定由城管中队处置"})
		if r.json(t)["ruled"] != true || r.json(t)["return_count"].(float64) != 1 {
			t.Errorf("after the ruling: %s", r.Body)
		}
		act(200, handler, fourth, "sign", nil)
		act(200, handler, fourth, "request_suspension", map[string]any{"reason": "等待产权单位答复"})
		r = act(200, dispatcher, fourth, "approve_suspension", nil)
		if r.json(t)["state"] != "suspended" || r.json(t)["suspended_from"] != "handling" {
			t.Errorf("after suspension: %s", r.Body)
		}
		act(200, dispatcher, fourth, "resume", nil)
		act(200, handler, fourth, "handle", map[string]any{"result": "已清理"})
		act(200, intake, fourth, "request_check", nil)
		r = act(200, worker, fourth, "check_fail", map[string]any{"reason": "复查仍有摊位"})
		if r.json(t)["state"] != "rework" || r.json(t)["rework_count"].(float64) != 1 {
			t.Errorf("after a failed check: %s", r.Body)
		}
		act(200, handler, fourth, "request_extension", map[string]any{"reason": "需联合执法", "extension": map[string]any{"amount": 4, "unit": "working_hours"}})
		act(200, dispatcher, fourth, "deny_extension", nil)
		act(200, handler, fourth, "sign", nil)
		f.must(200, f.call("GET", oneCase, cases+"/"+fourth, handler, nil))
		fifth := caseID(t, f.must(201, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "E0502", "description": "同一处占道", "grid": youyiGrid1})))
		act(400, intake, fifth, "merge", nil)
		r = act(200, intake, fifth, "merge", map[string]any{"target": mustInt(t, fourth)})
		if r.json(t)["state"] != "voided" || fmt.Sprint(r.json(t)["merged_into"]) != fourth {
			t.Errorf("after the merge: %s", r.Body)
		}
		sixth := caseID(t, f.must(201, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "E0502", "description": "疑似占道", "grid": youyiGrid1})))
		act(200, intake, sixth, "request_confirm", nil)
		r = act(200, worker, sixth, "deny", map[string]any{"reason": "现场无摊位"})
		if r.json(t)["state"] != "rejected" || r.json(t)["reject_code"] != "invalid" {
			t.Errorf("after the denial: %s", r.Body)
		}
		f.must(200, f.call("GET", cases, cases+"?state=rejected,voided,rework", intake, nil))

		// Errors of the case operations.
		r = f.must(400, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "E0502", "description": "x", "colour": "red"}))
		if e := r.json(t)["error"].(map[string]any); e["details"].(map[string]any)["field"] != "colour" {
			t.Errorf("unknown field error %s", r.Body)
		}
		f.must(400, f.call("POST", cases, cases, worker, `{"matter_code":"E0502",`))
		f.must(400, f.call("POST", cases, cases, worker, `{"matter_code":"E0502","description":"x"} {}`))
		f.must(400, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "X0000", "description": "x"}))
		f.must(400, f.call("POST", cases, cases, worker, map[string]any{"matter_code": "E0502", "description": "x", "lat": 0.0, "lon": 0.0}))
		r = f.do("POST", cases, worker, []byte(`matter_code=E0502`), "Content-Type", "application/x-www-form-urlencoded")
		checkResponse(t, "POST", cases, f.must(400, r))
		f.must(403, f.call("POST", cases, cases, f.login("district.auditor"), map[string]any{"matter_code": "E0502", "description": "x", "grid": youyiGrid1}))
		big := `{"matter_code":"E0502","description":"` + strings.Repeat("长", 400_000) + `"}`
		f.must(413, f.call("POST", cases, cases, worker, big))
		f.must(413, f.call("POST", action, cases+"/"+third+"/comment", intake, `{"reason":"`+strings.Repeat("x", 1<<20)+`"}`))
		for _, bad := range []string{"limit=0", "limit=201", "cursor=%21%21", "state=open", "light=blue", "overdue=maybe",
			"reported_from=2026-03-01", "within=999999999999", "colour=red"} {
			f.must(400, f.call("GET", cases, cases+"?"+bad, intake, nil))
		}
		f.must(401, f.call("GET", cases, cases, "", nil))
		f.must(401, f.call("GET", cases, cases, "", nil, "X-API-Key", "not-a-key"))
		f.must(401, f.call("GET", cases, cases, "not-a-session", nil))
		f.must(401, f.call("POST", cases, cases, "", report))
		f.must(401, f.call("GET", oneCase, cases+"/"+first, "", nil))
		f.must(401, f.call("POST", action, cases+"/"+first+"/comment", "", nil))
		f.must(401, f.call("GET", "/api/v1/me", "/api/v1/me", "", nil, "X-API-Key", demoKey)) // keys are not staff
		f.must(404, f.call("GET", oneCase, cases+"/999999", intake, nil))
		f.must(404, f.call("GET", oneCase, cases+"/abc", intake, nil))
		f.must(404, f.call("GET", oneCase, cases+"/"+first, f.login("chengguan.wusong.handler"), nil)) // outside scope
		act(404, intake, "999999", "comment", map[string]any{"reason": "x"})
		act(404, intake, first, "report", nil)
		act(404, intake, first, "overdue", nil)
		act(404, intake, first, "fly", nil)
		act(400, intake, first, "comment", map[string]any{"reason": "x", "colour": "red"})
		act(400, intake, first, "comment", `{"reason":`)
		act(409, intake, second, "file", nil) // rejected is terminal
	})
}
