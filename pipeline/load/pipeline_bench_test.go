package load_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/load"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

// BenchmarkPipeline measures the classifier and the loader together, as
// they run in production, on the machine's NATS and Postgres: 10,000
// documents waiting in the stream, both stages running until every
// document is a row and nothing is pending. It reports documents per
// second, end to end, and the count is checked exactly, as are the
// dashboard facts.
func BenchmarkPipeline(b *testing.B) {
	const n = 10000
	rs, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		st, _ := testenv.PreparedStore(b)
		bs, _ := testenv.Bus(b, testenv.NATS(b))
		ctx := context.Background()
		for i := range n {
			d := message.Document{SchemaVersion: message.DocumentVersion, ID: fmt.Sprintf("doc-%05d", i), ContentHash: "h",
				Source: fmt.Sprintf("s%d", i%8), URL: fmt.Sprintf("https://example.org/%d", i), Title: "AI reads chest X-rays",
				Text: fmt.Sprintf("Doctors at an NHS trust are trialling tool number %d, an artificial intelligence system developed by "+
					"Aire Imaging Ltd that reads chest X-rays and flags suspected lung cancer for radiologists.", i),
				FetchedAt: time.Now()}
			if _, err := bs.PublishJSON(ctx, bs.RawSubject(d.Source), d.MsgID(), d); err != nil {
				b.Fatal(err)
			}
		}
		w := classify.NewWorker(bs, rs, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
		l := load.New(bs, st, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), load.Options{})
		b.StartTimer()
		start := time.Now()
		wctx, stop := context.WithCancel(ctx)
		// The loader keeps the dashboard facts as it does in production
		// (every 2 s); the last refresh, after the clock stops, is not timed.
		workers := []func(context.Context) error{w.Run, l.Run, l.RunFacts}
		done := make(chan error, len(workers))
		for _, run := range workers {
			go func() { done <- run(wctx) }()
		}
		testenv.Eventually(b, 5*time.Minute, "every document loaded", func() bool {
			var rows int
			if err := st.Pool().QueryRow(ctx, `select count(*) from documents`).Scan(&rows); err != nil || rows < n {
				return false
			}
			p, err := bs.Pending(ctx, bus.LoaderConsumer)
			return err == nil && p == 0
		})
		elapsed := time.Since(start)
		stop()
		for range workers {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		var rows, classified int
		if err := st.Pool().QueryRow(ctx, `select (select count(*) from documents), (select count(*) from classifications)`).Scan(&rows, &classified); err != nil || rows != n || classified != n {
			b.Fatalf("%d documents and %d classifications stored (%v), want %d of each", rows, classified, err, n)
		}
		var counted int
		if err := st.Pool().QueryRow(ctx, `select count(*) from report.technology_facts`).Scan(&counted); err != nil || counted == 0 {
			b.Fatalf("%d technologies in the dashboard facts (%v)", counted, err)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "docs/s")
	}
}
