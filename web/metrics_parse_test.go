package web_test

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A strict reader of the Prometheus text exposition format (0.0.4), written from its
// specification, to hold /metrics to it: every family has one HELP and one TYPE line before its
// samples and is not split; names and label names are well formed; label values use only the three
// escapes; no series appears twice; counters end in _total; a histogram's buckets are cumulative,
// end with le="+Inf" and that bucket equals its _count.

type expoSample struct {
	name   string
	labels map[string]string
	value  float64
}

type expoFamily struct {
	name, typ, help string
	samples         []expoSample
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseExposition parses text strictly, failing the test on any fault.
func parseExposition(t *testing.T, text string) map[string]*expoFamily {
	t.Helper()
	fams, faults := readExposition(text)
	for _, f := range faults {
		t.Error(f)
	}
	return fams
}

// readExposition parses text and lists every way it departs from the format.
func readExposition(text string) (map[string]*expoFamily, []string) {
	var faults []string
	fault := func(format string, args ...any) { faults = append(faults, fmt.Sprintf(format, args...)) }
	fams := map[string]*expoFamily{}
	var cur *expoFamily
	seen := map[string]bool{}
	if !strings.HasSuffix(text, "\n") {
		fault("exposition does not end with a newline")
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		switch {
		case strings.HasPrefix(line, "# HELP "):
			name, help, _ := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			if !metricName.MatchString(name) {
				fault("line %d: bad metric name %q", n, name)
			}
			if fams[name] != nil {
				fault("line %d: family %s appears twice", n, name)
			}
			if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(help, `\\`, ""), `\n`, ""), `\`) {
				fault("line %d: help text has an escape other than \\\\ and \\n: %q", n, help)
			}
			cur = &expoFamily{name: name, help: help}
			fams[name] = cur
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(strings.TrimPrefix(line, "# TYPE "), " ")
			if cur == nil || cur.name != name || cur.typ != "" || len(cur.samples) > 0 {
				fault("line %d: TYPE of %s does not follow its HELP line", n, name)
				continue
			}
			switch typ {
			case "counter", "gauge", "histogram", "summary", "untyped":
			default:
				fault("line %d: unknown type %q", n, typ)
			}
			if typ == "counter" && !strings.HasSuffix(name, "_total") {
				fault("line %d: counter %s does not end in _total", n, name)
			}
			cur.typ = typ
		case strings.HasPrefix(line, "#") || line == "":
			fault("line %d: unexpected line %q", n, line)
		default:
			s, err := parseSample(line)
			if err != nil {
				fault("line %d: %v: %q", n, err, line)
				continue
			}
			if cur == nil || cur.typ == "" || !belongsTo(s.name, cur) {
				fault("line %d: sample %s is outside its family's block", n, s.name)
				continue
			}
			key := seriesKey(s.name, s.labels)
			if seen[key] {
				fault("line %d: series %s appears twice", n, key)
			}
			seen[key] = true
			cur.samples = append(cur.samples, s)
		}
	}
	for _, f := range fams {
		if f.typ == "histogram" {
			checkHistogram(f, fault)
		}
	}
	return fams, faults
}

func belongsTo(sample string, f *expoFamily) bool {
	if f.typ == "histogram" {
		return sample == f.name+"_bucket" || sample == f.name+"_sum" || sample == f.name+"_count"
	}
	return sample == f.name
}

func parseSample(line string) (expoSample, error) {
	s := expoSample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, fmt.Errorf("no value")
	}
	s.name = line[:i]
	if !metricName.MatchString(s.name) {
		return s, fmt.Errorf("bad metric name %q", s.name)
	}
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			eq := strings.IndexByte(rest, '=')
			if eq < 0 {
				return s, fmt.Errorf("label without =")
			}
			name := rest[:eq]
			if !labelName.MatchString(name) {
				return s, fmt.Errorf("bad label name %q", name)
			}
			if _, dup := s.labels[name]; dup {
				return s, fmt.Errorf("label %s twice", name)
			}
			rest = rest[eq+1:]
			if !strings.HasPrefix(rest, `"`) {
				return s, fmt.Errorf("label value not quoted")
			}
			var val strings.Builder
			j := 1
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\n' {
					return s, fmt.Errorf("raw newline in a label value")
				}
				if rest[j] != '\\' {
					val.WriteByte(rest[j])
					continue
				}
				j++
				switch {
				case j < len(rest) && rest[j] == '\\':
					val.WriteByte('\\')
				case j < len(rest) && rest[j] == '"':
					val.WriteByte('"')
				case j < len(rest) && rest[j] == 'n':
					val.WriteByte('\n')
				default:
					return s, fmt.Errorf("bad escape in a label value")
				}
			}
			if j >= len(rest) {
				return s, fmt.Errorf("unterminated label value")
			}
			s.labels[name] = val.String()
			rest = rest[j+1:]
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
				continue
			}
			if !strings.HasPrefix(rest, "}") {
				return s, fmt.Errorf("labels not closed")
			}
			rest = rest[1:]
			break
		}
	}
	if !strings.HasPrefix(rest, " ") || strings.Contains(rest[1:], " ") {
		return s, fmt.Errorf("want exactly one space and a value after the name and labels")
	}
	v, err := strconv.ParseFloat(rest[1:], 64)
	if err != nil {
		return s, fmt.Errorf("bad value: %v", err)
	}
	s.value = v
	return s, nil
}

func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k, v := range labels {
		keys = append(keys, k+"="+strconv.Quote(v))
	}
	sort.Strings(keys)
	return name + "{" + strings.Join(keys, ",") + "}"
}

// checkHistogram checks each series of a histogram: buckets ascending in le and in count, a +Inf
// bucket, and _count equal to it.
func checkHistogram(f *expoFamily, fault func(string, ...any)) {
	type series struct {
		les    []float64
		counts []float64
		count  float64
		hasCnt bool
	}
	by := map[string]*series{}
	get := func(s expoSample) *series {
		l := map[string]string{}
		for k, v := range s.labels {
			if k != "le" {
				l[k] = v
			}
		}
		key := seriesKey(f.name, l)
		if by[key] == nil {
			by[key] = &series{}
		}
		return by[key]
	}
	for _, s := range f.samples {
		switch s.name {
		case f.name + "_bucket":
			le, err := strconv.ParseFloat(s.labels["le"], 64)
			if err != nil {
				fault("%s: bucket le=%q is not a number", f.name, s.labels["le"])
				continue
			}
			sr := get(s)
			sr.les, sr.counts = append(sr.les, le), append(sr.counts, s.value)
		case f.name + "_count":
			sr := get(s)
			sr.count, sr.hasCnt = s.value, true
		}
	}
	for key, sr := range by {
		if len(sr.les) == 0 || !math.IsInf(sr.les[len(sr.les)-1], 1) {
			fault("%s: no +Inf bucket last", key)
			continue
		}
		for i := 1; i < len(sr.les); i++ {
			if sr.les[i] <= sr.les[i-1] || sr.counts[i] < sr.counts[i-1] {
				fault("%s: buckets not cumulative at le=%v", key, sr.les[i])
			}
		}
		if !sr.hasCnt || sr.count != sr.counts[len(sr.counts)-1] {
			fault("%s: _count %v differs from the +Inf bucket %v", key, sr.count, sr.counts[len(sr.counts)-1])
		}
	}
}

// value returns the sample named name (the family's own name, or a histogram's _bucket, _sum or
// _count) with exactly the given labels (name, value pairs).
func (f *expoFamily) value(name string, labels ...string) (float64, bool) {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	key := seriesKey(name, want)
	for _, s := range f.samples {
		if seriesKey(s.name, s.labels) == key {
			return s.value, true
		}
	}
	return 0, false
}
