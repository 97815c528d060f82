package load_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/load"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func publish(t *testing.T, b *bus.Bus, n int) {
	t.Helper()
	now := time.Now().UTC()
	for i := range n {
		d := message.Document{SchemaVersion: message.DocumentVersion, ID: fmt.Sprintf("d%04d", i), ContentHash: "h",
			Source: "s", URL: fmt.Sprintf("https://example.org/%d", i), Title: "t", Text: "x", FetchedAt: now}
		c := message.Classification{SchemaVersion: message.ClassificationVersion, Document: d, RuleSetVersion: "r",
			Relevant: true, ClassifiedAt: now, Labels: []message.Label{{Dimension: "type", Code: "P4", Score: 1}}}
		if _, err := b.PublishJSON(context.Background(), b.ClassifiedSubject("s"), c.MsgID(), c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPostgresDownWhileLoadingLosesNothing stops Postgres, lets the loader
// meet the outage for longer than AckWait, starts Postgres again and checks
// that everything arrives once and nothing was dead-lettered.
func TestPostgresDownWhileLoadingLosesNothing(t *testing.T) {
	ctx := context.Background()
	pg := testenv.OwnPostgres(t)
	st, err := store.Open(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := testenv.Bus(t, testenv.NATS(t))
	const n = 300
	publish(t, b, n)

	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	l := load.New(b, st, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), load.Options{BatchSize: 50, MaxWait: 100 * time.Millisecond})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	go func() { done <- l.Run(wctx) }()
	go func() { done <- l.RunDeadLetters(wctx) }()

	time.Sleep(2 * b.Config().AckWait) // the outage outlasts AckWait: held messages must not be redelivered or lost
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "every classification to load", func() bool {
		var got int
		err := st.Pool().QueryRow(ctx, "select count(*) from classifications").Scan(&got)
		return err == nil && got == n
	})
	testenv.Eventually(t, 30*time.Second, "the loader consumer to drain", func() bool {
		p, err := b.Pending(ctx, bus.LoaderConsumer)
		return err == nil && p == 0
	})
	stop()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var docs, letters int
	if err := st.Pool().QueryRow(ctx, "select (select count(*) from documents), (select count(*) from dead_letters)").Scan(&docs, &letters); err != nil {
		t.Fatal(err)
	}
	if docs != n || letters != 0 {
		t.Errorf("documents %d (want %d), dead letters %d (want 0)", docs, n, letters)
	}
	if p, err := b.Pending(ctx, bus.DeadLetterConsumer); err != nil || p != 0 {
		t.Errorf("%d messages were dead-lettered during the outage (%v)", p, err)
	}
}

func TestAStoredTextThatPostgresWouldRejectIsCleanedNotDeadLettered(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	b, _ := testenv.Bus(t, testenv.NATS(t))
	ctx := context.Background()
	now := time.Now().UTC()
	d := message.Document{SchemaVersion: message.DocumentVersion, ID: "nul", ContentHash: "h", Source: "s",
		URL: "https://example.org/nul", Title: "AI \x00 tool \xff", Text: "body\x00 with NUL and \xc3\x28 bad UTF-8", FetchedAt: now}
	c := message.Classification{SchemaVersion: message.ClassificationVersion, Document: d, RuleSetVersion: "r", ClassifiedAt: now}
	if _, err := b.PublishJSON(ctx, b.ClassifiedSubject("s"), c.MsgID(), c); err != nil {
		t.Fatal(err)
	}
	l := load.New(b, st, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), load.Options{MaxWait: 100 * time.Millisecond})
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = l.Run(wctx) }()
	testenv.Eventually(t, 30*time.Second, "the document to load", func() bool {
		var n int
		return st.Pool().QueryRow(ctx, "select count(*) from documents where id = 'nul'").Scan(&n) == nil && n == 1
	})
	var title string
	if err := st.Pool().QueryRow(ctx, "select title from documents where id = 'nul'").Scan(&title); err != nil {
		t.Fatal(err)
	}
	if title != "AI  tool \uFFFD" {
		t.Errorf("stored title %q", title)
	}
}

// TestTwoLoadersOnOneConsumerNeitherDeadlockNorDoubleCount runs two loaders
// on the same durable consumer over documents that change while they load:
// every document ends at its newest version, once.
func TestTwoLoadersOnOneConsumerNeitherDeadlockNorDoubleCount(t *testing.T) {
	st := testenv.Store(t)
	b, _ := testenv.Bus(t, testenv.NATS(t))
	ctx := context.Background()
	const docs, versions = 400, 3
	base := time.Now().UTC()
	for v := range versions {
		for i := range docs {
			at := base.Add(time.Duration(v) * time.Minute)
			d := message.Document{SchemaVersion: message.DocumentVersion, ID: fmt.Sprintf("d%04d", i), ContentHash: fmt.Sprintf("v%d", v),
				Source: "s", URL: fmt.Sprintf("https://example.org/%d", i), Title: fmt.Sprintf("t%d", v), Text: "x", FetchedAt: at}
			c := message.Classification{SchemaVersion: message.ClassificationVersion, Document: d, RuleSetVersion: "r",
				Relevant: true, ClassifiedAt: at, Labels: []message.Label{{Dimension: "type", Code: "P4", Score: float64(v)}}}
			// Documents share five products, so the loaders refresh the
			// same technologies' codes at once.
			c.Organisations = []message.Organisation{{Kind: "product", ID: fmt.Sprintf("p%d", i%5), Name: fmt.Sprintf("P%d", i%5)}}
			if _, err := b.PublishJSON(ctx, b.ClassifiedSubject("s"), c.MsgID(), c); err != nil {
				t.Fatal(err)
			}
		}
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	regs := []*prometheus.Registry{prometheus.NewRegistry(), prometheus.NewRegistry()}
	for _, reg := range regs {
		l := load.New(b, st, slog.New(slog.DiscardHandler), reg, load.Options{BatchSize: 50, MaxWait: 50 * time.Millisecond})
		go func() { done <- l.Run(wctx) }()
	}
	testenv.Eventually(t, time.Minute, "both loaders to drain the consumer", func() bool {
		p, err := b.Pending(ctx, bus.LoaderConsumer)
		return err == nil && p == 0
	})
	stop()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var n, newest, labels, scoreOK, letters int
	err := st.Pool().QueryRow(ctx, `select (select count(*) from documents),
		(select count(*) from documents where content_hash = $1 and title = $2),
		(select count(*) from labels), (select count(*) from labels where score = $3),
		(select count(*) from dead_letters)`, fmt.Sprintf("v%d", versions-1), fmt.Sprintf("t%d", versions-1), float64(versions-1)).
		Scan(&n, &newest, &labels, &scoreOK, &letters)
	if err != nil {
		t.Fatal(err)
	}
	if n != docs || newest != docs || labels != docs || scoreOK != docs || letters != 0 {
		t.Errorf("documents %d (newest version %d), labels %d (of the newest classification %d), dead letters %d; want %d, %d, %d, %d, 0",
			n, newest, labels, scoreOK, letters, docs, docs, docs, docs)
	}
	// A deadlock would have been retried: there were none.
	for i, reg := range regs {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "horizon_loader_retries_total" && mf.GetMetric()[0].GetCounter().GetValue() != 0 {
				t.Errorf("loader %d retried %v batches (deadlocks or lock timeouts)", i, mf.GetMetric()[0].GetCounter().GetValue())
			}
		}
	}
	// Each product's technology carries the newest score, and nothing else.
	var techs, codes, newestCodes int
	if err := st.Pool().QueryRow(ctx, `select (select count(*) from technologies),
		(select count(*) from technology_auto_codes), (select count(*) from technology_auto_codes where score = $1)`,
		float64(versions-1)).Scan(&techs, &codes, &newestCodes); err != nil {
		t.Fatal(err)
	}
	if techs != 5 || codes != 5 || newestCodes != 5 {
		t.Errorf("technologies %d, their codes %d (with the newest score %d); want 5, 5, 5", techs, codes, newestCodes)
	}
}
