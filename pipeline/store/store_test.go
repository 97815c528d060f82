package store_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestMigrationsAreSafeToRunConcurrentlyAndAgain(t *testing.T) {
	t.Parallel()
	url := testenv.DatabaseURL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			st, err := store.Open(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			errs <- st.Migrate(ctx)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent migration: %v", err)
		}
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrating again: %v", err)
	}
	if v, err := st.SchemaVersion(ctx); err != nil || v < 1 {
		t.Errorf("schema version %d, %v", v, err)
	}
}

func classification(id, hash, rules string, at time.Time, codes ...string) message.Classification {
	c := message.Classification{
		SchemaVersion: message.ClassificationVersion, RuleSetVersion: rules, Relevant: true, ClassifiedAt: at,
		Document: message.Document{SchemaVersion: message.DocumentVersion, ID: id, ContentHash: hash,
			Source: "src", URL: "https://example.org/" + id, Title: "title " + hash, Text: "text", FetchedAt: at},
	}
	for _, code := range codes {
		c.Labels = append(c.Labels, message.Label{Dimension: "type", Code: code, Score: 1})
	}
	return c
}

func TestSaveClassifications(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)

	type row struct {
		version int
		title   string
		codes   int
	}
	tests := []struct {
		name    string
		batches [][]message.Classification
		want    row
	}{
		{"saving the same message twice changes nothing",
			[][]message.Classification{{classification("d", "h1", "r1", t0, "DIAGNOSTIC")}, {classification("d", "h1", "r1", t0, "DIAGNOSTIC")}},
			row{1, "title h1", 1}},
		{"a change of content makes a new version",
			[][]message.Classification{{classification("d", "h1", "r1", t0, "DIAGNOSTIC")}, {classification("d", "h2", "r1", t1, "P4")}},
			row{2, "title h2", 1}},
		{"an older message arriving late does not overwrite a newer one",
			[][]message.Classification{{classification("d", "h2", "r1", t1, "P4")}, {classification("d", "h1", "r1", t0, "DIAGNOSTIC")}},
			row{1, "title h2", 1}},
		{"a duplicate inside one batch is harmless",
			[][]message.Classification{{classification("d", "h1", "r1", t0, "DIAGNOSTIC"), classification("d", "h1", "r1", t0, "DIAGNOSTIC")}},
			row{1, "title h1", 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := testenv.Store(t)
			ctx := context.Background()
			for _, b := range tc.batches {
				if err := st.SaveClassifications(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			var got row
			err := st.Pool().QueryRow(ctx, `select d.version, d.title, (select count(*) from labels)
				from documents d where d.id = 'd'`).Scan(&got.version, &got.title, &got.codes)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReportViewsAreReadableByTheReaderRole(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	var canRead, canWrite bool
	err := st.Pool().QueryRow(ctx, `select
		has_table_privilege('horizon_reader', 'report.documents', 'select'),
		has_table_privilege('horizon_reader', 'public.documents', 'select')`).Scan(&canRead, &canWrite)
	if err != nil {
		t.Fatal(err)
	}
	if !canRead || canWrite {
		t.Errorf("horizon_reader: report.documents readable %v, public.documents readable %v", canRead, canWrite)
	}
}

func TestSourceRunsKeepEachSourcesHealth(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	run := func(id string, at time.Time, failure string) message.SourceRun {
		return message.SourceRun{SchemaVersion: message.SourceRunVersion, RunID: id, Source: "nhs", Started: at,
			Finished: at.Add(time.Minute), Fetched: 3, New: 1, Error: failure, Errors: map[string]int{"http_404": 1}}
	}
	opening := func(id string, at time.Time) message.SourceRun {
		return message.SourceRun{SchemaVersion: message.SourceRunVersion, RunID: id, Source: "nhs", Started: at}
	}
	type health struct {
		failures    int
		lastSuccess *time.Time
		lastError   *string
		runs        int
	}
	read := func() health {
		var h health
		err := st.Pool().QueryRow(ctx, `select consecutive_failures, last_success_at, last_error,
			(select count(*) from source_runs) from report.source_health where source_id = 'nhs'`).Scan(&h.failures, &h.lastSuccess, &h.lastError, &h.runs)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	steps := []struct {
		name         string
		runs         []message.SourceRun
		wantFailures int
		wantRuns     int
	}{
		{"a good run", []message.SourceRun{run("r1", t0, "")}, 0, 1},
		{"two failures count up", []message.SourceRun{run("r2", t0.Add(time.Hour), "fetching feed: http_503"), run("r3", t0.Add(2*time.Hour), "fetching feed: timeout")}, 2, 3},
		{"a redelivered run changes nothing", []message.SourceRun{run("r3", t0.Add(2*time.Hour), "fetching feed: timeout")}, 2, 3},
		{"a good run resets the count", []message.SourceRun{run("r4", t0.Add(3*time.Hour), "")}, 0, 4},
		{"a run that starts is recorded open", []message.SourceRun{opening("r5", t0.Add(4*time.Hour))}, 0, 5},
		{"the next run's start abandons it: a failure", []message.SourceRun{opening("r6", t0.Add(5*time.Hour))}, 1, 6},
		{"a redelivered start changes nothing", []message.SourceRun{opening("r6", t0.Add(5*time.Hour))}, 1, 6},
		{"its end closes it, a good run", []message.SourceRun{run("r6", t0.Add(5*time.Hour), "")}, 0, 6},
		{"a redelivered end changes nothing", []message.SourceRun{run("r6", t0.Add(5*time.Hour), "")}, 0, 6},
		{"a start after an end is no abandonment", []message.SourceRun{opening("r7", t0.Add(6*time.Hour))}, 0, 7},
	}
	for _, s := range steps {
		if err := st.SaveSourceRuns(ctx, s.runs); err != nil {
			t.Fatal(err)
		}
		h := read()
		if h.failures != s.wantFailures || h.runs != s.wantRuns {
			t.Errorf("%s: consecutive failures %d, runs %d; want %d, %d", s.name, h.failures, h.runs, s.wantFailures, s.wantRuns)
		}
	}
	h := read()
	if h.lastSuccess == nil || !h.lastSuccess.Equal(t0.Add(5*time.Hour+time.Minute)) || h.lastError == nil || *h.lastError != store.AbandonedRun {
		t.Errorf("last success %v, last error %v", h.lastSuccess, h.lastError)
	}
	var abandoned int
	var running *time.Time
	if err := st.Pool().QueryRow(ctx, `select abandoned_runs, running_since from report.source_health where source_id = 'nhs'`).Scan(&abandoned, &running); err != nil {
		t.Fatal(err)
	}
	if abandoned != 1 || running == nil || !running.Equal(t0.Add(6*time.Hour)) {
		t.Errorf("abandoned runs %d, running since %v; want 1 and r7's start", abandoned, running)
	}
}
