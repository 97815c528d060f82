package ops

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServeHealthReadinessAndMetrics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ready := errors.New("warming up")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, addr, NewRegistry(), slog.New(slog.DiscardHandler), map[string]Check{
			"db": func(context.Context) error { return ready },
		})
	}()

	get := func(path string) (int, string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + path)
			if err == nil {
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", path, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	tests := []struct {
		name, path string
		status     int
		body       string
	}{
		{"healthz answers while alive", "/healthz", 200, "ok"},
		{"readyz names the failing check", "/readyz", 503, "db: warming up"},
		{"metrics are in the Prometheus format", "/metrics", 200, "go_goroutines"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(tc.path)
			if status != tc.status || !strings.Contains(body, tc.body) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, status, body, tc.status, tc.body)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}

func TestFlagsValidateNamesTheKey(t *testing.T) {
	tests := []struct {
		name string
		f    Flags
		want string
	}{
		{"an empty database url", Flags{NATSURL: "nats://x", LogFlags: LogFlags{LogLevel: "info"}, AckWait: time.Minute}, "--database-url: is empty"},
		{"an http nats url", Flags{NATSURL: "http://x", DatabaseURL: "postgres://x", LogFlags: LogFlags{LogLevel: "info"}, AckWait: time.Minute}, "--nats-url: scheme \"http\""},
		{"an unknown log level", Flags{NATSURL: "nats://x", DatabaseURL: "postgres://x", LogFlags: LogFlags{LogLevel: "chatty"}, AckWait: time.Minute}, "--log-level"},
		{"a tiny ack wait", Flags{NATSURL: "nats://x", DatabaseURL: "postgres://x", LogFlags: LogFlags{LogLevel: "info"}, AckWait: time.Millisecond}, "--ack-wait: 1ms is too short"},
		{"seven replicas", good(func(f *Flags) { f.Replicas = 7 }), "--stream-replicas: 7"},
		{"a size that is no size", good(func(f *Flags) { f.MaxBytes = "lots" }), `--stream-max-bytes: "lots"`},
		{"a tiny stream", good(func(f *Flags) { f.MaxBytes = "10KB" }), `--stream-max-bytes: "10KB"`},
		{"an unknown discard policy", good(func(f *Flags) { f.Discard = "oldest" }), `--stream-discard: "oldest"`},
		{"a negative duplicate window", good(func(f *Flags) { f.DuplicateWindow = -time.Second }), "--duplicate-window"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.Validate(true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// good returns valid flags with one change.
func good(change func(*Flags)) Flags {
	f := Flags{NATSURL: "nats://x", DatabaseURL: "postgres://x", LogFlags: LogFlags{LogLevel: "info"}, AckWait: time.Minute}
	change(&f)
	return f
}

func TestStreamFlagsReachTheBusConfig(t *testing.T) {
	f := good(func(f *Flags) {
		f.Replicas, f.MaxBytes, f.Discard, f.UpdateStream = 3, "10GiB", "new", true
	})
	if err := f.Validate(true); err != nil {
		t.Fatal(err)
	}
	c := f.Bus()
	if c.Replicas != 3 || c.MaxBytes != 10<<30 || c.Discard != "new" || !c.UpdateStream {
		t.Errorf("bus config %+v", c)
	}
}

func TestWaitForRetriesUntilUpAndStopsOnWhatWaitingWillNotFix(t *testing.T) {
	errDown, errRefused := errors.New("connection refused"), errors.New("password authentication failed")
	tests := []struct {
		name     string
		within   time.Duration
		failures int // attempts that fail before one succeeds
		err      error
		tries    int
		ok       bool
	}{
		{"up at once", time.Minute, 0, errDown, 1, true},
		{"up on the third attempt", time.Minute, 2, errDown, 3, true},
		{"refused: no retry", time.Minute, 5, errRefused, 1, false},
		{"no waiting asked for", 0, 5, errDown, 1, false},
		{"gives up after within", 600 * time.Millisecond, 100, errDown, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tries := 0
			_, err := WaitFor(context.Background(), slog.New(slog.DiscardHandler), "the server", tc.within,
				func(err error) bool { return err == errRefused },
				func(context.Context) (int, error) {
					tries++
					if tries <= tc.failures {
						return 0, tc.err
					}
					return 1, nil
				})
			if (err == nil) != tc.ok || tries != tc.tries {
				t.Errorf("err %v after %d tries, want ok=%v after %d", err, tries, tc.ok, tc.tries)
			}
		})
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://horizon:s3cret@db:5432/horizon", "postgres://horizon:xxxxx@db:5432/horizon"},
		{`connecting: parse "postgres://u:p%zz@h/db": invalid URL escape "%zz"`, `connecting: parse "postgres://u:xxxxx@h/db": invalid URL escape "%zz"`},
		{"nats://tok:abc@n1:4222,nats://tok:abc@n2:4222", "nats://tok:xxxxx@n1:4222,nats://tok:xxxxx@n2:4222"},
		{"host=db user=u password=s3cret dbname=x", "host=db user=u password=xxxxx dbname=x"},
		{"postgres://u@db/x and https://example.org/a:b", "postgres://u@db/x and https://example.org/a:b"},
	}
	for _, tc := range tests {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if err := CheckURL("--database-url", "postgres://u:s3cret%zz@db/x", "postgres"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("CheckURL error %v shows the password", err)
	}
	var out strings.Builder
	log, err := NewLogger(&out, "info", false)
	if err != nil {
		t.Fatal(err)
	}
	log.Error("connecting to postgres://u:s3cret@db/x", "url", "postgres://u:s3cret@db/x",
		"err", errors.New(`dial postgres://u:s3cret@db/x: refused`))
	if strings.Contains(out.String(), "s3cret") {
		t.Errorf("the log shows the password: %s", out.String())
	}
}
