//go:build chaos

// Package chaos_test is Horizon's fault-injection suite: the real binaries
// as child processes against real servers, with faults a test injects,
// each run ending with exact counts. It takes minutes; run it with
//
//	go run ./cmd/horizon env -- go test -tags chaos -count=1 -v ./chaos
//
// The quick fault tests (a crash loop, an oversize document, a stalled
// consumer, the leader of an in-process R3 stream killed) run with every
// test run.
package chaos_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds nats-server (from the module this project depends on),
// the classifier and the loader once for the suite.
func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "horizon-chaos-bin-")
		if buildErr != nil {
			return
		}
		for _, pkg := range []string{"github.com/nats-io/nats-server/v2", "../cmd/classifier", "../cmd/loader"} {
			name := filepath.Base(pkg)
			if name == "v2" {
				name = "nats-server"
			}
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, name), pkg).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("building %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// proc is a child process whose output the test keeps.
type proc struct {
	cmd *exec.Cmd
	out *testenv.Output
}

func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), out: &testenv.Output{}}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("%s output (last 3000 bytes):\n%s", filepath.Base(bin), tail(p.out.String(), 3000))
		}
	})
	return p
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// node is one nats-server of a cluster, a child process killed with
// SIGKILL and started again on the same ports and store.
type node struct {
	name, bin, dir string
	port, cport    int
	routes         []string
	p              *proc
}

func (n *node) start(t *testing.T) {
	t.Helper()
	n.p = start(t, n.bin, "-js", "-sd", n.dir, "-a", "127.0.0.1", "-p", fmt.Sprint(n.port), "--server_name", n.name,
		"--cluster_name", "horizon-chaos", "--cluster", fmt.Sprintf("nats://127.0.0.1:%d", n.cport),
		"--routes", strings.Join(n.routes, ","))
	testenv.Eventually(t, 15*time.Second, n.name+" to listen", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", n.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func cluster(t *testing.T, bin string, n int) ([]*node, string) {
	t.Helper()
	nodes := make([]*node, n)
	var urls []string
	for i := range nodes {
		nodes[i] = &node{name: fmt.Sprintf("n%d", i), bin: bin, dir: t.TempDir(), port: testenv.FreePort(t), cport: testenv.FreePort(t)}
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", nodes[i].port))
	}
	for i, nd := range nodes {
		for j, other := range nodes {
			if i != j {
				nd.routes = append(nd.routes, fmt.Sprintf("nats://127.0.0.1:%d", other.cport))
			}
		}
	}
	for _, nd := range nodes {
		nd.start(t)
	}
	return nodes, strings.Join(urls, ",")
}

// TestSIGKILLOfTheStreamLeaderNodeLosesAndDoublesNothing runs a 3-node
// JetStream cluster as child processes, the classifier and the loader
// binaries with --stream-replicas 3, and 6,000 raw documents published
// during the run. The node leading the stream is killed with SIGKILL a
// third of the way through and started again 15 s later. Every document
// is classified and loaded exactly once, nothing is dead-lettered, and
// the loading pauses for seconds, not for the node's downtime.
func TestSIGKILLOfTheStreamLeaderNodeLosesAndDoublesNothing(t *testing.T) {
	bins := binaries(t)
	nodes, urls := cluster(t, filepath.Join(bins, "nats-server"), 3)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dbURL := testenv.DatabaseURL(t)
	cfg := bus.Config{Stream: "CHAOS", Prefix: "chaos", Replicas: 3, AckWait: 5 * time.Second}
	common := []string{"--nats-url", urls, "--stream", cfg.Stream, "--subject-prefix", cfg.Prefix,
		"--stream-replicas", "3", "--ack-wait", "5s", "--http-addr", "", "--log-level", "warn"}
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var b *bus.Bus
	testenv.Eventually(t, time.Minute, "the R3 stream", func() bool {
		// Each attempt on its own clock: a request to a cluster that has
		// no meta leader yet gets no answer.
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		b, err = bus.Open(actx, nc, cfg)
		return err == nil
	})
	start(t, filepath.Join(bins, "loader"), append([]string{"run", "--database-url", dbURL}, common...)...)
	start(t, filepath.Join(bins, "classifier"), append([]string{"run"}, common...)...)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := func(q string) int {
		var n int
		if err := st.Pool().QueryRow(ctx, q).Scan(&n); err != nil {
			return -1
		}
		return n
	}

	const n = 6000
	var killedAt time.Time
	var downNode *node
	go func() {
		now := time.Now().UTC()
		for i := range n {
			d := message.Document{SchemaVersion: message.DocumentVersion, ID: fmt.Sprintf("doc-%05d", i), ContentHash: "h",
				Source: "chaos", URL: fmt.Sprintf("https://example.org/%d", i), Title: "AI reads chest X-rays",
				Text: "An AI tool developed by researchers detects lung cancer on chest X-rays of NHS patients.", FetchedAt: now}
			for ctx.Err() == nil {
				// Each publish on its own clock, as the services do: one
				// whose acknowledgement was lost with the node is sent
				// again, and the stream keeps it once.
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				_, err := b.PublishJSON(pctx, b.RawSubject("chaos"), d.MsgID(), d)
				cancel()
				if err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	testenv.Eventually(t, 3*time.Minute, "a third loaded", func() bool { return count("select count(*) from documents") >= n/3 })
	info, err := b.StreamInfo(ctx)
	if err != nil || info.Cluster == nil {
		t.Fatalf("stream info %v (%v)", info, err)
	}
	for _, nd := range nodes {
		if nd.name == info.Cluster.Leader {
			downNode = nd
		}
	}
	if downNode == nil {
		t.Fatalf("no node leads the stream (leader %q)", info.Cluster.Leader)
	}
	loadedAtKill := count("select count(*) from documents")
	killedAt = time.Now()
	downNode.p.kill()
	t.Logf("SIGKILL of %s, the stream leader, with %d of %d loaded", downNode.name, loadedAtKill, n)

	// Watch the loading go on without the node.
	var longestPause time.Duration
	last, lastAt := loadedAtKill, killedAt
	restarted := false
	defer func() {
		if t.Failed() {
			p1, _ := b.Pending(ctx, bus.ClassifierConsumer)
			p2, _ := b.Pending(ctx, bus.LoaderConsumer)
			t.Logf("at the end: %d documents loaded; pending: classifier %d, loader %d", count("select count(*) from documents"), p1, p2)
		}
	}()
	testenv.Eventually(t, 5*time.Minute, "every document loaded", func() bool {
		got := count("select count(*) from documents")
		now := time.Now()
		if got > last {
			last, lastAt = got, now
		} else if got < n {
			longestPause = max(longestPause, now.Sub(lastAt))
		}
		if !restarted && now.Sub(killedAt) > 15*time.Second {
			downNode.start(t)
			restarted = true
		}
		return got == n
	})
	testenv.Eventually(t, time.Minute, "the consumers to drain", func() bool {
		p1, err1 := b.Pending(ctx, bus.ClassifierConsumer)
		p2, err2 := b.Pending(ctx, bus.LoaderConsumer)
		return err1 == nil && err2 == nil && p1 == 0 && p2 == 0
	})
	if c := count("select count(*) from classifications"); c != n {
		t.Errorf("%d classifications, want %d", c, n)
	}
	if c := count("select count(*) from dead_letters"); c != 0 {
		t.Errorf("%d dead letters, want none", c)
	}
	dl, err := b.Pending(ctx, bus.DeadLetterConsumer)
	if err != nil || dl != 0 {
		t.Errorf("%d messages on the dead-letter subjects (%v)", dl, err)
	}
	t.Logf("longest pause in loading after the kill: %s", longestPause.Round(100*time.Millisecond))
	if longestPause > 20*time.Second {
		t.Errorf("loading paused %s after the leader was killed", longestPause)
	}
}

// TestAFullStreamTurnsReadinessRedThenRecovers gives the stream a size
// limit that refuses new messages and fills it with raw documents: the
// classifier cannot store their classifications, waits, and its /readyz
// fails within the stall time, naming the consumer. The operator raises
// the limit with --update-stream; the classifier carries on, /readyz is
// green again, and every document is classified once.
func TestAFullStreamTurnsReadinessRedThenRecovers(t *testing.T) {
	bins := binaries(t)
	nc := testenv.NATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := testenv.BusConfig(t)
	cfg.MaxBytes, cfg.Discard = 1<<20, "new"
	b, err := bus.Open(ctx, nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("An AI tool reads chest X-rays of NHS patients. ", 40)
	n := 0
	for ; ; n++ {
		d := message.Document{SchemaVersion: message.DocumentVersion, ID: fmt.Sprintf("doc-%05d", n), ContentHash: "h",
			Source: "full", URL: fmt.Sprintf("https://example.org/%d", n), Title: "AI reads chest X-rays", Text: text,
			FetchedAt: time.Now().UTC()}
		if _, err := b.PublishJSON(ctx, b.RawSubject("full"), d.MsgID(), d); err != nil {
			break // the stream is full
		}
	}
	t.Logf("the stream took %d raw documents before it was full", n)
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	start(t, filepath.Join(bins, "classifier"), "run", "--nats-url", testenv.NATSURL(t), "--stream", cfg.Stream,
		"--subject-prefix", cfg.Prefix, "--ack-wait", "5s", "--stall-after", "3s", "--http-addr", addr, "--log-level", "warn")
	ready := func() (int, string) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	testenv.Eventually(t, time.Minute, "/readyz to fail on the stalled classifier", func() bool {
		code, body := ready()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "consumer classifier stalled")
	})

	grow := cfg
	grow.MaxBytes, grow.UpdateStream = 256<<20, true
	if _, err := bus.Open(ctx, nc, grow); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 2*time.Minute, "every document classified", func() bool {
		p, err := b.Pending(ctx, bus.ClassifierConsumer)
		return err == nil && p == 0
	})
	testenv.Eventually(t, time.Minute, "/readyz to pass again", func() bool {
		code, _ := ready()
		return code == http.StatusOK
	})
	info, err := b.StreamInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	classified := info.State.Msgs - uint64(n)
	if classified != uint64(n) {
		t.Errorf("%d classifications stored for %d documents", classified, n)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
