package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// Photos with a request: multipart/form-data with parts named media, stored through the media
// store and shown as this server's absolute /media/ URL; a media_url is kept as given.

func pngPhoto(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	img.SetGray(1, 1, color.Gray{Y: shade})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartForm builds a multipart body of form fields and files (name → contents).
func multipartForm(t *testing.T, form url.Values, files ...[2]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range form[k] {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f[0], "photo.png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(f[1]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

func TestOpen311PostRequestMedia(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		post := func(format string, form url.Values, files ...[2]string) response {
			ct, body := multipartForm(t, form, files...)
			return f.o311("POST", pRequests, "/open311/v2/requests."+format, body, "Content-Type", ct)
		}
		photo := string(pngPhoto(t, 200))
		r := f.must(http.StatusCreated, post("json", requestForm(t), [2]string{"media", photo}, [2]string{"media", string(pngPhoto(t, 100))}))
		id := jsonList(t, r)[0]["service_request_id"].(string)
		j, x := f.getO311(pRequest, "/open311/v2/requests/"+id+".{format}", requestsSpec)
		mediaURL := jsonList(t, f.must(http.StatusOK, j))[0]["media_url"].(string)
		if !strings.HasPrefix(mediaURL, f.srv.URL+"/media/") {
			t.Fatalf("media_url %q is not this server's /media/ address", mediaURL)
		}
		var xr xmlRequests
		decodeXML(t, x, &xr)
		if xr.Requests[0].MediaURL != mediaURL {
			t.Fatalf("XML media_url %q, JSON %q", xr.Requests[0].MediaURL, mediaURL)
		}
		res, err := f.srv.Client().Get(mediaURL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("the photo at media_url: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if media := caseOf(t, f, id)["media"].([]any); len(media) != 2 {
			t.Fatalf("case media %v", media)
		}

		// A media_url is kept as given, after the photos uploaded with it.
		given := "https://photos.example.org/p/123.jpg?size=large&v=2"
		r = f.must(http.StatusCreated, post("xml", requestForm(t, "media_url", given)))
		var created xmlRequests
		decodeXML(t, r, &created)
		j, _ = f.getO311(pRequest, "/open311/v2/requests/"+created.Requests[0].ServiceRequestID+".{format}", requestsSpec)
		if got := jsonList(t, j)[0]["media_url"]; got != given {
			t.Fatalf("media_url %v, want %s", got, given)
		}
		r = f.must(http.StatusCreated, f.postForm(pRequests, "/open311/v2/requests.json", requestForm(t, "media_url", given)))
		if m := caseOf(t, f, jsonList(t, r)[0]["service_request_id"].(string))["media"].([]any); len(m) != 1 || m[0] != given {
			t.Fatalf("case media %v", m)
		}
		r = f.must(http.StatusCreated, post("json", requestForm(t, "media_url", given), [2]string{"media", photo}))
		if m := caseOf(t, f, jsonList(t, r)[0]["service_request_id"].(string))["media"].([]any); len(m) != 2 || m[1] != given || strings.HasPrefix(m[0].(string), "http") {
			t.Fatalf("case media %v: the uploaded photo first, then the URL", m)
		}

		// Refusals create nothing.
		before := f.countCases()
		six := make([][2]string, 6)
		for i := range six {
			six[i] = [2]string{"media", string(pngPhoto(t, uint8(i)))}
		}
		for _, c := range []struct {
			name   string
			form   url.Values
			files  [][2]string
			status int
		}{
			{"six photos", requestForm(t), six, 400},
			{"a photo over 10 MiB", requestForm(t), [][2]string{{"media", photo + strings.Repeat("x", 10<<20)}}, 413},
			{"not a photo", requestForm(t), [][2]string{{"media", "<html>not a photo</html>"}}, 400},
			{"a file under another name", requestForm(t), [][2]string{{"photo", photo}}, 400},
			{"no key", requestForm(t, "api_key", ""), [][2]string{{"media", photo}}, 403},
			{"outside every grid", requestForm(t, "lat", "39.9", "long", "116.4"), [][2]string{{"media", photo}}, 400},
			{"unknown service", requestForm(t, "service_code", "E9999"), [][2]string{{"media", photo}}, 400},
		} {
			r := post("json", c.form, c.files...)
			if r.Status != c.status {
				t.Errorf("%s: %d, want %d: %s", c.name, r.Status, c.status, clip(r.Body))
				continue
			}
			wantO311Error(t, r, c.status)
		}
		if n := f.countCases(); n != before {
			t.Fatalf("refused uploads created %d cases", n-before)
		}
	})
}
