// Package casework is the closed loop (闭环) of a case: its states, the actions that move it, the one
// transition table that says who may do what from where, the events that record every action in a
// hash chain, the projection that turns events into the current case, and the deadline clocks the
// events carry. No SQL and no HTTP here: the store persists what Decide returns, and the web layer
// turns requests into Inputs.
package casework

import (
	"encoding/json"
	"time"

	"civicgrid/calendar"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
)

// State is where a case stands in the loop.
type State string

const (
	Reported   State = "reported"   // 上报: waiting for intake
	Confirming State = "confirming" // 核实: a grid worker is confirming on site
	Filed      State = "filed"      // 立案: waiting for dispatch
	Rejected   State = "rejected"   // 不予立案 (terminal)
	Dispatched State = "dispatched" // 派遣: waiting for the unit to sign
	Handling   State = "handling"   // 处置中
	Handled    State = "handled"    // 处置完毕: waiting for the originator's check to be assigned
	Checking   State = "checking"   // 核查中: the originator checks the result
	Closed     State = "closed"     // 结案 (terminal unless a resident's dissatisfaction reopens it)
	Rework     State = "rework"     // 返工: check failed or resident dissatisfied; back to the same unit
	Returned   State = "returned"   // 退回: the unit refused the dispatch; back to dispatch
	Suspended  State = "suspended"  // 挂账: clocks paused
	Voided     State = "voided"     // 作废 (terminal; also the state of a case merged into another)
)

// States lists every state.
var States = []State{Reported, Confirming, Filed, Rejected, Dispatched, Handling, Handled, Checking, Closed, Rework, Returned, Suspended, Voided}

// Action is something an actor does to a case.
type Action string

const (
	ActReport           Action = "report"            // 上报 (creates the case)
	ActRequestConfirm   Action = "request_confirm"   // 派核实
	ActConfirm          Action = "confirm"           // 核实属实
	ActDeny             Action = "deny"              // 核实不属实
	ActFile             Action = "file"              // 立案
	ActReject           Action = "reject"            // 不予立案
	ActDispatch         Action = "dispatch"          // 派遣
	ActRule             Action = "rule"              // 裁定: final ruling on a disputed dispatch
	ActSign             Action = "sign"              // 签收
	ActReturn           Action = "return"            // 退回
	ActRequestExtension Action = "request_extension" // 申请延期
	ActApproveExtension Action = "approve_extension" // 批准延期
	ActDenyExtension    Action = "deny_extension"    // 驳回延期
	ActRequestSuspend   Action = "request_suspension"
	ActApproveSuspend   Action = "approve_suspension" // 挂账
	ActDenySuspend      Action = "deny_suspension"
	ActResume           Action = "resume" // 恢复 (un-suspend)
	ActHandle           Action = "handle" // 处置完毕, with result and photos
	ActRequestCheck     Action = "request_check"
	ActCheckPass        Action = "check_pass" // 核查通过 → 结案
	ActCheckFail        Action = "check_fail" // 核查不通过 → 返工
	ActRate             Action = "rate"       // 评价 (resident)
	ActSupervise        Action = "supervise"  // 督办
	ActWhistle          Action = "whistle"    // 吹哨
	ActWhistleAck       Action = "whistle_ack"
	ActMerge            Action = "merge" // 合并 into an earlier case
	ActVoid             Action = "void"  // 作废
	ActComment          Action = "comment"
	// System actions: fired by timers, never by people.
	ActWarn        Action = "warn"         // 预警 (yellow)
	ActOverdue     Action = "overdue"      // 超期 (red)
	ActWhistleLate Action = "whistle_late" // 逾期未报到: a summoned unit missed its acknowledgement deadline
)

// Light is the deadline light of the current stage.
type Light string

const (
	Green  Light = "green"
	Yellow Light = "yellow"
	Red    Light = "red"
)

// Channel is how a report came in.
type Channel string

const (
	ChannelPatrol    Channel = "patrol"    // grid worker on patrol
	ChannelCommunity Channel = "community" // community staff
	ChannelPortal    Channel = "portal"    // resident portal
	ChannelOpen311   Channel = "open311"
	ChannelHotline   Channel = "hotline" // 12345 operator
	ChannelSensor    Channel = "sensor"
	ChannelImport    Channel = "import"
)

// Rating is a resident's satisfaction with a closed case.
type Rating string

const (
	Satisfied      Rating = "satisfied"       // 满意
	BasicSatisfied Rating = "basic_satisfied" // 基本满意
	Dissatisfied   Rating = "dissatisfied"    // 不满意
)

// SupervisionLevel is the level of a 督办.
type SupervisionLevel string

const (
	SuperviseNormal SupervisionLevel = "normal" // 一般督办
	SuperviseYellow SupervisionLevel = "yellow" // 黄牌
	SuperviseRed    SupervisionLevel = "red"    // 红牌
)

// Reporter is who reported the case. Personal fields are never shown to the public.
type Reporter struct {
	Name      string `json:"name,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
	DeviceID  string `json:"device_id,omitempty"`
	AccountID string `json:"account_id,omitempty"`
}

// Clock is the deadline clock of one stage or of the whole case, as recorded in events.
type Clock struct {
	Stage  catalog.Stage  `json:"stage,omitempty"`
	Limit  calendar.Limit `json:"limit"`
	Start  time.Time      `json:"start"`
	WarnAt time.Time      `json:"warn_at"`
	DueAt  time.Time      `json:"due_at"`
	// Remaining is the unspent budget while the clock is paused (suspension), in the limit's clock:
	// working minutes for working limits, natural minutes otherwise.
	Remaining int64 `json:"remaining,omitempty"`
	Paused    bool  `json:"paused,omitempty"`
}

// Whistle is a joint summons (吹哨报到): a lead unit and assisting units, each acknowledging in time.
type Whistle struct {
	Lead  string         `json:"lead"`
	Units []WhistleParty `json:"units"`
	By    string         `json:"by"` // the unit that blew the whistle
	At    time.Time      `json:"at"`
}

// WhistleParty is one summoned unit. Late records that its acknowledgement deadline passed first
// (逾期未报到); a later acknowledgement is still taken, and the party stays late.
type WhistleParty struct {
	Unit    string     `json:"unit"`
	DueAt   time.Time  `json:"due_at"`
	AckedAt *time.Time `json:"acked_at,omitempty"`
	Late    bool       `json:"late,omitempty"`
}

// Case is the current state of a case: a projection of its events, rebuilt by Apply.
type Case struct {
	ID                int64            `json:"id"`
	TrackingCode      string           `json:"tracking_code"`
	State             State            `json:"state"`
	MatterCode        string           `json:"matter_code"`
	Urgency           catalog.Urgency  `json:"urgency"`
	Channel           Channel          `json:"channel"`
	Title             string           `json:"title"`
	Description       string           `json:"description"`
	Address           string           `json:"address,omitempty"`
	Location          *geo.Point       `json:"location,omitempty"` // WGS-84
	Grid              string           `json:"grid,omitempty"`
	Community         string           `json:"community,omitempty"`
	Street            string           `json:"street,omitempty"`
	District          string           `json:"district,omitempty"`
	TerritoryPath     string           `json:"territory_path"`
	Originator        string           `json:"originator"` // unit that raised the case and checks it
	OriginatorPath    string           `json:"originator_path"`
	ReporterUserID    int64            `json:"reporter_user_id,omitempty"`
	Reporter          *Reporter        `json:"reporter,omitempty"`
	Attributes        map[string]any   `json:"attributes,omitempty"`
	Media             []string         `json:"media,omitempty"`
	Assignee          string           `json:"assignee,omitempty"` // unit that must act
	AssigneePath      string           `json:"assignee_path,omitempty"`
	Assisting         []string         `json:"assisting,omitempty"`
	RouteReason       string           `json:"route_reason,omitempty"`
	Confirmed         bool             `json:"confirmed,omitempty"`
	ReturnCount       int              `json:"return_count"`
	Ruled             bool             `json:"ruled,omitempty"` // a final ruling bars further returns
	ReworkCount       int              `json:"rework_count"`
	ExtensionCount    int              `json:"extension_count"`
	PendingExtension  *calendar.Limit  `json:"pending_extension,omitempty"`
	PendingSuspension bool             `json:"pending_suspension,omitempty"`
	SuspendedFrom     State            `json:"suspended_from,omitempty"`
	Supervision       SupervisionLevel `json:"supervision,omitempty"`
	SupervisionCount  int              `json:"supervision_count"`
	Whistle           *Whistle         `json:"whistle,omitempty"`
	DuplicateOf       int64            `json:"duplicate_of,omitempty"` // flagged at report
	MergedInto        int64            `json:"merged_into,omitempty"`
	Result            string           `json:"result,omitempty"`
	PhotosBefore      []string         `json:"photos_before,omitempty"`
	PhotosAfter       []string         `json:"photos_after,omitempty"`
	SuggestedRoute    *Route           `json:"suggested_route,omitempty"` // from the responsibility list at intake
	RejectCode        string           `json:"reject_code,omitempty"`     // why intake or the grid worker rejected it
	Rating            Rating           `json:"rating,omitempty"`          // the latest rating
	RatedAt           *time.Time       `json:"rated_at,omitempty"`
	StageClock        *Clock           `json:"stage_clock,omitempty"`
	WholeClock        *Clock           `json:"whole_clock,omitempty"`
	Light             Light            `json:"light"`             // the worse of StageLight and WholeLight
	StageLight        Light            `json:"stage_light"`       // green again at every new stage
	WholeLight        Light            `json:"whole_light"`       // persists across stages
	Overdue           bool             `json:"overdue,omitempty"` // any stage of this case went overdue
	ReportedAt        time.Time        `json:"reported_at"`
	FiledAt           *time.Time       `json:"filed_at,omitempty"`
	DispatchedAt      *time.Time       `json:"dispatched_at,omitempty"`
	HandledAt         *time.Time       `json:"handled_at,omitempty"`
	ClosedAt          *time.Time       `json:"closed_at,omitempty"` // the latest closing; a reopened case closes anew
	UpdatedAt         time.Time        `json:"updated_at"`
	Seq               int              `json:"seq"`       // number of events applied
	LastHash          string           `json:"last_hash"` // hash of the last event
}

// Event is one action recorded in a case's history. Events are append-only; Hash covers every field
// and PrevHash, so altering or removing any event breaks the chain.
type Event struct {
	CaseID   int64           `json:"case_id"`
	Seq      int             `json:"seq"` // 1-based, gap-free per case
	Action   Action          `json:"action"`
	Actor    org.Actor       `json:"actor"`
	At       time.Time       `json:"at"`
	From     State           `json:"from"`
	To       State           `json:"to"`
	Reason   string          `json:"reason,omitempty"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Input is what an actor supplies with an action. Which fields an action needs is checked by Decide.
type Input struct {
	Reason     string `json:"reason,omitempty"`
	ReasonCode string `json:"reason_code,omitempty"` // e.g. 属地不符 "wrong_territory"; not_government, duplicate, ...
	// Dispatch / rule: the unit that must act and its assisting units (resolved and checked against the
	// admission list by the caller, see Env.Target). Whistle_late: the party whose deadline passed.
	Unit      string   `json:"unit,omitempty"`
	Assisting []string `json:"assisting,omitempty"`
	// Handle: the result and photos (media IDs) before and after.
	Result       string   `json:"result,omitempty"`
	PhotosBefore []string `json:"photos_before,omitempty"`
	PhotosAfter  []string `json:"photos_after,omitempty"`
	// Request extension: how much more time.
	Extension *calendar.Limit `json:"extension,omitempty"`
	// Supervise.
	Level SupervisionLevel `json:"level,omitempty"`
	// Rate.
	Rating Rating `json:"rating,omitempty"`
	// Merge: the master case.
	Target int64 `json:"target,omitempty"`
	// Whistle: lead and assisting units, and how long each has to acknowledge.
	Lead     string          `json:"lead,omitempty"`
	Units    []string        `json:"units,omitempty"`
	AckLimit *calendar.Limit `json:"ack_limit,omitempty"`
	// Clock marks (warn/overdue): which clock fired.
	ClockStage catalog.Stage `json:"clock_stage,omitempty"`
	// ExpectSeq, when non-zero, makes the action conditional on the case being at that sequence
	// (optimistic concurrency from the client's view).
	ExpectSeq int `json:"expect_seq,omitempty"`
}

// Report is what creates a case.
type Report struct {
	MatterCode  string          `json:"matter_code"`
	Urgency     catalog.Urgency `json:"urgency,omitempty"`
	Channel     Channel         `json:"channel"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description"`
	Address     string          `json:"address,omitempty"`
	Location    *geo.Point      `json:"location,omitempty"` // WGS-84, already converted
	// Grid is the located grid (or the reporter's own grid when there is no point); the territory
	// fields below are filled by the caller from the tree.
	Grid          string         `json:"grid,omitempty"`
	Community     string         `json:"community,omitempty"`
	Street        string         `json:"street,omitempty"`
	District      string         `json:"district,omitempty"`
	TerritoryPath string         `json:"territory_path,omitempty"`
	Reporter      *Reporter      `json:"reporter,omitempty"`
	Attributes    map[string]any `json:"attributes,omitempty"`
	Media         []string       `json:"media,omitempty"`
	// Route is the responsible unit suggested by the responsibility list at intake.
	Route *Route `json:"route,omitempty"`
	// DuplicateOf is an open case of the same type within the type's radius and window.
	DuplicateOf  int64  `json:"duplicate_of,omitempty"`
	TrackingCode string `json:"tracking_code,omitempty"`
	// Originator is the unit that raised the case and must check it (谁发单、谁验收): the reporter's
	// unit for staff, the dispatch centre that took it in for residents and sensors.
	Originator     string `json:"originator"`
	OriginatorPath string `json:"originator_path"`
}

// Route is a routing suggestion or decision.
type Route struct {
	Lead      string       `json:"lead"`
	LeadPath  string       `json:"lead_path"`
	Assisting []string     `json:"assisting,omitempty"`
	Mode      catalog.Mode `json:"mode"`
	Reason    string       `json:"reason"`
}

// Env is what Decide needs besides the case, the actor and the input: the time, the calendar and the
// case type's limits, and facts the caller looked up (the dispatch target's path, the merge master).
type Env struct {
	Now      time.Time
	Calendar *calendar.Calendar
	// Limits are the case's matter type limits at its urgency; WarnPercent its yellow threshold.
	Limits      catalog.Limits
	WarnPercent int
	// RatingWindow is how long after closing a resident's dissatisfaction reopens the case.
	RatingWindow time.Duration
	// Target is the resolved dispatch or ruling target (already checked against the admission list).
	Target *Route
	// Master is the case a merge folds this one into.
	Master *Case
	// UnitPath resolves a unit ID to its path (for whistle parties); nil means unknown units.
	UnitPath func(id string) (string, bool)
}
