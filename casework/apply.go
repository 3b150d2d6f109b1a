package casework

import (
	"encoding/json"
	"time"

	"civicgrid"
)

// Apply moves the case on by one event: the projection step. It reads only the event — the clocks
// were computed when the event was decided and travel in its payload — so a case rebuilt years
// later, under a changed calendar, is the case that was. The event must follow the case (Seq is
// c.Seq+1, From is c.State) and be a transition of the table; on error c is unchanged.
//
// Pending extension and suspension requests lapse when the case leaves the state, or the stage,
// they were asked in.
func Apply(c *Case, e Event) error {
	if c == nil {
		return civicgrid.Errorf(civicgrid.EINVALID, "no case to apply event %d to", e.Seq)
	}
	if e.Seq != c.Seq+1 {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d is at event %d; event %d does not follow", c.ID, c.Seq, e.Seq)
	}
	if c.Seq > 0 && e.CaseID != c.ID {
		return civicgrid.Errorf(civicgrid.EINVALID, "event %d belongs to case %d, not %d", e.Seq, e.CaseID, c.ID)
	}
	if e.From != c.State {
		return civicgrid.Errorf(civicgrid.ECONFLICT, "case %d is %s; event %d starts from %s", c.ID, c.State, e.Seq, e.From)
	}
	if (e.Seq == 1) != (e.Action == ActReport) {
		return civicgrid.Errorf(civicgrid.EINVALID, "event %d of case %d: a case starts with a report, and only there", e.Seq, e.CaseID)
	}
	t, ok := row(e.From, e.Action)
	if !ok || (t.Next == nil && e.To != t.To) || !validState(e.To) {
		return civicgrid.Errorf(civicgrid.EINVALID, "event %d of case %d: %s does not lead from %q to %q", e.Seq, e.CaseID, e.Action, e.From, e.To)
	}
	step, err := project(e)
	if err != nil {
		return err
	}
	step(c)
	if e.To != e.From || e.Action == ActDispatch {
		c.PendingExtension, c.PendingSuspension = nil, false
	}
	c.State, c.UpdatedAt, c.Seq, c.LastHash = e.To, e.At, e.Seq, e.Hash
	return nil
}

// Rebuild projects a case from its whole history.
func Rebuild(events []Event) (*Case, error) {
	if len(events) == 0 {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "a case needs at least its report event")
	}
	c := &Case{}
	for _, e := range events {
		if err := Apply(c, e); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// project decodes the event's payload and returns the change it makes. Decoding happens first so
// that a bad payload leaves the case untouched.
func project(e Event) (func(*Case), error) {
	at := e.At
	switch e.Action {
	case ActReport:
		var p reportPayload
		if err := decode(e, &p, true); err != nil {
			return nil, err
		}
		return func(c *Case) { applyReport(c, e, p); setClocks(c, p.Clocks) }, nil

	case ActRequestConfirm, ActSign, ActApproveSuspend, ActResume, ActVoid, ActCheckPass, ActCheckFail, ActConfirm, ActFile:
		var p stagePayload
		if err := decode(e, &p, true); err != nil {
			return nil, err
		}
		return func(c *Case) {
			setClocks(c, p.Clocks)
			switch e.Action {
			case ActConfirm:
				c.Confirmed = true
			case ActFile:
				c.FiledAt = first(c.FiledAt, at)
			case ActApproveSuspend:
				c.SuspendedFrom = e.From
			case ActResume:
				c.SuspendedFrom = ""
			case ActCheckPass:
				c.ClosedAt = &at
			case ActCheckFail:
				c.ReworkCount++
			}
		}, nil

	case ActReject, ActDeny, ActReturn:
		var p codePayload
		if err := decode(e, &p, true); err != nil {
			return nil, err
		}
		return func(c *Case) {
			setClocks(c, p.Clocks)
			if e.Action == ActReturn {
				c.ReturnCount++
			} else {
				c.RejectCode = p.ReasonCode
			}
		}, nil

	case ActMerge:
		var p mergePayload
		if err := decode(e, &p, true); err != nil {
			return nil, err
		}
		return func(c *Case) { setClocks(c, p.Clocks); c.MergedInto = p.Master }, nil

	case ActDispatch, ActRule:
		var p routePayload
		if err := decode(e, &p, true); err != nil {
			return nil, err
		}
		return func(c *Case) {
			setClocks(c, p.Clocks)
			c.Assignee, c.AssigneePath, c.Assisting, c.RouteReason = p.Route.Lead, p.Route.LeadPath, p.Route.Assisting, p.Route.Reason
			c.DispatchedAt = first(c.DispatchedAt, at)
			if e.Action == ActRule {
				c.Ruled = true
			}
		}, nil

	case ActHandle:
		var p handlePayload
		if err := decode(e, &p, true); err != nil {
			return nil, err
		}
		return func(c *Case) {
			setClocks(c, p.Clocks)
			c.Result, c.PhotosBefore, c.PhotosAfter = p.Result, p.PhotosBefore, p.PhotosAfter
			c.HandledAt = first(c.HandledAt, at)
		}, nil

	case ActRequestExtension, ActApproveExtension:
		var p extensionPayload
		if err := decode(e, &p, e.Action == ActApproveExtension); err != nil {
			return nil, err
		}
		return func(c *Case) {
			if e.Action == ActRequestExtension {
				ext := p.Extension
				c.PendingExtension = &ext
				return
			}
			setClocks(c, p.Clocks)
			c.PendingExtension = nil
			c.ExtensionCount++
		}, nil

	case ActRate:
		var p ratePayload
		if err := decode(e, &p, false); err != nil {
			return nil, err
		}
		if p.Reopen != (e.To == Rework) || (p.Reopen && p.Clocks == nil) {
			return nil, badPayload(e, "a rating reopens exactly when it leads to rework")
		}
		return func(c *Case) {
			c.Rating, c.RatedAt = p.Rating, &at
			if p.Reopen {
				setClocks(c, p.Clocks)
				c.ReworkCount++
			}
		}, nil

	case ActSupervise:
		var p supervisePayload
		if err := decode(e, &p, false); err != nil {
			return nil, err
		}
		return func(c *Case) {
			c.SupervisionCount++
			if supervisionRank(p.Level) > supervisionRank(c.Supervision) {
				c.Supervision = p.Level
			}
		}, nil

	case ActWhistle:
		var p whistlePayload
		if err := decode(e, &p, false); err != nil {
			return nil, err
		}
		return func(c *Case) { w := p.Whistle; c.Whistle = &w }, nil

	case ActWhistleAck:
		var p ackPayload
		if err := decode(e, &p, false); err != nil {
			return nil, err
		}
		return func(c *Case) { ackWhistle(c, p.Unit, at) }, nil

	case ActWhistleLate:
		var p ackPayload
		if err := decode(e, &p, false); err != nil {
			return nil, err
		}
		return func(c *Case) { lateWhistle(c, p.Unit) }, nil

	case ActWarn, ActOverdue:
		var p markPayload
		if err := decode(e, &p, true); err != nil {
			return nil, err
		}
		return func(c *Case) {
			setClocks(c, p.Clocks)
			if p.Light == Red {
				c.Overdue = true
			}
		}, nil

	case ActRequestSuspend:
		return func(c *Case) { c.PendingSuspension = true }, nil
	case ActDenySuspend:
		return func(c *Case) { c.PendingSuspension = false }, nil
	case ActDenyExtension:
		return func(c *Case) { c.PendingExtension = nil }, nil
	case ActRequestCheck, ActComment:
		return func(*Case) {}, nil
	}
	return nil, badPayload(e, "unknown action")
}

func applyReport(c *Case, e Event, p reportPayload) {
	r := p.Report
	c.ID, c.TrackingCode, c.MatterCode, c.Urgency, c.Channel = e.CaseID, r.TrackingCode, r.MatterCode, r.Urgency, r.Channel
	c.Title, c.Description, c.Address, c.Location = r.Title, r.Description, r.Address, r.Location
	c.Grid, c.Community, c.Street, c.District, c.TerritoryPath = r.Grid, r.Community, r.Street, r.District, r.TerritoryPath
	c.Originator, c.OriginatorPath = r.Originator, r.OriginatorPath
	c.ReporterUserID, c.Reporter, c.Attributes, c.Media = p.ReporterUserID, r.Reporter, r.Attributes, r.Media
	c.SuggestedRoute, c.DuplicateOf, c.ReportedAt = r.Route, r.DuplicateOf, e.At
}

// ackWhistle marks the party acknowledged, on a fresh copy of the parties so that no earlier copy
// of the case sees the change.
func ackWhistle(c *Case, unit string, at time.Time) {
	if c.Whistle == nil {
		return
	}
	w := *c.Whistle
	w.Units = append([]WhistleParty(nil), w.Units...)
	for i := range w.Units {
		if w.Units[i].Unit == unit && w.Units[i].AckedAt == nil {
			t := at
			w.Units[i].AckedAt = &t
			break
		}
	}
	c.Whistle = &w
}

// lateWhistle marks the party late, on a fresh copy of the parties like ackWhistle.
func lateWhistle(c *Case, unit string) {
	if c.Whistle == nil {
		return
	}
	w := *c.Whistle
	w.Units = append([]WhistleParty(nil), w.Units...)
	for i := range w.Units {
		if w.Units[i].Unit == unit {
			w.Units[i].Late = true
			break
		}
	}
	c.Whistle = &w
}

func setClocks(c *Case, cs *Clocks) {
	c.StageClock, c.WholeClock = copyClock(cs.Stage), copyClock(cs.Whole)
	c.StageLight, c.WholeLight = worse(cs.StageLight, Green), worse(cs.WholeLight, Green)
	c.Light = worse(c.StageLight, c.WholeLight)
}

func first(have *time.Time, at time.Time) *time.Time {
	if have != nil {
		return have
	}
	return &at
}

func supervisionRank(l SupervisionLevel) int {
	switch l {
	case SuperviseNormal:
		return 1
	case SuperviseYellow:
		return 2
	case SuperviseRed:
		return 3
	}
	return 0
}

func validState(s State) bool {
	for _, x := range States {
		if x == s {
			return true
		}
	}
	return false
}

// decode reads the payload; clocks says the payload must carry Clocks.
func decode(e Event, p any, clocks bool) error {
	if len(e.Payload) == 0 {
		return badPayload(e, "payload missing")
	}
	if err := json.Unmarshal(e.Payload, p); err != nil {
		return badPayload(e, err.Error())
	}
	if clocks && payloadClocks(p) == nil {
		return badPayload(e, "clocks missing")
	}
	return nil
}

func payloadClocks(p any) *Clocks {
	switch p := p.(type) {
	case *reportPayload:
		return p.Clocks
	case *stagePayload:
		return p.Clocks
	case *codePayload:
		return p.Clocks
	case *mergePayload:
		return p.Clocks
	case *routePayload:
		return p.Clocks
	case *handlePayload:
		return p.Clocks
	case *extensionPayload:
		return p.Clocks
	case *ratePayload:
		return p.Clocks
	case *markPayload:
		return p.Clocks
	}
	return nil
}

func badPayload(e Event, why string) error {
	return civicgrid.Errorf(civicgrid.EINVALID, "event %d of case %d (%s): bad payload: %s", e.Seq, e.CaseID, e.Action, why)
}
