package app

import (
	"context"
	"fmt"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// Act performs an action on a case as the principal. The principal acts in whichever of its grants
// the transition table allows; when none does, the most telling refusal is returned. Cases the
// principal cannot see answer "not found".
func (a *App) Act(ctx context.Context, p Principal, id int64, action casework.Action, in casework.Input) (*casework.Case, error) {
	cfg := a.Config()
	var visible = true
	c, err := a.DB.ActOnCase(ctx, id, func(c *casework.Case) (casework.Event, error) {
		if !a.CanSee(p, c) {
			visible = false
			return casework.Event{}, civicgrid.Errorf(civicgrid.ENOTFOUND, "case %d not found", id)
		}
		mt, ok := cfg.Matters[c.MatterCode]
		if !ok {
			return casework.Event{}, fmt.Errorf("case %d has matter type %s, which left the catalogue", id, c.MatterCode)
		}
		env := a.env(cfg, mt, c.Urgency)
		if err := a.resolve(ctx, cfg, p, c, action, in, &env); err != nil {
			return casework.Event{}, err
		}
		return decideAsAnyGrant(c, p.Actors(), action, in, env)
	})
	if err != nil {
		if !visible {
			return nil, a.deny(ctx, p, fmt.Sprintf("case/%d", id), "action "+string(action)+" outside scope", err)
		}
		if civicgrid.IsCode(err, civicgrid.EFORBIDDEN) {
			return nil, a.deny(ctx, p, fmt.Sprintf("case/%d", id), "action "+string(action)+": "+civicgrid.ErrorMessage(err), err)
		}
		return nil, err
	}
	return c, nil
}

// decideAsAnyGrant tries the action in each of the principal's roles. A success wins; otherwise the
// error of the grant that got furthest (invalid input or a conflict say more than "forbidden").
func decideAsAnyGrant(c *casework.Case, actors []org.Actor, action casework.Action, in casework.Input, env casework.Env) (casework.Event, error) {
	var best error
	rank := func(err error) int {
		switch civicgrid.ErrorCode(err) {
		case civicgrid.EINVALID:
			return 3
		case civicgrid.ECONFLICT:
			return 2
		case civicgrid.EFORBIDDEN:
			return 1
		}
		return 4
	}
	for _, actor := range actors {
		ev, err := casework.Decide(c, actor, action, in, env)
		if err == nil {
			return ev, nil
		}
		if best == nil || rank(err) > rank(best) {
			best = err
		}
	}
	if best == nil {
		best = civicgrid.Errorf(civicgrid.EFORBIDDEN, "you hold no role that can %s", action)
	}
	return casework.Event{}, best
}

// resolve looks up what an action needs beyond the case: the dispatch target (suggested by the
// responsibility list unless the dispatcher chose), the master of a merge; and it holds every
// assignment — dispatch, ruling, whistle — to the community admission list.
func (a *App) resolve(ctx context.Context, cfg *Config, p Principal, c *casework.Case, action casework.Action, in casework.Input, env *casework.Env) error {
	switch action {
	case casework.ActDispatch, casework.ActRule:
		t, err := a.target(cfg, c, in)
		if err != nil {
			return err
		}
		env.Target = t
	case casework.ActWhistle:
		// A whistle assigns work too: a summoned community must have the matter on its list.
		for _, id := range append([]string{in.Lead}, in.Units...) {
			if _, ok := cfg.Tree.Unit(id); !ok {
				continue // casework names unknown units in its own refusal
			}
			if err := catalog.CheckAssignment(id, c.MatterCode, cfg.Admissions, cfg.Tree); err != nil {
				return err
			}
		}
	case casework.ActMerge:
		if in.Target == 0 {
			return civicgrid.Errorf(civicgrid.EINVALID, "merge needs the target case").WithDetail("field", "target")
		}
		if in.Target == c.ID {
			return civicgrid.Errorf(civicgrid.EINVALID, "a case cannot be merged into itself").WithDetail("field", "target")
		}
		m, err := a.DB.Case(ctx, in.Target)
		if err != nil || !a.CanSee(p, m) {
			return civicgrid.Errorf(civicgrid.EINVALID, "merge target case %d not found", in.Target).WithDetail("field", "target")
		}
		env.Master = m
	}
	return nil
}

func (a *App) target(cfg *Config, c *casework.Case, in casework.Input) (*casework.Route, error) {
	if in.Unit == "" {
		if c.SuggestedRoute == nil {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "the responsibility list names no unit for this case: choose the unit to dispatch to").WithDetail("field", "unit")
		}
		in.Unit, in.Assisting = c.SuggestedRoute.Lead, c.SuggestedRoute.Assisting
	}
	lead, ok := cfg.Tree.Unit(in.Unit)
	if !ok {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "unit %q does not exist", in.Unit).WithDetail("field", "unit")
	}
	if lead.Kind == org.Grid || lead.Kind == org.City {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a case is dispatched to a department, street, town or community, not a %s", lead.Kind).WithDetail("field", "unit")
	}
	if err := catalog.CheckAssignment(lead.ID, c.MatterCode, cfg.Admissions, cfg.Tree); err != nil {
		return nil, err
	}
	if len(in.Assisting) > 10 {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "at most 10 assisting units").WithDetail("field", "assisting")
	}
	for _, id := range in.Assisting {
		u, ok := cfg.Tree.Unit(id)
		if !ok || id == lead.ID {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "assisting unit %q does not exist or is the lead", id).WithDetail("field", "assisting")
		}
		if err := catalog.CheckAssignment(u.ID, c.MatterCode, cfg.Admissions, cfg.Tree); err != nil {
			return nil, err
		}
	}
	route := &casework.Route{Lead: lead.ID, LeadPath: lead.Path, Assisting: in.Assisting, Reason: "派遣员指定"}
	if s := c.SuggestedRoute; s != nil && s.Lead == lead.ID {
		route.Mode, route.Reason = s.Mode, s.Reason
	}
	return route, nil
}

// Sweep fires the deadline marks due now, at most limit of them, and reports how many fired.
func (a *App) Sweep(ctx context.Context, limit int) (int, error) {
	cfg := a.Config()
	now := a.Clock.Now()
	return a.DB.FireDue(ctx, now, limit, func(c *casework.Case, m casework.Mark) (casework.Event, error) {
		mt, ok := cfg.Matters[c.MatterCode]
		if !ok {
			return casework.Event{}, civicgrid.Errorf(civicgrid.EINVALID, "matter type %s left the catalogue", c.MatterCode)
		}
		env := a.env(cfg, mt, c.Urgency)
		env.Now = now
		return casework.Decide(c, org.SystemActor, m.Kind, casework.MarkInput(c, m), env)
	})
}
