package store

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite compiles every statement it is given; the platform's statements are a few dozen fixed
// texts, so compiling them again for every request spent about a fifth of a case write's CPU. A
// stmtCache keeps each text prepared once per pool; database/sql then prepares it once on each of
// the pool's connections and reuses it there. PostgreSQL needs none: pgx caches its prepared
// statements per connection itself.
type stmtCache struct {
	pool   *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt // nil value: being prepared, or could not be
	seen   map[string]struct{}  // texts used once, not prepared yet
	closed bool
	wg     sync.WaitGroup
}

// maxCachedStmts bounds the cache: texts built at run time (IN lists of varying length) beyond it
// are compiled each time, as before.
const maxCachedStmts = 512

// maxSeenStmts bounds the texts remembered as used once.
const maxSeenStmts = 4096

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: make(map[string]*sql.Stmt), seen: make(map[string]struct{})}
}

// get is the prepared statement of query, or nil when it is not prepared yet: the caller then runs
// the text directly. A text seen for the first time is prepared in the background — never by the
// caller, which may be holding the pool's only connection (SQLite's writer) in a transaction.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok || c.closed {
		return s
	}
	// A text is prepared on its second use: texts made once (with literal values) never fill the
	// cache.
	if _, again := c.seen[query]; !again {
		if len(c.seen) >= maxSeenStmts {
			clear(c.seen)
		}
		c.seen[query] = struct{}{}
		return nil
	}
	if len(c.m) < maxCachedStmts {
		c.m[query] = nil // being prepared
		c.wg.Add(1)
		go c.prepare(query)
	}
	return nil
}

func (c *stmtCache) prepare(query string) {
	defer c.wg.Done()
	s, err := c.pool.Prepare(query)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
		// Left as nil: the text runs directly and reports its own error.
	case c.closed:
		s.Close()
	default:
		c.m[query] = s
	}
}

// close closes the prepared statements, after waiting for those being prepared.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		if s != nil {
			s.Close()
		}
		delete(c.m, q)
	}
}

// stmt is query prepared for this transaction, or nil to run the text directly.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	s := tx.stmts.get(query)
	if s == nil {
		return nil
	}
	return tx.Tx.StmtContext(ctx, s)
}

// ExecContext runs a statement in the transaction, prepared once where the dialect gains by it.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction, prepared once where the dialect gains by it.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query in the transaction, prepared once where the dialect gains
// by it.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// readPool runs reads outside a transaction, with SQLite's statements kept prepared.
type readPool struct {
	pool  *sql.DB
	stmts *stmtCache
}

// reads is the pool the store's single-statement reads go to.
func (db *DB) reads() readPool { return readPool{pool: db.read, stmts: db.readStmts} }

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if p.stmts != nil {
		if s := p.stmts.get(query); s != nil {
			return s.QueryContext(ctx, args...)
		}
	}
	return p.pool.QueryContext(ctx, query, args...)
}

func (p readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if p.stmts != nil {
		if s := p.stmts.get(query); s != nil {
			return s.QueryRowContext(ctx, args...)
		}
	}
	return p.pool.QueryRowContext(ctx, query, args...)
}
