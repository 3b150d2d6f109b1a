package casework

import (
	"crypto/sha256"
	"encoding/hex"

	"civicgrid"
	"civicgrid/org"
)

// Guards of the transition table. They look only at the case and the actor, so that Available can
// run them for the console; a failed scope test is EFORBIDDEN, a state precondition ECONFLICT.

func all(gs ...func(*Case, org.Actor) error) func(*Case, org.Actor) error {
	return func(c *Case, a org.Actor) error {
		for _, g := range gs {
			if err := g(c, a); err != nil {
				return err
			}
		}
		return nil
	}
}

// centreScope: dispatch-centre roles (and leaders, administrators) act on cases whose territory or
// originating unit lies within their scope.
func centreScope(c *Case, a org.Actor) error {
	if org.Contains(a.UnitPath, c.TerritoryPath) || org.Contains(a.UnitPath, c.OriginatorPath) {
		return nil
	}
	return civicgrid.Errorf(civicgrid.EFORBIDDEN, "case %d lies outside the scope of %s (%s)", c.ID, unitName(a), a.Role)
}

// onTerritoryLine: a grid worker confirms cases in their own grid or community, or above it.
func onTerritoryLine(c *Case, a org.Actor) error {
	if org.Contains(a.UnitPath, c.TerritoryPath) || org.Contains(c.TerritoryPath, a.UnitPath) {
		return nil
	}
	return civicgrid.Errorf(civicgrid.EFORBIDDEN, "case %d is not in the territory of %s", c.ID, unitName(a))
}

// inAssignee: only staff of the unit the case is dispatched to sign, return, handle it or ask for
// more time.
func inAssignee(c *Case, a org.Actor) error {
	if org.MemberOf(c.AssigneePath, a.UnitPath) {
		return nil
	}
	return civicgrid.Errorf(civicgrid.EFORBIDDEN, "case %d is assigned to %s, not to %s", c.ID, orNone(c.Assignee), unitName(a))
}

// originatorChecks: 谁发单、谁验收 — the check belongs to the originating unit (its own staff, or a grid
// worker of its territory checking on site for it), and the unit that handled the case can never
// close it. When the originator itself handled the case, the check passes up to a unit above it.
func originatorChecks(c *Case, a org.Actor) error {
	if org.MemberOf(c.AssigneePath, a.UnitPath) {
		return civicgrid.Errorf(civicgrid.EFORBIDDEN, "case %d was handled by %s; the handling unit cannot check or close its own case", c.ID, c.Assignee)
	}
	switch {
	case org.MemberOf(c.OriginatorPath, a.UnitPath):
		return nil
	case a.Role == org.RoleGridWorker && org.Contains(c.OriginatorPath, a.UnitPath):
		return nil
	case org.MemberOf(c.AssigneePath, c.OriginatorPath) && org.Contains(a.UnitPath, c.AssigneePath):
		return nil
	}
	return civicgrid.Errorf(civicgrid.EFORBIDDEN, "case %d is checked by its originator %s, not by %s", c.ID, c.Originator, unitName(a))
}

// rater: the resident who reported the case, or intake calling back on the resident's behalf. A
// resident proves being the reporter by account (ReporterUserID) or, having none, by the case's
// tracking code (see ReporterByCode).
func rater(c *Case, a org.Actor) error {
	if a.Role == org.RoleResident {
		if c.ReporterUserID != 0 && a.UserID == c.ReporterUserID {
			return nil
		}
		if c.TrackingCode != "" && a.UnitPath != "" && a.UnitPath == trackingProof(c.TrackingCode) {
			return nil
		}
		return civicgrid.Errorf(civicgrid.EFORBIDDEN, "only the resident who reported case %d can rate it", c.ID)
	}
	return centreScope(c, a)
}

// whistler: a street, town or community whose area holds the case summons departments to it
// (吹哨报到); leaders and the dispatch centre do so within their scope.
func whistler(c *Case, a org.Actor) error {
	switch a.Role {
	case org.RoleLeader, org.RoleDispatcher, org.RoleShiftLeader:
		if org.Contains(a.UnitPath, c.TerritoryPath) {
			return nil
		}
		return civicgrid.Errorf(civicgrid.EFORBIDDEN, "case %d lies outside the scope of %s", c.ID, unitName(a))
	}
	if !blockUnit(lastID(a.UnitPath)) {
		return civicgrid.Errorf(civicgrid.EFORBIDDEN, "only a street, town or community blows the whistle; %s is none of these", unitName(a))
	}
	if !org.Contains(a.UnitPath, c.TerritoryPath) {
		return civicgrid.Errorf(civicgrid.EFORBIDDEN, "case %d is not in the area of %s", c.ID, unitName(a))
	}
	return nil
}

// summoned: the actor's unit, or a unit the actor belongs to (a squad's bureau), was summoned by the whistle and has not yet
// acknowledged.
func summoned(c *Case, a org.Actor) error {
	if c.Whistle == nil {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has no whistle to acknowledge", c.ID)
	}
	i, acked := summonedParty(c.Whistle, a.UnitPath)
	if i >= 0 {
		return nil
	}
	if acked {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "%s has already acknowledged the whistle on case %d", unitName(a), c.ID)
	}
	return civicgrid.Errorf(civicgrid.EFORBIDDEN, "%s was not summoned to case %d", unitName(a), c.ID)
}

// hasWhistle: a missed acknowledgement can only be recorded on a case with a whistle.
func hasWhistle(c *Case, _ org.Actor) error {
	if c.Whistle == nil {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has no whistle", c.ID)
	}
	return nil
}

// summonedParty returns the index of the nearest unacknowledged party on the actor's path (-1 if
// none) and whether a party on the path has already acknowledged.
func summonedParty(w *Whistle, unitPath string) (int, bool) {
	ids := org.MemberChain(unitPath)
	best, depth, acked := -1, -1, false
	for i, p := range w.Units {
		for d, id := range ids {
			if id != p.Unit {
				continue
			}
			if p.AckedAt != nil {
				acked = true
			} else if d > depth {
				best, depth = i, d
			}
		}
	}
	return best, acked
}

// involved: comments come from anyone whose work touches the case.
func involved(c *Case, a org.Actor) error {
	switch {
	case org.Contains(a.UnitPath, c.TerritoryPath), org.Contains(c.TerritoryPath, a.UnitPath),
		org.Contains(a.UnitPath, c.OriginatorPath), org.Contains(c.OriginatorPath, a.UnitPath),
		org.Contains(c.AssigneePath, a.UnitPath):
		return nil
	}
	if c.Whistle != nil {
		for _, id := range org.IDsOnPath(a.UnitPath) {
			for _, p := range c.Whistle.Units {
				if p.Unit == id {
					return nil
				}
			}
		}
	}
	return civicgrid.Errorf(civicgrid.EFORBIDDEN, "%s has no part in case %d", unitName(a), c.ID)
}

func notDisputed(c *Case, _ org.Actor) error {
	if c.ReturnCount >= maxReturns {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has been returned %d times; the dispute needs a final ruling (rule) by a shift leader or leader", c.ID, c.ReturnCount)
	}
	return nil
}

func notRuled(c *Case, _ org.Actor) error {
	if c.Ruled {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d was assigned by a final ruling and cannot be returned", c.ID)
	}
	return nil
}

func noPendingExtension(c *Case, _ org.Actor) error {
	if c.PendingExtension != nil {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d already has an extension request waiting for approval", c.ID)
	}
	return nil
}

func pendingExtension(c *Case, _ org.Actor) error {
	if c.PendingExtension == nil {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has no extension request to decide", c.ID)
	}
	return nil
}

func noPendingSuspension(c *Case, _ org.Actor) error {
	if c.PendingSuspension {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d already has a suspension request waiting for approval", c.ID)
	}
	return nil
}

func pendingSuspension(c *Case, _ org.Actor) error {
	if !c.PendingSuspension {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has no suspension request to decide", c.ID)
	}
	return nil
}

// notRatedThisClosure: one rating per closure; a reopened and closed again case can be rated anew.
func notRatedThisClosure(c *Case, _ org.Actor) error {
	if c.RatedAt != nil && c.ClosedAt != nil && !c.RatedAt.Before(*c.ClosedAt) {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has already been rated since it closed", c.ID)
	}
	return nil
}

func clockRunning(c *Case, _ org.Actor) error {
	if (c.StageClock != nil && !c.StageClock.Paused) || (c.WholeClock != nil && !c.WholeClock.Paused) {
		return nil
	}
	return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d has no running deadline clock", c.ID)
}

// blockUnit reports whether a unit code is a street, town or community (块): a 12-digit division
// code whose township digits are set. Districts end in six zeros, grids and departments are longer.
func blockUnit(id string) bool {
	if len(id) != 12 {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return id[6:9] != "000"
}

func lastID(path string) string {
	ids := org.IDsOnPath(path)
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

func unitName(a org.Actor) string {
	if a.Unit != "" {
		return "unit " + a.Unit
	}
	if id := lastID(a.UnitPath); id != "" {
		return "unit " + id
	}
	return "an actor without a unit"
}

func orNone(s string) string {
	if s == "" {
		return "no unit"
	}
	return s
}

// ReporterByCode is the resident who holds a case's tracking code. Residents reporting through the
// portal have no account; the tracking code, handed to the reporter alone when the case was taken
// in, is their proof of being the reporter. The actor carries a digest of the code in UnitPath,
// never the code itself, so that the case's history does not hold the secret; rater accepts the
// actor only for the case whose code it was made from.
func ReporterByCode(code string) org.Actor {
	return org.Actor{Name: "reporter", Role: org.RoleResident, UnitPath: trackingProof(code)}
}

// trackingProof is the digest of a tracking code that ReporterByCode carries.
func trackingProof(code string) string {
	sum := sha256.Sum256([]byte("civicgrid reporter by tracking code|" + code))
	return "tracking:" + hex.EncodeToString(sum[:16])
}
