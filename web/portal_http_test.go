package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/casework"
)

// postMultipart sends the portal's report form as a browser does: multipart, with an optional
// photo in the part named photo.
func (c *browserClient) postMultipart(path string, fields url.Values, photo []byte) response {
	c.f.t.Helper()
	if photo == nil {
		return c.sendMultipart(path, fields)
	}
	return c.sendMultipart(path, fields, formFile{Field: "photo", Name: "photo.png", Data: photo})
}

var trackingCodeRe = regexp.MustCompile(`id="tracking-code">([A-Z0-9]+)<`)

// portalReport fills the report form of a fresh page with fields (the token added) and returns
// the answer.
func (c *browserClient) portalReport(fields url.Values, photo []byte) response {
	c.f.t.Helper()
	page := c.get("/portal/")
	if page.Status != http.StatusOK {
		c.f.t.Fatalf("GET /portal/: %d\n%s", page.Status, page.Body)
	}
	fields.Set("_csrf", csrf(c.f.t, page))
	return c.postMultipart("/portal/", fields, photo)
}

// portalFields is a valid report at the centre of a demo grid.
func portalFields(t *testing.T, grid string) url.Values {
	lat, lon := gridPoint(t, grid)
	return url.Values{"matter_code": {"E0502"}, "description": {"小区门口有人占道摆摊，晚上很吵"},
		"lat": {fmt.Sprint(lat)}, "lon": {fmt.Sprint(lon)}, "crs": {"wgs84"}, "name": {"王先生"}, "phone": {"13700002222"}}
}

// mustPortalReport reports through the portal and returns the tracking code shown.
func (c *browserClient) mustPortalReport(fields url.Values, photo []byte) (string, *casework.Case) {
	c.f.t.Helper()
	r := c.portalReport(fields, photo)
	if r.Status != http.StatusCreated {
		c.f.t.Fatalf("portal report: %d\n%s", r.Status, r.Body)
	}
	m := trackingCodeRe.FindSubmatch(r.Body)
	if m == nil {
		c.f.t.Fatalf("no tracking code on the confirmation page:\n%s", r.Body)
	}
	code := string(m[1])
	if !bytes.Contains(r.Body, []byte(`href="/portal/track?code=`+code+`"`)) {
		c.f.t.Fatalf("no link to track %s:\n%s", code, r.Body)
	}
	cs, err := c.f.app.CaseByTrackingCode(context.Background(), code)
	if err != nil {
		c.f.t.Fatalf("case of %s: %v", code, err)
	}
	return code, cs
}

// closeByStaff drives a case to closure through the API, each step by the user whose job it is.
func closeByStaff(f *fixture, id int64) {
	f.t.Helper()
	intake, dispatcher, handler := f.login("district.intake"), f.login("district.dispatcher"), f.login("chengguan.youyi.handler")
	path := fmt.Sprintf("/api/v1/cases/%d/", id)
	f.must(http.StatusOK, f.do("POST", path+"file", intake, nil))
	f.must(http.StatusOK, f.do("POST", path+"dispatch", dispatcher, nil))
	f.must(http.StatusOK, f.do("POST", path+"sign", handler, nil))
	f.must(http.StatusOK, f.do("POST", path+"handle", handler, map[string]any{"result": "已劝离摊贩，恢复通行"}))
	f.must(http.StatusOK, f.do("POST", path+"request_check", intake, nil))
	r := f.must(http.StatusOK, f.do("POST", path+"check_pass", intake, nil))
	if field(f.t, r, "state") != "closed" {
		f.t.Fatalf("after the check: %v", field(f.t, r, "state"))
	}
}

func TestPortalReport(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		c := f.newClient()
		page := c.get("/portal/")
		if page.Status != http.StatusOK || !bytes.Contains(page.Body, []byte(`<optgroup label="`)) || !bytes.Contains(page.Body, []byte(`enctype="multipart/form-data"`)) {
			t.Fatalf("report form: %d\n%s", page.Status, page.Body)
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Fatalf("CSP %q", csp)
		}

		t.Run("without_photo", func(t *testing.T) {
			code, cs := c.mustPortalReport(portalFields(t, youyiGrid1), nil)
			if cs.Channel != casework.ChannelPortal || cs.Grid != youyiGrid1 || len(cs.Media) != 0 || cs.Reporter == nil || cs.Reporter.Phone != "13700002222" {
				t.Fatalf("case of %s: channel %s grid %s media %v reporter %+v", code, cs.Channel, cs.Grid, cs.Media, cs.Reporter)
			}
		})
		t.Run("with_photo", func(t *testing.T) {
			_, cs := c.mustPortalReport(portalFields(t, youyiGrid1), pngPhoto(t, 120))
			if len(cs.Media) != 1 {
				t.Fatalf("media %v, want the one photo", cs.Media)
			}
			if _, _, err := f.app.DB.Media(context.Background(), cs.Media[0]); err != nil {
				t.Fatalf("the photo was not stored: %v", err)
			}
		})
		t.Run("by_street_and_address", func(t *testing.T) {
			fields := url.Values{"matter_code": {"E0502"}, "description": {"路口占道经营"}, "area": {youyiStreet}, "address": {"友谊路 1 号"}}
			_, cs := c.mustPortalReport(fields, nil)
			if cs.Street != youyiStreet || cs.Address != "友谊路 1 号" || cs.Reporter != nil {
				t.Fatalf("street %s address %q reporter %+v", cs.Street, cs.Address, cs.Reporter)
			}
		})
		t.Run("refusals", func(t *testing.T) {
			before := f.countCases()
			noDesc := portalFields(t, youyiGrid1)
			noDesc.Del("description")
			outside := portalFields(t, youyiGrid1)
			outside.Set("lat", "39.9042")
			outside.Set("lon", "116.4074")
			for name, fields := range map[string]url.Values{"no description": noDesc, "outside every grid": outside} {
				r := c.portalReport(fields, nil)
				if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte(`role="alert"`)) {
					t.Fatalf("%s: %d\n%s", name, r.Status, r.Body)
				}
			}
			for _, n := range []int{app.MaxMediaBytes + 100, app.MaxMediaBytes + 1<<20} {
				r := c.portalReport(portalFields(t, youyiGrid1), make([]byte, n))
				if r.Status != http.StatusBadRequest && r.Status != http.StatusRequestEntityTooLarge {
					t.Fatalf("a photo of %d bytes: %d", n, r.Status)
				}
			}
			forged := portalFields(t, youyiGrid1)
			forged.Set("_csrf", "forged")
			if r := c.postMultipart("/portal/", forged, pngPhoto(t, 120)); r.Status != http.StatusForbidden {
				t.Fatalf("forged token: %d\n%s", r.Status, r.Body)
			}
			stranger := f.newClient() // no portal cookie at all
			if r := stranger.postMultipart("/portal/", portalFields(t, youyiGrid1), nil); r.Status != http.StatusForbidden {
				t.Fatalf("no token: %d", r.Status)
			}
			if after := f.countCases(); after != before {
				t.Fatalf("refused reports created cases: %d → %d", before, after)
			}
		})
	})
}

func TestPortalTrackAndRate(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		c := f.newClient()
		ctx := context.Background()
		code, cs := c.mustPortalReport(portalFields(t, youyiGrid1), nil)

		t.Run("open_case", func(t *testing.T) {
			r := c.get("/portal/track?code=" + strings.ToLower(code))
			if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`data-state="reported"`)) || bytes.Contains(r.Body, []byte(`id="rate-form"`)) {
				t.Fatalf("tracking an open case: %d\n%s", r.Status, r.Body)
			}
			// The form is not offered; a token from the report form is as good as any.
			r = c.post("/portal/track/rate", url.Values{"_csrf": {csrf(t, c.get("/portal/"))}, "code": {code}, "rating": {"satisfied"}})
			if r.Status != http.StatusConflict {
				t.Fatalf("rating an open case: %d\n%s", r.Status, r.Body)
			}
			if got, _ := f.app.CaseByTrackingCode(ctx, code); got.RatedAt != nil || got.Seq != cs.Seq {
				t.Fatal("the refused rating changed the case")
			}
		})
		t.Run("unknown_code", func(t *testing.T) {
			r := c.get("/portal/track?code=NOSUCHCODE")
			if r.Status != http.StatusNotFound || !bytes.Contains(r.Body, []byte(`id="not-found"`)) {
				t.Fatalf("unknown code: %d\n%s", r.Status, r.Body)
			}
			if r := c.get("/portal/track"); r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`id="track-form"`)) {
				t.Fatalf("code form: %d", r.Status)
			}
		})

		closeByStaff(f.fixture, cs.ID)
		t.Run("closed_case_public_only", func(t *testing.T) {
			r := c.get("/portal/track?code=" + code)
			if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`data-state="closed"`)) || !bytes.Contains(r.Body, []byte(`id="rate-form"`)) {
				t.Fatalf("tracking a closed case: %d\n%s", r.Status, r.Body)
			}
			if !bytes.Contains(r.Body, []byte("已劝离摊贩")) {
				t.Fatal("the handling result is not shown")
			}
			secret := []string{"13700002222", "王先生"}
			for _, login := range []string{"district.intake", "district.dispatcher", "chengguan.youyi.handler"} {
				u, _, err := f.app.DB.UserByLogin(ctx, login)
				if err != nil {
					t.Fatal(err)
				}
				secret = append(secret, u.Name, u.Login)
			}
			for _, s := range secret {
				if bytes.Contains(r.Body, []byte(s)) {
					t.Errorf("the tracking page shows %q", s)
				}
			}
		})
		rate := func(code, rating string) response {
			page := c.get("/portal/")
			return c.post("/portal/track/rate", url.Values{"_csrf": {csrf(t, page)}, "code": {code}, "rating": {rating}})
		}
		t.Run("satisfied_keeps_closed", func(t *testing.T) {
			r := rate(code, "satisfied")
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/portal/track?code="+code+"&rated=1" {
				t.Fatalf("rating: %d %v\n%s", r.Status, r.Header, r.Body)
			}
			got, _ := f.app.CaseByTrackingCode(ctx, code)
			if got.State != casework.Closed || got.Rating != casework.Satisfied {
				t.Fatalf("after satisfied: %s %s", got.State, got.Rating)
			}
			if r := rate(code, "dissatisfied"); r.Status != http.StatusConflict {
				t.Fatalf("a second rating: %d\n%s", r.Status, r.Body)
			}
			if got, _ := f.app.CaseByTrackingCode(ctx, code); got.State != casework.Closed || got.Rating != casework.Satisfied {
				t.Fatalf("the second rating changed the case: %s %s", got.State, got.Rating)
			}
		})
		t.Run("merged_follows_master", func(t *testing.T) {
			masterCode, master := c.mustPortalReport(portalFields(t, youyiGrid1), nil)
			dupCode, dup := c.mustPortalReport(portalFields(t, youyiGrid1), nil)
			f.must(http.StatusOK, f.do("POST", fmt.Sprintf("/api/v1/cases/%d/merge", dup.ID), f.login("district.intake"), map[string]any{"target": master.ID}))
			f.must(http.StatusOK, f.do("POST", fmt.Sprintf("/api/v1/cases/%d/file", master.ID), f.login("district.intake"), nil))
			r := c.get("/portal/track?code=" + dupCode)
			if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`id="merged"`)) || !bytes.Contains(r.Body, []byte(`data-state="filed"`)) {
				t.Fatalf("tracking a merged case: %d\n%s", r.Status, r.Body)
			}
			if bytes.Contains(r.Body, []byte(masterCode)) {
				t.Fatal("the merged case's page shows the master's tracking code")
			}
		})
		t.Run("english", func(t *testing.T) {
			r := c.get("/portal/track?code=" + code + "&lang=en")
			if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte("Case status")) || !bytes.Contains(r.Body, []byte(">Closed<")) {
				t.Fatalf("English status page: %d\n%s", r.Status, r.Body)
			}
			if r := c.get("/portal/?lang=zh"); !bytes.Contains(r.Body, []byte("居民上报")) {
				t.Fatal("back to Chinese")
			}
		})
		t.Run("dissatisfied_reopens", func(t *testing.T) {
			code2, cs2 := c.mustPortalReport(portalFields(t, youyiGrid1), nil)
			closeByStaff(f.fixture, cs2.ID)
			page := c.get("/portal/track?code=" + code2)
			forged := c.post("/portal/track/rate", url.Values{"_csrf": {"forged"}, "code": {code2}, "rating": {"dissatisfied"}})
			if forged.Status != http.StatusForbidden {
				t.Fatalf("forged rating: %d", forged.Status)
			}
			r := c.post("/portal/track/rate", url.Values{"_csrf": {csrf(t, page)}, "code": {code2}, "rating": {"dissatisfied"}})
			if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "&rated=reopened") {
				t.Fatalf("dissatisfied: %d %v\n%s", r.Status, r.Header, r.Body)
			}
			got, _ := f.app.CaseByTrackingCode(ctx, code2)
			if got.State != casework.Rework || got.ReworkCount != 1 || got.Rating != casework.Dissatisfied {
				t.Fatalf("after dissatisfied: %s rework %d rating %s", got.State, got.ReworkCount, got.Rating)
			}
			if r := c.get("/portal/track?code=" + code2); !bytes.Contains(r.Body, []byte(`data-state="rework"`)) || bytes.Contains(r.Body, []byte(`id="rate-form"`)) {
				t.Fatalf("tracking after the reopening:\n%s", r.Body)
			}
		})
		t.Run("window_over", func(t *testing.T) {
			code3, cs3 := c.mustPortalReport(portalFields(t, youyiGrid1), nil)
			closeByStaff(f.fixture, cs3.ID)
			f.clock.Advance(f.app.RatingWindow + time.Hour)
			if r := c.get("/portal/track?code=" + code3); r.Status != http.StatusOK || bytes.Contains(r.Body, []byte(`id="rate-form"`)) {
				t.Fatalf("the rating form after the window: %d", r.Status)
			}
			if r := rate(code3, "dissatisfied"); r.Status != http.StatusConflict {
				t.Fatalf("rating after the window: %d\n%s", r.Status, r.Body)
			}
			if got, _ := f.app.CaseByTrackingCode(ctx, code3); got.State != casework.Closed || got.RatedAt != nil {
				t.Fatalf("after the refused late rating: %s rated %v", got.State, got.RatedAt)
			}
		})
	})
}

// TestPortalMatterFields: a resident can report a type with required details (a missing manhole
// cover): chosen from the list, the form comes back asking its fields and stores nothing; sent
// with them, the case carries them; a link naming the type asks them at once.
func TestPortalMatterFields(t *testing.T) {
	eachConsoleFixture(t, func(t *testing.T, f *consoleFixture) {
		c := f.newClient()
		fields := portalFields(t, youyiGrid1)
		fields.Set("matter_code", "C0103")
		fields.Set("description", "雨水井盖不见了，很危险")
		before := f.countCases()
		r := c.portalReport(fields, pngPhoto(t, 120))
		if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`id="matter-fields"`)) || !bytes.Contains(r.Body, []byte(`name="attr_state"`)) ||
			!bytes.Contains(r.Body, []byte(`name="fields_for" value="C0103"`)) || !bytes.Contains(r.Body, []byte("雨水井盖不见了")) {
			t.Fatalf("a type with required fields sent without them: %d\n%s", r.Status, r.Body)
		}
		if after := f.countCases(); after != before {
			t.Fatalf("the form asking for details created a case: %d → %d", before, after)
		}

		fields.Set("_csrf", csrf(t, r))
		fields.Set("fields_for", "C0103")
		missing := c.postMultipart("/portal/", fields, nil)
		if missing.Status != http.StatusBadRequest || !bytes.Contains(missing.Body, []byte(`role="alert"`)) || f.countCases() != before {
			t.Fatalf("the required field left blank: %d\n%s", missing.Status, missing.Body)
		}
		fields.Set("_csrf", csrf(t, missing))
		fields.Set("attr_state", "missing")
		fields.Set("attr_cordoned", "no")
		code, cs := c.mustPortalReport(fields, nil)
		if cs.MatterCode != "C0103" || cs.Attributes["state"] != "missing" || cs.Attributes["cordoned"] != "no" {
			t.Fatalf("case of %s: matter %s attributes %v", code, cs.MatterCode, cs.Attributes)
		}

		page := c.get("/portal/?matter=C0101&lang=en")
		if page.Status != http.StatusOK || !bytes.Contains(page.Body, []byte(`name="fields_for" value="C0101"`)) || !bytes.Contains(page.Body, []byte("Cover state")) ||
			!bytes.Contains(page.Body, []byte(`<option value="C0101" selected>`)) {
			t.Fatalf("the form for a named type: %d\n%s", page.Status, page.Body)
		}
		if plain := c.get("/portal/?matter=NOPE"); plain.Status != http.StatusOK || bytes.Contains(plain.Body, []byte(`id="matter-fields"`)) {
			t.Fatalf("an unknown type in the link: %d", plain.Status)
		}
	})
}
