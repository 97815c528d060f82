package scrape

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// RunAll scrapes every enabled source once, several at a time
// (Options.Sources; each host keeps its own limits, shared by all), and
// returns their run records in the sources' order. A failing source is
// logged and the others go on; Options.Progress hears of each as it ends.
func (s *Scraper) RunAll(ctx context.Context, sources []Source) []message.SourceRun {
	var enabled []Source
	for _, src := range sources {
		if src.IsEnabled() {
			enabled = append(enabled, src)
		}
	}
	reps := make([]message.SourceRun, len(enabled))
	ran := make([]bool, len(enabled))
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, s.opts.Sources)
	var wg sync.WaitGroup
	for i, src := range enabled {
		select {
		case <-ctx.Done():
		case sem <- struct{}{}:
			wg.Go(func() {
				defer func() { <-sem }()
				if ctx.Err() != nil {
					return
				}
				rep, err := s.Run(ctx, src)
				s.logReport(rep, err)
				mu.Lock()
				reps[i], ran[i] = rep, true
				done++
				n := done
				mu.Unlock()
				if s.opts.Progress != nil {
					s.opts.Progress(n, len(enabled), rep)
				}
			})
		}
	}
	wg.Wait()
	out := reps[:0]
	for i, r := range reps {
		if ran[i] {
			out = append(out, r)
		}
	}
	return out
}

func (s *Scraper) logReport(rep message.SourceRun, err error) {
	attrs := []any{"source", rep.Source, "fetched", rep.Fetched, "not_modified", rep.NotModified,
		"new", rep.New, "changed", rep.Changed, "unchanged", rep.Unchanged,
		"robots_blocked", rep.RobotsBlocked, "failed", rep.Failed, "errors", rep.Errors,
		"bytes", rep.BytesReceived, "seconds", rep.Finished.Sub(rep.Started).Seconds()}
	if err != nil {
		s.log.Warn("source run failed", append(attrs, "err", err)...)
		return
	}
	s.log.Info("source run finished", attrs...)
}

// Schedule runs each enabled source on its own cron schedule until ctx is
// cancelled. A source whose previous run is still going is skipped rather
// than run twice at once, and each run starts after a small random delay so
// that sources on the same schedule do not all start in the same second.
func (s *Scraper) Schedule(ctx context.Context, sources []Source, maxJitter time.Duration) error {
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cronLogger{s.log})))
	for _, src := range sources {
		if !src.IsEnabled() {
			continue
		}
		if _, err := c.AddFunc(src.Schedule, func() {
			if maxJitter > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(rand.N(maxJitter)):
				}
			}
			rep, err := s.Run(ctx, src)
			s.logReport(rep, err)
		}); err != nil {
			return err
		}
		s.log.Info("source scheduled", "source", src.ID, "schedule", src.Schedule)
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done() // wait for runs in progress
	return nil
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
