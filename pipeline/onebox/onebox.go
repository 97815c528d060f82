// Package onebox runs the whole pipeline in one process: the scraper once
// over a set of sources, and the classifier and loader until everything
// scraped is in Postgres. It backs "horizon run" and the end-to-end tests;
// the same stage code runs in the three separate binaries in production.
package onebox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/load"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/scrape"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// Config is what one run needs. NATS and Store must be connected.
type Config struct {
	NATS    *nats.Conn
	Store   *store.Store
	Bus     bus.Config
	Sources []scrape.Source
	Rules   *rules.RuleSet
	Log     *slog.Logger
	// Timeout bounds the wait for the classifier and loader to catch up.
	Timeout time.Duration
	// Scrape tunes the scraper.
	Scrape scrape.Options
}

// Result reports one run.
type Result struct {
	Reports []message.SourceRun
	Summary store.Summary
}

// Run migrates the schema, starts the classifier and loader, scrapes every
// source once, waits until every message is classified and loaded (or
// dead-lettered), stops the workers and summarises the database.
func Run(ctx context.Context, cfg Config) (Result, error) {
	var res Result
	if err := cfg.Store.Prepare(ctx, cfg.Rules.ReferenceCodes()); err != nil {
		return res, err
	}
	b, err := bus.Open(ctx, cfg.NATS, cfg.Bus)
	if err != nil {
		return res, err
	}
	reg := prometheus.NewRegistry()
	seen, err := b.SeenStore(ctx)
	if err != nil {
		return res, err
	}
	worker := classify.NewWorker(b, cfg.Rules, cfg.Log.With("stage", "classifier"), reg).WithSeen(seen)
	loader := load.New(b, cfg.Store, cfg.Log.With("stage", "loader"), reg, load.Options{MaxWait: 200 * time.Millisecond})

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	workers := []func(context.Context) error{worker.Run, loader.Run, loader.RunSourceRuns, loader.RunDeadLetters, loader.RunFacts}
	done := make(chan error, len(workers))
	for _, w := range workers {
		go func() { done <- w(wctx) }()
	}

	kv, err := b.StateStore(ctx)
	if err != nil {
		return res, err
	}
	state := scrape.NewKVState(kv)
	res.Reports = scrape.New(b, state, nil, cfg.Log.With("stage", "scraper"), cfg.Scrape).RunAll(ctx, cfg.Sources)

	waitErr := WaitIdle(ctx, b, cfg.Timeout)
	stop()
	for range workers {
		if err := <-done; err != nil && waitErr == nil {
			waitErr = err
		}
	}
	if waitErr != nil {
		return res, waitErr
	}
	res.Summary, err = cfg.Store.Summarise(ctx)
	return res, err
}

// WaitIdle waits until the classifier, loader and dead-letter consumers have
// nothing pending or unacknowledged. It checks them in pipeline order, so
// that once the first is idle everything it produced is already counted by
// the next.
func WaitIdle(ctx context.Context, b *bus.Bus, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		idle := true
		for _, c := range []string{bus.ClassifierConsumer, bus.LoaderConsumer, bus.SourceRunConsumer, bus.DeadLetterConsumer} {
			n, err := b.Pending(ctx, c)
			if err != nil {
				return err
			}
			if n > 0 {
				idle = false
				break
			}
		}
		if idle {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pipeline still busy after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
