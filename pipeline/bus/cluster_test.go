//go:build chaos

// The in-process cluster test runs with the fault suite (./scripts/test
// --chaos): on a loaded 2-core CI machine it once failed to see every
// message handled within a minute of the kill (2026-11-30, not reproduced
// in 4 runs at once since; it logs the counts when it fails). The suite's
// child-process version (chaos/) kills with SIGKILL and passed 5 of 5.

package bus_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
)

// TestKillingTheStreamLeaderOfAnR3StreamCostsSecondsAndNothingElse runs a
// 3-node JetStream cluster in the test, declares the pipeline's stream with
// three replicas, and publishes and consumes 3,000 messages while the node
// that leads the stream is killed mid-stream. Publishing and consuming go
// on within seconds on the other two, every message is stored once and
// handled, and the stream still has three replicas' worth of settings.
func TestKillingTheStreamLeaderOfAnR3StreamCostsSecondsAndNothingElse(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3-node cluster: not in -short")
	}
	c := testenv.NewCluster(t, 3)
	nc, err := nats.Connect(c.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := bus.Config{Stream: "R3TEST", Prefix: "r3", Replicas: 3, AckWait: 2 * time.Second,
		Log: slog.New(slog.DiscardHandler)}
	var b *bus.Bus
	testenv.Eventually(t, 30*time.Second, "the R3 stream to be declared", func() bool {
		b, err = bus.Open(ctx, nc, cfg)
		return err == nil
	})
	if info, err := b.StreamInfo(ctx); err != nil || info.Config.Replicas != 3 {
		t.Fatalf("stream replicas %v (%v)", info, err)
	}

	const n = 3000
	var mu sync.Mutex
	handled := map[string]int{}
	var last time.Time
	var longestGapAfterKill time.Duration
	var killedAt time.Time
	wctx, stop := context.WithCancel(ctx)
	consumed := make(chan error, 1)
	go func() {
		consumed <- b.Consume(wctx, bus.ClassifierConsumer, 100, 200*time.Millisecond, func(ctx context.Context, msgs []jetstream.Msg) {
			for _, m := range msgs {
				// The effect first, then the ack, as the services do: an
				// ack whose confirmation is lost in the election may still
				// have landed, and then the message does not come back.
				now := time.Now()
				mu.Lock()
				handled[string(m.Data())]++
				if !killedAt.IsZero() {
					since := last
					if killedAt.After(since) {
						since = killedAt
					}
					longestGapAfterKill = max(longestGapAfterKill, now.Sub(since))
				}
				last = now
				mu.Unlock()
				_ = m.DoubleAck(context.WithoutCancel(ctx)) // not acked: it comes back, and counts twice
			}
		})
	}()

	published := make(chan struct{})
	go func() {
		defer close(published)
		for i := range n {
			for {
				// A publish during the election may fail, or its
				// acknowledgement be lost with the node: each on its own
				// clock, as the services publish; the same message id
				// again is stored once.
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				_, err := b.PublishJSON(pctx, b.RawSubject("s"), fmt.Sprint("m", i), i)
				cancel()
				if err == nil || ctx.Err() != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if i == n/3 {
				leader := c.StreamLeader(cfg.Stream)
				if leader < 0 {
					t.Error("no stream leader to kill")
					return
				}
				mu.Lock()
				killedAt = time.Now()
				mu.Unlock()
				t.Logf("killing node %d, the stream leader, after %d messages", leader, i+1)
				c.Kill(leader)
			}
		}
	}()
	<-published
	defer func() {
		if t.Failed() {
			mu.Lock()
			got := len(handled)
			mu.Unlock()
			info, err := b.StreamInfo(context.Background())
			p, perr := b.Pending(context.Background(), bus.ClassifierConsumer)
			t.Logf("at the end: %d of %d handled; stream %+v (%v); pending %d (%v)", got, n, info.State, err, p, perr)
		}
	}()
	testenv.Eventually(t, 60*time.Second, "every message handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(handled) == n
	})
	stop()
	if err := <-consumed; err != nil {
		t.Fatal(err)
	}
	info, err := b.StreamInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != n {
		t.Errorf("the stream holds %d messages, want %d: a retried publish was stored twice, or one was lost", info.State.Msgs, n)
	}
	mu.Lock()
	defer mu.Unlock()
	twice := 0
	for _, k := range handled {
		if k > 1 {
			twice++
		}
	}
	t.Logf("longest wait for progress after the kill: %s; %d messages handed out twice (acks lost in the election)",
		longestGapAfterKill.Round(time.Millisecond), twice)
	if longestGapAfterKill > 10*time.Second {
		t.Errorf("consuming stalled for %s after the leader was killed", longestGapAfterKill)
	}
}
