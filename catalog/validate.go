package catalog

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/calendar"
)

// Bounds of the catalogue's free values.
const (
	MaxNameLen         = 100  // characters of a zh or en name
	MaxKeywordLen      = 50   // characters of one keyword
	MaxKeywords        = 50   // keywords per matter type
	MaxNoteLen         = 500  // characters of a list entry's note
	MaxFields          = 30   // extra fields per matter type
	MaxFieldValues     = 100  // values of one list field
	MaxDuplicateM      = 5000 // metres
	MaxDuplicateWindow = 30 * 24 * time.Hour
)

var (
	matterCodeRe = regexp.MustCompile(`^[CEH][0-9]{2,6}$`)
	classCodeRe  = regexp.MustCompile(`^[CEH][0-9]{2}$`)
	fieldCodeRe  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	deptKindRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	// A scope is a jurisdiction: a 12-digit division code or a grid code extending one.
	scopeRe = regexp.MustCompile(`^[0-9]{12}([0-9]{3,6})?$`)
)

// kindLetter is the code prefix of each kind.
var kindLetter = map[Kind]byte{Component: 'C', Event: 'E', Hotline: 'H'}

func invalid(field, format string, args ...any) *civicgrid.Error {
	return civicgrid.Errorf(civicgrid.EINVALID, format, args...).WithDetail("field", field)
}

// within returns err with its message prefixed and its field detail qualified by a parent path, so
// that an error found in a nested value still says where it sits.
func within(err error, prefix, parentField string) error {
	if err == nil {
		return nil
	}
	out := civicgrid.Errorf(civicgrid.ErrorCode(err), "%s: %s", prefix, civicgrid.ErrorMessage(err))
	var e *civicgrid.Error
	if errors.As(err, &e) {
		for k, v := range e.Details {
			out.WithDetail(k, v)
		}
	}
	if parentField == "" {
		return out
	}
	if f, ok := out.Details["field"].(string); ok && f != "" {
		out.Details["field"] = parentField + "." + f
	} else {
		out.WithDetail("field", parentField)
	}
	return out
}

func checkName(field, what, s string, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return invalid(field, "%s must not be empty", what)
	}
	if n := len([]rune(s)); n > MaxNameLen {
		return invalid(field, "%s is %d characters long; at most %d are allowed", what, n, MaxNameLen)
	}
	return nil
}

// Approximate conversion of limits to natural time, used only to compare limits counted in
// different units (is "urgent" really faster than "normal"?). It assumes 8 working hours make a
// working day and 5 working days make a week of 7 natural days, so one working day is about 1.4
// natural days (2016 minutes) and one working hour about 252 natural minutes. Real deadlines are
// always computed exactly on the working calendar; this is never used for them.
const (
	approxWorkingDayMinutes  = 7 * 24 * 60 / 5
	approxWorkingHourMinutes = approxWorkingDayMinutes / 8
)

// ApproxNaturalMinutes returns the approximate length of l in natural minutes (see the constants
// above); 0 for the zero limit or an unknown unit.
func ApproxNaturalMinutes(l calendar.Limit) int {
	switch l.Unit {
	case calendar.NaturalHours:
		return l.Amount * 60
	case calendar.NaturalDays:
		return l.Amount * 24 * 60
	case calendar.WorkingHours:
		return l.Amount * approxWorkingHourMinutes
	case calendar.WorkingDays:
		return l.Amount * approxWorkingDayMinutes
	}
	return 0
}

var unitZh = map[calendar.Unit]string{
	calendar.WorkingHours: "工作时",
	calendar.WorkingDays:  "工作日",
	calendar.NaturalHours: "小时",
	calendar.NaturalDays:  "自然日",
}

// LimitText renders a limit for people, e.g. "2 working_hours".
func LimitText(l calendar.Limit) string {
	if l.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%d %s", l.Amount, l.Unit)
}

// LimitTextZh renders a limit in Chinese, e.g. "2工作时".
func LimitTextZh(l calendar.Limit) string {
	if l.IsZero() {
		return "不限"
	}
	return fmt.Sprintf("%d%s", l.Amount, unitZh[l.Unit])
}

// Validate checks the limits of one urgency level: every stage and the whole case carry a valid,
// non-zero limit, no unknown stage is named, and no stage is longer than the whole case.
func (l Limits) Validate() error {
	for _, s := range Stages {
		lim, ok := l.Stages[s]
		if !ok || lim.IsZero() {
			return invalid("stages."+string(s), "stage %s needs a time limit (every stage of accept, confirm, file, dispatch, sign, handle, check does)", s)
		}
		if err := lim.Validate(); err != nil {
			return within(err, "stage "+string(s), "stages."+string(s))
		}
	}
	if len(l.Stages) != len(Stages) {
		for s := range l.Stages {
			if !knownStage(s) {
				return invalid("stages."+string(s), "stage %q is not one of accept, confirm, file, dispatch, sign, handle, check", s)
			}
		}
	}
	if l.Whole.IsZero() {
		return invalid("whole", "the whole case needs a time limit")
	}
	if err := l.Whole.Validate(); err != nil {
		return within(err, "whole case", "whole")
	}
	whole := ApproxNaturalMinutes(l.Whole)
	for _, s := range Stages {
		if lim := l.Stages[s]; ApproxNaturalMinutes(lim) > whole {
			return invalid("whole", "the whole-case limit (%s) is shorter than the %s stage (%s); no stage may outlast the whole case", LimitText(l.Whole), s, LimitText(lim))
		}
	}
	return nil
}

func knownStage(s Stage) bool {
	for _, k := range Stages {
		if k == s {
			return true
		}
	}
	return false
}

func knownUrgency(u Urgency) bool {
	for _, k := range Urgencies {
		if k == u {
			return true
		}
	}
	return false
}

// Validate checks a matter type on its own.
func (m *MatterType) Validate() error {
	letter, ok := kindLetter[m.Kind]
	if !ok {
		return invalid("kind", "matter type %s: kind %q is not one of component, event, hotline", m.Code, m.Kind)
	}
	if !matterCodeRe.MatchString(m.Code) {
		return invalid("code", "matter code %q must be a kind letter (C component, E event, H hotline) followed by 2 to 6 digits, e.g. C0101", m.Code)
	}
	if m.Code[0] != letter {
		return invalid("code", "matter code %q must start with %c for a %s", m.Code, letter, m.Kind)
	}
	if !classCodeRe.MatchString(m.ClassCode) || !strings.HasPrefix(m.Code, m.ClassCode) {
		return invalid("class_code", "matter type %s: class code %q must be the first three characters of the code (%s)", m.Code, m.ClassCode, m.Code[:min(3, len(m.Code))])
	}
	if m.Kind != Hotline && len(m.Code) == len(m.ClassCode) {
		return invalid("code", "matter code %q names only a class; a %s needs an item number after the class, e.g. %s01", m.Code, m.Kind, m.ClassCode)
	}
	for _, n := range []struct{ field, what, v string }{
		{"name_zh", "Chinese name", m.NameZh},
		{"name_en", "English name", m.NameEn},
		{"class_zh", "Chinese class name", m.ClassZh},
		{"class_en", "English class name", m.ClassEn},
	} {
		if err := checkName(n.field, n.what, n.v, true); err != nil {
			return within(err, "matter type "+m.Code, "")
		}
	}
	if err := m.validateKeywords(); err != nil {
		return err
	}
	if !knownUrgency(m.DefaultUrgency) {
		return invalid("default_urgency", "matter type %s: default urgency %q is not one of normal, urgent, critical", m.Code, m.DefaultUrgency)
	}
	if err := m.validateDeadlines(); err != nil {
		return err
	}
	if m.WarnPercent < 1 || m.WarnPercent > 99 {
		return invalid("warn_percent", "matter type %s: warning threshold must be between 1 and 99 percent of a limit, got %d", m.Code, m.WarnPercent)
	}
	if math.IsNaN(m.DuplicateRadiusM) || m.DuplicateRadiusM < 0 || m.DuplicateRadiusM > MaxDuplicateM {
		return invalid("duplicate_radius_m", "matter type %s: duplicate radius must be between 0 and %d metres, got %v", m.Code, MaxDuplicateM, m.DuplicateRadiusM)
	}
	if m.DuplicateWindow < 0 || m.DuplicateWindow > MaxDuplicateWindow {
		return invalid("duplicate_window", "matter type %s: duplicate window must be between 0 and 30 days, got %s", m.Code, m.DuplicateWindow)
	}
	return m.validateFields()
}

func (m *MatterType) validateKeywords() error {
	if len(m.Keywords) > MaxKeywords {
		return invalid("keywords", "matter type %s has %d keywords; at most %d are allowed", m.Code, len(m.Keywords), MaxKeywords)
	}
	seen := map[string]bool{}
	for i, k := range m.Keywords {
		if strings.TrimSpace(k) == "" || len([]rune(k)) > MaxKeywordLen {
			return invalid("keywords", "matter type %s: keyword %d must be 1 to %d characters", m.Code, i+1, MaxKeywordLen)
		}
		if seen[k] {
			return invalid("keywords", "matter type %s: keyword %q appears twice", m.Code, k)
		}
		seen[k] = true
	}
	return nil
}

// validateDeadlines checks every urgency's limits, then that a more urgent level is never slower
// than a less urgent one for handling and for the whole case (compared approximately, see
// ApproxNaturalMinutes).
func (m *MatterType) validateDeadlines() error {
	for u := range m.Deadlines {
		if !knownUrgency(u) {
			return invalid("deadlines", "matter type %s: deadlines name urgency %q, which is not one of normal, urgent, critical", m.Code, u)
		}
	}
	for _, u := range Urgencies {
		l, ok := m.Deadlines[u]
		if !ok {
			return invalid("deadlines."+string(u), "matter type %s needs deadlines for urgency %s (every one of normal, urgent, critical)", m.Code, u)
		}
		if err := l.Validate(); err != nil {
			return within(err, fmt.Sprintf("matter type %s, %s deadlines", m.Code, u), "deadlines."+string(u))
		}
	}
	for i := 1; i < len(Urgencies); i++ {
		slower, faster := Urgencies[i-1], Urgencies[i]
		ls, lf := m.Deadlines[slower], m.Deadlines[faster]
		pairs := []struct {
			what, field string
			s, f        calendar.Limit
		}{
			{"handle stage", "stages.handle", ls.Stages[StageHandle], lf.Stages[StageHandle]},
			{"whole case", "whole", ls.Whole, lf.Whole},
		}
		for _, p := range pairs {
			if ApproxNaturalMinutes(p.f) > ApproxNaturalMinutes(p.s) {
				return invalid("deadlines."+string(faster)+"."+p.field,
					"matter type %s: the %s limit for %s (%s) is slower than for %s (%s); a more urgent level must not be slower (compared at 8 working hours a working day, 5 working days ≈ 7 natural days)",
					m.Code, p.what, faster, LimitText(p.f), slower, LimitText(p.s))
			}
		}
	}
	return nil
}

func (m *MatterType) validateFields() error {
	if len(m.Fields) > MaxFields {
		return invalid("fields", "matter type %s has %d extra fields; at most %d are allowed", m.Code, len(m.Fields), MaxFields)
	}
	seen := map[string]bool{}
	for i := range m.Fields {
		f := &m.Fields[i]
		if err := f.Validate(); err != nil {
			return within(err, "matter type "+m.Code, fmt.Sprintf("fields[%d]", i))
		}
		if seen[f.Code] {
			return invalid(fmt.Sprintf("fields[%d].code", i), "matter type %s: field code %q appears twice", m.Code, f.Code)
		}
		seen[f.Code] = true
	}
	return nil
}

// Validate checks one extra field: its code, names and type, and that list types (and only they)
// carry values with unique keys.
func (f *Field) Validate() error {
	if !fieldCodeRe.MatchString(f.Code) {
		return invalid("code", "field code %q must start with a lower-case letter followed by up to 31 lower-case letters, digits or _", f.Code)
	}
	if err := checkName("name_zh", "field "+f.Code+" Chinese name", f.NameZh, true); err != nil {
		return err
	}
	if err := checkName("name_en", "field "+f.Code+" English name", f.NameEn, true); err != nil {
		return err
	}
	switch f.Type {
	case FieldSingleValueList, FieldMultiValueList:
		if len(f.Values) == 0 {
			return invalid("values", "field %s of type %s needs at least one value", f.Code, f.Type)
		}
		if len(f.Values) > MaxFieldValues {
			return invalid("values", "field %s has %d values; at most %d are allowed", f.Code, len(f.Values), MaxFieldValues)
		}
	case FieldString, FieldNumber, FieldDatetime, FieldText:
		if len(f.Values) > 0 {
			return invalid("values", "field %s of type %s must not have values; only singlevaluelist and multivaluelist do", f.Code, f.Type)
		}
	default:
		return invalid("type", "field %s: type %q is not one of string, number, datetime, text, singlevaluelist, multivaluelist", f.Code, f.Type)
	}
	keys := map[string]bool{}
	for i, v := range f.Values {
		if strings.TrimSpace(v.Key) == "" || len([]rune(v.Key)) > MaxNameLen {
			return invalid(fmt.Sprintf("values[%d].key", i), "field %s: value %d needs a key of 1 to %d characters", f.Code, i+1, MaxNameLen)
		}
		if keys[v.Key] {
			return invalid(fmt.Sprintf("values[%d].key", i), "field %s: value key %q appears twice", f.Code, v.Key)
		}
		keys[v.Key] = true
		if err := checkName(fmt.Sprintf("values[%d].name_zh", i), "field "+f.Code+" value "+v.Key+" Chinese name", v.NameZh, true); err != nil {
			return err
		}
		if err := checkName(fmt.Sprintf("values[%d].name_en", i), "field "+f.Code+" value "+v.Key+" English name", v.NameEn, false); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks one row of the responsibility list on its own: the matter code, the scope, the
// mode and that the lead and assisting units fit the mode (综合管理 is led by the territory,
// 专业管理 by a department, 协助管理 names at least one assisting unit).
func (e *ResponsibilityEntry) Validate() error {
	if !matterCodeRe.MatchString(e.MatterCode) {
		return invalid("matter_code", "responsibility entry: matter code %q must be a kind letter (C, E, H) followed by 2 to 6 digits", e.MatterCode)
	}
	if e.Scope != "" && !scopeRe.MatchString(e.Scope) {
		return invalid("scope", "responsibility entry for %s: scope %q must be empty (everywhere) or a jurisdiction code (12-digit division code, or a grid code)", e.MatterCode, e.Scope)
	}
	if e.Lead != TerritoryLead && !deptKindRe.MatchString(e.Lead) {
		return invalid("lead", "responsibility entry for %s: lead %q must be %q or a department kind of lower-case letters, digits and _ (e.g. chengguan)", e.MatterCode, e.Lead, TerritoryLead)
	}
	switch e.LeadLevel {
	case "", LeadStreet:
	case LeadCommunity:
		if e.Lead != TerritoryLead {
			return invalid("lead_level", "responsibility entry for %s: lead level community is only for the territorial lead, not for department %q", e.MatterCode, e.Lead)
		}
	default:
		return invalid("lead_level", "responsibility entry for %s: lead level %q is not one of street, community (or empty for street)", e.MatterCode, e.LeadLevel)
	}
	switch e.Mode {
	case Comprehensive:
		if e.Lead != TerritoryLead {
			return invalid("lead", "responsibility entry for %s: comprehensive management (综合管理) is led by the territory, so lead must be %q, not %q", e.MatterCode, TerritoryLead, e.Lead)
		}
	case Professional:
		if e.Lead == TerritoryLead {
			return invalid("lead", "responsibility entry for %s: professional management (专业管理) is led by a department kind, not %q", e.MatterCode, TerritoryLead)
		}
	case Assisted:
		if len(e.Assisting) == 0 {
			return invalid("assisting", "responsibility entry for %s: assisted management (协助管理) must name at least one assisting unit", e.MatterCode)
		}
	default:
		return invalid("mode", "responsibility entry for %s: mode %q is not one of comprehensive, professional, assisted", e.MatterCode, e.Mode)
	}
	if e.Mode != Assisted && len(e.Assisting) > 0 {
		return invalid("assisting", "responsibility entry for %s: only assisted management (协助管理) names assisting units; mode is %s", e.MatterCode, e.Mode)
	}
	seen := map[string]bool{e.Lead: true}
	for i, a := range e.Assisting {
		if a != TerritoryLead && !deptKindRe.MatchString(a) {
			return invalid(fmt.Sprintf("assisting[%d]", i), "responsibility entry for %s: assisting unit %q must be %q or a department kind", e.MatterCode, a, TerritoryLead)
		}
		if seen[a] {
			return invalid(fmt.Sprintf("assisting[%d]", i), "responsibility entry for %s: %q is named twice among the lead and assisting units", e.MatterCode, a)
		}
		seen[a] = true
	}
	if n := len([]rune(e.Note)); n > MaxNoteLen {
		return invalid("note", "responsibility entry for %s: note is %d characters; at most %d are allowed", e.MatterCode, n, MaxNoteLen)
	}
	return nil
}

// Validate checks one row of the community admission list on its own.
func (a *AdmissionEntry) Validate() error {
	if !matterCodeRe.MatchString(a.MatterCode) {
		return invalid("matter_code", "admission entry: matter code %q must be a kind letter (C, E, H) followed by 2 to 6 digits", a.MatterCode)
	}
	if !scopeRe.MatchString(a.Scope) || len(a.Scope) != 12 {
		return invalid("scope", "admission entry for %s: scope %q must be the 12-digit code of a district, street or community", a.MatterCode, a.Scope)
	}
	if n := len([]rune(a.Note)); n > MaxNoteLen {
		return invalid("note", "admission entry for %s: note is %d characters; at most %d are allowed", a.MatterCode, n, MaxNoteLen)
	}
	return nil
}

// ValidateCatalogue checks a whole catalogue with its lists: every matter type, responsibility and
// admission entry is valid on its own, matter codes are unique, every list row names a matter type
// of the catalogue, no (matter type, scope) pair has two responsibility rows or two admission rows,
// and every active matter type has a responsibility row for everywhere (scope "") so that routing
// always has a fallback.
func ValidateCatalogue(types []MatterType, list []ResponsibilityEntry, adm []AdmissionEntry) error {
	codes := make(map[string]bool, len(types))
	for i := range types {
		if err := types[i].Validate(); err != nil {
			return err
		}
		if codes[types[i].Code] {
			return invalid("code", "matter code %s appears twice in the catalogue", types[i].Code)
		}
		codes[types[i].Code] = true
	}
	covered := map[string]bool{}
	rows := map[[2]string]bool{}
	for i := range list {
		e := &list[i]
		if err := e.Validate(); err != nil {
			return err
		}
		if !codes[e.MatterCode] {
			return invalid("matter_code", "responsibility entry names matter type %s, which is not in the catalogue", e.MatterCode)
		}
		k := [2]string{e.MatterCode, e.Scope}
		if rows[k] {
			return invalid("scope", "responsibility list has two rows for matter type %s with scope %q", e.MatterCode, e.Scope)
		}
		rows[k] = true
		if e.Scope == "" {
			covered[e.MatterCode] = true
		}
	}
	for i := range types {
		if types[i].Active && !covered[types[i].Code] {
			return invalid("matter_code", "active matter type %s %s has no responsibility entry for everywhere (scope \"\")", types[i].Code, types[i].NameZh)
		}
	}
	admitted := map[[2]string]bool{}
	for i := range adm {
		a := &adm[i]
		if err := a.Validate(); err != nil {
			return err
		}
		if !codes[a.MatterCode] {
			return invalid("matter_code", "admission entry names matter type %s, which is not in the catalogue", a.MatterCode)
		}
		k := [2]string{a.MatterCode, a.Scope}
		if admitted[k] {
			return invalid("scope", "admission list names matter type %s twice for scope %s", a.MatterCode, a.Scope)
		}
		admitted[k] = true
	}
	return nil
}
