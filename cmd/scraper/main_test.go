package main

import (
	"context"
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
	bin := filepath.Join(dir, "scraper")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building scraper: %v\n%s", err, out)
	}
	site, err := offlinesite.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
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
		out, err := exec.Command(bin, "--once", "--sources", sources, "--nats-url", testenv.NATSURL(t),
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
	code := run([]string{"--sources", sources, "--once"})
	if code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
}
