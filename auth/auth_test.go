package auth

import (
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id with our parameters", h)
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Fatal("right password refused")
	}
	if VerifyPassword(h, "correct horse batterz") {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$"} {
		if VerifyPassword(h, "anything") {
			t.Errorf("malformed hash %q matched", h)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	if err := CheckPasswordPolicy("short"); err == nil {
		t.Error("7-character password accepted")
	}
	if err := CheckPasswordPolicy(strings.Repeat("x", MaxPasswordLen+1)); err == nil {
		t.Error("over-long password accepted")
	}
	if err := CheckPasswordPolicy("long enough"); err != nil {
		t.Errorf("good password refused: %v", err)
	}
}

func TestTrackingCode(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c := NewTrackingCode()
		if len(c) != 10 || strings.Trim(c, trackingAlphabet) != "" {
			t.Fatalf("code %q not 10 characters of the alphabet", c)
		}
		if seen[c] {
			t.Fatalf("code %q repeated within 1000", c)
		}
		seen[c] = true
	}
	if TokenHash("a") == TokenHash("b") || len(TokenHash("a")) != 64 {
		t.Fatal("token hash is not a distinct sha256 hex")
	}
}
