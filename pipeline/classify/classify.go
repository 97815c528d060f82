// Package classify applies the rules to documents: [Classify] is the pure
// function, [Worker] the NATS worker that reads raw documents and publishes
// classifications.
package classify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

// Stage names this stage in dead letters and metrics.
const Stage = "classifier"

// MaxTextBytes is how much of a document's text is classified: a longer
// text (a 50 MB page, a runaway feed item) is classified on its first
// MaxTextBytes, cut at a character boundary, and the result says so.
const MaxTextBytes = 1 << 20

// Classify applies a rule set to a document.
func Classify(rs *rules.RuleSet, d message.Document, now time.Time) message.Classification {
	c, _ := classify(rs, d, now)
	return c
}

// maxTitleBytes is how much of a title is classified.
const maxTitleBytes = 4096

// classify is Classify, also returning what the rules said (with the
// relevance gate's evidence, which the message does not carry).
func classify(rs *rules.RuleSet, d message.Document, now time.Time) (message.Classification, rules.Result) {
	text, truncated := truncate(d.Text, MaxTextBytes)
	title, titleCut := truncate(d.Title, maxTitleBytes)
	r := rs.Classify(title, text)
	return message.Classification{
		Truncated:      truncated || titleCut,
		SchemaVersion:  message.ClassificationVersion,
		Document:       d,
		RuleSetVersion: rs.Version,
		Relevant:       r.Relevant,
		NearMiss:       r.NearMiss,
		Labels:         r.Labels,
		Review:         r.Review,
		Organisations:  r.Organisations,
		Technology:     r.Technology,
		Vendors:        r.Vendors,
		Marks:          r.Marks,
		ClassifiedAt:   now.UTC(),
	}, r
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// Worker reads raw documents from the "classifier" consumer, classifies
// them and publishes the classifications. A document is acked only after its
// classification is stored in the stream.
type Worker struct {
	bus     *bus.Bus
	rules   *rules.RuleSet
	log     *slog.Logger
	clock   func() time.Time
	metrics *metrics
	seen    jetstream.KeyValue // technologies seen; nil: no first-sighting review
	// inFlight is how many batches the worker has at once.
	inFlight int
}

// DefaultBatchesInFlight is how many batches a worker has at once unless
// told otherwise: while one waits for the stream to acknowledge its
// classifications, another is classified. Measured end to end on two
// cores (BENCHMARKS.md): one batch at a time, 2,450–2,730 documents/s;
// two, 3,090–3,410; three, no better.
const DefaultBatchesInFlight = 2

// WithBatchesInFlight sets how many batches the worker has at once (at
// least 1).
func (w *Worker) WithBatchesInFlight(n int) *Worker {
	w.inFlight = max(n, 1)
	return w
}

// ReasonFirstSighting starts the review reason given to the first document
// that names a known technology (a vendor or product of the gazetteer).
const ReasonFirstSighting = "first sighting of"

// WithSeen makes the worker send the first document naming each known
// technology to review, remembering sightings in kv (shared by every
// classifier replica).
func (w *Worker) WithSeen(kv jetstream.KeyValue) *Worker {
	w.seen = kv
	return w
}

// firstSightings adds a review reason for each technology c names that no
// earlier document named. The bucket's Create is atomic across replicas;
// a redelivered document finds its own id there and keeps its verdict.
func (w *Worker) firstSightings(ctx context.Context, c *message.Classification) {
	if w.seen == nil || !c.Relevant {
		// A near miss names what it names, but only a relevant document
		// is a sighting.
		return
	}
	for _, o := range c.Organisations {
		if o.Kind != "product" && o.Kind != "vendor" {
			continue
		}
		key := o.Kind + "." + o.ID
		_, err := w.seen.Create(ctx, key, []byte(c.Document.ID))
		if errors.Is(err, jetstream.ErrKeyExists) {
			e, gerr := w.seen.Get(ctx, key)
			if gerr != nil || string(e.Value()) != c.Document.ID {
				continue
			}
			err = nil
		}
		if err != nil {
			w.log.Warn("recording a sighting", "technology", o.Name, "err", err)
			continue
		}
		c.Review.Reasons = append(c.Review.Reasons, ReasonFirstSighting+" "+o.Kind+" "+o.Name)
		c.Review.Needed = true
	}
}

type metrics struct {
	classified *prometheus.CounterVec
	failed     prometheus.Counter
}

// NewWorker returns a worker. Its metrics are registered on reg.
func NewWorker(b *bus.Bus, rs *rules.RuleSet, log *slog.Logger, reg prometheus.Registerer) *Worker {
	m := &metrics{
		classified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "horizon_classifier_documents_total",
			Help: "Documents classified, by relevance.",
		}, []string{"relevant"}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "horizon_classifier_failures_total",
			Help: "Failed attempts: undecodable documents (dead-lettered) and failed publishes (retried).",
		}),
	}
	reg.MustRegister(m.classified, m.failed)
	return &Worker{bus: b, rules: rs, log: log, clock: time.Now, metrics: m, inFlight: DefaultBatchesInFlight}
}

// batchSize is the most documents the worker fetches at once: their
// classifications are published together, so a larger batch spreads the
// round trips to the server over more documents.
const batchSize = 128

// Run works until ctx is cancelled, then finishes the batches in hand. It
// fetches and handles its batches in flight each on its own.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Info("classifier running", "rule_set", w.rules.Version, "rules", w.rules.Rules(), "batches_in_flight", w.inFlight)
	var g errgroup.Group
	for range w.inFlight {
		g.Go(func() error { return w.bus.Consume(ctx, bus.ClassifierConsumer, batchSize, time.Second, w.handle) })
	}
	return g.Wait()
}

// handle classifies a batch and publishes the classifications without
// waiting for each acknowledgement in turn: all are sent, then each input
// is acked once the stream has acknowledged its output. An output the
// stream did not take is published again synchronously, waiting out an
// outage; its message id makes every republication harmless.
func (w *Worker) handle(ctx context.Context, msgs []jetstream.Msg) {
	work := context.WithoutCancel(ctx) // finish the batch in hand on shutdown
	sent := make([]outgoing, 0, len(msgs))
	for _, m := range msgs {
		o, ok := w.prepare(work, m)
		if !ok {
			continue // settled: dead-lettered
		}
		o.future, o.err = w.bus.PublishAsync(o.subject, o.c.MsgID(), o.data)
		sent = append(sent, o)
	}
	for i, o := range sent {
		if err := o.wait(ctx); err == nil {
			w.done(o)
			continue
		}
		if !w.publish(ctx, work, o) {
			// Shutting down during an outage: hand back what is left.
			for _, rest := range sent[i+1:] {
				_ = rest.m.NakWithDelay(time.Second)
			}
			return
		}
	}
}

// outgoing is one input and the classification published for it.
type outgoing struct {
	m       jetstream.Msg
	c       message.Classification
	subject string
	data    []byte
	future  jetstream.PubAckFuture
	err     error
}

// ackWait bounds the wait for an asynchronous publication's
// acknowledgement; past it the classification is published again
// synchronously.
const ackWait = 10 * time.Second

// wait waits for the stream to acknowledge o's publication.
func (o outgoing) wait(ctx context.Context) error {
	if o.err != nil {
		return o.err
	}
	t := time.NewTimer(ackWait)
	defer t.Stop()
	select {
	case <-o.future.Ok():
		return nil
	case err := <-o.future.Err():
		return err
	case <-t.C:
		return errors.New("no acknowledgement in time")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// prepare decodes and classifies input m and encodes the classification
// under the max payload. An input that can never be published (it does not
// decode, its classification cannot be made small enough) is dead-lettered
// and prepare returns false.
func (w *Worker) prepare(work context.Context, m jetstream.Msg) (outgoing, bool) {
	d, err := message.DecodeDocument(m.Data())
	if err != nil {
		w.deadLetter(work, m, err) // it will never decode
		return outgoing{}, false
	}
	o := outgoing{m: m, c: Classify(w.rules, d, w.clock()), subject: w.bus.ClassifiedSubject(d.Source)}
	w.firstSightings(work, &o.c)
	o.data, _, err = w.bus.Fit(o.subject, &o.c, func(over int) bool {
		// The classification carries the document: cut its text, which
		// the labels' evidence does not need, and say so.
		o.c.Truncated = true
		return o.c.Document.CutText(over)
	})
	if err != nil {
		w.deadLetter(work, m, err) // it will never fit
		return outgoing{}, false
	}
	return o, true
}

func (w *Worker) deadLetter(work context.Context, m jetstream.Msg, reason error) {
	w.metrics.failed.Inc()
	if err := w.bus.DeadLetter(work, Stage, m, reason); err != nil {
		w.log.Error("dead-lettering", "subject", m.Subject(), "err", err)
	}
}

// publish publishes o synchronously until the stream takes it, waiting out
// a NATS outage, then acks its input. It returns false when it stopped
// waiting because ctx ended.
func (w *Worker) publish(ctx, work context.Context, o outgoing) bool {
	for attempt := 0; ; attempt++ {
		_, err := w.bus.PublishRaw(work, o.subject, o.c.MsgID(), o.data)
		if errors.Is(err, nats.ErrMaxPayload) {
			w.deadLetter(work, o.m, err) // the server's limit fell below it
			return true
		}
		if err == nil {
			w.done(o)
			return true
		}
		w.metrics.failed.Inc()
		w.log.Warn("publishing classification, will retry", "doc_id", o.c.Document.ID, "attempt", attempt+1, "err", err)
		if !w.bus.Hold(ctx, []jetstream.Msg{o.m}, attempt) {
			return false
		}
	}
}

// done acks o's input: its classification is in the stream.
func (w *Worker) done(o outgoing) {
	if err := o.m.Ack(); err != nil {
		// The classification is stored; a redelivery republishes the same
		// message id, which the stream drops.
		w.log.Warn("ack after publish", "doc_id", o.c.Document.ID, "err", err)
	}
	w.metrics.classified.WithLabelValues(fmt.Sprint(o.c.Relevant)).Inc()
}
