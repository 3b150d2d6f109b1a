package app

import (
	"context"

	"civicgrid/calendar"
	"civicgrid/catalog"
	"civicgrid/geo"
	"civicgrid/org"
)

// The configuration writes: each stores, then reloads this process's snapshot at once (other
// processes pick the change up through WatchConfig).

// PutUnits inserts or updates units.
func (a *App) PutUnits(ctx context.Context, units []org.Unit) error {
	return a.afterConfigChange(ctx, a.DB.PutUnits(ctx, units))
}

// PutGridShapes stores grid polygons after validating each.
func (a *App) PutGridShapes(ctx context.Context, shapes map[string]geo.MultiPolygon) error {
	for _, mp := range shapes {
		if err := mp.Validate(); err != nil {
			return err
		}
	}
	return a.afterConfigChange(ctx, a.DB.PutGridShapes(ctx, shapes))
}

// PutMatterTypes inserts or replaces matter types.
func (a *App) PutMatterTypes(ctx context.Context, mts []catalog.MatterType) error {
	return a.afterConfigChange(ctx, a.DB.PutMatterTypes(ctx, mts))
}

// ReplaceResponsibilities replaces the responsibility list.
func (a *App) ReplaceResponsibilities(ctx context.Context, list []catalog.ResponsibilityEntry) error {
	return a.afterConfigChange(ctx, a.DB.ReplaceResponsibilities(ctx, list))
}

// ReplaceAdmissions replaces the community admission list.
func (a *App) ReplaceAdmissions(ctx context.Context, list []catalog.AdmissionEntry) error {
	return a.afterConfigChange(ctx, a.DB.ReplaceAdmissions(ctx, list))
}

// PutCalendarHours sets business hours.
func (a *App) PutCalendarHours(ctx context.Context, h calendar.Hours) error {
	return a.afterConfigChange(ctx, a.DB.PutCalendarHours(ctx, h))
}

// PutCalendarDays imports holidays and make-up working days.
func (a *App) PutCalendarDays(ctx context.Context, days []calendar.Day) error {
	return a.afterConfigChange(ctx, a.DB.PutCalendarDays(ctx, days))
}
