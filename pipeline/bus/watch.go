package bus

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Watch follows the progress of consumers on the server: it exports their
// backlog as metrics and tells readiness when one has work pending and
// makes no progress for longer than StallAfter (a message too large to
// publish, a full stream, a lost replica, a database that does not come
// back). Progress is any of: the server's ack floor moves, the consumer's
// backlog (pending plus unacknowledged) shrinks, or a batch handed out by
// this process returns from its handler.
type Watch struct {
	b          *Bus
	consumers  []string
	stallAfter time.Duration
	every      time.Duration
	clock      func() time.Time

	mu    sync.Mutex
	state map[string]*watched

	pending, ackPending, redelivered, lastProgress, stalled *prometheus.GaugeVec
}

type watched struct {
	ackFloor     uint64
	backlog      uint64
	lastProgress time.Time
	err          error
	polled       bool
}

// Watch returns a watch over consumers with its metrics registered on reg.
// stallAfter 0 turns the stall check off (the metrics stay).
func (b *Bus) Watch(consumers []string, stallAfter time.Duration, reg prometheus.Registerer) *Watch {
	vec := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"consumer"})
	}
	w := &Watch{b: b, consumers: consumers, stallAfter: stallAfter, clock: time.Now, state: map[string]*watched{},
		pending:      vec("horizon_consumer_pending_messages", "Messages in the stream the consumer has not yet been handed."),
		ackPending:   vec("horizon_consumer_ack_pending_messages", "Messages handed out and not yet acknowledged."),
		redelivered:  vec("horizon_consumer_redelivered_messages", "Messages handed out more than once and not yet acknowledged."),
		lastProgress: vec("horizon_consumer_last_progress_timestamp_seconds", "When the consumer last made progress (Unix time)."),
		stalled:      vec("horizon_consumer_stalled", "1 when the consumer has work pending and made no progress for the stall time."),
	}
	w.every = 15 * time.Second
	if stallAfter > 0 {
		w.every = min(w.every, max(stallAfter/4, 100*time.Millisecond))
	}
	now := w.clock()
	for _, c := range consumers {
		w.state[c] = &watched{lastProgress: now}
	}
	reg.MustRegister(w.pending, w.ackPending, w.redelivered, w.lastProgress, w.stalled)
	b.watch = w
	return w
}

// Run polls the server until ctx is cancelled.
func (w *Watch) Run(ctx context.Context) error {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// handled records that this process's handler returned from a batch of
// consumer's: progress.
func (w *Watch) handled(consumer string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.state[consumer]; ok {
		s.lastProgress = w.clock()
	}
}

func (w *Watch) poll(ctx context.Context) {
	for _, name := range w.consumers {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		info, err := w.b.consumerInfo(cctx, name)
		cancel()
		now := w.clock()
		w.mu.Lock()
		s := w.state[name]
		s.err = err
		if err == nil {
			backlog := info.NumPending + uint64(info.NumAckPending)
			switch {
			case backlog == 0: // idle: nothing to stall on
				s.lastProgress = now
			case s.polled && (info.AckFloor.Stream > s.ackFloor || backlog < s.backlog):
				s.lastProgress = now
			}
			s.polled, s.ackFloor, s.backlog = true, info.AckFloor.Stream, backlog
			w.pending.WithLabelValues(name).Set(float64(info.NumPending))
			w.ackPending.WithLabelValues(name).Set(float64(info.NumAckPending))
			w.redelivered.WithLabelValues(name).Set(float64(info.NumRedelivered))
		}
		w.lastProgress.WithLabelValues(name).Set(float64(s.lastProgress.Unix()))
		stalled := 0.0
		if w.stalledLocked(s, now) != "" {
			stalled = 1
		}
		w.stalled.WithLabelValues(name).Set(stalled)
		w.mu.Unlock()
	}
}

// stalledLocked says why a consumer is stalled, or "".
func (w *Watch) stalledLocked(s *watched, now time.Time) string {
	if w.stallAfter <= 0 {
		return ""
	}
	idle := now.Sub(s.lastProgress)
	switch {
	case idle <= w.stallAfter:
		return ""
	case s.err != nil:
		return fmt.Sprintf("no answer from the server (%v) and no progress for %s", s.err, idle.Round(time.Second))
	case s.backlog > 0:
		return fmt.Sprintf("%d messages pending and no progress for %s", s.backlog, idle.Round(time.Second))
	}
	return ""
}

// Check is a readiness check: it fails when a watched consumer has work
// pending and has made no progress for longer than the stall time.
func (w *Watch) Check(context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock()
	var stalled []string
	for name, s := range w.state {
		if why := w.stalledLocked(s, now); why != "" {
			stalled = append(stalled, fmt.Sprintf("consumer %s stalled: %s (stall after %s)", name, why, w.stallAfter))
		}
	}
	if len(stalled) == 0 {
		return nil
	}
	sort.Strings(stalled)
	return fmt.Errorf("%s", strings.Join(stalled, "; "))
}
