package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"civicgrid/demo"
	"civicgrid/store/storetest"
	"civicgrid/web"
)

// scrape reads /metrics and parses it strictly.
func (f *fixture) scrape() map[string]*expoFamily {
	f.t.Helper()
	r := f.must(http.StatusOK, f.do("GET", "/metrics", "", nil))
	if ct := r.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		f.t.Fatalf("Content-Type %q", ct)
	}
	return parseExposition(f.t, string(r.Body))
}

// metric returns one sample, failing when the family or the series is missing.
func metric(t *testing.T, fams map[string]*expoFamily, family, sample string, labels ...string) float64 {
	t.Helper()
	f := fams[family]
	if f == nil {
		t.Fatalf("no family %s", family)
	}
	v, ok := f.value(sample, labels...)
	if !ok {
		t.Fatalf("no sample %s%v", sample, labels)
	}
	return v
}

// TestMetricsCountRequestsAndCases scrapes after known traffic and checks that the request
// counters, the latency histogram, the open cases and the deadline marks say what happened, and
// that the counters move by exactly the requests made between two scrapes.
func TestMetricsCountRequestsAndCases(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		token := f.login("district.intake")
		p := demo.GridCentre(demo.Baoshan().Grids["310113003001001"])
		for i := range 2 {
			f.must(http.StatusCreated, f.do("POST", "/api/v1/cases", token, map[string]any{
				"matter_code": "E0502", "description": fmt.Sprintf("metrics %d", i), "lat": p.Lat, "lon": p.Lon}))
		}
		for range 3 {
			f.must(http.StatusOK, f.do("GET", "/healthz", "", nil))
		}
		f.must(http.StatusUnauthorized, f.do("GET", "/api/v1/cases", "", nil))
		// Unknown API paths all count under the catch-all pattern: the label set stays bounded.
		for i := range 5 {
			f.must(http.StatusNotFound, f.do("GET", fmt.Sprintf("/api/v1/no-such-thing-%d", i), "", nil))
		}
		f.do("BREW", "/healthz", "", nil)

		m := f.scrape()
		reqs := func(method, route, status string) float64 {
			return metric(t, m, "civicgrid_http_requests_total", "civicgrid_http_requests_total", "method", method, "route", route, "status", status)
		}
		for _, c := range []struct {
			method, route, status string
			want                  float64
		}{
			{"POST", "/api/v1/login", "2xx", 1},
			{"POST", "/api/v1/cases", "2xx", 2},
			{"GET", "/healthz", "2xx", 3},
			{"GET", "/api/v1/cases", "4xx", 1},
			{"GET", "/api/", "4xx", 5},
			{"OTHER", "unmatched", "4xx", 1},
		} {
			if got := reqs(c.method, c.route, c.status); got != c.want {
				t.Errorf("requests %s %s %s = %v, want %v", c.method, c.route, c.status, got, c.want)
			}
		}
		for _, s := range m["civicgrid_http_requests_total"].samples {
			if strings.Contains(s.labels["route"], "no-such-thing") {
				t.Errorf("a raw path became a label: %v", s.labels)
			}
		}
		hist := "civicgrid_http_request_duration_seconds"
		if n := metric(t, m, hist, hist+"_count", "method", "GET", "route", "/healthz"); n != 3 {
			t.Errorf("latency histogram of /healthz counts %v requests, want 3", n)
		}
		if inf := metric(t, m, hist, hist+"_bucket", "method", "POST", "route", "/api/v1/cases", "le", "+Inf"); inf != 2 {
			t.Errorf("+Inf bucket of case reports %v, want 2", inf)
		}
		if v := metric(t, m, "civicgrid_http_requests_in_flight", "civicgrid_http_requests_in_flight"); v != 1 {
			t.Errorf("in flight during the scrape: %v, want 1 (the scrape)", v)
		}

		if v := metric(t, m, "civicgrid_database_up", "civicgrid_database_up"); v != 1 {
			t.Fatalf("database_up %v", v)
		}
		if v := metric(t, m, "civicgrid_cases_open", "civicgrid_cases_open", "state", "reported"); v != 2 {
			t.Errorf("open reported cases %v, want 2", v)
		}
		if v := metric(t, m, "civicgrid_cases_open", "civicgrid_cases_open", "state", "dispatched"); v != 0 {
			t.Errorf("open dispatched cases %v, want 0", v)
		}
		if _, ok := m["civicgrid_cases_open"].value("civicgrid_cases_open", "state", "closed"); ok {
			t.Errorf("closed cases are not open")
		}
		// Each reported case plans the intake stage's and the whole case's warning and overdue mark;
		// the fixture's clock has not moved, so none is due.
		if v := metric(t, m, "civicgrid_deadline_marks_pending", "civicgrid_deadline_marks_pending"); v != 8 {
			t.Errorf("pending marks %v, want 8", v)
		}
		if v := metric(t, m, "civicgrid_deadline_marks_due", "civicgrid_deadline_marks_due"); v != 0 {
			t.Errorf("due marks %v, want 0", v)
		}
		if v := metric(t, m, "civicgrid_db_max_open_connections", "civicgrid_db_max_open_connections"); v < 1 {
			t.Errorf("max open connections %v", v)
		}
		if v := metric(t, m, "go_goroutines", "go_goroutines"); v < 1 {
			t.Errorf("goroutines %v", v)
		}
		if v := metric(t, m, "go_memstats_heap_alloc_bytes", "go_memstats_heap_alloc_bytes"); v <= 0 {
			t.Errorf("heap %v", v)
		}
		for _, name := range []string{"civicgrid_deadline_marks_fired_total", "civicgrid_config_version", "process_start_time_seconds", "civicgrid_db_wait_total"} {
			metric(t, m, name, name)
		}

		// Between two scrapes the counters move by exactly the requests made, the first scrape
		// included.
		f.must(http.StatusOK, f.do("GET", "/healthz", "", nil))
		f.must(http.StatusOK, f.do("GET", "/healthz", "", nil))
		m2 := f.scrape()
		if got := metric(t, m2, "civicgrid_http_requests_total", "civicgrid_http_requests_total", "method", "GET", "route", "/healthz", "status", "2xx"); got != 5 {
			t.Errorf("healthz after two more: %v, want 5", got)
		}
		if got := metric(t, m2, "civicgrid_http_requests_total", "civicgrid_http_requests_total", "method", "GET", "route", "/metrics", "status", "2xx"); got != 1 {
			t.Errorf("scrapes counted: %v, want 1", got)
		}
		if n := metric(t, m2, hist, hist+"_count", "method", "GET", "route", "/healthz"); n != 5 {
			t.Errorf("latency histogram of /healthz counts %v, want 5", n)
		}
	})
}

// TestMetricsAccess: by default only loopback callers not relayed by a proxy may scrape; a
// MetricsAllow of the operator's replaces that rule.
func TestMetricsAccess(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	if r := f.do("GET", "/metrics", "", nil, "X-Forwarded-For", "203.0.113.9"); r.Status != http.StatusForbidden || r.errorCode(t) != "forbidden" {
		t.Fatalf("scrape relayed by a proxy: %d %s", r.Status, r.Body)
	}
	srv := web.NewServer(f.app, slog.New(slog.NewTextHandler(io.Discard, nil)))
	get := func(remote string, headers ...string) int {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = remote
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code
	}
	for remote, want := range map[string]int{
		"192.0.2.1:1234":          http.StatusForbidden,
		"10.0.0.7:1234":           http.StatusForbidden,
		"127.0.0.1:1234":          http.StatusOK,
		"127.0.0.2:1234":          http.StatusOK,
		"[::1]:1234":              http.StatusOK,
		"[::ffff:127.0.0.1]:1234": http.StatusOK,
		"not an address":          http.StatusForbidden,
	} {
		if got := get(remote); got != want {
			t.Errorf("scrape from %s: %d, want %d", remote, got, want)
		}
	}
	srv.MetricsAllow = func(r *http.Request) bool { return r.Header.Get("X-Scrape-Token") == "s3cret" }
	if got := get("127.0.0.1:1234"); got != http.StatusForbidden {
		t.Errorf("own rule, loopback without the token: %d", got)
	}
	if got := get("192.0.2.1:1234", "X-Scrape-Token", "s3cret"); got != http.StatusOK {
		t.Errorf("own rule, with the token: %d", got)
	}
}

// TestMetricsLabelEscaping feeds the writer label values and help text that need escaping, and
// reads them back through the strict parser.
func TestMetricsLabelEscaping(t *testing.T) {
	odd := "a \"quoted\" C:\\path\nsecond line {x=1},"
	text := web.ExpoFamilyForTest("odd_total", "counter", "help with a \\ and a\nnewline", 7, "v", odd, "empty", "")
	if strings.Count(text, "\n") != 3 {
		t.Fatalf("an unescaped newline split a line:\n%s", text)
	}
	fams := parseExposition(t, text)
	f := fams["odd_total"]
	if f == nil || len(f.samples) != 1 {
		t.Fatalf("parsed %v", fams)
	}
	if got := f.samples[0].labels["v"]; got != odd {
		t.Errorf("label read back as %q, want %q", got, odd)
	}
	if f.help != `help with a \\ and a\nnewline` {
		t.Errorf("help written as %q", f.help)
	}
	if f.samples[0].value != 7 {
		t.Errorf("value %v", f.samples[0].value)
	}
}

// TestExpositionReaderRejects shows that the reader the metrics tests rely on does catch each
// fault it claims to, so a clean parse of /metrics means something.
func TestExpositionReaderRejects(t *testing.T) {
	ok := "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n"
	if _, faults := readExposition(ok); len(faults) != 0 {
		t.Fatalf("a well-formed text was refused: %v", faults)
	}
	for name, text := range map[string]string{
		"no newline at end":        strings.TrimSuffix(ok, "\n"),
		"no TYPE":                  "# HELP a_total A.\na_total 1\n",
		"TYPE before HELP":         "# TYPE a_total counter\n# HELP a_total A.\na_total 1\n",
		"unknown type":             "# HELP a A.\n# TYPE a meter\na 1\n",
		"counter without _total":   "# HELP a A.\n# TYPE a counter\na 1\n",
		"sample of another family": "# HELP a A.\n# TYPE a gauge\nb 1\n",
		"family split":             "# HELP a A.\n# TYPE a gauge\na{x=\"1\"} 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x=\"2\"} 1\n",
		"series twice":             "# HELP a A.\n# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",
		"unquoted label":           "# HELP a A.\n# TYPE a gauge\na{x=1} 1\n",
		"bad escape":               "# HELP a A.\n# TYPE a gauge\na{x=\"\\t\"} 1\n",
		"unterminated label":       "# HELP a A.\n# TYPE a gauge\na{x=\"1} 1\n",
		"bad label name":           "# HELP a A.\n# TYPE a gauge\na{1x=\"1\"} 1\n",
		"bad metric name":          "# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n",
		"bad value":                "# HELP a A.\n# TYPE a gauge\na one\n",
		"blank line":               "# HELP a A.\n# TYPE a gauge\n\na 1\n",
		"histogram not cumulative": "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n",
		"histogram without +Inf":   "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_sum 1\nh_count 3\n",
		"histogram count differs":  "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
	} {
		if _, faults := readExposition(text); len(faults) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
}
