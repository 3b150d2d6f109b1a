package casework

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
)

// hashDomain keeps these hashes apart from any other SHA-256 the platform computes, and lets a
// future encoding coexist with this one.
const hashDomain = "civicgrid/casework/event/v1"

// Seal links the event to the one before it (prevHash is "" for the first event) and sets its hash.
func Seal(prevHash string, e *Event) {
	e.PrevHash = prevHash
	e.Hash = eventHash(e)
}

// eventHash is SHA-256 over every field but Hash, each written as its length and then its bytes, so
// that no two different events share an encoding. The payload is hashed verbatim: whoever stores
// events must give back the very bytes (a text column, not a re-encoding JSON type).
func eventHash(e *Event) string {
	h := sha256.New()
	str := func(s string) { putLen(h, len(s)); h.Write([]byte(s)) }
	num := func(n int64) { putLen(h, 8); _ = binary.Write(h, binary.BigEndian, n) }
	str(hashDomain)
	num(e.CaseID)
	num(int64(e.Seq))
	str(string(e.Action))
	num(e.Actor.UserID)
	str(e.Actor.Name)
	str(string(e.Actor.Role))
	str(e.Actor.Unit)
	str(e.Actor.UnitPath)
	num(e.At.UnixMicro())
	str(string(e.From))
	str(string(e.To))
	str(e.Reason)
	putLen(h, len(e.Payload))
	h.Write(e.Payload)
	str(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

func putLen(h hash.Hash, n int) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

// ChainError reports where a case's history stops verifying: the first event (by its position, 1
// for the first) that is missing, out of place, altered or not linked to its predecessor.
type ChainError struct {
	CaseID  int64
	Seq     int
	Problem string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("history of case %d is broken at event %d: %s", e.CaseID, e.Seq, e.Problem)
}

// VerifyChain checks that the events are one case's complete history from its report, in order,
// each linked to the one before and unaltered. It returns a *ChainError naming the first broken
// event. A history cut short at its end still verifies: compare its last hash with the case's
// LastHash to detect that.
func VerifyChain(events []Event) error {
	prev := ""
	for i := range events {
		e := &events[i]
		seq := i + 1
		broken := func(format string, args ...any) error {
			return &ChainError{CaseID: events[0].CaseID, Seq: seq, Problem: fmt.Sprintf(format, args...)}
		}
		switch {
		case e.Seq != seq:
			return broken("found event %d in its place", e.Seq)
		case e.CaseID != events[0].CaseID:
			return broken("it belongs to case %d", e.CaseID)
		case e.PrevHash != prev:
			return broken("it does not link to the event before it")
		case eventHash(e) != e.Hash:
			return broken("its content does not match its hash")
		}
		prev = e.Hash
	}
	return nil
}
