package web

import (
	"sync"
	"time"
)

// Login throttling: after loginFailLimit failed logins for one login name, or addrFailLimit from one
// address, within loginFailWindow, further attempts for that name or from that address are refused
// for loginLockout — without checking the password, so guessing stops. An address gets more
// room than a name: a whole dispatch centre often reaches the platform through one address, and a
// few colleagues' typos must not lock everyone out. Time is the app's clock. The
// state lives in memory in each server process and is bounded: at most maxThrottleKeys names and
// as many addresses are remembered; when full, stale entries go first and then the least recently
// active.
const (
	loginFailLimit  = 5
	addrFailLimit   = 30
	loginFailWindow = 15 * time.Minute
	loginLockout    = 15 * time.Minute
	maxThrottleKeys = 10000
)

type loginThrottle struct {
	mu    sync.Mutex
	max   int
	names map[string]*failures
	addrs map[string]*failures
}

// failures are the recent failures of one name or address (at most the limit are kept) and
// the end of its lockout.
type failures struct {
	at          []time.Time
	lockedUntil time.Time
	last        time.Time
}

func newLoginThrottle(max int) *loginThrottle {
	return &loginThrottle{max: max, names: map[string]*failures{}, addrs: map[string]*failures{}}
}

// locked reports whether the name or the address is locked out now, and until when.
func (l *loginThrottle) locked(now time.Time, name, addr string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var until time.Time
	for _, f := range []*failures{l.names[name], l.addrs[addr]} {
		if f != nil && now.Before(f.lockedUntil) && f.lockedUntil.After(until) {
			until = f.lockedUntil
		}
	}
	return until, !until.IsZero()
}

// fail records a failed attempt for the name and the address.
func (l *loginThrottle) fail(now time.Time, name, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.record(l.names, name, now, loginFailLimit)
	l.record(l.addrs, addr, now, addrFailLimit)
}

// succeed forgets the failures of a name that has just logged in. The address keeps its count: one
// known password must not reset the guessing of others from the same place.
func (l *loginThrottle) succeed(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.names, name)
}

func (l *loginThrottle) record(m map[string]*failures, key string, now time.Time, limit int) {
	f, ok := m[key]
	if !ok {
		if len(m) >= l.max {
			l.evict(m, now)
		}
		f = &failures{}
		m[key] = f
	}
	f.last = now
	// Keep only the failures inside the window.
	kept := f.at[:0]
	for _, t := range f.at {
		if now.Sub(t) < loginFailWindow {
			kept = append(kept, t)
		}
	}
	f.at = append(kept, now)
	if len(f.at) >= limit {
		f.lockedUntil = now.Add(loginLockout)
		f.at = f.at[:0]
	}
}

// evict makes room in a full map: every entry with nothing left to remember goes; if none, the
// least recently active one does.
func (l *loginThrottle) evict(m map[string]*failures, now time.Time) {
	var oldest string
	var oldestAt time.Time
	found := false
	for k, f := range m {
		if !now.Before(f.lockedUntil) && now.Sub(f.last) >= loginFailWindow {
			delete(m, k)
			continue
		}
		if !found || f.last.Before(oldestAt) {
			oldest, oldestAt, found = k, f.last, true
		}
	}
	if len(m) >= l.max && found {
		delete(m, oldest)
	}
}
