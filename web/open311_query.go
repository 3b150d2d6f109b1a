package web

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/store"
)

// Parsing of the query strings of Open311's GET resources. These parsers see only the query and the
// current time, so that they can be fuzzed on their own; the handlers resolve what needs the
// configuration (jurisdictions).

// Bounds of the GET resources.
const (
	o311DefaultWindow = 90 * 24 * time.Hour // GET requests without dates: the last 90 days
	o311MaxWindow     = 90 * 24 * time.Hour // start_date to end_date may not span more
	o311MaxPageSize   = store.MaxListLimit  // page_size, and the default
	o311MaxPage       = 100000              // page numbers beyond this are refused
	o311MaxIDs        = MaxFilterValues     // service_request_id and service_code lists
	o311UpdatesWindow = 24 * time.Hour      // servicerequestupdates without dates: the last day
	o311UpdatesMax    = 31 * 24 * time.Hour // servicerequestupdates: at most 31 days at once
	o311MaxUpdates    = store.MaxListLimit  // updates in one answer
)

// o311Query is a GET requests query: the case filter it selects, and the options of the answer.
type o311Query struct {
	Filter store.CaseFilter
	// Jurisdiction is the jurisdiction_id as given ("" for none); the handler resolves it.
	Jurisdiction string
	// Extensions asks for extended_attributes on every request.
	Extensions bool
}

// o311QueryParams are the parameters GET requests reads; others (a client's api_key, for one) are
// ignored, as clients of other servers send them.
var o311QueryParams = []string{"service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id",
	"page", "page_size", "updated_after", "updated_before", "bbox", "extensions"}

var o311CodeRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// parseO311Query reads the query of GET requests.{fmt}.
func parseO311Query(q url.Values, now time.Time) (o311Query, error) {
	out := o311Query{Filter: store.CaseFilter{Limit: o311MaxPageSize}}
	get, err := singleValues(q, o311QueryParams)
	if err != nil {
		return out, err
	}
	f := &out.Filter
	out.Jurisdiction = get["jurisdiction_id"]
	if v := get["extensions"]; v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return out, o311Invalid("extensions", "extensions must be true or false")
		}
		out.Extensions = b
	}
	if err := parsePaging(get, f); err != nil {
		return out, err
	}
	if v := get["service_request_id"]; v != "" {
		// A list of IDs overrides every other argument (paging and jurisdiction included); the
		// others are still checked.
		ids, err := parseIDList(v)
		if err != nil {
			return out, err
		}
		f.IDs, f.Limit, f.Offset = ids, o311MaxPageSize, 0
		return out, nil
	}
	if v := get["service_code"]; v != "" {
		codes := strings.Split(v, ",")
		if len(codes) > o311MaxIDs {
			return out, o311Invalid("service_code", "at most %d service codes in one query", o311MaxIDs)
		}
		for _, c := range codes {
			if !o311CodeRe.MatchString(c) {
				return out, o311Invalid("service_code", "service_code %q is not a service code", clipText(c, 40))
			}
		}
		f.MatterCodes = codes
	}
	if v := get["status"]; v != "" {
		states, err := parseStatusList(v)
		if err != nil {
			return out, err
		}
		f.States = states
	}
	if v := get["bbox"]; v != "" {
		b, err := parseBBox(v)
		if err != nil {
			return out, err
		}
		f.BBox = &b
	}
	times := map[string]time.Time{}
	for _, name := range []string{"start_date", "end_date", "updated_after", "updated_before"} {
		if v := get[name]; v != "" {
			t, err := parseW3CTime(name, v)
			if err != nil {
				return out, err
			}
			times[name] = t
		}
	}
	f.UpdatedAfter, f.UpdatedBefore = times["updated_after"], times["updated_before"]
	if !f.UpdatedAfter.IsZero() && !f.UpdatedBefore.IsZero() && !f.UpdatedAfter.Before(f.UpdatedBefore) {
		return out, o311Invalid("updated_before", "updated_before must be later than updated_after")
	}
	start, hasStart := times["start_date"]
	end, hasEnd := times["end_date"]
	switch {
	case hasStart && hasEnd:
		if end.Before(start) {
			return out, o311Invalid("end_date", "end_date is earlier than start_date")
		}
		if end.Sub(start) > o311MaxWindow {
			return out, o311Invalid("end_date", "start_date and end_date may not span more than 90 days")
		}
	case hasStart:
		end = start.Add(o311MaxWindow)
	case hasEnd:
		start = end.Add(-o311MaxWindow)
	case f.UpdatedAfter.IsZero() && f.UpdatedBefore.IsZero():
		// Nothing says which cases: the last 90 days. A client that follows changes with
		// updated_after sees every case that changed, however old.
		start, end = now.Add(-o311DefaultWindow), now
	default:
		return out, nil
	}
	// end_date is included: the store's bound is exclusive, at microsecond precision.
	f.ReportedFrom, f.ReportedTo = start, end.Add(time.Microsecond)
	return out, nil
}

// parseO311Window reads start_date and end_date of servicerequestupdates: by default the last day
// (or the day after start_date, or before end_date), at most 31 days.
func parseO311Window(q url.Values, now time.Time) (from, to time.Time, jurisdiction string, err error) {
	get, err := singleValues(q, []string{"start_date", "end_date", "jurisdiction_id"})
	if err != nil {
		return from, to, "", err
	}
	var hasFrom, hasTo bool
	if v := get["start_date"]; v != "" {
		if from, err = parseW3CTime("start_date", v); err != nil {
			return from, to, "", err
		}
		hasFrom = true
	}
	if v := get["end_date"]; v != "" {
		if to, err = parseW3CTime("end_date", v); err != nil {
			return from, to, "", err
		}
		hasTo = true
	}
	switch {
	case hasFrom && hasTo:
	case hasFrom:
		to = from.Add(o311UpdatesWindow)
	case hasTo:
		from = to.Add(-o311UpdatesWindow)
	default:
		from, to = now.Add(-o311UpdatesWindow), now
	}
	if to.Before(from) {
		return from, to, "", o311Invalid("end_date", "end_date is earlier than start_date")
	}
	if to.Sub(from) > o311UpdatesMax {
		return from, to, "", o311Invalid("end_date", "start_date and end_date may not span more than 31 days")
	}
	return from, to, get["jurisdiction_id"], nil
}

// singleValues returns the named parameters, refusing any given twice or holding text that is not
// plain UTF-8.
func singleValues(q url.Values, names []string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	for _, name := range names {
		vs := q[name]
		if len(vs) > 1 {
			return nil, o311Invalid(name, "%s is given %d times; give it once", name, len(vs))
		}
		if len(vs) == 1 {
			if err := civicgrid.CheckText(name, vs[0], 10000); err != nil {
				return nil, err
			}
			out[name] = strings.TrimSpace(vs[0])
		}
	}
	return out, nil
}

func parsePaging(get map[string]string, f *store.CaseFilter) error {
	page := 1
	if v := get["page"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > o311MaxPage {
			return o311Invalid("page", "page must be a whole number from 1 to %d", o311MaxPage)
		}
		page = n
	}
	if v := get["page_size"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > o311MaxPageSize {
			return o311Invalid("page_size", "page_size must be a whole number from 1 to %d", o311MaxPageSize)
		}
		f.Limit = n
	}
	f.Offset = (page - 1) * f.Limit
	return nil
}

func parseIDList(v string) ([]int64, error) {
	parts := strings.Split(v, ",")
	if len(parts) > o311MaxIDs {
		return nil, o311Invalid("service_request_id", "at most %d service_request_id values in one query", o311MaxIDs)
	}
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id <= 0 {
			return nil, o311Invalid("service_request_id", "service_request_id %q is not a request ID (a positive whole number)", clipText(p, 40))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// o311OpenStates are the states GeoReport calls open: every state but the three where the loop ended.
var o311OpenStates = func() []casework.State {
	var out []casework.State
	for _, st := range casework.States {
		if o311StatusOf(st) == "open" {
			out = append(out, st)
		}
	}
	return out
}()

func parseStatusList(v string) ([]casework.State, error) {
	var open, closed bool
	for _, s := range strings.Split(v, ",") {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "open":
			open = true
		case "closed":
			closed = true
		default:
			return nil, o311Invalid("status", "status %q is not open or closed", clipText(s, 40))
		}
	}
	switch {
	case open && closed:
		return nil, nil
	case open:
		return o311OpenStates, nil
	}
	return []casework.State{casework.Closed, casework.Rejected, casework.Voided}, nil
}

// parseBBox reads min_lon,min_lat,max_lon,max_lat (WGS-84).
func parseBBox(v string) ([4]float64, error) {
	var b [4]float64
	parts := strings.Split(v, ",")
	bad := o311Invalid("bbox", "bbox must be min_lon,min_lat,max_lon,max_lat in WGS-84 degrees, the minimum before the maximum")
	if len(parts) != 4 {
		return b, bad
	}
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return b, bad
		}
		b[i] = x
	}
	if b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] > b[2] || b[1] > b[3] {
		return b, bad
	}
	return b, nil
}

// parseW3CTime reads a W3C datetime (the profile of ISO 8601 the specification names) with its
// zone: 2026-03-02T09:00:00+08:00, 2026-03-02T01:00:00Z, with optional seconds fraction, or
// without seconds. A date or time without a zone is refused: it would name a different instant in
// every time zone. A "+" sent unescaped in a query string arrives as a space; a space in the
// offset's place is read as the "+" it was.
func parseW3CTime(field, v string) (time.Time, error) {
	if n := len(v); n > 6 && v[n-6] == ' ' {
		v = v[:n-6] + "+" + v[n-5:]
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil && t.Year() >= 1 && t.Year() <= 9999 {
			return t, nil
		}
	}
	return time.Time{}, o311Invalid(field, "%s must be a W3C datetime with a time zone, e.g. 2026-03-02T09:00:00+08:00 or 2026-03-02T01:00:00Z; %q is not", field, clipText(v, 40))
}

// o311Invalid is a 400 naming the parameter at fault.
func o311Invalid(field, format string, args ...any) error {
	return civicgrid.Errorf(civicgrid.EINVALID, format, args...).WithDetail("field", field)
}

// clipText shortens s to at most n characters for an error message.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
