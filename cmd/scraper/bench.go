package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/devstack"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/scrape"
	"github.com/horizon-scan/horizon/pipeline/scrape/benchsite"
)

// runBench measures the scraper against a synthetic site of --pages pages
// with rate limits lifted: a plain GET loop first (the baseline: what this
// machine and server allow), then a full crawl (fetch, extract, publish),
// then a re-crawl of the unchanged site. The site and an embedded NATS run
// in a child process so that the peak memory reported is the scraper's own.
func runBench(args []string) int {
	fs := cli.FlagSet("scraper bench", "[flags]", "Measures fetching, extraction and publishing of a local site of generated pages, against a plain GET of the same pages.")
	pages := fs.Int("pages", 10000, "pages on the synthetic site")
	conc := fs.Int("concurrency", 4, "parallel requests to the site")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the crawl (not the baseline) to this `file`, for go tool pprof")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	ops.TuneGC(scrape.GCPercent, scrape.MemoryLimit) // as the service runs
	child, siteURL, natsURL, err := startBenchSite(*pages)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper bench:", err)
		return 1
	}
	defer func() { child.Process.Kill(); child.Wait() }()

	ctx := context.Background()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper bench:", err)
		return 1
	}
	defer nc.Close()
	b, err := bus.Open(ctx, nc, bus.Config{Stream: "BENCH", Prefix: "bench"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper bench:", err)
		return 1
	}
	kv, err := b.StateStore(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper bench:", err)
		return 1
	}
	state := scrape.NewKVState(kv)
	srcs, err := scrape.ParseSources("bench", []byte(fmt.Sprintf(
		"sources:\n  - id: bench\n    kind: sitemap\n    url: %s/sitemap.xml\n    schedule: \"@hourly\"\n    concurrency: %d\n", siteURL, *conc)), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper bench:", err)
		return 1
	}

	fmt.Printf("scraper bench: %d pages, concurrency %d, GOMAXPROCS %d\n\n", *pages, *conc, runtimeProcs())
	fmt.Printf("%-34s %8s %8s %8s %9s %8s %10s %11s\n", "run", "pages", "304s", "seconds", "pages/s", "body MB", "published", "peak RSS MB")

	start := time.Now()
	n, bytes := plainGets(siteURL, *pages, *conc)
	el := time.Since(start)
	fmt.Printf("%-34s %8d %8s %8.2f %9.0f %8.1f %10s %11.0f\n", "baseline: plain GET, no extraction", n, "-", el.Seconds(), float64(n)/el.Seconds(), float64(bytes)/1e6, "-", peakRSSMB())

	s := scrape.New(b, state, nil, slog.New(slog.DiscardHandler), scrape.Options{MaxRetries: 1})
	for i, name := range []string{"crawl: fetch, extract, publish", "re-crawl of the unchanged site"} {
		before := s.BytesReceived()
		stopProfile := func() {}
		if i == 0 && *cpuProfile != "" {
			if stopProfile, err = startCPUProfile(*cpuProfile); err != nil {
				fmt.Fprintln(os.Stderr, "scraper bench:", err)
				return 1
			}
		}
		start := time.Now()
		rec, err := s.Run(ctx, srcs[0])
		el := time.Since(start)
		stopProfile()
		if err != nil {
			fmt.Fprintln(os.Stderr, "scraper bench:", err)
			return 1
		}
		seen := rec.Fetched + rec.NotModified
		fmt.Printf("%-34s %8d %8d %8.2f %9.0f %8.1f %10d %11.0f\n", name, seen, rec.NotModified, el.Seconds(), float64(seen)/el.Seconds(),
			float64(s.BytesReceived()-before)/1e6, rec.New+rec.Changed, peakRSSMB())
		if rec.Failed > 0 {
			fmt.Printf("  (%d failures: %v)\n", rec.Failed, rec.Errors)
		}
	}
	return 0
}

// startCPUProfile profiles the process into file until the returned
// function is called.
func startCPUProfile(file string) (func(), error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// plainGets fetches every page once with conc workers and returns how many
// it got and their bytes.
func plainGets(site string, pages, conc int) (int, int64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	var got, bytes atomic.Int64
	work := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := range work {
				resp, err := client.Get(fmt.Sprintf("%s/p/%d.html", site, i))
				if err != nil {
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				got.Add(1)
				bytes.Add(n)
			}
		})
	}
	for i := range pages {
		work <- i
	}
	close(work)
	wg.Wait()
	return int(got.Load()), bytes.Load()
}

// startBenchSite runs "scraper bench-site" and reads the site's and NATS's
// URLs from its output.
func startBenchSite(pages int) (*exec.Cmd, string, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", "", err
	}
	cmd := exec.Command(self, "bench-site", "--pages", fmt.Sprint(pages))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", "", err
	}
	var site, natsURL string
	sc := bufio.NewScanner(out)
	for (site == "" || natsURL == "") && sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "SITE "); ok {
			site = v
		}
		if v, ok := strings.CutPrefix(sc.Text(), "NATS "); ok {
			natsURL = v
		}
	}
	if site == "" || natsURL == "" {
		cmd.Process.Kill()
		return nil, "", "", fmt.Errorf("bench site did not start")
	}
	return cmd, site, natsURL, nil
}

// runBenchSite is the child: the synthetic site and an embedded NATS, until
// killed.
func runBenchSite(args []string) int {
	fs := cli.FlagSet("scraper bench-site", "[flags]", "Serves the bench's local site and an embedded NATS server (started by scraper bench).")
	pages := fs.Int("pages", 10000, "pages")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	dir, err := os.MkdirTemp("", "horizon-bench-nats-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	n, err := devstack.StartNATS(dir, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer n.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("SITE http://%s\nNATS %s\n", ln.Addr(), n.URL())
	srv := &http.Server{Handler: benchsite.Handler(*pages), ReadHeaderTimeout: 5 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// peakRSSMB reads this process's peak resident memory from /proc.
func peakRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
