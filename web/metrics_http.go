package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// httpStats counts requests by method and route pattern, and their latencies. Labels come from a
// closed set — the registered route patterns and the common methods — so a client probing random
// URLs or methods cannot make the series grow without bound.
type httpStats struct {
	inFlight atomic.Int64
	mu       sync.RWMutex
	series   map[routeKey]*routeSeries
}

type routeKey struct{ method, route string }

// routeSeries is the counters of one method and route. One mutex keeps a scrape from seeing a
// histogram whose buckets and count disagree.
type routeSeries struct {
	mu      sync.Mutex
	classes [6]int64 // by status class: index 1 for 1xx … 5 for 5xx, 0 for anything else
	buckets [len(latencyBuckets)]int64
	count   int64
	sum     time.Duration
}

// latencyBuckets are the histogram's upper bounds in seconds: from a cached read (a few ms) to a
// report with photos on a slow link.
var latencyBuckets = [...]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// unmatchedRoute labels requests no route pattern took (the mux's own 404 and 405 answers).
const unmatchedRoute = "unmatched"

func newHTTPStats() *httpStats {
	return &httpStats{series: map[routeKey]*routeSeries{}}
}

// observe records one finished request. pattern is the route pattern the mux chose (r.Pattern).
func (h *httpStats) observe(method, pattern string, status int, d time.Duration) {
	k := routeKey{method: methodLabel(method), route: routeLabel(pattern)}
	h.mu.RLock()
	s := h.series[k]
	h.mu.RUnlock()
	if s == nil {
		h.mu.Lock()
		if s = h.series[k]; s == nil {
			s = &routeSeries{}
			h.series[k] = s
		}
		h.mu.Unlock()
	}
	class := status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	secs := d.Seconds()
	s.mu.Lock()
	s.classes[class]++
	for i, le := range latencyBuckets {
		if secs <= le {
			s.buckets[i]++
			break
		}
	}
	s.count++
	s.sum += d
	s.mu.Unlock()
}

// methodLabel keeps the methods the API uses and folds any other into OTHER.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// routeLabel is the pattern without its method: "GET /api/v1/cases/{id}" → "/api/v1/cases/{id}".
func routeLabel(pattern string) string {
	if pattern == "" {
		return unmatchedRoute
	}
	if _, rest, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimLeft(rest, " \t")
	}
	return pattern
}

var statusClasses = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// write adds the HTTP families to e, series in a stable order.
func (h *httpStats) write(e *expo) {
	h.mu.RLock()
	keys := make([]routeKey, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	series := make([]*routeSeries, len(keys))
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].method < keys[j].method
	})
	for i, k := range keys {
		series[i] = h.series[k]
	}
	h.mu.RUnlock()

	type snap struct {
		classes [6]int64
		buckets [len(latencyBuckets)]int64
		count   int64
		sum     time.Duration
	}
	snaps := make([]snap, len(series))
	for i, s := range series {
		s.mu.Lock()
		snaps[i] = snap{classes: s.classes, buckets: s.buckets, count: s.count, sum: s.sum}
		s.mu.Unlock()
	}

	e.single("civicgrid_http_requests_in_flight", "gauge", "HTTP requests being served now.", float64(h.inFlight.Load()))

	e.family("civicgrid_http_requests_total", "counter",
		"HTTP requests served, by method, route pattern (unmatched: no route took the request) and status class.")
	for i, k := range keys {
		for c, n := range snaps[i].classes {
			if n > 0 {
				e.sample("civicgrid_http_requests_total", float64(n), "method", k.method, "route", k.route, "status", statusClasses[c])
			}
		}
	}

	e.family("civicgrid_http_request_duration_seconds", "histogram",
		"Time from receiving a request to finishing its answer, by method and route pattern.")
	for i, k := range keys {
		sn := snaps[i]
		var cum int64
		for b, le := range latencyBuckets {
			cum += sn.buckets[b]
			e.sample("civicgrid_http_request_duration_seconds_bucket", float64(cum), "method", k.method, "route", k.route, "le", strconv.FormatFloat(le, 'g', -1, 64))
		}
		e.sample("civicgrid_http_request_duration_seconds_bucket", float64(sn.count), "method", k.method, "route", k.route, "le", "+Inf")
		e.sample("civicgrid_http_request_duration_seconds_sum", sn.sum.Seconds(), "method", k.method, "route", k.route)
		e.sample("civicgrid_http_request_duration_seconds_count", float64(sn.count), "method", k.method, "route", k.route)
	}
}
