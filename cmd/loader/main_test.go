package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/devstack"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func count(t *testing.T, st *store.Store, query string) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLoaderKilledMidFlightLosesAndDoublesNothing publishes thousands of
// classifications, kills the loader with SIGKILL while it is loading them,
// starts it again and checks that every document arrived exactly once; then
// stops it with SIGTERM and checks that it exits cleanly.
func TestLoaderKilledMidFlightLosesAndDoublesNothing(t *testing.T) {
	bin := testenv.Binary(t, ".")
	dbURL := testenv.DatabaseURL(t)
	nc := testenv.NATS(t)
	b, cfg := testenv.Bus(t, nc)
	ctx := context.Background()

	const n = 6000
	const labelsEach = 3
	now := time.Now().UTC()
	for i := range n {
		d := message.Document{
			SchemaVersion: message.DocumentVersion, ID: fmt.Sprintf("doc-%05d", i),
			ContentHash: "h1", Source: "kill-test", URL: fmt.Sprintf("https://example.org/%d", i),
			Title: "AI tool", Text: "An AI tool for NHS radiology.", FetchedAt: now,
		}
		c := message.Classification{
			SchemaVersion: message.ClassificationVersion, Document: d, RuleSetVersion: "r1", Relevant: true,
			Labels: []message.Label{
				{Dimension: "type", Code: "DIAGNOSTIC", Score: 1},
				{Dimension: "subtype", Code: "DIAGNOSTIC.IMAGING", Score: 1},
				{Dimension: "clinical_area", Code: "CLINICAL_RADIOLOGY", Score: 1},
			},
			ClassifiedAt: now,
		}
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.JetStream().PublishAsync(b.ClassifiedSubject(d.Source), data, jetstream.WithMsgID(c.MsgID())); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-b.JetStream().PublishAsyncComplete():
	case <-time.After(time.Minute):
		t.Fatal("publishing timed out")
	}

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "run", "--database-url", dbURL, "--nats-url", testenv.NATSURL(t),
			"--stream", cfg.Stream, "--subject-prefix", cfg.Prefix, "--ack-wait", cfg.AckWait.String(), "--batch-size", "50", "--http-addr", "", "--log-level", "warn")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			if t.Failed() {
				t.Logf("loader output:\n%s", out.String())
			}
		})
		return cmd
	}

	first := start()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Wait for the loader to have migrated and committed some batches, then
	// kill it without warning.
	testenv.Eventually(t, time.Minute, "the first batches to load", func() bool {
		var loaded int
		err := st.Pool().QueryRow(ctx, "select count(*) from documents").Scan(&loaded)
		return err == nil && loaded >= 100
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	loadedAtKill := count(t, st, "select count(*) from documents")
	if loadedAtKill >= n {
		t.Fatalf("the loader finished all %d before it was killed; nothing was in flight", n)
	}
	t.Logf("killed the loader with %d of %d documents loaded", loadedAtKill, n)

	second := start()
	testenv.Eventually(t, 2*time.Minute, "every document to load", func() bool {
		return count(t, st, "select count(*) from documents") == n
	})
	testenv.Eventually(t, time.Minute, "the loader consumer to drain", func() bool {
		p, err := b.Pending(ctx, "loader")
		return err == nil && p == 0
	})

	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Errorf("loader did not exit cleanly on SIGTERM: %v", err)
	}

	checks := map[string]int{
		"select count(*) from documents":                    n,
		"select count(distinct id) from documents":          n,
		"select count(*) from documents where version <> 1": 0,
		"select count(*) from classifications":              n,
		"select count(*) from labels":                       n * labelsEach,
		"select count(*) from dead_letters":                 0,
	}
	for q, want := range checks {
		if got := count(t, st, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
}

func TestFlagsAreValidatedWithTheKeyNamed(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a missing database url", []string{"run", "--database-url", ""}, "--database-url: is empty"},
		{"a database url of another scheme", []string{"migrate", "--database-url", "mysql://x"}, "--database-url: scheme"},
		{"a nats url of another scheme", []string{"run", "--database-url", "postgres://x", "--nats-url", "http://x"}, "--nats-url: scheme"},
		{"a bad log level", []string{"run", "--database-url", "postgres://x", "--log-level", "loud"}, "--log-level"},
		{"a batch size of zero", []string{"run", "--database-url", "postgres://x", "--batch-size", "0"}, "--batch-size"},
	}
	bin := testenv.Binary(t, ".")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := exec.Command(bin, tc.args...).CombinedOutput()
			if err == nil {
				t.Fatalf("loader %v succeeded", tc.args)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("loader %v said %q, want it to mention %q", tc.args, out, tc.want)
			}
		})
	}
}

// TestTheLoaderWaitsForNATSAndPostgresAtStart starts the loader while its
// Postgres is stopped and nothing listens at its NATS address, then starts
// them: the loader comes up and loads, instead of exiting. With --wait-for 0
// it exits 1 at once.
func TestTheLoaderWaitsForNATSAndPostgresAtStart(t *testing.T) {
	bin := testenv.Binary(t, ".")
	ctx := context.Background()
	pg := testenv.OwnPostgres(t)
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", port)
	cfg := testenv.BusConfig(t)
	args := []string{"run", "--database-url", pg.URL(), "--nats-url", natsURL, "--stream", cfg.Stream,
		"--subject-prefix", cfg.Prefix, "--http-addr", "", "--log-level", "info"}

	quick := exec.Command(bin, append(args, "--wait-for", "0")...)
	if out, err := quick.CombinedOutput(); err == nil || quick.ProcessState.ExitCode() != 1 {
		t.Errorf("--wait-for 0 with Postgres down: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, append(args, "--wait-for", "2m")...)
	var out testenv.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("loader output:\n%s", out.String())
		}
	})
	time.Sleep(2 * time.Second)
	select {
	case err := <-exited:
		t.Fatalf("the loader exited while its servers were down: %v", err)
	default:
	}
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "the loader to find Postgres and wait for NATS", func() bool {
		return strings.Contains(out.String(), "waiting for nats")
	})
	select {
	case err := <-exited:
		t.Fatalf("the loader exited while NATS was down: %v", err)
	default:
	}
	srv, err := devstack.StartNATS(t.TempDir(), port)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var b *bus.Bus
	testenv.Eventually(t, time.Minute, "the loader to declare the stream", func() bool {
		js, err := jetstream.New(nc)
		if err != nil {
			return false
		}
		if _, err := js.Stream(ctx, cfg.Stream); err != nil {
			return false
		}
		b, err = bus.Open(ctx, nc, cfg)
		return err == nil
	})
	now := time.Now().UTC()
	d := message.Document{SchemaVersion: message.DocumentVersion, ID: "late", ContentHash: "h", Source: "s",
		URL: "https://example.org/late", Title: "t", Text: "x", FetchedAt: now}
	c := message.Classification{SchemaVersion: message.ClassificationVersion, Document: d, RuleSetVersion: "r",
		ClassifiedAt: now}
	if _, err := b.PublishJSON(ctx, b.ClassifiedSubject("s"), c.MsgID(), c); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testenv.Eventually(t, time.Minute, "the document to load", func() bool {
		var n int
		err := st.Pool().QueryRow(ctx, "select count(*) from documents").Scan(&n)
		return err == nil && n == 1
	})
	for _, want := range []string{"waiting for postgres", "postgres is up", "waiting for nats", "nats is up"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the log does not say %q", want)
		}
	}
}
