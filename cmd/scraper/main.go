// Command scraper gathers technology announcements from the sources in
// sources.yaml and publishes them to NATS JetStream, each source on its own
// cron schedule, or every source once with --once.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/scrape"
)

func main() { os.Exit(program().Run(os.Args[1:])) }

func program() *cli.Program {
	return &cli.Program{
		Name:    "scraper",
		About:   "Gathers announcements from the sources in sources.yaml and publishes new or changed documents to NATS JetStream.",
		Default: "run",
		Commands: []cli.Command{
			{Name: "run", Summary: "scrape each source on its schedule (a service), or every source once with --once", Run: run},
			{Name: "extract", Summary: "print the main text extracted from every *.html(.gz) in a folder", Run: runExtract},
			{Name: "bench", Summary: "measure fetching, extraction and publishing against a local site", Run: runBench},
			{Name: "bench-site", Summary: "serve the bench's local site (used by bench)", Run: runBenchSite},
		},
	}
}

func run(args []string) int {
	fs := cli.FlagSet("scraper run", "[flags]", "Scrapes the sources in --sources on their schedules, or each once with --once (exit 0: every source ok;\n3: some failed; 4: all failed; a summary on standard error).")
	var f ops.Flags
	f.Register(fs, ":9101", false)
	sources := fs.String("sources", ops.Env("HORIZON_SOURCES", "deploy/sources.yaml"), "sources file (env HORIZON_SOURCES)")
	once := fs.Bool("once", false, "scrape every enabled source once and exit (for an external scheduler)")
	jitter := fs.Duration("jitter", 30*time.Second, "largest random delay before a scheduled run")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	if err := f.Validate(false); err != nil {
		fmt.Fprintln(os.Stderr, "scraper:", err)
		return 2
	}
	log := f.Logger()
	ops.TuneGC(scrape.GCPercent, scrape.MemoryLimit)
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
	opts := scrape.Options{Metrics: scrape.NewMetrics(svc.Registry)}
	if *once {
		// A line per source as it ends: a long run is not silent.
		opts.Progress = scrape.Progress(os.Stderr, ops.Redact)
	}
	s := scrape.New(svc.Bus, state, scrape.NewHosts(), log, opts)
	var runs []message.SourceRun
	work := func(ctx context.Context) error {
		if *once {
			runs = s.RunAll(ctx, srcs)
			return nil
		}
		return s.Schedule(ctx, srcs, *jitter)
	}
	if err := svc.Run(ctx, work); err != nil {
		log.Error("scraper stopped", "err", err)
		return cli.ExitError
	}
	if !*once {
		return cli.ExitOK
	}
	return onceExit(os.Stderr, runs)
}

// onceExit writes the summary of a run of every source to w and returns
// the exit code a scheduler reads: 0 when every source worked, 3 when some
// failed, 4 when all did (or none ran).
func onceExit(w io.Writer, runs []message.SourceRun) int {
	failed := 0
	for _, r := range runs {
		if r.Error != "" {
			failed++
			fmt.Fprintf(w, "failed: %s\n", ops.Redact(scrape.Line(r)))
		}
	}
	fmt.Fprintf(w, "%d sources, %d failed\n", len(runs), failed)
	if len(runs) == 0 {
		return cli.ExitAllSourcesFailed // none ran: nothing worked
	}
	return cli.SourcesExit(len(runs), failed)
}
