package scrape

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// PageState is what the scraper remembers about a URL between runs: the
// validators for a conditional GET, and the hash of the content it last
// published.
type PageState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	ContentHash  string    `json:"content_hash,omitempty"`
	Checked      time.Time `json:"checked"`
}

// State stores PageState by URL.
type State interface {
	Get(ctx context.Context, url string) (PageState, bool, error)
	Put(ctx context.Context, url string, s PageState) error
}

// KVState keeps page state in a JetStream key-value bucket. It was chosen
// over a Postgres table or a local file because it needs nothing the
// scraper does not already talk to, survives restarts, and is shared by
// every scraper replica (and replicated with the stream on a cluster).
type KVState struct {
	kv jetstream.KeyValue
}

// NewKVState keeps page state in kv (see [bus.Bus.StateStore]).
func NewKVState(kv jetstream.KeyValue) *KVState { return &KVState{kv: kv} }

// key turns a URL into a valid KV key.
func key(url string) string { return message.DocumentID(url) }

// Get returns the state of url; ok is false when it has none.
func (s *KVState) Get(ctx context.Context, url string) (PageState, bool, error) {
	e, err := s.kv.Get(ctx, key(url))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return PageState{}, false, nil
	}
	if err != nil {
		return PageState{}, false, fmt.Errorf("reading state of %s: %w", url, err)
	}
	var ps PageState
	if err := json.Unmarshal(e.Value(), &ps); err != nil {
		return PageState{}, false, nil // unreadable state is as good as none
	}
	return ps, true, nil
}

// Put stores the state of url.
func (s *KVState) Put(ctx context.Context, url string, ps PageState) error {
	data, err := json.Marshal(ps)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, key(url), data); err != nil {
		return fmt.Errorf("writing state of %s: %w", url, err)
	}
	return nil
}
