package calendar

import (
	"civicgrid"
)

// Unit is how a time limit is counted.
type Unit string

const (
	WorkingHours Unit = "working_hours" // 工作时: only business hours on working days count
	WorkingDays  Unit = "working_days"  // 工作日: ends at close of business on the Nth working day after the start day
	NaturalHours Unit = "natural_hours" // 自然时: wall-clock hours
	NaturalDays  Unit = "natural_days"  // 自然日: 24-hour days of wall-clock time
)

// Limit is a time allowance such as "2 working hours" or "5 working days".
type Limit struct {
	Amount int  `json:"amount"`
	Unit   Unit `json:"unit"`
}

// MaxLimitAmount bounds a single limit so that arithmetic stays within a sane horizon.
const MaxLimitAmount = 10000

// Validate reports whether l is a usable limit. The zero Limit means "no limit" and is valid.
func (l Limit) Validate() error {
	if l.IsZero() {
		return nil
	}
	if l.Amount <= 0 || l.Amount > MaxLimitAmount {
		return civicgrid.Errorf(civicgrid.EINVALID, "limit amount must be between 1 and %d, got %d", MaxLimitAmount, l.Amount)
	}
	switch l.Unit {
	case WorkingHours, WorkingDays, NaturalHours, NaturalDays:
		return nil
	}
	return civicgrid.Errorf(civicgrid.EINVALID, "limit unit %q is not one of working_hours, working_days, natural_hours, natural_days", l.Unit)
}

// IsZero reports whether l sets no limit.
func (l Limit) IsZero() bool { return l.Amount == 0 && l.Unit == "" }

// Working reports whether the limit is counted on the working clock (business hours only).
func (l Limit) Working() bool { return l.Unit == WorkingHours || l.Unit == WorkingDays }
