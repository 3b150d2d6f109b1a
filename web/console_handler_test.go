package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"civicgrid/calendar"
	"civicgrid/casework"
)

const youyiSquadHandler = "chengguan.youyi.handler"

// dispatchedCase reports a case in a grid through the API and has the centre file and dispatch it
// to the suggested unit (the street's 城管 squad for E0502).
func (f *consoleFixture) dispatchedCase(grid, description string) int64 {
	f.t.Helper()
	idStr := f.report(grid, "E0502", description)
	intake, dispatcher := f.login("district.intake"), f.login("district.dispatcher")
	f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+idStr+"/file", intake, nil))
	f.must(http.StatusOK, f.do("POST", "/api/v1/cases/"+idStr+"/dispatch", dispatcher, nil))
	id, _ := strconv.ParseInt(idStr, 10, 64)
	return id
}

// TestUnitPages: the squad's handler sees the case dispatched to the unit with its count and
// light, signs it, asks for more time, and completes it with a result and photos before and after,
// all through the handler's page; the photos are stored as the case's before and after media and
// the page links both. A second case is returned with a coded reason. Handlers of another unit,
// grid workers and forged forms are refused and change nothing.
func TestUnitPages(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		ctx := context.Background()
		id := f.dispatchedCase(youyiGrid1, "路口有人占道摆摊，影响通行")
		id2 := f.dispatchedCase(youyiGrid1, "早市摊贩占用人行道")
		c := f.newClient()
		c.mustLogin(youyiSquadHandler)

		list := c.get("/console/unit/")
		checkPageHeaders(t, list)
		if !bytes.Contains(list.Body, []byte(`href="/console/unit/"`)) || !bytes.Contains(list.Body, []byte(fmt.Sprintf(`href="/console/unit/cases/%d"`, id))) ||
			!bytes.Contains(list.Body, []byte(`<a id="tab-sign" href="/console/unit/?tab=sign" class="active" aria-current="page">`)) {
			t.Fatalf("the unit's list lacks the nav link, the case or the active tab:\n%s", list.Body)
		}
		count := func(tab string) string {
			m := bytes.SplitN(c.get("/console/unit/?tab="+tab).Body, []byte(`id="tab-`+tab+`"`), 2)
			if len(m) < 2 {
				t.Fatalf("no tab %s", tab)
			}
			s := bytes.SplitN(bytes.SplitN(m[1], []byte(`<span class="count">`), 2)[1], []byte("<"), 2)[0]
			return string(s)
		}
		if n := count("sign"); n != "2" {
			t.Fatalf("待签收 count %s, want 2", n)
		}
		// The street office and the community handle their own assignments, not the squad's.
		for _, login := range []string{"youyi.handler", "youyi.c1.handler"} {
			o := f.newClient()
			o.mustLogin(login)
			r := o.get("/console/unit/")
			if r.Status != http.StatusOK || bytes.Contains(r.Body, []byte(fmt.Sprintf(`data-case="%d"`, id))) ||
				!bytes.Contains(r.Body, []byte(`id="unit-empty"`)) {
				t.Fatalf("%s's list shows the squad's case or is not empty: %d\n%s", login, r.Status, r.Body)
			}
		}

		t.Run("refusals", func(t *testing.T) {
			seq := f.caseOf(id).Seq
			other := f.newClient()
			other.mustLogin("chengguan.wusong.handler")
			if r := other.get(fmt.Sprintf("/console/unit/cases/%d", id)); r.Status != http.StatusNotFound {
				t.Fatalf("another street's squad opening the case: %d", r.Status)
			}
			if r := other.get("/console/unit/"); bytes.Contains(r.Body, []byte(fmt.Sprintf(`data-case="%d"`, id))) {
				t.Fatal("another street's squad lists the case")
			}
			if r := other.post(fmt.Sprintf("/console/unit/cases/%d/sign", id), url.Values{"_csrf": {csrf(t, other.get("/console/unit/"))}}); r.Status != http.StatusNotFound {
				t.Fatalf("another street's squad signing: %d", r.Status)
			}
			// The community's own handler sees the case (it lies in the community) but may not sign it.
			comm := f.newClient()
			comm.mustLogin("youyi.c1.handler")
			page := comm.get(fmt.Sprintf("/console/unit/cases/%d", id))
			if page.Status != http.StatusOK || bytes.Contains(page.Body, []byte(`id="act-sign"`)) {
				t.Fatalf("the community handler's view of a squad's case: %d\n%s", page.Status, page.Body)
			}
			if r := comm.post(fmt.Sprintf("/console/unit/cases/%d/sign", id), url.Values{"_csrf": {csrf(t, page)}}); r.Status != http.StatusForbidden {
				t.Fatalf("the community handler signing: %d", r.Status)
			}
			if r := c.post(fmt.Sprintf("/console/unit/cases/%d/sign", id), url.Values{"_csrf": {"forged"}}); r.Status != http.StatusForbidden {
				t.Fatalf("a forged form: %d", r.Status)
			}
			if r := c.post(fmt.Sprintf("/console/unit/cases/%d/dispatch", id), url.Values{"_csrf": {csrf(t, list)}}); r.Status != http.StatusNotFound {
				t.Fatalf("an action the page does not offer: %d", r.Status)
			}
			w := f.newClient()
			w.mustLogin(youyiC1Worker)
			if r := w.get(fmt.Sprintf("/console/unit/cases/%d", id)); r.Status != http.StatusForbidden {
				t.Fatalf("a grid worker opening the handler's page: %d", r.Status)
			}
			if got := f.caseOf(id).Seq; got != seq {
				t.Fatalf("refused actions changed the case: seq %d → %d", seq, got)
			}
		})

		casePage := fmt.Sprintf("/console/unit/cases/%d", id)
		act := func(action string, form url.Values, files map[string][]byte) response {
			t.Helper()
			form.Set("_csrf", csrf(t, c.get(casePage)))
			return c.postFiles(casePage+"/"+action, form, files)
		}
		done := func(r response, action string) {
			t.Helper()
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != casePage+"?done="+action {
				t.Fatalf("%s: %d %v\n%s", action, r.Status, r.Header, r.Body)
			}
		}
		page := c.get(casePage)
		for _, form := range []string{`id="act-sign"`, `id="act-return"`, `id="act-request_extension"`} {
			if !bytes.Contains(page.Body, []byte(form)) {
				t.Fatalf("the case page lacks %s:\n%s", form, page.Body)
			}
		}
		done(act("sign", url.Values{}, nil), "sign")
		if cs := f.caseOf(id); cs.State != casework.Handling {
			t.Fatalf("after signing: %s", cs.State)
		}
		if n := count("handling"); n != "1" {
			t.Fatalf("处置中 count %s after signing", n)
		}
		done(act("request_extension", url.Values{"ext_amount": {"2"}, "ext_unit": {"working_days"}, "reason": {"需协调市场监管部门"}}, nil), "request_extension")
		if cs := f.caseOf(id); cs.PendingExtension == nil || *cs.PendingExtension != (calendar.Limit{Amount: 2, Unit: calendar.WorkingDays}) {
			t.Fatalf("the extension request: %+v", cs.PendingExtension)
		}
		if p := c.get(casePage); !bytes.Contains(p.Body, []byte(`id="case-pending"`)) || bytes.Contains(p.Body, []byte(`id="act-request_extension"`)) {
			t.Fatal("the pending request is not shown, or a second one is offered")
		}

		t.Run("handle_refused_whole", func(t *testing.T) {
			seq := f.caseOf(id).Seq
			r := act("handle", url.Values{"result": {"已清理"}}, map[string][]byte{"photo_before": []byte("not a photo at all")})
			if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte("photo")) || !bytes.Contains(r.Body, []byte("已清理")) {
				t.Fatalf("a bad photo: %d\n%s", r.Status, r.Body)
			}
			r = act("handle", url.Values{"result": {" "}}, map[string][]byte{"photo_after": pngPhoto(t, 9)})
			if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte("result")) {
				t.Fatalf("no result: %d\n%s", r.Status, r.Body)
			}
			if got := f.caseOf(id).Seq; got != seq {
				t.Fatalf("refused completions changed the case: seq %d → %d", seq, got)
			}
		})

		r := act("handle", url.Values{"result": {"已劝离摊贩，路口恢复通行"}}, map[string][]byte{"photo_before": jpegWithGPS(t, "BEFORE-GPS"), "photo_after": pngPhoto(t, 200)})
		done(r, "handle")
		cs := f.caseOf(id)
		if cs.State != casework.Handled || len(cs.PhotosBefore) != 1 || len(cs.PhotosAfter) != 1 || cs.Result != "已劝离摊贩，路口恢复通行" {
			t.Fatalf("after completing: %s before %v after %v result %q", cs.State, cs.PhotosBefore, cs.PhotosAfter, cs.Result)
		}
		for _, m := range []string{cs.PhotosBefore[0], cs.PhotosAfter[0]} {
			info, data, err := f.app.MediaContent(ctx, m)
			if err != nil || bytes.Contains(data, []byte("BEFORE-GPS")) {
				t.Fatalf("stored photo %s: %+v %v", m, info, err)
			}
			if r := c.get("/media/" + m); r.Status != http.StatusOK {
				t.Fatalf("GET /media/%s: %d", m, r.Status)
			}
		}
		p := c.get(casePage + "?done=handle")
		for _, want := range []string{"已完成：处置完毕", "/media/" + cs.PhotosBefore[0], "/media/" + cs.PhotosAfter[0], "处置前照片 1", "处置后照片 1"} {
			if !bytes.Contains(p.Body, []byte(want)) {
				t.Fatalf("the page after completing lacks %q:\n%s", want, p.Body)
			}
		}

		t.Run("suspension", func(t *testing.T) {
			id3 := f.dispatchedCase(youyiGrid1, "流动摊贩夜间占道")
			page3 := fmt.Sprintf("/console/unit/cases/%d", id3)
			if r := c.post(page3+"/sign", url.Values{"_csrf": {csrf(t, c.get(page3))}}); r.Status != http.StatusSeeOther {
				t.Fatalf("sign: %d", r.Status)
			}
			seq := f.caseOf(id3).Seq
			if r := c.post(page3+"/request_suspension", url.Values{"_csrf": {csrf(t, c.get(page3))}}); r.Status != http.StatusBadRequest {
				t.Fatalf("a suspension without a reason: %d", r.Status)
			}
			if got := f.caseOf(id3).Seq; got != seq {
				t.Fatal("the refused request changed the case")
			}
			r := c.post(page3+"/request_suspension", url.Values{"_csrf": {csrf(t, c.get(page3))}, "reason": {"摊主住院，待其出院后处理"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("request a suspension: %d\n%s", r.Status, r.Body)
			}
			if cs := f.caseOf(id3); !cs.PendingSuspension || cs.State != casework.Handling {
				t.Fatalf("after asking for a suspension: %s pending %v", cs.State, cs.PendingSuspension)
			}
		})

		t.Run("return", func(t *testing.T) {
			page2 := fmt.Sprintf("/console/unit/cases/%d", id2)
			r := c.post(page2+"/return", url.Values{"_csrf": {csrf(t, c.get(page2))}, "reason_code": {"wrong_territory"}, "reason": {"该路段属吴淞街道"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("return: %d\n%s", r.Status, r.Body)
			}
			if cs := f.caseOf(id2); cs.State != casework.Returned || cs.ReturnCount != 1 {
				t.Fatalf("after returning: %s returns %d", cs.State, cs.ReturnCount)
			}
			if n := count("sign"); n != "0" {
				t.Fatalf("待签收 count %s after signing two and returning the other", n)
			}
		})
	})
}
