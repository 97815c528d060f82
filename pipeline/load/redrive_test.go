package load_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/load"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// TestOneBadMessageInABatchOf500IsDeadLetteredAloneAndRedrivenAfterAFix
// plays a bug with a trigger that rejects one document of 500 (a data
// error, as a broken constraint would). That document is dead-lettered
// alone and the other 499 load. The bug is fixed (the trigger dropped) and
// the letter redriven: it loads, the letter is marked redriven, and a
// second redrive sends nothing.
func TestOneBadMessageInABatchOf500IsDeadLetteredAloneAndRedrivenAfterAFix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	_, err := st.Pool().Exec(ctx, `
		create function reject_d0137() returns trigger language plpgsql as $$
		begin
			if new.id like '%d0137' then
				raise exception 'a bug rejects %', new.id using errcode = '23514';
			end if;
			return new;
		end $$;
		create trigger reject_d0137 before insert on documents for each row execute function reject_d0137()`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testenv.Bus(t, testenv.NATS(t))
	const n = 500
	publish(t, b, n)
	l := load.New(b, st, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), load.Options{BatchSize: n, MaxWait: time.Second})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	go func() { done <- l.Run(wctx) }()
	go func() { done <- l.RunDeadLetters(wctx) }()
	defer func() {
		stop()
		for range 2 {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}()
	count := func(q string) int {
		var c int
		if err := st.Pool().QueryRow(ctx, q).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	testenv.Eventually(t, time.Minute, "499 loaded and one dead letter stored", func() bool {
		return count("select count(*) from documents") == n-1 && count("select count(*) from dead_letters") == 1
	})
	letters, err := st.DeadLetters(ctx, store.DeadLetterFilter{Stage: load.Stage})
	if err != nil || len(letters) != 1 {
		t.Fatalf("open dead letters %v (%v), want one", letters, err)
	}
	if d := letters[0]; d.MsgID == "" || d.Subject != b.ClassifiedSubject("s") || d.Reason == "" {
		t.Errorf("dead letter %+v", d)
	}

	if _, err := st.Pool().Exec(ctx, "drop trigger reject_d0137 on documents"); err != nil {
		t.Fatal(err)
	}
	sent, err := load.Redrive(ctx, b, st, store.DeadLetterFilter{Reason: "a bug rejects"}, false)
	if err != nil || len(sent) != 1 {
		t.Fatalf("redrove %d (%v), want 1", len(sent), err)
	}
	testenv.Eventually(t, time.Minute, "the redriven document to load", func() bool {
		return count("select count(*) from documents") == n
	})
	if c := count("select count(*) from dead_letters where redriven_at is not null and redrives = 1"); c != 1 {
		t.Errorf("%d letters marked redriven, want 1", c)
	}
	again, err := load.Redrive(ctx, b, st, store.DeadLetterFilter{Reason: "a bug rejects"}, false)
	if err != nil || len(again) != 0 {
		t.Errorf("a second redrive sent %d (%v), want none", len(again), err)
	}
	testenv.Eventually(t, 30*time.Second, "the loader to drain", func() bool {
		p, err := b.Pending(ctx, bus.LoaderConsumer)
		return err == nil && p == 0
	})
	if c := count("select count(*) from classifications"); c != n {
		t.Errorf("%d classifications, want %d", c, n)
	}
}
