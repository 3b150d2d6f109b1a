package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"civicgrid/demo"
	"civicgrid/geo"
	"civicgrid/org"
)

// Mixes of work a run can drive.
const (
	// MixFull is a dispatch centre's day in miniature. Each round of a client: one Open311 report,
	// the six workflow steps that take it to closure (file, dispatch, sign, handle, request_check,
	// check_pass, each as the user whose job it is), two case lists (each client cycling through five
	// filters) and one workbench.
	MixFull = "full"
	// MixIntake is Open311 reports only.
	MixIntake = "intake"
	// MixReads is case lists and workbenches only.
	MixReads = "reads"
)

// Operation names, in the order reports list them.
const (
	OpReport       = "open311_report"
	OpFile         = "file"
	OpDispatch     = "dispatch"
	OpSign         = "sign"
	OpHandle       = "handle"
	OpRequestCheck = "request_check"
	OpCheckPass    = "check_pass"
	OpListNew      = "list_new"    // GET /api/v1/cases?state=reported,filed
	OpListActive   = "list_active" // ?state=dispatched,handling
	OpListRed      = "list_red"    // ?light=red
	OpListMatter   = "list_matter" // ?matter_code=…
	OpListWithin   = "list_within" // ?within=<a street>
	OpWorkbench    = "workbench"
	OpBaseline     = "baseline_insert"
)

// OpOrder is the order operations are reported in.
var OpOrder = []string{OpReport, OpFile, OpDispatch, OpSign, OpHandle, OpRequestCheck, OpCheckPass,
	OpListNew, OpListActive, OpListRed, OpListMatter, OpListWithin, OpWorkbench, OpBaseline}

// Limits of a run.
const (
	MaxConcurrency = 1024
	MaxDuration    = 24 * time.Hour
)

// Config is one run against a server holding the demo district.
type Config struct {
	BaseURL     string // e.g. http://127.0.0.1:8080
	APIKey      string // the demo's Open311 key
	Password    string // the demo staff password
	Concurrency int
	Duration    time.Duration
	MaxRequests int64 // 0: bounded by Duration only
	Mix         string
	Seed        uint64
	// SampleMemory reads the server's /metrics once a second while the run lasts.
	SampleMemory bool
}

// Result is the outcome of a run.
type Result struct {
	Mix         string    `json:"mix"`
	Concurrency int       `json:"concurrency"`
	Seconds     float64   `json:"seconds"`
	Requests    int64     `json:"requests"`
	Errors      int64     `json:"errors"`
	PerSecond   float64   `json:"per_second"`
	Ops         []OpStats `json:"ops"`
	Memory      *Memory   `json:"memory,omitempty"`
}

// Memory is what the server reported about its memory: before the run, and the highest reading
// while it ran.
type Memory struct {
	Idle Metrics `json:"idle"`
	Peak Metrics `json:"peak"`
}

// Metrics are memory readings from a server's /metrics (0 when it does not report one).
type Metrics struct {
	RSSBytes  float64 `json:"rss_bytes"`
	HeapBytes float64 `json:"heap_bytes"`
	SysBytes  float64 `json:"sys_bytes"`
}

func (c *Config) check() error {
	if err := c.checkBounds(); err != nil {
		return err
	}
	switch c.Mix {
	case MixFull, MixIntake, MixReads:
	default:
		return fmt.Errorf("mix %q must be %s, %s or %s", c.Mix, MixFull, MixIntake, MixReads)
	}
	if c.Mix != MixReads && c.APIKey == "" {
		return errors.New("the Open311 reports need the demo's API key")
	}
	if c.Mix != MixIntake && c.Password == "" {
		return errors.New("the workflow and the reads need the demo staff password")
	}
	return nil
}

// checkBounds checks the target and the bounds of a run.
func (c *Config) checkBounds() error {
	switch {
	case c.BaseURL == "":
		return errors.New("no server URL")
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("concurrency must be 1 to %d", MaxConcurrency)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration must be above 0 and at most %s", MaxDuration)
	case c.MaxRequests < 0:
		return errors.New("max requests must not be negative")
	}
	return nil
}

// NewClient is an HTTP client that keeps a connection per concurrent client open.
func NewClient(concurrency int) *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxIdleConns: concurrency + 8, MaxIdleConnsPerHost: concurrency + 8, IdleConnTimeout: time.Minute}}
}

// runner is the shared state of a run.
type runner struct {
	cfg      Config
	client   *http.Client
	rec      *recorder
	issued   atomic.Int64
	deadline time.Time
	points   []geo.Point
	matters  []string
	handlers map[string]string // unit → login of one of its handlers

	mu       sync.Mutex
	sessions map[string]*session
}

type session struct {
	once  sync.Once
	token string
	err   error
}

// Matters are the matter types the reports use: routed by the demo's responsibility list, with no
// required attributes.
var Matters = []string{"E0502", "E0101", "E0501", "E0504", "E0103", "E0107"}

// Run drives the server for the configured time or number of requests and reports every
// operation. It fails before starting when the server refuses the demo credentials.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	r := &runner{cfg: cfg, client: NewClient(cfg.Concurrency), rec: newRecorder(), matters: Matters,
		handlers: map[string]string{}, sessions: map[string]*session{}}
	defer r.client.CloseIdleConnections()
	d := demo.Baoshan()
	grids := make([]string, 0, len(d.Grids))
	for id := range d.Grids {
		grids = append(grids, id)
	}
	sort.Strings(grids)
	for _, id := range grids {
		r.points = append(r.points, demo.GridCentre(d.Grids[id]))
	}
	for _, s := range d.Staff {
		for _, g := range s.Grants {
			if g.Role == org.RoleHandler && r.handlers[g.Unit] == "" {
				r.handlers[g.Unit] = s.Login
			}
		}
	}
	if cfg.Mix != MixIntake {
		for _, login := range []string{"district.intake", "district.dispatcher"} {
			if _, err := r.token(ctx, login); err != nil {
				return nil, err
			}
		}
	}
	var mem *Memory
	if cfg.SampleMemory {
		idle, err := ReadMetrics(ctx, r.client, cfg.BaseURL)
		if err != nil {
			return nil, err
		}
		mem = &Memory{Idle: idle, Peak: idle}
	}

	start := time.Now()
	r.deadline = start.Add(cfg.Duration)
	rctx, cancel := context.WithDeadline(ctx, r.deadline)
	defer cancel()
	var sampler sync.WaitGroup
	if mem != nil {
		sampler.Add(1)
		go func() {
			defer sampler.Done()
			r.sample(rctx, mem)
		}()
	}
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(w)))
			for i := 0; r.round(rctx, rnd, w, i); i++ {
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cancel()
	sampler.Wait()

	res := &Result{Mix: cfg.Mix, Concurrency: cfg.Concurrency, Seconds: round(elapsed.Seconds(), 3), Ops: r.rec.stats(elapsed, OpOrder), Memory: mem}
	for _, o := range res.Ops {
		res.Requests += o.Count
		res.Errors += o.Errors
	}
	res.PerSecond = round(float64(res.Requests-res.Errors)/elapsed.Seconds(), 1)
	return res, nil
}

// sample reads the server's memory once a second and keeps the highest readings.
func (r *runner) sample(ctx context.Context, mem *Memory) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, err := ReadMetrics(ctx, r.client, r.cfg.BaseURL)
		if err != nil {
			continue // the run's end cancelled the reading, or the server is busy: the next one counts
		}
		mem.Peak.RSSBytes = max(mem.Peak.RSSBytes, m.RSSBytes)
		mem.Peak.HeapBytes = max(mem.Peak.HeapBytes, m.HeapBytes)
		mem.Peak.SysBytes = max(mem.Peak.SysBytes, m.SysBytes)
	}
}

// ReadMetrics reads the memory figures from a server's /metrics.
func ReadMetrics(ctx context.Context, client *http.Client, baseURL string) (Metrics, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(baseURL, "/")+"/metrics", nil)
	if err != nil {
		return Metrics{}, err
	}
	res, err := client.Do(req)
	if err != nil {
		return Metrics{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return Metrics{}, err
	}
	if res.StatusCode != http.StatusOK {
		return Metrics{}, fmt.Errorf("GET /metrics: status %d", res.StatusCode)
	}
	var m Metrics
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			m.RSSBytes = v
		case "go_memstats_heap_alloc_bytes":
			m.HeapBytes = v
		case "go_memstats_sys_bytes":
			m.SysBytes = v
		}
	}
	return m, nil
}

// take reserves one request of the budget; false when the run is over.
func (r *runner) take(ctx context.Context) bool {
	if ctx.Err() != nil || !time.Now().Before(r.deadline) {
		return false
	}
	return r.cfg.MaxRequests == 0 || r.issued.Add(1) <= r.cfg.MaxRequests
}

// round is one client's round of the mix; false when the run is over.
func (r *runner) round(ctx context.Context, rnd *rand.Rand, worker, i int) bool {
	if r.cfg.Mix != MixReads {
		id, ok, more := r.report(ctx, rnd, worker, i)
		if !more {
			return false
		}
		if ok && r.cfg.Mix == MixFull {
			if !r.workflow(ctx, id) {
				return false
			}
		}
		if r.cfg.Mix == MixIntake {
			return true
		}
	}
	for k := 0; k < 2; k++ {
		if !r.list(ctx, worker+2*i+k) {
			return false
		}
	}
	return r.workbench(ctx)
}

// caseView is the part of a case answer the workflow needs.
type caseView struct {
	ID             int64  `json:"id"`
	State          string `json:"state"`
	Street         string `json:"street"`
	Assignee       string `json:"assignee"`
	SuggestedRoute *struct {
		Lead string `json:"lead"`
	} `json:"suggested_route"`
}

// report posts one Open311 service request at a point near a demo grid's centre.
func (r *runner) report(ctx context.Context, rnd *rand.Rand, worker, i int) (id int64, ok, more bool) {
	if !r.take(ctx) {
		return 0, false, false
	}
	pt := r.points[rnd.IntN(len(r.points))]
	// Within about ±60 m of the centre, inside the grid, so that some reports are near-duplicates.
	pt.Lon += (rnd.Float64() - 0.5) * 0.0012
	pt.Lat += (rnd.Float64() - 0.5) * 0.0010
	form := url.Values{
		"api_key":      {r.cfg.APIKey},
		"service_code": {r.matters[rnd.IntN(len(r.matters))]},
		"lat":          {strconv.FormatFloat(pt.Lat, 'f', 6, 64)},
		"long":         {strconv.FormatFloat(pt.Lon, 'f', 6, 64)},
		"description":  {fmt.Sprintf("居民反映:第%d号客户端第%d次上报,现场有问题需要处理。", worker, i)},
		"first_name":   {"先生"},
		"last_name":    {"王"},
		"phone":        {fmt.Sprintf("139%08d", rnd.IntN(1e8))},
	}.Encode()
	var out []struct {
		ID string `json:"service_request_id"`
	}
	err := r.do(ctx, OpReport, "POST", "/open311/v2/requests.json", "", "application/x-www-form-urlencoded", strings.NewReader(form), http.StatusCreated, &out)
	if err != nil {
		return 0, false, true
	}
	if len(out) != 1 {
		return 0, false, true
	}
	id, perr := strconv.ParseInt(out[0].ID, 10, 64)
	return id, perr == nil, true
}

// workflow takes a new case to closure, each step as the user whose job it is. false when the run
// ended on the way.
func (r *runner) workflow(ctx context.Context, id int64) bool {
	var c caseView
	step := func(op, login string, body any) (bool, bool) {
		if !r.take(ctx) {
			return false, false
		}
		tok, err := r.token(ctx, login)
		if err != nil {
			r.rec.add(op, 0, err)
			return true, false
		}
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		c = caseView{}
		err = r.do(ctx, op, "POST", fmt.Sprintf("/api/v1/cases/%d/%s", id, op), tok, "application/json", rd, http.StatusOK, &c)
		return true, err == nil
	}
	more, ok := step(OpFile, "district.intake", nil)
	if !more || !ok {
		return more
	}
	var dispatch any
	if c.SuggestedRoute == nil || c.SuggestedRoute.Lead == "" {
		dispatch = map[string]string{"unit": c.Street}
	}
	if more, ok = step(OpDispatch, "district.dispatcher", dispatch); !more || !ok {
		return more
	}
	handler := r.handlers[c.Assignee]
	if handler == "" {
		r.rec.add(OpSign, 0, fmt.Errorf("no demo handler for unit %q", c.Assignee))
		return true
	}
	if more, ok = step(OpSign, handler, nil); !more || !ok {
		return more
	}
	if more, ok = step(OpHandle, handler, map[string]any{"result": "已到现场处置完毕。", "photos_after": []string{"bench-after"}}); !more || !ok {
		return more
	}
	if more, ok = step(OpRequestCheck, "district.intake", nil); !more || !ok {
		return more
	}
	more, _ = step(OpCheckPass, "district.intake", nil)
	return more
}

// listQueries are the filters of a dispatch centre's lists, each measured as an operation of its
// own: their costs differ, and grow differently with the cases on record.
var listQueries = []struct{ op, query string }{
	{OpListNew, "?state=reported,filed&limit=50"},
	{OpListActive, "?state=dispatched,handling&limit=50"},
	{OpListRed, "?light=red&limit=50"},
	{OpListMatter, "?matter_code=E0502&limit=20"},
	{OpListWithin, "?within=310113003000&limit=50"},
}

// list reads the n-th filter of the cycle.
func (r *runner) list(ctx context.Context, n int) bool {
	if !r.take(ctx) {
		return false
	}
	q := listQueries[n%len(listQueries)]
	tok, err := r.token(ctx, "district.dispatcher")
	if err != nil {
		r.rec.add(q.op, 0, err)
		return true
	}
	var out struct {
		Cases []json.RawMessage `json:"cases"`
	}
	r.do(ctx, q.op, "GET", "/api/v1/cases"+q.query, tok, "", nil, http.StatusOK, &out)
	return true
}

func (r *runner) workbench(ctx context.Context) bool {
	if !r.take(ctx) {
		return false
	}
	tok, err := r.token(ctx, "district.dispatcher")
	if err != nil {
		r.rec.add(OpWorkbench, 0, err)
		return true
	}
	r.do(ctx, OpWorkbench, "GET", "/console/", "cookie:"+tok, "", nil, http.StatusOK, nil)
	return true
}

// token logs a demo user in once and returns the session token.
func (r *runner) token(ctx context.Context, login string) (string, error) {
	r.mu.Lock()
	s := r.sessions[login]
	if s == nil {
		s = &session{}
		r.sessions[login] = s
	}
	r.mu.Unlock()
	s.once.Do(func() {
		body, _ := json.Marshal(map[string]string{"login": login, "password": r.cfg.Password})
		var out struct {
			Token string `json:"token"`
		}
		if err := r.send(ctx, "POST", "/api/v1/login", "", "application/json", bytes.NewReader(body), http.StatusOK, &out); err != nil {
			s.err = fmt.Errorf("log in as %s: %w", login, err)
			return
		}
		s.token = out.Token
	})
	return s.token, s.err
}

// do sends one request, times it and records it under op.
func (r *runner) do(ctx context.Context, op, method, path, auth, ctype string, body io.Reader, want int, out any) error {
	start := time.Now()
	err := r.send(ctx, method, path, auth, ctype, body, want, out)
	if err != nil && ctx.Err() != nil {
		return err // cut off by the end of the run: neither a result nor an error of the server
	}
	r.rec.add(op, time.Since(start), err)
	return err
}

// send is one request: auth is a bearer token, or "cookie:" and a session token for the console.
func (r *runner) send(ctx context.Context, method, path, auth, ctype string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, r.cfg.BaseURL+path, body)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	if tok, ok := strings.CutPrefix(auth, "cookie:"); ok {
		req.AddCookie(&http.Cookie{Name: "civicgrid_session", Value: tok})
		req.Header.Set("Accept", "text/html")
	} else if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		msg := string(b)
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, strings.TrimSpace(msg))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: answer is not the expected JSON: %v", method, path, err)
		}
	}
	return nil
}
