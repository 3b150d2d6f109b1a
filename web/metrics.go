package web

import (
	"context"
	"net/http"
	"net/netip"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/store"
)

// Metrics in the Prometheus text exposition format at GET /metrics. docs/operations.md lists every
// family. The figures that need the database (cases by state, deadline marks) are read at most once
// per metricsCacheTTL however often the endpoint is scraped, so a busy scraper costs the database
// two small queries every few seconds.

// metricsCacheTTL is how long the database figures are reused.
const metricsCacheTTL = 5 * time.Second

// metricsQueryTimeout bounds the database queries of one scrape.
const metricsQueryTimeout = 2 * time.Second

// serverMetrics is what one Server measures.
type serverMetrics struct {
	start time.Time
	http  *httpStats

	mu   sync.Mutex // serialises refreshes: concurrent scrapes wait for one query, not run many
	at   time.Time
	snap dbFigures
}

// dbFigures are the database figures of one refresh.
type dbFigures struct {
	ok           bool
	open         map[casework.State]int
	pending, due int
}

func newServerMetrics() *serverMetrics {
	return &serverMetrics{start: time.Now(), http: newHTTPStats()}
}

// LoopbackOnly is the default MetricsAllow: it admits callers on the same host (127.0.0.0/8, ::1)
// that did not come through a proxy. A request carrying X-Forwarded-For or Forwarded was relayed
// by a proxy or balancer, whose own address says nothing about the client, so it is refused.
func LoopbackOnly(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	allow := s.MetricsAllow
	if allow == nil {
		allow = LoopbackOnly
	}
	if !allow(r) {
		s.writeError(w, r, civicgrid.Errorf(civicgrid.EFORBIDDEN, "metrics are served only to the callers the server allows (by default: this host, not through a proxy)"))
		return
	}
	var e expo
	s.writeMetrics(r.Context(), &e)
	w.Header().Set("Content-Type", expoContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(e.b.Bytes())
}

// writeMetrics writes every family. A database that does not answer leaves its families out and
// sets civicgrid_database_up to 0; the rest is still served.
func (s *Server) writeMetrics(ctx context.Context, e *expo) {
	m := s.metrics
	m.http.write(e)
	s.writeDatabaseMetrics(ctx, e)
	s.writeAppMetrics(e)
	writeProcessMetrics(e, m.start)
}

func (s *Server) writeDatabaseMetrics(ctx context.Context, e *expo) {
	f := s.databaseFigures(ctx)
	up := 0.0
	if f.ok {
		up = 1
	}
	e.single("civicgrid_database_up", "gauge", "1 when the last metrics query reached the database, 0 when it failed.", up)
	if f.ok {
		e.family("civicgrid_cases_open", "gauge", "Cases not yet closed, rejected or voided, by state.")
		for _, st := range casework.States {
			if st == casework.Closed || st == casework.Rejected || st == casework.Voided {
				continue
			}
			e.sample("civicgrid_cases_open", float64(f.open[st]), "state", string(st))
		}
		e.single("civicgrid_deadline_marks_pending", "gauge", "Deadline marks (warnings, overdue marks, whistle acknowledgements) planned and not yet fired.", float64(f.pending))
		e.single("civicgrid_deadline_marks_due", "gauge", "Pending deadline marks whose instant has passed. It stays near 0 while a server sweeps; a rising value means no process fires the marks.", float64(f.due))
	}

	st := s.app.DB.Stats()
	e.single("civicgrid_db_max_open_connections", "gauge", "Most connections the pool may open (the writer connection on SQLite).", float64(st.MaxOpenConnections))
	e.single("civicgrid_db_open_connections", "gauge", "Connections open, in use or idle.", float64(st.OpenConnections))
	e.single("civicgrid_db_in_use_connections", "gauge", "Connections in use.", float64(st.InUse))
	e.single("civicgrid_db_idle_connections", "gauge", "Idle connections.", float64(st.Idle))
	e.single("civicgrid_db_wait_total", "counter", "Times a request waited for a free connection.", float64(st.WaitCount))
	e.single("civicgrid_db_wait_seconds_total", "counter", "Total time spent waiting for a free connection.", st.WaitDuration.Seconds())
}

// databaseFigures returns the cached figures, refreshing them when they are older than
// metricsCacheTTL. A failed refresh is cached too, so a database in trouble is not hit by every
// scrape.
func (s *Server) databaseFigures(ctx context.Context) dbFigures {
	m := s.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.at.IsZero() && time.Since(m.at) < metricsCacheTTL {
		return m.snap
	}
	// A scraper that hangs up must not leave a failure cached for everyone else.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), metricsQueryTimeout)
	defer cancel()
	f := dbFigures{}
	// A nil Scopes counts every case: the metrics are the platform's, not a user's view.
	open, err := s.app.DB.CountCases(ctx, store.CaseFilter{})
	if err == nil {
		f.open = open
		f.pending, f.due, err = s.app.DB.PendingTimers(ctx, s.app.Clock.Now())
	}
	if err != nil {
		s.log.Warn("metrics: database figures unavailable", "err", err)
	} else {
		f.ok = true
	}
	m.at, m.snap = time.Now(), f
	return f
}

func (s *Server) writeAppMetrics(e *expo) {
	c := &s.app.Counters
	e.single("civicgrid_deadline_marks_fired_total", "counter", "Deadline marks this process fired. With several processes each reports its own share.", float64(c.MarksFired.Load()))
	e.single("civicgrid_deadline_sweeps_total", "counter", "Deadline sweep transactions this process ran.", float64(c.Sweeps.Load()))
	e.single("civicgrid_deadline_sweep_errors_total", "counter", "Deadline sweeps that failed (the error is logged).", float64(c.SweepErrors.Load()))
	if cfg := s.app.Config(); cfg != nil {
		e.single("civicgrid_config_version", "gauge", "Version of the configuration (units, catalogue, lists, calendar) this process holds; equal on every process once a change has propagated.", float64(cfg.Version))
	}
}

// writeProcessMetrics reads the runtime through runtime/metrics, which does not stop the world.
func writeProcessMetrics(e *expo, start time.Time) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	metrics.Read(samples)
	e.single("go_goroutines", "gauge", "Goroutines that currently exist.", float64(runtime.NumGoroutine()))
	e.single("go_memstats_heap_alloc_bytes", "gauge", "Bytes of allocated heap objects.", sampleValue(samples[0]))
	e.single("go_memstats_sys_bytes", "gauge", "Bytes of memory obtained from the operating system.", sampleValue(samples[1]))
	e.single("go_gc_cycles_total", "counter", "Completed garbage collection cycles.", sampleValue(samples[2]))
	e.family("go_info", "gauge", "Version of Go the binary was built with.")
	e.sample("go_info", 1, "version", runtime.Version())
	e.single("process_start_time_seconds", "gauge", "When the server started, in seconds since the Unix epoch.", float64(start.UnixMilli())/1000)
	writeResidentMemory(e)
}

func sampleValue(s metrics.Sample) float64 {
	switch s.Value.Kind() {
	case metrics.KindUint64:
		return float64(s.Value.Uint64())
	case metrics.KindFloat64:
		return s.Value.Float64()
	}
	return 0
}

// AllowPrefixes is a MetricsAllow that admits callers whose own address (the connection's peer,
// never a forwarded header) lies in one of the prefixes: e.g. the monitoring network.
func AllowPrefixes(prefixes []netip.Prefix) func(*http.Request) bool {
	return func(r *http.Request) bool {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			return false
		}
		a := ap.Addr().Unmap()
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}
