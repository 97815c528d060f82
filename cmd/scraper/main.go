// Command scraper gathers technology announcements from the sources in
// sources.yaml and publishes them to NATS JetStream, each source on its own
// cron schedule, or every source once with --once.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/scrape"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "extract":
			os.Exit(runExtract(os.Args[2:]))
		case "bench":
			os.Exit(runBench(os.Args[2:]))
		case "bench-site":
			os.Exit(runBenchSite(os.Args[2:]))
		}
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("scraper", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: scraper [flags]\n       scraper extract --json DIR\n       scraper bench [--pages N] [--concurrency C]\n\nScrapes the sources in --sources and publishes new or changed documents to JetStream.\n\"extract\" prints the main text the scraper extracts from every *.html(.gz) in DIR.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var f ops.Flags
	f.Register(fs, ":9101", false)
	sources := fs.String("sources", ops.Env("HORIZON_SOURCES", "deploy/sources.yaml"), "sources file (env HORIZON_SOURCES)")
	once := fs.Bool("once", false, "scrape every enabled source once and exit (for an external scheduler)")
	jitter := fs.Duration("jitter", 30*time.Second, "largest random delay before a scheduled run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := f.Validate(false); err != nil {
		fmt.Fprintln(os.Stderr, "scraper:", err)
		return 2
	}
	log := f.Logger()
	data, err := os.ReadFile(*sources)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper: --sources:", err)
		return 2
	}
	srcs, err := scrape.ParseSources(*sources, data, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper:", err)
		return 2
	}

	ctx, stop := ops.SignalContext(context.Background())
	defer stop()
	svc, err := f.Start(ctx, "horizon-scraper")
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	kv, err := svc.Bus.StateStore(ctx)
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	state := scrape.NewKVState(kv)
	s := scrape.New(svc.Bus, state, scrape.NewHosts(), log, scrape.Options{Metrics: scrape.NewMetrics(svc.Registry)})
	work := func(ctx context.Context) error {
		if *once {
			s.RunAll(ctx, srcs)
			return nil
		}
		return s.Schedule(ctx, srcs, *jitter)
	}
	if err := svc.Run(ctx, work); err != nil {
		log.Error("scraper stopped", "err", err)
		return 1
	}
	return 0
}
