package web

import (
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"civicgrid/app"
)

// Matter type search for people typing on a phone: by Chinese text, by code, by English name, and
// by pinyin abbreviation — 井盖 is found by "jg", "jgai", "jinggai" or "jgg" (the letters of each
// syllable, in order, starting with its first). The pinyin of every name and keyword is computed
// from the catalogue as it is now, so types an administrator adds are found the same way; the
// index is rebuilt whenever the configuration changes.

// matterSearchMax caps the query (runes) and matterSearchLimit the hits listed.
const (
	matterSearchMax   = 50
	matterSearchLimit = 50
)

// syllables are the readings of a text, one slot per character (every reading of a character that
// has several, 盖 gai and ge) or per run of Latin letters and digits (lower-cased).
type syllables [][]string

type matterEntry struct {
	code     string
	zh, en   string
	name     syllables
	keywords []string
	kwSyl    []syllables
}

type matterIndex struct {
	cfg     *app.Config
	entries []matterEntry
}

var matterIndexCache struct {
	sync.Mutex
	ix *matterIndex
}

// matterIndexOf returns the search index of the configuration's active matter types.
func matterIndexOf(cfg *app.Config) *matterIndex {
	matterIndexCache.Lock()
	defer matterIndexCache.Unlock()
	if ix := matterIndexCache.ix; ix != nil && ix.cfg == cfg {
		return ix
	}
	ix := &matterIndex{cfg: cfg}
	for code, mt := range cfg.Matters {
		if !mt.Active {
			continue
		}
		e := matterEntry{code: code, zh: mt.NameZh, en: strings.ToLower(mt.NameEn), name: syllablesOf(mt.NameZh)}
		for _, k := range mt.Keywords {
			for _, w := range strings.Fields(k) {
				e.keywords = append(e.keywords, w)
				e.kwSyl = append(e.kwSyl, syllablesOf(w))
			}
		}
		ix.entries = append(ix.entries, e)
	}
	sort.Slice(ix.entries, func(i, j int) bool { return ix.entries[i].code < ix.entries[j].code })
	matterIndexCache.ix = ix
	return ix
}

var pinyinArgs = pinyin.Args{Style: pinyin.Normal, Heteronym: true}

// syllablesOf splits a text into reading slots; punctuation and spaces separate and are dropped.
func syllablesOf(s string) syllables {
	var out syllables
	var run []rune
	flush := func() {
		if len(run) > 0 {
			out = append(out, []string{strings.ToLower(string(run))})
			run = run[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if rs := pinyin.SinglePinyin(r, pinyinArgs); len(rs) > 0 {
				out = append(out, rs)
			}
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			run = append(run, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// initials are the first letters of a text's first readings ("占道经营" → "zdjy").
func (s syllables) initials() string {
	var b strings.Builder
	for _, rs := range s {
		b.WriteByte(rs[0][0])
	}
	return b.String()
}

// abbreviates reports whether q, all lower-case letters and digits, abbreviates consecutive
// syllables from syllable start: each syllable contributes at least its first letter and may
// contribute more of its letters in order (j·g·g of jing·gai), and q is used up.
func (s syllables) abbreviates(q string, start int) bool {
	memo := map[[2]int]bool{}
	var match func(qi, si int) bool
	match = func(qi, si int) bool {
		if qi == len(q) {
			return true
		}
		if si == len(s) {
			return false
		}
		key := [2]int{qi, si}
		if v, ok := memo[key]; ok {
			return v
		}
		ok := false
		for _, reading := range s[si] {
			if reading == "" || reading[0] != q[qi] {
				continue
			}
			// Take 1, 2, … letters of q as an in-order selection of the reading's letters.
			j, ri := qi+1, 1
			for !ok {
				if match(j, si+1) {
					ok = true
					break
				}
				if j == len(q) {
					break
				}
				for ri < len(reading) && reading[ri] != q[j] {
					ri++
				}
				if ri == len(reading) {
					break
				}
				j, ri = j+1, ri+1
			}
			if ok {
				break
			}
		}
		memo[key] = ok
		return ok
	}
	return match(0, start)
}

// abbreviatedBy reports whether q abbreviates the syllables from some start, and whether from the
// first.
func (s syllables) abbreviatedBy(q string) (any, first bool) {
	for i := range s {
		if s.abbreviates(q, i) {
			return true, i == 0
		}
	}
	return false, false
}

// initialsAt reports whether q is exactly the first letters of consecutive syllables from start
// (jg of jing·gai; any reading of a character with several).
func (s syllables) initialsAt(q string, start int) bool {
	if start+len(q) > len(s) {
		return false
	}
	for i := 0; i < len(q); i++ {
		ok := false
		for _, r := range s[start+i] {
			if r != "" && r[0] == q[i] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// initialsMatch reports whether q is the initials of consecutive syllables from some start, and
// whether from the first.
func (s syllables) initialsMatch(q string) (any, first bool) {
	for i := range s {
		if s.initialsAt(q, i) {
			return true, i == 0
		}
	}
	return false, false
}

// matterHit is one found matter type with how well it matched (lower is better).
type matterHit struct {
	Code string
	Rank int
}

// normalizeQuery lower-cases the query and, for a query without Chinese, keeps letters and digits
// only ("j g", "jg'g" → "jgg"). It reports whether the query holds Chinese.
func normalizeQuery(q string) (string, bool) {
	q = strings.ToLower(strings.TrimSpace(q))
	if utf8.RuneCountInString(q) > matterSearchMax {
		q = string([]rune(q)[:matterSearchMax])
	}
	han := false
	for _, r := range q {
		if unicode.Is(unicode.Han, r) {
			han = true
		}
	}
	if han {
		return strings.Join(strings.Fields(q), ""), true
	}
	var b strings.Builder
	for _, r := range q {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String(), false
}

// search finds the matter types a query names, best first, then by code: the name or code itself;
// the initials of the name from its start, then anywhere in it (jg: 井盖); an abbreviation of the
// name from its start, then anywhere (jgg: 井·盖, or jing alone for jg); then a keyword.
func (ix *matterIndex) search(query string) []matterHit {
	q, han := normalizeQuery(query)
	if q == "" {
		return nil
	}
	var hits []matterHit
	for _, e := range ix.entries {
		rank := -1
		switch {
		case han:
			switch {
			case strings.Contains(e.zh, q):
				rank = 0
			default:
				for _, k := range e.keywords {
					if strings.Contains(k, q) {
						rank = 5
						break
					}
				}
			}
		default:
			ini, iniFirst := e.name.initialsMatch(q)
			abbr, abbrFirst := e.name.abbreviatedBy(q)
			switch {
			case strings.HasPrefix(strings.ToLower(e.code), q) || strings.Contains(e.en, q):
				rank = 0
			case iniFirst:
				rank = 1
			case ini:
				rank = 2
			case abbrFirst:
				rank = 3
			case abbr:
				rank = 4
			default:
				for _, ks := range e.kwSyl {
					if a, _ := ks.abbreviatedBy(q); a {
						rank = 5
						break
					}
				}
			}
		}
		if rank >= 0 {
			hits = append(hits, matterHit{Code: e.code, Rank: rank})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Rank < hits[j].Rank })
	if len(hits) > matterSearchLimit {
		hits = hits[:matterSearchLimit]
	}
	return hits
}
