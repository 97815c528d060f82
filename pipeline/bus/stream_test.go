package bus_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
)

// TestStartingNeverSilentlyChangesAnOperatorsStream creates the stream,
// lets an operator raise its limits, and starts again three ways: with no
// opinion (the operator's limits stay, nothing is logged), with other
// limits (they stay, the difference is logged), and with --update-stream
// (the configured limits are applied and the change logged).
func TestStartingNeverSilentlyChangesAnOperatorsStream(t *testing.T) {
	t.Parallel()
	nc := testenv.NATS(t)
	ctx := context.Background()
	cfg := testenv.BusConfig(t)
	cfg.MaxBytes = 10 << 20
	b, err := bus.Open(ctx, nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := b.StreamInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxBytes != 10<<20 || info.Config.MaxAge != 30*24*time.Hour {
		t.Fatalf("created with max_bytes %d, max_age %s", info.Config.MaxBytes, info.Config.MaxAge)
	}
	operator := info.Config
	operator.MaxBytes, operator.MaxAge = 20<<20, 90*24*time.Hour
	if _, err := b.JetStream().UpdateStream(ctx, operator); err != nil {
		t.Fatal(err)
	}

	open := func(c bus.Config) (jetstream.StreamConfig, string) {
		t.Helper()
		var logs testenv.Output
		c.Log = slog.New(slog.NewTextHandler(&logs, nil))
		b, err := bus.Open(ctx, nc, c)
		if err != nil {
			t.Fatal(err)
		}
		info, err := b.StreamInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.Config, logs.String()
	}
	noOpinion := cfg
	noOpinion.MaxBytes = 0
	got, logs := open(noOpinion)
	if got.MaxBytes != 20<<20 || got.MaxAge != 90*24*time.Hour || strings.Contains(logs, "differ") {
		t.Errorf("a start with no opinion: max_bytes %d, max_age %s, logs %q", got.MaxBytes, got.MaxAge, logs)
	}
	got, logs = open(cfg)
	if got.MaxBytes != 20<<20 || !strings.Contains(logs, "max_bytes: 20971520 → 10485760") || !strings.Contains(logs, "--update-stream") {
		t.Errorf("a start with other limits: max_bytes %d, logs %q", got.MaxBytes, logs)
	}
	update := cfg
	update.UpdateStream = true
	got, logs = open(update)
	if got.MaxBytes != 10<<20 || got.MaxAge != 90*24*time.Hour || !strings.Contains(logs, "stream updated") {
		t.Errorf("a start with --update-stream: max_bytes %d, max_age %s (the operator's, not configured), logs %q",
			got.MaxBytes, got.MaxAge, logs)
	}
}

// TestAStreamWithoutThePipelinesSubjectsIsRefused finds a stream of the
// configured name that takes other subjects: starting refuses, naming the
// subjects and --update-stream, which adds them.
func TestAStreamWithoutThePipelinesSubjectsIsRefused(t *testing.T) {
	t.Parallel()
	nc := testenv.NATS(t)
	ctx := context.Background()
	cfg := testenv.BusConfig(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: cfg.Stream, Subjects: []string{cfg.Prefix + ".other.>"}}); err != nil {
		t.Fatal(err)
	}
	_, err = bus.Open(ctx, nc, cfg)
	if err == nil || !strings.Contains(err.Error(), cfg.Prefix+".raw.>") || !strings.Contains(err.Error(), "--update-stream") {
		t.Fatalf("got %v, want a refusal naming the missing subjects and --update-stream", err)
	}
	cfg.UpdateStream = true
	b, err := bus.Open(ctx, nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := b.StreamInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Config.Subjects) != 5 {
		t.Errorf("subjects %v, want the operator's and the pipeline's four", info.Config.Subjects)
	}
}
