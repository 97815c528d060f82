// Package bus declares Horizon's JetStream topology (one stream, its subjects
// and the durable pull consumers of each stage) and the publish, consume,
// retry and dead-letter helpers every stage uses.
//
// Subjects, under a configurable prefix ("horizon" in production):
//
//	<prefix>.raw.<source>         documents from the scraper
//	<prefix>.classified.<source>  classifications from the classifier
//	<prefix>.runs.<source>        a record of each scraper run of a source
//	<prefix>.dlq.<stage>          messages a stage could never process
//
// Durable consumers: "classifier" on raw, "loader" on classified,
// "source-runs" on runs, "dead-letters" on dlq. The scraper's page state
// lives in the key-value bucket [Bus.StateBucket]. Several processes may share one consumer; JetStream
// hands each message to one of them.
package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Consumer names, one per stage that reads the stream.
const (
	ClassifierConsumer   = "classifier"
	LoaderConsumer       = "loader"
	DeadLetterConsumer   = "dead-letters"
	SourceRunConsumer    = "source-runs"
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
	Stream string // stream name, default "HORIZON"
	Prefix string // subject prefix, default "horizon"
	// The stream's and the buckets' settings. Each is used to create them;
	// once they exist, one left at zero is whatever the server has (an
	// operator's change stays), and one set differently is only logged,
	// unless UpdateStream (see [Bus.declareStream]).
	Replicas        int           // stream and bucket replicas, default 1 (3 on a cluster)
	MaxAge          time.Duration // how long messages are kept for replay, default 30 days
	MaxBytes        int64         // the stream's size limit in bytes, default unlimited (-1)
	Discard         string        // at MaxBytes: "old" drops the oldest messages (default), "new" refuses new ones
	DuplicateWindow time.Duration // Nats-Msg-Id de-duplication window, default 1h
	// UpdateStream applies the settings above to an existing stream and
	// buckets that differ from them.
	UpdateStream bool
	AckWait      time.Duration // redelivery after this long without an ack, default 30s
	MaxDeliver   int           // deliveries without being settled before a message is handled alone (crash-loop guard), default 5
	// IsolatedAttempts is how many times a message handled alone may go
	// unsettled (the process dies, or the handler hands it back) before it
	// is dead-lettered, default 2.
	IsolatedAttempts int
	// Log receives the dead letters and the guard's warnings; default
	// slog.Default().
	Log          *slog.Logger
	RetryBackoff time.Duration // first wait after a transient failure, doubling up to 10s; default 250ms
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
	c.IsolatedAttempts = cmp.Or(c.IsolatedAttempts, 2)
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// Bus is a JetStream context bound to Horizon's topology.
type Bus struct {
	js        jetstream.JetStream
	cfg       Config
	log       *slog.Logger
	isolation jetstream.KeyValue // attempts at messages handled alone
	nc        *nats.Conn
	// explicit is the configuration as given: the stream and bucket
	// settings it leaves at zero are the server's once they exist.
	explicit Config
	watch    *Watch // nil until [Bus.Watch]
}

// Open declares the stream and the durable consumers (idempotently: several
// processes may call it at once, at every start) and returns a Bus.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Bus, error) {
	explicit := cfg
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("creating jetstream context: %w", err)
	}
	b := &Bus{js: js, cfg: cfg, log: cfg.Log, nc: nc, explicit: explicit}
	if err := b.declareStream(ctx); err != nil {
		return nil, err
	}
	consumers := map[string]string{
		ClassifierConsumer: b.subject("raw", ">"),
		LoaderConsumer:     b.subject("classified", ">"),
		DeadLetterConsumer: b.subject("dlq", ">"),
		SourceRunConsumer:  b.subject("runs", ">"),
	}
	for name, filter := range consumers {
		err := retryServerErrors(ctx, func() error {
			_, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
				Durable:       name,
				FilterSubject: filter,
				AckPolicy:     jetstream.AckExplicitPolicy,
				AckWait:       cfg.AckWait,
				// Unlimited: a server that gives up on a message stops
				// delivering it without telling anyone. Consume dead-letters
				// it instead (see MaxDeliver in Config).
				MaxDeliver:    -1,
				MaxAckPending: defaultMaxAckPending,
				DeliverPolicy: jetstream.DeliverAllPolicy,
			})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("declaring consumer %s: %w", name, err)
		}
	}
	b.isolation, err = b.keyValue(ctx, b.IsolationBucket(), "Horizon: attempts at messages handled alone by the crash-loop guard")
	if err != nil {
		return nil, err
	}
	return b, nil
}

// retryServerErrors retries a declaration that failed on the server's side
// (an API error with a 5xx code, such as a store that could not be created
// while another stream was being removed), a few times with a short pause.
// Errors in the request itself are returned at once.
func retryServerErrors(ctx context.Context, declare func() error) error {
	var err error
	for attempt := range 5 {
		if err = declare(); err == nil {
			return nil
		}
		var apiErr *jetstream.APIError
		if !errors.As(err, &apiErr) || apiErr.Code < 500 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}
	return err
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

// RunSubject is where the scraper publishes the record of a source's run.
func (b *Bus) RunSubject(source string) string { return b.subject("runs", source) }

// StateBucket names the key-value bucket of the scraper's page state.
func (b *Bus) StateBucket() string { return b.cfg.Stream + "_scrape_state" }

// StateStore declares (idempotently) and returns the key-value bucket of
// the scraper's page state.
func (b *Bus) StateStore(ctx context.Context) (jetstream.KeyValue, error) {
	return b.keyValue(ctx, b.StateBucket(), "Horizon scraper: ETag, Last-Modified and content hash per URL")
}

// IsolationBucket names the key-value bucket where the crash-loop guard
// counts its attempts at messages handled alone.
func (b *Bus) IsolationBucket() string { return b.cfg.Stream + "_isolation" }

// SeenBucket names the key-value bucket of the technologies the classifier
// has seen named.
func (b *Bus) SeenBucket() string { return b.cfg.Stream + "_seen_technologies" }

// SeenStore declares (idempotently) and returns the bucket of technologies
// seen: the first document to name a technology is recorded against it.
func (b *Bus) SeenStore(ctx context.Context) (jetstream.KeyValue, error) {
	return b.keyValue(ctx, b.SeenBucket(), "Horizon classifier: the first document to name each known technology")
}

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
	return b.PublishRaw(ctx, subject, msgID, data)
}

// ErrTooLarge is returned for a message larger than the server takes
// (its max_payload, less room for headers), whatever was cut from it.
var ErrTooLarge = errors.New("message larger than the server's max payload")

// headroom is kept below the server's max payload for the headers
// (message id, dead-letter reasons).
const headroom = 8 << 10

// MaxMessageBytes is the largest message body the server takes, less room
// for headers.
func (b *Bus) MaxMessageBytes() int {
	return max(int(b.nc.MaxPayload())-headroom, 1024)
}

// PublishFitting publishes v like [Bus.PublishJSON], keeping it under the
// server's max payload ([Bus.Fit]). cut says that shrink was called; when
// v cannot be made small enough the error is ErrTooLarge and nothing is
// published.
func (b *Bus) PublishFitting(ctx context.Context, subject, msgID string, v any, shrink func(over int) bool) (duplicate, cut bool, err error) {
	data, cut, err := b.Fit(subject, v, shrink)
	if err != nil {
		return false, cut, err
	}
	duplicate, err = b.PublishRaw(ctx, subject, msgID, data)
	return duplicate, cut, err
}

// Fit encodes v as JSON under the server's max payload: while its JSON is
// too large it calls shrink with the number of bytes over, and shrink cuts
// v (a document's text, say) and reports whether it could. cut says that
// shrink was called; when v cannot be made small enough the error is
// ErrTooLarge.
func (b *Bus) Fit(subject string, v any, shrink func(over int) bool) (data []byte, cut bool, err error) {
	limit := b.MaxMessageBytes()
	for range 8 {
		data, err := json.Marshal(v)
		if err != nil {
			return nil, cut, fmt.Errorf("encoding message for %s: %w", subject, err)
		}
		if len(data) <= limit {
			return data, cut, nil
		}
		if !shrink(len(data) - limit) {
			return nil, cut, fmt.Errorf("%s: %d bytes, at most %d: %w", subject, len(data), limit, ErrTooLarge)
		}
		cut = true
	}
	return nil, cut, fmt.Errorf("%s: still over %d bytes after cutting: %w", subject, limit, ErrTooLarge)
}

// PublishAsync publishes data with msgID as Nats-Msg-Id without waiting:
// the future settles when the server acknowledges it (or fails). Whoever
// acks an input on the strength of it must wait for the future first.
func (b *Bus) PublishAsync(subject, msgID string, data []byte) (jetstream.PubAckFuture, error) {
	f, err := b.js.PublishAsync(subject, data, jetstream.WithMsgID(msgID))
	if err != nil {
		return nil, fmt.Errorf("publishing to %s: %w", subject, err)
	}
	return f, nil
}

// PublishRaw publishes data as it is with msgID as Nats-Msg-Id and waits
// for the server's acknowledgement. duplicate reports that the server
// already had a message with that id.
func (b *Bus) PublishRaw(ctx context.Context, subject, msgID string, data []byte) (duplicate bool, err error) {
	ack, err := b.js.Publish(ctx, subject, data, jetstream.WithMsgID(msgID))
	if err != nil {
		return false, fmt.Errorf("publishing to %s: %w", subject, err)
	}
	return ack.Duplicate, nil
}

// Handler processes a batch of messages. It must settle every message (ack,
// nak, term, [Bus.DeadLetter]) before it returns; an unsettled message is
// redelivered after AckWait. ctx is cancelled when the consumer is asked to
// stop: a handler finishes the batch in hand with a context detached from it
// (context.WithoutCancel), and stops waiting out an outage ([Bus.Hold]).
type Handler func(ctx context.Context, msgs []jetstream.Msg)

// Consume fetches batches of up to size messages from the durable consumer
// and hands each batch to h, until ctx is cancelled.
//
// A batch is what is waiting when the handler is free: it takes the
// messages at hand at once rather than waiting maxWait to fill the batch,
// and waits (up to maxWait) only when there are none. Under load, batches
// grow with what arrived while the last one was handled; when the flow
// stops, the last messages are not held back.
//
// A message already delivered more than MaxDeliver times without being
// settled (the process handling it died, or kept handing it back) is handed
// out alone from then on, and dead-lettered after IsolatedAttempts alone
// that did not settle it (see [Bus.isolate]): one message cannot stop a
// stage for good, and the good messages that came with it are not
// dead-lettered with it.
func (b *Bus) Consume(ctx context.Context, consumer string, size int, maxWait time.Duration, h Handler) error {
	cons, err := b.js.Consumer(ctx, b.cfg.Stream, consumer)
	if err != nil {
		return fmt.Errorf("binding consumer %s: %w", consumer, err)
	}
	idle := false // the last fetch found nothing at hand
	for ctx.Err() == nil {
		var batch jetstream.MessageBatch
		if idle {
			batch, err = cons.Fetch(size, jetstream.FetchMaxWait(maxWait))
		} else {
			batch, err = cons.FetchNoWait(size)
		}
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
		var msgs, suspects []jetstream.Msg
		for m := range batch.Messages() {
			if b.delivered(m) > b.cfg.MaxDeliver {
				suspects = append(suspects, m)
				continue
			}
			msgs = append(msgs, m)
		}
		idle = len(msgs)+len(suspects) == 0
		if len(msgs) > 0 {
			h(ctx, msgs)
			b.watch.handled(consumer)
		}
		b.isolate(ctx, consumer, suspects, h)
	}
	return nil
}

// delivered is how many times a message has been handed out.
func (b *Bus) delivered(m jetstream.Msg) int {
	meta, err := m.Metadata()
	if err != nil {
		return 0
	}
	return int(meta.NumDelivered)
}

// isolate handles messages delivered more than MaxDeliver times one at a
// time, so that a message that kills the process (or that the handler
// never settles) is found among the good ones it came with and
// dead-lettered alone. Before each is handed out alone, an attempt is
// counted in the isolation bucket; an attempt that ends with the message
// acked or terminated clears the count, so only attempts the process did
// not survive, or that left the message unsettled, accumulate. A message
// that has had IsolatedAttempts of them is dead-lettered. The good
// messages of a crash-looping batch are handled alone in turn and settle
// as usual.
func (b *Bus) isolate(ctx context.Context, consumer string, suspects []jetstream.Msg, h Handler) {
	work := context.WithoutCancel(ctx)
	touched := time.Now() // the batch was just delivered
	for i, m := range suspects {
		if ctx.Err() != nil {
			for _, rest := range suspects[i:] {
				_ = rest.NakWithDelay(time.Second)
			}
			return
		}
		// The ones still waiting stay ours while those before are handled:
		// told so once a quarter of AckWait, not once per message handled.
		if time.Since(touched) > b.cfg.AckWait/4 {
			for _, rest := range suspects[i+1:] {
				_ = rest.InProgress()
			}
			touched = time.Now()
		}
		meta, err := m.Metadata()
		if err != nil {
			continue // not settled: it comes back
		}
		key := consumer + "." + strconv.FormatUint(meta.Sequence.Stream, 10)
		attempts := 0
		if e, err := b.isolation.Get(work, key); err == nil {
			attempts, _ = strconv.Atoi(string(e.Value()))
		}
		if attempts >= b.cfg.IsolatedAttempts {
			reason := fmt.Errorf("%s did not settle it in %d attempts alone (the process stopped or handed it back; delivered %d times)",
				consumer, attempts, meta.NumDelivered)
			if err := b.DeadLetter(work, consumer, m, reason); err == nil {
				_ = b.isolation.Purge(work, key)
			}
			continue
		}
		if _, err := b.isolation.Put(work, key, []byte(strconv.Itoa(attempts+1))); err != nil {
			b.log.Warn("counting an isolated attempt", "consumer", consumer, "seq", meta.Sequence.Stream, "err", err)
		}
		t := &tracked{Msg: m}
		h(ctx, []jetstream.Msg{t})
		b.watch.handled(consumer)
		if t.settled || ctx.Err() != nil {
			// Done with, or handed back at shutdown: not the message's fault.
			_ = b.isolation.Purge(work, key)
		}
	}
}

// tracked records whether a handler settled a message for good.
type tracked struct {
	jetstream.Msg
	settled bool
}

func (t *tracked) Ack() error {
	t.settled = true
	return t.Msg.Ack()
}

func (t *tracked) DoubleAck(ctx context.Context) error {
	t.settled = true
	return t.Msg.DoubleAck(ctx)
}

func (t *tracked) Term() error {
	t.settled = true
	return t.Msg.Term()
}

func (t *tracked) TermWithReason(reason string) error {
	t.settled = true
	return t.Msg.TermWithReason(reason)
}

// Hold waits out a transient failure (the database or the server is
// unreachable) with the batch in hand: it tells the server the messages are
// still being worked on, so they are not redelivered elsewhere, and sleeps
// for a backoff that doubles with attempt up to 10s (and half of AckWait). It returns false when
// ctx is cancelled first, after handing the messages back for redelivery;
// the caller then stops. Holding costs no deliveries, so an outage of any
// length dead-letters nothing.
func (b *Bus) Hold(ctx context.Context, msgs []jetstream.Msg, attempt int) bool {
	for _, m := range msgs {
		_ = m.InProgress()
	}
	// Below AckWait, so that the next InProgress arrives in time.
	delay := min(b.cfg.RetryBackoff<<min(attempt, 16), 10*time.Second, b.cfg.AckWait/2)
	select {
	case <-ctx.Done():
		for _, m := range msgs {
			_ = m.NakWithDelay(time.Second)
		}
		return false
	case <-time.After(delay):
		return true
	}
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
	b.log.Warn("dead-lettered", "stage", stage, "subject", m.Subject(), "seq", meta.Sequence.Stream,
		"msg_id", out.Header.Get(HeaderDLQMsgID), "reason", reason.Error())
	return nil
}

// consumerInfo asks the server for a consumer's state.
func (b *Bus) consumerInfo(ctx context.Context, consumer string) (*jetstream.ConsumerInfo, error) {
	cons, err := b.js.Consumer(ctx, b.cfg.Stream, consumer)
	if err != nil {
		return nil, fmt.Errorf("binding consumer %s: %w", consumer, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("consumer %s info: %w", consumer, err)
	}
	return info, nil
}

// Pending reports how many messages a consumer has yet to deliver or to see
// acknowledged. Zero means the stage has caught up with the stream.
func (b *Bus) Pending(ctx context.Context, consumer string) (uint64, error) {
	info, err := b.consumerInfo(ctx, consumer)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}
