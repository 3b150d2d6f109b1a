package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestOpen311ClosedLoop follows a request made through Open311 to closure, each step taken through
// the REST API by the staff whose job it is, and checks what Open311 readers see: the request
// closed with the handling result as its status notes, the public steps as notes and as
// FixMyStreet updates, and never the resident's personal fields. A rejected request shows its
// reason in the extended vocabulary.
func TestOpen311ClosedLoop(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		const email, phone, name = "li.si@example.org", "13812345678", "李四"
		r := f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json",
			requestForm(t, "email", email, "phone", phone, "first_name", "四", "last_name", "李", "device_id", "dev-42", "account_id", "acct-42")))
		id := jsonList(t, r)[0]["service_request_id"].(string)

		intake, dispatcher, handler := f.login("district.intake"), f.login("district.dispatcher"), f.login("chengguan.youyi.handler")
		act := func(token, action string, body any) {
			t.Helper()
			f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/"+action, token, body))
		}
		act(intake, "file", nil)
		act(dispatcher, "dispatch", nil)
		act(handler, "sign", nil)
		f.clock.Advance(90 * time.Minute)
		const result = "已劝离摊贩,恢复通行 <ok> & 完毕"
		act(handler, "handle", map[string]any{"result": result, "photos_after": []string{"after-photo-1"}})
		act(intake, "request_check", nil)
		act(intake, "check_pass", nil)

		// A second request, rejected at intake with a reason.
		r = f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", requestForm(t, "description", "想咨询房屋买卖政策", "email", email)))
		rejected := jsonList(t, r)[0]["service_request_id"].(string)
		const reason = "属于房屋买卖咨询,请拨打 12345"
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+rejected+"/reject", intake, map[string]any{"reason_code": "not_government", "reason": reason}))

		var bodies []response
		// GET requests: closed, with the result as status notes, in both formats.
		j, x := f.getO311(pRequests, "/open311/v2/requests.{format}?status=closed", requestsSpec)
		bodies = append(bodies, j, x)
		list := jsonList(t, f.must(http.StatusOK, j))
		if len(list) != 2 || list[1]["service_request_id"] != id || list[0]["service_request_id"] != rejected {
			t.Fatalf("closed requests: %s", j.Body)
		}
		done := list[1]
		if done["status"] != "closed" || done["status_notes"] != result || done["service_notice"] != "" || done["media_url"] != "" {
			t.Fatalf("closed request: %v", done)
		}
		if list[0]["status"] != "closed" || !strings.HasPrefix(list[0]["status_notes"].(string), "不予立案") {
			t.Fatalf("rejected request: %v", list[0])
		}
		var xr xmlRequests
		decodeXML(t, x, &xr)
		if len(xr.Requests) != 2 || xr.Requests[1].Status != "closed" || xr.Requests[1].StatusNotes != result || xr.Requests[0].Status != "closed" {
			t.Fatalf("XML closed requests: %s", x.Body)
		}

		// The public notes of the history, with the statuses of the extended vocabulary.
		j, x = f.getO311(pRequest, "/open311/v2/requests/"+id+".{format}?extensions=true", requestsSpec)
		bodies = append(bodies, j, x)
		ext := jsonList(t, f.must(http.StatusOK, j))[0]["extended_attributes"].(map[string]any)
		type step struct{ action, status, note string }
		want := []step{{"report", "OPEN", "已收到上报"}, {"file", "OPEN", "已立案"}, {"dispatch", "ACTION_SCHEDULED", "已派遣至"},
			{"sign", "IN_PROGRESS", ""}, {"handle", "IN_PROGRESS", result}, {"request_check", "IN_PROGRESS", ""}, {"check_pass", "FIXED", ""}}
		notes := ext["notes"].([]any)
		if ext["state"] != "closed" || len(notes) != len(want) {
			t.Fatalf("extension of the closed request: %v", ext)
		}
		for i, n := range notes {
			n := n.(map[string]any)
			if n["action"] != want[i].action || n["status"] != want[i].status || !strings.HasPrefix(n["note"].(string), want[i].note) || n["note"] == "" {
				t.Errorf("note %d: %v, want %+v", i, n, want[i])
			}
		}
		var xone xmlRequests
		decodeXML(t, x, &xone)
		if xn := xone.Requests[0].Extended.Notes; len(xn) != len(want) || xn[4].Note != result || xn[6].Status != "FIXED" {
			t.Fatalf("XML notes: %s", x.Body)
		}

		// FixMyStreet's updates: one per public step of both cases within the last day.
		j, x = f.getO311(pUpdates, pUpdates, updatesSpec)
		bodies = append(bodies, j, x)
		var ups []map[string]string
		if err := json.Unmarshal(f.must(http.StatusOK, j).Body, &ups); err != nil {
			t.Fatal(err)
		}
		byID := map[string]map[string]string{}
		for _, u := range ups {
			byID[u["update_id"]] = u
		}
		if len(ups) != len(want)+2 {
			t.Fatalf("%d updates, want %d: %s", len(ups), len(want)+2, j.Body)
		}
		if u := byID[id+"-5"]; u["status"] != "IN_PROGRESS" || u["description"] != result || u["external_status_code"] != "handled" ||
			u["media_url"] != f.srv.URL+"/media/after-photo-1" {
			t.Errorf("update of the handling: %v", u)
		}
		if u := byID[id+"-7"]; u["status"] != "FIXED" || u["external_status_code"] != "closed" || u["service_request_id"] != id {
			t.Errorf("update of the closing: %v", u)
		}
		if u := byID[rejected+"-2"]; u["status"] != "NOT_COUNCILS_RESPONSIBILITY" || u["description"] != reason || u["external_status_code"] != "rejected" {
			t.Errorf("update of the rejection: %v", u)
		}
		var xu xmlUpdates
		decodeXML(t, x, &xu)
		if len(xu.Updates) != len(ups) || xu.Updates[4].Description != ups[4]["description"] || xu.Updates[len(ups)-1].Status != ups[len(ups)-1]["status"] {
			t.Fatalf("XML updates differ from JSON: %s", x.Body)
		}
		// The window: its dates, the default of the last day, the cap of 31 days.
		q := func(query string) response {
			return f.o311("GET", pUpdates, "/open311/v2/servicerequestupdates.json?"+query, nil)
		}
		if n := len(jsonList(t, f.must(http.StatusOK, q("start_date=2026-03-02T10:00:00%2B08:00")))); n != 5 {
			t.Errorf("updates since 10:00: %d, want handle, request_check, check_pass, and the second request's report and rejection", n)
		}
		if n := len(jsonList(t, f.must(http.StatusOK, q("end_date=2026-03-02T09:00:00%2B08:00")))); n != 4 {
			t.Errorf("updates until 09:00 (included): %d, want report, file, dispatch, sign", n)
		}
		f.clock.Advance(25 * time.Hour)
		if n := len(jsonList(t, f.must(http.StatusOK, q("")))); n != 0 {
			t.Errorf("updates of the last day, a day later: %d", n)
		}
		for query, status := range map[string]int{"start_date=2026-03-02": 400, "end_date=2026-03-02T09:00:00": 400,
			"start_date=2026-01-01T00:00:00Z&end_date=2026-03-01T00:00:00Z": 400, "start_date=2026-03-02T00:00:00Z&end_date=2026-03-01T00:00:00Z": 400,
			"jurisdiction_id=310113003000": 404, "start_date=2026-03-01T00:00:00Z&start_date=2026-03-01T00:00:00Z": 400} {
			wantO311Error(t, q(query), status)
		}
		all := jsonList(t, f.must(http.StatusOK, q("start_date=2026-03-02T00:00:00%2B08:00&jurisdiction_id=310113000000")))
		if len(all) != len(ups) {
			t.Errorf("updates within the district: %d, want %d", len(all), len(ups))
		}

		// Nothing the residents told about themselves appears in any read.
		for _, b := range bodies {
			for _, secret := range []string{email, phone, name, "dev-42", "acct-42"} {
				if strings.Contains(string(b.Body), secret) {
					t.Fatalf("an Open311 read shows the resident's %q: %s", secret, clip(b.Body))
				}
			}
		}
	})
}

// TestOpen311DepartmentUpdates posts FixMyStreet updates as a department system holding a handler
// key over the squad the case was dispatched to; the answers are validated against the
// description and the updates show in the list.
func TestOpen311DepartmentUpdates(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		r := f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", requestForm(t)))
		id := jsonList(t, r)[0]["service_request_id"].(string)
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/file", f.login("district.intake"), nil))
		f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+id+"/dispatch", f.login("district.dispatcher"), nil))
		k := f.must(http.StatusCreated, f.do("POST", "/api/v1/api-keys", f.login("city.admin"),
			map[string]any{"name": "城管执法系统", "unit": youyiStreet + "-chengguan", "role": "handler"})).json(t)["key"].(string)

		post := func(format string, form url.Values) response {
			return f.postForm(pUpdates, "/open311/v2/servicerequestupdates."+format, form)
		}
		form := url.Values{"api_key": {k}, "service_request_id": {id}, "update_id": {"cg-1"}, "status": {"FIXED"}, "description": {"摊贩已清理"}}
		r = f.must(http.StatusOK, post("json", form))
		if l := jsonList(t, r); len(l) != 1 || l[0]["update_id"] != "cg-1" || l[0]["service_request_id"] != id {
			t.Fatalf("posted update: %s", r.Body)
		}
		form.Set("update_id", "cg-2")
		form.Set("status", "CLOSED")
		x := post("xml", form)
		if x.Status == http.StatusOK {
			xmlShape(t, x.Body, xmlSpec{"service_request_updates", []string{"request_update", "request_update/update_id",
				"request_update/service_request_id", "request_update/status", "request_update/service_notice"}})
		} else {
			wantO311Error(t, x, x.Status)
		}
		wantO311Error(t, post("json", url.Values{"service_request_id": {id}, "update_id": {"cg-3"}, "status": {"OPEN"}}), 403)
		wantO311Error(t, post("xml", url.Values{"api_key": {k}, "service_request_id": {"999999"}, "update_id": {"cg-4"}, "status": {"OPEN"}, "description": {"x"}}), 404)

		ups := jsonList(t, f.must(http.StatusOK, f.o311("GET", pUpdates, "/open311/v2/servicerequestupdates.json", nil)))
		last := ups[len(ups)-1]
		if last["service_request_id"] != id || last["status"] != "IN_PROGRESS" || last["external_status_code"] != "handled" || last["description"] != "摊贩已清理" {
			t.Fatalf("the department's handling as the last update: %v", last)
		}
	})
}
