package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"civicgrid/casework"
)

// Problem is one finding of Verify.
type Problem struct {
	CaseID int64  `json:"case_id"`
	What   string `json:"what"`
}

// VerifyReport sums up a Verify run.
type VerifyReport struct {
	Cases    int       `json:"cases"`
	Events   int       `json:"events"`
	Problems []Problem `json:"problems"`
}

// maxProblems bounds the report; a badly damaged database would otherwise fill memory.
const maxProblems = 1000

// Verify checks every case: its hash chain is intact, and its stored projection equals the one
// rebuilt from its events. It reads in batches and never changes anything.
func (db *DB) Verify(ctx context.Context) (VerifyReport, error) {
	rep := VerifyReport{Problems: []Problem{}}
	var after int64
	for {
		var ids []int64
		rows, err := db.reads().QueryContext(ctx, `SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT 500`, after)
		if err != nil {
			return rep, fmt.Errorf("list cases: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return rep, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return rep, db.verifyRollups(ctx, &rep)
		}
		for _, id := range ids {
			if err := db.verifyCase(ctx, id, &rep); err != nil {
				return rep, err
			}
			if len(rep.Problems) >= maxProblems {
				return rep, nil
			}
		}
		after = ids[len(ids)-1]
	}
}

func (db *DB) verifyCase(ctx context.Context, id int64, rep *VerifyReport) error {
	return db.inRead(ctx, func(tx *Tx) error {
		stored, err := loadCase(ctx, tx, id, false)
		if err != nil {
			return err
		}
		events, err := caseEvents(ctx, tx, id)
		if err != nil {
			return err
		}
		rep.Cases++
		rep.Events += len(events)
		add := func(format string, args ...any) {
			rep.Problems = append(rep.Problems, Problem{CaseID: id, What: fmt.Sprintf(format, args...)})
		}
		if err := casework.VerifyChain(events); err != nil {
			add("hash chain broken: %v", err)
			return nil
		}
		rebuilt, err := casework.Rebuild(events)
		if err != nil {
			add("events do not replay: %v", err)
			return nil
		}
		a, _ := json.Marshal(stored)
		b, _ := json.Marshal(rebuilt)
		if !bytes.Equal(a, b) {
			add("stored projection differs from the one rebuilt from %d events", len(events))
			return nil
		}
		// The indexed columns must agree with the projection they were written from.
		var state, light, assigneePath, territoryPath string
		var seq int
		if err := tx.QueryRowContext(ctx, `SELECT state, light, assignee_path, territory_path, seq FROM cases WHERE id = $1`, id).
			Scan(&state, &light, &assigneePath, &territoryPath, &seq); err != nil {
			return err
		}
		if state != string(rebuilt.State) || light != string(rebuilt.Light) || assigneePath != rebuilt.AssigneePath || territoryPath != rebuilt.TerritoryPath || seq != rebuilt.Seq {
			add("indexed columns (state %s, light %s, seq %d) differ from the projection (state %s, light %s, seq %d)", state, light, seq, rebuilt.State, rebuilt.Light, rebuilt.Seq)
		}
		// The pending marks must be exactly those the projection plans.
		want := map[string]int64{}
		for _, m := range casework.PendingMarks(rebuilt) {
			want[m.Clock+"/"+string(m.Kind)] = micros(m.DueAt)
		}
		rows, err := tx.QueryContext(ctx, `SELECT clock, kind, due_at FROM timers WHERE case_id = $1`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		got := map[string]int64{}
		for rows.Next() {
			var clock, kind string
			var due int64
			if err := rows.Scan(&clock, &kind, &due); err != nil {
				return err
			}
			got[clock+"/"+kind] = due
		}
		if len(got) != len(want) {
			add("%d pending deadline marks stored, %d planned by the history", len(got), len(want))
		} else {
			for k, v := range want {
				if got[k] != v {
					add("deadline mark %s due %d stored as %d", k, v, got[k])
				}
			}
		}
		return rows.Err()
	})
}
