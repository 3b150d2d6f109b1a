// Package loadgen drives a CivicGrid server through its real HTTP API with a realistic mix of
// work — Open311 reports, the case workflow as the users whose job each step is, case lists and
// the dispatch centre's workbench — and measures every operation. It also holds the bare baseline:
// a minimal HTTP server that does one durable insert per request, to put the figures in
// proportion to what the machine and the database can do at all.
package loadgen

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxSamples bounds the latencies kept per operation; past it a uniform sample of them is kept
// (reservoir sampling), so a long run uses bounded memory.
const maxSamples = 1 << 20

// OpStats are the figures of one operation.
type OpStats struct {
	Op         string  `json:"op"`
	Count      int64   `json:"count"`
	Errors     int64   `json:"errors"`
	PerSecond  float64 `json:"per_second"` // successful operations a second over the run
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
	// Ratios to the bare baseline of the same run (absent without one): throughput and latency
	// divided by the baseline's.
	ThroughputRatio float64 `json:"throughput_ratio,omitempty"`
	P50Ratio        float64 `json:"p50_ratio,omitempty"`
	P99Ratio        float64 `json:"p99_ratio,omitempty"`
}

// recorder collects latencies and errors by operation; it is safe for concurrent use.
type recorder struct {
	mu   sync.Mutex
	ops  map[string]*opRecord
	seed uint64
}

type opRecord struct {
	count, errors int64
	samples       []time.Duration
	max           time.Duration
	firstError    string
}

func newRecorder() *recorder { return &recorder{ops: map[string]*opRecord{}, seed: 0x9e3779b97f4a7c15} }

func (r *recorder) add(op string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.ops[op]
	if o == nil {
		o = &opRecord{}
		r.ops[op] = o
	}
	o.count++
	if err != nil {
		o.errors++
		if o.firstError == "" {
			o.firstError = err.Error()
		}
		return
	}
	o.max = max(o.max, d)
	ok := o.count - o.errors
	if len(o.samples) < maxSamples {
		o.samples = append(o.samples, d)
		return
	}
	// xorshift: a cheap, deterministic choice of the sample to replace.
	r.seed ^= r.seed << 13
	r.seed ^= r.seed >> 7
	r.seed ^= r.seed << 17
	if j := int64(r.seed % uint64(ok)); j < maxSamples {
		o.samples[j] = d
	}
}

// stats summarises every operation over a run of the given length, in the order given (others
// after, by name).
func (r *recorder) stats(elapsed time.Duration, order []string) []OpStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.ops))
	for n := range r.ops {
		names = append(names, n)
	}
	rank := func(n string) int {
		if i := slices.Index(order, n); i >= 0 {
			return i
		}
		return len(order)
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	out := make([]OpStats, 0, len(names))
	for _, n := range names {
		o := r.ops[n]
		s := append([]time.Duration(nil), o.samples...)
		slices.Sort(s)
		st := OpStats{Op: n, Count: o.count, Errors: o.errors, FirstError: o.firstError, Max: ms(o.max),
			P50: ms(quantile(s, 0.50)), P90: ms(quantile(s, 0.90)), P99: ms(quantile(s, 0.99))}
		if elapsed > 0 {
			st.PerSecond = round(float64(o.count-o.errors)/elapsed.Seconds(), 1)
		}
		out = append(out, st)
	}
	return out
}

// quantile is the nearest-rank quantile of sorted durations (0 for none).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// WithRatios sets each operation's ratios to the baseline's figures.
func WithRatios(ops []OpStats, base OpStats) []OpStats {
	out := append([]OpStats(nil), ops...)
	for i := range out {
		if base.PerSecond > 0 {
			out[i].ThroughputRatio = round(out[i].PerSecond/base.PerSecond, 3)
		}
		if base.P50 > 0 {
			out[i].P50Ratio = round(out[i].P50/base.P50, 3)
		}
		if base.P99 > 0 {
			out[i].P99Ratio = round(out[i].P99/base.P99, 3)
		}
	}
	return out
}

// WriteTable prints operations as an aligned table.
func WriteTable(w io.Writer, ops []OpStats, ratios bool) {
	head := fmt.Sprintf("%-16s %9s %7s %10s %9s %9s %9s %9s", "operation", "count", "errors", "ok/s", "p50 ms", "p90 ms", "p99 ms", "max ms")
	if ratios {
		head += fmt.Sprintf(" %9s %9s %9s", "×tput", "×p50", "×p99")
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, strings.Repeat("-", len([]rune(head))))
	for _, o := range ops {
		line := fmt.Sprintf("%-16s %9d %7d %10.1f %9.2f %9.2f %9.2f %9.2f", o.Op, o.Count, o.Errors, o.PerSecond, o.P50, o.P90, o.P99, o.Max)
		if ratios {
			line += fmt.Sprintf(" %9.2f %9.2f %9.2f", o.ThroughputRatio, o.P50Ratio, o.P99Ratio)
		}
		fmt.Fprintln(w, line)
	}
	for _, o := range ops {
		if o.FirstError != "" {
			fmt.Fprintf(w, "  first error of %s: %s\n", o.Op, o.FirstError)
		}
	}
}
