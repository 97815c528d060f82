// Package load writes classifications and dead letters from the stream into
// Postgres, in batches, idempotently.
package load

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// Stage names this stage in dead letters and metrics.
const Stage = "loader"

// Options tunes batching. The zero value is usable.
type Options struct {
	BatchSize int           // most messages per transaction, default 1000
	MaxWait   time.Duration // longest wait for a message when none is waiting, default 500ms
	// Writers is how many batches are written at once, each in its own
	// transaction on its own connection, default 2: one Postgres backend
	// keeps one core busy, and batches from one consumer never overlap.
	Writers int
	// FactsEvery is how often the dashboard facts of the technologies
	// loaded since are re-derived (store.RefreshFacts), default 2s.
	FactsEvery time.Duration
}

// Loader reads the "loader" and "dead-letters" consumers and writes to
// Postgres. Each batch is one transaction; its messages are acked only after
// it commits.
type Loader struct {
	bus     *bus.Bus
	store   *store.Store
	log     *slog.Logger
	opts    Options
	metrics *metrics
}

type metrics struct {
	loaded      prometheus.Counter
	deadLetters prometheus.Counter
	batches     prometheus.Histogram
	retries     prometheus.Counter
}

// New returns a Loader. Its metrics are registered on reg.
func New(b *bus.Bus, s *store.Store, log *slog.Logger, reg prometheus.Registerer, opts Options) *Loader {
	opts.BatchSize = cmp.Or(opts.BatchSize, 1000)
	opts.MaxWait = cmp.Or(opts.MaxWait, 500*time.Millisecond)
	opts.Writers = cmp.Or(opts.Writers, 2)
	opts.FactsEvery = cmp.Or(opts.FactsEvery, 2*time.Second)
	m := &metrics{
		loaded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "horizon_loader_classifications_total", Help: "Classifications committed to Postgres."}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "horizon_loader_dead_letters_total", Help: "Dead letters stored in Postgres."}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "horizon_loader_batch_seconds", Help: "Time to write one batch.", Buckets: prometheus.DefBuckets}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "horizon_loader_retries_total", Help: "Batch writes retried after a transient database error."}),
	}
	reg.MustRegister(m.loaded, m.deadLetters, m.batches, m.retries)
	return &Loader{bus: b, store: s, log: log, opts: opts, metrics: m}
}

// Run loads classifications until ctx is cancelled, then finishes the
// batches in hand. Options.Writers batches are fetched and written at once.
func (l *Loader) Run(ctx context.Context) error {
	var g errgroup.Group
	for range l.opts.Writers {
		g.Go(func() error {
			return l.bus.Consume(ctx, bus.LoaderConsumer, l.opts.BatchSize, l.opts.MaxWait, l.handle)
		})
	}
	return g.Wait()
}

// RunFacts keeps the dashboard facts in step with what was loaded: every
// Options.FactsEvery it re-derives the facts of the technologies changed
// since (a refresh with nothing to do costs one query), and once more when
// ctx is cancelled, so a finished run leaves them complete. The loader
// does it beside its batches rather than in them: a technology loaded
// many times in a few seconds is derived once, and the batches do not wait.
func (l *Loader) RunFacts(ctx context.Context) error {
	t := time.NewTicker(l.opts.FactsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			l.refreshFacts(final)
			return nil
		case <-t.C:
			l.refreshFacts(ctx)
		}
	}
}

func (l *Loader) refreshFacts(ctx context.Context) {
	start := time.Now()
	n, err := l.store.RefreshFacts(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		// The marks stay; the next tick takes them.
		l.log.Warn("refreshing dashboard facts, will retry", "err", err)
	case n > 0:
		l.log.Debug("dashboard facts refreshed", "technologies", n, "seconds", time.Since(start).Seconds())
	}
}

// RunSourceRuns stores the scraper's run records until ctx is cancelled.
func (l *Loader) RunSourceRuns(ctx context.Context) error {
	return l.bus.Consume(ctx, bus.SourceRunConsumer, l.opts.BatchSize, l.opts.MaxWait, l.handleSourceRuns)
}

func (l *Loader) handleSourceRuns(ctx context.Context, msgs []jetstream.Msg) {
	work := context.WithoutCancel(ctx) // finish the batch in hand on shutdown
	runs, ok := decodeAll(l, work, msgs, message.DecodeSourceRun)
	if len(runs) == 0 {
		return
	}
	err := l.saveHeld(ctx, ok, "source runs", func() error { return l.store.SaveSourceRuns(work, runs) })
	if err != nil && permanent(err) {
		for _, m := range ok {
			l.deadLetter(work, m, err)
		}
	}
}

// decodeAll decodes every message, dead-lettering those that never will.
func decodeAll[T any](l *Loader, work context.Context, msgs []jetstream.Msg, decode func([]byte) (T, error)) ([]T, []jetstream.Msg) {
	var out []T
	var ok []jetstream.Msg
	for _, m := range msgs {
		v, err := decode(m.Data())
		if err != nil {
			l.deadLetter(work, m, err)
			continue
		}
		out = append(out, v)
		ok = append(ok, m)
	}
	return out, ok
}

// saveHeld runs save and acks msgs when it commits. It waits out transient
// failures (Postgres restarting, a network blip) for as long as they last,
// holding the messages; it returns a permanent error for the caller to deal
// with, or a transient one when ctx ended and the messages were handed back.
func (l *Loader) saveHeld(ctx context.Context, msgs []jetstream.Msg, what string, save func() error) error {
	for attempt := 0; ; attempt++ {
		err := save()
		if err == nil {
			l.ackAll(msgs)
			return nil
		}
		if permanent(err) {
			return err
		}
		l.metrics.retries.Inc()
		l.log.Warn("storing "+what+", will retry", "batch", len(msgs), "attempt", attempt+1, "err", err)
		if !l.bus.Hold(ctx, msgs, attempt) {
			return err
		}
	}
}

// RunDeadLetters stores dead letters until ctx is cancelled.
func (l *Loader) RunDeadLetters(ctx context.Context) error {
	return l.bus.Consume(ctx, bus.DeadLetterConsumer, l.opts.BatchSize, l.opts.MaxWait, l.handleDeadLetters)
}

func (l *Loader) handle(ctx context.Context, msgs []jetstream.Msg) {
	work := context.WithoutCancel(ctx) // finish the batch in hand on shutdown
	cs, ok := decodeAll(l, work, msgs, message.DecodeClassification)
	if len(cs) == 0 {
		return
	}
	err := l.save(ctx, work, cs, ok)
	if err == nil || !permanent(err) {
		return // loaded, or handed back at shutdown
	}
	// One bad message must not hold back the batch: load one by one to find it.
	l.log.Warn("batch failed, loading one by one", "batch", len(cs), "err", err)
	for i := range cs {
		err := l.save(ctx, work, cs[i:i+1], ok[i:i+1])
		switch {
		case err == nil:
		case permanent(err):
			l.deadLetter(work, ok[i], err)
		default:
			for _, rest := range ok[i+1:] {
				_ = rest.NakWithDelay(time.Second)
			}
			return
		}
	}
}

// save writes one batch of classifications, acking them after commit (see
// [Loader.saveHeld]).
func (l *Loader) save(ctx, work context.Context, cs []message.Classification, msgs []jetstream.Msg) error {
	err := l.saveHeld(ctx, msgs, "classifications", func() error {
		start := time.Now()
		defer func() { l.metrics.batches.Observe(time.Since(start).Seconds()) }()
		return l.store.SaveClassifications(work, cs)
	})
	if err == nil {
		l.metrics.loaded.Add(float64(len(cs)))
		l.log.Debug("batch loaded", "batch", len(cs))
	}
	return err
}

func (l *Loader) deadLetter(ctx context.Context, m jetstream.Msg, reason error) {
	if err := l.bus.DeadLetter(ctx, Stage, m, reason); err != nil {
		// Not acked: it comes back after AckWait and is tried again.
		l.log.Error("dead-lettering", "subject", m.Subject(), "err", err)
	}
}

func (l *Loader) ackAll(msgs []jetstream.Msg) {
	for _, m := range msgs {
		if err := m.Ack(); err != nil {
			// Committed already: a redelivery changes nothing.
			l.log.Warn("ack after commit", "err", err)
		}
	}
}

// permanent reports whether a database error is about the data (and so will
// recur on every retry) rather than the connection or the server.
func permanent(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	switch pg.Code[:2] {
	case "22", "23": // data exception, integrity constraint violation
		return true
	}
	return false
}

func (l *Loader) handleDeadLetters(ctx context.Context, msgs []jetstream.Msg) {
	work := context.WithoutCancel(ctx) // finish the batch in hand on shutdown
	ds := make([]store.DeadLetter, 0, len(msgs))
	var ok []jetstream.Msg
	for _, m := range msgs {
		h := m.Headers()
		meta, err := m.Metadata()
		if err != nil {
			l.log.Error("dead letter metadata", "err", err) // not acked: it comes back
			continue
		}
		ok = append(ok, m)
		msgID := h.Get(bus.HeaderDLQMsgID)
		if msgID == "" {
			msgID = h.Get(jetstream.MsgIDHeader)
		}
		ds = append(ds, store.DeadLetter{
			Stage:   cmp.Or(h.Get(bus.HeaderDLQStage), "unknown"),
			Subject: h.Get(bus.HeaderDLQSubject),
			MsgID:   msgID,
			Payload: m.Data(),
			Reason:  h.Get(bus.HeaderDLQReason),
			Seq:     meta.Sequence.Stream,
		})
	}
	if err := l.saveHeld(ctx, ok, "dead letters", func() error { return l.store.SaveDeadLetters(work, ds) }); err != nil {
		l.log.Error("storing dead letters", "err", err)
		return // not acked: they come back
	}
	l.metrics.deadLetters.Add(float64(len(ds)))
}
