package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/clock"
)

// limitServer is a server whose rate limiter reads a fake clock; no database is needed.
func limitServer(t *testing.T, lim Limits) (*Server, *clock.Fake) {
	t.Helper()
	fake := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	s := NewServer(&app.App{Clock: fake}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Limits = lim
	return s, fake
}

func reqFrom(addr string, header ...string) *http.Request {
	r := httptest.NewRequest("POST", "/open311/v2/servicerequestupdates.json", nil)
	r.RemoteAddr = addr
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return r
}

// retryAfter returns the seconds a rate-limit error asks to wait, failing on any other outcome.
func retryAfter(t *testing.T, err error) int {
	t.Helper()
	if !civicgrid.IsCode(err, civicgrid.ERATELIMIT) {
		t.Fatalf("want a rate-limit error, got %v", err)
	}
	e := err.(*civicgrid.Error)
	secs, ok := e.Details["retry_after"].(int)
	if !ok || secs < 1 {
		t.Fatalf("retry_after %#v", e.Details["retry_after"])
	}
	return secs
}

func TestRateLimitPerKey(t *testing.T) {
	// 6 a minute (one every 10 s), bursts of 3; addresses unlimited.
	s, fake := limitServer(t, Limits{PerKey: Rate{PerMinute: 6, Burst: 3}, MaxTracked: 100})
	r := reqFrom("192.0.2.1:4000")
	for i := 0; i < 3; i++ {
		if err := s.allow(r, "7"); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	if secs := retryAfter(t, s.allow(r, "7")); secs != 10 {
		t.Fatalf("retry_after %d, want 10 (one token every 10 s)", secs)
	}
	// Another key from the same address is not held back by the first.
	if err := s.allow(r, "8"); err != nil {
		t.Fatalf("another key: %v", err)
	}
	// Refused requests take nothing: after 9.5 s the wait is half a second, rounded up.
	fake.Advance(9500 * time.Millisecond)
	if secs := retryAfter(t, s.allow(r, "7")); secs != 1 {
		t.Fatalf("retry_after %d after 9.5 s, want 1", secs)
	}
	fake.Advance(500 * time.Millisecond)
	if err := s.allow(r, "7"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	retryAfter(t, s.allow(r, "7"))
	// A long pause refills the burst, never more.
	fake.Advance(time.Hour)
	for i := 0; i < 3; i++ {
		if err := s.allow(r, "7"); err != nil {
			t.Fatalf("request %d after an hour: %v", i+1, err)
		}
	}
	retryAfter(t, s.allow(r, "7"))
}

func TestRateLimitPerAddress(t *testing.T) {
	s, fake := limitServer(t, Limits{PerKey: Rate{PerMinute: 1000, Burst: 1000}, PerAddr: Rate{PerMinute: 2, Burst: 2}, MaxTracked: 100})
	a, b := reqFrom("192.0.2.1:4000"), reqFrom("192.0.2.2:4000")
	for i := 0; i < 2; i++ {
		if err := s.allow(a, ""); err != nil {
			t.Fatal(err)
		}
	}
	// The address is out of tokens whatever key it presents; another address is not.
	if secs := retryAfter(t, s.allow(a, "")); secs != 30 {
		t.Fatalf("retry_after %d, want 30", secs)
	}
	retryAfter(t, s.allow(a, "9"))
	if err := s.allow(b, "9"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// A new port is the same address.
	retryAfter(t, s.allow(reqFrom("192.0.2.1:5000"), ""))
	fake.Advance(30 * time.Second)
	if err := s.allow(a, ""); err != nil {
		t.Fatalf("after 30 s: %v", err)
	}
	// Both buckets must have a token: the address refused above, so key 9 lost none of its own.
	if err := s.allow(b, "9"); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitAddresses(t *testing.T) {
	s, _ := limitServer(t, Limits{PerAddr: Rate{PerMinute: 1, Burst: 1}, MaxTracked: 100})
	use := func(r *http.Request) error { return s.allow(r, "") }

	// X-Forwarded-For is the client's word unless the server is told to trust a proxy.
	if err := use(reqFrom("198.51.100.7:1", "X-Forwarded-For", "203.0.113.1")); err != nil {
		t.Fatal(err)
	}
	retryAfter(t, use(reqFrom("198.51.100.7:1", "X-Forwarded-For", "203.0.113.2")))

	s.TrustProxy = true
	// Behind the proxy, the address the proxy appended counts; entries before it are ignored.
	proxy := "10.0.0.1:443"
	if err := use(reqFrom(proxy, "X-Forwarded-For", "1.1.1.1, 203.0.113.9")); err != nil {
		t.Fatal(err)
	}
	retryAfter(t, use(reqFrom(proxy, "X-Forwarded-For", "2.2.2.2, 203.0.113.9")))
	if err := use(reqFrom(proxy, "X-Forwarded-For", "203.0.113.10")); err != nil {
		t.Fatalf("another client behind the proxy: %v", err)
	}
	// A malformed header falls back to the peer.
	if err := use(reqFrom(proxy, "X-Forwarded-For", "not-an-address")); err != nil {
		t.Fatal(err)
	}
	retryAfter(t, use(reqFrom(proxy)))

	// An IPv6 subscriber's /64 is one client; the next /64 is another.
	if err := use(reqFrom("[2001:db8:1:2::1]:1")); err != nil {
		t.Fatal(err)
	}
	retryAfter(t, use(reqFrom("[2001:db8:1:2:ffff::9]:1")))
	if err := use(reqFrom("[2001:db8:1:3::1]:1")); err != nil {
		t.Fatal(err)
	}
	// An IPv4-mapped IPv6 peer is its IPv4 address.
	if err := use(reqFrom("[::ffff:192.0.2.50]:1")); err != nil {
		t.Fatal(err)
	}
	retryAfter(t, use(reqFrom("192.0.2.50:2")))
}

// TestRateLimitMemoryBounded floods the limiter with addresses: it never tracks more than its
// cap, and drops idle buckets (which hold no information) on its own.
func TestRateLimitMemoryBounded(t *testing.T) {
	s, fake := limitServer(t, Limits{PerKey: Rate{PerMinute: 60, Burst: 5}, PerAddr: Rate{PerMinute: 60, Burst: 5}, MaxTracked: 100})
	for i := 0; i < 5000; i++ {
		r := reqFrom(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255))
		if err := s.allow(r, fmt.Sprint(i)); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if k, a := s.rl.tracked(); k > 100 || a > 100 {
			t.Fatalf("after %d clients: tracking %d keys and %d addresses, cap 100", i+1, k, a)
		}
	}
	// The most recent clients are still remembered: their second request sees one token gone.
	last := reqFrom("10.0.19.135:1") // client 4999
	for i := 0; i < 4; i++ {
		if err := s.allow(last, "4999"); err != nil {
			t.Fatalf("recent client, request %d: %v", i+2, err)
		}
	}
	retryAfter(t, s.allow(last, "4999"))
	// Once every bucket has refilled, the next sweep forgets them all but the one in use.
	fake.Advance(2 * time.Minute)
	if err := s.allow(reqFrom("10.255.255.255:1"), "new"); err != nil {
		t.Fatal(err)
	}
	if k, a := s.rl.tracked(); k != 1 || a != 1 {
		t.Fatalf("after the sweep: tracking %d keys and %d addresses, want 1 and 1", k, a)
	}
}

// TestRateLimitOff: a rate of zero is no limit.
func TestRateLimitOff(t *testing.T) {
	s, _ := limitServer(t, Limits{})
	for i := 0; i < 1000; i++ {
		if err := s.allow(reqFrom("192.0.2.1:1"), "1"); err != nil {
			t.Fatal(err)
		}
	}
	if d := DefaultLimits(); d.PerKey.PerMinute <= 0 || d.PerAddr.PerMinute <= 0 || d.MaxTracked <= 0 {
		t.Fatalf("default limits %+v", d)
	}
}
