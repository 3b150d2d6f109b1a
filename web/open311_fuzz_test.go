package web

import (
	"bytes"
	"encoding/json"
	"math"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/catalog"
)

// Fuzz targets of the Open311 parsers of untrusted input, and the status mapping checked against
// the description.

var fuzzMatters = func() map[string]*catalog.MatterType {
	out := map[string]*catalog.MatterType{}
	for _, mt := range catalog.Seed() {
		mt := mt
		out[mt.Code] = &mt
	}
	return out
}()

func multipartBody(fields map[string]string, photos ...[]byte) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.WriteField(k, fields[k])
	}
	for _, p := range photos {
		fw, _ := w.CreateFormFile("media", "photo.jpg")
		fw.Write(p)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// FuzzO311RequestForm feeds arbitrary bodies to the POST requests form parser and, when they
// parse, to the reading against the catalogue; what it accepts must be a report intake can take.
func FuzzO311RequestForm(f *testing.F) {
	urlenc := "application/x-www-form-urlencoded"
	f.Add(urlenc, []byte("api_key=k&service_code=E0502&lat=31.4&long=121.48&description=%E5%8D%A0%E9%81%93&email=a%40b.cn"))
	f.Add(urlenc, []byte("api_key=k&service_code=E0304&address_string=x&description=d&attribute[area_m2]=3.5&attribute[build_state]=built&attribute[found_at]=2026-03-01T08:00:00%2B08:00"))
	f.Add(urlenc, []byte("api_key=k&service_code=E0601&lat=31&long=121&description=d&attribute[source]=shop&attribute[periods][]=day&attribute[periods][]=night"))
	f.Add(urlenc, []byte("service_code=E0502&description=%zz&attribute[]=1&attribute[a][b]=2"))
	f.Add(urlenc, []byte("media_url=https://example.org/p.jpg&service_code=E0502&lat=91&long=0&description=x"))
	ct, body := multipartBody(map[string]string{"api_key": "k", "service_code": "E0502", "lat": "31.4", "long": "121.48", "description": "占道"}, []byte("\xff\xd8\xff\xe0photo"))
	f.Add(ct, body)
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a\"\r\n\r\nabc\r\n--x--\r\n"))
	f.Add("text/plain", []byte("hello"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest("POST", "/open311/v2/requests.json", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		form, err := readO311Form(httptest.NewRecorder(), r)
		codedOnly(t, err, civicgrid.EINVALID, civicgrid.ETOOLARGE)
		if err != nil {
			return
		}
		if len(form.media) > app.MaxMediaPerReport {
			t.Fatalf("%d photos taken", len(form.media))
		}
		for _, m := range form.media {
			if len(m) == 0 || len(m) > app.MaxMediaBytes {
				t.Fatalf("a photo of %d bytes taken", len(m))
			}
		}
		sub, err := form.submission(fuzzMatters)
		codedOnly(t, err, civicgrid.EINVALID)
		if err != nil {
			return
		}
		checkSubmission(t, sub)
	})
}

// checkSubmission asserts what intake relies on of an accepted submission.
func checkSubmission(t *testing.T, sub *o311Submission) {
	in := sub.Input
	mt, ok := fuzzMatters[in.MatterCode]
	if !ok {
		t.Fatalf("unknown matter type %q accepted", in.MatterCode)
	}
	if strings.TrimSpace(in.Description) == "" || utf8.RuneCountInString(in.Description) > casework.MaxDescription {
		t.Fatalf("description %q accepted", in.Description)
	}
	for _, s := range []string{in.Description, in.Address} {
		if err := civicgrid.CheckText("text", s, 10000); err != nil {
			t.Fatalf("text accepted: %v", err)
		}
	}
	if (in.Lat == nil) != (in.Lon == nil) {
		t.Fatal("half a point accepted")
	}
	if in.Lat == nil && strings.TrimSpace(in.Address) == "" {
		t.Fatal("a report without a place accepted")
	}
	if in.Lat != nil && (math.IsNaN(*in.Lat) || math.Abs(*in.Lat) > 90 || math.IsNaN(*in.Lon) || math.Abs(*in.Lon) > 180) {
		t.Fatalf("point (%v, %v) accepted", *in.Lat, *in.Lon)
	}
	for _, m := range in.Media {
		if checkMediaURL(m) != nil {
			t.Fatalf("media_url %q accepted", m)
		}
	}
	fields := map[string]catalog.Field{}
	for _, fd := range mt.Fields {
		fields[fd.Code] = fd
	}
	for code, v := range in.Attributes {
		fd, ok := fields[code]
		if !ok {
			t.Fatalf("attribute %q of no field accepted", code)
		}
		switch fd.Type {
		case catalog.FieldNumber:
			if n, ok := v.(float64); !ok || math.IsNaN(n) || math.IsInf(n, 0) {
				t.Fatalf("number attribute %s = %#v", code, v)
			}
		case catalog.FieldMultiValueList:
			list, ok := v.([]any)
			if !ok || len(list) == 0 || len(list) > len(fd.Values) {
				t.Fatalf("list attribute %s = %#v", code, v)
			}
			for _, x := range list {
				if s, ok := x.(string); !ok || !listedKey(fd, s) {
					t.Fatalf("list attribute %s = %#v", code, v)
				}
			}
		case catalog.FieldSingleValueList:
			if s, ok := v.(string); !ok || !listedKey(fd, s) {
				t.Fatalf("list attribute %s = %#v", code, v)
			}
		case catalog.FieldDatetime:
			if s, ok := v.(string); !ok || func() error { _, err := parseW3CTime("x", s); return err }() != nil {
				t.Fatalf("datetime attribute %s = %#v", code, v)
			}
		default:
			if s, ok := v.(string); !ok || utf8.RuneCountInString(s) > o311MaxAttrText {
				t.Fatalf("text attribute %s = %#v", code, v)
			}
		}
	}
	if rep := in.Reporter; rep != nil {
		for k, v := range map[string]string{"email": rep.Email, "phone": rep.Phone, "device_id": rep.DeviceID, "account_id": rep.AccountID} {
			if utf8.RuneCountInString(v) > o311ReporterMax[k] || strings.ContainsAny(v, "\r\n") {
				t.Fatalf("reporter %s %q accepted", k, v)
			}
		}
	}
}

// FuzzO311Query feeds arbitrary query strings to the GET requests and servicerequestupdates
// parsers; what they accept must be a bounded filter.
func FuzzO311Query(f *testing.F) {
	for _, q := range []string{
		"", "service_request_id=1,2,3", "service_code=E0502,E0304&status=open,closed", "start_date=2026-03-01T00:00:00Z",
		"start_date=2026-03-01T00:00:00+08:00&end_date=2026-03-02T00:00:00Z", "end_date=2026-03-02T09:00:00.123456%2B08:00",
		"page=3&page_size=1000", "bbox=121.1,31.2,121.5,31.6", "updated_after=2026-03-01T00:00Z&extensions=true",
		"jurisdiction_id=310113000000", "status=OPEN", "page=0", "bbox=NaN,1,2,3", "start_date=9999-12-31T23:59:59Z",
	} {
		f.Add(q)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, chinaZone)
	states := map[casework.State]bool{}
	for _, st := range casework.States {
		states[st] = true
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got, err := parseO311Query(q, now)
		codedOnly(t, err, civicgrid.EINVALID)
		if err == nil {
			fl := got.Filter
			if fl.Limit < 1 || fl.Limit > o311MaxPageSize || fl.Offset < 0 || fl.Offset%fl.Limit != 0 || fl.Offset/fl.Limit >= o311MaxPage {
				t.Fatalf("paging limit %d offset %d", fl.Limit, fl.Offset)
			}
			if len(fl.IDs) > o311MaxIDs || len(fl.MatterCodes) > o311MaxIDs {
				t.Fatalf("%d IDs, %d codes", len(fl.IDs), len(fl.MatterCodes))
			}
			for _, id := range fl.IDs {
				if id <= 0 {
					t.Fatalf("ID %d", id)
				}
			}
			if len(fl.IDs) > 0 && (fl.Offset != 0 || fl.MatterCodes != nil || fl.States != nil || fl.BBox != nil || !fl.ReportedFrom.IsZero() || !fl.UpdatedAfter.IsZero()) {
				t.Fatal("service_request_id did not override the other filters")
			}
			for _, st := range fl.States {
				if !states[st] {
					t.Fatalf("state %q", st)
				}
			}
			if !fl.ReportedFrom.IsZero() && (fl.ReportedTo.Before(fl.ReportedFrom) || fl.ReportedTo.Sub(fl.ReportedFrom) > o311MaxWindow+time.Microsecond) {
				t.Fatalf("window %v to %v", fl.ReportedFrom, fl.ReportedTo)
			}
			if b := fl.BBox; b != nil && (b[0] > b[2] || b[1] > b[3] || b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90) {
				t.Fatalf("bbox %v", *b)
			}
		}
		from, to, _, err := parseO311Window(q, now)
		codedOnly(t, err, civicgrid.EINVALID)
		if err == nil && (to.Before(from) || to.Sub(from) > o311UpdatesMax) {
			t.Fatalf("updates window %v to %v", from, to)
		}
	})
}

// TestFMSStatusMapping pins the mapping the documentation states, and keeps the description's
// enums in step with the code.
func TestFMSStatusMapping(t *testing.T) {
	want := map[casework.State]string{
		casework.Reported: fmsOpen, casework.Filed: fmsOpen, casework.Confirming: fmsInvestigating,
		casework.Dispatched: fmsActionScheduled, casework.Suspended: fmsActionScheduled, casework.Returned: fmsInternalReferral,
		casework.Handling: fmsInProgress, casework.Rework: fmsInProgress, casework.Handled: fmsInProgress, casework.Checking: fmsInProgress,
		casework.Closed: fmsFixed, casework.Rejected: fmsClosed, casework.Voided: fmsClosed,
	}
	for _, st := range casework.States {
		w, ok := want[st]
		if !ok {
			t.Errorf("state %s has no documented Open311 status", st)
			continue
		}
		if got := fmsStatusOf(st, "", false); got != w {
			t.Errorf("%s maps to %s, the documentation says %s", st, got, w)
		}
	}
	for code, w := range map[string]string{"not_government": fmsNotResponsible, "outside_jurisdiction": fmsNotResponsible, "duplicate": fmsDuplicate, "invalid": fmsClosed} {
		if got := fmsStatusOf(casework.Rejected, code, false); got != w {
			t.Errorf("rejected (%s) maps to %s, want %s", code, got, w)
		}
	}
	if fmsStatusOf(casework.Voided, "", true) != fmsDuplicate {
		t.Error("a case merged into another is not DUPLICATE")
	}
	for _, code := range casework.RejectCodes {
		if rejectPhrase(code) == rejectPhrase("") {
			t.Errorf("reject code %s has no phrase", code)
		}
	}

	var doc map[string]any
	if err := json.Unmarshal(open311OpenAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	enum := func(path ...string) []string {
		var cur any = doc
		for _, p := range path {
			cur = cur.(map[string]any)[p]
		}
		var out []string
		for _, e := range cur.([]any) {
			out = append(out, e.(string))
		}
		sort.Strings(out)
		return out
	}
	sorted := func(xs []string) []string { xs = slices.Clone(xs); sort.Strings(xs); return xs }
	var states, public []string
	for _, st := range casework.States {
		states = append(states, string(st))
	}
	for a := range o311PublicActions {
		public = append(public, string(a))
	}
	public = append(public, string(casework.ActRate))
	schemas := []string{"components", "schemas"}
	for name, pair := range map[string][2][]string{
		"update statuses":        {enum(append(schemas, "Update", "properties", "status", "enum")...), sorted(fmsStatuses)},
		"note statuses":          {enum(append(schemas, "Note", "properties", "status", "enum")...), sorted(fmsStatuses)},
		"posted update statuses": {enum(append(schemas, "PostedUpdate", "properties", "status", "enum")...), sorted(fmsStatuses)},
		"external status codes":  {enum(append(schemas, "Update", "properties", "external_status_code", "enum")...), sorted(states)},
		"extended states":        {enum(append(schemas, "Extended", "properties", "state", "enum")...), sorted(states)},
		"note actions":           {enum(append(schemas, "Note", "properties", "action", "enum")...), sorted(public)},
	} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%s: the description lists %v, the code %v", name, pair[0], pair[1])
		}
	}
}
