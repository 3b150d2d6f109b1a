package calendar

import (
	"fmt"
	"time"

	"civicgrid"
)

// China is the zone all civil dates and business hours are read in. China observes no daylight
// saving time, so a fixed offset of UTC+8 is exact.
var China = time.FixedZone("CST", 8*3600)

// MaxSpansPerDay bounds how many business-hour spans one weekday may have.
const MaxSpansPerDay = 6

// Span is a stretch of business hours within one day, in minutes since midnight, half-open
// [Start, End): {540, 720} is 09:00–12:00, and End may be 1440 (midnight at the end of the day).
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// String formats the span as "09:00-12:00".
func (s Span) String() string { return clockText(s.Start) + "-" + clockText(s.End) }

func clockText(m int) string {
	if m < 0 || m > 24*60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// Hours are the business hours of an ordinary week, indexed by time.Weekday (Hours[time.Sunday] is
// Sunday). Each day's spans are sorted and do not overlap.
type Hours [7][]Span

// DefaultHours are the usual hours of a Chinese government office: Monday to Friday 09:00–12:00 and
// 13:30–17:30 (seven working hours with a lunch break), Saturday and Sunday closed.
func DefaultHours() Hours {
	var h Hours
	for wd := time.Monday; wd <= time.Friday; wd++ {
		h[wd] = []Span{{9 * 60, 12 * 60}, {13*60 + 30, 17*60 + 30}}
	}
	return h
}

// Validate checks that every day's spans lie within 0..1440, end after they start, are sorted and do
// not overlap (touching is allowed), that no day has more than MaxSpansPerDay spans, and that the week
// has at least one working minute.
func (h Hours) Validate() error {
	total := 0
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		spans := h[wd]
		field := "hours." + weekdayKey(wd)
		if len(spans) > MaxSpansPerDay {
			return civicgrid.Errorf(civicgrid.EINVALID, "%s has %d business-hour spans; at most %d are allowed",
				wd, len(spans), MaxSpansPerDay).WithDetail("field", field).WithDetail("max", MaxSpansPerDay)
		}
		prevEnd := 0
		for i, s := range spans {
			f := fmt.Sprintf("%s[%d]", field, i)
			if s.Start < 0 || s.End > 24*60 {
				return civicgrid.Errorf(civicgrid.EINVALID,
					"%s span %d (start %d, end %d) must lie within 0 and 1440 minutes after midnight (00:00-24:00)",
					wd, i+1, s.Start, s.End).WithDetail("field", f)
			}
			if s.End <= s.Start {
				return civicgrid.Errorf(civicgrid.EINVALID, "%s span %d (%s) must end after it starts",
					wd, i+1, s).WithDetail("field", f)
			}
			if i > 0 && s.Start < prevEnd {
				return civicgrid.Errorf(civicgrid.EINVALID,
					"%s span %d (%s) starts before span %d ends at %s; list spans in order without overlap",
					wd, i+1, s, i, clockText(prevEnd)).WithDetail("field", f)
			}
			prevEnd = s.End
			total += s.End - s.Start
		}
	}
	if total == 0 {
		return civicgrid.Errorf(civicgrid.EINVALID, "business hours must include at least one working minute in the week").
			WithDetail("field", "hours")
	}
	return nil
}

// DayMinutes returns the number of business minutes on an ordinary day with weekday wd.
func (h Hours) DayMinutes(wd time.Weekday) int {
	if wd < time.Sunday || wd > time.Saturday {
		return 0
	}
	n := 0
	for _, s := range h[wd] {
		n += s.End - s.Start
	}
	return n
}

func (h Hours) clone() Hours {
	var c Hours
	for i, spans := range h {
		if len(spans) > 0 {
			c[i] = append([]Span(nil), spans...)
		}
	}
	return c
}

func weekdayKey(wd time.Weekday) string {
	return [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}[wd]
}
