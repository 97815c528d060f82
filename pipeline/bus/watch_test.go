package bus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
)

// TestAStalledConsumerFailsReadinessWithinTheStallTime holds the first
// batch in a handler that does not return (a message that cannot be
// published, a database that does not come back) with more work behind
// it. The stall check passes while idle and at first, fails within the
// stall time and a poll, says which consumer and why, and the stalled
// metric says so too; once the handler lets go, the check passes again.
func TestAStalledConsumerFailsReadinessWithinTheStallTime(t *testing.T) {
	t.Parallel()
	b, _ := testenv.Bus(t, testenv.NATS(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reg := prometheus.NewRegistry()
	const stallAfter = time.Second
	w := b.Watch([]string{bus.ClassifierConsumer, bus.LoaderConsumer}, stallAfter, reg)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = w.Run(wctx) }()

	time.Sleep(2 * stallAfter)
	if err := w.Check(ctx); err != nil {
		t.Fatalf("an idle consumer is not stalled: %v", err)
	}
	started := time.Now()
	for i := range 10 {
		if _, err := b.PublishJSON(ctx, b.RawSubject("s"), string(rune('a'+i)), i); err != nil {
			t.Fatal(err)
		}
	}
	release := make(chan struct{})
	go func() {
		_ = b.Consume(wctx, bus.ClassifierConsumer, 2, 100*time.Millisecond, func(ctx context.Context, msgs []jetstream.Msg) {
			<-release // stuck
			for _, m := range msgs {
				_ = m.Ack()
			}
		})
	}()
	testenv.Eventually(t, 5*stallAfter, "the stall check to fail", func() bool { return w.Check(ctx) != nil })
	err := w.Check(ctx)
	// Idle was last seen at most a poll (a quarter of the stall time)
	// before the work arrived, and a poll comes late, never early, on a
	// busy machine: a tick is taken when the previous poll is done. So the
	// stall cannot be reported before the stall time less a poll, less the
	// time a poll of two consumers may take under load (a tenth of the
	// stall time here: a run under load once saw 749 ms).
	if took := time.Since(started); took < stallAfter*3/4-stallAfter/10 {
		t.Errorf("stalled after %s, before the stall time", took)
	}
	if !strings.Contains(err.Error(), "consumer classifier stalled") || !strings.Contains(err.Error(), "messages pending") ||
		strings.Contains(err.Error(), "loader") {
		t.Errorf("check error %q", err)
	}
	// The metric follows at the next poll (a quarter of the stall time).
	testenv.Eventually(t, stallAfter, "horizon_consumer_stalled{consumer=classifier} to be 1", func() bool {
		return gauge(t, reg, "horizon_consumer_stalled", bus.ClassifierConsumer) == 1
	})
	if v := gauge(t, reg, "horizon_consumer_ack_pending_messages", bus.ClassifierConsumer); v != 2 {
		t.Errorf("horizon_consumer_ack_pending_messages{consumer=classifier} = %v, want the batch of 2", v)
	}
	close(release)
	testenv.Eventually(t, 10*stallAfter, "the check to pass again", func() bool { return w.Check(ctx) == nil })
}

// gauge reads a gauge of a consumer from the registry.
func gauge(t *testing.T, reg *prometheus.Registry, name, consumer string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "consumer" && l.GetValue() == consumer {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{consumer=%s}", name, consumer)
	return 0
}
