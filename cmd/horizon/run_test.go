package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/devstack"
)

// TestABadCommandLineIsRefusedBeforeAnythingStarts gives horizon run a
// broken sources file, a busy review address and a URL that does not
// parse: each is refused with exit 1 before NATS or Postgres is started
// (nothing appears in the data folder).
func TestABadCommandLineIsRefusedBeforeAnythingStarts(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	broken := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(broken, []byte("sources:\n  - id: x\n    kind: feed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"a broken sources file", []string{"--sources", broken}},
		{"a missing sources file", []string{"--sources", filepath.Join(dir, "none.yaml")}},
		{"a busy review address", []string{"--review", busy.Addr().String()}},
		{"a database URL that does not parse", []string{"--database-url", "postgres://u:p%zz@h/db"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(dir, tc.name)
			if code := runPipeline(append(tc.args, "--data-dir", data)); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if entries, _ := os.ReadDir(data); len(entries) > 0 {
				t.Errorf("%d things started in the data folder before the refusal", len(entries))
			}
		})
	}
}

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestCtrlCStopsARunAtOnce runs the built binary over a source whose feed
// takes a minute to answer, interrupts it, and checks that it stops within
// two seconds with exit 130 and says so.
func TestCtrlCStopsARunAtOnce(t *testing.T) {
	dir := t.TempDir()
	bin := testenv.Binary(t, ".")
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(time.Minute):
		}
	}))
	defer slow.Close()
	defer close(release)
	sources := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(sources, []byte(fmt.Sprintf("sources:\n  - id: slow\n    kind: feed\n    url: %s/feed\n    schedule: \"@hourly\"\n", slow.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	nats, err := devstack.StartNATS(filepath.Join(dir, "nats"), 0) // a server of its own: the run's stream has the default name
	if err != nil {
		t.Fatal(err)
	}
	defer nats.Close()
	cmd := exec.Command(bin, "run", "--sources", sources, "--nats-url", nats.URL(), "--database-url", testenv.DatabaseURL(t),
		"--data-dir", filepath.Join(dir, "data"))
	var out testenv.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // under way: the feed is being fetched
	sent := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	took := time.Since(sent)
	if code := cmd.ProcessState.ExitCode(); code != 130 || took > 2*time.Second {
		t.Errorf("exit %d (%v) %s after Ctrl-C; want 130 within 2s\n%s", code, err, took, out.String())
	}
	if !strings.Contains(out.String(), "interrupted") {
		t.Errorf("the run does not say it was interrupted:\n%s", out.String())
	}
}
