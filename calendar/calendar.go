// Package calendar is the working calendar: business hours per weekday with a lunch break, statutory
// holidays and make-up working days (调休) as data, and exact deadline arithmetic in working minutes.
//
// Time model. Every instant is read in the China zone (UTC+8, no daylight saving time). The working
// clock has minute resolution: an instant is truncated to the start of the minute that contains it
// (09:00:59.9 counts as 09:00), both where counting starts and where it ends. Computed results are
// whole minutes and are returned in the China zone; an argument returned unchanged keeps its own
// location and sub-minute part.
//
// Which days are worked. A date listed as off is not worked whatever its weekday. A date listed as
// work is worked with the hours of an ordinary Monday (if Monday has no hours, those of the first
// weekday after Monday that has some), as make-up days in China follow a normal office day. Dates
// not listed follow Hours by weekday.
package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"civicgrid"
)

const (
	minutesPerDay = 24 * 60
	chinaOffset   = 8 * 3600 // seconds east of UTC
	// horizonWeeks bounds how far the arithmetic reaches (about 640,000 years of weeks): larger
	// amounts saturate instead of overflowing.
	horizonWeeks = 1 << 25
	maxAmount    = 1 << 40
)

// Calendar answers working-time questions. Build it with New; it is immutable and safe for
// concurrent use.
type Calendar struct {
	hours Hours

	dayMin   [7]int64  // business minutes of an ordinary day, by weekday
	cumMin   [15]int64 // cumMin[i] = sum of dayMin over weekdays 0..i-1, running over two weeks
	weekMin  int64     // business minutes of an ordinary week (> 0)
	cumDays  [15]int64 // like cumMin, counting days with business hours
	weekDays int64     // working days of an ordinary week (> 0)

	workSpans []Span // hours of a date listed as work
	workMin   int64

	days []Day   // listed dates, sorted
	dns  []int64 // their day numbers (days since 1970-01-01), parallel to days
}

// New validates hours and days and builds a calendar. A date may be listed only once.
func New(hours Hours, days []Day) (*Calendar, error) {
	if err := hours.Validate(); err != nil {
		return nil, err
	}
	c := &Calendar{hours: hours.clone()}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		c.dayMin[wd] = int64(c.hours.DayMinutes(wd))
		if c.dayMin[wd] > 0 {
			c.weekDays++
		}
		c.weekMin += c.dayMin[wd]
	}
	for i := 0; i < 14; i++ {
		c.cumMin[i+1] = c.cumMin[i] + c.dayMin[i%7]
		c.cumDays[i+1] = c.cumDays[i]
		if c.dayMin[i%7] > 0 {
			c.cumDays[i+1]++
		}
	}
	for i := 0; i < 7; i++ {
		wd := (time.Monday + time.Weekday(i)) % 7
		if c.dayMin[wd] > 0 {
			c.workSpans, c.workMin = c.hours[wd], c.dayMin[wd]
			break
		}
	}
	listed, err := checkDays(days)
	if err != nil {
		return nil, err
	}
	c.setDays(listed)
	return c, nil
}

// With returns a new calendar with days merged in: a day replaces a listed day of the same date.
// c itself is unchanged.
func (c *Calendar) With(days []Day) (*Calendar, error) {
	add, err := checkDays(days)
	if err != nil {
		return nil, err
	}
	merged := make(map[int64]Day, len(c.days)+len(add))
	for i, d := range c.days {
		merged[c.dns[i]] = d
	}
	for dn, d := range add {
		merged[dn] = d
	}
	n := *c
	n.setDays(merged)
	return &n, nil
}

// checkDays validates days and indexes them by day number, refusing a date listed twice.
func checkDays(days []Day) (map[int64]Day, error) {
	out := make(map[int64]Day, len(days))
	at := make(map[int64]int, len(days))
	for i, d := range days {
		if e := d.check(); e != nil {
			e.Message = fmt.Sprintf("days[%d]: %s", i, e.Message)
			return nil, e.WithDetail("index", i)
		}
		dn, _ := parseDate(d.Date)
		if j, dup := at[dn]; dup {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "days[%d]: date %s is already listed as days[%d]; list each date once",
				i, d.Date, j).WithDetail("index", i).WithDetail("field", "date")
		}
		at[dn] = i
		out[dn] = d
	}
	return out, nil
}

func (c *Calendar) setDays(m map[int64]Day) {
	c.dns = make([]int64, 0, len(m))
	for dn := range m {
		c.dns = append(c.dns, dn)
	}
	slices.Sort(c.dns)
	c.days = make([]Day, len(c.dns))
	for i, dn := range c.dns {
		c.days[i] = m[dn]
	}
}

// Hours returns a copy of the business hours.
func (c *Calendar) Hours() Hours { return c.hours.clone() }

// Days returns a copy of the listed days, sorted by date.
func (c *Calendar) Days() []Day { return slices.Clone(c.days) }

// String summarises the calendar for logs.
func (c *Calendar) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "calendar: %d working minutes a week, %d listed days", c.weekMin, len(c.days))
	if len(c.days) > 0 {
		fmt.Fprintf(&b, " (%s to %s)", c.days[0].Date, c.days[len(c.days)-1].Date)
	}
	return b.String()
}

// --- civil time ---

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// split returns the civil day number of t in China and the minute of that day, truncating seconds.
func split(t time.Time) (day int64, minute int) {
	mi := floorDiv(t.Unix()+chinaOffset, 60)
	day = floorDiv(mi, minutesPerDay)
	return day, int(mi - day*minutesPerDay)
}

// weekdayOf returns the weekday of a day number; 1970-01-01 was a Thursday.
func weekdayOf(day int64) time.Weekday {
	return time.Weekday(day + 4 - floorDiv(day+4, 7)*7)
}

// instant returns the start of the given minute of a civil day in China.
func instant(day int64, minute int) time.Time {
	return time.Unix(day*86400+int64(minute)*60-chinaOffset, 0).In(China)
}

// listed returns the index of day among the listed days.
func (c *Calendar) listed(day int64) (int, bool) { return slices.BinarySearch(c.dns, day) }

func (c *Calendar) listedSpans(i int) ([]Span, int64) {
	if c.days[i].Kind == Off {
		return nil, 0
	}
	return c.workSpans, c.workMin
}

// spansOn returns the business hours of a civil day and their total in minutes.
func (c *Calendar) spansOn(day int64) ([]Span, int64) {
	if i, ok := c.listed(day); ok {
		return c.listedSpans(i)
	}
	wd := weekdayOf(day)
	return c.hours[wd], c.dayMin[wd]
}

// minutesWithin counts business minutes of spans in [from, to).
func minutesWithin(spans []Span, from, to int) int64 {
	var n int64
	for _, s := range spans {
		lo, hi := max(s.Start, from), min(s.End, to)
		if hi > lo {
			n += int64(hi - lo)
		}
	}
	return n
}

// advanceWithin walks spans from minute from and returns the minute at which rem (> 0) business
// minutes have elapsed; otherwise it returns how many remain after the day.
func advanceWithin(spans []Span, from int, rem int64) (at int, left int64, ok bool) {
	for _, s := range spans {
		lo := max(s.Start, from)
		if lo >= s.End {
			continue
		}
		avail := int64(s.End - lo)
		if rem <= avail {
			return lo + int(rem), 0, true
		}
		rem -= avail
	}
	return 0, rem, false
}

// baseMinutes counts business minutes of ordinary weeks over days [d1, d2), ignoring listed days.
func (c *Calendar) baseMinutes(d1, d2 int64) int64 {
	n := d2 - d1
	w := int(weekdayOf(d1))
	r := int(n % 7)
	return n/7*c.weekMin + c.cumMin[w+r] - c.cumMin[w]
}

// wholeDayMinutes counts business minutes over days [d1, d2): the ordinary weeks in constant time,
// then a correction for each listed day in the range.
func (c *Calendar) wholeDayMinutes(d1, d2 int64) int64 {
	if d2 <= d1 {
		return 0
	}
	total := c.baseMinutes(d1, d2)
	i, _ := c.listed(d1)
	for ; i < len(c.dns) && c.dns[i] < d2; i++ {
		_, m := c.listedSpans(i)
		total += m - c.dayMin[weekdayOf(c.dns[i])]
	}
	return total
}

// --- working-time arithmetic ---

// IsWorkingDay reports whether t's civil date in China has business hours.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	day, _ := split(t)
	_, m := c.spansOn(day)
	return m > 0
}

// WorkingMinutesBetween counts the business minutes in [a, b), both truncated to the minute; it is 0
// if b is not after a.
func (c *Calendar) WorkingMinutesBetween(a, b time.Time) int64 {
	if !a.Before(b) {
		return 0
	}
	da, ma := split(a)
	db, mb := split(b)
	if da == db {
		spans, _ := c.spansOn(da)
		return minutesWithin(spans, ma, mb)
	}
	first, _ := c.spansOn(da)
	last, _ := c.spansOn(db)
	return minutesWithin(first, ma, minutesPerDay) + c.wholeDayMinutes(da+1, db) + minutesWithin(last, 0, mb)
}

// AddWorkingMinutes returns the earliest instant at which m business minutes have elapsed since t
// (truncated to the minute): the end of the m-th business minute at or after t. The result is a whole
// minute at the end of a business minute, so it may be the start of a break (12:00) or the close of
// business, but never lies inside a break or a day off. WorkingMinutesBetween(t, result) == m.
// For m <= 0 it returns t unchanged, even outside business hours.
func (c *Calendar) AddWorkingMinutes(t time.Time, m int64) time.Time {
	if m <= 0 {
		return t
	}
	m = min(m, horizonWeeks*c.weekMin)
	day, minute := split(t)
	spans, _ := c.spansOn(day)
	at, m, ok := advanceWithin(spans, minute, m)
	if ok {
		return instant(day, at)
	}
	for day++; ; day++ {
		i, _ := c.listed(day)
		// Skip whole ordinary weeks before the next listed day, keeping at least one minute to place.
		weeks := (m - 1) / c.weekMin
		if i < len(c.dns) {
			weeks = min(weeks, (c.dns[i]-day)/7)
		}
		day += 7 * weeks
		m -= weeks * c.weekMin
		// At most a week of ordinary days remains before the answer or the next listed day.
		for ; i == len(c.dns) || day < c.dns[i]; day++ {
			if at, m, ok = advanceWithin(c.hours[weekdayOf(day)], 0, m); ok {
				return instant(day, at)
			}
		}
		spans, _ := c.listedSpans(i)
		if at, m, ok = advanceWithin(spans, 0, m); ok {
			return instant(day, at)
		}
	}
}

// nthWorkingDay returns the n-th (n >= 1) day with business hours strictly after day.
func (c *Calendar) nthWorkingDay(day, n int64) int64 {
	n = min(n, horizonWeeks*c.weekDays)
	for day++; ; day++ {
		i, _ := c.listed(day)
		weeks := (n - 1) / c.weekDays
		if i < len(c.dns) {
			weeks = min(weeks, (c.dns[i]-day)/7)
		}
		day += 7 * weeks
		n -= weeks * c.weekDays
		for ; i == len(c.dns) || day < c.dns[i]; day++ {
			if c.dayMin[weekdayOf(day)] > 0 {
				if n--; n == 0 {
					return day
				}
			}
		}
		if _, m := c.listedSpans(i); m > 0 {
			if n--; n == 0 {
				return day
			}
		}
	}
}

// Deadline returns when limit l, started at start, runs out:
//   - working_hours: AddWorkingMinutes(start, 60·N);
//   - working_days: the close of business (end of the day's last span) of the N-th working day
//     strictly after start's civil date, since the day a period starts is not counted
//     (期间开始的日不计算在期间内);
//   - natural_hours: start + N hours;
//   - natural_days: start + N·24 hours (the same wall-clock time N days later, China having no DST).
//
// The zero Limit (no limit) and invalid limits have no deadline: the result is the zero time.Time.
func (c *Calendar) Deadline(start time.Time, l Limit) time.Time {
	if l.Amount <= 0 {
		return time.Time{}
	}
	n := min(int64(l.Amount), maxAmount)
	switch l.Unit {
	case WorkingHours:
		return c.AddWorkingMinutes(start, 60*n)
	case WorkingDays:
		day, _ := split(start)
		day = c.nthWorkingDay(day, n)
		spans, _ := c.spansOn(day)
		return instant(day, spans[len(spans)-1].End)
	case NaturalHours:
		return c.Advance(false, start, 60*n)
	case NaturalDays:
		return c.Advance(false, start, minutesPerDay*n)
	}
	return time.Time{}
}

// Measure returns the minutes from a to b on the working clock (WorkingMinutesBetween) or on the
// natural clock (whole minutes of b−a, rounded down); 0 if b is not after a.
func (c *Calendar) Measure(working bool, a, b time.Time) int64 {
	if working {
		return c.WorkingMinutesBetween(a, b)
	}
	if !a.Before(b) {
		return 0
	}
	secs := b.Unix() - a.Unix()
	if b.Nanosecond() < a.Nanosecond() {
		secs--
	}
	return secs / 60
}

// Advance is the inverse of Measure: AddWorkingMinutes(t, m) on the working clock, t + m minutes
// on the natural clock. For m <= 0 it returns t unchanged.
func (c *Calendar) Advance(working bool, t time.Time, m int64) time.Time {
	if m <= 0 {
		return t
	}
	if working {
		return c.AddWorkingMinutes(t, m)
	}
	m = min(m, horizonWeeks*7*minutesPerDay)
	return time.Unix(t.Unix()+60*m, int64(t.Nanosecond())).In(China)
}

// WarnAt returns the instant at which percent% of the budget Measure(working, start, due) has
// elapsed, the elapsed minutes rounded down: Advance(working, start, budget·percent/100). percent is
// clamped to 0..100; at 0 (or with no budget) the result is start.
func (c *Calendar) WarnAt(start, due time.Time, working bool, percent int) time.Time {
	percent = min(max(percent, 0), 100)
	budget := c.Measure(working, start, due)
	return c.Advance(working, start, budget*int64(percent)/100)
}
