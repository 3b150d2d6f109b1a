package web_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/clock"
	"civicgrid/demo"
	"civicgrid/store"
	"civicgrid/store/storetest"
	"civicgrid/web"
)

// cloneCases copies the row of case id n times under new IDs, in one statement: the case list and
// its ledger read only the cases table (the projection), so the clones export like real cases.
func cloneCases(tb testing.TB, db *store.DB, id int64, n int) {
	tb.Helper()
	series := fmt.Sprintf(`(WITH RECURSIVE r(i) AS (SELECT 0 WHERE 0 < %[1]d UNION ALL SELECT i + 1 FROM r WHERE i + 1 < %[1]d) SELECT i FROM r) AS s`, n)
	if db.Dialect() == store.Postgres {
		series = fmt.Sprintf(`generate_series(0::bigint, %d) AS s(i)`, n-1)
	}
	// json.Marshal writes a case as {"id":N,"tracking_code":"...",...}: both are rewritten.
	q := fmt.Sprintf(`INSERT INTO cases (id, tracking_code, state, matter_code, urgency, channel, grid, territory_path, originator_path,
			assignee, assignee_path, light, overdue, lon, lat, reported_at, closed_at, updated_at, seq, last_hash, body)
		SELECT b.base + s.i, 'clone-' || (b.base + s.i), t.state, t.matter_code, t.urgency, t.channel, t.grid, t.territory_path,
			t.originator_path, t.assignee, t.assignee_path, t.light, t.overdue, t.lon, t.lat, t.reported_at, t.closed_at, t.updated_at,
			t.seq, t.last_hash,
			replace(replace(t.body, '{"id":' || t.id || ',', '{"id":' || (b.base + s.i) || ','),
				'"tracking_code":"' || t.tracking_code || '"', '"tracking_code":"clone-' || (b.base + s.i) || '"')
		FROM %s CROSS JOIN (SELECT max(id) + 1 AS base FROM cases) b JOIN cases t ON t.id = %d`, series, id)
	if err := db.ExecRaw(context.Background(), q); err != nil {
		tb.Fatalf("clone case %d %d times: %v", id, n, err)
	}
}

// heapSampler reads a response body and, every sampleEvery bytes, collects garbage and records the
// live heap: the peak says how much memory the export held at once, server and client together.
type heapSampler struct {
	r     io.Reader
	since int
	n     int64
	peak  uint64
}

const sampleEvery = 256 << 10

func (h *heapSampler) Read(p []byte) (int, error) {
	k, err := h.r.Read(p)
	h.n += int64(k)
	if h.since += k; h.since >= sampleEvery {
		h.since = 0
		h.sample()
	}
	return k, err
}

func (h *heapSampler) sample() {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.peak = max(h.peak, m.HeapAlloc)
}

// exportCases downloads a case ledger, counting its data rows while sampling the live heap. An
// XLSX download goes to a file first, since a zip is read from its end.
func exportCases(tb testing.TB, client *http.Client, base, token, ext string) (rows int, size int64, peak uint64) {
	tb.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/cases."+ext, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		tb.Fatalf("export: %d %s", res.StatusCode, b)
	}
	h := &heapSampler{r: res.Body}
	h.sample()
	if ext == "csv" {
		br := bufio.NewReader(h)
		if _, _, err := br.ReadRune(); err != nil {
			tb.Fatal(err)
		}
		cr := csv.NewReader(br)
		cr.ReuseRecord = true
		for {
			_, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			rows++
		}
		return rows - 1, h.n, h.peak
	}
	path := filepath.Join(tb.TempDir(), "cases.xlsx")
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, h); err != nil {
		tb.Fatal(err)
	}
	h.sample()
	return xlsxRows(tb, out, h.n) - 1, h.n, h.peak
}

// xlsxRows counts the rows of a workbook's worksheet by streaming its XML through a scan for
// "</row>" (ReadXLSX checks the structure elsewhere; a full parse of 100,000 rows would cost more
// than the export it checks).
func xlsxRows(tb testing.TB, r io.ReaderAt, size int64) int {
	tb.Helper()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		tb.Fatal(err)
	}
	sheet, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		tb.Fatal(err)
	}
	defer sheet.Close()
	const tag = "</row>"
	n, carry := 0, []byte{}
	buf := make([]byte, 64<<10)
	for {
		k, err := sheet.Read(buf)
		chunk := append(carry, buf[:k]...)
		n += bytes.Count(chunk, []byte(tag))
		// Keep a tail shorter than the tag, so that a tag split between reads is counted once.
		carry = append(carry[:0], chunk[max(0, len(chunk)-len(tag)+1):]...)
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// TestExportCasesStreams exports 5,003 and then 20,003 cases in both formats and checks that the
// memory held at once does not grow with the rows: the server reads ExportBatch cases at a time
// and writes each row out as it goes.
func TestExportCasesStreams(t *testing.T) {
	// Collect garbage early so that the sampled heap is the live heap, not whatever garbage the
	// collector has yet to reach: kept rows would add tens of MiB, noise must stay well below 4.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	eachFixture(t, func(t *testing.T, f *fixture) {
		ids := assessCases(t, f)
		token := f.login("district.intake")
		first := mustInt(t, ids[0])
		var peaks [2]map[string]uint64
		for round, total := range []int{5_003, 20_003} {
			cloneCases(t, f.app.DB, first, total-3-map[int]int{0: 0, 1: 5_000}[round])
			peaks[round] = map[string]uint64{}
			for _, ext := range []string{"csv", "xlsx"} {
				rows, size, peak := exportCases(t, f.srv.Client(), f.srv.URL, token, ext)
				if rows != total {
					t.Fatalf("%s: %d rows, want %d", ext, rows, total)
				}
				peaks[round][ext] = peak
				t.Logf("%s: %d rows, %d bytes, live heap at most %.1f MiB", ext, rows, size, float64(peak)/(1<<20))
			}
		}
		// Four times the rows (6 MB more CSV, 15,000 more decoded cases) may not cost more than
		// noise: a few MiB would mean rows are being kept.
		for _, ext := range []string{"csv", "xlsx"} {
			if peaks[1][ext] > peaks[0][ext]+4<<20 {
				t.Errorf("%s: the live heap grew from %.1f to %.1f MiB with four times the rows", ext,
					float64(peaks[0][ext])/(1<<20), float64(peaks[1][ext])/(1<<20))
			}
		}
	})
}

// BenchmarkExportCasesXLSX downloads the case ledger as XLSX over HTTP from a database holding
// 10,000 and 100,000 cases (clones of a real closed case), and reports the time per row and the
// most live heap seen during the download.
func BenchmarkExportCasesXLSX(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		for _, n := range []int{10_000, 100_000} {
			b.Run("rows="+strconv.Itoa(n), func(b *testing.B) {
				dsn := newDSN(b)
				benchExport(b, dsn, n, "xlsx")
			})
		}
	})
}

func benchExport(b *testing.B, dsn string, n int, ext string) {
	ctx := context.Background()
	db := storetest.MustOpen(b, dsn)
	if _, err := demo.Load(ctx, db, benchKey, benchPassword); err != nil {
		b.Fatal(err)
	}
	fake := clock.NewFake(benchStart)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, db, fake, log)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(a, log))
	b.Cleanup(srv.Close)
	cloneCases(b, db, closedCase(b, a, fake), n-1)
	token := benchLogin(b, srv, "district.intake")
	var peak uint64
	var size int64
	for b.Loop() {
		rows, sz, pk := exportCases(b, srv.Client(), srv.URL, token, ext)
		if rows != n {
			b.Fatalf("%d rows, want %d", rows, n)
		}
		peak, size = max(peak, pk), sz
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-heap-peak")
	b.ReportMetric(float64(size)/(1<<20), "MiB-file")
}

// closedCase takes one report round the loop through the application and returns its ID.
func closedCase(tb testing.TB, a *app.App, fake *clock.Fake) int64 {
	tb.Helper()
	ctx := context.Background()
	who := func(login string) app.Principal {
		u, _, err := a.DB.UserByLogin(ctx, login)
		if err != nil {
			tb.Fatal(err)
		}
		return app.Principal{User: u}
	}
	pt := demo.GridCentre(demo.Baoshan().Grids[youyiGrid1])
	c, _, err := a.Report(ctx, who("district.intake"), app.ReportInput{MatterCode: "E0502", Description: "路口占道摆摊, 影响通行", Lat: &pt.Lat, Lon: &pt.Lon}, "")
	if err != nil {
		tb.Fatal(err)
	}
	for _, step := range []struct {
		login  string
		action casework.Action
		in     casework.Input
	}{
		{"district.intake", casework.ActFile, casework.Input{}},
		{"district.dispatcher", casework.ActDispatch, casework.Input{}},
		{"chengguan.youyi.handler", casework.ActSign, casework.Input{}},
		{"chengguan.youyi.handler", casework.ActHandle, casework.Input{Result: "已劝离摊贩, 恢复通行"}},
		{"district.intake", casework.ActRequestCheck, casework.Input{}},
		{"district.intake", casework.ActCheckPass, casework.Input{}},
		{"district.intake", casework.ActRate, casework.Input{Rating: casework.Satisfied}},
	} {
		fake.Advance(10 * time.Minute)
		if _, err := a.Act(ctx, who(step.login), c.ID, step.action, step.in); err != nil {
			tb.Fatalf("%s: %v", step.action, err)
		}
	}
	return c.ID
}

// benchLogin logs a demo account in and returns its token.
func benchLogin(tb testing.TB, srv *httptest.Server, login string) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"login": login, "password": benchPassword})
	res, err := srv.Client().Post(srv.URL+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		tb.Fatalf("login %s: %d %v", login, res.StatusCode, err)
	}
	return out.Token
}
