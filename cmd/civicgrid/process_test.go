package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary builds the civicgrid command once per test binary run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func civicgridBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "civicgrid-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "civicgrid")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a civicgrid serve process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

// launch starts `civicgrid serve` on a free loopback port; found yields the address it prints
// when it listens (and closes if the process ends first). The process is killed at the test's end.
func launch(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, <-chan string) {
	t.Helper()
	cmd := exec.Command(civicgridBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "civicgrid listening on "); ok {
				found <- rest
			}
		}
		close(found)
	}()
	return cmd, logs, found
}

// startServer runs `civicgrid serve` on a free loopback port and waits for its address.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd, logs, found := launch(t, args...)
	select {
	case url, ok := <-found:
		if !ok {
			cmd.Wait()
			t.Fatalf("server exited before listening:\n%s", logs)
		}
		return &server{cmd: cmd, url: url, logs: logs}
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start within a minute:\n%s", logs)
	}
	return nil
}

// post sends JSON with the demo API key and decodes the answer.
func (s *server) post(client *http.Client, path, key string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, err
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return res.StatusCode, m, nil
}

func (s *server) get(client *http.Client, path, key string) (int, map[string]any, error) {
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("X-API-Key", key)
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m, nil
}

// runCommand runs a civicgrid subcommand in-process and returns its output.
func runCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}
