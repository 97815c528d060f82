package review_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/synthetic"
)

// scaled adds n relevant documents with codes spread over every dimension,
// each a technology of its own with a review item, and brings the
// dashboard facts up to date as the loader would.
func scaled(b *testing.B, a *app, n int) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 2000 {
		if err := a.store.SaveClassifications(ctx, synthetic.Classifications(start, min(2000, n-start))); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.store.RefreshFacts(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := a.store.Pool().Exec(ctx, "analyze"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPages measures the pages analysts and dashboard readers open
// most, at 1,000, 10,000 and 100,000 technologies: how their cost grows
// with the database is the figure to watch. Select a size by name
// (-bench 'Pages/technologies=100000/') to seed only that one. The
// dashboard is also measured under 8 concurrent readers
// (dashboard-concurrent, whose requests/s is the figure).
func BenchmarkPages(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("technologies=%d", n), func(b *testing.B) { benchmarkPages(b, n) })
	}
}

func benchmarkPages(b *testing.B, n int) {
	a := newApp(b, review.Config{})
	scaled(b, a, n)
	c := a.client(b)
	if code := c.login("ana", password); code != http.StatusSeeOther {
		b.Fatalf("login: %d", code)
	}
	tok := c.csrf("/queue")
	for _, p := range []struct{ name, path string }{
		{"dashboard", "/dashboard"},
		{"dashboard-filtered", "/dashboard?clinical_area=NEUROLOGY&point_of_care=PRIMARY"},
		{"dashboard-dates", "/dashboard?from=2026-01-02&source=source-3"},
		{"queue", "/queue"},
		{"queue-filtered", "/queue?type=P4&source=source-3"},
		{"item", "/items/5"},
		{"csv-technologies", "/dashboard/technologies.csv"},
		{"csv-profile", "/dashboard/profile.csv?type=DIAGNOSTIC"},
	} {
		b.Run(p.name, func(b *testing.B) {
			c.get(p.path) // the first page after a start reads every fact; measured apart
			for b.Loop() {
				if code, _, _ := c.get(p.path); code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, code)
				}
			}
		})
	}
	// After a write the pipeline's health is read afresh: the page's worst case.
	b.Run("dashboard-after-a-write", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			code, _, loc := c.post("/queue/next", url.Values{"csrf": {tok}})
			if code != http.StatusSeeOther {
				b.Fatalf("claim next: %d", code)
			}
			c.post(loc+"/release", url.Values{"csrf": {tok}})
			b.StartTimer()
			if code, _, _ := c.get("/dashboard"); code != http.StatusOK {
				b.Fatalf("dashboard: %d", code)
			}
		}
	})
	b.Run("dashboard-concurrent", func(b *testing.B) {
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := c.http.Get(c.base + "/dashboard?type=DIAGNOSTIC")
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("dashboard: %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "requests/s")
	})
	b.Run("claim-next+release", func(b *testing.B) {
		for b.Loop() {
			code, _, loc := c.post("/queue/next", url.Values{"csrf": {tok}})
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/items/") {
				b.Fatalf("claim next: %d %s", code, loc)
			}
			if code, _, _ := c.post(loc+"/release", url.Values{"csrf": {tok}}); code != http.StatusSeeOther {
				b.Fatalf("release: %d", code)
			}
		}
	})
}
