package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"civicgrid"
	"civicgrid/casework"
)

// Group commit for SQLite intake. SQLite has one writer and every durable commit costs an fsync;
// one transaction per new case therefore caps intake at the disk's fsync rate, however many
// requests wait. The group committer takes the case creations that are waiting, runs each in its
// own SAVEPOINT inside one transaction and commits them with one fsync:
//
//   - a request that fails (a bad event, a constraint) rolls back to its savepoint and fails
//     alone; the others in the batch still commit;
//   - every caller is answered only after the COMMIT has returned, so an acknowledged case is as
//     durable as with a transaction of its own (synchronous=FULL);
//   - the idempotency key works across and within batches: a second request with the key finds
//     the first one's case in the same transaction and gets created=false.
//
// A batch is whatever is waiting when the writer is free (at most maxGroupBatch): no request is
// held back to wait for others, so a lone request costs what it did before. PostgreSQL overlaps
// transactions itself and keeps one transaction per case.

// maxGroupBatch bounds the cases committed together; past it the rest wait for the next batch.
const maxGroupBatch = 128

type createRequest struct {
	ctx          context.Context
	idemKey      string
	trackingCode string
	build        func(id int64) (casework.Event, error)
	done         chan createResult // buffered: the committer never blocks on a caller
}

type createResult struct {
	c       *casework.Case
	created bool
	err     error
}

// GroupCommitStats counts the work of the group committer since the database was opened.
type GroupCommitStats struct {
	Batches  int64 // transactions committed (or failed) by the committer
	Cases    int64 // case creations they carried
	MaxBatch int64 // the largest batch
}

type groupCommitter struct {
	db      *DB
	reqs    chan *createRequest
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once

	batches, cases, maxBatch atomic.Int64

	// beforeCommit, when set (tests only), runs after a batch's statements and before its COMMIT;
	// an error from it fails the batch.
	beforeCommit atomic.Pointer[func(n int) error]
}

func newGroupCommitter(db *DB) *groupCommitter {
	g := &groupCommitter{db: db, reqs: make(chan *createRequest, 4*maxGroupBatch), quit: make(chan struct{}), stopped: make(chan struct{})}
	go g.loop()
	return g
}

// SetGroupCommit turns group commit of case creations on or off (on by default for SQLite; it
// has no effect on PostgreSQL). Call it before the database is in use.
func (db *DB) SetGroupCommit(on bool) {
	if db.dialect != SQLite {
		return
	}
	if on && db.group == nil {
		db.group = newGroupCommitter(db)
	}
	if !on && db.group != nil {
		db.group.stop()
		db.group = nil
	}
}

// GroupCommitStats reports what the group committer has done (zero when it is off).
func (db *DB) GroupCommitStats() GroupCommitStats {
	g := db.group
	if g == nil {
		return GroupCommitStats{}
	}
	return GroupCommitStats{Batches: g.batches.Load(), Cases: g.cases.Load(), MaxBatch: g.maxBatch.Load()}
}

// stop ends the committer after the batch in progress; requests still queued are refused.
func (g *groupCommitter) stop() {
	g.once.Do(func() { close(g.quit) })
	<-g.stopped
}

func errCommitterClosed() error {
	return civicgrid.Errorf(civicgrid.EUNAVAILABLE, "the database is closing; the case was not created")
}

// create queues one case creation and waits for the COMMIT of the batch that carried it.
func (g *groupCommitter) create(ctx context.Context, idemKey, trackingCode string, build func(id int64) (casework.Event, error)) (*casework.Case, bool, error) {
	r := &createRequest{ctx: ctx, idemKey: idemKey, trackingCode: trackingCode, build: build, done: make(chan createResult, 1)}
	select {
	case g.reqs <- r:
	case <-g.quit:
		return nil, false, errCommitterClosed()
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	// Once queued, the request is answered whatever happens to ctx: it may already be in a batch,
	// and its outcome is known only after the commit.
	select {
	case res := <-r.done:
		return res.c, res.created, res.err
	case <-g.stopped:
		select {
		case res := <-r.done:
			return res.c, res.created, res.err
		default:
			return nil, false, errCommitterClosed()
		}
	}
}

func (g *groupCommitter) loop() {
	defer close(g.stopped)
	for {
		var first *createRequest
		select {
		case first = <-g.reqs:
		case <-g.quit:
			return
		}
		batch := []*createRequest{first}
	collect:
		for len(batch) < maxGroupBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		g.run(batch)
	}
}

// run commits one batch and answers its callers.
func (g *groupCommitter) run(batch []*createRequest) {
	results := make([]createResult, len(batch))
	// The batch's statements do not belong to any one caller: a caller that goes away must not
	// roll back the others' cases.
	ctx := context.Background()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = g.db.once(ctx, g.db.write, false, func(tx *Tx) error {
			for i, r := range batch {
				if e := r.ctx.Err(); e != nil {
					results[i] = createResult{err: e}
					continue
				}
				res, fatal := createInSavepoint(ctx, tx, r)
				if fatal != nil {
					return fatal
				}
				results[i] = res
			}
			if hook := g.beforeCommit.Load(); hook != nil {
				return (*hook)(len(batch))
			}
			return nil
		})
		if err == nil || !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	g.batches.Add(1)
	g.cases.Add(int64(len(batch)))
	for n := int64(len(batch)); ; {
		m := g.maxBatch.Load()
		if n <= m || g.maxBatch.CompareAndSwap(m, n) {
			break
		}
	}
	for i, r := range batch {
		if err != nil {
			results[i] = createResult{err: err}
		}
		r.done <- results[i]
	}
}

// createInSavepoint runs one case creation under a savepoint. Its own failure is its result and
// leaves the transaction as it was before it; a failure of the savepoint statements themselves is
// fatal for the whole batch.
func createInSavepoint(ctx context.Context, tx *Tx, r *createRequest) (createResult, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT case_create`); err != nil {
		return createResult{}, err
	}
	var res createResult
	for attempt := 0; attempt < 3; attempt++ {
		c, created, err := createGuarded(ctx, tx, r)
		if err == nil {
			res = createResult{c: c, created: created}
			break
		}
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO case_create`); rerr != nil {
			return createResult{}, rerr
		}
		res = createResult{err: err}
		if !isUniqueViolation(err) {
			break
		}
		res.err = errConcurrentCreate()
	}
	if _, err := tx.ExecContext(ctx, `RELEASE case_create`); err != nil {
		return createResult{}, err
	}
	return res, nil
}

// createGuarded runs the case write, turning a panic in it (in the caller's event builder, say)
// into that request's error: in a handler it would have cost one request, and here it must not
// take the committer, and every request after it, down.
func createGuarded(ctx context.Context, tx *Tx, r *createRequest) (c *casework.Case, created bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, created, err = nil, false, civicgrid.Errorf(civicgrid.EINTERNAL, "creating the case failed: %v", p)
		}
	}()
	return createCaseTx(ctx, tx, r.idemKey, r.trackingCode, r.build)
}
