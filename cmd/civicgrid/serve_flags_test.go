package main

import (
	"bytes"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"civicgrid/store/storetest"
)

func TestParsePrefixes(t *testing.T) {
	got, err := parsePrefixes(" 10.1.2.3/8, 127.0.0.1 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("prefix %d: %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"", " , ", "10.0.0.0/33", "bogus", "10.0.0/8"} {
		if _, err := parsePrefixes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestServeOperatorFlags: --metrics-allow replaces the loopback-only rule for /metrics, and
// --secure-cookies marks the session cookie Secure on plain HTTP (behind a TLS proxy).
func TestServeOperatorFlags(t *testing.T) {
	get := func(url string) int {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	plain := startServer(t, "--db", storetest.SQLiteDSN(t))
	if code := get(plain.url + "/metrics"); code != http.StatusOK {
		t.Fatalf("metrics from this host by default: %d", code)
	}
	elsewhere := startServer(t, "--db", storetest.SQLiteDSN(t), "--metrics-allow", "192.0.2.0/24")
	if code := get(elsewhere.url + "/metrics"); code != http.StatusForbidden {
		t.Fatalf("metrics from this host when only 192.0.2.0/24 may read them: %d", code)
	}
	if _, err := runCommand(t, "serve", "--db", storetest.SQLiteDSN(t), "--addr", "127.0.0.1:0", "--metrics-allow", "bogus"); err == nil || !strings.Contains(err.Error(), "--metrics-allow") {
		t.Fatalf("a bad --metrics-allow: %v", err)
	}

	secure := startServer(t, "--db", storetest.SQLiteDSN(t), "--demo", "--demo-days", "0", "--demo-password", "flag-test-pw", "--secure-cookies")
	res, err := http.Post(secure.url+"/api/v1/login", "application/json", bytes.NewReader([]byte(`{"login":"district.intake","password":"flag-test-pw"}`)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "civicgrid_session" {
			cookie = c
		}
	}
	if res.StatusCode != http.StatusOK || cookie == nil || !cookie.Secure || !cookie.HttpOnly {
		t.Fatalf("login with --secure-cookies: %d, cookie %+v", res.StatusCode, cookie)
	}
}
