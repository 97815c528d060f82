package bus_test

import (
	"context"
	"errors"
	"os"
	"strings"
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

// TestRetryDeadLettersOnTheLastDelivery shows that a message whose
// processing always fails is redelivered MaxDeliver times and then moved to
// the dead-letter subject with its payload and the reason, not dropped and
// not looped forever.
func TestRetryDeadLettersOnTheLastDelivery(t *testing.T) {
	t.Parallel()
	b, cfg := testenv.Bus(t, testenv.NATS(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := b.PublishJSON(ctx, b.RawSubject("s"), "m1", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	var deliveries atomic.Int32
	cause := errors.New("database unavailable")
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- b.Consume(wctx, bus.ClassifierConsumer, 10, 100*time.Millisecond, func(ctx context.Context, msgs []jetstream.Msg) {
			for _, m := range msgs {
				deliveries.Add(1)
				if err := b.Retry(ctx, "classifier", m, cause); err != nil {
					t.Error(err)
				}
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
	if got := deliveries.Load(); got != int32(b.Config().MaxDeliver) {
		t.Errorf("delivered %d times, want MaxDeliver = %d", got, b.Config().MaxDeliver)
	}
	cons, err := b.JetStream().Consumer(ctx, cfg.Stream, bus.DeadLetterConsumer)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Headers()
	if string(m.Data()) != `{"n":1}` {
		t.Errorf("dead letter payload %q", m.Data())
	}
	if r := h.Get(bus.HeaderDLQReason); !strings.Contains(r, "gave up after 5 deliveries") || !strings.Contains(r, cause.Error()) {
		t.Errorf("dead letter reason %q", r)
	}
	if h.Get(bus.HeaderDLQStage) != "classifier" || h.Get(bus.HeaderDLQSubject) != b.RawSubject("s") || h.Get(bus.HeaderDLQMsgID) != "m1" {
		t.Errorf("dead letter headers %v", h)
	}
	if n, err := b.Pending(ctx, bus.ClassifierConsumer); err != nil || n != 0 {
		t.Errorf("classifier consumer still has %d pending (%v)", n, err)
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
		for _, m := range msgs {
			if hctx.Err() != nil {
				t.Error("the handler's context was cancelled with the batch in hand")
			}
			if err := m.DoubleAck(hctx); err != nil {
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
