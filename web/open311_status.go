package web

import (
	"encoding/json"
	"strconv"

	"civicgrid/casework"
	"civicgrid/catalog"
)

// What Open311 clients may learn of a case's history: which events are public, the status each
// leaves the case in (in FixMyStreet's extended vocabulary), and their public text. Only the
// handling result and the reasons for a rejection or a return are staff text shown as written;
// every other note is a fixed phrase. Actors, reporters and internal remarks never leave here.

// FixMyStreet's extended statuses (its "additional states" extension of GeoReport).
const (
	fmsOpen             = "OPEN"
	fmsInvestigating    = "INVESTIGATING"
	fmsInProgress       = "IN_PROGRESS"
	fmsActionScheduled  = "ACTION_SCHEDULED"
	fmsNotResponsible   = "NOT_COUNCILS_RESPONSIBILITY"
	fmsDuplicate        = "DUPLICATE"
	fmsUnableToRespond  = "UNABLE_TO_RESPOND"
	fmsInternalReferral = "INTERNAL_REFERRAL"
	fmsFixed            = "FIXED"
	fmsClosed           = "CLOSED"
)

// fmsStatuses lists the vocabulary (the OpenAPI document's enum follows it).
var fmsStatuses = []string{fmsOpen, fmsInvestigating, fmsInProgress, fmsActionScheduled, fmsNotResponsible, fmsDuplicate,
	fmsUnableToRespond, fmsInternalReferral, fmsFixed, fmsClosed}

// fmsStatusOf maps the state a case is in to the extended vocabulary. reasonCode is the coded
// reason of the rejection that led to the rejected state; merged tells a void by merging.
func fmsStatusOf(st casework.State, reasonCode string, merged bool) string {
	switch st {
	case casework.Reported, casework.Filed:
		return fmsOpen
	case casework.Confirming:
		return fmsInvestigating // a grid worker checks on site
	case casework.Dispatched, casework.Suspended:
		return fmsActionScheduled // a unit is charged with it / the work is deferred
	case casework.Returned:
		return fmsInternalReferral // the unit refused it; dispatch reassigns it
	case casework.Handling, casework.Rework, casework.Handled, casework.Checking:
		return fmsInProgress // the originator's check is part of the work: not fixed until it passes
	case casework.Closed:
		return fmsFixed
	case casework.Rejected:
		switch reasonCode {
		case "not_government", "outside_jurisdiction":
			return fmsNotResponsible
		case "duplicate":
			return fmsDuplicate
		}
		return fmsClosed
	case casework.Voided:
		if merged {
			return fmsDuplicate
		}
		return fmsClosed
	}
	return fmsOpen
}

// o311PublicActions are the steps of the loop a resident may follow. Supervision, whistles,
// extensions, deadline marks and comments are the platform's internal work.
var o311PublicActions = map[casework.Action]bool{
	casework.ActReport: true, casework.ActRequestConfirm: true, casework.ActConfirm: true, casework.ActDeny: true,
	casework.ActFile: true, casework.ActReject: true, casework.ActDispatch: true, casework.ActRule: true,
	casework.ActSign: true, casework.ActReturn: true, casework.ActApproveSuspend: true, casework.ActResume: true,
	casework.ActHandle: true, casework.ActRequestCheck: true, casework.ActCheckPass: true, casework.ActCheckFail: true,
	casework.ActMerge: true, casework.ActVoid: true,
}

// o311Public reports whether an event is shown: a public step, or a resident's rating that reopened
// the case.
func o311Public(e casework.Event) bool {
	return o311PublicActions[e.Action] || (e.Action == casework.ActRate && e.From != e.To)
}

// eventFacts are the payload fields a public note may draw on; the rest of a payload (the report
// with its reporter, clocks) is never decoded here.
type eventFacts struct {
	ReasonCode  string   `json:"reason_code"`
	Result      string   `json:"result"`
	Master      int64    `json:"master"`
	PhotosAfter []string `json:"photos_after"`
	Route       struct {
		Lead string `json:"lead"`
	} `json:"route"`
}

func factsOf(e casework.Event) eventFacts {
	var f eventFacts
	if len(e.Payload) > 0 {
		json.Unmarshal(e.Payload, &f) // a payload of another shape leaves the facts empty
	}
	return f
}

// o311EventNote is the public reading of one event: the status it leaves, its text, and the
// photo it shows (a handling result's first photo after).
type o311EventNote struct {
	Status string
	Text   string
	Photo  string
}

// noteOf reads an event for the public; unitName names a unit by ID.
func noteOf(e casework.Event, unitName func(id string) string) o311EventNote {
	f := factsOf(e)
	n := o311EventNote{Status: fmsStatusOf(e.To, f.ReasonCode, e.Action == casework.ActMerge)}
	orPhrase := func(text, phrase string) string {
		if text != "" {
			return text
		}
		return phrase
	}
	switch e.Action {
	case casework.ActReport:
		n.Text = "已收到上报"
	case casework.ActRequestConfirm:
		n.Text = "已派网格员现场核实"
	case casework.ActConfirm:
		n.Text = "现场核实属实"
	case casework.ActDeny:
		n.Text = orPhrase(e.Reason, "现场核实不属实")
	case casework.ActFile:
		n.Text = "已立案"
	case casework.ActReject:
		n.Text = orPhrase(e.Reason, "不予立案:"+rejectPhrase(f.ReasonCode))
	case casework.ActDispatch, casework.ActRule:
		n.Text = "已派遣"
		if name := unitName(f.Route.Lead); name != "" {
			n.Text = "已派遣至" + name
		}
	case casework.ActSign:
		n.Text = "责任单位已签收,正在处置"
	case casework.ActReturn:
		n.Text = orPhrase(e.Reason, "责任单位退回,重新派遣")
	case casework.ActApproveSuspend:
		n.Text = "暂缓处置(挂账)"
	case casework.ActResume:
		n.Text = "恢复处置"
	case casework.ActHandle:
		n.Text = orPhrase(f.Result, "处置完毕")
		if len(f.PhotosAfter) > 0 {
			n.Photo = f.PhotosAfter[0]
		}
	case casework.ActRequestCheck:
		n.Text = "处置完毕,待核查"
	case casework.ActCheckPass:
		n.Text = "核查通过,已结案"
	case casework.ActCheckFail:
		n.Text = "核查未通过,返工处置"
	case casework.ActMerge:
		n.Text = "与案件 " + strconv.FormatInt(f.Master, 10) + " 重复,已合并"
	case casework.ActVoid:
		n.Text = "已作废"
	case casework.ActRate:
		n.Text = "居民评价不满意,返工处置"
	}
	return n
}

// rejectPhrase names a coded rejection reason.
func rejectPhrase(code string) string {
	switch code {
	case "not_government":
		return "非政府职责事项"
	case "duplicate":
		return "重复上报"
	case "outside_jurisdiction":
		return "不属本辖区"
	case "invalid":
		return "无效上报"
	}
	return "不符合立案条件"
}

// o311Notice is the service notice of a request still open: who will act and by when.
func (s *Server) o311Notice(c *casework.Case) string {
	if o311StatusOf(c.State) == "closed" {
		return ""
	}
	cfg := s.app.Config()
	notice := "已受理"
	lead := c.Assignee
	if lead == "" && c.SuggestedRoute != nil {
		lead = c.SuggestedRoute.Lead
	}
	if u, ok := cfg.Tree.Unit(lead); ok {
		notice += ",责任单位:" + u.Name
	}
	if c.WholeClock != nil && !c.WholeClock.Paused {
		notice += ",应于 " + c.WholeClock.DueAt.In(chinaZone).Format("2006-01-02 15:04") + " 前办结"
	}
	if c.Urgency == catalog.Critical {
		notice += "。如有人身危险请立即拨打 110 / 119 / 120"
	}
	return notice + "。"
}
