package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"civicgrid/casework"
	"civicgrid/store/storetest"
)

// TestPortalBrowser: a resident on a phone (390 px) reports through the form with a photo, sees
// the tracking code, follows the case, and, once staff have closed it, rates it. No page scrolls
// sideways.
func TestPortalBrowser(t *testing.T) {
	chromiumPath(t) // skip early, before building databases
	shots := screenshotDir(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newConsoleFixture(t, dsn)
		b := newBrowser(t, f, shots, "portal-"+filepath.Base(t.Name()))
		b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		narrow := func(what string) {
			t.Helper()
			if w := run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
				t.Fatalf("%s at 390 px: the page is %d px wide", what, w)
			}
		}
		photo := filepath.Join(t.TempDir(), "photo.png")
		if err := os.WriteFile(photo, pngPhoto(t, 80), 0o644); err != nil {
			t.Fatal(err)
		}
		lat, lon := gridPoint(t, youyiGrid1)

		b.visit("/portal/", "portal_report")
		narrow("the report form")
		b.do(chromedp.SetValue(chromedp.ID("matter_code"), "E0502"),
			chromedp.SendKeys(chromedp.ID("description"), "小区门口有人占道摆摊，晚上很吵"),
			chromedp.SendKeys(chromedp.ID("lat"), fmt.Sprint(lat)),
			chromedp.SendKeys(chromedp.ID("lon"), fmt.Sprint(lon)),
			chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}),
			chromedp.SendKeys(chromedp.ID("phone"), "13700002222"))
		b.screenshot("report-phone")
		b.submit("#report-submit", "portal_done")
		code := b.text("#tracking-code")
		cs, err := f.app.CaseByTrackingCode(context.Background(), code)
		if err != nil {
			t.Fatalf("the code shown, %q, finds no case: %v", code, err)
		}
		if cs.Channel != casework.ChannelPortal || len(cs.Media) != 1 {
			t.Fatalf("case of %s: channel %s media %v", code, cs.Channel, cs.Media)
		}
		narrow("the confirmation")
		b.screenshot("done-phone")

		b.submit("#track-this", "portal_track")
		if st := b.text("#track-state"); st != "待受理" {
			t.Fatalf("state of the new case %q", st)
		}
		narrow("the tracking page")
		b.screenshot("track-phone")

		closeByStaff(f.fixture, cs.ID)
		b.visit("/portal/track?code="+code, "portal_track")
		if st := b.text("#track-state"); st != "结案" {
			t.Fatalf("state after closing %q", st)
		}
		narrow("the rating form")
		b.screenshot("rate-phone")
		b.submit("#rate-satisfied", "portal_track")
		if n := b.text(".notice"); n != "感谢您的评价。" {
			t.Fatalf("notice after rating %q", n)
		}
		if r := b.text("#track-rating"); r != "满意" {
			t.Fatalf("rating shown %q", r)
		}
		if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll('#rate-form').length`)); n != 0 {
			t.Fatal("the rating form is still offered")
		}
		got, err := f.app.CaseByTrackingCode(context.Background(), code)
		if err != nil || got.State != casework.Closed || got.Rating != casework.Satisfied {
			t.Fatalf("after rating: %+v %v", got, err)
		}
		narrow("the rated case")
		b.screenshot("rated-phone")
	})
}
