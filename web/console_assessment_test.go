package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"civicgrid/auth"
	"civicgrid/org"
	"civicgrid/store"
)

// TestConsoleAssessment: the district's leader sees the street ranking and the people of March
// 2026 on the assessment page, enters a veto item against 友谊路 and withdraws it; the street's own
// leader may not enter one against its street; a community's leader rates its street.
func TestConsoleAssessment(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		assessCases(t, f.fixture)
		c := f.newClient()
		c.mustLogin("district.leader")
		page := c.get("/console/assessment?unit=" + districtID + "&month=2026-03&kind=street")
		body := string(page.Body)
		if page.Status != http.StatusOK || !strings.Contains(body, `href="/console/assessment"`) ||
			!strings.Contains(body, `<tr data-unit="`+youyiStreet+`">`) || !strings.Contains(body, ">81.25<") ||
			!strings.Contains(body, `data-login="district.intake"`) || !strings.Contains(body, `id="veto-form"`) || strings.Contains(body, `id="eval-form"`) {
			t.Fatalf("assessment page: %d\n%s", page.Status, body)
		}
		form := url.Values{"_csrf": {csrf(t, page)}, "back_unit": {districtID}, "back_month": {"2026-03"}, "month": {"2026-03"},
			"unit": {youyiStreet}, "item": {"illegal_land_use"}, "evidence": {"新增违法用地 2 亩"}, "document": {"规划资源局〔2026〕3号"}}
		r := c.post("/console/assessment/vetoes", form)
		if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "&done=veto") {
			t.Fatalf("veto: %d %v\n%s", r.Status, r.Header, r.Body)
		}
		page = c.get(r.Header.Get("Location") + "&kind=street")
		body = string(page.Body)
		if !strings.Contains(body, "否决事项已录入") || !strings.Contains(body, `data-veto="1"`) || !strings.Contains(body, "新增违法用地") {
			t.Fatalf("after the veto:\n%s", body)
		}
		if i := strings.Index(body, `<tr data-unit="`+youyiStreet+`">`); i < 0 || !strings.Contains(body[i:i+600], ">E<") {
			t.Errorf("友谊路 is not graded E after the veto")
		}
		r = c.post("/console/assessment/vetoes/1/withdraw", url.Values{"_csrf": {csrf(t, page)}, "back_unit": {districtID}, "back_month": {"2026-03"}, "reason": {"复核不成立"}})
		if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "&done=withdraw") {
			t.Fatalf("withdraw: %d\n%s", r.Status, r.Body)
		}
		if after := string(c.get(r.Header.Get("Location")).Body); !strings.Contains(after, "已撤销: 复核不成立") {
			t.Errorf("the withdrawn entry is not marked")
		}

		// The street's own leader: no veto against its own street (403, shown on the page, nothing entered).
		s := f.newClient()
		s.mustLogin("youyi.leader")
		sp := s.get("/console/assessment?unit=" + youyiStreet + "&month=2026-03")
		form.Set("_csrf", csrf(t, sp))
		form.Set("back_unit", youyiStreet)
		if r := s.post("/console/assessment/vetoes", form); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), `class="alert"`) {
			t.Errorf("the street's leader vetoing its street: %d", r.Status)
		}
		if list, _ := f.app.DB.Vetoes(context.Background(), store.VetoFilter{Withdrawn: true}); len(list) != 1 {
			t.Errorf("%d veto entries, want the one withdrawn", len(list))
		}

		// A community's leader rates its street.
		hash, _ := auth.HashPassword(demoPassword)
		if _, err := f.app.DB.CreateUser(context.Background(), store.NewUser{Login: "youyi.c1.leader", Name: "社区书记", PasswordHash: hash,
			Grants: []org.Grant{{Role: org.RoleLeader, Unit: youyiC1}}}); err != nil {
			t.Fatal(err)
		}
		cl := f.newClient()
		cl.mustLogin("youyi.c1.leader")
		cp := cl.get("/console/assessment?month=2026-03")
		if cp.Status != http.StatusOK || !strings.Contains(string(cp.Body), `id="eval-form"`) || strings.Contains(string(cp.Body), `id="veto-form"`) {
			t.Fatalf("community leader's page: %d\n%s", cp.Status, cp.Body)
		}
		r = cl.post("/console/assessment/evaluations", url.Values{"_csrf": {csrf(t, cp)}, "back_unit": {youyiC1}, "back_month": {"2026-03"}, "month": {"2026-03"},
			"community": {youyiC1}, "unit": {youyiStreet}, "level": {"good"}, "comment": {"响应及时"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("evaluation: %d\n%s", r.Status, r.Body)
		}
		if ep := string(cl.get(r.Header.Get("Location")).Body); !strings.Contains(ep, "评价已提交") || !strings.Contains(ep, "响应及时") || !strings.Contains(ep, "良好") {
			t.Errorf("after the evaluation:\n%s", ep)
		}
		r = cl.post("/console/assessment/evaluations", url.Values{"_csrf": {csrf(t, cp)}, "back_unit": {youyiC1}, "back_month": {"2026-03"}, "month": {"2026-03"},
			"community": {youyiC1}, "unit": {youyiStreet}, "score": {"abc"}})
		if r.Status != http.StatusBadRequest {
			t.Errorf("a score that is no number: %d", r.Status)
		}
	})
}
