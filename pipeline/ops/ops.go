// Package ops is the operational plumbing every Horizon binary shares:
// logging, configuration from flags with environment fallbacks, the NATS
// connection, signal handling, and the /healthz, /readyz and /metrics
// endpoints.
package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Env returns the value of the environment variable key, or def when it is
// unset or empty. Binaries use it for flag defaults so that every flag has an
// environment equivalent.
func Env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// NewLogger returns a slog logger writing to w at the named level ("debug",
// "info", "warn", "error"), as text or JSON.
func NewLogger(w io.Writer, level string, json bool) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: l, ReplaceAttr: redactAttr}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// CheckURL validates a URL-valued setting, naming the key in its error.
func CheckURL(key, value string, schemes ...string) error {
	if value == "" {
		return fmt.Errorf("%s: is empty", key)
	}
	u, err := url.Parse(value)
	if err != nil {
		// url's error quotes the whole URL, password and all.
		return fmt.Errorf("%s: %s does not parse", key, RedactURL(value))
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("%s: scheme %q is not one of %s", key, u.Scheme, strings.Join(schemes, ", "))
}

// ConnectNATS connects to NATS and keeps reconnecting for as long as the
// process lives, logging disconnections.
func ConnectNATS(url, name string, log *slog.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, fmt.Errorf("connecting to nats at %s: %w", url, err)
	}
	return nc, nil
}

// SignalContext returns a context cancelled on SIGINT or SIGTERM.
func SignalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// NewRegistry returns a Prometheus registry with the Go and process
// collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Check is a readiness check: nil means ready.
type Check func(ctx context.Context) error

// Serve serves /healthz (the process is alive), /readyz (every check passes)
// and /metrics on addr until ctx is cancelled. An empty addr serves nothing.
func Serve(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger, checks map[string]Check) error {
	if addr == "" {
		<-ctx.Done()
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		cctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		var failures []string
		for name, check := range checks {
			if err := check(cctx); err != nil {
				failures = append(failures, fmt.Sprintf("%s: %v", name, err))
			}
		}
		if len(failures) > 0 {
			sort.Strings(failures)
			w.WriteHeader(http.StatusServiceUnavailable) // before the body, or it is a 200
			fmt.Fprintln(w, strings.Join(failures, "\n"))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("serving health and metrics", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down %s: %w", addr, err)
	}
	return nil
}

// NATSCheck is ready while the connection is up.
func NATSCheck(nc *nats.Conn) Check {
	return func(context.Context) error {
		if !nc.IsConnected() {
			return fmt.Errorf("not connected (%s)", nc.Status())
		}
		return nil
	}
}

// Drain drains a NATS connection (in-flight messages and pending acks are
// flushed) and waits up to timeout for it to close.
func Drain(nc *nats.Conn, timeout time.Duration) {
	if err := nc.Drain(); err != nil {
		nc.Close()
		return
	}
	deadline := time.Now().Add(timeout)
	for !nc.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	nc.Close()
}

// WaitFor calls try until it succeeds, waiting out a server that is not up
// yet (NATS or Postgres starting after the service): between attempts it
// waits with a backoff that doubles from 250ms to 10s, logging each
// failure. It gives up with the last error when within has passed (0: after
// the first attempt), when ctx is cancelled, or at once when permanent
// reports that the error will not go away by waiting (a wrong password, a
// database that does not exist).
func WaitFor[T any](ctx context.Context, log *slog.Logger, what string, within time.Duration,
	permanent func(error) bool, try func(context.Context) (T, error)) (T, error) {
	deadline := time.Now().Add(within)
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		v, err := try(ctx)
		if err == nil {
			if attempt > 1 {
				log.Info(what+" is up", "attempts", attempt)
			}
			return v, nil
		}
		if (permanent != nil && permanent(err)) || time.Now().Add(wait).After(deadline) || ctx.Err() != nil {
			return v, err
		}
		log.Warn("waiting for "+what, "attempt", attempt, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}
