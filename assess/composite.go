package assess

import (
	"math"
	"slices"
	"strings"
	"time"

	"civicgrid/assess/ledger"
	"civicgrid/calendar"
)

// Composite scores (综合得分) rank the units of one kind against each other: the territorial units
// below a unit (streets, communities, grids: 属地) or the departments serving it (条). A scheme
// weighs a few of the unit's indicators; the score is their weighted mean on a 100-point scale,
// graded A–E.

// RankingKind says which units a ranking compares and which scheme scores them.
type RankingKind string

// The kinds of ranking.
const (
	RankTerritory  RankingKind = "territory"  // the territorial children of a unit
	RankDepartment RankingKind = "department" // the departments serving a unit
)

// Criteria a scheme may weigh. Every value is a fraction in [0, 1] (or nil when it has no
// denominator).
const (
	CritClosure         = "closure_rate"         // 结案率 (属地)
	CritOnTimeClosure   = "on_time_closure_rate" // 按期结案率 (属地)
	CritAccurateFiling  = "accurate_filing_rate" // 准确立案率 (属地)
	CritNoRework        = "no_rework_rate"       // 1 − 返工率 (属地)
	CritSatisfaction    = "satisfaction_rate"    // 满意率 (诉求)
	CritDeptOnTimeClose = "dept_on_time_closure" // 承办按期结案率
	CritDeptClosure     = "dept_closure_rate"    // 承办结案率
	CritOnTimeHandle    = "on_time_handle_rate"  // 按时处置率 (承办)
	CritDeptNoRework    = "dept_no_rework_rate"  // 1 − 承办返工率
	CritVolume          = "volume"               // 承办派遣数 against the peers' median, capped at 1
)

// CriterionNames are the Chinese names of the criteria, for ledgers.
var CriterionNames = map[string]string{
	CritClosure: "结案率", CritOnTimeClosure: "按期结案率", CritAccurateFiling: "准确立案率", CritNoRework: "1−返工率",
	CritSatisfaction: "满意率", CritDeptOnTimeClose: "承办按期结案率", CritDeptClosure: "承办结案率", CritOnTimeHandle: "按时处置率",
	CritDeptNoRework: "1−承办返工率", CritVolume: "承办量",
}

// Weight is the weight of one criterion in a scheme.
type Weight struct {
	Criterion string  `json:"criterion"`
	Weight    float64 `json:"weight"`
	// Section groups the criteria of a points scheme (the street assessment's 公共管理, 公共服务 …);
	// it does not change the score.
	Section string `json:"section,omitempty"`
}

// Scheme is one version of the weights of a ranking kind. The scheme in force for a period is the
// one of the highest ValidFrom on or before the period's start, so a past period is always scored
// by the scheme in force then. The schemes defined in code are version 0 of their kind; versions
// stored later count up from 1 and are never changed once stored.
type Scheme struct {
	Kind      RankingKind `json:"kind"`
	Name      string      `json:"name"`
	Version   int         `json:"version"`
	ValidFrom time.Time   `json:"valid_from"`
	Weights   []Weight    `json:"weights"`
	// Vetoes are the one-vote-veto items (一票否决) the scheme knows, and VetoEffect what an entry of
	// one of them does to the unit's composite for the period (see ApplyVetoes).
	Vetoes     []VetoItem `json:"vetoes,omitempty"`
	VetoEffect VetoEffect `json:"veto_effect,omitempty"`
	// Who stored the version and when; empty for the versions defined in code.
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// codeEpoch is when the schemes defined in code take effect: before any record.
var codeEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, calendar.China)

// DefaultSchemes are the schemes defined in code (version 0 of every kind), in the order of the
// kinds.
var DefaultSchemes = []Scheme{
	{Kind: RankTerritory, Name: "属地综合评价", Version: 0, ValidFrom: codeEpoch, Weights: []Weight{
		w(CritClosure, 30), w(CritOnTimeClosure, 25), w(CritAccurateFiling, 15), w(CritNoRework, 15), w(CritSatisfaction, 15),
	}},
	{Kind: RankDepartment, Name: "部门综合评价", Version: 0, ValidFrom: codeEpoch, Weights: []Weight{
		w(CritDeptOnTimeClose, 30), w(CritOnTimeHandle, 30), w(CritDeptNoRework, 20), w(CritVolume, 20), w(CritEvaluation, 20),
	}},
	StreetScheme,
	{Kind: RankGridWorker, Name: "监督员/网格员考核", Version: 0, ValidFrom: codeEpoch, Weights: []Weight{
		w(CritValidReport, 30), w(CritNoMiss, 30), w(CritOnTimeConfirm, 20), w(CritPersonOnTimeCheck, 20),
	}},
	{Kind: RankIntake, Name: "受理员考核", Version: 0, ValidFrom: codeEpoch, Weights: []Weight{
		w(CritOnTimeFiling, 40), w(CritPersonAccurateFiling, 40), w(CritPersonOnTimeClosure, 20),
	}},
	{Kind: RankShiftLeader, Name: "值班长考核", Version: 0, ValidFrom: codeEpoch, Weights: []Weight{
		w(CritOnTimeFiling, 30), w(CritPersonAccurateFiling, 30), w(CritPersonOnTimeClosure, 40),
	}},
	{Kind: RankDispatcher, Name: "派遣员考核", Version: 0, ValidFrom: codeEpoch, Weights: []Weight{
		w(CritOnTimeDispatch, 50), w(CritAccurateDispatch, 50),
	}},
}

func w(criterion string, weight float64) Weight { return Weight{Criterion: criterion, Weight: weight} }

// SchemeFor picks the scheme of the kind in force at t: the one of the highest ValidFrom not after
// t (the higher version on a tie).
func SchemeFor(schemes []Scheme, kind RankingKind, t time.Time) (Scheme, bool) {
	var best *Scheme
	for i := range schemes {
		s := &schemes[i]
		if s.Kind != kind || s.ValidFrom.After(t) {
			continue
		}
		if best == nil || s.ValidFrom.After(best.ValidFrom) || (s.ValidFrom.Equal(best.ValidFrom) && s.Version > best.Version) {
			best = s
		}
	}
	if best == nil {
		return Scheme{}, false
	}
	return *best, true
}

// Part is one criterion's contribution to a composite: its weight in the scheme and the unit's
// value, nil when the value has no denominator (the criterion is then left out).
type Part struct {
	Criterion string   `json:"criterion"`
	Weight    float64  `json:"weight"`
	Value     *float64 `json:"value"`
}

// Composite is a unit's score under a scheme.
type Composite struct {
	Score *float64 `json:"score"` // 0–100, two decimals; nil when no criterion has a value
	Grade string   `json:"grade"` // A–E; empty without a score
	Parts []Part   `json:"parts"`
	// Vetoed are the codes of the one-vote-veto items entered against the unit for the period
	// that the scheme knows (see ApplyVetoes); empty when none.
	Vetoed []string `json:"vetoed,omitempty"`
}

// Score weighs the values (by criterion) with the scheme: Σ wᵢ·vᵢ / Σ wᵢ × 100 over the criteria
// that have a value, so the weights of the others are shared out in proportion. The score is
// rounded to two decimals, then graded.
func (s Scheme) Score(values map[string]*float64) Composite {
	c := Composite{Parts: make([]Part, 0, len(s.Weights))}
	sum, total := 0.0, 0.0
	for _, w := range s.Weights {
		v := values[w.Criterion]
		c.Parts = append(c.Parts, Part{Criterion: w.Criterion, Weight: w.Weight, Value: v})
		if v != nil && w.Weight > 0 {
			sum += w.Weight * *v
			total += w.Weight
		}
	}
	if total > 0 {
		x := math.Round(10000*sum/total) / 100
		c.Score, c.Grade = &x, Grade(x)
	}
	return c
}

// Grade grades a score: A from 90, B from 75, C from 60, D from 40, E below.
func Grade(score float64) string {
	switch {
	case score >= 90:
		return "A"
	case score >= 75:
		return "B"
	case score >= 60:
		return "C"
	case score >= 40:
		return "D"
	}
	return "E"
}

// TerritoryValues are the criteria of the territorial composite of a unit.
func TerritoryValues(x Indicators) map[string]*float64 {
	return map[string]*float64{
		CritClosure:        x.Territory.ClosureRate,
		CritOnTimeClosure:  x.Territory.OnTimeClosureRate,
		CritAccurateFiling: x.Territory.AccurateFilingRate,
		CritNoRework:       complement(x.Territory.ReworkRate),
		CritSatisfaction:   x.Hotline.SatisfactionRate,
	}
}

// DepartmentValues are the criteria of the department composite of a unit; median is the median
// 承办派遣数 of the peers ranked with it (see MedianVolume). Volume is the unit's 承办派遣数 over the
// median, capped at 1; a unit that was sent no case in the period has no volume (there is nothing
// to weigh), so a department without work is not scored rather than scored zero.
func DepartmentValues(x Indicators, median float64) map[string]*float64 {
	var volume *float64
	if median > 0 && x.Assignee.Dispatched > 0 {
		v := min(1, float64(x.Assignee.Dispatched)/median)
		volume = &v
	}
	return map[string]*float64{
		CritDeptOnTimeClose: x.Assignee.OnTimeClosureRate,
		CritDeptClosure:     x.Assignee.ClosureRate,
		CritOnTimeHandle:    x.Assignee.OnTimeHandleRate,
		CritDeptNoRework:    complement(x.Assignee.ReworkRate),
		CritVolume:          volume,
	}
}

// MedianVolume is the median 承办派遣数 of the units that had any (the mean of the middle two of an
// even count); 0 when none had.
func MedianVolume(xs []Indicators) float64 {
	var v []int
	for _, x := range xs {
		if x.Assignee.Dispatched > 0 {
			v = append(v, x.Assignee.Dispatched)
		}
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return float64(v[len(v)/2])
	}
	return float64(v[len(v)/2-1]+v[len(v)/2]) / 2
}

// Ranks ranks scores, highest first, in competition order: equal scores share a rank and the next
// rank skips (1, 2, 2, 4). A unit without a score has no rank.
func Ranks(scores []*float64) []*int {
	out := make([]*int, len(scores))
	for i, s := range scores {
		if s == nil {
			continue
		}
		r := 1
		for _, o := range scores {
			if o != nil && *o > *s {
				r++
			}
		}
		out[i] = &r
	}
	return out
}

// complement is 1 − r, or nil.
func complement(r *float64) *float64 {
	if r == nil {
		return nil
	}
	v := 1 - *r
	return &v
}

// RankingColumns are the columns of the ranking ledger.
var RankingColumns = []ledger.Column{
	{Header: "统计期", Width: 10}, {Header: "排名", Width: 6}, {Header: "单位编码", Width: 24}, {Header: "单位名称", Width: 30},
	{Header: "综合得分", Width: 10}, {Header: "等级", Width: 6}, {Header: "上期排名", Width: 9}, {Header: "名次变化", Width: 9},
	{Header: "评价方案", Width: 16}, {Header: "方案版本", Width: 9}, {Header: "一票否决", Width: 24},
}

// RankingRow is one unit's row of the ranking ledger.
func RankingRow(p Period, s Scheme, u Unit, c Composite, rank, previous, change *int) []ledger.Cell {
	n := func(v *int) ledger.Cell {
		if v == nil {
			return ledger.Empty()
		}
		return ledger.Int(int64(*v))
	}
	return []ledger.Cell{
		ledger.Text(PeriodLabel(p)), n(rank), ledger.Text(u.ID), ledger.Text(u.Name),
		num(c.Score, 2), ledger.Text(c.Grade), n(previous), n(change),
		ledger.Text(s.Name), ledger.Int(int64(s.Version)), ledger.Text(VetoNames(s, c.Vetoed)),
	}
}

// VetoNames names the veto items of a composite, by the scheme's names, joined by "、".
func VetoNames(s Scheme, codes []string) string {
	out := make([]string, len(codes))
	for i, code := range codes {
		out[i] = code
		for _, v := range s.Vetoes {
			if v.Code == code {
				out[i] = v.Name
			}
		}
	}
	return strings.Join(out, "、")
}
