package ops

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/horizon-scan/horizon/pipeline/bus"
)

// LogFlags are the logging settings every Horizon program takes, each with
// an environment variable fallback.
type LogFlags struct {
	LogLevel string
	LogJSON  bool
}

// RegisterLogging adds --log-level and --log-json to fs.
func (f *LogFlags) RegisterLogging(fs *flag.FlagSet) {
	fs.StringVar(&f.LogLevel, "log-level", Env("HORIZON_LOG_LEVEL", "info"), "debug, info, warn or error (env HORIZON_LOG_LEVEL)")
	fs.BoolVar(&f.LogJSON, "log-json", Env("HORIZON_LOG_JSON", "") == "true", "log as JSON lines (env HORIZON_LOG_JSON=true)")
}

// ValidateLogging checks the log level, naming the key.
func (f *LogFlags) ValidateLogging() error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(f.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %q is not debug, info, warn or error", f.LogLevel)
	}
	return nil
}

// Logger returns the logger the flags ask for, writing to stderr.
func (f *LogFlags) Logger() *slog.Logger {
	log, err := NewLogger(os.Stderr, f.LogLevel, f.LogJSON)
	if err != nil { // ValidateLogging has checked the level
		return slog.Default()
	}
	return log
}

// Flags are the settings every Horizon service takes, each with an
// environment variable fallback.
type Flags struct {
	LogFlags
	NATSURL     string
	DatabaseURL string
	HTTPAddr    string
	Stream      string
	Prefix      string
	AckWait     time.Duration
	// The stream's and buckets' settings (see bus.Config): zero leaves an
	// existing stream's as they are.
	Replicas        int
	MaxBytes        string // a size: 10GB, 512MiB, 1000000
	MaxAge          time.Duration
	Discard         string
	DuplicateWindow time.Duration
	UpdateStream    bool
	maxBytes        int64
	// StallAfter is how long a consumer may have work pending and make no
	// progress before /readyz fails; 0 turns the check off.
	StallAfter time.Duration
	// WaitFor is how long start-up waits for NATS (and Postgres) to
	// answer before it gives up; 0 gives up at the first failure.
	WaitFor time.Duration
}

// Bus returns the JetStream topology the flags name.
func (f *Flags) Bus() bus.Config {
	return bus.Config{Stream: f.Stream, Prefix: f.Prefix, AckWait: f.AckWait, Replicas: f.Replicas, MaxBytes: f.maxBytes,
		MaxAge: f.MaxAge, Discard: f.Discard, DuplicateWindow: f.DuplicateWindow, UpdateStream: f.UpdateStream}
}

// Register adds the flags to fs. withDB adds --database-url.
func (f *Flags) Register(fs *flag.FlagSet, defaultHTTP string, withDB bool) {
	fs.StringVar(&f.NATSURL, "nats-url", Env("HORIZON_NATS_URL", nats.DefaultURL), "NATS server URL (env HORIZON_NATS_URL)")
	if withDB {
		fs.StringVar(&f.DatabaseURL, "database-url", Env("HORIZON_DATABASE_URL", ""), "Postgres URL, e.g. postgres://user@host:5432/horizon (env HORIZON_DATABASE_URL)")
	}
	fs.StringVar(&f.HTTPAddr, "http-addr", Env("HORIZON_HTTP_ADDR", defaultHTTP), "address for /healthz, /readyz and /metrics; empty to disable (env HORIZON_HTTP_ADDR)")
	fs.StringVar(&f.Stream, "stream", Env("HORIZON_STREAM", "HORIZON"), "JetStream stream name (env HORIZON_STREAM)")
	fs.StringVar(&f.Prefix, "subject-prefix", Env("HORIZON_SUBJECT_PREFIX", "horizon"), "prefix of the pipeline's subjects (env HORIZON_SUBJECT_PREFIX)")
	fs.DurationVar(&f.AckWait, "ack-wait", envDuration("HORIZON_ACK_WAIT", 30*time.Second), "redeliver a message not acknowledged within this long; the same for every binary of a deployment (env HORIZON_ACK_WAIT)")
	fs.IntVar(&f.Replicas, "stream-replicas", envInt("HORIZON_STREAM_REPLICAS", 0), "replicas of the stream and buckets (1, 3 or 5); 0 keeps an existing stream's, and creates with 1 (env HORIZON_STREAM_REPLICAS)")
	fs.StringVar(&f.MaxBytes, "stream-max-bytes", Env("HORIZON_STREAM_MAX_BYTES", ""), "the stream's size limit (10GB, 512MiB); empty keeps an existing stream's, and creates unlimited (env HORIZON_STREAM_MAX_BYTES)")
	fs.DurationVar(&f.MaxAge, "stream-max-age", envDuration("HORIZON_STREAM_MAX_AGE", 0), "how long the stream keeps messages; 0 keeps an existing stream's, and creates with 720h (env HORIZON_STREAM_MAX_AGE)")
	fs.StringVar(&f.Discard, "stream-discard", Env("HORIZON_STREAM_DISCARD", ""), "at the size limit: old drops the oldest messages, new refuses new ones; empty keeps an existing stream's, and creates with old (env HORIZON_STREAM_DISCARD)")
	fs.DurationVar(&f.DuplicateWindow, "duplicate-window", envDuration("HORIZON_DUPLICATE_WINDOW", 0), "the stream's de-duplication window; 0 keeps an existing stream's, and creates with 1h (env HORIZON_DUPLICATE_WINDOW)")
	fs.DurationVar(&f.StallAfter, "stall-after", envDuration("HORIZON_STALL_AFTER", 5*time.Minute), "fail /readyz when a consumer has work pending and makes no progress for this long; 0 turns the check off (env HORIZON_STALL_AFTER)")
	RegisterWaitFor(fs, &f.WaitFor)
	fs.BoolVar(&f.UpdateStream, "update-stream", Env("HORIZON_UPDATE_STREAM", "") == "true", "apply the stream settings above to an existing stream and buckets that differ; without it a difference is only logged (env HORIZON_UPDATE_STREAM=true)")
	f.RegisterLogging(fs)
}

// Validate checks the flags once at start, naming the key at fault.
func (f *Flags) Validate(withDB bool) error {
	var errs []error
	if err := CheckURL("--nats-url", f.NATSURL, "nats", "tls", "ws", "wss"); err != nil {
		errs = append(errs, err)
	}
	if withDB {
		if err := CheckURL("--database-url", f.DatabaseURL, "postgres", "postgresql"); err != nil {
			errs = append(errs, err)
		}
	}
	if f.AckWait < time.Second {
		errs = append(errs, fmt.Errorf("--ack-wait: %s is too short (at least 1s)", f.AckWait))
	}
	if f.Replicas < 0 || f.Replicas > 5 {
		errs = append(errs, fmt.Errorf("--stream-replicas: %d is not between 0 and 5", f.Replicas))
	}
	if f.MaxBytes != "" {
		n, err := humanize.ParseBytes(f.MaxBytes)
		if err != nil || n < 1<<20 || n > 1<<62 {
			errs = append(errs, fmt.Errorf("--stream-max-bytes: %q is not a size of at least 1MB (10GB, 512MiB)", f.MaxBytes))
		}
		f.maxBytes = int64(min(n, 1<<62))
	}
	if f.MaxAge < 0 || (f.MaxAge > 0 && f.MaxAge < time.Minute) {
		errs = append(errs, fmt.Errorf("--stream-max-age: want a duration of at least 1m, or 0"))
	}
	if f.StallAfter < 0 || (f.StallAfter > 0 && f.StallAfter < time.Second) {
		errs = append(errs, fmt.Errorf("--stall-after: want a duration of at least 1s, or 0"))
	}
	if f.WaitFor < 0 {
		errs = append(errs, fmt.Errorf("--wait-for: want a duration, or 0"))
	}
	if f.Discard != "" && f.Discard != "old" && f.Discard != "new" {
		errs = append(errs, fmt.Errorf("--stream-discard: %q is not old or new", f.Discard))
	}
	if f.DuplicateWindow < 0 || (f.DuplicateWindow > 0 && f.DuplicateWindow < time.Second) {
		errs = append(errs, fmt.Errorf("--duplicate-window: want a duration of at least 1s, or 0"))
	}
	if err := f.ValidateLogging(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// RegisterWaitFor adds --wait-for to fs: how long start-up waits for its
// servers (see [WaitFor]).
func RegisterWaitFor(fs *flag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "wait-for", envDuration("HORIZON_WAIT_FOR", 2*time.Minute), "at start, wait this long for NATS and Postgres to answer, retrying with backoff; 0 fails at once (env HORIZON_WAIT_FOR)")
}

// envInt reads an integer from the environment; a value that does not
// parse is kept as -1 so that Validate reports it.
func envInt(key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// envDuration reads a duration from the environment; a value that does not
// parse is kept as -1 so that Validate reports it.
func envDuration(key string, def time.Duration) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return -1
	}
	return d
}

// Run runs workers side by side until ctx is cancelled or one of them fails,
// then cancels the others and waits for them to finish their work in hand.
// A worker that returns nil while ctx is live ends the run too (a one-shot
// job is done).
func Run(ctx context.Context, workers ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	for _, w := range workers {
		g.Go(func() error {
			defer cancel()
			return w(gctx)
		})
	}
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Service is what a running Horizon service shares with its workers: the
// logger, the NATS connection, the JetStream topology and the metrics
// registry.
type Service struct {
	Log      *slog.Logger
	NATS     *nats.Conn
	Bus      *bus.Bus
	Registry *prometheus.Registry
	addr     string
	checks   map[string]Check
	// stallAfter and background: see WatchConsumers.
	stallAfter time.Duration
	background []func(context.Context) error
}

// Start connects to NATS as name and declares the topology the flags name.
func (f *Flags) Start(ctx context.Context, name string) (*Service, error) {
	log := f.Logger()
	nc, err := WaitFor(ctx, log, "nats", f.WaitFor, nil, func(context.Context) (*nats.Conn, error) {
		return ConnectNATS(f.NATSURL, name, log)
	})
	if err != nil {
		return nil, err
	}
	cfg := f.Bus()
	cfg.Log = log
	// A stream whose replicas have not come up yet answers with errors
	// for a while too.
	b, err := WaitFor(ctx, log, "the jetstream stream", f.WaitFor, bus.Refused, func(ctx context.Context) (*bus.Bus, error) {
		return bus.Open(ctx, nc, cfg)
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &Service{Log: log, NATS: nc, Bus: b, Registry: NewRegistry(), addr: f.HTTPAddr,
		checks: map[string]Check{"nats": NATSCheck(nc)}, stallAfter: f.StallAfter}, nil
}

// WatchConsumers exports the backlog of the consumers this service reads
// as metrics and adds the stall check to /readyz. Call it before Run.
func (s *Service) WatchConsumers(consumers ...string) {
	w := s.Bus.Watch(consumers, s.stallAfter, s.Registry)
	s.checks["progress"] = w.Check
	s.background = append(s.background, w.Run)
}

// AddCheck adds a readiness check to /readyz.
func (s *Service) AddCheck(name string, c Check) { s.checks[name] = c }

// Run runs the workers beside the health and metrics server until ctx is
// cancelled or a worker ends, then drains the NATS connection.
func (s *Service) Run(ctx context.Context, workers ...func(context.Context) error) error {
	defer Drain(s.NATS, 10*time.Second)
	serve := func(ctx context.Context) error { return Serve(ctx, s.addr, s.Registry, s.Log, s.checks) }
	return Run(ctx, append(append(workers, serve), s.background...)...)
}
