package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrConfig marks a configuration the server's stream or this process
// refuses: waiting will not fix it.
var ErrConfig = errors.New("configuration refused")

// Refused reports whether an error from [Open] will recur however long one
// waits: a refused configuration, or a request the server rejects as
// malformed (rather than a server that is not up or has no leader yet).
func Refused(err error) bool {
	if errors.Is(err, ErrConfig) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.Code == 400
}

// streamSubjects are the subjects the stream must take.
func (b *Bus) streamSubjects() []string {
	return []string{b.subject("raw", ">"), b.subject("classified", ">"), b.subject("runs", ">"), b.subject("dlq", ">")}
}

func discardPolicy(s string) (jetstream.DiscardPolicy, error) {
	switch s {
	case "", "old":
		return jetstream.DiscardOld, nil
	case "new":
		return jetstream.DiscardNew, nil
	}
	return 0, fmt.Errorf("%w: discard %q: want old or new", ErrConfig, s)
}

// declareStream creates the stream when it is missing. An existing stream
// is never changed silently: a setting the configuration gives explicitly
// that differs from the server's is logged and kept as the server has it,
// unless UpdateStream, when it is applied and the change logged. Subjects
// the stream lacks are refused (the pipeline cannot run without them)
// unless UpdateStream adds them.
func (b *Bus) declareStream(ctx context.Context) error {
	discard, err := discardPolicy(b.cfg.Discard)
	if err != nil {
		return fmt.Errorf("stream %s: %w", b.cfg.Stream, err)
	}
	want := jetstream.StreamConfig{
		Name:        b.cfg.Stream,
		Description: "Horizon pipeline: raw documents, classifications, run records, dead letters",
		Subjects:    b.streamSubjects(),
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
		MaxAge:      b.cfg.MaxAge,
		MaxBytes:    cmpOrNeg(b.cfg.MaxBytes),
		Discard:     discard,
		Duplicates:  b.cfg.DuplicateWindow,
	}
	var have *jetstream.StreamInfo
	err = retryServerErrors(ctx, func() error {
		s, err := b.js.Stream(ctx, b.cfg.Stream)
		if err == nil {
			have = s.CachedInfo()
			return nil
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
		_, err = b.js.CreateStream(ctx, want)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return b.retryLookup(ctx, &have)
		}
		if err == nil {
			b.log.Info("stream created", "stream", want.Name, "replicas", want.Replicas, "max_age", want.MaxAge,
				"max_bytes", want.MaxBytes, "discard", want.Discard.String(), "duplicate_window", want.Duplicates)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("declaring stream %s: %w", b.cfg.Stream, err)
	}
	if have == nil {
		return nil // created as configured
	}
	cfg := have.Config
	var missing []string
	for _, s := range want.Subjects {
		if !slices.Contains(cfg.Subjects, s) {
			missing = append(missing, s)
		}
	}
	diffs := b.streamDifferences(cfg, want)
	if len(missing) == 0 && len(diffs) == 0 {
		return nil
	}
	if !b.cfg.UpdateStream {
		if len(missing) > 0 {
			return fmt.Errorf("%w: stream %s does not take the subjects %v; start once with --update-stream to add them", ErrConfig, b.cfg.Stream, missing)
		}
		b.log.Warn("the stream's settings differ from the configuration; keeping the server's (--update-stream applies them)",
			"stream", b.cfg.Stream, "differences", diffs)
		return nil
	}
	cfg.Subjects = append(cfg.Subjects, missing...)
	e := b.explicit
	if e.Replicas != 0 {
		cfg.Replicas = want.Replicas
	}
	if e.MaxAge != 0 {
		cfg.MaxAge = want.MaxAge
	}
	if e.MaxBytes != 0 {
		cfg.MaxBytes = want.MaxBytes
	}
	if e.Discard != "" {
		cfg.Discard = want.Discard
	}
	if e.DuplicateWindow != 0 {
		cfg.Duplicates = want.Duplicates
	}
	if err := retryServerErrors(ctx, func() error {
		_, err := b.js.UpdateStream(ctx, cfg)
		return err
	}); err != nil {
		return fmt.Errorf("updating stream %s (%v): %w", b.cfg.Stream, diffs, err)
	}
	b.log.Info("stream updated", "stream", b.cfg.Stream, "changes", diffs, "subjects_added", missing)
	return nil
}

// retryLookup reads a stream another process created meanwhile.
func (b *Bus) retryLookup(ctx context.Context, have **jetstream.StreamInfo) error {
	s, err := b.js.Stream(ctx, b.cfg.Stream)
	if err != nil {
		return err
	}
	*have = s.CachedInfo()
	return nil
}

// cmpOrNeg is n, or -1 (no limit) when n is zero.
func cmpOrNeg(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// streamDifferences lists the settings the configuration gives explicitly
// that differ from the stream's, as "setting: server → configured".
func (b *Bus) streamDifferences(have, want jetstream.StreamConfig) []string {
	var out []string
	e := b.explicit
	if e.Replicas != 0 && have.Replicas != want.Replicas {
		out = append(out, fmt.Sprintf("replicas: %d → %d", have.Replicas, want.Replicas))
	}
	if e.MaxAge != 0 && have.MaxAge != want.MaxAge {
		out = append(out, fmt.Sprintf("max_age: %s → %s", have.MaxAge, want.MaxAge))
	}
	if e.MaxBytes != 0 && have.MaxBytes != want.MaxBytes {
		out = append(out, fmt.Sprintf("max_bytes: %d → %d", have.MaxBytes, want.MaxBytes))
	}
	if e.Discard != "" && have.Discard != want.Discard {
		out = append(out, fmt.Sprintf("discard: %s → %s", have.Discard, want.Discard))
	}
	if e.DuplicateWindow != 0 && have.Duplicates != want.Duplicates {
		out = append(out, fmt.Sprintf("duplicate_window: %s → %s", have.Duplicates, want.Duplicates))
	}
	return out
}

// keyValue binds a key-value bucket, creating it when it is missing with
// the configured replicas. Like the stream, an existing bucket keeps its
// replicas unless UpdateStream and an explicit, different number.
func (b *Bus) keyValue(ctx context.Context, bucket, description string) (jetstream.KeyValue, error) {
	want := jetstream.KeyValueConfig{Bucket: bucket, Description: description, History: 1,
		Storage: jetstream.FileStorage, Replicas: b.cfg.Replicas}
	var kv jetstream.KeyValue
	err := retryServerErrors(ctx, func() error {
		var err error
		kv, err = b.js.KeyValue(ctx, bucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = b.js.CreateKeyValue(ctx, want)
			if errors.Is(err, jetstream.ErrBucketExists) {
				kv, err = b.js.KeyValue(ctx, bucket)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("declaring key-value bucket %s: %w", bucket, err)
	}
	if b.explicit.Replicas == 0 {
		return kv, nil
	}
	status, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("key-value bucket %s: %w", bucket, err)
	}
	st, ok := status.(*jetstream.KeyValueBucketStatus)
	if !ok {
		return kv, nil // no stream behind it to compare
	}
	have := st.StreamInfo().Config.Replicas
	if have == want.Replicas {
		return kv, nil
	}
	diff := fmt.Sprintf("replicas: %d → %d", have, want.Replicas)
	if !b.cfg.UpdateStream {
		b.log.Warn("a bucket's settings differ from the configuration; keeping the server's (--update-stream applies them)",
			"bucket", bucket, "differences", []string{diff})
		return kv, nil
	}
	if err := retryServerErrors(ctx, func() error {
		var err error
		kv, err = b.js.UpdateKeyValue(ctx, want)
		return err
	}); err != nil {
		return nil, fmt.Errorf("updating key-value bucket %s (%s): %w", bucket, diff, err)
	}
	b.log.Info("bucket updated", "bucket", bucket, "changes", []string{diff})
	return kv, nil
}

// StreamInfo reports the stream's configuration and state as the server
// has them.
func (b *Bus) StreamInfo(ctx context.Context) (*jetstream.StreamInfo, error) {
	s, err := b.js.Stream(ctx, b.cfg.Stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", b.cfg.Stream, err)
	}
	return s.Info(ctx)
}
