package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/store/storetest"
	"civicgrid/web"
)

// Units of the demo district whose handlers answer for 友谊路 and 吴淞 cases of 城管.
const (
	youyiSquad  = youyiStreet + "-chengguan"
	wusongSquad = "310113007000-chengguan"
)

// newFixtureWith is newFixture with the server's settings changed before it serves.
func newFixtureWith(t *testing.T, dsn string, configure func(s *web.Server)) *fixture {
	t.Helper()
	a, fake, log := newDemoApp(t, dsn)
	s := web.NewServer(a, log)
	configure(s)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{t: t, srv: srv, app: a, clock: fake}
}

// departmentKey creates an API key with the handler role over unit, as a department system
// holds, and returns the key.
func (f *fixture) departmentKey(unit string) string {
	f.t.Helper()
	r := f.must(http.StatusCreated, f.do("POST", "/api/v1/api-keys", f.login("city.admin"), map[string]any{
		"name": "城管执法系统 " + unit, "unit": unit, "role": "handler",
	}))
	return r.json(f.t)["key"].(string)
}

// dispatchedCase reports a 占道经营 case in 友谊路's first grid, files it and dispatches it to
// the responsible unit (the 友谊路 城管 squad), and returns its ID.
func (f *fixture) dispatchedCase() string {
	f.t.Helper()
	lat, lon := gridPoint(f.t, youyiGrid1)
	r := f.must(http.StatusCreated, f.do("POST", "/api/v1/cases", "", map[string]any{
		"matter_code": "E0502", "description": "路口有人占道摆摊卖水果", "lat": lat, "lon": lon,
	}, "X-API-Key", demoKey))
	id := caseID(f.t, r)
	f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/file", f.login("district.intake"), nil))
	r = f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/dispatch", f.login("district.dispatcher"), nil))
	if got := field(f.t, r, "assignee"); got != youyiSquad {
		f.t.Fatalf("dispatched to %v, want %s", got, youyiSquad)
	}
	return id
}

// postUpdate posts a department update as a urlencoded form to servicerequestupdates.{format}.
func (f *fixture) postUpdate(format string, form url.Values, headers ...string) response {
	f.t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)
	return f.do("POST", "/open311/v2/servicerequestupdates."+format, "", []byte(form.Encode()), h...)
}

// updateForm is a form with the key, the case, the update's ID and status, and field pairs.
func updateForm(key, id, updateID, status string, kv ...string) url.Values {
	v := url.Values{"api_key": {key}, "service_request_id": {id}, "update_id": {updateID}, "status": {status}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

type updateAnswer struct {
	UpdateID         string `json:"update_id"`
	ServiceRequestID string `json:"service_request_id"`
	Status           string `json:"status"`
	ServiceNotice    string `json:"service_notice"`
}

// answerOf decodes the JSON answer: a list of exactly one update.
func answerOf(t *testing.T, r response) updateAnswer {
	t.Helper()
	var list []updateAnswer
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list) != 1 {
		t.Fatalf("answer is not a list of one update (%v): %s", err, r.Body)
	}
	return list[0]
}

// o311ErrorOf decodes the specification's error list and returns its only entry.
func o311ErrorOf(t *testing.T, r response) (int, string) {
	t.Helper()
	var list []struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list) != 1 {
		t.Fatalf("not the specification's error list (%v): %s", err, r.Body)
	}
	if list[0].Code != r.Status {
		t.Fatalf("error code %d in a %d answer", list[0].Code, r.Status)
	}
	return list[0].Code, list[0].Description
}

// timeline returns the actions of a case's history, read by the district's intake.
func (f *fixture) timeline(id string) []map[string]any {
	f.t.Helper()
	r := f.must(http.StatusOK, f.do("GET", "/api/v1/cases/"+id, f.login("district.intake"), nil))
	var out []map[string]any
	for _, e := range r.json(f.t)["timeline"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

func actionsOf(tl []map[string]any) string {
	var a []string
	for _, e := range tl {
		a = append(a, e["action"].(string))
	}
	return strings.Join(a, ",")
}

// TestO311PostUpdateLoop: a department system signs, reports progress and reports the result of a
// case dispatched to its unit, each update a real workflow action taken with the key's role; a
// repeated update_id changes nothing and gets the first answer.
func TestO311PostUpdateLoop(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		key := f.departmentKey(youyiSquad)
		id := f.dispatchedCase()

		r := f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "cg-1001", "in_progress",
			"description", "执法队员已出发", "first_name", "建国", "last_name", "李", "email", "li.jianguo@cg.example.gov",
			"updated_datetime", "2026-03-02T08:55:00+08:00")))
		if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
			t.Fatalf("Content-Type %q", got)
		}
		first := answerOf(t, r)
		if first != (updateAnswer{UpdateID: "cg-1001", ServiceRequestID: id, Status: "IN_PROGRESS", ServiceNotice: "已签收，处置中"}) {
			t.Fatalf("answer %+v", first)
		}
		tl := f.timeline(id)
		if got := actionsOf(tl); got != "report,file,dispatch,sign,comment" {
			t.Fatalf("history %s", got)
		}
		sign, comment := tl[3], tl[4]
		actor := sign["actor"].(map[string]any)
		if actor["role"] != "handler" || actor["unit"] != youyiSquad || !strings.Contains(actor["name"].(string), "城管执法系统") {
			t.Fatalf("signed by %v, want the key's handler role over the squad", actor)
		}
		if comment["reason"] != "执法队员已出发" {
			t.Fatalf("comment %v", comment["reason"])
		}
		// The person at the department is in the audit log, not in the case's history.
		for _, e := range tl {
			if b, _ := json.Marshal(e); strings.Contains(string(b), "li.jianguo") || strings.Contains(string(b), "建国") {
				t.Fatalf("the department's e-mail is in the history: %v", e)
			}
		}
		entries, err := f.app.DB.AuditLog(ctx, "open311_update", 10)
		if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "li.jianguo@cg.example.gov") ||
			!strings.Contains(entries[0].Detail, `"建国 李"`) || entries[0].Object != "case/"+id {
			t.Fatalf("audit of the update: %+v %v", entries, err)
		}

		// The same update again — even with another status — is answered as the first time.
		for _, status := range []string{"IN_PROGRESS", "FIXED"} {
			r = f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "cg-1001", status, "description", "重发")))
			if got := answerOf(t, r); got != first {
				t.Fatalf("repeat with %s: %+v, want %+v", status, got, first)
			}
		}
		if got := actionsOf(f.timeline(id)); got != "report,file,dispatch,sign,comment" {
			t.Fatalf("a repeated update acted again: %s", got)
		}
		if entries, _ := f.app.DB.AuditLog(ctx, "open311_update", 10); len(entries) != 1 {
			t.Fatalf("a repeated update was audited again: %d entries", len(entries))
		}
		// The update ID belongs to that case; naming another with it is an error.
		other := f.dispatchedCase()
		r = f.must(http.StatusBadRequest, f.postUpdate("json", updateForm(key, other, "cg-1001", "IN_PROGRESS")))
		if _, d := o311ErrorOf(t, r); !strings.Contains(d, "already used for service request "+id) {
			t.Fatalf("reused update_id: %s", d)
		}

		// A progress note while handling is a comment; without text there is nothing to record.
		f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "cg-1002", "ACTION_SCHEDULED", "description", "已约定明早整治")))
		r = f.must(http.StatusBadRequest, f.postUpdate("json", updateForm(key, id, "cg-1003", "INVESTIGATING")))
		if _, d := o311ErrorOf(t, r); !strings.Contains(d, "description is required") {
			t.Fatalf("progress without text: %s", d)
		}
		// FIXED needs the result.
		r = f.must(http.StatusBadRequest, f.postUpdate("json", updateForm(key, id, "cg-1004", "FIXED")))
		if _, d := o311ErrorOf(t, r); !strings.Contains(d, "description is required") {
			t.Fatalf("fixed without result: %s", d)
		}
		// FIXED with the result and a photo stored here: the handling, with the photo after.
		photo, err := f.app.PutMedia(ctx, app.Principal{}, mediaTestPNG(t, 20, 20))
		if err != nil {
			t.Fatal(err)
		}
		r = f.must(http.StatusOK, f.postUpdate("xml", updateForm(key, id, "cg-1005", "Fixed",
			"description", "已劝离摊贩，恢复通行", "media_url", f.srv.URL+"/media/"+photo.ID)))
		if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/xml") {
			t.Fatalf("Content-Type %q", got)
		}
		if !strings.HasPrefix(string(r.Body), `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Fatalf("no XML declaration: %s", r.Body)
		}
		var doc struct {
			XMLName xml.Name `xml:"service_request_updates"`
			Updates []struct {
				UpdateID         string `xml:"update_id"`
				ServiceRequestID string `xml:"service_request_id"`
				Status           string `xml:"status"`
				ServiceNotice    string `xml:"service_notice"`
			} `xml:"request_update"`
		}
		if err := xml.Unmarshal(r.Body, &doc); err != nil || len(doc.Updates) != 1 {
			t.Fatalf("XML answer (%v): %s", err, r.Body)
		}
		if x := doc.Updates[0]; x.UpdateID != "cg-1005" || x.ServiceRequestID != id || x.Status != "IN_PROGRESS" || !strings.Contains(x.ServiceNotice, "核查") {
			t.Fatalf("XML answer %+v: %s", x, r.Body)
		}
		c, err := f.app.DB.Case(ctx, mustInt(t, id))
		if err != nil {
			t.Fatal(err)
		}
		if c.State != "handled" || c.Result != "已劝离摊贩，恢复通行" || len(c.PhotosAfter) != 1 || c.PhotosAfter[0] != photo.ID {
			t.Fatalf("after FIXED: state %s result %q photos %v", c.State, c.Result, c.PhotosAfter)
		}
		// The workflow refuses what the case's state does not allow: a conflict, in the
		// specification's error list, and nothing changes.
		r = f.must(http.StatusConflict, f.postUpdate("json", updateForm(key, id, "cg-1006", "IN_PROGRESS", "description", "再次处置")))
		if _, d := o311ErrorOf(t, r); !strings.Contains(d, "handled") {
			t.Fatalf("conflict: %s", d)
		}
		r = f.must(http.StatusConflict, f.postUpdate("xml", updateForm(key, id, "cg-1007", "NOT_COUNCILS_RESPONSIBILITY", "description", "不属我队")))
		if !strings.Contains(string(r.Body), "<errors><error><code>409</code>") {
			t.Fatalf("XML conflict: %s", r.Body)
		}
		if got := actionsOf(f.timeline(id)); got != "report,file,dispatch,sign,comment,comment,handle" {
			t.Fatalf("history %s", got)
		}
		// The unit that handled the case cannot close it: CLOSED ends handling, it never checks.
		r = f.must(http.StatusConflict, f.postUpdate("json", updateForm(key, id, "cg-1008", "CLOSED", "description", "结案")))
		o311ErrorOf(t, r)
		// A failed update left no record: once possible, the same update_id acts. OPEN comments.
		r = f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "cg-1006", "OPEN", "description", "处置照片已上传")))
		if a := answerOf(t, r); a.ServiceNotice != "进展已记录" || a.Status != "IN_PROGRESS" {
			t.Fatalf("comment answer %+v", a)
		}
		// Once the originator has checked and closed the case, later answers say FIXED.
		intake := f.login("district.intake")
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/request_check", intake, nil))
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/check_pass", intake, nil))
		r = f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "cg-1009", "open", "description", "回访：居民满意")))
		if a := answerOf(t, r); a.Status != "FIXED" {
			t.Fatalf("after closing: %+v", a)
		}
		if rep, err := f.app.DB.Verify(ctx); err != nil || len(rep.Problems) != 0 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}

// TestO311PostUpdateReturnsAndSuspension maps the refusals of a department onto returns with their
// reason codes, and UNABLE_TO_RESPOND onto a request for suspension.
func TestO311PostUpdateReturnsAndSuspension(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		key := f.departmentKey(youyiSquad)
		for _, c := range []struct{ status, code, reason string }{
			{"NOT_COUNCILS_RESPONSIBILITY", "wrong_territory", "该路段属吴淞街道"},
			{"INTERNAL_REFERRAL", "overlapping_functions", "应由市场监管处理"},
			{"DUPLICATE", "other", "重复：与上午工单为同一摊位"},
		} {
			id := f.dispatchedCase()
			desc := strings.TrimPrefix(c.reason, "重复：")
			r := f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "ret-"+c.status, c.status, "description", desc)))
			if a := answerOf(t, r); a.Status != "INTERNAL_REFERRAL" || !strings.Contains(a.ServiceNotice, "退回") {
				t.Fatalf("%s: answer %+v", c.status, a)
			}
			tl := f.timeline(id)
			last := tl[len(tl)-1]
			payload, _ := last["payload"].(map[string]any)
			if last["action"] != "return" || last["to"] != "returned" || last["reason"] != c.reason || payload["reason_code"] != c.code {
				t.Fatalf("%s: last event %v", c.status, last)
			}
		}

		id := f.dispatchedCase()
		// Asking for suspension needs the case in handling: refused while dispatched.
		f.must(http.StatusConflict, f.postUpdate("json", updateForm(key, id, "s-1", "UNABLE_TO_RESPOND", "description", "需等待管线迁移")))
		f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "s-2", "IN_PROGRESS")))
		r := f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "s-1", "UNABLE_TO_RESPOND", "description", "需等待管线迁移")))
		if a := answerOf(t, r); !strings.Contains(a.ServiceNotice, "挂账") {
			t.Fatalf("suspension answer %+v", a)
		}
		c, err := f.app.DB.Case(ctx, mustInt(t, id))
		if err != nil || c.State != "handling" || !c.PendingSuspension {
			t.Fatalf("after UNABLE_TO_RESPOND: %+v %v", c, err)
		}
		if got := actionsOf(f.timeline(id)); got != "report,file,dispatch,sign,request_suspension" {
			t.Fatalf("history %s", got)
		}
	})
}

// TestO311PostUpdateRefusals: bad input is 400, a missing or wrong key or role 403, a case the key
// cannot see 404, and none of them changes the case.
func TestO311PostUpdateRefusals(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		key := f.departmentKey(youyiSquad)
		otherSquad := f.departmentKey(wusongSquad)
		id := f.dispatchedCase()
		long := strings.Repeat("字", app.MaxUpdateDescription+1)
		for _, c := range []struct {
			name   string
			status int
			form   url.Values
			says   string
		}{
			{"no key", 403, url.Values{"service_request_id": {id}, "update_id": {"x"}, "status": {"OPEN"}}, "api_key is required"},
			{"unknown key", 403, updateForm("no-such-key", id, "x", "OPEN", "description", "d"), "unknown or revoked"},
			{"resident key", 403, updateForm(demoKey, id, "x", "IN_PROGRESS"), "resident"},
			{"other squad", 404, updateForm(otherSquad, id, "x", "IN_PROGRESS"), "not found"},
			{"unknown case", 404, updateForm(key, "999999", "x", "IN_PROGRESS"), "not found"},
			{"no case", 400, updateForm(key, "", "x", "IN_PROGRESS"), "service_request_id is required"},
			{"bad case", 400, updateForm(key, "12a", "x", "IN_PROGRESS"), "service_request_id"},
			{"no update id", 400, updateForm(key, id, "", "IN_PROGRESS"), "update_id is required"},
			{"long update id", 400, updateForm(key, id, strings.Repeat("u", 101), "IN_PROGRESS"), "longer than 100"},
			{"update id with space", 400, updateForm(key, id, "a b", "IN_PROGRESS"), "visible ASCII"},
			{"update id not ASCII", 400, updateForm(key, id, "更新1", "IN_PROGRESS"), "visible ASCII"},
			{"no status", 400, updateForm(key, id, "x", ""), "status"},
			{"bad status", 400, updateForm(key, id, "x", "DONE"), "not one of"},
			{"long description", 400, updateForm(key, id, "x", "IN_PROGRESS", "description", long), "at most 4000"},
			{"control character", 400, updateForm(key, id, "x", "IN_PROGRESS", "description", "a\x00b"), "control character"},
			{"datetime without zone", 400, updateForm(key, id, "x", "IN_PROGRESS", "updated_datetime", "2026-03-02T08:00:00"), "updated_datetime"},
			{"datetime in the future", 400, updateForm(key, id, "x", "IN_PROGRESS", "updated_datetime", "2026-03-03T08:00:00+08:00"), "future"},
			{"bad email", 400, updateForm(key, id, "x", "IN_PROGRESS", "email", "nobody"), "e-mail"},
			{"bad media url", 400, updateForm(key, id, "x", "IN_PROGRESS", "media_url", "javascript:alert(1)"), "media_url"},
			{"unknown local photo", 400, updateForm(key, id, "x", "FIXED", "description", "d", "media_url", f.srv.URL+"/media/"+strings.Repeat("Q", 32)), "not stored here"},
		} {
			r := f.postUpdate("json", c.form)
			if r.Status != c.status {
				t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
				continue
			}
			if _, d := o311ErrorOf(t, r); !strings.Contains(d, c.says) {
				t.Errorf("%s: %q does not say %q", c.name, d, c.says)
			}
		}
		// The shape of the body.
		form := updateForm(key, id, "x", "IN_PROGRESS").Encode()
		for _, c := range []struct {
			name   string
			status int
			body   string
			ct     string
		}{
			{"JSON body", 400, `{"api_key":"k"}`, "application/json"},
			{"no content type", 400, form, ""},
			{"field twice", 400, form + "&status=FIXED", "application/x-www-form-urlencoded"},
			{"malformed", 400, form + "&%zz", "application/x-www-form-urlencoded"},
			{"too large", 413, form + "&description=" + strings.Repeat("a", 70<<10), "application/x-www-form-urlencoded"},
		} {
			h := []string{}
			if c.ct != "" {
				h = append(h, "Content-Type", c.ct)
			}
			r := f.do("POST", "/open311/v2/servicerequestupdates.json", "", []byte(c.body), h...)
			if r.Status != c.status {
				t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
				continue
			}
			o311ErrorOf(t, r)
		}
		// The key may come in X-API-Key instead; two different keys are refused.
		noKey := updateForm(key, id, "hdr-1", "IN_PROGRESS")
		noKey.Del("api_key")
		f.must(http.StatusForbidden, f.postUpdate("json", updateForm(otherSquad, id, "hdr-1", "IN_PROGRESS"), "X-API-Key", key))
		if got := actionsOf(f.timeline(id)); got != "report,file,dispatch" {
			t.Fatalf("a refused update changed the case: %s", got)
		}
		f.must(http.StatusOK, f.postUpdate("json", noKey, "X-API-Key", key))
		if got := actionsOf(f.timeline(id)); got != "report,file,dispatch,sign" {
			t.Fatalf("history %s", got)
		}
		// Refusals for scope and role were audited as denials.
		entries, err := f.app.DB.AuditLog(context.Background(), "denied", 20)
		if err != nil || len(entries) < 2 {
			t.Fatalf("denials audited: %d (%v)", len(entries), err)
		}
	})
}

// TestO311PostUpdateConcurrentRepeats sends one update from several clients at once: it acts
// once, and every client gets the same answer.
func TestO311PostUpdateConcurrentRepeats(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		key := f.departmentKey(youyiSquad)
		id := f.dispatchedCase()
		const n = 6
		answers := make([]response, n)
		var wg sync.WaitGroup
		body := updateForm(key, id, "race-1", "IN_PROGRESS", "description", "已出发").Encode()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", f.srv.URL+"/open311/v2/servicerequestupdates.json", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := f.srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				answers[i] = response{Status: res.StatusCode, Body: b}
			}()
		}
		wg.Wait()
		for i, r := range answers {
			if r.Status != http.StatusOK || string(r.Body) != string(answers[0].Body) {
				t.Fatalf("client %d: %d %s (first: %s)", i, r.Status, r.Body, answers[0].Body)
			}
		}
		if got := actionsOf(f.timeline(id)); got != "report,file,dispatch,sign,comment" {
			t.Fatalf("history after %d concurrent repeats: %s", n, got)
		}
	})
}

// TestO311PostUpdateRateLimited: past its burst a key gets 429 with Retry-After in the
// specification's error list, and may go on once the fake clock has moved by that much.
func TestO311PostUpdateRateLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixtureWith(t, dsn, func(s *web.Server) {
			s.Limits.PerKey = web.Rate{PerMinute: 2, Burst: 2}
		})
		key := f.departmentKey(youyiSquad)
		id := f.dispatchedCase()
		f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "r-1", "IN_PROGRESS")))
		f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "r-2", "OPEN", "description", "进展")))
		r := f.must(http.StatusTooManyRequests, f.postUpdate("xml", updateForm(key, id, "r-3", "OPEN", "description", "进展")))
		if r.Header.Get("Retry-After") != "30" || !strings.Contains(string(r.Body), "<code>429</code>") {
			t.Fatalf("429: Retry-After %q, %s", r.Header.Get("Retry-After"), r.Body)
		}
		// Nothing was done for the refused request.
		if got := actionsOf(f.timeline(id)); got != "report,file,dispatch,sign,comment" {
			t.Fatalf("history %s", got)
		}
		f.clock.Advance(30 * time.Second)
		f.must(http.StatusOK, f.postUpdate("json", updateForm(key, id, "r-3", "OPEN", "description", "进展")))
		// Another key is not held back.
		other := f.departmentKey(youyiSquad)
		f.must(http.StatusOK, f.postUpdate("json", updateForm(other, id, "r-1", "OPEN", "description", "另一系统")))
	})
}
