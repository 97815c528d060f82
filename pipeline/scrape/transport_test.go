package scrape

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
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

// TestAnUntrustedCertificateIsNotRetried fetches from a TLS server whose
// certificate no one vouches for: the request fails at the first
// handshake, where a refused connection would be tried again.
func TestAnUntrustedCertificateIsNotRetried(t *testing.T) {
	var handshakes atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		handshakes.Add(1)
		return nil, nil
	}}
	srv.StartTLS()
	defer srv.Close()
	rt := &transport{next: newHTTPTransport(5*time.Second, nil), hosts: NewHosts(), maxBody: 1 << 20, maxRetries: 3,
		backoff: 10 * time.Millisecond, maxWait: time.Second}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/feed", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RoundTrip(req); err == nil || !permanentNetError(err) {
		t.Fatalf("got %v, want a certificate error", err)
	}
	if n := handshakes.Load(); n != 1 {
		t.Errorf("%d handshakes, want 1: a certificate error was retried", n)
	}
	// Every source on the host asks for robots.txt: the first failure
	// answers them all, at once.
	for range 3 {
		robots, err := http.NewRequest(http.MethodGet, srv.URL+"/robots.txt", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.RoundTrip(robots); err == nil {
			t.Fatal("robots.txt of an untrusted host answered")
		}
	}
	if n := handshakes.Load(); n != 2 {
		t.Errorf("%d handshakes after three robots.txt requests, want 2 (one for the page, one for robots.txt)", n)
	}
}
