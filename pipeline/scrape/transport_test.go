package scrape

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestHostTurnsAreAtLeastTheIntervalApart checks the pacing guarantee where
// it is made: the times at which requests to one host are let go, from
// several goroutines at once, are never closer than the interval.
func TestHostTurnsAreAtLeastTheIntervalApart(t *testing.T) {
	h := NewHosts()
	const interval = 30 * time.Millisecond
	h.Set("example.org", interval, 4)
	var mu sync.Mutex
	var times []time.Time
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				release, at, err := h.acquire(context.Background(), "example.org")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				times = append(times, at)
				mu.Unlock()
				release()
			}
		})
	}
	wg.Wait()
	slices.SortFunc(times, time.Time.Compare)
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < interval {
			t.Errorf("turns %d and %d %s apart, interval %s", i-1, i, gap, interval)
		}
	}
}

func TestAHostWithNoTurnLeftInTheBudgetSaysSo(t *testing.T) {
	h := NewHosts()
	h.Set("example.org", time.Hour, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	release, _, err := h.acquire(ctx, "example.org")
	if err != nil {
		t.Fatal(err)
	}
	release()
	if _, _, err := h.acquire(ctx, "example.org"); err != errOutOfBudget {
		t.Errorf("second turn: %v, want errOutOfBudget", err)
	}
}
