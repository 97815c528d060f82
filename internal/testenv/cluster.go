package testenv

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is a JetStream cluster of NATS servers in this process, on
// loopback ports of their own, each with its own store: a test kills and
// restarts its nodes.
type Cluster struct {
	t       testing.TB
	opts    []*server.Options
	servers []*server.Server
}

// NewCluster starts n clustered JetStream servers and waits until they
// have elected a meta leader. They are shut down when the test ends.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ports[i] = FreePort(t)
	}
	c := &Cluster{t: t}
	for i := range n {
		var routes []*url.URL
		for j, p := range ports {
			if j != i {
				routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
			}
		}
		c.opts = append(c.opts, &server.Options{
			ServerName: fmt.Sprintf("node-%d", i),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			Cluster:    server.ClusterOpts{Name: "horizon-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:     routes,
			NoSigs:     true,
			NoLog:      true,
		})
		c.servers = append(c.servers, nil)
		c.Start(i)
	}
	t.Cleanup(func() {
		for i := range c.servers {
			c.Kill(i)
		}
	})
	Eventually(t, 30*time.Second, "the cluster to elect a JetStream meta leader", func() bool {
		for _, s := range c.servers {
			if s != nil && s.JetStreamIsLeader() {
				return true
			}
		}
		return false
	})
	return c
}

// Start starts node i (again, on the same ports and store).
func (c *Cluster) Start(i int) {
	c.t.Helper()
	if c.servers[i] != nil {
		return
	}
	opts := *c.opts[i]
	if c.opts[i].Port == server.RANDOM_PORT {
		c.opts[i].Port = FreePort(c.t) // the client port stays the same across restarts
		opts.Port = c.opts[i].Port
	}
	s, err := server.NewServer(&opts)
	if err != nil {
		c.t.Fatalf("node %d: %v", i, err)
	}
	go s.Start()
	if !s.ReadyForConnections(15 * time.Second) {
		c.t.Fatalf("node %d did not become ready", i)
	}
	c.servers[i] = s
}

// Kill shuts node i down at once.
func (c *Cluster) Kill(i int) {
	if s := c.servers[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.servers[i] = nil
	}
}

// URLs are the client URLs of every node, for a connection that fails
// over among them.
func (c *Cluster) URLs() string {
	var urls []string
	for _, o := range c.opts {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", o.Port))
	}
	return strings.Join(urls, ",")
}

// StreamLeader is the node that leads a stream of the global account, or
// -1 when none does.
func (c *Cluster) StreamLeader(stream string) int {
	for i, s := range c.servers {
		if s != nil && s.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) {
			return i
		}
	}
	return -1
}

// FreePort returns a loopback port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
