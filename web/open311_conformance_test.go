package web_test

import (
	"civicgrid/casework"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"civicgrid/store/storetest"
)

// Conformance of every Open311 resource in both formats, written from the GeoReport v2
// specification (and FixMyStreet's extension for updates): names and shapes of the answers, the
// error list, and what each parameter does.

// Spec-shaped XML of the resources.
type (
	xmlDiscovery struct {
		XMLName    xml.Name `xml:"discovery"`
		Changeset  string   `xml:"changeset"`
		Contact    string   `xml:"contact"`
		KeyService string   `xml:"key_service"`
		Endpoints  []struct {
			Specification string   `xml:"specification"`
			URL           string   `xml:"url"`
			Changeset     string   `xml:"changeset"`
			Type          string   `xml:"type"`
			Formats       []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
	xmlServices struct {
		XMLName  xml.Name `xml:"services"`
		Services []struct {
			ServiceCode string `xml:"service_code"`
			ServiceName string `xml:"service_name"`
			Description string `xml:"description"`
			Metadata    bool   `xml:"metadata"`
			Type        string `xml:"type"`
			Keywords    string `xml:"keywords"`
			Group       string `xml:"group"`
		} `xml:"service"`
	}
	xmlDefinition struct {
		XMLName     xml.Name `xml:"service_definition"`
		ServiceCode string   `xml:"service_code"`
		Attributes  []struct {
			Variable            bool   `xml:"variable"`
			Code                string `xml:"code"`
			Datatype            string `xml:"datatype"`
			Required            bool   `xml:"required"`
			DatatypeDescription string `xml:"datatype_description"`
			Order               int    `xml:"order"`
			Description         string `xml:"description"`
			Values              []struct {
				Key  string `xml:"key"`
				Name string `xml:"name"`
			} `xml:"values>value"`
		} `xml:"attributes>attribute"`
	}
	xmlRequest struct {
		ServiceRequestID  string   `xml:"service_request_id"`
		Status            string   `xml:"status"`
		StatusNotes       string   `xml:"status_notes"`
		ServiceName       string   `xml:"service_name"`
		ServiceCode       string   `xml:"service_code"`
		Description       string   `xml:"description"`
		AgencyResponsible string   `xml:"agency_responsible"`
		ServiceNotice     string   `xml:"service_notice"`
		RequestedDatetime string   `xml:"requested_datetime"`
		UpdatedDatetime   string   `xml:"updated_datetime"`
		ExpectedDatetime  string   `xml:"expected_datetime"`
		Address           string   `xml:"address"`
		Lat               *float64 `xml:"lat"`
		Long              *float64 `xml:"long"`
		MediaURL          string   `xml:"media_url"`
		Token             string   `xml:"token"`
		AccountID         *string  `xml:"account_id"`
		Extended          *struct {
			State string `xml:"state"`
			Light string `xml:"light"`
			Grid  string `xml:"grid"`
			Attrs []struct {
				Code   string   `xml:"code"`
				Values []string `xml:"value"`
			} `xml:"attributes>attribute"`
			Notes []struct {
				Action   string `xml:"action"`
				Status   string `xml:"status"`
				Datetime string `xml:"datetime"`
				Note     string `xml:"note"`
			} `xml:"notes>note"`
		} `xml:"extended_attributes"`
	}
	xmlRequests struct {
		XMLName  xml.Name     `xml:"service_requests"`
		Requests []xmlRequest `xml:"request"`
	}
	xmlErrors struct {
		XMLName xml.Name `xml:"errors"`
		Errors  []struct {
			Code        int    `xml:"code"`
			Description string `xml:"description"`
		} `xml:"error"`
	}
	xmlUpdates struct {
		XMLName xml.Name `xml:"service_request_updates"`
		Updates []struct {
			UpdateID           string `xml:"update_id"`
			ServiceRequestID   string `xml:"service_request_id"`
			Status             string `xml:"status"`
			UpdatedDatetime    string `xml:"updated_datetime"`
			Description        string `xml:"description"`
			MediaURL           string `xml:"media_url"`
			ExternalStatusCode string `xml:"external_status_code"`
		} `xml:"request_update"`
	}
)

func decodeXML(t testing.TB, r response, v any) {
	t.Helper()
	if err := xml.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("XML answer does not decode: %v\n%s", err, clip(r.Body))
	}
}

// jsonList decodes a JSON answer that must be a list of objects.
func jsonList(t testing.TB, r response) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("answer is not a JSON list of objects: %v\n%s", err, clip(r.Body))
	}
	return out
}

// wantO311Error checks an error answer in the format it came: the status and the list with one
// {code, description} whose code is the status.
func wantO311Error(t testing.TB, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want status %d, got %d: %s", status, r.Status, clip(r.Body))
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") {
		xmlShape(t, r.Body, errorsSpec)
		var e xmlErrors
		decodeXML(t, r, &e)
		if len(e.Errors) != 1 || e.Errors[0].Code != status || e.Errors[0].Description == "" {
			t.Fatalf("XML error list %+v for status %d", e, status)
		}
		return
	}
	l := jsonList(t, r)
	if len(l) != 1 || l[0]["code"] != float64(status) || l[0]["description"] == "" {
		t.Fatalf("JSON error list %s for status %d", r.Body, status)
	}
}

const (
	pDiscovery  = "/open311/v2/discovery.{format}"
	pServices   = "/open311/v2/services.{format}"
	pDefinition = "/open311/v2/services/{service_code}.{format}"
	pRequests   = "/open311/v2/requests.{format}"
	pRequest    = "/open311/v2/requests/{service_request_id}.{format}"
	pToken      = "/open311/v2/tokens/{token}.{format}"
	pUpdates    = "/open311/v2/servicerequestupdates.{format}"
)

func TestOpen311Discovery(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	j, x := f.getO311(pDiscovery, pDiscovery, discoverySpec)
	f.must(http.StatusOK, j)
	var d struct {
		Endpoints []struct {
			Specification, URL, Type string
			Formats                  []string
		}
	}
	if err := json.Unmarshal(j.Body, &d); err != nil || len(d.Endpoints) != 1 {
		t.Fatalf("discovery: %v %s", err, j.Body)
	}
	ep := d.Endpoints[0]
	if ep.Specification != "http://wiki.open311.org/GeoReport_v2" || ep.URL != f.srv.URL+"/open311/v2" {
		t.Errorf("endpoint %+v", ep)
	}
	var xd xmlDiscovery
	decodeXML(t, x, &xd)
	if len(xd.Endpoints) != 1 || xd.Endpoints[0].URL != ep.URL || strings.Join(xd.Endpoints[0].Formats, ",") != "text/xml,application/json" || xd.KeyService == "" {
		t.Errorf("XML discovery %+v", xd)
	}
}

func TestOpen311Services(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	j, x := f.getO311(pServices, pServices, servicesSpec)
	list := jsonList(t, f.must(http.StatusOK, j))
	cfg := f.app.Config()
	active := 0
	for _, mt := range cfg.MatterList {
		if mt.Active {
			active++
		}
	}
	if len(list) != active || active == 0 {
		t.Fatalf("%d services for %d active matter types", len(list), active)
	}
	byCode := map[string]map[string]any{}
	for _, s := range list {
		byCode[s["service_code"].(string)] = s
	}
	s := byCode["E0304"]
	if s == nil || s["metadata"] != true || s["type"] != "realtime" || s["group"] != "施工管理" || s["service_name"] != "违法建筑" ||
		!strings.Contains(s["keywords"].(string), "违建,") {
		t.Errorf("E0304 as a service: %v", s)
	}
	if s := byCode["E0502"]; s == nil || s["metadata"] != false {
		t.Errorf("E0502 (no extra fields) as a service: %v", s)
	}
	var xs xmlServices
	decodeXML(t, x, &xs)
	if len(xs.Services) != len(list) {
		t.Fatalf("XML lists %d services, JSON %d", len(xs.Services), len(list))
	}
	for i, s := range xs.Services {
		js := list[i]
		if s.ServiceCode != js["service_code"] || s.ServiceName != js["service_name"] || s.Metadata != js["metadata"] || s.Group != js["group"] || s.Keywords != js["keywords"] {
			t.Fatalf("service %d differs: XML %+v JSON %v", i, s, js)
		}
	}
	// jurisdiction_id: the district and the city are jurisdictions; other units are not.
	for q, status := range map[string]int{"310113000000": 200, "310000000000": 200, "310113003000": 404, "999999999999": 404, "abc": 400} {
		r := f.o311("GET", pServices, "/open311/v2/services.json?jurisdiction_id="+q, nil)
		if r.Status != status {
			t.Errorf("jurisdiction_id=%s: %d %s", q, r.Status, r.Body)
		}
	}
}

func TestOpen311ServiceDefinition(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	j, x := f.getO311(pDefinition, "/open311/v2/services/E0304.{format}", definitionSpec)
	var def struct {
		ServiceCode string `json:"service_code"`
		Attributes  []struct {
			Variable            bool
			Code, Datatype      string
			Required            bool
			DatatypeDescription string `json:"datatype_description"`
			Order               int
			Description         string
			Values              []struct{ Key, Name string }
		}
	}
	if err := json.Unmarshal(f.must(http.StatusOK, j).Body, &def); err != nil {
		t.Fatal(err)
	}
	mt := f.app.Config().Matters["E0304"]
	if def.ServiceCode != "E0304" || len(def.Attributes) != len(mt.Fields) {
		t.Fatalf("definition %+v for fields %+v", def, mt.Fields)
	}
	for i, a := range def.Attributes {
		fd := mt.Fields[i]
		if a.Code != fd.Code || a.Datatype != string(fd.Type) || a.Required != fd.Required || a.Order != i+1 || !a.Variable ||
			a.DatatypeDescription == "" || !strings.HasPrefix(a.Description, fd.NameZh) {
			t.Errorf("attribute %d: %+v for field %+v", i, a, fd)
		}
		if len(a.Values) != len(fd.Values) {
			t.Errorf("attribute %s has %d values, the field %d", a.Code, len(a.Values), len(fd.Values))
		}
		for k, v := range a.Values {
			if v.Key != fd.Values[k].Key || v.Name != fd.Values[k].NameZh {
				t.Errorf("value %+v for %+v", v, fd.Values[k])
			}
		}
	}
	var xd xmlDefinition
	decodeXML(t, x, &xd)
	seen := xmlShape(t, x.Body, definitionSpec)
	requireXMLPaths(t, seen, "service_code", "attributes/attribute/datatype", "attributes/attribute/values/value/key")
	if seen["attributes/attribute/values"] != 2 {
		t.Errorf("%d attributes have <values>; only the two list attributes should", seen["attributes/attribute/values"])
	}
	if xd.ServiceCode != "E0304" || len(xd.Attributes) != len(def.Attributes) || xd.Attributes[1].Values[0].Key != "building" {
		t.Errorf("XML definition %+v", xd)
	}
	// A service without extra fields has an empty definition; an unknown one is 404.
	j, _ = f.getO311(pDefinition, "/open311/v2/services/E0502.{format}", definitionSpec)
	if strings.TrimSpace(string(f.must(http.StatusOK, j).Body)) != `{"service_code":"E0502","attributes":[]}` {
		t.Errorf("empty definition: %s", j.Body)
	}
	for _, code := range []string{"E9999", "x", "%3Cscript%3E"} {
		j, x := f.getO311(pDefinition, "/open311/v2/services/"+code+".{format}", definitionSpec)
		wantO311Error(t, j, 404)
		wantO311Error(t, x, 404)
	}
}

func TestOpen311UnknownResources(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	for _, p := range []string{"/open311/v2/services.csv", "/open311/v2/services", "/open311/v2/nothing.json", "/open311/v2/requests/.json", "/open311/v2/openapi.xml"} {
		r := f.do("GET", p, "", nil)
		wantO311Error(t, r, 404)
	}
	r := f.do("DELETE", "/open311/v2/requests.json", "", nil)
	wantO311Error(t, r, 404)
}

// demoPoint is a point inside the demo district's first grid of 宝钢一村.
func demoPoint(t *testing.T) (string, string) {
	lat, lon := gridPoint(t, youyiGrid1)
	return fmt.Sprint(lat), fmt.Sprint(lon)
}

func requestForm(t *testing.T, extra ...string) url.Values {
	lat, lon := demoPoint(t)
	v := url.Values{"api_key": {demoKey}, "service_code": {"E0502"}, "lat": {lat}, "long": {lon}, "description": {"路口有人占道摆摊"}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			v.Del(extra[i])
		} else {
			v.Set(extra[i], extra[i+1])
		}
	}
	return v
}

func TestOpen311PostRequest(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		// JSON: one request with its ID, a notice and the token.
		r := f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", requestForm(t, "account_id", "acc-17")))
		l := jsonList(t, r)
		if len(l) != 1 {
			t.Fatalf("answer %s", r.Body)
		}
		id, token := l[0]["service_request_id"].(string), l[0]["token"].(string)
		if id == "" || token == "" || l[0]["account_id"] != "acc-17" || !strings.HasPrefix(l[0]["service_notice"].(string), "已受理") {
			t.Fatalf("answer %s", r.Body)
		}
		// The case went through intake: located, routed, on the open311 channel, clocks running.
		c := caseOf(t, f, id)
		if c["channel"] != "open311" || c["grid"] != youyiGrid1 || c["suggested_route"] == nil || c["whole_clock"] == nil {
			t.Fatalf("case of the request: %v", c)
		}
		if rep := c["reporter"].(map[string]any); rep["account_id"] != "acc-17" {
			t.Fatalf("reporter %v", rep)
		}
		// XML, with the key in the header instead of the form.
		x := f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.xml", requestForm(t, "api_key", ""), "X-API-Key", demoKey))
		requireXMLPaths(t, xmlShape(t, x.Body, createdSpec), "request/service_request_id", "request/service_notice", "request/token")
		var xr xmlRequests
		decodeXML(t, x, &xr)
		if len(xr.Requests) != 1 || xr.Requests[0].ServiceRequestID == id || xr.Requests[0].Token == "" || xr.Requests[0].AccountID != nil {
			t.Fatalf("XML answer %s", x.Body)
		}
		// The token resolves to the request, in both formats; an unknown token is 404.
		j, xt := f.getO311(pToken, "/open311/v2/tokens/"+token+".{format}", tokenSpec)
		tl := jsonList(t, f.must(http.StatusOK, j))
		var xtok xmlRequests
		decodeXML(t, xt, &xtok)
		if len(tl) != 1 || tl[0]["service_request_id"] != id || tl[0]["token"] != token || len(xtok.Requests) != 1 || xtok.Requests[0].ServiceRequestID != id {
			t.Fatalf("token answers %s / %s", j.Body, xt.Body)
		}
		for _, bad := range []string{"ZZZZZZZZZZ", "a-b", strings.Repeat("A", 80)} {
			j, x := f.getO311(pToken, "/open311/v2/tokens/"+bad+".{format}", tokenSpec)
			wantO311Error(t, j, 404)
			wantO311Error(t, x, 404)
		}
	})
}

// caseOf reads a case through the REST API as district intake staff.
func caseOf(t *testing.T, f *fixture, id string) map[string]any {
	t.Helper()
	return f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, f.login("district.intake"), nil)).json(t)
}

func TestOpen311PostRequestAttributes(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		// E0304 (illegal construction): a number, a single-value list, a datetime.
		form := requestForm(t, "service_code", "E0304", "description", "楼顶在搭阳光房")
		form.Set("attribute[area_m2]", "35.5")
		form.Set("attribute[build_state]", "building")
		form.Set("attribute[found_at]", "2026-03-01T18:30:00+08:00")
		r := f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", form))
		c := caseOf(t, f, jsonList(t, r)[0]["service_request_id"].(string))
		attrs := c["attributes"].(map[string]any)
		if attrs["area_m2"] != 35.5 || attrs["build_state"] != "building" || attrs["found_at"] != "2026-03-01T18:30:00+08:00" {
			t.Fatalf("attributes %v", attrs)
		}
		// E0601 (noise): a multivaluelist as attribute[code][], and a text.
		form = requestForm(t, "service_code", "E0601", "description", "楼下广场舞太吵")
		form.Set("attribute[source]", "square_dance")
		form["attribute[periods][]"] = []string{"evening", "night", "evening"}
		form.Set("attribute[details]", "每晚 <b>九点</b> 后 & 周末")
		r = f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", form))
		id := jsonList(t, r)[0]["service_request_id"].(string)
		attrs = caseOf(t, f, id)["attributes"].(map[string]any)
		if fmt.Sprint(attrs["periods"]) != "[evening night]" || attrs["details"] != "每晚 <b>九点</b> 后 & 周末" {
			t.Fatalf("attributes %v", attrs)
		}
		// The attributes come back in the extension block, typed, in both formats.
		j, x := f.getO311(pRequests, "/open311/v2/requests.{format}?extensions=true&service_request_id="+id, requestsSpec)
		ext := jsonList(t, f.must(http.StatusOK, j))[0]["extended_attributes"].(map[string]any)
		got := map[string]any{}
		for _, a := range ext["attributes"].([]any) {
			a := a.(map[string]any)
			got[a["code"].(string)] = a["value"]
		}
		if fmt.Sprint(got["periods"]) != "[evening night]" || got["source"] != "square_dance" || ext["state"] != "reported" || ext["grid"] != youyiGrid1 {
			t.Fatalf("extension %v", ext)
		}
		var xr xmlRequests
		decodeXML(t, x, &xr)
		xa := map[string][]string{}
		for _, a := range xr.Requests[0].Extended.Attrs {
			xa[a.Code] = a.Values
		}
		if strings.Join(xa["periods"], ",") != "evening,night" || strings.Join(xa["details"], "") != "每晚 <b>九点</b> 后 & 周末" {
			t.Fatalf("XML attributes %+v", xa)
		}
	})
}

// TestOpen311PostRequestRefusals sends bad submissions: each is refused with the specification's
// error list and the status it names, and no case is created.
func TestOpen311PostRequestRefusals(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		form := func(kv ...string) []byte { return []byte(requestForm(t, kv...).Encode()) }
		withAttrs := func(code string, kv ...string) []byte {
			v := requestForm(t, "service_code", code)
			for i := 0; i+1 < len(kv); i += 2 {
				v.Add(kv[i], kv[i+1])
			}
			return []byte(v.Encode())
		}
		urlenc := "application/x-www-form-urlencoded"
		cases := []struct {
			name   string
			body   []byte
			ct     string
			status int
			header []string
		}{
			{"no key", form("api_key", ""), urlenc, 403, nil},
			{"wrong key", form("api_key", "not-a-key"), urlenc, 403, nil},
			{"wrong header key", form("api_key", ""), urlenc, 403, []string{"X-API-Key", "not-a-key"}},
			{"keys differ", form(), urlenc, 403, []string{"X-API-Key", "another-key"}},
			{"no service", form("service_code", ""), urlenc, 400, nil},
			{"unknown service", form("service_code", "E9999"), urlenc, 400, nil},
			{"no location", form("lat", "", "long", ""), urlenc, 400, nil},
			{"address_id only", form("lat", "", "long", "", "address_id", "17"), urlenc, 400, nil},
			{"lat without long", form("long", ""), urlenc, 400, nil},
			{"lat out of range", form("lat", "91"), urlenc, 400, nil},
			{"long out of range", form("long", "-180.5"), urlenc, 400, nil},
			{"lat not a number", form("lat", "NaN"), urlenc, 400, nil},
			{"outside every grid", form("lat", "39.9", "long", "116.4"), urlenc, 400, nil},
			{"no description", form("description", " "), urlenc, 400, nil},
			{"description too long", form("description", strings.Repeat("水", 4001)), urlenc, 400, nil},
			{"control character", form("description", "a\x00b"), urlenc, 400, nil},
			{"address too long", form("lat", "", "long", "", "address_string", strings.Repeat("路", 501)), urlenc, 400, nil},
			{"media_url not http", form("media_url", "javascript:alert(1)"), urlenc, 400, nil},
			{"media_url too long", form("media_url", "https://example.org/"+strings.Repeat("a", casework.MaxMediaRef)), urlenc, 400, nil},
			{"bad email", form("email", "not-an-email"), urlenc, 400, nil},
			{"name too long", form("first_name", strings.Repeat("名", 51)), urlenc, 400, nil},
			{"field twice", append(form(), []byte("&description=again")...), urlenc, 400, nil},
			{"unknown attribute", withAttrs("E0502", "attribute[colour]", "red"), urlenc, 400, nil},
			{"bad attribute code", withAttrs("E0601", "attribute[Source]", "shop"), urlenc, 400, nil},
			{"missing required attribute", withAttrs("E0304", "attribute[area_m2]", "3"), urlenc, 400, nil},
			{"number not a number", withAttrs("E0304", "attribute[area_m2]", "three", "attribute[build_state]", "built"), urlenc, 400, nil},
			{"value not listed", withAttrs("E0304", "attribute[area_m2]", "3", "attribute[build_state]", "planned"), urlenc, 400, nil},
			{"datetime without zone", withAttrs("E0304", "attribute[area_m2]", "3", "attribute[build_state]", "built", "attribute[found_at]", "2026-03-01T18:30:00"), urlenc, 400, nil},
			{"single value twice", withAttrs("E0304", "attribute[area_m2]", "3", "attribute[area_m2]", "4", "attribute[build_state]", "built"), urlenc, 400, nil},
			{"list value not listed", withAttrs("E0601", "attribute[source]", "shop", "attribute[periods][]", "noon"), urlenc, 400, nil},
			{"malformed form", []byte("api_key=" + demoKey + "&description=%zz"), urlenc, 400, nil},
			{"JSON body", []byte(`{"service_code":"E0502"}`), "application/json", 400, nil},
			{"no content type", form(), "", 400, nil},
			{"multipart without boundary", form(), "multipart/form-data", 400, nil},
			{"body too large", append(form(), []byte("&pad="+strings.Repeat("x", 70<<10))...), urlenc, 413, nil},
			{"bad idempotency key", form(), urlenc, 400, []string{"Idempotency-Key", "has space"}},
			{"jurisdiction unknown", form("jurisdiction_id", "310113003000"), urlenc, 404, nil},
		}
		before := f.countCases()
		for _, c := range cases {
			for _, format := range []string{"json", "xml"} {
				headers := append([]string{"Content-Type", c.ct}, c.header...)
				r := f.o311("POST", pRequests, "/open311/v2/requests."+format, c.body, headers...)
				if r.Status != c.status {
					t.Errorf("%s (%s): status %d, want %d: %s", c.name, format, r.Status, c.status, clip(r.Body))
					continue
				}
				wantO311Error(t, r, c.status)
			}
		}
		if n := f.countCases(); n != before {
			t.Fatalf("refused submissions created %d cases", n-before)
		}
	})
}

func TestOpen311PostRequestIdempotentAndAddressOnly(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		form := requestForm(t, "lat", "", "long", "", "address_string", "友谊路 1 号门口")
		first := f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", form, "Idempotency-Key", "retry-1"))
		again := f.must(http.StatusOK, f.postForm(pRequests, "/open311/v2/requests.json", form, "Idempotency-Key", "retry-1"))
		id := jsonList(t, first)[0]["service_request_id"]
		if jsonList(t, again)[0]["service_request_id"] != id {
			t.Fatalf("a retry made another request: %s then %s", first.Body, again.Body)
		}
		// Without a point the request sits in the key's own jurisdiction, with no lat/long.
		c := caseOf(t, f, id.(string))
		if c["district"] != "310113000000" || c["location"] != nil || c["address"] != "友谊路 1 号门口" {
			t.Fatalf("case without a point: %v", c)
		}
		j, x := f.getO311(pRequest, "/open311/v2/requests/"+id.(string)+".{format}", requestsSpec)
		req := jsonList(t, f.must(http.StatusOK, j))[0]
		if req["lat"] != nil || req["long"] != nil || req["address"] != "友谊路 1 号门口" {
			t.Fatalf("request without a point: %v", req)
		}
		if seen := xmlShape(t, x.Body, requestsSpec); seen["request/lat"] != 0 || seen["request/long"] != 0 {
			t.Fatalf("XML request without a point has lat/long: %s", x.Body)
		}
	})
}

// postRequests creates requests through Open311 and returns their IDs in order.
func postRequests(t *testing.T, f *fixture, forms ...url.Values) []string {
	t.Helper()
	var ids []string
	for _, form := range forms {
		r := f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", form))
		ids = append(ids, jsonList(t, r)[0]["service_request_id"].(string))
	}
	return ids
}

func requestIDs(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, req := range jsonList(t, r) {
		out = append(out, req["service_request_id"].(string))
	}
	return out
}

func TestOpen311GetRequests(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		text := `<b>井盖</b> & "引号" 'x' ]]> 😀`
		ids := postRequests(t, f,
			requestForm(t, "description", text, "email", "resident@example.org", "phone", "13900001111", "first_name", "三", "last_name", "张"),
			requestForm(t, "service_code", "E0504", "description", "单车堆积"))
		f.clock.Advance(time.Hour)
		ids = append(ids, postRequests(t, f, requestForm(t, "service_code", "E0504", "description", "又一处单车堆积"))...)

		// The default: the last 90 days, newest first, in both formats with the same content.
		j, x := f.getO311(pRequests, pRequests, requestsSpec)
		list := jsonList(t, f.must(http.StatusOK, j))
		if got := requestIDs(t, j); strings.Join(got, ",") != ids[2]+","+ids[1]+","+ids[0] {
			t.Fatalf("default list %v, want newest first of %v", got, ids)
		}
		var xr xmlRequests
		decodeXML(t, x, &xr)
		if len(xr.Requests) != 3 {
			t.Fatalf("XML lists %d requests", len(xr.Requests))
		}
		first, xfirst := list[2], xr.Requests[2]
		lat, _ := demoPoint(t)
		if first["description"] != text || xfirst.Description != text || first["status"] != "open" || xfirst.Status != "open" ||
			first["service_code"] != "E0502" || first["service_name"] != "占道经营" || first["agency_responsible"] == "" ||
			fmt.Sprint(first["lat"]) != lat || xfirst.Lat == nil || fmt.Sprint(*xfirst.Lat) != lat ||
			first["requested_datetime"] != "2026-03-02T09:00:00+08:00" || xfirst.RequestedDatetime != "2026-03-02T09:00:00+08:00" ||
			first["expected_datetime"] == "" || xfirst.ExpectedDatetime != first["expected_datetime"] {
			t.Fatalf("request as listed: %v\nXML: %+v", first, xfirst)
		}
		// Text is escaped, never interpreted: the raw XML holds no markup from it.
		if strings.Contains(string(x.Body), "<b>") || !strings.Contains(string(x.Body), "&lt;b&gt;") {
			t.Fatalf("XML does not escape the description: %s", clip(x.Body))
		}
		// Residents' personal fields appear in no read.
		for _, r := range []response{j, x} {
			for _, secret := range []string{"resident@example.org", "13900001111", "张三"} {
				if strings.Contains(string(r.Body), secret) {
					t.Fatalf("a read shows the resident's %q", secret)
				}
			}
		}

		get := func(query string) response {
			t.Helper()
			return f.o311("GET", pRequests, "/open311/v2/requests.json?"+query, nil)
		}
		wantIDs := func(query string, want ...string) {
			t.Helper()
			r := get(query)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", query, r.Status, r.Body)
			}
			if got := requestIDs(t, r); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("%s: %v, want %v", query, got, want)
			}
		}
		wantIDs("service_request_id="+ids[0]+","+ids[2], ids[2], ids[0])
		wantIDs("service_request_id="+ids[0]+"&service_code=E0504&status=closed&page=2", ids[0]) // the IDs override the rest
		wantIDs("service_code=E0504", ids[2], ids[1])
		wantIDs("service_code=E0502,E0504&status=open", ids[2], ids[1], ids[0])
		wantIDs("status=closed")
		wantIDs("status=open,closed&page_size=2", ids[2], ids[1])
		wantIDs("page_size=2&page=2", ids[0])
		wantIDs("page_size=2&page=3")
		wantIDs("start_date=2026-03-02T09:30:00%2B08:00", ids[2])
		wantIDs("start_date=2026-03-02T09:30:00+08:00", ids[2]) // a "+" sent unescaped arrives as a space
		wantIDs("end_date=2026-03-02T01:00:00Z", ids[1], ids[0])
		wantIDs("start_date=2026-03-02T01:00:00Z&end_date=2026-03-02T01:00:00Z", ids[1], ids[0]) // end_date included
		wantIDs("start_date=2025-01-01T00:00:00Z&end_date=2025-03-01T00:00:00Z")
		wantIDs("updated_after=2026-03-02T09:30:00%2B08:00", ids[2])
		wantIDs("updated_before=2026-03-02T09:30:00%2B08:00", ids[1], ids[0])
		wantIDs("jurisdiction_id=310113000000&service_code=E0504", ids[2], ids[1])
		wantIDs("jurisdiction_id=310000000000&service_code=E0504", ids[2], ids[1])
		latF, lonF := gridPoint(t, youyiGrid1)
		wantIDs(fmt.Sprintf("bbox=%f,%f,%f,%f", lonF-0.001, latF-0.001, lonF+0.001, latF+0.001), ids[2], ids[1], ids[0])
		wantIDs("bbox=121.0,31.0,121.1,31.1")
		wantIDs("api_key=ignored&lat=1", ids[2], ids[1], ids[0]) // parameters of other servers are ignored
		// Cases older than the default window are not listed by default, but by their dates.
		f.clock.Advance(91 * 24 * time.Hour)
		wantIDs("")
		wantIDs("start_date=2026-03-01T00:00:00%2B08:00&service_code=E0502", ids[0])

		for query, status := range map[string]int{
			"start_date=2026-03-02":          400,
			"start_date=2026-03-02T09:00:00": 400,
			"end_date=yesterday":             400,
			"start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z":          400,
			"start_date=2026-03-02T00:00:00Z&end_date=2026-03-01T00:00:00Z":          400,
			"updated_after=2026-03-02T00:00:00Z&updated_before=2026-03-01T00:00:00Z": 400,
			"status=pending":         400,
			"service_request_id=abc": 400,
			"service_request_id=0":   400,
			"service_code=" + strings.Repeat("E0502,", 101) + "E0502": 400,
			"page=0":                       400,
			"page_size=1001":               400,
			"page_size=x":                  400,
			"bbox=1,2,3":                   400,
			"bbox=121.1,31.0,121.0,31.1":   400,
			"bbox=121,31,181,32":           400,
			"extensions=maybe":             400,
			"status=open&status=closed":    400,
			"jurisdiction_id=31011300":     400,
			"jurisdiction_id=310113003000": 404,
			"jurisdiction_id=310114000000": 404,
		} {
			for _, format := range []string{"json", "xml"} {
				r := f.o311("GET", pRequests, "/open311/v2/requests."+format+"?"+strings.ReplaceAll(query, " ", "%20"), nil)
				wantO311Error(t, r, status)
			}
		}
		// One request: a list of one; unknown IDs are 404.
		j, _ = f.getO311(pRequest, "/open311/v2/requests/"+ids[1]+".{format}", requestsSpec)
		if got := requestIDs(t, f.must(http.StatusOK, j)); len(got) != 1 || got[0] != ids[1] {
			t.Fatalf("one request: %s", j.Body)
		}
		for _, bad := range []string{"999999", "0", "abc", "-1"} {
			j, x := f.getO311(pRequest, "/open311/v2/requests/"+bad+".{format}", requestsSpec)
			wantO311Error(t, j, 404)
			wantO311Error(t, x, 404)
		}
	})
}
