package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/devstack"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/onebox"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/scrape"
	"github.com/horizon-scan/horizon/pipeline/scrape/offlinesite"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func runPipeline(args []string) int {
	fs := cli.FlagSet("horizon run", "[flags]", "Scrapes the sources once (the bundled offline site by default), classifies and loads everything, and prints a summary (exit 0: every source ok; 3: some failed; 4: all failed).")
	natsURL := fs.String("nats-url", ops.Env("HORIZON_NATS_URL", ""), "NATS URL; empty starts an embedded server (env HORIZON_NATS_URL)")
	dbURL := fs.String("database-url", ops.Env("HORIZON_DATABASE_URL", ""), "Postgres URL; empty starts a throwaway cluster (env HORIZON_DATABASE_URL)")
	dataDir := fs.String("data-dir", ops.Env("HORIZON_DATA_DIR", ".horizon"), "where the embedded NATS and throwaway Postgres keep their data")
	sourcesFile := fs.String("sources", "", "sources file; empty scrapes the bundled offline site")
	siteAddr := fs.String("site-addr", "127.0.0.1:0", "where the bundled offline site is served (port 0: a free one); its documents keep their ids whatever the port, under the name "+offlinesite.Host)
	logLevel := fs.String("log-level", ops.Env("HORIZON_LOG_LEVEL", "warn"), "debug, info, warn or error")
	reviewAddr := fs.String("review", "", "after the run, serve the review app and dashboard on this address (e.g. 127.0.0.1:8080) until interrupted, with an admin account whose new password is printed")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	log, err := ops.NewLogger(os.Stderr, *logLevel, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "horizon: --log-level:", err)
		return 2
	}
	ctx, stop := ops.SignalContext(context.Background())
	defer stop()
	res, err := pipeline(ctx, os.Stdout, log, *natsURL, *dbURL, *dataDir, *sourcesFile, *siteAddr, *reviewAddr)
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "horizon: interrupted; what was stored stays, and the next run carries on from there")
		return cli.ExitInterrupted
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "horizon:", ops.Redact(err.Error()))
		return cli.ExitError
	}
	return sourcesExit(os.Stderr, res.Reports)
}

// sourcesExit says on w which sources failed and returns the exit code a
// scheduler reads: 0 when every source worked, 3 when some failed, 4 when
// all did.
func sourcesExit(w io.Writer, runs []message.SourceRun) int {
	failed := 0
	for _, r := range runs {
		if r.Error != "" {
			failed++
			fmt.Fprintf(w, "horizon: source %s failed: %s\n", r.Source, ops.Redact(r.Error))
		}
	}
	return cli.SourcesExit(len(runs), failed)
}

func pipeline(ctx context.Context, out io.Writer, log *slog.Logger, natsURL, dbURL, dataDir, sourcesFile, siteAddr, reviewAddr string) (onebox.Result, error) {
	var res onebox.Result
	var where []string
	// Everything that can be wrong with the command line is checked before
	// anything starts: the sources file, the URLs, the review address.
	sources, resolve, err := loadSources(sourcesFile, siteAddr)
	if err != nil {
		return res, err
	}
	for _, u := range []struct {
		key, url string
		schemes  []string
	}{
		{"--nats-url", natsURL, []string{"nats", "tls", "ws", "wss"}},
		{"--database-url", dbURL, []string{"postgres", "postgresql"}},
	} {
		if u.url != "" {
			if err := ops.CheckURL(u.key, u.url, u.schemes...); err != nil {
				return res, err
			}
		}
	}
	if reviewAddr != "" {
		ln, err := net.Listen("tcp", reviewAddr)
		if err != nil {
			return res, fmt.Errorf("--review: %w", err)
		}
		ln.Close()
	}
	// Searchable by others: a throwaway Postgres runs as its own user.
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return res, fmt.Errorf("--data-dir: %w", err)
	}
	if natsURL == "" {
		dir := filepath.Join(dataDir, "nats")
		n, err := devstack.StartNATS(dir, 0)
		if err != nil {
			return res, err
		}
		defer n.Close()
		natsURL = n.URL()
		where = append(where, fmt.Sprintf("NATS      embedded JetStream, streams kept in %s", dir))
	}
	if dbURL == "" {
		pg, err := devstack.StartPostgres(ctx, filepath.Join(dataDir, "pg"), devstack.PostgresOptions{Durable: true, Install: true}, log)
		if err != nil {
			return res, err
		}
		defer func() {
			if err := pg.Stop(context.WithoutCancel(ctx)); err != nil {
				log.Warn("stopping postgres", "err", err)
			}
		}()
		dbURL = pg.URL()
		where = append(where,
			fmt.Sprintf("Postgres  throwaway cluster in %s (stopped on exit); to look inside, start it with\n            %s\n          then: psql %s", pg.Dir, pg.StartCommand(), pg.URL()))
	} else {
		where = append(where, "Postgres  "+ops.RedactURL(dbURL))
	}

	rs, err := rules.Default()
	if err != nil {
		return res, fmt.Errorf("rules: %w", err)
	}
	nc, err := ops.ConnectNATS(natsURL, "horizon-run", log)
	if err != nil {
		return res, err
	}
	defer func() {
		// Interrupted, the workers have stopped already: a short drain.
		if ctx.Err() != nil {
			ops.Drain(nc, 500*time.Millisecond)
			return
		}
		ops.Drain(nc, 5*time.Second)
	}()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return res, err
	}
	defer st.Close()

	start := time.Now()
	opts := scrape.Options{Resolve: resolve}
	if sourcesFile != "" { // real sources take a while: say how far
		opts.Progress = scrape.Progress(os.Stderr, ops.Redact)
	}
	res, err = onebox.Run(ctx, onebox.Config{NATS: nc, Store: st, Bus: bus.Config{Log: log}, Sources: sources, Rules: rs, Log: log,
		Scrape: opts})
	if err != nil {
		return res, err
	}
	printSummary(out, res, time.Since(start), rs.Version, where)
	if reviewAddr == "" {
		fmt.Fprintln(out, "\nTo review the results in a browser, run again with --review 127.0.0.1:8080.")
		return res, nil
	}
	return res, serveReview(ctx, out, log, st, dbURL, reviewAddr)
}

// serveReview serves the review app on the run's database until ctx ends,
// with a local "admin" account given a fresh password. The run has
// recorded the reference codes the item page's pickers offer.
func serveReview(ctx context.Context, out io.Writer, log *slog.Logger, st *store.Store, dbURL, addr string) error {
	pw := rand.Text()
	hash, err := review.HashPassword(pw)
	if err != nil {
		return err
	}
	if err := st.SaveUser(ctx, store.User{Name: "admin", PasswordHash: hash, Role: store.RoleAdmin}, ""); err != nil {
		return err
	}
	reports, err := store.OpenReports(ctx, dbURL)
	if err != nil {
		return err
	}
	defer reports.Close()
	srv, err := review.New(review.Config{Store: st, Reports: reports, Log: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nReview app: http://%s  (sign in as admin, password %s; Ctrl-C stops)\n", addr, pw)
	return review.ListenAndServe(ctx, addr, srv, log)
}

// loadSources reads the sources file, or serves the bundled offline site
// and returns its sources under its stable name with the address that name
// resolves to.
func loadSources(file, siteAddr string) ([]scrape.Source, map[string]string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, nil, fmt.Errorf("--sources: %w", err)
		}
		srcs, err := scrape.ParseSources(file, data, nil)
		return srcs, nil, err
	}
	ln, err := net.Listen("tcp", siteAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("--site-addr: serving the offline site: %w", err)
	}
	site := offlinesite.Serve(ln)
	// The site lives as long as the process.
	srcs, err := site.StableSources()
	return srcs, site.Resolve(), err
}

func printSummary(w io.Writer, res onebox.Result, took time.Duration, rulesVersion string, where []string) {
	s := res.Summary
	published, known, failed := 0, 0, 0
	for _, r := range res.Reports {
		published += r.New + r.Changed
		known += r.Unchanged + r.NotModified
		failed += r.Failed
	}
	fmt.Fprintf(w, "\nHorizon run finished in %s (rules %s)\n", took.Round(time.Millisecond), rulesVersion)
	fmt.Fprintf(w, "  scraped   %d sources: %d new or changed documents published, %d already known, %d failures\n",
		len(res.Reports), published, known, failed)
	fmt.Fprintf(w, "  stored    %d documents (%d relevant), %d in the review queue, %d classifications, %d labels, %d dead letters\n",
		s.Documents, s.Relevant, s.InReviewQueue, s.Classifications, s.Labels, s.DeadLetters)
	fmt.Fprintln(w, "\nDocuments per source:")
	for _, c := range s.BySource {
		fmt.Fprintf(w, "  %4d  %s\n", c.Count, c.Name)
	}
	fmt.Fprintln(w, "\nRelevant documents per type:")
	for _, c := range s.ByType {
		fmt.Fprintf(w, "  %4d  %s\n", c.Count, c.Name)
	}
	fmt.Fprintln(w, "\nTechnologies:")
	for _, c := range s.Technologies {
		fmt.Fprintf(w, "  %4d  %s\n", c.Count, c.Name)
	}
	fmt.Fprintln(w, "\nWhere the data is:")
	for _, l := range where {
		fmt.Fprintln(w, "  "+l)
	}
}
