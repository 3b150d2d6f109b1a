package calendar

import (
	"math/rand"
	"strings"
	"testing"
	"time"

	"civicgrid"
)

// at parses "2006-01-02 15:04" (or with ":05") as a civil time in China.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout = "2006-01-02 15:04:05"
	}
	v, err := time.ParseInLocation(layout, s, China)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func seedCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := New(DefaultHours(), Seed())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantTime(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	w := at(t, want)
	if !got.Equal(w) {
		t.Errorf("%s = %s, want %s", what, got.In(China).Format("2006-01-02 15:04:05 Mon"), w.Format("2006-01-02 15:04:05 Mon"))
	}
}

func TestDefaultHours(t *testing.T) {
	h := DefaultHours()
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	// 09:00–12:00 is 180 minutes, 13:30–17:30 is 240: 420 a weekday, none at the weekend.
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		want := 420
		if wd == time.Saturday || wd == time.Sunday {
			want = 0
		}
		if got := h.DayMinutes(wd); got != want {
			t.Errorf("DayMinutes(%s) = %d, want %d", wd, got, want)
		}
	}
	if got := h.DayMinutes(7); got != 0 {
		t.Errorf("DayMinutes(7) = %d, want 0", got)
	}
}

func TestHoursValidate(t *testing.T) {
	mon := func(spans ...Span) Hours {
		var h Hours
		h[time.Monday] = spans
		return h
	}
	cases := []struct {
		name  string
		h     Hours
		want  string
		field string
	}{
		{"empty week", Hours{}, "at least one working minute", "hours"},
		{"negative start", mon(Span{-1, 60}), "Monday span 1 (start -1, end 60) must lie within 0 and 1440", "hours.monday[0]"},
		{"end past midnight", mon(Span{600, 1441}), "must lie within 0 and 1440", "hours.monday[0]"},
		{"empty span", mon(Span{600, 600}), "Monday span 1 (10:00-10:00) must end after it starts", "hours.monday[0]"},
		{"reversed span", mon(Span{720, 540}), "must end after it starts", "hours.monday[0]"},
		{"overlap", mon(Span{540, 750}, Span{720, 900}), "Monday span 2 (12:00-15:00) starts before span 1 ends at 12:30", "hours.monday[1]"},
		{"unsorted", mon(Span{810, 1050}, Span{540, 720}), "starts before span 1 ends at 17:30", "hours.monday[1]"},
		{"too many", mon(Span{0, 10}, Span{20, 30}, Span{40, 50}, Span{60, 70}, Span{80, 90}, Span{100, 110}, Span{120, 130}),
			"Monday has 7 business-hour spans; at most 6 are allowed", "hours.monday"},
	}
	for _, c := range cases {
		err := c.h.Validate()
		e, ok := err.(*civicgrid.Error)
		if !ok || e.Code != civicgrid.EINVALID {
			t.Errorf("%s: err = %v, want *civicgrid.Error invalid", c.name, err)
			continue
		}
		if !strings.Contains(e.Message, c.want) || e.Details["field"] != c.field {
			t.Errorf("%s: got %q field %v, want message containing %q field %q", c.name, e.Message, e.Details["field"], c.want, c.field)
		}
	}
	// Touching spans, a span to midnight and six spans are fine.
	ok := mon(Span{0, 10}, Span{10, 30}, Span{40, 50}, Span{60, 70}, Span{80, 90}, Span{1000, 1440})
	if err := ok.Validate(); err != nil {
		t.Errorf("valid hours rejected: %v", err)
	}
}

func TestSeed(t *testing.T) {
	days := Seed()
	// The seed file has 108 data lines: 36 dates in 2024, 33 in 2025 and 39 in 2026.
	if len(days) != 108 {
		t.Fatalf("Seed() has %d days, want 108", len(days))
	}
	for i, d := range days {
		if err := d.Validate(); err != nil {
			t.Errorf("seed day %d: %v", i, err)
		}
		if i > 0 && days[i-1].Date >= d.Date {
			t.Errorf("seed not sorted at %d: %s then %s", i, days[i-1].Date, d.Date)
		}
	}
	days[0].Name = "changed"
	if Seed()[0].Name != "元旦" {
		t.Error("Seed() shares its slice with callers")
	}
	if _, err := New(DefaultHours(), Seed()); err != nil {
		t.Fatal(err)
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := seedCalendar(t)
	cases := map[string]bool{
		"2025-09-26 10:00": true,  // Friday
		"2025-09-27 10:00": false, // Saturday, not listed
		"2025-09-28 10:00": true,  // Sunday, listed work (国庆节调休上班)
		"2025-09-30 23:59": true,  // Tuesday
		"2025-10-01 00:00": false, // National Day
		"2025-10-08 12:00": false, // Wednesday, listed off
		"2025-10-09 00:00": true,  // Thursday
		"2025-10-11 03:00": true,  // Saturday, listed work; the whole civil day counts
		"2025-10-12 10:00": false, // Sunday
		"2026-02-14 10:00": true,  // Saturday, 春节调休上班
		"2026-02-16 10:00": false, // Monday, 春节
		"2027-01-04 10:00": true,  // Monday beyond the seed: weekday rule
		"1969-12-31 10:00": true,  // Wednesday before the Unix epoch
		"1970-01-03 10:00": false, // Saturday
	}
	for s, want := range cases {
		if got := c.IsWorkingDay(at(t, s)); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", s, got, want)
		}
	}
	// The civil date is China's even when the instant is given in another zone: 2025-09-30 20:00 UTC
	// is 2025-10-01 04:00 in China, a holiday.
	if c.IsWorkingDay(time.Date(2025, 9, 30, 20, 0, 0, 0, time.UTC)) {
		t.Error("IsWorkingDay read the date in UTC, not in China")
	}
}

func TestNationalDay2025(t *testing.T) {
	c := seedCalendar(t)
	start := at(t, "2025-09-30 15:00")
	// Working days strictly after Tue 2025-09-30: 10-01..10-08 are off, Thu 10-09 is the 1st, Fri
	// 10-10 the 2nd, Sat 10-11 (make-up) the 3rd. Close of business is 17:30.
	wantTime(t, "1 working day", c.Deadline(start, Limit{1, WorkingDays}), "2025-10-09 17:30")
	wantTime(t, "2 working days", c.Deadline(start, Limit{2, WorkingDays}), "2025-10-10 17:30")
	wantTime(t, "3 working days", c.Deadline(start, Limit{3, WorkingDays}), "2025-10-11 17:30")
	// ... then Sun 10-12 is off, Mon 10-13 is the 4th.
	wantTime(t, "4 working days", c.Deadline(start, Limit{4, WorkingDays}), "2025-10-13 17:30")

	// 8 working hours = 480 minutes from Tue 09-30 16:00: 16:00–17:30 gives 90 (390 left); the next
	// working day is Thu 10-09: 09:00–12:00 gives 180 (210 left); 13:30 + 210 min = 17:00.
	from := at(t, "2025-09-30 16:00")
	wantTime(t, "8 working hours", c.Deadline(from, Limit{8, WorkingHours}), "2025-10-09 17:00")
	if got := c.WorkingMinutesBetween(from, at(t, "2025-10-09 17:00")); got != 480 {
		t.Errorf("WorkingMinutesBetween over the holiday = %d, want 480", got)
	}

	// The Sunday make-up day 09-28 is worked with Monday hours: from Sat 09-27 10:00, 60 minutes end
	// at 09-28 10:00.
	wantTime(t, "Saturday + 60", c.AddWorkingMinutes(at(t, "2025-09-27 10:00"), 60), "2025-09-28 10:00")
	// From Fri 10-10 18:00 (after close) the next business minute is Sat 10-11 09:00 (make-up day).
	wantTime(t, "after close Friday + 60", c.AddWorkingMinutes(at(t, "2025-10-10 18:00"), 60), "2025-10-11 10:00")
	// Starting on a holiday: Fri 10-03 10:00 + 60 min lands on Thu 10-09 10:00.
	wantTime(t, "holiday + 60", c.AddWorkingMinutes(at(t, "2025-10-03 10:00"), 60), "2025-10-09 10:00")
	wantTime(t, "holiday + 1 working day", c.Deadline(at(t, "2025-10-03 10:00"), Limit{1, WorkingDays}), "2025-10-09 17:30")
	if got := c.WorkingMinutesBetween(at(t, "2025-10-01 00:00"), at(t, "2025-10-09 00:00")); got != 0 {
		t.Errorf("minutes over the holiday itself = %d, want 0", got)
	}
}

func TestLunchBreakAndEdges(t *testing.T) {
	c := seedCalendar(t)
	// Thu 2025-10-09 is an ordinary working day.
	wantTime(t, "11:00 + 60", c.AddWorkingMinutes(at(t, "2025-10-09 11:00"), 60), "2025-10-09 12:00") // ends at the break start
	wantTime(t, "11:00 + 61", c.AddWorkingMinutes(at(t, "2025-10-09 11:00"), 61), "2025-10-09 13:31")
	wantTime(t, "12:15 + 30", c.AddWorkingMinutes(at(t, "2025-10-09 12:15"), 30), "2025-10-09 14:00") // inside the break
	wantTime(t, "12:00 + 1", c.AddWorkingMinutes(at(t, "2025-10-09 12:00"), 1), "2025-10-09 13:31")
	wantTime(t, "07:00 + 60", c.AddWorkingMinutes(at(t, "2025-10-09 07:00"), 60), "2025-10-09 10:00")   // before opening
	wantTime(t, "19:00 + 60", c.AddWorkingMinutes(at(t, "2025-10-09 19:00"), 60), "2025-10-10 10:00")   // after close
	wantTime(t, "17:00 + 30", c.AddWorkingMinutes(at(t, "2025-10-09 17:00"), 30), "2025-10-09 17:30")   // close of business
	wantTime(t, "17:00 + 31", c.AddWorkingMinutes(at(t, "2025-10-09 17:00"), 31), "2025-10-10 09:01")   // next morning
	wantTime(t, "09:00 + 420", c.AddWorkingMinutes(at(t, "2025-10-09 09:00"), 420), "2025-10-09 17:30") // a whole day
	// 11:30–12:00 is 30, the break counts nothing, 13:30–14:00 is 30.
	if got := c.WorkingMinutesBetween(at(t, "2025-10-09 11:30"), at(t, "2025-10-09 14:00")); got != 60 {
		t.Errorf("across lunch = %d, want 60", got)
	}
	if got := c.WorkingMinutesBetween(at(t, "2025-10-09 12:00"), at(t, "2025-10-09 13:30")); got != 0 {
		t.Errorf("inside lunch = %d, want 0", got)
	}
	if got := c.WorkingMinutesBetween(at(t, "2025-10-09 14:00"), at(t, "2025-10-09 11:30")); got != 0 {
		t.Errorf("reversed = %d, want 0", got)
	}
	// 1 working day from a start before opening still skips the start day: Thu 10-09 07:00 → Fri 10-10.
	wantTime(t, "1 day from early morning", c.Deadline(at(t, "2025-10-09 07:00"), Limit{1, WorkingDays}), "2025-10-10 17:30")
}

func TestSubMinuteTruncation(t *testing.T) {
	c := seedCalendar(t)
	// Seconds are dropped: 10:00:59 counts as 10:00 at both ends.
	if got := c.WorkingMinutesBetween(at(t, "2025-10-09 10:00:59"), at(t, "2025-10-09 10:01:00")); got != 1 {
		t.Errorf("10:00:59→10:01:00 = %d, want 1", got)
	}
	if got := c.WorkingMinutesBetween(at(t, "2025-10-09 10:00:01"), at(t, "2025-10-09 10:00:59")); got != 0 {
		t.Errorf("within one minute = %d, want 0", got)
	}
	wantTime(t, "10:00:45 + 5", c.AddWorkingMinutes(at(t, "2025-10-09 10:00:45"), 5), "2025-10-09 10:05")
	// The natural clock measures the real duration: 9 min 50 s rounds down to 9.
	if got := c.Measure(false, at(t, "2025-10-09 10:00:30"), at(t, "2025-10-09 10:10:20")); got != 9 {
		t.Errorf("natural Measure = %d, want 9", got)
	}
	a := at(t, "2025-10-09 10:00:30").Add(700 * time.Millisecond)
	b := at(t, "2025-10-09 10:01:30").Add(699 * time.Millisecond)
	if got := c.Measure(false, a, b); got != 0 {
		t.Errorf("natural Measure of 59.999 s = %d, want 0", got)
	}
	if got := c.Measure(false, b, a); got != 0 {
		t.Errorf("natural Measure backwards = %d, want 0", got)
	}
}

func TestZeroAndNegativeAmounts(t *testing.T) {
	c := seedCalendar(t)
	// m <= 0 returns the argument unchanged, location and seconds included, even outside business hours.
	sat := time.Date(2025, 10, 12, 3, 4, 5, 6, time.UTC)
	for _, m := range []int64{0, -5} {
		if got := c.AddWorkingMinutes(sat, m); got != sat {
			t.Errorf("AddWorkingMinutes(t, %d) = %v, want t unchanged", m, got)
		}
		if got := c.Advance(false, sat, m); got != sat {
			t.Errorf("Advance(natural, t, %d) = %v, want t unchanged", m, got)
		}
	}
	if got := c.Deadline(sat, Limit{}); !got.IsZero() {
		t.Errorf("Deadline of no limit = %v, want zero time", got)
	}
	if got := c.Deadline(sat, Limit{3, "fortnights"}); !got.IsZero() {
		t.Errorf("Deadline of unknown unit = %v, want zero time", got)
	}
}

func TestNaturalDeadlines(t *testing.T) {
	c := seedCalendar(t)
	start := at(t, "2025-09-30 15:00:30")
	wantTime(t, "24 natural hours", c.Deadline(start, Limit{24, NaturalHours}), "2025-10-01 15:00:30")
	wantTime(t, "10 natural days", c.Deadline(start, Limit{10, NaturalDays}), "2025-10-10 15:00:30")
	// Natural clocks ignore holidays and the zone the instant is given in.
	utc := start.UTC()
	wantTime(t, "3 natural hours from UTC", c.Deadline(utc, Limit{3, NaturalHours}), "2025-09-30 18:00:30")
	if got := c.Deadline(utc, Limit{3, NaturalHours}); got.Location() != China {
		t.Errorf("result location = %v, want China", got.Location())
	}
}

func TestSpringFestival2026(t *testing.T) {
	c := seedCalendar(t)
	start := at(t, "2026-02-13 10:00") // Friday before the holiday
	// After Fri 02-13: Sat 02-14 is a make-up day (1st), 02-15..02-23 off, Tue 02-24 (2nd),
	// Wed 02-25 (3rd), Thu 02-26 (4th), Fri 02-27 (5th), Sat 02-28 make-up (6th), Mon 03-02 (7th).
	wantTime(t, "1 working day", c.Deadline(start, Limit{1, WorkingDays}), "2026-02-14 17:30")
	wantTime(t, "2 working days", c.Deadline(start, Limit{2, WorkingDays}), "2026-02-24 17:30")
	wantTime(t, "5 working days", c.Deadline(start, Limit{5, WorkingDays}), "2026-02-27 17:30")
	wantTime(t, "6 working days", c.Deadline(start, Limit{6, WorkingDays}), "2026-02-28 17:30")
	wantTime(t, "7 working days", c.Deadline(start, Limit{7, WorkingDays}), "2026-03-02 17:30")
	// Working days from 02-13 00:00 to 03-02 00:00: 02-13, 02-14, 02-24..02-27, 02-28 = 7 × 420.
	if got := c.WorkingMinutesBetween(at(t, "2026-02-13 00:00"), at(t, "2026-03-02 00:00")); got != 7*420 {
		t.Errorf("Spring Festival fortnight = %d, want %d", got, 7*420)
	}
	// 10 working hours (600 min) from Fri 02-13 10:00: 02-13 gives 120 + 240 = 360 (240 left); the
	// make-up Saturday 02-14 has Monday hours, 09:00–12:00 gives 180 (60 left), 13:30 + 60 = 14:30.
	wantTime(t, "10 working hours", c.Deadline(start, Limit{10, WorkingHours}), "2026-02-14 14:30")
	// 14 working hours (840 min): 360 + 420 (all of 02-14) = 780, 60 left; the next working day is
	// Tue 02-24: 09:00 + 60 = 10:00.
	wantTime(t, "14 working hours", c.Deadline(start, Limit{14, WorkingHours}), "2026-02-24 10:00")
}

func TestWholeYears(t *testing.T) {
	c := seedCalendar(t)
	// 2024: 366 days from Monday, so 52 weeks + Mon, Tue = 262 weekdays. Holidays on weekdays:
	// 元旦 1, 春节 5 (02-12..02-16), 清明 2, 劳动 3, 端午 1, 中秋 2, 国庆 5 = 19. Make-up days: 02-04,
	// 02-18, 04-07, 04-28, 05-11, 09-14, 09-29, 10-12 = 8. 262 − 19 + 8 = 251 working days.
	// 2025: 365 days from Wednesday = 261 weekdays. Holidays on weekdays: 元旦 1, 春节 6, 清明 1,
	// 劳动 3, 端午 1, 国庆中秋 6 = 18. Make-up days: 01-26, 02-08, 04-27, 09-28, 10-11 = 5. 248.
	// 2026: 365 days from Thursday = 261 weekdays. Holidays on weekdays: 元旦 2, 春节 6, 清明 1,
	// 劳动 3, 端午 1, 中秋 1, 国庆 5 = 19. Make-up days: 01-04, 02-14, 02-28, 05-09, 09-20, 10-10 = 6. 248.
	// 2027 is not listed: 365 days from Friday = 52 × 5 + 1 = 261.
	want := map[int]int64{2024: 251, 2025: 248, 2026: 248, 2027: 261}
	for y, days := range want {
		a := time.Date(y, 1, 1, 0, 0, 0, 0, China)
		b := time.Date(y+1, 1, 1, 0, 0, 0, 0, China)
		if got := c.WorkingMinutesBetween(a, b); got != days*420 {
			t.Errorf("%d: %d working minutes, want %d × 420 = %d", y, got, days, days*420)
		}
		if got := c.AddWorkingMinutes(a, days*420); !got.Equal(time.Date(y, 12, 31, 17, 30, 0, 0, China)) {
			t.Errorf("%d: a year of minutes ends %v, want 31 Dec 17:30", y, got)
		}
	}
}

func TestMakeUpDayHours(t *testing.T) {
	// Monday 08:00–12:00 only, Tuesday 09:00–17:00; a listed work day uses Monday's hours.
	var h Hours
	h[time.Monday] = []Span{{480, 720}}
	h[time.Tuesday] = []Span{{540, 1020}}
	c, err := New(h, []Day{{Date: "2025-10-11", Kind: Work, Name: "补班"}})
	if err != nil {
		t.Fatal(err)
	}
	// From Sat 10-11 00:00, 240 minutes fill 08:00–12:00.
	wantTime(t, "make-up day", c.AddWorkingMinutes(at(t, "2025-10-11 00:00"), 240), "2025-10-11 12:00")
	wantTime(t, "close of business", c.Deadline(at(t, "2025-10-10 10:00"), Limit{1, WorkingDays}), "2025-10-11 12:00")

	// Without Monday hours the first weekday after Monday with hours is used (Tuesday here).
	var h2 Hours
	h2[time.Tuesday] = []Span{{540, 600}}
	h2[time.Sunday] = []Span{{0, 30}}
	c2, err := New(h2, []Day{{Date: "2025-10-11", Kind: Work}})
	if err != nil {
		t.Fatal(err)
	}
	wantTime(t, "make-up day without Monday hours", c2.AddWorkingMinutes(at(t, "2025-10-11 00:00"), 60), "2025-10-11 10:00")
}

func TestWith(t *testing.T) {
	c := seedCalendar(t)
	// A local override: 2025-10-08 (Wed, seed: off) becomes a working day.
	c2, err := c.With([]Day{{Date: "2025-10-08", Kind: Work, Name: "本市调整"}, {Date: "2027-01-01", Kind: Off, Name: "元旦"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkingDay(at(t, "2025-10-08 10:00")) || !c2.IsWorkingDay(at(t, "2025-10-08 10:00")) {
		t.Error("With did not override the seed day or changed the original")
	}
	if len(c2.Days()) != len(c.Days())+1 {
		t.Errorf("With: %d days, want %d (one replaced, one added)", len(c2.Days()), len(c.Days())+1)
	}
	// 8 working hours from 09-30 16:00 now end a day earlier: 90 on 09-30, 420 on 10-08 covers 390:
	// 09:00–12:00 (180) and 13:30 + 210 = 17:00.
	wantTime(t, "with override", c2.Deadline(at(t, "2025-09-30 16:00"), Limit{8, WorkingHours}), "2025-10-08 17:00")
	days := c2.Days()
	for i := 1; i < len(days); i++ {
		if days[i-1].Date >= days[i].Date {
			t.Fatalf("Days() not sorted at %d", i)
		}
	}
	for _, d := range days {
		if d.Date == "2025-10-08" && (d.Kind != Work || d.Name != "本市调整") {
			t.Errorf("overridden day = %+v", d)
		}
	}
	_, err = c.With([]Day{{Date: "2025-10-08", Kind: Work}, {Date: "2025-10-08", Kind: Off}})
	if e, ok := err.(*civicgrid.Error); !ok || !strings.Contains(e.Message, "days[1]: date 2025-10-08 is already listed as days[0]") {
		t.Errorf("duplicate in With: %v", err)
	}
	_, err = c.With([]Day{{Date: "2025-10-08", Kind: "holiday"}})
	if !civicgrid.IsCode(err, civicgrid.EINVALID) || !strings.Contains(err.Error(), "not one of off (holiday), work") {
		t.Errorf("bad kind in With: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Hours{}, nil); !civicgrid.IsCode(err, civicgrid.EINVALID) {
		t.Errorf("empty hours: %v", err)
	}
	_, err := New(DefaultHours(), []Day{{Date: "2025-02-29", Kind: Off}})
	if err == nil || !strings.Contains(err.Error(), "days[0]: date \"2025-02-29\" is not a real calendar date; 2025-02 has 28 days") {
		t.Errorf("bad date: %v", err)
	}
}

func TestImmutability(t *testing.T) {
	c := seedCalendar(t)
	h := c.Hours()
	h[time.Monday][0] = Span{0, 1440}
	days := c.Days()
	days[0].Kind = Work
	if c.Hours()[time.Monday][0] != (Span{540, 720}) || c.Days()[0].Kind != Off {
		t.Error("Hours() or Days() exposes internal state")
	}
	in := DefaultHours()
	c2, _ := New(in, nil)
	in[time.Monday][0] = Span{0, 1}
	if c2.Hours()[time.Monday][0] != (Span{540, 720}) {
		t.Error("New keeps the caller's slices")
	}
}

func TestWarnAt(t *testing.T) {
	c := seedCalendar(t)
	start := at(t, "2025-09-30 16:00")
	due := c.Deadline(start, Limit{8, WorkingHours}) // 2025-10-09 17:00, 480 working minutes
	// 80% of 480 = 384: 90 on 09-30 (294 left), 180 on the morning of 10-09 (114 left), 13:30 + 114 = 15:24.
	wantTime(t, "80% working", c.WarnAt(start, due, true, 80), "2025-10-09 15:24")
	wantTime(t, "100% working", c.WarnAt(start, due, true, 100), "2025-10-09 17:00")
	wantTime(t, "0%", c.WarnAt(start, due, true, 0), "2025-09-30 16:00")
	wantTime(t, "clamped above 100", c.WarnAt(start, due, true, 250), "2025-10-09 17:00")
	// 7 working minutes, 80% = 5.6 rounded down to 5: 10:00 + 5.
	wantTime(t, "rounding", c.WarnAt(at(t, "2025-10-09 10:00"), at(t, "2025-10-09 10:07"), true, 80), "2025-10-09 10:05")
	// Natural: 10 days = 14400 minutes, 80% = 11520 minutes = 8 days.
	nstart := at(t, "2025-10-01 00:00")
	wantTime(t, "80% natural", c.WarnAt(nstart, c.Deadline(nstart, Limit{10, NaturalDays}), false, 80), "2025-10-09 00:00")
	// A due date before the start has no budget.
	wantTime(t, "no budget", c.WarnAt(start, start.Add(-time.Hour), true, 80), "2025-09-30 16:00")
}

func TestLongHorizon(t *testing.T) {
	c := seedCalendar(t)
	start := at(t, "2024-03-05 10:17:42")
	for _, m := range []int64{1, 419, 420, 421, 2100, 104160, 1_000_000, 10_000_000} {
		end := c.AddWorkingMinutes(start, m)
		if got := c.WorkingMinutesBetween(start, end); got != m {
			t.Errorf("m=%d: WorkingMinutesBetween(t, Add(t, m)) = %d", m, got)
		}
		if got := c.WorkingMinutesBetween(start, end.Add(-time.Minute)); got != m-1 {
			t.Errorf("m=%d: result is not the earliest instant (%d minutes one minute before)", m, got)
		}
	}
	// The 10000th working day, counted one day at a time.
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, China)
	for n := 0; n < 10000; {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			n++
		}
	}
	wantTime(t, "10000 working days", c.Deadline(start, Limit{10000, WorkingDays}), day.Format("2006-01-02")+" 17:30")
	// Absurd amounts saturate rather than overflow or hang.
	if got := c.AddWorkingMinutes(start, 1<<62); !got.After(start) {
		t.Errorf("huge amount = %v", got)
	}
	if got := c.Deadline(start, Limit{1 << 50, WorkingDays}); !got.After(start) {
		t.Errorf("huge day count = %v", got)
	}
	if got := c.Advance(false, start, 1<<62); !got.After(start) {
		t.Errorf("huge natural amount = %v", got)
	}
}

// refCal is a deliberately slow reference: it looks at one minute at a time.
type refCal struct {
	hours Hours
	kinds map[[3]int]DayKind
}

func newRef(hours Hours, days []Day) refCal {
	r := refCal{hours: hours, kinds: map[[3]int]DayKind{}}
	for _, d := range days {
		v, err := time.ParseInLocation("2006-01-02", d.Date, China)
		if err != nil {
			panic(err)
		}
		r.kinds[[3]int{v.Year(), int(v.Month()), v.Day()}] = d.Kind
	}
	return r
}

func (r refCal) spans(t time.Time) []Span {
	lt := t.In(China)
	y, m, d := lt.Date()
	switch r.kinds[[3]int{y, int(m), d}] {
	case Off:
		return nil
	case Work:
		return r.hours[time.Monday]
	}
	return r.hours[lt.Weekday()]
}

// working reports whether the minute starting at t is a business minute.
func (r refCal) working(t time.Time) bool {
	lt := t.In(China)
	mod := lt.Hour()*60 + lt.Minute()
	for _, s := range r.spans(t) {
		if s.Start <= mod && mod < s.End {
			return true
		}
	}
	return false
}

func (r refCal) between(a, b time.Time) int64 {
	var n int64
	for m := a.Truncate(time.Minute); m.Before(b.Truncate(time.Minute)); m = m.Add(time.Minute) {
		if r.working(m) {
			n++
		}
	}
	return n
}

func (r refCal) add(t time.Time, m int64) time.Time {
	cur := t.Truncate(time.Minute)
	for ; ; cur = cur.Add(time.Minute) {
		if r.working(cur) {
			if m--; m == 0 {
				return cur.Add(time.Minute)
			}
		}
	}
}

func (r refCal) nthDay(start time.Time, n int) time.Time {
	lt := start.In(China)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, China)
	for {
		day = day.AddDate(0, 0, 1)
		if sp := r.spans(day); len(sp) > 0 {
			if n--; n == 0 {
				return day.Add(time.Duration(sp[len(sp)-1].End) * time.Minute)
			}
		}
	}
}

func randomInstant(rng *rand.Rand) time.Time {
	lo := time.Date(2024, 1, 1, 0, 0, 0, 0, China).Unix()
	hi := time.Date(2027, 1, 1, 0, 0, 0, 0, China).Unix()
	return time.Unix(lo+rng.Int63n(hi-lo), rng.Int63n(1e9))
}

func TestAgainstReference(t *testing.T) {
	c := seedCalendar(t)
	ref := newRef(DefaultHours(), Seed())
	rng := rand.New(rand.NewSource(20251001))
	cases := 300
	if testing.Short() {
		cases = 40
	}
	for i := 0; i < cases; i++ {
		a := randomInstant(rng)
		b := a.Add(time.Duration(rng.Int63n(int64(25 * 24 * time.Hour))))
		if got, want := c.WorkingMinutesBetween(a, b), ref.between(a, b); got != want {
			t.Fatalf("WorkingMinutesBetween(%v, %v) = %d, reference %d", a.In(China), b.In(China), got, want)
		}
		m := 1 + rng.Int63n(3000)
		end := c.AddWorkingMinutes(a, m)
		if want := ref.add(a, m); !end.Equal(want) {
			t.Fatalf("AddWorkingMinutes(%v, %d) = %v, reference %v", a.In(China), m, end, want)
		}
		if got := c.WorkingMinutesBetween(a, end); got != m {
			t.Fatalf("identity broken: WorkingMinutesBetween(%v, Add(.., %d)) = %d", a.In(China), m, got)
		}
		if end.Second() != 0 || end.Nanosecond() != 0 || !ref.working(end.Add(-time.Minute)) {
			t.Fatalf("AddWorkingMinutes(%v, %d) = %v is not the end of a business minute", a.In(China), m, end)
		}
		n := 1 + rng.Intn(15)
		if got, want := c.Deadline(a, Limit{n, WorkingDays}), ref.nthDay(a, n); !got.Equal(want) {
			t.Fatalf("Deadline(%v, %d working days) = %v, reference %v", a.In(China), n, got, want)
		}
	}
}

func TestBeforeEpoch(t *testing.T) {
	c := seedCalendar(t)
	ref := newRef(DefaultHours(), nil)
	// Wed 1969-12-31 16:00 + 120 working minutes: 90 that day, then Thu 1970-01-01 09:30.
	wantTime(t, "across the epoch", c.AddWorkingMinutes(at(t, "1969-12-31 16:00"), 120), "1970-01-01 09:30")
	a, b := at(t, "1969-12-20 13:05:09"), at(t, "1970-01-09 10:00")
	if got, want := c.WorkingMinutesBetween(a, b), ref.between(a, b); got != want {
		t.Errorf("across the epoch: %d, reference %d", got, want)
	}
}

func BenchmarkWorkingMinutesBetweenYear(b *testing.B) {
	c := seedCalendar(b)
	from, to := at(b, "2025-03-14 10:17"), at(b, "2026-03-14 15:42")
	b.ReportAllocs()
	for b.Loop() {
		c.WorkingMinutesBetween(from, to)
	}
}

func BenchmarkAddWorkingMinutesYear(b *testing.B) {
	c := seedCalendar(b)
	from := at(b, "2025-03-14 10:17")
	b.ReportAllocs()
	for b.Loop() {
		c.AddWorkingMinutes(from, 248*420)
	}
}

func BenchmarkDeadlineWorkingDays(b *testing.B) {
	c := seedCalendar(b)
	from := at(b, "2025-09-30 15:00")
	l := Limit{Amount: 15, Unit: WorkingDays}
	b.ReportAllocs()
	for b.Loop() {
		c.Deadline(from, l)
	}
}
