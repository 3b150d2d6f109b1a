package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
	"civicgrid/web"
)

// Credentials of the benchmark server's demo district.
const (
	benchKey      = "bench-open311-key"
	benchPassword = "bench-password-1"
)

// benchStart is a Monday morning on the working calendar.
var benchStart = time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.China)

// benchMatters are matter types without required attributes that residents report through Open311.
var benchMatters = []string{"E0502", "E0101", "E0501", "E0504", "E0103", "E0107"}

// benchServer is a real HTTP server over a fresh database holding the demo district, and a client
// that keeps enough connections open for parallel benchmarks.
type benchServer struct {
	srv    *httptest.Server
	db     *store.DB
	client *http.Client
	bodies [][]byte // report bodies, one per grid and matter type
}

func newBenchServer(tb testing.TB, dsn string) *benchServer {
	tb.Helper()
	ctx := context.Background()
	db := storetest.MustOpen(tb, dsn)
	if _, err := demo.Load(ctx, db, benchKey, benchPassword); err != nil {
		tb.Fatalf("load demo district: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, db, clock.NewFake(benchStart), log)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(a, log))
	tb.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}
	tb.Cleanup(tr.CloseIdleConnections)

	// Reports at the centre of every demo grid, cycling through the matter types, so that locating,
	// routing and the duplicate check see the whole district.
	shapes := demo.Baoshan().Grids
	grids := make([]string, 0, len(shapes))
	for id := range shapes {
		grids = append(grids, id)
	}
	sort.Strings(grids)
	s := &benchServer{srv: srv, db: db, client: &http.Client{Transport: tr}}
	for _, matter := range benchMatters {
		for i, id := range grids {
			pt := demo.GridCentre(shapes[id])
			body, err := json.Marshal(map[string]any{
				"matter_code": matter, "description": fmt.Sprintf("居民反映第%d处问题，请尽快处理", i+1),
				"lat": pt.Lat, "lon": pt.Lon,
				"reporter": map[string]any{"name": "王先生", "phone": "13900001111"},
			})
			if err != nil {
				tb.Fatal(err)
			}
			s.bodies = append(s.bodies, body)
		}
	}
	return s
}

// create posts report i as the Open311 client and returns an error unless a case was created.
func (s *benchServer) create(i int) error {
	req, err := http.NewRequest("POST", s.srv.URL+"/api/v1/cases", bytes.NewReader(s.bodies[i%len(s.bodies)]))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", benchKey)
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST /api/v1/cases: status %d: %s", res.StatusCode, body)
	}
	return nil
}

// checkCount fails unless the database holds exactly want cases.
func (s *benchServer) checkCount(tb testing.TB, want int) {
	tb.Helper()
	counts, err := s.db.CountCases(context.Background(), store.CaseFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	got := 0
	for _, n := range counts {
		got += n
	}
	if got != want {
		tb.Fatalf("the database holds %d cases after %d created", got, want)
	}
}

// BenchmarkCreateCaseHTTP posts Open311 reports one after another through the real server: decode,
// API-key check, locate, route, duplicate check, the report event, projection, deadline marks and
// commit, and the JSON answer. Allocations count client and server together.
func BenchmarkCreateCaseHTTP(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		s := newBenchServer(b, newDSN(b))
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if err := s.create(n); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.StopTimer()
		s.checkCount(b, n)
	})
}

// BenchmarkCreateCaseHTTPParallel is BenchmarkCreateCaseHTTP with 4×GOMAXPROCS clients posting at
// once over kept-alive connections.
func BenchmarkCreateCaseHTTPParallel(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		s := newBenchServer(b, newDSN(b))
		var next, failed atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.create(int(next.Add(1) - 1)); err != nil {
					if failed.Add(1) == 1 {
						b.Error(err)
					}
				}
			}
		})
		b.StopTimer()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d requests failed", failed.Load(), next.Load())
		}
		s.checkCount(b, int(next.Load()))
	})
}
