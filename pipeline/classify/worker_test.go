package classify

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/message"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestTheFirstDocumentNamingATechnologyGoesToReview(t *testing.T) {
	b, cfg := testenv.Bus(t, testenv.NATS(t))
	ctx := context.Background()
	seen, err := b.SeenStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One batch at a time, so that "first" is the first published: with
	// several in flight (or several replicas) documents published moments
	// apart may be classified in either order, and the first classified is
	// the first sighting.
	w := NewWorker(b, ruleSet(t), slog.New(slog.DiscardHandler), prometheus.NewRegistry()).WithSeen(seen).WithBatchesInFlight(1)
	text := "The AI software e-Stroke from Brainomix reads CT scans of stroke patients in NHS hospitals."
	for _, id := range []string{"first", "second"} {
		d := message.Document{SchemaVersion: message.DocumentVersion, ID: id, ContentHash: "h", Source: "s",
			URL: "https://example.org/" + id, Title: "AI stroke tool", Text: text, FetchedAt: time.Now()}
		if _, err := b.PublishJSON(ctx, b.RawSubject("s"), d.MsgID(), d); err != nil {
			t.Fatal(err)
		}
	}
	runUntilClassified(t, w, b)

	reasons := map[string]string{}
	for _, c := range classified(t, b, cfg, 2, 0) {
		reasons[c.Document.ID] = strings.Join(c.Review.Reasons, "; ")
	}
	for _, want := range []string{"first sighting of vendor Brainomix", "first sighting of product e-Stroke"} {
		if !strings.Contains(reasons["first"], want) {
			t.Errorf("first document's review reasons %q, want %q", reasons["first"], want)
		}
	}
	if strings.Contains(reasons["second"], ReasonFirstSighting) {
		t.Errorf("second document's review reasons %q name a first sighting", reasons["second"])
	}

	// A redelivery of the first document keeps its verdict.
	again := Classify(ruleSet(t), message.Document{ID: "first", Title: "AI stroke tool", Text: text}, time.Now())
	w.firstSightings(ctx, &again)
	if !strings.Contains(strings.Join(again.Review.Reasons, "; "), "first sighting of vendor Brainomix") {
		t.Errorf("redelivered first document lost its first sighting: %v", again.Review.Reasons)
	}
}

// TestAClassificationOverTheMaxPayloadIsCutNotRetried sends a document just
// under the server's max payload, whose classification (the document again
// and its labels) would be over it, among ordinary ones. Its
// classification is published once with the text cut and flagged
// truncated, and the documents after it flow.
func TestAClassificationOverTheMaxPayloadIsCutNotRetried(t *testing.T) {
	nc := testenv.NATS(t)
	b, cfg := testenv.Bus(t, nc)
	ctx := context.Background()
	w := NewWorker(b, ruleSet(t), slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	sentence := "An AI tool developed by researchers detects lung cancer on CT scans of NHS patients. "
	big := strings.Repeat(sentence, (int(nc.MaxPayload())-2048)/len(sentence))
	docs := []message.Document{{SchemaVersion: message.DocumentVersion, ID: "big", ContentHash: "h", Source: "s",
		URL: "https://example.org/big", Title: "AI reads lung scans", Text: big, FetchedAt: time.Now()}}
	for i := range 5 {
		id := "after" + string(rune('a'+i))
		docs = append(docs, message.Document{SchemaVersion: message.DocumentVersion, ID: id, ContentHash: "h",
			Source: "s", URL: "https://example.org/" + id, Title: "AI reads lung scans", Text: sentence, FetchedAt: time.Now()})
	}
	for _, d := range docs {
		if _, err := b.PublishJSON(ctx, b.RawSubject("s"), d.MsgID(), d); err != nil {
			t.Fatalf("publishing %s (%d bytes of text): %v", d.ID, len(d.Text), err)
		}
	}
	runUntilClassified(t, w, b)
	got := map[string]message.Classification{}
	for _, c := range classified(t, b, cfg, len(docs), int(nc.MaxPayload())) {
		got[c.Document.ID] = c
	}
	c := got["big"]
	if !c.Truncated || !c.Document.Truncated || len(c.Document.Text) >= len(big) || len(c.Document.Text) < len(big)/2 {
		t.Errorf("the big document's classification: truncated %v/%v, %d of %d bytes of text",
			c.Truncated, c.Document.Truncated, len(c.Document.Text), len(big))
	}
	if !c.Relevant {
		t.Error("the big document was not classified on its text")
	}
	if n, err := b.Pending(ctx, bus.DeadLetterConsumer); err != nil || n != 0 {
		t.Errorf("%d dead letters (%v)", n, err)
	}
}

// runUntilClassified runs the worker until the classifier consumer has
// nothing pending, then stops it.
func runUntilClassified(t testing.TB, w *Worker, b *bus.Bus) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	testenv.Eventually(t, 30*time.Second, "every document classified", func() bool {
		n, err := b.Pending(context.Background(), bus.ClassifierConsumer)
		return err == nil && n == 0
	})
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// classified reads n classifications from the stream, checking that none
// is over maxBytes (0: no check).
func classified(t *testing.T, b *bus.Bus, cfg bus.Config, n, maxBytes int) []message.Classification {
	t.Helper()
	cons, err := b.JetStream().OrderedConsumer(context.Background(), cfg.Stream,
		jetstream.OrderedConsumerConfig{FilterSubjects: []string{b.ClassifiedSubject(">")}})
	if err != nil {
		t.Fatal(err)
	}
	var out []message.Classification
	for range n {
		// Generous: the first may be a message of a megabyte, on a busy machine.
		m, err := cons.Next(jetstream.FetchMaxWait(20 * time.Second))
		if err != nil {
			t.Fatalf("%d classifications, want %d: %v", len(out), n, err)
		}
		if maxBytes > 0 && len(m.Data()) > maxBytes {
			t.Errorf("a classification of %d bytes, over %d", len(m.Data()), maxBytes)
		}
		c, err := message.DecodeClassification(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}
