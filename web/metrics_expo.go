package web

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// expo writes the Prometheus text exposition format (version 0.0.4): for each metric family a
// "# HELP" and a "# TYPE" line, then its samples, one a line, as name{label="value",...} value.
// Every family is written whole before the next one starts, as the format requires.
type expo struct {
	b bytes.Buffer
}

// expoContentType is the media type of the text exposition format.
const expoContentType = "text/plain; version=0.0.4; charset=utf-8"

// family starts a metric family.
func (e *expo) family(name, typ, help string) {
	e.b.WriteString("# HELP ")
	e.b.WriteString(name)
	e.b.WriteByte(' ')
	e.b.WriteString(escapeHelp(help))
	e.b.WriteString("\n# TYPE ")
	e.b.WriteString(name)
	e.b.WriteByte(' ')
	e.b.WriteString(typ)
	e.b.WriteByte('\n')
}

// sample writes one sample; labels alternate names and values.
func (e *expo) sample(name string, value float64, labels ...string) {
	e.b.WriteString(name)
	if len(labels) > 0 {
		e.b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				e.b.WriteByte(',')
			}
			e.b.WriteString(labels[i])
			e.b.WriteString(`="`)
			e.b.WriteString(escapeLabel(labels[i+1]))
			e.b.WriteByte('"')
		}
		e.b.WriteByte('}')
	}
	e.b.WriteByte(' ')
	e.b.WriteString(formatValue(value))
	e.b.WriteByte('\n')
}

// single writes a family of one unlabelled sample.
func (e *expo) single(name, typ, help string, value float64) {
	e.family(name, typ, help)
	e.sample(name, value)
}

// The format escapes backslash and newline in help text, and also the double quote in label values.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

// formatValue writes values in the shortest form that parses back exactly, without an exponent
// unless the value is tiny or huge (a Unix time in seconds reads better as 1795333694.065).
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatInt(int64(v), 10)
	case math.Abs(v) >= 1e-4 && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
