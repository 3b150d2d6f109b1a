package assess

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/calendar"
)

// Period is the half-open interval [From, To) the indicators are computed for. Named periods are
// civil periods in China time: a day, an ISO week (Monday to Sunday), a month, a quarter or a year.
type Period struct {
	Name string    `json:"name,omitempty"` // "2026-03-05", "2026-W10", "2026-03", "2026-Q1", "2026"; empty for a custom range
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Bounds of any period: far enough for any record, near enough to catch a typo.
var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, calendar.China)
	maxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, calendar.China)
)

// Contains reports whether t lies in [From, To).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// ParsePeriod reads a named period: "2026-03-05" (a day), "2026-W10" (an ISO week), "2026-03" (a
// month), "2026-Q1" (a quarter) or "2026" (a year), all in China time.
func ParsePeriod(s string) (Period, error) {
	bad := func() (Period, error) {
		return Period{}, civicgrid.Errorf(civicgrid.EINVALID, "period %q is not a day (2026-03-05), ISO week (2026-W10), month (2026-03), quarter (2026-Q1) or year (2026)", s).WithDetail("field", "period")
	}
	year, rest, _ := strings.Cut(s, "-")
	y, err := strconv.Atoi(year)
	if err != nil || len(year) != 4 || y < minTime.Year() || y >= maxTime.Year() {
		return bad()
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, calendar.China) }
	var from, to time.Time
	switch {
	case rest == "" && !strings.Contains(s, "-"):
		from, to = day(y, 1, 1), day(y+1, 1, 1)
	case len(rest) == 2 && rest[0] == 'Q':
		q, err := strconv.Atoi(rest[1:])
		if err != nil || q < 1 || q > 4 {
			return bad()
		}
		from = day(y, time.Month(3*q-2), 1)
		to = from.AddDate(0, 3, 0)
	case len(rest) == 3 && rest[0] == 'W':
		w, err := strconv.Atoi(rest[1:])
		if err != nil || w < 1 || w > isoWeeks(y) {
			return bad()
		}
		from = isoWeekOne(y).AddDate(0, 0, 7*(w-1))
		to = from.AddDate(0, 0, 7)
	case len(rest) == 2:
		m, err := strconv.Atoi(rest)
		if err != nil || m < 1 || m > 12 {
			return bad()
		}
		from = day(y, time.Month(m), 1)
		to = from.AddDate(0, 1, 0)
	case len(rest) == 5 && rest[2] == '-':
		t, err := time.ParseInLocation("2006-01-02", s, calendar.China)
		if err != nil {
			return bad()
		}
		from, to = t, t.AddDate(0, 0, 1)
	default:
		return bad()
	}
	return Period{Name: s, From: from, To: to}, nil
}

// CustomPeriod is the range [from, to), which must be non-empty and lie within 2000–2099.
func CustomPeriod(from, to time.Time) (Period, error) {
	if !from.Before(to) {
		return Period{}, civicgrid.Errorf(civicgrid.EINVALID, "the period must end after it starts (from %s, to %s)", from.Format(time.RFC3339), to.Format(time.RFC3339)).WithDetail("field", "to")
	}
	if from.Before(minTime) || to.After(maxTime) {
		return Period{}, civicgrid.Errorf(civicgrid.EINVALID, "the period must lie between %s and %s", minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339)).WithDetail("field", "from")
	}
	return Period{From: from.In(calendar.China), To: to.In(calendar.China)}, nil
}

// MonthOf is the calendar month (China time) that holds t.
func MonthOf(t time.Time) Period {
	t = t.In(calendar.China)
	p, _ := ParsePeriod(fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month())))
	return p
}

// isoWeekOne is the Monday of ISO week 1 of year y: the week holding 4 January.
func isoWeekOne(y int) time.Time {
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, calendar.China)
	return jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
}

// isoWeeks is the number of ISO weeks of year y (52 or 53).
func isoWeeks(y int) int {
	if _, w := time.Date(y, 12, 28, 0, 0, 0, 0, calendar.China).ISOWeek(); w == 53 {
		return 53
	}
	return 52
}
