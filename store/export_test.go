package store

// SetBeforeGroupCommit installs a hook that runs inside every group-commit batch after its
// statements and before its COMMIT (an error fails the batch). It reports false when the database
// has no group committer.
func SetBeforeGroupCommit(db *DB, hook func(n int) error) bool {
	if db.group == nil {
		return false
	}
	db.group.beforeCommit.Store(&hook)
	return true
}

// QueuedCreates is the number of case creations waiting for the group committer.
func QueuedCreates(db *DB) int {
	if db.group == nil {
		return 0
	}
	return len(db.group.reqs)
}

// PreparedStatements waits until the statements being prepared in the background are ready and
// reports how many texts each SQLite pool keeps prepared (-1, -1 on PostgreSQL).
func PreparedStatements(db *DB) (write, read int) {
	count := func(c *stmtCache) int {
		if c == nil {
			return -1
		}
		c.wg.Wait()
		c.mu.Lock()
		defer c.mu.Unlock()
		n := 0
		for _, s := range c.m {
			if s != nil {
				n++
			}
		}
		return n
	}
	return count(db.writeStmts), count(db.readStmts)
}
