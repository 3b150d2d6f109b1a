package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/store"
)

// Updates that department systems post through Open311 (FixMyStreet's POST servicerequestupdates).
// A department system holds an API key with a role over its unit — a handler key over a district
// department or a street squad — and tells the platform what it did with a case in FixMyStreet's
// extended status vocabulary. Each status becomes real workflow actions taken as the key, with
// the key's role over the key's unit, so the transition table decides exactly as it does for a
// person: the key can only sign, handle or return what was dispatched to its unit.
//
// | status                       | case state           | actions taken                                   |
// |------------------------------|----------------------|-------------------------------------------------|
// | OPEN                         | any                  | comment (description required)                  |
// | INVESTIGATING, IN_PROGRESS,  | handling             | comment (description required)                  |
// | ACTION_SCHEDULED             | any other            | sign, then comment if a description is given    |
// | FIXED, CLOSED                | handling             | handle, result = description (required)         |
// |                              | any other            | sign, then handle (as above)                    |
// | NOT_COUNCILS_RESPONSIBILITY  | any                  | return, reason_code wrong_territory (属地不符)  |
// | INTERNAL_REFERRAL            | any                  | return, reason_code overlapping_functions (职能交叉) |
// | DUPLICATE                    | any                  | return, reason_code other, reason "重复：…"     |
// | UNABLE_TO_RESPOND            | any                  | request_suspension (挂账申请), reason required  |
//
// "Any other" and "any" mean that the workflow decides: signing is possible from dispatched and
// rework, returning from dispatched only, handling and asking for suspension from handling only;
// from anywhere else the action is refused as a conflict (HTTP 409 with the specification's
// error list) and nothing changes. Several actions of one update happen in one transaction: all
// or none. FIXED and CLOSED both end the unit's handling — the case closes only when the unit that
// raised it has checked the result (谁发单、谁验收), which no department key can do.
//
// The description is the comment, result or reason; the workflow caps reasons at
// casework.MaxReason characters and results at casework.MaxResult. A media_url naming a photo
// stored here (…/media/{id}) becomes the handling's photo after; any other URL is appended to the
// text. The person at the department (first_name, last_name, email) and the department's own
// updated_datetime go to the audit log with the update, not into the case's history, which
// residents may read. Events carry the platform's time, never the department's.

// Update statuses of FixMyStreet's extension (posted in any letter case).
const (
	UpdOpen                      = "OPEN"
	UpdInvestigating             = "INVESTIGATING"
	UpdInProgress                = "IN_PROGRESS"
	UpdActionScheduled           = "ACTION_SCHEDULED"
	UpdNotCouncilsResponsibility = "NOT_COUNCILS_RESPONSIBILITY"
	UpdDuplicate                 = "DUPLICATE"
	UpdUnableToRespond           = "UNABLE_TO_RESPOND"
	UpdInternalReferral          = "INTERNAL_REFERRAL"
	UpdFixed                     = "FIXED"
	UpdClosed                    = "CLOSED"
)

// UpdateStatuses lists the statuses a department may post.
var UpdateStatuses = []string{UpdOpen, UpdInvestigating, UpdInProgress, UpdActionScheduled, UpdNotCouncilsResponsibility,
	UpdDuplicate, UpdUnableToRespond, UpdInternalReferral, UpdFixed, UpdClosed}

// Limits of a department update's fields.
const (
	MaxUpdateID          = 100  // visible ASCII characters
	MaxUpdateDescription = 4000 // characters
	maxPersonName        = 100
	maxEmail             = 254
	maxMediaURL          = 2000
	// updateClockSkew is how far in the future a department's updated_datetime may lie.
	updateClockSkew = 10 * time.Minute
)

// DepartmentUpdate is an update as a department system posts it. Strings are as received.
type DepartmentUpdate struct {
	UpdateID        string
	CaseID          int64
	Status          string
	Description     string
	UpdatedDatetime string // W3C datetime with a zone, optional
	MediaURL        string
	FirstName       string
	LastName        string
	Email           string
}

// UpdateAnswer is the platform's answer to an update; a repeated update_id gets the first answer
// again (Replayed) and changes nothing.
type UpdateAnswer struct {
	UpdateID string
	CaseID   int64
	// Action is the update's principal action (the last that is not a comment) and State the
	// case's state after it.
	Action   casework.Action
	State    casework.State
	Notice   string
	At       time.Time
	Replayed bool
	// Case is the case after the update (nil when replayed).
	Case *casework.Case
}

// plannedAction is one workflow action an update takes.
type plannedAction struct {
	action casework.Action
	in     casework.Input
}

// PostUpdate carries out a department system's update on a case, once per update_id and key.
func (a *App) PostUpdate(ctx context.Context, p Principal, u DepartmentUpdate) (*UpdateAnswer, error) {
	if p.Key == nil {
		return nil, civicgrid.Errorf(civicgrid.EUNAUTHORIZED, "posting updates needs a department system's api_key")
	}
	status, err := a.checkUpdate(ctx, &u)
	if err != nil {
		return nil, err
	}
	mediaID, err := a.localMedia(ctx, u.MediaURL)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(u.Description)
	cfg := a.Config()
	visible := true
	var plan []plannedAction
	audit := &store.AuditEntry{Actor: p.Name(), Kind: "open311_update", Object: fmt.Sprintf("case/%d", u.CaseID), Detail: updateDetail(u, status)}
	rec, c, replay, err := a.DB.PostOpen311Update(ctx, p.Key.ID, u.UpdateID, u.CaseID, audit, func(c *casework.Case, step int) (*casework.Event, error) {
		if step == 0 {
			if !a.CanSee(p, c) {
				visible = false
				return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "service request %d not found", u.CaseID)
			}
			var err error
			if plan, err = planUpdate(status, c.State, text, u.MediaURL, mediaID); err != nil {
				return nil, err
			}
		}
		if step >= len(plan) {
			return nil, nil
		}
		mt, ok := cfg.Matters[c.MatterCode]
		if !ok {
			return nil, fmt.Errorf("case %d has matter type %s, which left the catalogue", c.ID, c.MatterCode)
		}
		ev, err := decideAsAnyGrant(c, p.Actors(), plan[step].action, plan[step].in, a.env(cfg, mt, c.Urgency))
		if err != nil {
			return nil, err
		}
		return &ev, nil
	})
	if err != nil {
		object := fmt.Sprintf("case/%d", u.CaseID)
		switch {
		case !visible:
			return nil, a.deny(ctx, p, object, "Open311 update outside scope", err)
		case civicgrid.IsCode(err, civicgrid.EFORBIDDEN):
			return nil, a.deny(ctx, p, object, "Open311 update "+status+": "+civicgrid.ErrorMessage(err), err)
		}
		return nil, err
	}
	if replay && rec.CaseID != u.CaseID {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "update_id %q was already used for service request %d", u.UpdateID, rec.CaseID).WithDetail("field", "update_id")
	}
	return &UpdateAnswer{UpdateID: rec.UpdateID, CaseID: rec.CaseID, Action: rec.Action, State: rec.State,
		Notice: updateNotice(rec.Action, rec.State), At: rec.CreatedAt, Replayed: replay, Case: c}, nil
}

// checkUpdate checks the fields of an update and returns its status in upper case.
func (a *App) checkUpdate(ctx context.Context, u *DepartmentUpdate) (string, error) {
	if u.UpdateID == "" {
		return "", civicgrid.Errorf(civicgrid.EINVALID, "update_id is required: the department system's own ID of the update").WithDetail("field", "update_id")
	}
	if len(u.UpdateID) > MaxUpdateID {
		return "", civicgrid.Errorf(civicgrid.EINVALID, "update_id is longer than %d characters", MaxUpdateID).WithDetail("field", "update_id")
	}
	for i := 0; i < len(u.UpdateID); i++ {
		if c := u.UpdateID[i]; c < 0x21 || c > 0x7e {
			return "", civicgrid.Errorf(civicgrid.EINVALID, "update_id may hold only visible ASCII characters").WithDetail("field", "update_id")
		}
	}
	if u.CaseID <= 0 {
		return "", civicgrid.Errorf(civicgrid.EINVALID, "service_request_id is required").WithDetail("field", "service_request_id")
	}
	status := strings.ToUpper(strings.TrimSpace(u.Status))
	known := false
	for _, s := range UpdateStatuses {
		known = known || s == status
	}
	if !known {
		return "", civicgrid.Errorf(civicgrid.EINVALID, "status %q is not one of %s", u.Status, strings.Join(UpdateStatuses, ", ")).
			WithDetail("field", "status").WithDetail("allowed", UpdateStatuses)
	}
	if err := civicgrid.CheckText("description", u.Description, MaxUpdateDescription); err != nil {
		return "", err
	}
	if err := civicgrid.CheckText("first_name", u.FirstName, maxPersonName); err != nil {
		return "", err
	}
	if err := civicgrid.CheckText("last_name", u.LastName, maxPersonName); err != nil {
		return "", err
	}
	if e := u.Email; e != "" {
		at := strings.LastIndexByte(e, '@')
		if len(e) > maxEmail || at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n<>\"") || civicgrid.CheckText("email", e, maxEmail) != nil {
			return "", civicgrid.Errorf(civicgrid.EINVALID, "email %q is not an e-mail address", e).WithDetail("field", "email")
		}
	}
	if d := u.UpdatedDatetime; d != "" {
		t, err := parseW3CTime(d)
		if err != nil {
			return "", civicgrid.Errorf(civicgrid.EINVALID, "updated_datetime %q is not a W3C datetime with a zone, as 2026-03-02T09:30:00+08:00", d).WithDetail("field", "updated_datetime")
		}
		if t.After(a.Clock.Now().Add(updateClockSkew)) {
			return "", civicgrid.Errorf(civicgrid.EINVALID, "updated_datetime %s lies in the future", d).WithDetail("field", "updated_datetime")
		}
	}
	if m := u.MediaURL; m != "" {
		p, err := url.Parse(m)
		if len(m) > maxMediaURL || err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || civicgrid.CheckText("media_url", m, maxMediaURL) != nil {
			return "", civicgrid.Errorf(civicgrid.EINVALID, "media_url must be an http or https URL of at most %d characters", maxMediaURL).WithDetail("field", "media_url")
		}
	}
	return status, nil
}

// parseW3CTime parses the W3C datetimes Open311 uses: a date and time with seconds (fractions
// allowed) or minutes, and a zone (Z or ±hh:mm), which is required.
func parseW3CTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04Z07:00", s)
}

// localMedia returns the ID of a photo stored here when mediaURL names one (its path ends in
// /media/{id}), "" for any other URL. A URL of this form naming no stored photo is refused.
func (a *App) localMedia(ctx context.Context, mediaURL string) (string, error) {
	if mediaURL == "" {
		return "", nil
	}
	p, err := url.Parse(mediaURL)
	if err != nil {
		return "", nil
	}
	dir, id, ok := cutLast(p.Path, "/")
	if !ok || !strings.HasSuffix(dir, "/media") && dir != "media" || !ValidMediaID(id) {
		return "", nil
	}
	if _, err := a.MediaInfo(ctx, id); err != nil {
		if civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			return "", civicgrid.Errorf(civicgrid.EINVALID, "media_url names photo %s, which is not stored here", id).WithDetail("field", "media_url")
		}
		return "", err
	}
	return id, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// planUpdate maps a status onto workflow actions for a case in state st (see the table above).
func planUpdate(status string, st casework.State, text, mediaURL, mediaID string) ([]plannedAction, error) {
	withURL := text
	if mediaURL != "" {
		withURL = strings.TrimSpace(text + "\n附图：" + mediaURL)
	}
	need := func(what string) error {
		if text == "" {
			return civicgrid.Errorf(civicgrid.EINVALID, "status %s on a case that is %s records %s: description is required", status, st, what).WithDetail("field", "description")
		}
		return nil
	}
	comment := plannedAction{casework.ActComment, casework.Input{Reason: withURL}}
	sign := plannedAction{action: casework.ActSign}
	ret := func(code, reason string) ([]plannedAction, error) {
		if err := need("a return"); err != nil {
			return nil, err
		}
		return []plannedAction{{casework.ActReturn, casework.Input{ReasonCode: code, Reason: reason}}}, nil
	}
	switch status {
	case UpdOpen:
		if err := need("a comment"); err != nil {
			return nil, err
		}
		return []plannedAction{comment}, nil
	case UpdInvestigating, UpdInProgress, UpdActionScheduled:
		if st == casework.Handling {
			if err := need("a comment"); err != nil {
				return nil, err
			}
			return []plannedAction{comment}, nil
		}
		if text == "" && mediaURL == "" {
			return []plannedAction{sign}, nil
		}
		return []plannedAction{sign, comment}, nil
	case UpdFixed, UpdClosed:
		if err := need("the handling's result"); err != nil {
			return nil, err
		}
		in := casework.Input{Result: withURL}
		if mediaID != "" {
			in = casework.Input{Result: text, PhotosAfter: []string{mediaID}}
		}
		handle := plannedAction{casework.ActHandle, in}
		if st == casework.Handling {
			return []plannedAction{handle}, nil
		}
		return []plannedAction{sign, handle}, nil
	case UpdNotCouncilsResponsibility:
		return ret("wrong_territory", withURL)
	case UpdInternalReferral:
		return ret("overlapping_functions", withURL)
	case UpdDuplicate:
		return ret("other", "重复："+withURL)
	case UpdUnableToRespond:
		if err := need("a request for suspension"); err != nil {
			return nil, err
		}
		return []plannedAction{{casework.ActRequestSuspend, casework.Input{Reason: withURL}}}, nil
	}
	return nil, civicgrid.Errorf(civicgrid.EINVALID, "status %q is not one of %s", status, strings.Join(UpdateStatuses, ", ")).WithDetail("field", "status")
}

// updateNotice is the service_notice of an update's answer: what the platform did and what comes
// next, from the update's principal action and the state it left the case in.
func updateNotice(action casework.Action, st casework.State) string {
	switch action {
	case casework.ActSign:
		return "已签收，处置中"
	case casework.ActHandle:
		return "处置结果已登记，待发单单位核查后结案"
	case casework.ActReturn:
		return "已退回派遣中心，待重新派遣"
	case casework.ActRequestSuspend:
		return "挂账申请已提交，待派遣中心审批"
	case casework.ActComment:
		return "进展已记录"
	}
	return string(st)
}

// updateDetail is the audit line of an update: who at the department sent it and when they say
// it happened.
func updateDetail(u DepartmentUpdate, status string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "update_id=%q status=%s", u.UpdateID, status)
	if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
		fmt.Fprintf(&b, " by=%q", name)
	}
	if u.Email != "" {
		fmt.Fprintf(&b, " email=%q", u.Email)
	}
	if u.UpdatedDatetime != "" {
		fmt.Fprintf(&b, " updated_datetime=%s", u.UpdatedDatetime)
	}
	if u.MediaURL != "" {
		fmt.Fprintf(&b, " media_url=%q", u.MediaURL)
	}
	return b.String()
}
