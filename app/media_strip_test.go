package app_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"testing"

	"civicgrid"
	"civicgrid/store/storetest"
)

// secret is what a phone writes into a photo's metadata: where it was taken.
const secret = "GPSLatitude=31.41321 GPSLongitude=121.48274 SerialNumber=XK-7731"

func withJPEGMetadata(t *testing.T, jpg []byte) []byte {
	t.Helper()
	seg := func(marker byte, payload string) []byte {
		b := []byte{0xFF, marker, 0, 0}
		binary.BigEndian.PutUint16(b[2:], uint16(len(payload)+2))
		return append(b, payload...)
	}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg(0xE1, "Exif\x00\x00"+secret)...)
	out = append(out, seg(0xE1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+secret+"</x:xmpmeta>")...)
	out = append(out, seg(0xED, "Photoshop 3.0\x00"+secret)...)
	out = append(out, seg(0xFE, secret)...)
	return append(out, jpg[2:]...)
}

func withPNGMetadata(t *testing.T, p []byte) []byte {
	t.Helper()
	chunk := func(typ, data string) []byte {
		b := make([]byte, 4, 12+len(data))
		binary.BigEndian.PutUint32(b, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE([]byte(typ+data)))
	}
	// Metadata after IHDR (33 bytes: signature 8, IHDR chunk 25).
	out := append([]byte{}, p[:33]...)
	out = append(out, chunk("eXIf", "MM\x00*"+secret)...)
	out = append(out, chunk("tEXt", "Comment\x00"+secret)...)
	out = append(out, chunk("iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00"+secret)...)
	return append(out, p[33:]...)
}

// extendedWebP wraps a lossless WebP's image chunk in the extended format with an EXIF chunk.
func extendedWebP(t *testing.T, simple []byte) []byte {
	t.Helper()
	vp8x := []byte("VP8X\x0a\x00\x00\x00\x08\x00\x00\x00\x7f\x02\x00\xdf\x01\x00") // EXIF flag, 640×480
	exif := []byte("EXIF")
	exif = binary.LittleEndian.AppendUint32(exif, uint32(len(secret)))
	exif = append(exif, secret...)
	if len(secret)%2 == 1 {
		exif = append(exif, 0)
	}
	body := append(append(append([]byte("WEBP"), vp8x...), simple[12:]...), exif...)
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

// TestPhotosLoseTheirMetadata: the position a phone records in a photo never reaches storage, and
// the picture itself is unchanged.
func TestPhotosLoseTheirMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		p := e.user("youyi.c1.worker1")
		plainJPEG, plainPNG := encodeJPEG(t, 64, 48), encodePNG(t, 64, 48)
		cases := []struct {
			name        string
			data, plain []byte
			decodeSize  bool
		}{
			{"jpeg", withJPEGMetadata(t, plainJPEG), plainJPEG, true},
			{"png", withPNGMetadata(t, plainPNG), plainPNG, true},
			{"webp", extendedWebP(t, webpLossless(640, 480)), nil, false},
		}
		for _, c := range cases {
			if !bytes.Contains(c.data, []byte(secret)) {
				t.Fatalf("%s: the test photo carries no metadata", c.name)
			}
			m, err := e.app.PutMedia(ctx, p, c.data)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			_, stored, err := e.app.MediaContent(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(stored, []byte("GPSLatitude")) || bytes.Contains(stored, []byte("SerialNumber")) {
				t.Fatalf("%s: metadata reached storage", c.name)
			}
			if m.Size != int64(len(stored)) {
				t.Fatalf("%s: size %d recorded, %d stored", c.name, m.Size, len(stored))
			}
			if c.plain != nil && !bytes.Equal(stored, c.plain) {
				t.Fatalf("%s: the picture changed beyond its metadata (%d bytes, plain %d)", c.name, len(stored), len(c.plain))
			}
			if c.decodeSize {
				img, _, err := image.Decode(bytes.NewReader(stored))
				if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
					t.Fatalf("%s: stored photo does not decode as 64×48: %v", c.name, err)
				}
			}
			if c.name == "webp" {
				if binary.LittleEndian.Uint32(stored[4:8]) != uint32(len(stored)-8) || stored[20]&0x08 != 0 {
					t.Fatalf("webp: RIFF size or EXIF flag not fixed: % x", stored[:24])
				}
			}
		}
		// A segment that claims more bytes than the file has is refused, not stored.
		bad := withJPEGMetadata(t, plainJPEG)
		binary.BigEndian.PutUint16(bad[4:6], 0xFFF0)
		if _, err := e.app.PutMedia(ctx, p, bad); !civicgrid.IsCode(err, civicgrid.EINVALID) {
			t.Fatalf("truncated JPEG segment: %v", err)
		}
	})
}
