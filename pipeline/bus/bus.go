// Package bus declares Horizon's JetStream topology (one stream, its subjects
// and the durable pull consumers of each stage) and the publish, consume,
// retry and dead-letter helpers every stage uses.
//
// Subjects, under a configurable prefix ("horizon" in production):
//
//	<prefix>.raw.<source>         documents from the scraper
//	<prefix>.classified.<source>  classifications from the classifier
//	<prefix>.dlq.<stage>          messages a stage could never process
//
// Durable consumers: "classifier" on raw, "loader" on classified,
// "dead-letters" on dlq. Several processes may share one consumer; JetStream
// hands each message to one of them.
package bus

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Consumer names, one per stage that reads the stream.
const (
	ClassifierConsumer   = "classifier"
	LoaderConsumer       = "loader"
	DeadLetterConsumer   = "dead-letters"
	defaultMaxDeliver    = 5
	defaultAckWait       = 30 * time.Second
	defaultMaxAge        = 30 * 24 * time.Hour
	defaultDupWindow     = time.Hour
	defaultStream        = "HORIZON"
	defaultPrefix        = "horizon"
	defaultMaxAckPending = 2000
)

// Headers set on dead-lettered messages.
const (
	HeaderDLQReason  = "Horizon-Dlq-Reason"
	HeaderDLQStage   = "Horizon-Dlq-Stage"
	HeaderDLQSubject = "Horizon-Dlq-Subject"
	HeaderDLQMsgID   = "Horizon-Dlq-Msg-Id"
)

// Config names the stream and sets its limits. The zero value is the
// production topology; tests set Stream and Prefix to run side by side on one
// server.
type Config struct {
	Stream          string        // stream name, default "HORIZON"
	Prefix          string        // subject prefix, default "horizon"
	Replicas        int           // stream replicas, default 1 (3 on a cluster)
	MaxAge          time.Duration // how long messages are kept for replay, default 30 days
	DuplicateWindow time.Duration // Nats-Msg-Id de-duplication window, default 1h
	AckWait         time.Duration // redelivery after this long without an ack, default 30s
	MaxDeliver      int           // deliveries before a message is dead-lettered, default 5
	RetryBackoff    time.Duration // first redelivery delay after a transient failure, doubling each time; default 250ms
}

func (c Config) withDefaults() Config {
	c.Stream = cmp.Or(c.Stream, defaultStream)
	c.Prefix = cmp.Or(c.Prefix, defaultPrefix)
	c.Replicas = cmp.Or(c.Replicas, 1)
	c.MaxAge = cmp.Or(c.MaxAge, defaultMaxAge)
	c.DuplicateWindow = cmp.Or(c.DuplicateWindow, defaultDupWindow)
	c.AckWait = cmp.Or(c.AckWait, defaultAckWait)
	c.MaxDeliver = cmp.Or(c.MaxDeliver, defaultMaxDeliver)
	c.RetryBackoff = cmp.Or(c.RetryBackoff, 250*time.Millisecond)
	return c
}

// Bus is a JetStream context bound to Horizon's topology.
type Bus struct {
	js  jetstream.JetStream
	cfg Config
}

// Open declares the stream and the durable consumers (idempotently: several
// processes may call it at once, at every start) and returns a Bus.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Bus, error) {
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("creating jetstream context: %w", err)
	}
	b := &Bus{js: js, cfg: cfg}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "Horizon pipeline: raw documents, classifications, dead letters",
		Subjects:    []string{b.subject("raw", ">"), b.subject("classified", ">"), b.subject("dlq", ">")},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.MaxAge,
		Duplicates:  cfg.DuplicateWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("declaring stream %s: %w", cfg.Stream, err)
	}
	consumers := map[string]string{
		ClassifierConsumer: b.subject("raw", ">"),
		LoaderConsumer:     b.subject("classified", ">"),
		DeadLetterConsumer: b.subject("dlq", ">"),
	}
	for name, filter := range consumers {
		_, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
			Durable:       name,
			FilterSubject: filter,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       cfg.AckWait,
			MaxDeliver:    cfg.MaxDeliver,
			MaxAckPending: defaultMaxAckPending,
			DeliverPolicy: jetstream.DeliverAllPolicy,
		})
		if err != nil {
			return nil, fmt.Errorf("declaring consumer %s: %w", name, err)
		}
	}
	return b, nil
}

// Config returns the topology in use, defaults filled in.
func (b *Bus) Config() Config { return b.cfg }

// JetStream exposes the underlying context for stream inspection.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

func (b *Bus) subject(kind, tail string) string { return b.cfg.Prefix + "." + kind + "." + tail }

// RawSubject is where the scraper publishes documents of a source.
func (b *Bus) RawSubject(source string) string { return b.subject("raw", source) }

// ClassifiedSubject is where the classifier publishes classifications.
func (b *Bus) ClassifiedSubject(source string) string { return b.subject("classified", source) }

// DLQSubject is where a stage sends messages it can never process.
func (b *Bus) DLQSubject(stage string) string { return b.subject("dlq", stage) }

// PublishJSON publishes v as JSON with msgID as Nats-Msg-Id and waits for the
// server's acknowledgement, so that on return the message is durable.
// duplicate reports that the server already had a message with that id.
func (b *Bus) PublishJSON(ctx context.Context, subject, msgID string, v any) (duplicate bool, err error) {
	data, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("encoding message for %s: %w", subject, err)
	}
	ack, err := b.js.Publish(ctx, subject, data, jetstream.WithMsgID(msgID))
	if err != nil {
		return false, fmt.Errorf("publishing to %s: %w", subject, err)
	}
	return ack.Duplicate, nil
}

// Handler processes a batch of messages. It must settle every message (ack,
// nak, term, or [Bus.Retry] / [Bus.DeadLetter]) before it returns; an
// unsettled message is redelivered after AckWait.
type Handler func(ctx context.Context, msgs []jetstream.Msg)

// Consume fetches batches of up to size messages from the durable consumer
// and hands each batch to h, until ctx is cancelled. A batch in progress when
// ctx is cancelled is finished (with a context that is not cancelled, bounded
// by AckWait) so that shutdown settles in-flight work instead of abandoning
// it.
func (b *Bus) Consume(ctx context.Context, consumer string, size int, maxWait time.Duration, h Handler) error {
	cons, err := b.js.Consumer(ctx, b.cfg.Stream, consumer)
	if err != nil {
		return fmt.Errorf("binding consumer %s: %w", consumer, err)
	}
	for ctx.Err() == nil {
		batch, err := cons.Fetch(size, jetstream.FetchMaxWait(maxWait))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, nats.ErrConnectionClosed) {
				return fmt.Errorf("fetching from %s: %w", consumer, err)
			}
			// The connection reconnects by itself; wait a little and go on.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		if len(msgs) == 0 {
			continue
		}
		work, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.cfg.AckWait)
		h(work, msgs)
		cancel()
	}
	return nil
}

// Retry settles a message whose processing failed with a transient error:
// it is redelivered after a backoff that grows with each delivery, and
// dead-lettered on its last allowed delivery instead of being dropped.
func (b *Bus) Retry(ctx context.Context, stage string, m jetstream.Msg, cause error) error {
	meta, err := m.Metadata()
	if err != nil {
		return fmt.Errorf("reading metadata: %w", err)
	}
	if int(meta.NumDelivered) >= b.cfg.MaxDeliver {
		return b.DeadLetter(ctx, stage, m, fmt.Errorf("gave up after %d deliveries: %w", meta.NumDelivered, cause))
	}
	delay := b.cfg.RetryBackoff << min(meta.NumDelivered-1, 6)
	if err := m.NakWithDelay(delay); err != nil {
		return fmt.Errorf("nak: %w", err)
	}
	return nil
}

// DeadLetter publishes a message that can never be processed to
// <prefix>.dlq.<stage> with its payload intact and the reason in headers, and
// then terminates it so it is never redelivered. The dead-letter publish is
// de-duplicated by the original stream sequence, so a crash between the two
// steps cannot store the letter twice.
func (b *Bus) DeadLetter(ctx context.Context, stage string, m jetstream.Msg, reason error) error {
	meta, err := m.Metadata()
	if err != nil {
		return fmt.Errorf("reading metadata: %w", err)
	}
	out := nats.NewMsg(b.DLQSubject(stage))
	out.Data = m.Data()
	out.Header.Set(HeaderDLQReason, reason.Error())
	out.Header.Set(HeaderDLQStage, stage)
	out.Header.Set(HeaderDLQSubject, m.Subject())
	if h := m.Headers(); h != nil {
		out.Header.Set(HeaderDLQMsgID, h.Get(jetstream.MsgIDHeader))
	}
	out.Header.Set(jetstream.MsgIDHeader, "dlq:"+stage+":"+strconv.FormatUint(meta.Sequence.Stream, 10))
	if _, err := b.js.PublishMsg(ctx, out); err != nil {
		return fmt.Errorf("publishing dead letter: %w", err)
	}
	if err := m.Term(); err != nil {
		return fmt.Errorf("term: %w", err)
	}
	return nil
}

// Pending reports how many messages a consumer has yet to deliver or to see
// acknowledged. Zero means the stage has caught up with the stream.
func (b *Bus) Pending(ctx context.Context, consumer string) (uint64, error) {
	cons, err := b.js.Consumer(ctx, b.cfg.Stream, consumer)
	if err != nil {
		return 0, fmt.Errorf("binding consumer %s: %w", consumer, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer %s info: %w", consumer, err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}
