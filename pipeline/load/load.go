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

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// Stage names this stage in dead letters and metrics.
const Stage = "loader"

// Options tunes batching. The zero value is usable.
type Options struct {
	BatchSize int           // messages per transaction, default 256
	MaxWait   time.Duration // longest wait to fill a batch, default 500ms
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
	opts.BatchSize = cmp.Or(opts.BatchSize, 256)
	opts.MaxWait = cmp.Or(opts.MaxWait, 500*time.Millisecond)
	m := &metrics{
		loaded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "horizon_loader_classifications_total", Help: "Classifications committed to Postgres."}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "horizon_loader_dead_letters_total", Help: "Dead letters stored in Postgres."}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "horizon_loader_batch_seconds", Help: "Time to write one batch.", Buckets: prometheus.DefBuckets}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "horizon_loader_retries_total", Help: "Messages handed back for redelivery after a transient error."}),
	}
	reg.MustRegister(m.loaded, m.deadLetters, m.batches, m.retries)
	return &Loader{bus: b, store: s, log: log, opts: opts, metrics: m}
}

// Run loads classifications until ctx is cancelled, then finishes the batch
// in hand.
func (l *Loader) Run(ctx context.Context) error {
	return l.bus.Consume(ctx, bus.LoaderConsumer, l.opts.BatchSize, l.opts.MaxWait, l.handle)
}

// RunDeadLetters stores dead letters until ctx is cancelled.
func (l *Loader) RunDeadLetters(ctx context.Context) error {
	return l.bus.Consume(ctx, bus.DeadLetterConsumer, l.opts.BatchSize, l.opts.MaxWait, l.handleDeadLetters)
}

func (l *Loader) handle(ctx context.Context, msgs []jetstream.Msg) {
	var cs []message.Classification
	var ok []jetstream.Msg
	for _, m := range msgs {
		c, err := message.DecodeClassification(m.Data())
		if err != nil {
			l.deadLetter(ctx, m, err)
			continue
		}
		cs = append(cs, c)
		ok = append(ok, m)
	}
	if len(cs) == 0 {
		return
	}
	start := time.Now()
	err := l.store.SaveClassifications(ctx, cs)
	l.metrics.batches.Observe(time.Since(start).Seconds())
	if err == nil {
		l.ackAll(ok)
		l.metrics.loaded.Add(float64(len(cs)))
		l.log.Debug("batch loaded", "batch", len(cs))
		return
	}
	if !permanent(err) || len(cs) == 1 {
		l.settleFailed(ctx, ok, err)
		return
	}
	// One bad message must not hold back the batch: load one by one to find it.
	l.log.Warn("batch failed, loading one by one", "batch", len(cs), "err", err)
	for i := range cs {
		if err := l.store.SaveClassifications(ctx, cs[i:i+1]); err != nil {
			l.settleFailed(ctx, ok[i:i+1], err)
			continue
		}
		l.ackAll(ok[i : i+1])
		l.metrics.loaded.Inc()
	}
}

// settleFailed dead-letters messages that failed for good and hands the
// others back for redelivery with backoff.
func (l *Loader) settleFailed(ctx context.Context, msgs []jetstream.Msg, err error) {
	for _, m := range msgs {
		if permanent(err) {
			l.deadLetter(ctx, m, err)
			continue
		}
		l.metrics.retries.Inc()
		if rerr := l.bus.Retry(ctx, Stage, m, err); rerr != nil {
			l.log.Error("handing back for redelivery", "err", rerr)
		}
	}
	l.log.Warn("batch not loaded", "batch", len(msgs), "err", err)
}

func (l *Loader) deadLetter(ctx context.Context, m jetstream.Msg, reason error) {
	if err := l.bus.DeadLetter(ctx, Stage, m, reason); err != nil {
		// Not acked: it comes back after AckWait and is tried again.
		l.log.Error("dead-lettering", "subject", m.Subject(), "err", err)
		return
	}
	l.log.Warn("dead-lettered", "subject", m.Subject(), "reason", reason)
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
	ds := make([]store.DeadLetter, 0, len(msgs))
	for _, m := range msgs {
		h := m.Headers()
		meta, err := m.Metadata()
		if err != nil {
			l.log.Error("dead letter metadata", "err", err)
			continue
		}
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
	if err := l.store.SaveDeadLetters(ctx, ds); err != nil {
		l.log.Error("storing dead letters", "err", err)
		for _, m := range msgs {
			_ = m.NakWithDelay(time.Second)
		}
		return
	}
	l.ackAll(msgs)
	l.metrics.deadLetters.Add(float64(len(ds)))
}
