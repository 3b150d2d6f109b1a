package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"civicgrid/app"
)

// mediaTestPNG encodes a real w×h PNG.
func mediaTestPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 9), uint8(y * 3), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMediaServed stores a photo and reads it through GET /media/{id}: the bytes with the stored
// type and the headers that keep a browser from treating it as anything but an image, conditional
// requests answered from the ETag, and nothing for unknown or malformed IDs.
func TestMediaServed(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		data := mediaTestPNG(t, 40, 30)
		m, err := f.app.PutMedia(ctx, app.Principal{Resident: true}, data)
		if err != nil {
			t.Fatal(err)
		}
		r := f.must(http.StatusOK, f.do("GET", "/media/"+m.ID, "", nil))
		if !bytes.Equal(r.Body, data) {
			t.Fatalf("served %d bytes that differ from the %d stored", len(r.Body), len(data))
		}
		want := map[string]string{
			"Content-Type":           "image/png",
			"Content-Length":         strconv.Itoa(len(data)),
			"X-Content-Type-Options": "nosniff",
			"ETag":                   `"` + m.SHA256 + `"`,
			"Cache-Control":          "public, max-age=31536000, immutable",
		}
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") {
			t.Errorf("Content-Disposition %q, want inline", cd)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}

		// A cache holding the photo revalidates without the bytes being sent again.
		r = f.do("GET", "/media/"+m.ID, "", nil, "If-None-Match", `"`+m.SHA256+`"`)
		if r.Status != http.StatusNotModified || len(r.Body) != 0 || r.Header.Get("ETag") != `"`+m.SHA256+`"` {
			t.Fatalf("revalidation: %d, %d bytes, ETag %q", r.Status, len(r.Body), r.Header.Get("ETag"))
		}
		r = f.must(http.StatusOK, f.do("GET", "/media/"+m.ID, "", nil, "If-None-Match", `"0000"`))
		if !bytes.Equal(r.Body, data) {
			t.Fatal("a stale ETag did not get the photo")
		}
		r = f.must(http.StatusOK, f.do("HEAD", "/media/"+m.ID, "", nil))
		if len(r.Body) != 0 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("HEAD: %d bytes, type %q", len(r.Body), r.Header.Get("Content-Type"))
		}

		for _, id := range []string{
			strings.Repeat("A", 32),    // well-formed, not stored
			m.ID[:31],                  // too short
			m.ID + "A",                 // too long
			m.ID[:31] + "%2e",          // not of the alphabet
			strings.Repeat("a", 10000), // far too long
		} {
			r := f.do("GET", "/media/"+id, "", nil)
			if r.Status != http.StatusNotFound || r.errorCode(t) != "not_found" {
				t.Errorf("GET /media/%.40s: %d %s", id, r.Status, r.Body)
			}
		}
	})
}
