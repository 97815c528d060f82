package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/scrape/offlinesite"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestOnceScrapesTheOfflineSiteAndRerunsPublishNothing runs the built binary
// with --once twice over the offline site's sources.
func TestOnceScrapesTheOfflineSiteAndRerunsPublishNothing(t *testing.T) {
	dir := t.TempDir()
	bin := testenv.Binary(t, ".")
	site := startSite(t)
	data, err := os.ReadFile("../../pipeline/scrape/offlinesite/testdata/sources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sources := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(sources, []byte(strings.ReplaceAll(string(data), "${SITE}", site.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	nc := testenv.NATS(t)
	b, cfg := testenv.Bus(t, nc)

	run := func() string {
		// The shape every binary takes: "scraper run --once" (the bare
		// "scraper --once" is the same).
		out, err := exec.Command(bin, "run", "--once", "--sources", sources, "--nats-url", testenv.NATSURL(t),
			"--stream", cfg.Stream, "--subject-prefix", cfg.Prefix, "--ack-wait", cfg.AckWait.String(), "--http-addr", "").CombinedOutput()
		if err != nil {
			t.Fatalf("scraper --once: %v\n%s", err, out)
		}
		return string(out)
	}
	stored := func() uint64 { // documents waiting for the classifier
		n, err := b.Pending(context.Background(), bus.ClassifierConsumer)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	out := run()
	if got := stored(); got != offlinesite.Articles {
		t.Fatalf("stream holds %d documents after one run, want %d\n%s", got, offlinesite.Articles, out)
	}
	out = run()
	if got := stored(); got != offlinesite.Articles {
		t.Errorf("stream holds %d documents after a second run, want still %d\n%s", got, offlinesite.Articles, out)
	}
	if !strings.Contains(out, "new=0 changed=0") || strings.Contains(out, "not_modified=0") {
		t.Errorf("second run published something:\n%s", out)
	}
}

func TestBadSourcesFileStopsTheScraperWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	sources := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(sources, []byte("sources:\n  - id: x\n    kind: feed\n    url: https://example.org/\n    schedule: \"61 * * * *\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--sources", sources, "--once"}, {"run", "--sources", sources, "--once"}} {
		if code := program().Run(args); code != 2 {
			t.Errorf("%v: exit code %d, want 2", args, code)
		}
	}
}

// TestHelpTouchesNothing asks for help every way with NATS pointed at a
// port where nothing listens: each answers at once with exit 0, and an
// unknown word is refused with the list of commands.
func TestHelpTouchesNothing(t *testing.T) {
	t.Setenv("HORIZON_NATS_URL", "nats://127.0.0.1:1")
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "run"}, {"run", "--help"}, {"help", "extract"}} {
		if code := program().Run(args); code != 0 {
			t.Errorf("scraper %v: exit %d, want 0", args, code)
		}
	}
	if code := program().Run([]string{"frob"}); code != 2 {
		t.Errorf("scraper frob: exit %d, want 2", code)
	}
}

// TestOnceExitCodesTellASchedulerWhichSourcesFailed runs the built binary
// once over two sources, then one, that cannot be reached, next to one that
// works.
func TestOnceExitCodesTellASchedulerWhichSourcesFailed(t *testing.T) {
	bin := testenv.Binary(t, ".")
	site := startSite(t)
	_, cfg := testenv.Bus(t, testenv.NATS(t))
	dead := fmt.Sprintf("http://127.0.0.1:%d/feed.xml", testenv.FreePort(t))
	source := func(id, url string) string {
		return fmt.Sprintf("  - id: %s\n    kind: feed\n    url: %s\n    schedule: \"@hourly\"\n", id, url)
	}
	tests := []struct {
		name    string
		sources string
		code    int
	}{
		{"every source ok", source("ok", site.URL+"/feeds/news.rss"), 0},
		{"some failed", source("ok", site.URL+"/feeds/news.rss") + source("down", dead), 3},
		{"all failed", source("down", dead), 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "sources.yaml")
			if err := os.WriteFile(file, []byte("sources:\n"+tc.sources), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "run", "--once", "--sources", file, "--nats-url", testenv.NATSURL(t),
				"--stream", cfg.Stream, "--subject-prefix", cfg.Prefix, "--http-addr", "", "--log-level", "error")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != tc.code {
				t.Errorf("exit %d (%v), want %d\n%s", code, err, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "sources,") {
				t.Errorf("no summary on stderr:\n%s", stderr.String())
			}
		})
	}
}

// startSite serves the offline site for the test.
func startSite(t *testing.T) *offlinesite.Site {
	t.Helper()
	site, err := offlinesite.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	return site
}
