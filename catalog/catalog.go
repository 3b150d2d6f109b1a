// Package catalog holds the matter catalogue (事项/部件/事件 in the CJ/T 214 structure plus hotline
// kinds), the deadlines per matter type and urgency, the responsibility list (权责清单) and the
// community admission list (社区事务准入清单), and routing: which unit must act on a case.
package catalog

import (
	"time"

	"civicgrid/calendar"
)

// Kind is the top division of the catalogue.
type Kind string

const (
	Component Kind = "component" // 部件: physical objects (manhole covers, lamps, ...)
	Event     Kind = "event"     // 事件: happenings (illegal construction, noise, ...)
	Hotline   Kind = "hotline"   // 热线: 咨询, 求助, 投诉, 举报, 建议
)

// Urgency is the urgency level of a case.
type Urgency string

const (
	Normal   Urgency = "normal"   // 一般
	Urgent   Urgency = "urgent"   // 紧急
	Critical Urgency = "critical" // 非常紧急
)

// Urgencies lists every urgency level, least urgent first.
var Urgencies = []Urgency{Normal, Urgent, Critical}

// Stage is a stage of the case loop that carries its own time limit.
type Stage string

const (
	StageAccept   Stage = "accept"   // 受理: from report to filing, rejection or a confirmation request
	StageConfirm  Stage = "confirm"  // 核实: on-site confirmation by a grid worker
	StageFile     Stage = "file"     // 立案: from report (or confirmation) to filing
	StageDispatch Stage = "dispatch" // 派遣: from filing (or a return) to dispatch
	StageSign     Stage = "sign"     // 签收: from dispatch to signing
	StageHandle   Stage = "handle"   // 处置: from signing (or rework) to the handling result
	StageCheck    Stage = "check"    // 核查: from the handling result to the originator's check
)

// Stages lists every stage in loop order.
var Stages = []Stage{StageAccept, StageConfirm, StageFile, StageDispatch, StageSign, StageHandle, StageCheck}

// Limits are the time limits of one urgency level: one per stage and one for the whole case.
type Limits struct {
	Stages map[Stage]calendar.Limit `json:"stages"`
	Whole  calendar.Limit           `json:"whole"`
}

// Mode is how responsibility for a matter type is shared (权责清单 管理方式).
type Mode string

const (
	Comprehensive Mode = "comprehensive" // 综合管理: the street (territory) bears first responsibility
	Professional  Mode = "professional"  // 专业管理: the competent department does
	Assisted      Mode = "assisted"      // 协助管理: a lead with named assisting units
)

// FieldType is the datatype of an extra field (Open311 attribute datatypes).
type FieldType string

const (
	FieldString          FieldType = "string"
	FieldNumber          FieldType = "number"
	FieldDatetime        FieldType = "datetime"
	FieldText            FieldType = "text"
	FieldSingleValueList FieldType = "singlevaluelist"
	FieldMultiValueList  FieldType = "multivaluelist"
)

// FieldValue is one allowed value of a list field.
type FieldValue struct {
	Key    string `json:"key"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

// Field is an optional extra field a matter type asks for.
type Field struct {
	Code     string       `json:"code"`
	NameZh   string       `json:"name_zh"`
	NameEn   string       `json:"name_en"`
	Type     FieldType    `json:"type"`
	Required bool         `json:"required"`
	Values   []FieldValue `json:"values,omitempty"`
	Order    int          `json:"order"`
}

// MatterType is one entry of the catalogue.
type MatterType struct {
	// Code is the CJ/T 214 style code: two digits of class then two of item for components and
	// events ("0101" 上水井盖), prefixed by the kind letter to keep components, events and hotline kinds
	// apart: "C0101", "E0105", "H01".
	Code      string   `json:"code"`
	Kind      Kind     `json:"kind"`
	ClassCode string   `json:"class_code"` // "C01"
	ClassZh   string   `json:"class_zh"`   // 公用设施
	ClassEn   string   `json:"class_en"`   // Public facilities
	NameZh    string   `json:"name_zh"`
	NameEn    string   `json:"name_en"`
	Keywords  []string `json:"keywords,omitempty"`
	// DefaultUrgency is suggested when a report does not say.
	DefaultUrgency   Urgency            `json:"default_urgency"`
	Deadlines        map[Urgency]Limits `json:"deadlines"`
	WarnPercent      int                `json:"warn_percent"` // yellow light threshold, 80 by default
	DuplicateRadiusM float64            `json:"duplicate_radius_m"`
	DuplicateWindow  time.Duration      `json:"-"` // JSON: duplicate_window_minutes
	Fields           []Field            `json:"fields,omitempty"`
	Active           bool               `json:"active"`
}

// ResponsibilityEntry is one row of the responsibility list: for a matter type at a jurisdiction
// level (and optionally only within one jurisdiction's subtree), who is responsible and how.
type ResponsibilityEntry struct {
	MatterCode string `json:"matter_code"`
	// Scope is the jurisdiction whose subtree this row governs ("" means everywhere); a row for a
	// narrower scope wins over a wider one.
	Scope string `json:"scope,omitempty"`
	Mode  Mode   `json:"mode"`
	// Lead is either TerritoryLead (the street, town or community where the matter is) or a
	// department kind ("chengguan", "market", "housing", ...).
	Lead string `json:"lead"`
	// LeadLevel is the level of the territorial lead: "street" (default) or "community". A community
	// lead is allowed only where the community admission list admits the matter.
	LeadLevel string `json:"lead_level,omitempty"`
	// Assisting are the department kinds (or TerritoryLead) that assist under Assisted mode.
	Assisting []string `json:"assisting,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// TerritoryLead names the territorial unit (块) as lead in a responsibility entry.
const TerritoryLead = "territory"

// AdmissionEntry admits one matter type for the communities within a scope (a district, street or
// single community): the community admission list.
type AdmissionEntry struct {
	Scope      string `json:"scope"`
	MatterCode string `json:"matter_code"`
	Note       string `json:"note,omitempty"`
}

// AdmissionRefusal is the reason given when a community is asked to take a matter its admission list
// does not name. The wording follows the admission list documents.
const AdmissionRefusal = "未列入社区事务准入清单的事项,社区一律不予受理"
