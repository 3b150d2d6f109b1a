// Package auth hashes passwords with argon2id and makes the random tokens behind sessions, API keys
// and tracking codes. Only hashes of passwords and tokens are ever stored.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"civicgrid"
)

// Argon2id parameters (RFC 9106 second recommended option, with a smaller memory footprint suited to
// a server handling logins concurrently on small machines).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLen and MaxPasswordLen bound passwords (bytes); the upper bound keeps hashing cheap to
// refuse.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// CheckPasswordPolicy reports whether a new password is acceptable.
func CheckPasswordPolicy(pw string) error {
	if len(pw) < MinPasswordLen {
		return civicgrid.Errorf(civicgrid.EINVALID, "password must be at least %d characters", MinPasswordLen).WithDetail("field", "password")
	}
	if len(pw) > MaxPasswordLen {
		return civicgrid.Errorf(civicgrid.EINVALID, "password must be at most %d bytes", MaxPasswordLen).WithDetail("field", "password")
	}
	return nil
}

// HashPassword returns the PHC-format argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the stored hash. Malformed hashes never match.
func VerifyPassword(hash, pw string) bool {
	if len(pw) > MaxPasswordLen {
		return false
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewToken returns a random URL-safe token of n random bytes.
func NewToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is the stored form of a session token or API key: tokens are random and long, so a fast
// hash is enough and lets lookups use an index.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// trackingAlphabet avoids letters and digits that people confuse when reading a code aloud.
const trackingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewTrackingCode returns a random code a resident uses to follow a case (10 characters, 50 bits).
func NewTrackingCode() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = trackingAlphabet[int(b[i])%len(trackingAlphabet)]
	}
	return string(b)
}
