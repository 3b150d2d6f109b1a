// Package app is the application layer: it combines the domain rules (org, geo, catalog, calendar,
// casework) with the store to carry out what users ask — take a report in, act on a case, fire
// deadline marks — and checks who may see and do what. It holds no SQL and no HTTP.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"civicgrid/calendar"
	"civicgrid/catalog"
	"civicgrid/clock"
	"civicgrid/geo"
	"civicgrid/org"
	"civicgrid/store"
)

// App is the running application over one database.
type App struct {
	DB    *store.DB
	Clock clock.Clock
	Log   *slog.Logger
	// RatingWindow is how long after closing a resident's dissatisfaction reopens the case.
	RatingWindow time.Duration
	// Counters count this process's background work (metrics.go).
	Counters Counters

	cfg      atomic.Pointer[Config]
	reloadMu sync.Mutex
}

// Config is an immutable snapshot of everything that changes rarely and is read on every request:
// the unit tree, the grid index, the catalogue, the lists and the calendar.
type Config struct {
	Version          int64
	Tree             *org.Tree
	Index            *geo.Index
	Matters          map[string]*catalog.MatterType
	MatterList       []catalog.MatterType
	Responsibilities []catalog.ResponsibilityEntry
	Admissions       []catalog.AdmissionEntry
	Calendar         *calendar.Calendar
}

// New returns an App over db and loads its configuration.
func New(ctx context.Context, db *store.DB, clk clock.Clock, log *slog.Logger) (*App, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = slog.Default()
	}
	db.Clock = clk
	a := &App{DB: db, Clock: clk, Log: log, RatingWindow: 7 * 24 * time.Hour}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Config returns the current configuration snapshot.
func (a *App) Config() *Config { return a.cfg.Load() }

// Reload reads the configuration again if its version moved (or always, the first time).
func (a *App) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	v, err := a.DB.ConfigVersion(ctx)
	if err != nil {
		return err
	}
	if cur := a.cfg.Load(); cur != nil && cur.Version == v {
		return nil
	}
	cfg, err := a.loadConfig(ctx, v)
	if err != nil {
		return err
	}
	a.cfg.Store(cfg)
	return nil
}

func (a *App) loadConfig(ctx context.Context, version int64) (*Config, error) {
	units, err := a.DB.Units(ctx)
	if err != nil {
		return nil, err
	}
	tree, err := org.NewTree(units)
	if err != nil {
		return nil, fmt.Errorf("unit tree: %w", err)
	}
	shapes, err := a.DB.GridShapes(ctx)
	if err != nil {
		return nil, err
	}
	features := make([]geo.Feature, 0, len(shapes))
	for id, mp := range shapes {
		features = append(features, geo.Feature{ID: id, Geometry: mp})
	}
	mts, err := a.DB.MatterTypes(ctx)
	if err != nil {
		return nil, err
	}
	matters := make(map[string]*catalog.MatterType, len(mts))
	for i := range mts {
		matters[mts[i].Code] = &mts[i]
	}
	resp, err := a.DB.Responsibilities(ctx)
	if err != nil {
		return nil, err
	}
	adm, err := a.DB.Admissions(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := a.DB.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	return &Config{Version: version, Tree: tree, Index: geo.NewIndex(features), Matters: matters, MatterList: mts,
		Responsibilities: resp, Admissions: adm, Calendar: cal}, nil
}

// WatchConfig reloads the configuration whenever another process changed it, until ctx ends.
func (a *App) WatchConfig(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Reload(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("config reload failed", "err", err)
			}
		}
	}
}

// afterConfigChange reloads at once so that the process that made a change sees it immediately.
func (a *App) afterConfigChange(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	return a.Reload(ctx)
}
