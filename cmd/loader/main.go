// Command loader writes classifications and dead letters from NATS
// JetStream into Postgres (run, the default), applies the schema migrations
// (migrate), or lists, shows and redrives dead letters (deadletters).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/load"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func main() { os.Exit(program().Run(os.Args[1:])) }

func program() *cli.Program {
	return &cli.Program{
		Name:    "loader",
		About:   "Writes classifications, run records and dead letters from NATS JetStream into Postgres.",
		Default: "run",
		Commands: []cli.Command{
			{Name: "run", Summary: "load into Postgres (a service); migrates the schema first",
				Run: func(args []string) int { return run("run", args) }},
			{Name: "migrate", Summary: "apply the schema migrations and exit",
				Run: func(args []string) int { return run("migrate", args) }},
			{Name: "deadletters", Summary: "list dead letters, show one with its payload, or send them back after a fix", Run: deadLetters},
		},
	}
}

func run(cmd string, args []string) int {
	summary := "Loads classifications, run records and dead letters from JetStream into Postgres (a service); migrates the schema first."
	if cmd == "migrate" {
		summary = "Applies the schema migrations and exits."
	}
	fs := cli.FlagSet("loader "+cmd, "[flags]", summary)
	var f ops.Flags
	f.Register(fs, ":9103", true)
	batch := fs.Int("batch-size", 1000, "most classifications per transaction")
	wait := fs.Duration("batch-wait", 500*time.Millisecond, "longest wait for a message when none is waiting (a batch is what is waiting when a writer is free)")
	writers := fs.Int("writers", 2, "batches written at once, each on its own connection")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	if err := f.Validate(true); err != nil {
		fmt.Fprintln(os.Stderr, "loader:", err)
		return 2
	}
	if *batch < 1 {
		fmt.Fprintln(os.Stderr, "loader: --batch-size: must be at least 1")
		return 2
	}
	if *writers < 1 {
		fmt.Fprintln(os.Stderr, "loader: --writers: must be at least 1")
		return 2
	}
	log := f.Logger()
	ctx, stop := ops.SignalContext(context.Background())
	defer stop()

	st, err := ops.WaitFor(ctx, log, "postgres", f.WaitFor, store.Refused, func(ctx context.Context) (*store.Store, error) {
		return store.Open(ctx, f.DatabaseURL)
	})
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	defer st.Close()
	codes, err := rules.DefaultReferenceCodes()
	if err == nil {
		err = st.Prepare(ctx, codes)
	}
	if err != nil {
		log.Error("preparing the database", "err", err)
		return 1
	}
	if cmd == "migrate" {
		v, err := st.SchemaVersion(ctx)
		if err != nil {
			log.Error("migrating", "err", err)
			return 1
		}
		log.Info("schema up to date", "version", v)
		return 0
	}

	svc, err := f.Start(ctx, "horizon-loader")
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	svc.AddCheck("postgres", st.Ping)
	svc.WatchConsumers(bus.LoaderConsumer, bus.SourceRunConsumer, bus.DeadLetterConsumer)
	l := load.New(svc.Bus, st, log, svc.Registry, load.Options{BatchSize: *batch, MaxWait: *wait, Writers: *writers})
	if err := svc.Run(ctx, l.Run, l.RunSourceRuns, l.RunDeadLetters, l.RunFacts); err != nil {
		log.Error("loader stopped", "err", err)
		return 1
	}
	return 0
}
