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
	if w.seen == nil {
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
	return &Worker{bus: b, rules: rs, log: log, clock: time.Now, metrics: m}
}

// Run works until ctx is cancelled, then finishes the batch in hand.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Info("classifier running", "rule_set", w.rules.Version, "rules", w.rules.Rules())
	return w.bus.Consume(ctx, bus.ClassifierConsumer, 32, time.Second, w.handle)
}

func (w *Worker) handle(ctx context.Context, msgs []jetstream.Msg) {
	work := context.WithoutCancel(ctx) // finish the batch in hand on shutdown
	for i, m := range msgs {
		if !w.handleOne(ctx, work, m) {
			// Shutting down during an outage: hand back what is left.
			for _, rest := range msgs[i+1:] {
				_ = rest.NakWithDelay(time.Second)
			}
			return
		}
	}
}

// handleOne classifies one document and publishes the result, waiting out
// a NATS outage. It returns false when it stopped waiting because ctx ended.
func (w *Worker) handleOne(ctx, work context.Context, m jetstream.Msg) bool {
	d, err := message.DecodeDocument(m.Data())
	if err != nil {
		// It will never decode: dead-letter it now rather than retry.
		w.metrics.failed.Inc()
		if dlErr := w.bus.DeadLetter(work, Stage, m, err); dlErr != nil {
			w.log.Error("dead-lettering", "subject", m.Subject(), "err", dlErr)
		}
		return true
	}
	c := Classify(w.rules, d, w.clock())
	w.firstSightings(work, &c)
	shrink := func(over int) bool {
		// The classification carries the document: cut its text, which
		// the labels' evidence does not need, and say so.
		c.Truncated = true
		return c.Document.CutText(over)
	}
	for attempt := 0; ; attempt++ {
		_, _, err := w.bus.PublishFitting(work, w.bus.ClassifiedSubject(d.Source), c.MsgID(), &c, shrink)
		if errors.Is(err, bus.ErrTooLarge) || errors.Is(err, nats.ErrMaxPayload) {
			// It will never fit: dead-letter it rather than retry forever.
			w.metrics.failed.Inc()
			if dlErr := w.bus.DeadLetter(work, Stage, m, err); dlErr != nil {
				w.log.Error("dead-lettering", "subject", m.Subject(), "err", dlErr)
			}
			return true
		}
		if err == nil {
			break
		}
		w.metrics.failed.Inc()
		w.log.Warn("publishing classification, will retry", "doc_id", d.ID, "attempt", attempt+1, "err", err)
		if !w.bus.Hold(ctx, []jetstream.Msg{m}, attempt) {
			return false
		}
	}
	if err := m.Ack(); err != nil {
		// The classification is stored; a redelivery republishes the same
		// message id, which the stream drops.
		w.log.Warn("ack after publish", "doc_id", d.ID, "err", err)
	}
	w.metrics.classified.WithLabelValues(fmt.Sprint(c.Relevant)).Inc()
	return true
}
