// Package testenv gives tests real servers: each test gets its own Postgres
// database and its own JetStream stream and subject prefix, so tests run in
// parallel on one server and leave nothing behind.
//
// The servers are those in HORIZON_TEST_DATABASE_URL and
// HORIZON_TEST_NATS_URL (set by "horizon env", which the test command
// uses). When a variable is unset the package starts its own for the test
// binary: a throwaway Postgres cluster and an embedded NATS server. A package
// whose tests use testenv calls [Main] from TestMain.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/devstack"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

var (
	mu       sync.Mutex
	tmpDir   string
	ownPG    *devstack.Postgres
	ownNATS  *devstack.NATS
	adminURL string
	natsURL  string
)

// Main runs the tests and stops any server this package started.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if ownPG != nil {
		_ = ownPG.Stop(context.Background())
	}
	if ownNATS != nil {
		ownNATS.Close()
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	return code
}

func scratch(t testing.TB) string {
	if tmpDir == "" {
		d, err := os.MkdirTemp("", "horizon-testenv-")
		if err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(d, 0o755) // a throwaway cluster runs as another user when we are root
		tmpDir = d
	}
	return tmpDir
}

// AdminURL returns the URL of a database on the test server with the right
// to create databases.
func AdminURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if adminURL != "" {
		return adminURL
	}
	if u := os.Getenv("HORIZON_TEST_DATABASE_URL"); u != "" {
		adminURL = u
		return adminURL
	}
	pg, err := devstack.StartPostgres(context.Background(), filepath.Join(scratch(t), "pg"),
		devstack.PostgresOptions{Install: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("no HORIZON_TEST_DATABASE_URL and no throwaway postgres: %v", err)
	}
	ownPG, adminURL = pg, pg.URL()
	return adminURL
}

// DatabaseURL creates an empty database for the test and drops it when the
// test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	name := "horizon_test_" + randomHex(6)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connecting to test postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "create database "+name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "drop database if exists "+name+" with (force)"); err != nil {
			t.Logf("dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Store opens a migrated store on a fresh database.
func Store(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// PreparedStore opens a store on a fresh database prepared as the
// services prepare theirs (migrated, the shipped rules' reference codes
// recorded), and returns it with the database's URL, for a reports pool.
func PreparedStore(t testing.TB) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	dbURL := DatabaseURL(t)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx, rs.ReferenceCodes()); err != nil {
		t.Fatal(err)
	}
	return st, dbURL
}

// NATSURL returns the URL of the test NATS server.
func NATSURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if natsURL != "" {
		return natsURL
	}
	if u := os.Getenv("HORIZON_TEST_NATS_URL"); u != "" {
		natsURL = u
		return natsURL
	}
	n, err := devstack.StartNATS(filepath.Join(scratch(t), "nats"), 0)
	if err != nil {
		t.Fatalf("no HORIZON_TEST_NATS_URL and no embedded nats: %v", err)
	}
	ownNATS, natsURL = n, n.URL()
	return natsURL
}

// NATS connects to the test server; the connection closes when the test
// ends.
func NATS(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(NATSURL(t), nats.Name(t.Name()))
	if err != nil {
		t.Fatalf("connecting to test nats: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// BusConfig returns a topology of the test's own (stream and subject
// prefix), deleted when the test ends. AckWait is short so that
// redeliveries happen within a test's time.
func BusConfig(t testing.TB) bus.Config {
	t.Helper()
	id := randomHex(5)
	cfg := bus.Config{
		Stream:          "T_" + strings.ToUpper(id),
		Prefix:          "t" + id,
		AckWait:         3 * time.Second,
		DuplicateWindow: time.Hour,
		RetryBackoff:    10 * time.Millisecond,
	}
	url := NATSURL(t)
	t.Cleanup(func() {
		nc, err := nats.Connect(url)
		if err != nil {
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return
		}
		_ = js.DeleteStream(context.Background(), cfg.Stream)
		_ = js.DeleteKeyValue(context.Background(), cfg.Stream+"_scrape_state")
		_ = js.DeleteKeyValue(context.Background(), cfg.Stream+"_seen_technologies")
		_ = js.DeleteKeyValue(context.Background(), cfg.Stream+"_isolation")
	})
	return cfg
}

// Bus opens the test's own topology.
func Bus(t testing.TB, nc *nats.Conn) (*bus.Bus, bus.Config) {
	t.Helper()
	cfg := BusConfig(t)
	b, err := bus.Open(context.Background(), nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b, cfg
}

// Eventually polls cond every 20ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err))
	}
	return hex.EncodeToString(b)
}

// OwnPostgres starts a Postgres cluster for the test alone, for tests that
// stop and start the server. It is stopped and removed when the test ends.
func OwnPostgres(t testing.TB) *devstack.Postgres {
	t.Helper()
	dir, err := os.MkdirTemp("", "horizon-own-pg-")
	if err != nil {
		t.Fatal(err)
	}
	// The cluster runs as another user when we are root: let it reach its folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pg, err := devstack.StartPostgres(context.Background(), filepath.Join(dir, "pg"),
		devstack.PostgresOptions{Install: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = pg.Stop(context.Background())
		os.RemoveAll(dir)
	})
	return pg
}
