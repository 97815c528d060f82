package scrape

import (
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Metrics are the scraper's Prometheus metrics, per source, updated from
// each run's record.
type Metrics struct {
	runs, pages, errors *prometheus.CounterVec
	bytes               *prometheus.CounterVec
	lastRun, lastOK     *prometheus.GaugeVec
}

// NewMetrics returns the scraper's metrics registered on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "horizon_scraper_runs_total",
			Help: "Runs of a source, by outcome (ok, failed)."}, []string{"source", "outcome"}),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "horizon_scraper_pages_total",
			Help: "Pages by result: new, changed, unchanged, not_modified, failed, robots_blocked."}, []string{"source", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "horizon_scraper_errors_total",
			Help: "Failures and cut pages by kind (http_404, timeout, too_large, extract, truncated, …)."}, []string{"source", "kind"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "horizon_scraper_received_bytes_total",
			Help: "Body bytes received, after decompression."}, []string{"source"}),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "horizon_scraper_last_run_timestamp_seconds",
			Help: "When the source's newest run ended (Unix time)."}, []string{"source"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "horizon_scraper_last_success_timestamp_seconds",
			Help: "When the source's newest run that worked ended (Unix time)."}, []string{"source"}),
	}
	reg.MustRegister(m.runs, m.pages, m.errors, m.bytes, m.lastRun, m.lastOK)
	return m
}

// observe adds a finished run's record.
func (m *Metrics) observe(r message.SourceRun) {
	if m == nil {
		return
	}
	outcome := "ok"
	if r.Error != "" {
		outcome = "failed"
	}
	m.runs.WithLabelValues(r.Source, outcome).Inc()
	for result, n := range map[string]int{"new": r.New, "changed": r.Changed, "unchanged": r.Unchanged,
		"not_modified": r.NotModified, "failed": r.Failed, "robots_blocked": r.RobotsBlocked} {
		m.pages.WithLabelValues(r.Source, result).Add(float64(n))
	}
	for kind, n := range r.Errors {
		m.errors.WithLabelValues(r.Source, kind).Add(float64(n))
	}
	m.bytes.WithLabelValues(r.Source).Add(float64(r.BytesReceived))
	m.lastRun.WithLabelValues(r.Source).Set(float64(r.Finished.Unix()))
	if outcome == "ok" {
		m.lastOK.WithLabelValues(r.Source).Set(float64(r.Finished.Unix()))
	}
}

// Progress returns an Options.Progress that writes a line per source as it
// ends to w ("[3/18] nice-news: new 2, …"), through redact.
func Progress(w io.Writer, redact func(string) string) func(done, total int, rec message.SourceRun) {
	return func(done, total int, rec message.SourceRun) {
		fmt.Fprintf(w, "[%d/%d] %s\n", done, total, redact(Line(rec)))
	}
}

// Line is a run record on one line, for a person watching: the source,
// what it published and whether it worked.
func Line(r message.SourceRun) string {
	status := "ok"
	if r.Error != "" {
		status = "FAILED: " + r.Error
	}
	return fmt.Sprintf("%s: new %d, changed %d, unchanged %d, failed pages %d, %s in %s: %s", r.Source, r.New,
		r.Changed, r.Unchanged+r.NotModified, r.Failed, humanBytes(r.BytesReceived),
		r.Finished.Sub(r.Started).Round(100*time.Millisecond), status)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
