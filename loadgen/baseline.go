package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"civicgrid/store"
)

// The bare baseline: an HTTP server that does nothing but one durable insert per request, on a
// database opened exactly as the platform opens it (SQLite: WAL, synchronous=FULL, one writer
// connection; PostgreSQL: the same server and settings). What the platform adds on top of that —
// parsing, authentication, locating, routing, the duplicate check, the hash chain, the projection,
// the deadline marks — shows as the ratio of its figures to the baseline's.

// baselineTable is where the baseline writes; it is dropped again when the baseline closes.
const baselineTable = "bench_baseline"

// maxBaselineBody bounds a baseline request's body.
const maxBaselineBody = 64 << 10

// Baseline is a running bare baseline server.
type Baseline struct {
	URL string
	db  *store.DB
	srv *http.Server
	ln  net.Listener
}

// StartBaseline opens dsn (sqlite:PATH or postgres://...), creates the baseline's table and serves
// POST /insert on a loopback port.
func StartBaseline(ctx context.Context, dsn string) (*Baseline, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	// One autoincrementing key, a time and the request's body: one row, one index, one commit.
	ddl := `CREATE TABLE IF NOT EXISTS ` + baselineTable + ` (id INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT NOT NULL, body TEXT NOT NULL)`
	if db.Dialect() == store.Postgres {
		ddl = `CREATE TABLE IF NOT EXISTS ` + baselineTable + ` (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, body TEXT NOT NULL)`
	}
	if err := db.ExecRaw(ctx, ddl); err != nil {
		db.Close()
		return nil, fmt.Errorf("create the baseline table: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, err
	}
	b := &Baseline{URL: "http://" + ln.Addr().String(), db: db, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /insert", b.insert)
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	return b, nil
}

func (b *Baseline) insert(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBaselineBody))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := b.db.ExecRaw(r.Context(), `INSERT INTO `+baselineTable+` (at, body) VALUES ($1, $2)`, time.Now().UnixMicro(), string(body)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"ok":true}`)
}

// Rows counts the rows the baseline has written.
func (b *Baseline) Rows(ctx context.Context) (int64, error) {
	return b.db.CountRows(ctx, baselineTable)
}

// Close stops the server, drops the baseline's table and closes the database.
func (b *Baseline) Close() error {
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.srv.Shutdown(sctx)
	if e := b.db.ExecRaw(context.Background(), `DROP TABLE IF EXISTS `+baselineTable); err == nil {
		err = e
	}
	if e := b.db.Close(); err == nil {
		err = e
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// RunBaseline drives the baseline with concurrency clients for the duration (or maxRequests),
// each posting a body the size of an Open311 report.
func RunBaseline(ctx context.Context, baseURL string, concurrency int, duration time.Duration, maxRequests int64, seed uint64) (OpStats, error) {
	cfg := Config{BaseURL: baseURL, Concurrency: concurrency, Duration: duration, MaxRequests: maxRequests}
	if err := cfg.checkBounds(); err != nil {
		return OpStats{}, err
	}
	r := &runner{cfg: cfg, client: NewClient(concurrency), rec: newRecorder()}
	defer r.client.CloseIdleConnections()
	start := time.Now()
	r.deadline = start.Add(duration)
	rctx, cancel := context.WithDeadline(ctx, r.deadline)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(seed, uint64(w)))
			for i := 0; r.take(rctx); i++ {
				body := fmt.Sprintf("api_key=baseline&service_code=E0502&lat=31.%06d&long=121.%06d&description=%s&first_name=x&last_name=y&phone=139%08d",
					rnd.IntN(1e6), rnd.IntN(1e6), strings.Repeat("%E5%B1%85", 40), rnd.IntN(1e8))
				r.do(rctx, OpBaseline, "POST", "/insert", "", "application/x-www-form-urlencoded", strings.NewReader(body), http.StatusCreated, nil)
			}
		}()
	}
	wg.Wait()
	ops := r.rec.stats(time.Since(start), OpOrder)
	if len(ops) == 0 {
		return OpStats{Op: OpBaseline}, nil
	}
	return ops[0], nil
}
