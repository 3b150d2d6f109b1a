package web_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"civicgrid/store"
	"civicgrid/web"
)

// Helpers of the Open311 tests: the Open311 OpenAPI description compiled like the REST one, calls
// whose JSON answers are validated against it, and the XML shape checks the specification implies.

var (
	o311DocOnce sync.Once
	o311DocVal  *apiDoc
	o311DocErr  error
)

// open311Doc returns the compiled Open311 description.
func open311Doc(t testing.TB) *apiDoc {
	t.Helper()
	o311DocOnce.Do(func() { o311DocVal, o311DocErr = loadAPIDoc(web.Open311OpenAPIDocument()) })
	if o311DocErr != nil {
		t.Fatalf("Open311 OpenAPI document: %v", o311DocErr)
	}
	return o311DocVal
}

// validateO311 checks an answer against the Open311 description: the status must be documented
// for the operation, the media type too, and a JSON body must match its schema. XML bodies are
// checked by the shape tests (xmlShape), since JSON Schema cannot read them.
func validateO311(t testing.TB, method, pathTemplate string, r response) {
	t.Helper()
	d := open311Doc(t)
	content, respPtr, err := d.responseContent(method, pathTemplate, r.Status)
	if err != nil {
		t.Errorf("%v\nbody: %s", err, clip(r.Body))
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		t.Errorf("%s %s %d: bad Content-Type %q", method, pathTemplate, r.Status, r.Header.Get("Content-Type"))
		return
	}
	if _, ok := content[mt]; !ok {
		t.Errorf("%s %s %d: media type %q is not documented", method, pathTemplate, r.Status, mt)
		return
	}
	if mt != "application/json" {
		return
	}
	validateBodyAt(t, d, respPtr+pointer("content", mt, "schema"), method+" "+pathTemplate, r.Body)
}

func validateBodyAt(t testing.TB, d *apiDoc, ptr, what string, body []byte) {
	t.Helper()
	sch, err := d.schemaAt(ptr)
	if err != nil {
		t.Errorf("%s: compile %s: %v", what, ptr, err)
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s: the body is not JSON: %v\n%s", what, err, clip(body))
		return
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s: the body does not match the documented schema:\n%s\nbody: %s", what, clip([]byte(err.Error())), clip(body))
	}
}

// o311 sends a request to an Open311 resource and validates the answer against the description.
func (f *fixture) o311(method, pathTemplate, path string, body any, headers ...string) response {
	f.t.Helper()
	r := f.do(method, path, "", body, headers...)
	validateO311(f.t, method, pathTemplate, r)
	return r
}

// getO311 reads a resource in both formats: each answer validated, the XML one checked against
// the specification's element names. It returns the JSON and the XML answers.
func (f *fixture) getO311(pathTemplate, path string, shape xmlSpec) (response, response) {
	f.t.Helper()
	j := f.o311("GET", pathTemplate, withFormat(path, "json"), nil)
	x := f.o311("GET", pathTemplate, withFormat(path, "xml"), nil)
	if j.Status != x.Status {
		f.t.Errorf("%s: JSON answered %d, XML %d", path, j.Status, x.Status)
	}
	if x.Status == http.StatusOK {
		xmlShape(f.t, x.Body, shape)
	} else {
		xmlShape(f.t, x.Body, errorsSpec)
	}
	return j, x
}

// withFormat puts the format into a path written with {format}.
func withFormat(path, format string) string {
	return strings.Replace(path, "{format}", format, 1)
}

// postForm posts urlencoded form fields to an Open311 resource.
func (f *fixture) postForm(pathTemplate, path string, form url.Values, headers ...string) response {
	f.t.Helper()
	return f.o311("POST", pathTemplate, path, []byte(form.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
}

// countCases counts every case of the fixture's database.
func (f *fixture) countCases() int {
	f.t.Helper()
	m, err := f.app.DB.CountCases(context.Background(), store.CaseFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// xmlSpec is the shape the specification gives a resource's XML: its root element and every
// element path that may appear below it.
type xmlSpec struct {
	root  string
	paths []string
}

var (
	errorsSpec    = xmlSpec{"errors", []string{"error", "error/code", "error/description"}}
	discoverySpec = xmlSpec{"discovery", []string{"changeset", "contact", "key_service", "endpoints", "endpoints/endpoint",
		"endpoints/endpoint/specification", "endpoints/endpoint/url", "endpoints/endpoint/changeset", "endpoints/endpoint/type",
		"endpoints/endpoint/formats", "endpoints/endpoint/formats/format"}}
	servicesSpec = xmlSpec{"services", []string{"service", "service/service_code", "service/service_name", "service/description",
		"service/metadata", "service/type", "service/keywords", "service/group"}}
	definitionSpec = xmlSpec{"service_definition", []string{"service_code", "attributes", "attributes/attribute",
		"attributes/attribute/variable", "attributes/attribute/code", "attributes/attribute/datatype", "attributes/attribute/required",
		"attributes/attribute/datatype_description", "attributes/attribute/order", "attributes/attribute/description",
		"attributes/attribute/values", "attributes/attribute/values/value", "attributes/attribute/values/value/key",
		"attributes/attribute/values/value/name"}}
	requestsSpec = xmlSpec{"service_requests", append([]string{"request"}, prefixed("request/",
		"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
		"service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
		"lat", "long", "media_url",
		// the extension block of extensions=true
		"extended_attributes", "extended_attributes/state", "extended_attributes/light", "extended_attributes/grid",
		"extended_attributes/attributes", "extended_attributes/attributes/attribute", "extended_attributes/attributes/attribute/code",
		"extended_attributes/attributes/attribute/value", "extended_attributes/notes", "extended_attributes/notes/note",
		"extended_attributes/notes/note/action", "extended_attributes/notes/note/status", "extended_attributes/notes/note/datetime",
		"extended_attributes/notes/note/note")...)}
	createdSpec = xmlSpec{"service_requests", []string{"request", "request/service_request_id", "request/service_notice",
		"request/account_id", "request/token"}}
	tokenSpec   = xmlSpec{"service_requests", []string{"request", "request/service_request_id", "request/token"}}
	updatesSpec = xmlSpec{"service_request_updates", append([]string{"request_update"}, prefixed("request_update/",
		"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url", "external_status_code")...)}
)

func prefixed(prefix string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// xmlShape checks an XML answer: the declaration with UTF-8 first, no namespace, the root the
// specification names, and no element outside its paths. It returns the paths seen.
func xmlShape(t testing.TB, body []byte, spec xmlSpec) map[string]int {
	t.Helper()
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("XML answer does not start with the declaration: %s", clip(body))
	}
	seen := map[string]int{}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []string
	roots := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Errorf("XML answer is not well-formed: %v\n%s", err, clip(body))
			return seen
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Space != "" || len(el.Attr) != 0 {
				t.Errorf("element %s has a namespace or attributes", el.Name.Local)
			}
			if len(stack) == 0 {
				roots++
				if el.Name.Local != spec.root {
					t.Errorf("XML root is <%s>, the specification says <%s>", el.Name.Local, spec.root)
				}
				stack = append(stack, el.Name.Local)
				continue
			}
			stack = append(stack, el.Name.Local)
			p := strings.Join(stack[1:], "/")
			if !slices.Contains(spec.paths, p) {
				t.Errorf("<%s> has element %s, which the specification does not name", spec.root, p)
			}
			seen[p]++
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if roots != 1 {
		t.Errorf("XML answer has %d root elements", roots)
	}
	return seen
}

// requireXMLPaths fails unless every path appeared.
func requireXMLPaths(t testing.TB, seen map[string]int, paths ...string) {
	t.Helper()
	var missing []string
	for _, p := range paths {
		if seen[p] == 0 {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("XML answer lacks %v", missing)
	}
}
