package casework

import (
	"civicgrid/calendar"
	"civicgrid/catalog"
)

// Event payloads, one shape per kind of action. encoding/json writes struct fields in order and map
// keys sorted, so the bytes are deterministic and the hash chain can cover them verbatim. Every
// event that changes a deadline carries the full Clocks after it.

// reportPayload (report) holds the normalised report.
type reportPayload struct {
	Report         Report  `json:"report"`
	ReporterUserID int64   `json:"reporter_user_id,omitempty"`
	Clocks         *Clocks `json:"clocks"`
}

// stagePayload (request_confirm, confirm, file, sign, check_fail, check_pass, void,
// approve_suspension, resume) holds only the clocks.
type stagePayload struct {
	Clocks *Clocks `json:"clocks"`
}

// codePayload (reject, deny, return) holds the coded reason; the free text is the event's Reason.
type codePayload struct {
	ReasonCode string  `json:"reason_code"`
	Clocks     *Clocks `json:"clocks"`
}

// mergePayload (merge) names the master case.
type mergePayload struct {
	Master int64   `json:"master"`
	Clocks *Clocks `json:"clocks"`
}

// routePayload (dispatch, rule) is the unit that must act and why.
type routePayload struct {
	Route  Route   `json:"route"`
	Clocks *Clocks `json:"clocks"`
}

// handlePayload (handle) is the handling result.
type handlePayload struct {
	Result       string   `json:"result"`
	PhotosBefore []string `json:"photos_before,omitempty"`
	PhotosAfter  []string `json:"photos_after,omitempty"`
	Clocks       *Clocks  `json:"clocks"`
}

// extensionPayload (request_extension, approve_extension) is how much more time; an approval also
// carries the moved clocks.
type extensionPayload struct {
	Extension calendar.Limit `json:"extension"`
	Clocks    *Clocks        `json:"clocks,omitempty"`
}

// ratePayload (rate) is the resident's rating; Reopen marks a rating that sent the case to rework.
type ratePayload struct {
	Rating Rating  `json:"rating"`
	Reopen bool    `json:"reopen,omitempty"`
	Clocks *Clocks `json:"clocks,omitempty"`
}

// supervisePayload (supervise) is the level of the 督办.
type supervisePayload struct {
	Level SupervisionLevel `json:"level"`
}

// whistlePayload (whistle) is the summons; the lead is also the first party.
type whistlePayload struct {
	Whistle Whistle `json:"whistle"`
}

// ackPayload (whistle_ack, whistle_late) names the party that acknowledged, or that missed its
// acknowledgement deadline.
type ackPayload struct {
	Unit string `json:"unit"`
}

// markPayload (warn, overdue) names the clock that reached its light.
type markPayload struct {
	Clock  catalog.Stage `json:"clock"`
	Light  Light         `json:"light"`
	Clocks *Clocks       `json:"clocks"`
}
