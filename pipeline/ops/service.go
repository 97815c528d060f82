package ops

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

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
}

// Bus returns the JetStream topology the flags name.
func (f *Flags) Bus() bus.Config {
	return bus.Config{Stream: f.Stream, Prefix: f.Prefix, AckWait: f.AckWait}
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
	if err := f.ValidateLogging(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
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
}

// Start connects to NATS as name and declares the topology the flags name.
func (f *Flags) Start(ctx context.Context, name string) (*Service, error) {
	log := f.Logger()
	nc, err := ConnectNATS(f.NATSURL, name, log)
	if err != nil {
		return nil, err
	}
	cfg := f.Bus()
	cfg.Log = log
	b, err := bus.Open(ctx, nc, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &Service{Log: log, NATS: nc, Bus: b, Registry: NewRegistry(), addr: f.HTTPAddr,
		checks: map[string]Check{"nats": NATSCheck(nc)}}, nil
}

// AddCheck adds a readiness check to /readyz.
func (s *Service) AddCheck(name string, c Check) { s.checks[name] = c }

// Run runs the workers beside the health and metrics server until ctx is
// cancelled or a worker ends, then drains the NATS connection.
func (s *Service) Run(ctx context.Context, workers ...func(context.Context) error) error {
	defer Drain(s.NATS, 10*time.Second)
	serve := func(ctx context.Context) error { return Serve(ctx, s.addr, s.Registry, s.Log, s.checks) }
	return Run(ctx, append(workers, serve)...)
}
