package app

import "civicgrid/casework"

// Redacted returns the case as the principal may read it: a reporter's personal fields are for
// staff only, never for API-key clients, residents or other systems.
func Redacted(p Principal, c *casework.Case) *casework.Case {
	if p.User != nil || c.Reporter == nil {
		return c
	}
	cc := *c
	cc.Reporter = nil
	return &cc
}

// Actions returns the actions the principal can take on the case now, in any of its roles, each
// once (for consoles and API clients to offer; Act decides again when one is taken).
func Actions(p Principal, c *casework.Case) []casework.Action {
	out := []casework.Action{}
	seen := map[casework.Action]bool{}
	for _, actor := range p.Actors() {
		for _, a := range casework.Available(c, actor) {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}
