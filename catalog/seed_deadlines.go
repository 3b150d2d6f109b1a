package catalog

import "civicgrid/calendar"

// Deadline profiles of the seed catalogue. Every profile keeps the same short limits for the
// intake and dispatch stages and differs in how long handling and the whole case may take.
//
// Ordinary matters run on the working clock at normal urgency (受理 1 工作时, 核实 2 工作时,
// 立案 1 工作时, 派遣 1 工作时, 签收 2 工作时, 核查 1 工作日) and on the natural clock once urgent
// or critical, because an urgent matter does not wait for Monday. Emergencies (突发事件) run on the
// natural clock at every urgency.

type profile int

const (
	profQuick     profile = iota // 4 working hours: sanitation, loose objects, small fixes
	profDay                      // 1 working day: most street-order and facility matters
	profThreeDays                // 3 working days: repairs needing a contractor, mediation
	profFiveDays                 // 5 working days: enforcement with notice, complaints
	profTenDays                  // 10 working days: illegal construction, reports, suggestions
	profEmergency                // natural hours at every urgency: 突发事件
)

func wh(n int) calendar.Limit { return calendar.Limit{Amount: n, Unit: calendar.WorkingHours} }
func wd(n int) calendar.Limit { return calendar.Limit{Amount: n, Unit: calendar.WorkingDays} }
func nh(n int) calendar.Limit { return calendar.Limit{Amount: n, Unit: calendar.NaturalHours} }

// handleWhole is the handle and whole-case limit of one urgency.
type handleWhole struct{ handle, whole calendar.Limit }

// profileLimits gives, per profile, handle and whole limits for normal, urgent and critical.
var profileLimits = [...][3]handleWhole{
	profQuick:     {{wh(4), wd(2)}, {nh(4), nh(12)}, {nh(2), nh(8)}},
	profDay:       {{wd(1), wd(3)}, {nh(8), nh(24)}, {nh(4), nh(12)}},
	profThreeDays: {{wd(3), wd(5)}, {wd(1), wd(2)}, {nh(12), nh(24)}},
	profFiveDays:  {{wd(5), wd(7)}, {wd(2), wd(3)}, {nh(24), nh(48)}},
	profTenDays:   {{wd(10), wd(15)}, {wd(5), wd(7)}, {wd(2), wd(3)}},
	profEmergency: {{nh(8), nh(24)}, {nh(4), nh(12)}, {nh(2), nh(8)}},
}

// stageLimits returns fresh limits for the stages other than handling. An emergency at normal
// urgency takes the urgent intake limits on the natural clock.
func stageLimits(u Urgency, emergency bool) map[Stage]calendar.Limit {
	switch {
	case u == Normal && !emergency:
		return map[Stage]calendar.Limit{
			StageAccept: wh(1), StageConfirm: wh(2), StageFile: wh(1), StageDispatch: wh(1), StageSign: wh(2), StageCheck: wd(1),
		}
	case u == Normal || u == Urgent:
		return map[Stage]calendar.Limit{
			StageAccept: nh(1), StageConfirm: nh(2), StageFile: nh(1), StageDispatch: nh(1), StageSign: nh(1), StageCheck: nh(4),
		}
	default:
		return map[Stage]calendar.Limit{
			StageAccept: nh(1), StageConfirm: nh(1), StageFile: nh(1), StageDispatch: nh(1), StageSign: nh(1), StageCheck: nh(2),
		}
	}
}

// deadlines builds a fresh deadline table for a profile.
func deadlines(p profile) map[Urgency]Limits {
	out := make(map[Urgency]Limits, len(Urgencies))
	for i, u := range Urgencies {
		hw := profileLimits[p][i]
		st := stageLimits(u, p == profEmergency)
		st[StageHandle] = hw.handle
		out[u] = Limits{Stages: st, Whole: hw.whole}
	}
	return out
}
