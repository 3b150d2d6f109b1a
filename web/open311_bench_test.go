package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"civicgrid/app"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store/storetest"
	"civicgrid/web"
)

// intakeBench is a real HTTP server over a fresh database holding the demo district, with the
// rate limits raised out of the way, and the urlencoded Open311 forms to post to it.
type intakeBench struct {
	*benchServer
	forms []string
}

func newIntakeBench(tb testing.TB, dsn string) *intakeBench {
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
	s := web.NewServer(a, log)
	// One key posts every request from one address, as fast as it can: the limiter still runs on
	// every request (its cost is measured) but never refuses.
	s.Limits.PerKey = web.Rate{PerMinute: 1e9, Burst: 1 << 30}
	s.Limits.PerAddr = web.Rate{PerMinute: 1e9, Burst: 1 << 30}
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}
	tb.Cleanup(tr.CloseIdleConnections)

	// A request at the centre of every demo grid for each matter type, as an Open311 client sends
	// it: service_code, lat/long, description and the reporter's fields.
	shapes := demo.Baoshan().Grids
	grids := make([]string, 0, len(shapes))
	for id := range shapes {
		grids = append(grids, id)
	}
	sort.Strings(grids)
	ib := &intakeBench{benchServer: &benchServer{srv: srv, db: db, client: &http.Client{Transport: tr}}}
	for _, matter := range benchMatters {
		for i, id := range grids {
			pt := demo.GridCentre(shapes[id])
			ib.forms = append(ib.forms, url.Values{
				"api_key":      {benchKey},
				"service_code": {matter},
				"lat":          {strconv.FormatFloat(pt.Lat, 'f', 6, 64)},
				"long":         {strconv.FormatFloat(pt.Lon, 'f', 6, 64)},
				"description":  {fmt.Sprintf("居民反映第%d处问题，请尽快处理", i+1)},
				"first_name":   {"先生"},
				"last_name":    {"王"},
				"phone":        {"13900001111"},
			}.Encode())
		}
	}
	return ib
}

// post submits form i to requests.json and returns an error unless a request was created.
func (ib *intakeBench) post(i int) error {
	req, err := http.NewRequest("POST", ib.srv.URL+"/open311/v2/requests.json", strings.NewReader(ib.forms[i%len(ib.forms)]))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := ib.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"service_request_id"`) {
		return fmt.Errorf("POST /open311/v2/requests.json: status %d: %s", res.StatusCode, body)
	}
	return nil
}

// BenchmarkOpen311Intake posts Open311 service requests one after another through the real server:
// the form, the API key, the rate limiter, the catalogue check, then intake as for every channel
// (locate, route, duplicate check, the report event, projection, deadline marks, commit) and the
// Open311 answer. Allocations count client and server together.
func BenchmarkOpen311Intake(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		ib := newIntakeBench(b, newDSN(b))
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if err := ib.post(n); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.StopTimer()
		ib.checkCount(b, n)
	})
}
