package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/store/storetest"
)

// testImage is a small picture with some structure, so that the encoders produce ordinary files.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	return img
}

func encodePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpLossless is the container and header of a lossless WebP of w×h pixels: RIFF, the VP8L chunk,
// its signature and the packed dimensions, then filler for the bitstream. The standard library
// cannot encode WebP; the platform reads only the container and the dimensions, which this is
// true to.
func webpLossless(w, h int) []byte {
	payload := make([]byte, 5, 64)
	payload[0] = 0x2f
	binary.LittleEndian.PutUint32(payload[1:], uint32(w-1)|uint32(h-1)<<14)
	payload = append(payload, make([]byte, 59)...)
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+len(payload)))
	b.WriteString("WEBPVP8L")
	binary.Write(&b, binary.LittleEndian, uint32(len(payload)))
	b.Write(payload)
	return b.Bytes()
}

// withPNGSize rewrites a PNG's IHDR to claim w×h pixels, with a correct checksum: what a
// decompression bomb looks like from its header.
func withPNGSize(t *testing.T, data []byte, w, h uint32) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	if string(out[12:16]) != "IHDR" {
		t.Fatal("no IHDR where expected")
	}
	binary.BigEndian.PutUint32(out[16:20], w)
	binary.BigEndian.PutUint32(out[20:24], h)
	binary.BigEndian.PutUint32(out[29:33], crc32.ChecksumIEEE(out[12:29]))
	return out
}

func TestPutMediaAcceptsPhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		p := e.user("youyi.c1.worker1")
		cases := []struct {
			name, ct string
			data     []byte
		}{
			{"png", "image/png", encodePNG(t, 64, 48)},
			{"jpeg", "image/jpeg", encodeJPEG(t, 64, 48)},
			{"gif", "image/gif", encodeGIF(t, 32, 32)},
			{"webp", "image/webp", webpLossless(640, 480)},
		}
		seen := map[string]bool{}
		for _, c := range cases {
			m, err := e.app.PutMedia(ctx, p, c.data)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			sum := sha256.Sum256(c.data)
			if m.ContentType != c.ct || m.Size != int64(len(c.data)) || m.SHA256 != hex.EncodeToString(sum[:]) || !m.CreatedAt.Equal(start) {
				t.Fatalf("%s: record %+v", c.name, m)
			}
			if !app.ValidMediaID(m.ID) || seen[m.ID] {
				t.Fatalf("%s: ID %q is malformed or repeated", c.name, m.ID)
			}
			seen[m.ID] = true
			got, data, err := e.app.MediaContent(ctx, m.ID)
			if err != nil || !bytes.Equal(data, c.data) || *got != *m {
				t.Fatalf("%s: read back %+v (%d bytes) %v", c.name, got, len(data), err)
			}
		}
		// The same bytes twice are two photos with their own IDs (an ID reveals nothing of another).
		png := cases[0].data
		m1, err1 := e.app.PutMedia(ctx, p, png)
		m2, err2 := e.app.PutMedia(ctx, p, png)
		if err1 != nil || err2 != nil || m1.ID == m2.ID || m1.SHA256 != m2.SHA256 {
			t.Fatalf("same bytes twice: %+v %+v %v %v", m1, m2, err1, err2)
		}
		if _, _, err := e.app.MediaContent(ctx, strings.Repeat("A", 32)); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Fatalf("unknown ID: %v", err)
		}
		if _, _, err := e.app.MediaContent(ctx, "../../etc/passwd"); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Fatalf("malformed ID: %v", err)
		}
	})
}

func TestPutMediaRefusesOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		p := e.user("youyi.c1.worker1")
		big := make([]byte, app.MaxMediaBytes+1)
		copy(big, encodeJPEG(t, 16, 16))
		refusals := []struct {
			name, code, says string
			data             []byte
		}{
			{"empty", civicgrid.EINVALID, "empty", nil},
			{"text", civicgrid.EINVALID, "text/plain", []byte("路口有人占道摆摊\n这不是照片\n")},
			{"html", civicgrid.EINVALID, "text/html", []byte("<html><script>alert(1)</script></html>")},
			{"pdf", civicgrid.EINVALID, "application/pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")},
			{"oversized", civicgrid.ETOOLARGE, "at most", big},
			{"truncated jpeg", civicgrid.EINVALID, "cannot be read", []byte("\xff\xd8\xff\xe0 this is no JPEG")},
			{"png bomb", civicgrid.EINVALID, "pixels", withPNGSize(t, encodePNG(t, 8, 8), 50000, 50000)},
			{"truncated webp", civicgrid.EINVALID, "cannot be read", webpLossless(8, 8)[:24]},
		}
		for _, r := range refusals {
			m, err := e.app.PutMedia(ctx, p, r.data)
			if !civicgrid.IsCode(err, r.code) || !strings.Contains(civicgrid.ErrorMessage(err), r.says) {
				t.Errorf("%s: got %+v, %v; want %s saying %q", r.name, m, err, r.code, r.says)
			}
		}
	})
}
