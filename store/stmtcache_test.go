package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"civicgrid/store"
	"civicgrid/store/storetest"
)

// TestPreparedStatements: SQLite's statements are kept prepared after their first use — also a
// text first seen inside a write transaction, which holds the writer's only connection (preparing
// it there would wait for that connection forever) — and give the same answers prepared as sent
// as text. PostgreSQL keeps no cache of the store's own (pgx caches per connection).
func TestPreparedStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.MustOpen(t, dsn)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		w0, r0 := store.PreparedStatements(db)
		for round := 0; round < 3; round++ {
			// The first round sends the texts, the second prepares them behind (a text is kept
			// only when it comes again), the third runs them prepared. A write of a fresh kind inside the writer's transaction must not hang.
			if err := db.Audit(ctx, store.AuditEntry{Actor: "test", Kind: "stmt_test", Object: fmt.Sprint(round)}); err != nil {
				t.Fatalf("round %d: write: %v", round, err)
			}
			log, err := db.AuditLog(ctx, "stmt_test", 10)
			if err != nil {
				t.Fatalf("round %d: read: %v", round, err)
			}
			if len(log) != round+1 || log[0].Object != fmt.Sprint(round) {
				t.Fatalf("round %d: the log holds %d entries, newest %+v", round, len(log), log[0])
			}
			if ctx.Err() != nil {
				t.Fatal("a statement waited for a connection held by its own transaction")
			}
		}
		w, r := store.PreparedStatements(db)
		if db.Dialect() == store.Postgres {
			if w != -1 || r != -1 {
				t.Fatalf("PostgreSQL keeps %d/%d statements of its own", w, r)
			}
			return
		}
		if w <= w0 || r <= r0 {
			t.Fatalf("prepared statements: writer %d → %d, readers %d → %d; want both to grow", w0, w, r0, r)
		}
	})
}
