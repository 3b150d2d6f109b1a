package assess

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"civicgrid"
	"civicgrid/org"
)

// Stored schemes, the 100-point street assessment and one-vote veto (一票否决). A scheme of any
// kind weighs criteria; which criteria a kind may weigh is fixed here (KindCriteria), so that a
// stored scheme naming an unknown or foreign criterion is refused rather than scored as empty.

// More kinds of ranking: the streets of a unit under the 100-point street assessment, and the
// people of the four assessed roles (monitors and grid workers, intake operators, shift leaders,
// dispatchers), each by the scheme of their role.
const (
	RankStreet      RankingKind = "street"
	RankGridWorker  RankingKind = "grid_worker"
	RankIntake      RankingKind = "intake"
	RankShiftLeader RankingKind = "shift_leader"
	RankDispatcher  RankingKind = "dispatcher"
)

// Kinds are every kind of scheme, in the order they are listed.
var Kinds = []RankingKind{RankTerritory, RankDepartment, RankStreet, RankGridWorker, RankIntake, RankShiftLeader, RankDispatcher}

// PersonKinds are the kinds that score people; the kind is the role's name.
var PersonKinds = []RankingKind{RankGridWorker, RankIntake, RankShiftLeader, RankDispatcher}

// IsPersonKind reports whether the kind scores people.
func (k RankingKind) IsPersonKind() bool { return slices.Contains(PersonKinds, k) }

// Role is the staff role a person kind scores.
func (k RankingKind) Role() org.Role { return org.Role(k) }

// ParseKind checks a kind's name.
func ParseKind(s string) (RankingKind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", civicgrid.Errorf(civicgrid.EINVALID, "kind %q is not one of %s", s, strings.Join(names, ", ")).WithDetail("field", "kind")
}

// More criteria of units. Every value is a fraction in [0, 1], or nil without a denominator.
const (
	CritOnTimeDispatch   = "on_time_dispatch_rate"  // 按时派遣率 (属地); for dispatchers, their own
	CritOnTimeCheck      = "on_time_check_rate"     // 按时核查率 (属地)
	CritResponse         = "response_rate"          // 响应率 (诉求)
	CritResolution       = "resolution_rate"        // 解决率 (诉求)
	CritEvaluation       = "evaluation"             // 下对上评价: mean community rating / 100
	CritDeptSatisfaction = "dept_satisfaction_rate" // 承办满意率: residents' ratings of the unit's closures
)

// Criteria of people (see PersonIndicators).
const (
	CritValidReport          = "valid_report_rate"           // 有效上报率
	CritNoMiss               = "no_miss_rate"                // 1 − 漏报率
	CritOnTimeConfirm        = "on_time_confirm_rate"        // 按时核实率
	CritPersonOnTimeCheck    = "person_on_time_check_rate"   // 按时核查率 (the person's checks)
	CritOnTimeFiling         = "on_time_filing_rate"         // 按时立案率
	CritPersonAccurateFiling = "person_accurate_filing_rate" // 准确立案率 (the person's filings)
	CritPersonOnTimeClosure  = "person_on_time_closure_rate" // 按时结案率 (the closures the person made)
	CritAccurateDispatch     = "accurate_dispatch_rate"      // 准确派遣率
)

func init() {
	for k, v := range map[string]string{
		CritOnTimeDispatch: "按时派遣率", CritOnTimeCheck: "按时核查率", CritResponse: "响应率", CritResolution: "解决率",
		CritEvaluation: "下对上评价", CritDeptSatisfaction: "承办满意率",
		CritValidReport: "有效上报率", CritNoMiss: "1−漏报率", CritOnTimeConfirm: "按时核实率", CritPersonOnTimeCheck: "按时核查率(本人)",
		CritOnTimeFiling: "按时立案率", CritPersonAccurateFiling: "准确立案率(本人)", CritPersonOnTimeClosure: "按时结案率(本人)",
		CritAccurateDispatch: "准确派遣率",
	} {
		CriterionNames[k] = v
	}
}

// unitCriteria are the criteria every unit kind (territory, department, street) may weigh.
var unitCriteria = []string{
	CritClosure, CritOnTimeClosure, CritAccurateFiling, CritNoRework, CritSatisfaction, CritOnTimeDispatch, CritOnTimeCheck,
	CritResponse, CritResolution, CritDeptOnTimeClose, CritDeptClosure, CritOnTimeHandle, CritDeptNoRework, CritVolume, CritEvaluation,
	CritDeptSatisfaction,
}

// KindCriteria are the criteria a scheme of each kind may weigh.
var KindCriteria = map[RankingKind][]string{
	RankTerritory:   unitCriteria,
	RankDepartment:  unitCriteria,
	RankStreet:      unitCriteria,
	RankGridWorker:  {CritValidReport, CritNoMiss, CritOnTimeConfirm, CritPersonOnTimeCheck},
	RankIntake:      {CritOnTimeFiling, CritPersonAccurateFiling, CritPersonOnTimeClosure, CritPersonOnTimeCheck},
	RankShiftLeader: {CritOnTimeFiling, CritPersonAccurateFiling, CritPersonOnTimeClosure, CritPersonOnTimeCheck, CritOnTimeDispatch, CritAccurateDispatch},
	RankDispatcher:  {CritOnTimeDispatch, CritAccurateDispatch},
}

// VetoItem is a one-vote-veto item: an event in a unit's territory in the period (a major safety
// accident, new illegal land use …) that overrides the score.
type VetoItem struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// VetoEffect is what a veto does to the composite of the period.
type VetoEffect string

const (
	VetoLowestGrade VetoEffect = "lowest_grade" // the grade becomes E; the score stays, the rank goes last
	VetoZeroScore   VetoEffect = "zero_score"   // the score becomes 0 (grade E)
)

// DefaultVetoes are the veto items of the street assessment defined in code.
var DefaultVetoes = []VetoItem{
	{Code: "major_safety_accident", Name: "发生重大安全事故"},
	{Code: "illegal_land_use", Name: "新增违法用地"},
	{Code: "illegal_construction", Name: "新增违法建筑"},
	{Code: "mass_incident", Name: "发生群体性事件"},
}

// StreetScheme is the 100-point street assessment (街道百分制考核) defined in code: 公共管理 25,
// 公共服务 20 and 公共安全 20 points from the record's indicators, 35 from evaluation — the
// communities' rating of the street office (下对上) and the residents' satisfaction — with the
// veto items above, any of which sets the street's grade to E for the month.
var StreetScheme = Scheme{Kind: RankStreet, Name: "街道百分制考核", Version: 0, ValidFrom: codeEpoch, Weights: []Weight{
	{Criterion: CritClosure, Weight: 10, Section: "公共管理"},
	{Criterion: CritAccurateFiling, Weight: 5, Section: "公共管理"},
	{Criterion: CritOnTimeDispatch, Weight: 5, Section: "公共管理"},
	{Criterion: CritOnTimeCheck, Weight: 5, Section: "公共管理"},
	{Criterion: CritResponse, Weight: 10, Section: "公共服务"},
	{Criterion: CritResolution, Weight: 10, Section: "公共服务"},
	{Criterion: CritOnTimeClosure, Weight: 10, Section: "公共安全"},
	{Criterion: CritNoRework, Weight: 10, Section: "公共安全"},
	{Criterion: CritEvaluation, Weight: 20, Section: "群众与社区评价"},
	{Criterion: CritSatisfaction, Weight: 15, Section: "群众与社区评价"},
}, Vetoes: DefaultVetoes, VetoEffect: VetoLowestGrade}

// Limits of a stored scheme.
const (
	MaxSchemeWeights = 50
	MaxSchemeVetoes  = 30
	MaxNameChars     = 100
)

// Validate checks a scheme before it is stored: a known kind, a name, one weight per criterion the
// kind may weigh, every weight finite and non-negative and their sum positive, veto items with
// distinct codes and names, a veto effect when there are items, and a valid-from at the start of a
// month (China time).
func (s *Scheme) Validate() error {
	bad := func(field, format string, args ...any) error {
		return civicgrid.Errorf(civicgrid.EINVALID, format, args...).WithDetail("field", field)
	}
	allowed, ok := KindCriteria[s.Kind]
	if !ok {
		_, err := ParseKind(string(s.Kind))
		return err
	}
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" || utf8.RuneCountInString(s.Name) > MaxNameChars {
		return bad("name", "a scheme needs a name of 1 to %d characters", MaxNameChars)
	}
	if len(s.Weights) == 0 || len(s.Weights) > MaxSchemeWeights {
		return bad("weights", "a scheme weighs 1 to %d criteria, not %d", MaxSchemeWeights, len(s.Weights))
	}
	seen := map[string]bool{}
	total := 0.0
	for i, w := range s.Weights {
		field := fmt.Sprintf("weights[%d]", i)
		if !slices.Contains(allowed, w.Criterion) {
			return bad(field+".criterion", "criterion %q is not one a %s scheme can weigh: %s", w.Criterion, s.Kind, strings.Join(allowed, ", "))
		}
		if seen[w.Criterion] {
			return bad(field+".criterion", "criterion %s is weighed twice", w.Criterion)
		}
		seen[w.Criterion] = true
		if math.IsNaN(w.Weight) || math.IsInf(w.Weight, 0) || w.Weight < 0 || w.Weight > 1000 {
			return bad(field+".weight", "the weight of %s must be a number from 0 to 1000, not %v", w.Criterion, w.Weight)
		}
		if utf8.RuneCountInString(w.Section) > MaxNameChars {
			return bad(field+".section", "a section name has at most %d characters", MaxNameChars)
		}
		total += w.Weight
	}
	if total <= 0 {
		return bad("weights", "the weights must sum to a positive value")
	}
	if len(s.Vetoes) > MaxSchemeVetoes {
		return bad("vetoes", "a scheme has at most %d veto items", MaxSchemeVetoes)
	}
	codes := map[string]bool{}
	for i, v := range s.Vetoes {
		field := fmt.Sprintf("vetoes[%d]", i)
		if !codeRe(v.Code) {
			return bad(field+".code", "veto code %q must be 1 to 40 lower-case letters, digits or _ starting with a letter", v.Code)
		}
		if codes[v.Code] {
			return bad(field+".code", "veto code %s is listed twice", v.Code)
		}
		codes[v.Code] = true
		if n := utf8.RuneCountInString(strings.TrimSpace(v.Name)); n == 0 || n > MaxNameChars {
			return bad(field+".name", "veto item %s needs a name of 1 to %d characters", v.Code, MaxNameChars)
		}
	}
	switch {
	case len(s.Vetoes) > 0 && s.VetoEffect != VetoLowestGrade && s.VetoEffect != VetoZeroScore:
		return bad("veto_effect", "veto_effect must be lowest_grade or zero_score")
	case len(s.Vetoes) == 0 && s.VetoEffect != "":
		return bad("veto_effect", "veto_effect needs veto items")
	}
	if len(s.Vetoes) > 0 && s.Kind.IsPersonKind() {
		return bad("vetoes", "veto items apply to units, not to the people of a %s scheme", s.Kind)
	}
	if m := MonthOf(s.ValidFrom); !m.From.Equal(s.ValidFrom) {
		return bad("valid_from", "a scheme takes effect from the start of a month (China time), e.g. 2026-04")
	}
	return nil
}

func codeRe(s string) bool {
	if len(s) == 0 || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// HasVeto reports whether the scheme knows the veto item.
func (s Scheme) HasVeto(code string) bool {
	return slices.ContainsFunc(s.Vetoes, func(v VetoItem) bool { return v.Code == code })
}

// ApplyVetoes applies the veto items entered against a unit for the period to its composite: the
// items the scheme knows are recorded in Vetoed and, when there is any, the grade becomes E and,
// under zero_score, the score 0. A unit vetoed without a score gets the score 0 either way, so that
// it is ranked (last) rather than left out.
func (s Scheme) ApplyVetoes(c *Composite, codes []string) {
	var hit []string
	for _, code := range codes {
		if s.HasVeto(code) && !slices.Contains(hit, code) {
			hit = append(hit, code)
		}
	}
	if len(hit) == 0 {
		return
	}
	slices.Sort(hit)
	c.Vetoed = hit
	if s.VetoEffect == VetoZeroScore || c.Score == nil {
		zero := 0.0
		c.Score = &zero
	}
	c.Grade = "E"
}

// RankComposites ranks composites as Ranks does, except that a vetoed unit ranks below every unit
// that is not, the vetoed ones among themselves by score.
func RankComposites(cs []Composite) []*int {
	out := make([]*int, len(cs))
	clean := 0
	for _, c := range cs {
		if c.Score != nil && len(c.Vetoed) == 0 {
			clean++
		}
	}
	for i, c := range cs {
		if c.Score == nil {
			continue
		}
		r := 1
		vetoed := len(c.Vetoed) > 0
		if vetoed {
			r += clean
		}
		for _, o := range cs {
			if o.Score != nil && (len(o.Vetoed) > 0) == vetoed && *o.Score > *c.Score {
				r++
			}
		}
		out[i] = &r
	}
	return out
}

// UnitValues are every criterion of a unit a scheme of a unit kind may weigh, from its indicators
// (median as for DepartmentValues), the mean of the evaluations it was given (0–100, nil without
// any) and the residents' satisfaction with its closures (nil without a rating).
func UnitValues(x Indicators, median float64, evaluation, deptSatisfaction *float64) map[string]*float64 {
	v := TerritoryValues(x)
	for k, d := range DepartmentValues(x, median) {
		v[k] = d
	}
	v[CritOnTimeDispatch] = x.Territory.OnTimeDispatchRate
	v[CritOnTimeCheck] = x.Territory.OnTimeCheckRate
	v[CritResponse] = x.Hotline.ResponseRate
	v[CritResolution] = x.Hotline.ResolutionRate
	if evaluation != nil {
		e := *evaluation / 100
		v[CritEvaluation] = &e
	} else {
		v[CritEvaluation] = nil
	}
	v[CritDeptSatisfaction] = deptSatisfaction
	return v
}

// Weighs reports whether the scheme gives the criterion a positive weight.
func (s Scheme) Weighs(criterion string) bool {
	return slices.ContainsFunc(s.Weights, func(w Weight) bool { return w.Criterion == criterion && w.Weight > 0 })
}
