package app

import (
	"civicgrid/org"
	"civicgrid/store"
)

// Principal is who calls: a staff user, another system through an API key, an anonymous resident
// (portal), or the platform itself.
type Principal struct {
	User     *org.User
	Key      *store.APIKey
	Resident bool
	System   bool
}

// Name identifies the principal in logs and the audit trail.
func (p Principal) Name() string {
	switch {
	case p.User != nil:
		return p.User.Login
	case p.Key != nil:
		return "api-key:" + p.Key.Name
	case p.System:
		return "system"
	}
	return "resident"
}

// UserID is the staff user's ID, or 0.
func (p Principal) UserID() int64 {
	if p.User != nil {
		return p.User.ID
	}
	return 0
}

// Scopes returns the unit paths the principal may read within; nil means everything (the system).
func (p Principal) Scopes() []string {
	switch {
	case p.System:
		return nil
	case p.User != nil:
		return p.User.Scopes()
	case p.Key != nil:
		return []string{p.Key.UnitPath}
	}
	return []string{}
}

// Actors returns every actor the principal can act as, most specific grant first.
func (p Principal) Actors() []org.Actor {
	switch {
	case p.System:
		return []org.Actor{org.SystemActor}
	case p.User != nil:
		out := make([]org.Actor, 0, len(p.User.Grants))
		for _, g := range p.User.Grants {
			out = append(out, org.Actor{UserID: p.User.ID, Name: p.User.Name, Role: g.Role, Unit: g.Unit, UnitPath: g.UnitPath})
		}
		return out
	case p.Key != nil:
		return []org.Actor{{Name: p.Key.Name, Role: p.Key.Role, Unit: p.Key.Unit, UnitPath: p.Key.UnitPath}}
	}
	return []org.Actor{{Name: "resident", Role: org.RoleResident}}
}
