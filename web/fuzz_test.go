package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// codedOnly fails unless err is nil or a coded error a client can be shown (never internal).
func codedOnly(t *testing.T, err error, allowed ...string) {
	t.Helper()
	if err == nil {
		return
	}
	code := civicgrid.ErrorCode(err)
	for _, a := range allowed {
		if code == a {
			return
		}
	}
	t.Fatalf("error %q has code %q, want one of %v", err, code, allowed)
}

func decodeBody(body []byte, v any) error {
	r := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	return decodeJSON(httptest.NewRecorder(), r, v)
}

var fuzzCal = func() *calendar.Calendar {
	c, err := calendar.New(calendar.DefaultHours(), calendar.Seed())
	if err != nil {
		panic(err)
	}
	return c
}()

func fuzzEnv() casework.Env {
	l := calendar.Limit{Amount: 4, Unit: calendar.WorkingHours}
	lim := catalog.Limits{Stages: map[catalog.Stage]calendar.Limit{}, Whole: calendar.Limit{Amount: 5, Unit: calendar.WorkingDays}}
	for _, s := range catalog.Stages {
		lim.Stages[s] = l
	}
	return casework.Env{Now: time.Date(2026, 3, 2, 10, 0, 0, 0, calendar.China), Calendar: fuzzCal, Limits: lim, WarnPercent: 80,
		RatingWindow: 7 * 24 * time.Hour, UnitPath: func(id string) (string, bool) { return "/310113000000/" + id + "/", len(id) > 0 && len(id) < 40 }}
}

// FuzzReportBody feeds arbitrary bytes to the case-creation body and, when it decodes, through the
// domain's report validation.
func FuzzReportBody(f *testing.F) {
	f.Add([]byte(`{"matter_code":"E0502","description":"占道经营","lat":31.4,"lon":121.48}`))
	f.Add([]byte(`{"matter_code":"E0502","description":"x","attributes":{"a":[1,"b",null]},"reporter":{"name":"n"}}`))
	f.Add([]byte(`{"matter_code":1}`))
	f.Add([]byte(`{"description":"\u0000"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.ReportInput
		err := decodeBody(body, &in)
		codedOnly(t, err, civicgrid.EINVALID, civicgrid.ETOOLARGE)
		if err != nil {
			return
		}
		r := casework.Report{MatterCode: in.MatterCode, Urgency: in.Urgency, Channel: in.Channel, Title: in.Title, Description: in.Description,
			Address: in.Address, Reporter: in.Reporter, Attributes: in.Attributes, Media: in.Media,
			Originator: "310113000000", OriginatorPath: "/310113000000/", TerritoryPath: "/310113000000/", TrackingCode: "ABCDEFGHJK"}
		if r.Channel == "" {
			r.Channel = casework.ChannelPortal
		}
		ev, err := casework.NewCase(1, r, org.Actor{Name: "resident", Role: org.RoleResident}, fuzzEnv())
		codedOnly(t, err, civicgrid.EINVALID)
		if err == nil {
			var c casework.Case
			casework.Seal("", &ev)
			if err := casework.Apply(&c, ev); err != nil {
				t.Fatalf("an accepted report does not apply: %v", err)
			}
		}
	})
}

// FuzzActionBody feeds arbitrary action bodies to every action a handler or dispatcher can take on
// a case in handling.
func FuzzActionBody(f *testing.F) {
	f.Add([]byte(`{"result":"已处置","photos_after":["a"]}`))
	f.Add([]byte(`{"extension":{"amount":2,"unit":"working_days"},"reason":"需协调"}`))
	f.Add([]byte(`{"lead":"x","units":["y","y"],"ack_limit":{"amount":-1,"unit":"h"}}`))
	f.Add([]byte(`{"rating":"dissatisfied","expect_seq":99}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in casework.Input
		err := decodeBody(body, &in)
		codedOnly(t, err, civicgrid.EINVALID, civicgrid.ETOOLARGE)
		if err != nil {
			return
		}
		c := handlingCase(t)
		handler := org.Actor{UserID: 7, Name: "h", Role: org.RoleHandler, Unit: "310113000000-chengguan", UnitPath: "/310113000000/310113000000-chengguan/"}
		dispatcher := org.Actor{UserID: 8, Name: "d", Role: org.RoleDispatcher, Unit: "310113000000", UnitPath: "/310113000000/"}
		for _, tr := range casework.Table() {
			for _, actor := range []org.Actor{handler, dispatcher} {
				cc := *c
				ev, err := casework.Decide(&cc, actor, tr.Action, in, fuzzEnv())
				codedOnly(t, err, civicgrid.EINVALID, civicgrid.ECONFLICT, civicgrid.EFORBIDDEN)
				if err == nil {
					casework.Seal(cc.LastHash, &ev)
					if err := casework.Apply(&cc, ev); err != nil {
						t.Fatalf("accepted %s does not apply: %v", tr.Action, err)
					}
				}
			}
		}
	})
}

// handlingCase builds a case dispatched to the district's 城管 and signed, through real events.
func handlingCase(t *testing.T) *casework.Case {
	t.Helper()
	env := fuzzEnv()
	r := casework.Report{MatterCode: "E0502", Channel: casework.ChannelHotline, Description: "d", Originator: "310113000000",
		OriginatorPath: "/310113000000/", TerritoryPath: "/310113000000/310113003000/", TrackingCode: "ABCDEFGHJK"}
	intake := org.Actor{UserID: 1, Name: "i", Role: org.RoleIntake, Unit: "310113000000", UnitPath: "/310113000000/"}
	ev, err := casework.NewCase(1, r, intake, env)
	if err != nil {
		t.Fatal(err)
	}
	c := &casework.Case{}
	step := func(ev casework.Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		casework.Seal(c.LastHash, &ev)
		if err := casework.Apply(c, ev); err != nil {
			t.Fatal(err)
		}
	}
	step(ev, nil)
	step(casework.Decide(c, intake, casework.ActFile, casework.Input{}, env))
	env.Target = &casework.Route{Lead: "310113000000-chengguan", LeadPath: "/310113000000/310113000000-chengguan/", Mode: catalog.Professional, Reason: "r"}
	step(casework.Decide(c, org.Actor{UserID: 2, Name: "d", Role: org.RoleDispatcher, Unit: "310113000000", UnitPath: "/310113000000/"}, casework.ActDispatch, casework.Input{}, env))
	step(casework.Decide(c, org.Actor{UserID: 3, Name: "h", Role: org.RoleHandler, Unit: "310113000000-chengguan", UnitPath: "/310113000000/310113000000-chengguan/"}, casework.ActSign, casework.Input{}, env))
	return c
}

// FuzzCaseListQuery feeds arbitrary query strings to the case list's filter parser.
func FuzzCaseListQuery(f *testing.F) {
	f.Add("state=filed,handling&limit=20")
	f.Add("cursor=MTIz&overdue=true&light=red&reported_from=2026-01-01T00:00:00%2B08:00")
	f.Add("limit=0&state=nope")
	f.Fuzz(func(t *testing.T, q string) {
		r, err := http.NewRequest("GET", "/api/v1/cases?"+q, nil)
		if err != nil {
			return
		}
		f, err := caseFilter(r)
		codedOnly(t, err, civicgrid.EINVALID)
		if err == nil && (f.Limit < 1 || f.Limit > MaxPageSize || f.Before < 0) {
			t.Fatalf("accepted filter out of bounds: %+v", f)
		}
	})
}
