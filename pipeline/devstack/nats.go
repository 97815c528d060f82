// Package devstack starts the services Horizon needs on one machine when
// none are given: an embedded NATS server with JetStream, and a throwaway
// Postgres cluster made with initdb and run with pg_ctl in a local folder.
// The all-in-one runner and the test command use it; production deployments
// give URLs instead.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// NATS is an embedded NATS server with JetStream.
type NATS struct {
	srv *server.Server
}

// StartNATS starts an embedded NATS server with JetStream on 127.0.0.1,
// storing streams under dir. Port 0 picks a free port.
func StartNATS(dir string, port int) (*NATS, error) {
	if port == 0 {
		port = server.RANDOM_PORT
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "horizon-embedded",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("creating embedded nats: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("embedded nats did not become ready in 15s")
	}
	return &NATS{srv: srv}, nil
}

// URL is the client URL of the server.
func (n *NATS) URL() string { return n.srv.ClientURL() }

// Close shuts the server down and waits for it.
func (n *NATS) Close() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

// ProbeNATS reports whether a NATS server with JetStream answers at url.
func ProbeNATS(ctx context.Context, url string) bool {
	nc, err := nats.Connect(url, nats.Timeout(time.Second), nats.MaxReconnects(0))
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return false
	}
	_, err = js.AccountInfo(nats.Context(ctx))
	return err == nil
}
