package web

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"civicgrid"
)

// Rate limits of the write endpoints (Open311 POST requests and updates, media uploads). Each
// client has two token buckets: one for its API key and one for its address. A request takes a
// token from each bucket that applies, and is refused — without taking any — when one is empty.
// Buckets refill continuously; a bucket that has refilled completely holds no information and is
// dropped, so memory follows the number of recently active clients, capped by MaxTracked.
//
// The state lives in each server process: with several processes behind a balancer, a client
// gets up to the limit from each.

// Rate is one token bucket: Burst requests at once, refilled at PerMinute requests a minute.
// A PerMinute of zero or less means no limit.
type Rate struct {
	PerMinute float64
	Burst     int
}

// Limits are the rate limits of the write endpoints.
type Limits struct {
	PerKey  Rate // per API key
	PerAddr Rate // per client address (an IPv6 client by its /64)
	// MaxTracked caps the buckets kept for keys, and again for addresses. Past it the least
	// recently used are forgotten (they start again with a full burst).
	MaxTracked int
}

// DefaultLimits are the limits NewServer sets: per API key 30 requests a minute with bursts of 60,
// per address 60 a minute with bursts of 120, at most 10,000 clients of each kind tracked.
func DefaultLimits() Limits {
	return Limits{
		PerKey:     Rate{PerMinute: 30, Burst: 60},
		PerAddr:    Rate{PerMinute: 60, Burst: 120},
		MaxTracked: 10000,
	}
}

// sweepEvery is how often (on the app's clock) full buckets are dropped even below the cap.
const sweepEvery = time.Minute

type bucket struct {
	tokens float64
	last   time.Time
}

// limiter holds the buckets; its zero value is ready.
type limiter struct {
	mu        sync.Mutex
	keys      map[string]*bucket
	addrs     map[string]*bucket
	lastSweep time.Time
}

// allow applies the rate limits for one request of a client identified by key (an API key's ID, or
// "" for anonymous callers) and its remote address. It returns a civicgrid.ERATELIMIT error whose
// Details["retry_after"] is the number of seconds to wait.
func (s *Server) allow(r *http.Request, key string) error {
	now := s.app.Clock.Now()
	addr := s.clientAddr(r)
	lim := s.Limits
	l := &s.rl
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys, l.addrs, l.lastSweep = map[string]*bucket{}, map[string]*bucket{}, now
	}
	if now.Sub(l.lastSweep) >= sweepEvery || now.Before(l.lastSweep) {
		l.sweep(l.keys, lim.PerKey, now, lim.MaxTracked)
		l.sweep(l.addrs, lim.PerAddr, now, lim.MaxTracked)
		l.lastSweep = now
	}
	type use struct {
		b    *bucket
		rate Rate
		who  string
	}
	var uses []use
	if key != "" && lim.PerKey.PerMinute > 0 {
		uses = append(uses, use{l.get(l.keys, key, lim.PerKey, now, lim.MaxTracked), lim.PerKey, "this API key"})
	}
	if lim.PerAddr.PerMinute > 0 {
		uses = append(uses, use{l.get(l.addrs, addr, lim.PerAddr, now, lim.MaxTracked), lim.PerAddr, "this address"})
	}
	var wait time.Duration
	who := ""
	for _, u := range uses {
		refill(u.b, u.rate, now)
		if u.b.tokens < 1 {
			perToken := time.Duration(float64(time.Minute) / u.rate.PerMinute)
			if w := time.Duration((1 - u.b.tokens) * float64(perToken)); w > wait || who == "" {
				wait, who = w, u.who
			}
		}
	}
	if who != "" {
		secs := int(math.Ceil(wait.Seconds()))
		if secs < 1 {
			secs = 1
		}
		return civicgrid.Errorf(civicgrid.ERATELIMIT, "too many requests from %s; retry in %d s", who, secs).WithDetail("retry_after", secs)
	}
	for _, u := range uses {
		u.b.tokens--
	}
	return nil
}

// refill adds the tokens earned since the bucket was last used, up to the burst.
func refill(b *bucket, rate Rate, now time.Time) {
	if now.After(b.last) {
		b.tokens = math.Min(float64(burstOf(rate)), b.tokens+now.Sub(b.last).Minutes()*rate.PerMinute)
		b.last = now
	}
}

func burstOf(r Rate) int {
	if r.Burst < 1 {
		return 1
	}
	return r.Burst
}

// get returns the bucket of id, creating a full one, and makes room first when the map is at its
// cap.
func (l *limiter) get(m map[string]*bucket, id string, rate Rate, now time.Time, max int) *bucket {
	if b, ok := m[id]; ok {
		return b
	}
	if max > 0 && len(m) >= max {
		l.sweep(m, rate, now, max)
	}
	b := &bucket{tokens: float64(burstOf(rate)), last: now}
	m[id] = b
	return b
}

// sweep drops the buckets that have refilled completely (forgetting them changes nothing). If the
// map is still at its cap, it drops the least recently used until a quarter of the cap is free, so
// that a flood of new addresses costs one sort per max/4 of them.
func (l *limiter) sweep(m map[string]*bucket, rate Rate, now time.Time, max int) {
	for id, b := range m {
		refill(b, rate, now)
		if b.tokens >= float64(burstOf(rate)) {
			delete(m, id)
		}
	}
	if max <= 0 || len(m) < max {
		return
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return m[ids[i]].last.Before(m[ids[j]].last) })
	for _, id := range ids[:len(m)-max*3/4] {
		delete(m, id)
	}
}

// tracked reports how many key and address buckets are held (for tests).
func (l *limiter) tracked() (keys, addrs int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys), len(l.addrs)
}

// clientAddr is the address a request is limited by: the peer's IP, or with TrustProxy the
// address the proxy in front of the server saw (the last entry of X-Forwarded-For, which that
// proxy appended; earlier entries are the client's word). An IPv6 address counts by its /64,
// which one subscriber usually holds whole.
func (s *Server) clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if s.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				return addrKey(a)
			}
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return addrKey(a)
	}
	return host
}

func addrKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
