package app

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// Photos from phones carry metadata — above all the GPS position where the picture was taken,
// often a resident's home, and the device's serial number. Stored photos are served to anyone who
// has their link, so metadata is removed before a photo is stored: privacy by design. The pixels
// are left untouched (no re-encoding, no quality loss).

// stripMetadata removes EXIF, XMP, IPTC and comment blocks from a JPEG, PNG or WebP. GIF has no
// standard place for them and is kept as is.
func stripMetadata(ct string, data []byte) ([]byte, error) {
	switch ct {
	case "image/jpeg":
		return stripJPEG(data)
	case "image/png":
		return stripPNG(data)
	case "image/webp":
		return stripWebP(data)
	}
	return data, nil
}

var errTruncated = errors.New("the file is truncated")

// stripJPEG drops APP1 (EXIF, XMP), APP13 (IPTC) and COM segments before the image data. Every
// segment before start-of-scan has a length; everything from start-of-scan on is copied verbatim.
func stripJPEG(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errors.New("no JPEG start-of-image marker")
	}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	i := 2
	for {
		if i+4 > len(b) || b[i] != 0xFF {
			return nil, errTruncated
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA { // start of scan: the rest is image data
			return append(out, b[i:]...), nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return nil, errTruncated
		}
		if marker != 0xE1 && marker != 0xED && marker != 0xFE {
			out = append(out, b[i:i+2+n]...)
		}
		i += 2 + n
	}
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// stripPNG drops the eXIf chunk and the text chunks (tEXt, zTXt, iTXt, which carry XMP and free
// text). Chunks are copied with their CRCs unchanged.
func stripPNG(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return nil, errors.New("no PNG signature")
	}
	out := make([]byte, 0, len(b))
	out = append(out, pngSignature...)
	for i := len(pngSignature); i < len(b); {
		if i+12 > len(b) {
			return nil, errTruncated
		}
		n := int(binary.BigEndian.Uint32(b[i : i+4]))
		end := i + 12 + n
		if n < 0 || end > len(b) || end < i {
			return nil, errTruncated
		}
		switch string(b[i+4 : i+8]) {
		case "eXIf", "tEXt", "zTXt", "iTXt":
		default:
			out = append(out, b[i:end]...)
		}
		i = end
	}
	return out, nil
}

// stripWebP drops the EXIF and XMP chunks of a WebP, clears their flags in the VP8X header and
// fixes the RIFF size.
func stripWebP(b []byte) ([]byte, error) {
	if len(b) < 12 {
		return nil, errTruncated
	}
	out := make([]byte, 12, len(b))
	copy(out, b[:12])
	for i := 12; i < len(b); {
		if i+8 > len(b) {
			return nil, errTruncated
		}
		n := int(binary.LittleEndian.Uint32(b[i+4 : i+8]))
		end := i + 8 + n + n%2 // chunks are padded to an even size
		if n < 0 || end > len(b) || end < i {
			return nil, errTruncated
		}
		switch string(b[i : i+4]) {
		case "EXIF", "XMP ":
		case "VP8X":
			chunk := append([]byte(nil), b[i:end]...)
			if len(chunk) > 8 {
				chunk[8] &^= 0x08 | 0x04 // EXIF and XMP present flags
			}
			out = append(out, chunk...)
		default:
			out = append(out, b[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
