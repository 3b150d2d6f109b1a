package loadgen

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRecorderStats: counts, errors with the first message, nearest-rank quantiles and the
// throughput over the run's length.
func TestRecorderStats(t *testing.T) {
	r := newRecorder()
	for i := 1; i <= 100; i++ {
		r.add("op", time.Duration(i)*time.Millisecond, nil)
	}
	r.add("op", time.Hour, errors.New("status 500: boom"))
	r.add("op", time.Hour, errors.New("status 503: later"))
	st := r.stats(10*time.Second, nil)
	if len(st) != 1 {
		t.Fatalf("stats %+v", st)
	}
	o := st[0]
	if o.Count != 102 || o.Errors != 2 || o.FirstError != "status 500: boom" {
		t.Fatalf("counts %+v", o)
	}
	// 100 successes over 10 s; failures do not count as throughput, nor as latency.
	if o.PerSecond != 10 || o.P50 != 50 || o.P90 != 90 || o.P99 != 99 || o.Max != 100 {
		t.Fatalf("figures %+v", o)
	}
	base := OpStats{PerSecond: 40, P50: 25, P99: 33}
	rt := WithRatios(st, base)[0]
	if rt.ThroughputRatio != 0.25 || rt.P50Ratio != 2 || rt.P99Ratio != 3 {
		t.Fatalf("ratios %+v", rt)
	}
	if st[0].ThroughputRatio != 0 {
		t.Fatal("WithRatios changed its argument")
	}
}

// TestRecorderBoundsSamples keeps at most maxSamples latencies, replacing uniformly, so a long run
// has bounded memory and its quantiles stay those of the whole run.
func TestRecorderBoundsSamples(t *testing.T) {
	r := newRecorder()
	n := maxSamples + maxSamples/2
	for i := 0; i < n; i++ {
		// The first two thirds are fast, the last third slow.
		d := time.Millisecond
		if i >= maxSamples {
			d = 3 * time.Millisecond
		}
		r.add("op", d, nil)
	}
	if got := len(r.ops["op"].samples); got != maxSamples {
		t.Fatalf("%d samples kept", got)
	}
	slow := 0
	for _, d := range r.ops["op"].samples {
		if d == 3*time.Millisecond {
			slow++
		}
	}
	// A third of the latencies are slow; a uniform sample holds about a third of them.
	if frac := float64(slow) / maxSamples; frac < 0.30 || frac > 0.37 {
		t.Fatalf("%.3f of the kept samples are slow, want about 1/3", frac)
	}
	if o := r.stats(time.Second, nil)[0]; o.Count != int64(n) || o.P50 != 1 || o.P90 != 3 || o.Max != 3 {
		t.Fatalf("stats %+v", o)
	}
}

// TestStatsOrderAndTable: operations come in the given order, others after by name, and the table
// has a row per operation with the first error underneath.
func TestStatsOrderAndTable(t *testing.T) {
	r := newRecorder()
	for _, op := range []string{"zeta", OpWorkbench, OpReport, "alpha"} {
		r.add(op, time.Millisecond, nil)
	}
	r.add(OpReport, 0, errors.New("refused"))
	st := r.stats(time.Second, OpOrder)
	var names []string
	for _, o := range st {
		names = append(names, o.Op)
	}
	if got := strings.Join(names, ","); got != "open311_report,workbench,alpha,zeta" {
		t.Fatalf("order %s", got)
	}
	var b strings.Builder
	WriteTable(&b, st, true)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2+4+1 || !strings.HasPrefix(lines[2], "open311_report") || !strings.Contains(lines[6], "first error of open311_report: refused") {
		t.Fatalf("table:\n%s", b.String())
	}
	if f := strings.Fields(lines[2]); len(f) != 11 || f[1] != "2" || f[2] != "1" {
		t.Fatalf("row %q", lines[2])
	}
}
