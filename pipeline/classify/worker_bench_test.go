package classify

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
)

// BenchmarkWorker measures the classifier's throughput end to end on a
// real JetStream server: documents waiting in the stream, the worker
// classifying and publishing them until none is pending. It reports
// documents per second. The fetch that finds the stream short of a whole
// batch waits up to a second for more, so the run is long enough for that
// tail to stay small.
func BenchmarkWorker(b *testing.B) {
	const n = 10000
	text := "Doctors at an NHS trust are trialling an artificial intelligence tool developed by Aire Imaging Ltd " +
		"that reads chest X-rays and flags suspected lung cancer for radiologists, cutting the time to diagnosis. "
	for b.Loop() {
		b.StopTimer()
		bs, _ := testenv.Bus(b, testenv.NATS(b))
		ctx := context.Background()
		for i := range n {
			d := message.Document{SchemaVersion: message.DocumentVersion, ID: fmt.Sprintf("doc-%d", i), ContentHash: "h",
				Source: "s", URL: fmt.Sprintf("https://example.org/%d", i), Title: "AI reads chest X-rays", Text: text, FetchedAt: time.Now()}
			if _, err := bs.PublishJSON(ctx, bs.RawSubject("s"), d.MsgID(), d); err != nil {
				b.Fatal(err)
			}
		}
		w := NewWorker(bs, ruleSet(b), slog.New(slog.DiscardHandler), prometheus.NewRegistry())
		b.StartTimer()
		start := time.Now()
		runUntilClassified(b, w, bs)
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "docs/s")
	}
}
