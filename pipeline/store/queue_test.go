package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// queueOf loads n relevant documents, each a new technology with a review
// item; every third is from source "other".
func queueOf(t *testing.T, n int) *store.Store {
	t.Helper()
	st := testenv.Store(t)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var cs []message.Classification
	for i := range n {
		c := announced(fmt.Sprintf("q%03d", i), "r1", t0, "STROKE")
		if i%3 == 0 {
			c.Document.Source = "other"
		}
		pub := t0.AddDate(0, 0, i)
		c.Document.Published = &pub
		cs = append(cs, c)
	}
	if err := st.SaveClassifications(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConcurrentClaimsNeverShareAnItem(t *testing.T) {
	t.Parallel()
	const items, analysts = 30, 6
	st := queueOf(t, items)
	ctx := context.Background()
	var mu sync.Mutex
	got := map[int64]string{}
	var wg sync.WaitGroup
	for a := range analysts {
		who := fmt.Sprintf("analyst%d", a)
		wg.Go(func() {
			for {
				id, err := st.ClaimNext(ctx, who, time.Minute, store.QueueFilter{})
				if errors.Is(err, store.ErrQueueEmpty) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, ok := got[id]; ok {
					t.Errorf("item %d claimed by %s and %s", id, prev, who)
				}
				got[id] = who
				mu.Unlock()
				// The analyst decides before the next: claiming the next
				// hands back what is still held.
				if err := st.Decide(ctx, store.Decision{ItemID: id, Analyst: who, Action: store.ActionAccept}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(got) != items {
		t.Errorf("%d items claimed, want %d", len(got), items)
	}
}

// TestClaimingTheNextHandsBackTheOneHeld presses "next" twice without
// deciding: the first item goes back to the queue, the analyst holds one
// item, and it is another.
func TestClaimingTheNextHandsBackTheOneHeld(t *testing.T) {
	t.Parallel()
	st := queueOf(t, 3)
	ctx := context.Background()
	first, err := st.ClaimNext(ctx, "ana", time.Minute, store.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.ClaimNext(ctx, "ana", time.Minute, store.QueueFilter{})
	if err != nil || second == first {
		t.Fatalf("second press: %d (%v), want another item than %d", second, err, first)
	}
	item, err := st.QueueItem(ctx, first)
	if err != nil || item.State != "open" {
		t.Errorf("the first item after the second press: %q (%v), want open", item.State, err)
	}
	if err := st.Claim(ctx, first, "bob", time.Minute); err != nil {
		t.Errorf("bob claiming the item ana let go: %v", err)
	}
	if _, n, err := st.Queue(ctx, store.QueueFilter{State: "claimed"}, 10, 0); err != nil || n != 2 {
		t.Errorf("%d items claimed (%v), want ana's one and bob's one", n, err)
	}
}

func TestClaimLeaseAndDecide(t *testing.T) {
	t.Parallel()
	st := queueOf(t, 3)
	ctx := context.Background()
	// A lease long enough for the steps below on a busy machine (at 50 ms
	// it ran out before them under load), short enough to wait out.
	const lease = 2 * time.Second
	first, err := st.ClaimNext(ctx, "ana", lease, store.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		err  error
		want error
	}{
		{"another analyst cannot claim a claimed item", st.Claim(ctx, first, "bob", time.Minute), store.ErrClaimed},
		{"nor decide it", st.Decide(ctx, store.Decision{ItemID: first, Analyst: "bob", Action: store.ActionAccept}), store.ErrClaimed},
		{"the holder renews the claim", st.Claim(ctx, first, "ana", lease), nil},
		{"a missing item", st.Claim(ctx, 424242, "ana", time.Minute), store.ErrNoItem},
	}
	for _, s := range steps {
		if !errors.Is(s.err, s.want) {
			t.Errorf("%s: %v, want %v", s.name, s.err, s.want)
		}
	}
	time.Sleep(lease + 200*time.Millisecond)
	item, err := st.QueueItem(ctx, first)
	if err != nil || item.State != "open" {
		t.Errorf("after the lease ran out: state %q (%v), want open", item.State, err)
	}
	if err := st.Claim(ctx, first, "bob", time.Minute); err != nil {
		t.Fatalf("claiming an item whose lease ran out: %v", err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: first, Analyst: "bob", Action: store.ActionAccept}); err != nil {
		t.Fatal(err)
	}
	if err := st.Claim(ctx, first, "ana", time.Minute); !errors.Is(err, store.ErrClaimed) {
		t.Errorf("claiming a decided item: %v, want ErrClaimed", err)
	}
	second, err := st.ClaimNext(ctx, "ana", time.Minute, store.QueueFilter{})
	if err != nil || second == first {
		t.Fatalf("next claim: %d (%v), want another item than %d", second, err, first)
	}
	if err := st.Release(ctx, second, "ana"); err != nil {
		t.Fatal(err)
	}
	if err := st.Claim(ctx, second, "bob", time.Minute); err != nil {
		t.Errorf("claiming a released item: %v", err)
	}
}

func TestQueueFilters(t *testing.T) {
	t.Parallel()
	st := queueOf(t, 9)
	ctx := context.Background()
	may := func(d int) time.Time { return time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		name string
		f    store.QueueFilter
		want int
	}{
		{"everything not decided", store.QueueFilter{}, 9},
		{"by reason", store.QueueFilter{Reason: store.ReasonNewTechnology}, 9},
		{"by a reason no item has", store.QueueFilter{Reason: "conflicting types"}, 0},
		{"by source", store.QueueFilter{Source: "other"}, 3},
		{"by type", store.QueueFilter{Type: "DIAGNOSTIC"}, 9},
		{"by another type", store.QueueFilter{Type: "THERAPEUTIC"}, 0},
		{"published from a date", store.QueueFilter{Since: may(4)}, 6},
		{"published in a range", store.QueueFilter{Since: may(2), Until: may(5)}, 3},
		{"decided only", store.QueueFilter{State: "decided"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, total, err := st.Queue(ctx, c.f, 4, 0)
			if err != nil {
				t.Fatal(err)
			}
			if total != c.want || len(items) != min(4, c.want) {
				t.Errorf("total %d, page %d; want %d, %d", total, len(items), c.want, min(4, c.want))
			}
		})
	}
	newest, _, err := st.Queue(ctx, store.QueueFilter{Sort: "published"}, 1, 0)
	if err != nil || len(newest) != 1 || newest[0].DocumentID != "q008" {
		t.Errorf("newest published first: %+v (%v), want q008", newest, err)
	}
	if _, _, err := st.Queue(ctx, store.QueueFilter{Sort: "id; drop table users"}, 1, 0); err == nil {
		t.Error("an unknown sort was accepted")
	}
	items, _, err := st.Queue(ctx, store.QueueFilter{}, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		if a.Priority < b.Priority || (a.Priority == b.Priority && a.OpenedAt.After(b.OpenedAt)) {
			t.Errorf("queue out of order at %d: %+v before %+v", i, a, b)
		}
	}
}
