package bus_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestOpenIsIdempotent(t *testing.T) {
	t.Parallel()
	nc := testenv.NATS(t)
	cfg := testenv.BusConfig(t)
	for range 3 {
		if _, err := bus.Open(context.Background(), nc, cfg); err != nil {
			t.Fatalf("opening the topology again: %v", err)
		}
	}
}

func TestPublishingTheSameMsgIDTwiceStoresItOnce(t *testing.T) {
	t.Parallel()
	b, cfg := testenv.Bus(t, testenv.NATS(t))
	ctx := context.Background()
	tests := []struct {
		name, id string
		wantDup  bool
	}{
		{"the first publish is stored", "doc-1:h1", false},
		{"the same id again is a duplicate", "doc-1:h1", true},
		{"changed content is a new message", "doc-1:h2", false},
	}
	for _, tc := range tests {
		dup, err := b.PublishJSON(ctx, b.RawSubject("s"), tc.id, map[string]string{"id": tc.id})
		if err != nil {
			t.Fatal(err)
		}
		if dup != tc.wantDup {
			t.Errorf("%s: duplicate = %v, want %v", tc.name, dup, tc.wantDup)
		}
	}
	s, err := b.JetStream().Stream(ctx, cfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("stream holds %d messages, want 2", info.State.Msgs)
	}
}

// TestAMessageThatKeepsComingBackIsDeadLettered shows the crash-loop
// guard: a message handed back again and again is handed out MaxDeliver
// times, then alone IsolatedAttempts times, and then moved to the
// dead-letter subject with its payload and the reason, not dropped and not
// looped forever.
func TestAMessageThatKeepsComingBackIsDeadLettered(t *testing.T) {
	t.Parallel()
	b, cfg := testenv.Bus(t, testenv.NATS(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := b.PublishJSON(ctx, b.RawSubject("s"), "m1", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	var deliveries atomic.Int32
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- b.Consume(wctx, bus.ClassifierConsumer, 10, 100*time.Millisecond, func(ctx context.Context, msgs []jetstream.Msg) {
			for _, m := range msgs {
				deliveries.Add(1)
				_ = m.Nak()
			}
		})
	}()
	testenv.Eventually(t, 20*time.Second, "the message to be dead-lettered", func() bool {
		n, err := b.Pending(ctx, bus.DeadLetterConsumer)
		return err == nil && n == 1
	})
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := deliveries.Load(), int32(b.Config().MaxDeliver+b.Config().IsolatedAttempts); got != want {
		t.Errorf("handed out %d times, want MaxDeliver + IsolatedAttempts = %d", got, want)
	}
	m := nextDeadLetter(t, b, cfg)
	h := m.Headers()
	if string(m.Data()) != `{"n":1}` {
		t.Errorf("dead letter payload %q", m.Data())
	}
	if r := h.Get(bus.HeaderDLQReason); !strings.Contains(r, "classifier did not settle it in 2 attempts alone") ||
		!strings.Contains(r, "delivered 8 times") {
		t.Errorf("dead letter reason %q", r)
	}
	if h.Get(bus.HeaderDLQStage) != "classifier" || h.Get(bus.HeaderDLQSubject) != b.RawSubject("s") || h.Get(bus.HeaderDLQMsgID) != "m1" {
		t.Errorf("dead letter headers %v", h)
	}
	if n, err := b.Pending(ctx, bus.ClassifierConsumer); err != nil || n != 0 {
		t.Errorf("classifier consumer still has %d pending (%v)", n, err)
	}
}

// TestHoldKeepsMessagesFromRedeliveryAndCostsNoDelivery holds a message for
// longer than AckWait and checks that it was not redelivered meanwhile.
func TestHoldKeepsMessagesFromRedeliveryAndCostsNoDelivery(t *testing.T) {
	t.Parallel()
	nc := testenv.NATS(t)
	cfg := testenv.BusConfig(t)
	cfg.AckWait = time.Second
	cfg.RetryBackoff = 200 * time.Millisecond
	b, err := bus.Open(context.Background(), nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.PublishJSON(ctx, b.RawSubject("s"), "m1", 1); err != nil {
		t.Fatal(err)
	}
	cons, err := b.JetStream().Consumer(ctx, cfg.Stream, bus.ClassifierConsumer)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	held := time.Now()
	for attempt := 0; time.Since(held) < 3*cfg.AckWait; attempt++ {
		if !b.Hold(ctx, []jetstream.Msg{m}, attempt) {
			t.Fatal("Hold gave up with a live context")
		}
	}
	if _, err := cons.Next(jetstream.FetchMaxWait(300 * time.Millisecond)); err == nil {
		t.Fatal("the held message was redelivered")
	}
	if err := m.DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	meta, err := m.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if meta.NumDelivered != 1 {
		t.Errorf("delivered %d times, want 1", meta.NumDelivered)
	}
}

// TestConsumeFinishesTheBatchInHandOnShutdown cancels the context while a
// batch is being handled and checks that the handler still settles it.
func TestConsumeFinishesTheBatchInHandOnShutdown(t *testing.T) {
	t.Parallel()
	b, _ := testenv.Bus(t, testenv.NATS(t))
	ctx := context.Background()
	for i := range 5 {
		if _, err := b.PublishJSON(ctx, b.RawSubject("s"), string(rune('a'+i)), i); err != nil {
			t.Fatal(err)
		}
	}
	wctx, stop := context.WithCancel(ctx)
	var acked atomic.Int32
	err := b.Consume(wctx, bus.ClassifierConsumer, 5, time.Second, func(hctx context.Context, msgs []jetstream.Msg) {
		stop() // shutdown arrives mid-batch
		if hctx.Err() == nil {
			t.Error("the handler is not told that the consumer is stopping")
		}
		work := context.WithoutCancel(hctx)
		for _, m := range msgs {
			if err := m.DoubleAck(work); err != nil {
				t.Error(err)
			}
			acked.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if acked.Load() != 5 {
		t.Errorf("acked %d of 5", acked.Load())
	}
	if n, err := b.Pending(ctx, bus.ClassifierConsumer); err != nil || n != 0 {
		t.Errorf("%d still pending after shutdown (%v)", n, err)
	}
}

// TestACrashLoopDeadLettersTheCulpritAlone publishes 500 messages, one of
// which kills the process that handles it (a panic the test recovers from,
// then a fresh Consume, as a restarted process would). The batches it comes
// in crash until the guard hands their messages out alone: the culprit is
// dead-lettered with its reason, and the other 499 are handled, none of
// them dead-lettered.
func TestACrashLoopDeadLettersTheCulpritAlone(t *testing.T) {
	t.Parallel()
	nc := testenv.NATS(t)
	cfg := testenv.BusConfig(t)
	cfg.AckWait = time.Second
	cfg.MaxDeliver = 2
	b, err := bus.Open(context.Background(), nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n, poison = 500, 137
	for i := range n {
		if _, err := b.PublishJSON(ctx, b.RawSubject("s"), fmt.Sprint("m", i), i); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	handled := map[string]int{}
	crashes := 0
	handler := func(ctx context.Context, msgs []jetstream.Msg) {
		for _, m := range msgs {
			if string(m.Data()) == fmt.Sprint(poison) {
				mu.Lock()
				crashes++
				mu.Unlock()
				panic("the process dies on this message")
			}
		}
		for _, m := range msgs {
			if err := m.DoubleAck(context.WithoutCancel(ctx)); err != nil {
				t.Error(err)
				continue
			}
			mu.Lock()
			handled[string(m.Data())]++
			mu.Unlock()
		}
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for wctx.Err() == nil { // a supervisor restarting the process
			func() {
				defer func() { _ = recover() }()
				_ = b.Consume(wctx, bus.ClassifierConsumer, 100, 100*time.Millisecond, handler)
			}()
		}
	}()
	testenv.Eventually(t, 50*time.Second, "the culprit dead-lettered and the rest handled", func() bool {
		dl, err := b.Pending(ctx, bus.DeadLetterConsumer)
		if err != nil || dl == 0 {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		return len(handled) == n-1
	})
	stop()
	<-done
	if dl, err := b.Pending(ctx, bus.DeadLetterConsumer); err != nil || dl != 1 {
		t.Errorf("%d dead letters (%v), want the culprit alone", dl, err)
	}
	m := nextDeadLetter(t, b, cfg)
	if string(m.Data()) != fmt.Sprint(poison) {
		t.Errorf("dead-lettered %s, want the culprit %d", m.Data(), poison)
	}
	if r := m.Headers().Get(bus.HeaderDLQReason); !strings.Contains(r, "attempts alone") {
		t.Errorf("reason %q", r)
	}
	if _, ok := handled[fmt.Sprint(poison)]; ok {
		t.Error("the culprit was handled")
	}
	if n, err := b.Pending(ctx, bus.ClassifierConsumer); err != nil || n != 0 {
		t.Errorf("%d still pending (%v)", n, err)
	}
	t.Logf("%d crashes before the culprit was dead-lettered", crashes)
}

// nextDeadLetter reads the next message of the dead-letter consumer.
func nextDeadLetter(t *testing.T, b *bus.Bus, cfg bus.Config) jetstream.Msg {
	t.Helper()
	cons, err := b.JetStream().Consumer(context.Background(), cfg.Stream, bus.DeadLetterConsumer)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
