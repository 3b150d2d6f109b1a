package app

import (
	"context"
	"fmt"
	"strings"

	"civicgrid"
	"civicgrid/casework"
)

// The resident portal: residents have no accounts, so the tracking code a report hands back is
// what lets its reporter follow and rate the case.

// NormalizeTrackingCode is a tracking code as stored: trimmed, upper case, without the spaces or
// hyphens a person may type when copying it.
func NormalizeTrackingCode(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	return strings.NewReplacer(" ", "", "-", "").Replace(code)
}

// CaseByTrackingCode returns the case a tracking code belongs to. Unknown and malformed codes are
// ENOTFOUND alike.
func (a *App) CaseByTrackingCode(ctx context.Context, code string) (*casework.Case, error) {
	code = NormalizeTrackingCode(code)
	if code == "" || len(code) > 40 {
		return nil, civicgrid.Errorf(civicgrid.ENOTFOUND, "no case with this tracking code")
	}
	return a.DB.CaseByTrackingCode(ctx, code)
}

// RateAsReporter records the reporter's rating of a closed case, the reporter being whoever holds
// its tracking code (casework.ReporterByCode). The casework rules decide the rest: one rating per
// closure, and dissatisfaction within RatingWindow reopens the case into rework.
func (a *App) RateAsReporter(ctx context.Context, trackingCode string, rating casework.Rating) (*casework.Case, error) {
	found, err := a.CaseByTrackingCode(ctx, trackingCode)
	if err != nil {
		return nil, err
	}
	code := found.TrackingCode
	cfg := a.Config()
	return a.DB.ActOnCase(ctx, found.ID, func(c *casework.Case) (casework.Event, error) {
		mt, ok := cfg.Matters[c.MatterCode]
		if !ok {
			return casework.Event{}, fmt.Errorf("case %d has matter type %s, which left the catalogue", c.ID, c.MatterCode)
		}
		return casework.Decide(c, casework.ReporterByCode(code), casework.ActRate, casework.Input{Rating: rating}, a.env(cfg, mt, c.Urgency))
	})
}
