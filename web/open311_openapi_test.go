package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"civicgrid/store/storetest"
	"civicgrid/web"
)

// The Open311 description: served, well-formed, covering exactly the resources the server has,
// and with a validator that has teeth. The other tests validate every JSON answer against it.

// o311Operations are the operations of the Open311 surface (open311.go routes them by name).
var o311Operations = []string{
	"GET " + pDiscovery, "GET " + pServices, "GET " + pDefinition, "GET " + pRequests, "POST " + pRequests,
	"GET " + pRequest, "GET " + pToken, "GET " + pUpdates, "POST " + pUpdates, "GET /open311/v2/openapi.json",
}

func TestOpen311OpenAPIServed(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	r := f.must(http.StatusOK, f.o311("GET", "/open311/v2/openapi.json", "/open311/v2/openapi.json", nil))
	if !bytes.Equal(r.Body, web.Open311OpenAPIDocument()) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("served document differs from the embedded one (%s)", r.Header.Get("Content-Type"))
	}
}

func TestOpen311OpenAPIDocumentIsWellFormed(t *testing.T) {
	d := open311Doc(t)
	if d.root["openapi"] != "3.1.0" || d.root["jsonSchemaDialect"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("openapi %v, dialect %v", d.root["openapi"], d.root["jsonSchemaDialect"])
	}
	ops := operationsOfDoc(d)
	want := slices.Clone(o311Operations)
	slices.Sort(want)
	if !slices.Equal(ops, want) {
		t.Fatalf("the document has operations\n%v\nthe server\n%v", ops, want)
	}
	allowed := map[string]bool{"200": true, "201": true, "400": true, "403": true, "404": true, "409": true, "413": true, "429": true, "500": true, "503": true}
	ids := map[string]bool{}
	for _, o := range ops {
		method, path, _ := strings.Cut(o, " ")
		op, ptr, err := d.operation(method, path)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q missing or repeated", o, id)
		}
		ids[id] = true
		for _, k := range []string{"summary", "description"} {
			if s, _ := op[k].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s has no %s", o, k)
			}
		}
		// Reads are public; writes take a key in the header or the form.
		sec, ok := op["security"].([]any)
		if !ok || (method == "GET") != (len(sec) == 0) {
			t.Errorf("%s states security %v", o, op["security"])
		}
		statuses := d.documentedStatuses(op)
		if (!slices.Contains(statuses, "500") && path != "/open311/v2/openapi.json") || !slices.ContainsFunc(statuses, func(s string) bool { return s[0] == '2' }) {
			t.Errorf("%s documents %v: a success and 500 are required", o, statuses)
		}
		if method == "POST" && !slices.Contains(statuses, "403") {
			t.Errorf("%s does not document 403", o)
		}
		for _, st := range statuses {
			if !allowed[st] {
				t.Errorf("%s documents status %s, which the server never sends", o, st)
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
			if len(content) == 0 {
				t.Errorf("%s %s documents no body", o, st)
			}
			if path != "/open311/v2/openapi.json" {
				for _, mt := range []string{"application/json", "text/xml"} {
					if _, ok := content[mt]; !ok {
						t.Errorf("%s %s: %s is not documented", o, st, mt)
					}
				}
			}
			if st[0] >= '4' {
				ref, _ := d.lookup(respPtr + "/content/application~1json/schema/$ref")
				if ref != "#/components/schemas/ErrorList" {
					t.Errorf("%s %s: errors are the specification's error list, not %v", o, st, ref)
				}
			}
			for mt := range content {
				if _, err := d.schemaAt(respPtr + pointer("content", mt, "schema")); err != nil {
					t.Errorf("%s %s %s: %v", o, st, mt, err)
				}
			}
		}
		checkParameters(t, d, o, path, ptr, op)
		if method == "POST" {
			rb, rbPtr, err := d.deref(ptr + "/requestBody")
			if err != nil {
				t.Errorf("%s has no request body: %v", o, err)
				continue
			}
			content, _ := rb["content"].(map[string]any)
			if _, ok := content["application/x-www-form-urlencoded"]; !ok {
				t.Errorf("%s does not take form fields", o)
			}
			for mt := range content {
				if _, err := d.schemaAt(rbPtr + pointer("content", mt, "schema")); err != nil {
					t.Errorf("%s request %s: %v", o, mt, err)
				}
			}
		}
	}
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
				if _, found := d.lookup(strings.TrimPrefix(r, "#")); !strings.HasPrefix(r, "#/") || !found {
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

// TestOpen311ValidatorRejects makes sure the validation has teeth.
func TestOpen311ValidatorRejects(t *testing.T) {
	good := `{"service_request_id":"1","status":"open","status_notes":"","service_name":"占道经营","service_code":"E0502","description":"x",` +
		`"agency_responsible":"","service_notice":"","requested_datetime":"2026-03-02T09:00:00+08:00","updated_datetime":"2026-03-02T09:00:00+08:00",` +
		`"expected_datetime":"","address":"","address_id":"","zipcode":"","lat":31.4,"long":121.4,"media_url":""}`
	json := http.Header{"Content-Type": {"application/json"}}
	ok := &recorder{}
	validateO311(ok, "GET", pRequests, response{Status: 200, Header: json, Body: []byte("[" + good + "]")})
	if ok.failed {
		t.Fatalf("a valid list failed validation: %s", ok.msg)
	}
	cases := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
	}{
		{"a request, not a list", "GET", pRequests, 200, json, good},
		{"unknown status", "GET", pRequests, 200, json, "[" + strings.Replace(good, `"open"`, `"pending"`, 1) + "]"},
		{"date without zone", "GET", pRequests, 200, json, "[" + strings.Replace(good, "09:00:00+08:00", "09:00:00", 1) + "]"},
		{"personal field", "GET", pRequests, 200, json, "[" + strings.Replace(good, `"zipcode":""`, `"zipcode":"","email":"a@b.c"`, 1) + "]"},
		{"numeric id", "GET", pRequests, 200, json, "[" + strings.Replace(good, `"1"`, `1`, 1) + "]"},
		{"error as an object", "GET", pServices, 404, json, `{"code":404,"description":"x"}`},
		{"undocumented status", "GET", pServices, 409, json, `[{"code":409,"description":"x"}]`},
		{"undocumented media type", "GET", pServices, 200, http.Header{"Content-Type": {"text/html"}}, `[]`},
		{"bad update status", "GET", pUpdates, 200, json, `[{"update_id":"1-1","service_request_id":"1","status":"DONE","updated_datetime":"2026-03-02T09:00:00+08:00","description":"","media_url":"","external_status_code":"closed"}]`},
	}
	for _, c := range cases {
		rec := &recorder{}
		validateO311(rec, c.method, c.path, response{Status: c.status, Header: c.header, Body: []byte(c.body)})
		if !rec.failed {
			t.Errorf("%s: passed validation", c.name)
		}
	}
	rec := &recorder{}
	xmlShape(rec, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<service_requests><request><email>x</email></request></service_requests>`), requestsSpec)
	if !rec.failed {
		t.Error("an XML element the specification does not name passed the shape check")
	}
	rec = &recorder{}
	xmlShape(rec, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<requests></requests>`), requestsSpec)
	if !rec.failed {
		t.Error("a wrong XML root passed the shape check")
	}
}
