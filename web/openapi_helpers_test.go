package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"civicgrid/web"
)

// The OpenAPI document is compiled once, as one JSON Schema 2020-12 resource: every schema the
// tests validate against is a location inside it, so "#/components/schemas/..." references resolve
// through the document itself.

// docURL is the address the document is registered under in the schema compiler; nothing is
// fetched from it.
const docURL = "https://civicgrid.invalid/api/v1/openapi.json"

// apiDoc is the parsed and compiled OpenAPI document.
type apiDoc struct {
	root map[string]any // as decoded by jsonschema.UnmarshalJSON (numbers are json.Number)

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema // by JSON pointer
}

var (
	apiDocOnce sync.Once
	apiDocVal  *apiDoc
	apiDocErr  error
)

// openAPI returns the compiled document, failing the test when it cannot be loaded.
func openAPI(t testing.TB) *apiDoc {
	t.Helper()
	apiDocOnce.Do(func() { apiDocVal, apiDocErr = loadAPIDoc(web.OpenAPIDocument()) })
	if apiDocErr != nil {
		t.Fatalf("OpenAPI document: %v", apiDocErr)
	}
	return apiDocVal
}

func loadAPIDoc(b []byte) (*apiDoc, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, v); err != nil {
		return nil, fmt.Errorf("add as schema resource: %w", err)
	}
	return &apiDoc{root: root, compiler: c, schemas: map[string]*jsonschema.Schema{}}, nil
}

// pointer builds a JSON pointer from unescaped tokens.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, tok := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// lookup returns the value at a JSON pointer of the document.
func (d *apiDoc) lookup(ptr string) (any, bool) {
	var cur any = d.root
	if ptr == "" {
		return cur, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(c) {
				return nil, false
			}
			cur = c[n]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deref follows a local "$ref" (as response, parameter and request body objects may carry) and
// returns the object with the pointer it lives at.
func (d *apiDoc) deref(ptr string) (map[string]any, string, error) {
	for range 10 {
		v, ok := d.lookup(ptr)
		if !ok {
			return nil, ptr, fmt.Errorf("nothing at %s", ptr)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, ptr, fmt.Errorf("%s is not an object", ptr)
		}
		r, ok := m["$ref"].(string)
		if !ok {
			return m, ptr, nil
		}
		if !strings.HasPrefix(r, "#/") {
			return nil, ptr, fmt.Errorf("%s: only local references are used, not %q", ptr, r)
		}
		ptr = r[1:]
	}
	return nil, ptr, fmt.Errorf("%s: reference loop", ptr)
}

// schemaAt compiles (once) the schema at a JSON pointer of the document.
func (d *apiDoc) schemaAt(ptr string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.schemas[ptr]; ok {
		return s, nil
	}
	s, err := d.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		return nil, err
	}
	d.schemas[ptr] = s
	return s, nil
}

// operation returns the operation object of a method and path template, and its pointer.
func (d *apiDoc) operation(method, pathTemplate string) (map[string]any, string, error) {
	ptr := pointer("paths", pathTemplate, strings.ToLower(method))
	v, ok := d.lookup(ptr)
	if !ok {
		return nil, ptr, fmt.Errorf("the document has no operation %s %s", method, pathTemplate)
	}
	op, ok := v.(map[string]any)
	if !ok {
		return nil, ptr, fmt.Errorf("%s %s is not an object", method, pathTemplate)
	}
	return op, ptr, nil
}

// documentedStatuses lists the status codes an operation documents, sorted.
func (d *apiDoc) documentedStatuses(op map[string]any) []string {
	rs, _ := op["responses"].(map[string]any)
	out := make([]string, 0, len(rs))
	for k := range rs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// responseContent finds the documented response of an operation for a status and returns its
// content map (nil for a response without body) and the pointer of that response object.
func (d *apiDoc) responseContent(method, pathTemplate string, status int) (map[string]any, string, error) {
	op, opPtr, err := d.operation(method, pathTemplate)
	if err != nil {
		return nil, "", err
	}
	code := strconv.Itoa(status)
	rs, _ := op["responses"].(map[string]any)
	if _, ok := rs[code]; !ok {
		return nil, "", fmt.Errorf("status %d is not documented for %s %s (documented: %s)", status, method, pathTemplate,
			strings.Join(d.documentedStatuses(op), ", "))
	}
	resp, respPtr, err := d.deref(opPtr + pointer("responses", code))
	if err != nil {
		return nil, "", err
	}
	content, _ := resp["content"].(map[string]any)
	return content, respPtr, nil
}

// validateResponse checks a response body against the schema the document gives for the method,
// path template (as in server.go, e.g. "/api/v1/cases/{id}") and status. A status the operation
// does not document fails the test, and so does a body where none is documented. When the
// response has several media types, the JSON one is used; see checkResponse to go by the
// Content-Type a response carried.
func validateResponse(t testing.TB, method, pathTemplate string, status int, body []byte) {
	t.Helper()
	validateResponseAs(t, method, pathTemplate, status, "", body)
}

// validateResponseAs is validateResponse for a given media type ("" picks the only one, or
// application/json).
func validateResponseAs(t testing.TB, method, pathTemplate string, status int, mediaType string, body []byte) {
	t.Helper()
	d := openAPI(t)
	content, respPtr, err := d.responseContent(method, pathTemplate, status)
	if err != nil {
		t.Errorf("%v\nbody: %s", err, clip(body))
		return
	}
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) != 0 {
			t.Errorf("%s %s %d: the document describes no body, but one came: %s", method, pathTemplate, status, clip(body))
		}
		return
	}
	if mediaType == "" {
		if len(content) == 1 {
			for k := range content {
				mediaType = k
			}
		} else {
			mediaType = "application/json"
		}
	}
	if _, ok := content[mediaType]; !ok {
		t.Errorf("%s %s %d: media type %q is not documented", method, pathTemplate, status, mediaType)
		return
	}
	sch, err := d.schemaAt(respPtr + pointer("content", mediaType, "schema"))
	if err != nil {
		t.Errorf("%s %s %d: compile the response schema: %v", method, pathTemplate, status, err)
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %s %d: the body is not JSON: %v\n%s", method, pathTemplate, status, err, clip(body))
		return
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s %s %d: the body does not match the documented schema:\n%s\nbody: %s", method, pathTemplate, status, clip([]byte(err.Error())), clip(body))
	}
}

// checkResponse validates a whole response: its status and body as validateResponse does, with
// the media type taken from its Content-Type header.
func checkResponse(t testing.TB, method, pathTemplate string, r response) {
	t.Helper()
	mt := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			t.Errorf("%s %s %d: bad Content-Type %q", method, pathTemplate, r.Status, ct)
			return
		}
	}
	if r.Status == http.StatusNoContent || len(r.Body) == 0 {
		mt = ""
	}
	validateResponseAs(t, method, pathTemplate, r.Status, mt, r.Body)
}

// validateRequest checks a JSON request body against the request schema the document gives for
// the operation.
func validateRequest(t testing.TB, method, pathTemplate string, body []byte) {
	t.Helper()
	validateRequestAs(t, method, pathTemplate, "application/json", body)
}

func validateRequestAs(t testing.TB, method, pathTemplate, mediaType string, body []byte) {
	t.Helper()
	d := openAPI(t)
	_, opPtr, err := d.operation(method, pathTemplate)
	if err != nil {
		t.Error(err)
		return
	}
	rb, rbPtr, err := d.deref(opPtr + pointer("requestBody"))
	if err != nil {
		t.Errorf("%s %s: no request body is documented: %v", method, pathTemplate, err)
		return
	}
	content, _ := rb["content"].(map[string]any)
	if _, ok := content[mediaType]; !ok {
		t.Errorf("%s %s: request media type %q is not documented", method, pathTemplate, mediaType)
		return
	}
	if mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
		return
	}
	sch, err := d.schemaAt(rbPtr + pointer("content", mediaType, "schema"))
	if err != nil {
		t.Errorf("%s %s: compile the request schema: %v", method, pathTemplate, err)
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %s: the request body is not JSON: %v", method, pathTemplate, err)
		return
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s %s: a request body the server accepted does not match the documented schema:\n%s\nbody: %s", method, pathTemplate, clip([]byte(err.Error())), clip(body))
	}
}

// call sends a request like f.do and checks the response against the document: pathTemplate is
// the route as registered (e.g. "/api/v1/units/{id}"), path the concrete URL path and query. When
// the server accepts a JSON body (2xx), the body must also satisfy the documented request schema:
// the document may not be stricter than the server.
func (f *fixture) call(method, pathTemplate, path, token string, body any, headers ...string) response {
	f.t.Helper()
	r := f.do(method, path, token, body, headers...)
	checkResponse(f.t, method, pathTemplate, r)
	if r.Status >= 200 && r.Status < 300 && body != nil {
		switch b := body.(type) {
		case string:
			if json.Valid([]byte(b)) {
				validateRequest(f.t, method, pathTemplate, []byte(b))
			}
		case []byte:
		default:
			j, err := json.Marshal(b)
			if err != nil {
				f.t.Fatal(err)
			}
			validateRequest(f.t, method, pathTemplate, j)
		}
	}
	return r
}

// clip shortens a body for a failure message.
func clip(b []byte) string {
	const max = 2000
	if len(b) <= max {
		return string(b)
	}
	n := max
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + fmt.Sprintf("... (%d bytes)", len(b))
}

var pathParamRe = regexp.MustCompile(`\{([^}]+)\}`)

// checkParameters checks an operation's parameters: each resolves, has a schema and a
// description, and the path parameters are exactly the template's names, all required.
func checkParameters(t *testing.T, d *apiDoc, o, path, ptr string, op map[string]any) {
	t.Helper()
	declared := map[string]bool{}
	params, _ := op["parameters"].([]any)
	for i := range params {
		p, pPtr, err := d.deref(ptr + pointer("parameters", fmt.Sprint(i)))
		if err != nil {
			t.Errorf("%s parameter %d: %v", o, i, err)
			continue
		}
		if _, err := d.schemaAt(pPtr + "/schema"); err != nil {
			t.Errorf("%s parameter %v: %v", o, p["name"], err)
		}
		if s, _ := p["description"].(string); s == "" {
			t.Errorf("%s parameter %v has no description", o, p["name"])
		}
		if p["in"] == "path" {
			declared[p["name"].(string)] = true
			if p["required"] != true {
				t.Errorf("%s path parameter %v is not required", o, p["name"])
			}
		}
	}
	for _, m := range pathParamRe.FindAllStringSubmatch(path, -1) {
		if !declared[m[1]] {
			t.Errorf("%s does not declare path parameter %s", o, m[1])
		}
		delete(declared, m[1])
	}
	for name := range declared {
		t.Errorf("%s declares path parameter %s, which its path lacks", o, name)
	}
}
