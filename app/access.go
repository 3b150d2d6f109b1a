package app

import (
	"context"
	"fmt"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
)

// CanSee reports whether the principal may read the case: its territory, originator, assignee or
// another party lies within one of the principal's scopes.
func (a *App) CanSee(p Principal, c *casework.Case) bool {
	scopes := p.Scopes()
	if scopes == nil {
		return true
	}
	paths := a.casePaths(c)
	for _, s := range scopes {
		for _, cp := range paths {
			if cp != "" && org.Contains(s, cp) {
				return true
			}
		}
	}
	return false
}

func (a *App) casePaths(c *casework.Case) []string {
	paths := []string{c.TerritoryPath, c.OriginatorPath, c.AssigneePath}
	tree := a.Config().Tree
	add := func(id string) {
		if u, ok := tree.Unit(id); ok {
			paths = append(paths, u.Path)
		}
	}
	for _, id := range c.Assisting {
		add(id)
	}
	if c.Whistle != nil {
		add(c.Whistle.Lead)
		for _, p := range c.Whistle.Units {
			add(p.Unit)
		}
	}
	return paths
}

// deny records a refused access in the audit log and returns the error the caller sees. Cases
// outside the caller's scope answer "not found", so that their existence is not disclosed.
func (a *App) deny(ctx context.Context, p Principal, object, detail string, err error) error {
	a.audit(ctx, store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "denied", Object: object, Detail: detail})
	return err
}

// audit writes an entry to the audit log, also when the caller has gone; a failure to write it is
// logged, not answered.
func (a *App) audit(ctx context.Context, e store.AuditEntry) {
	if err := a.DB.Audit(context.WithoutCancel(ctx), e); err != nil {
		a.Log.Error("audit log write failed", "err", err)
	}
}

// Case returns a case the principal may see, with its history.
func (a *App) Case(ctx context.Context, p Principal, id int64) (*casework.Case, []casework.Event, error) {
	c, err := a.DB.Case(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !a.CanSee(p, c) {
		return nil, nil, a.deny(ctx, p, fmt.Sprintf("case/%d", id), "read outside scope", civicgrid.Errorf(civicgrid.ENOTFOUND, "case %d not found", id))
	}
	events, err := a.DB.CaseEvents(ctx, id)
	return c, events, err
}

// Cases lists the cases the principal may see.
func (a *App) Cases(ctx context.Context, p Principal, f store.CaseFilter) ([]*casework.Case, error) {
	f.Scopes = p.Scopes()
	return a.DB.Cases(ctx, f)
}
