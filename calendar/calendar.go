// Package calendar is the working calendar: business hours per weekday with a lunch break, statutory
// holidays and make-up working days (调休) as data, and exact deadline arithmetic in working minutes.
package calendar

// Calendar answers working-time questions. Build it with New.
type Calendar struct{}
