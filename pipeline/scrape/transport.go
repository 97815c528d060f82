package scrape

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrTooLarge is returned, as a read error, for a body larger than the cap
// (after decompression: a gzip bomb is too large, not a memory problem).
var ErrTooLarge = errors.New("body larger than the limit")

// Hosts holds the politeness limits of every host, shared by all the
// sources and runs of one scraper process: two sources on one host share its
// rate and concurrency.
type Hosts struct {
	mu    sync.Mutex
	hosts map[string]*host
}

type host struct {
	mu       sync.Mutex
	interval time.Duration
	last     time.Time // when the last request to the host was let go
	slots    chan struct{}
}

// NewHosts returns an empty registry.
func NewHosts() *Hosts { return &Hosts{hosts: map[string]*host{}} }

// Set raises the limits of a host: requests at least interval apart, at
// most concurrency at once. Limits only ever tighten; the strictest source
// (or robots.txt Crawl-delay) wins.
func (h *Hosts) Set(name string, interval time.Duration, concurrency int) {
	hs := h.get(name)
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if interval > hs.interval {
		hs.interval = interval
	}
	if concurrency > 0 && concurrency < cap(hs.slots) {
		hs.slots = make(chan struct{}, concurrency)
	}
}

func (h *Hosts) get(name string) *host {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs, ok := h.hosts[name]
	if !ok {
		hs = &host{slots: make(chan struct{}, defaultConcurrency)}
		h.hosts[name] = hs
	}
	return hs
}

// acquire waits for the host's turn and returns when it was let go (at);
// release must be called after the request. Turns are at least the host's
// interval apart measured on the times requests actually go, not planned
// ones, so a late wake-up never lets the next request follow too closely.
func (h *Hosts) acquire(ctx context.Context, name string) (release func(), at time.Time, err error) {
	hs := h.get(name)
	hs.mu.Lock()
	slots := hs.slots
	hs.mu.Unlock()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
	for {
		hs.mu.Lock()
		now := time.Now()
		wait := hs.last.Add(hs.interval).Sub(now)
		if wait <= 0 {
			hs.last = now
			hs.mu.Unlock()
			return func() { <-slots }, now, nil
		}
		hs.mu.Unlock()
		if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
			<-slots
			return nil, time.Time{}, errOutOfBudget
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			<-slots
			return nil, time.Time{}, ctx.Err()
		}
	}
}

// errOutOfBudget: the host's pace leaves no turn before the run must end.
var errOutOfBudget = errors.New("no turn for this host within the run budget")

// defaultConcurrency is how many requests go to one host at once unless a
// source asks for fewer.
const defaultConcurrency = 2

// transport is the HTTP layer under colly: politeness, retries and body
// limits live here so that every request (pages, feeds, sitemaps,
// robots.txt) gets them.
type transport struct {
	next       http.RoundTripper
	hosts      *Hosts
	maxBody    int64
	maxRetries int
	backoff    time.Duration // first retry delay; doubles, with jitter
	maxWait    time.Duration // longest Retry-After honoured
	bytes      atomic.Int64  // body bytes received (after decompression)
	robots     robotsCache
}

// robotsCache keeps each host's robots.txt for a few minutes, so that the
// crawl-delay check and colly's own check cost one request, not two.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]robotsEntry
}

type robotsEntry struct {
	status  int
	header  http.Header
	body    []byte
	fetched time.Time
	// err is a request that failed for good (a host that does not exist,
	// an untrusted certificate): every source on the host is told at once,
	// not after waiting its turn to fail again.
	err error
}

const (
	robotsTTL       = 5 * time.Minute
	robotsFailedTTL = time.Minute
)

func (c *robotsCache) get(host string) (robotsEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[host]
	ttl := robotsTTL
	if e.err != nil {
		ttl = robotsFailedTTL
	}
	return e, ok && time.Since(e.fetched) < ttl
}

func (c *robotsCache) put(host string, e robotsEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]robotsEntry{}
	}
	c.entries[host] = e
}

// robotsTrip answers robots.txt from the cache, or fetches and caches it.
func (t *transport) robotsTrip(req *http.Request) (*http.Response, error) {
	if e, ok := t.robots.get(req.URL.Host); ok {
		if e.err != nil {
			return nil, e.err
		}
		return e.response(req), nil
	}
	resp, err := t.fetch(req)
	if err != nil {
		if permanentNetError(err) {
			t.robots.put(req.URL.Host, robotsEntry{err: err, fetched: time.Now()})
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
	if err != nil {
		return nil, err
	}
	e := robotsEntry{status: resp.StatusCode, header: resp.Header.Clone(), body: body, fetched: time.Now()}
	if resp.StatusCode < 500 { // a server error is not cached: try again next time
		t.robots.put(req.URL.Host, e)
	}
	return e.response(req), nil
}

func (e robotsEntry) response(req *http.Request) *http.Response {
	return &http.Response{StatusCode: e.status, Status: http.StatusText(e.status), Header: e.header.Clone(),
		Body: io.NopCloser(bytes.NewReader(e.body)), ContentLength: int64(len(e.body)), Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// newHTTPTransport is the base transport: bounded connect, TLS and header
// times, transparent gzip.
func newHTTPTransport(timeout time.Duration, resolve map[string]string) *http.Transport {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: func(req *http.Request) (*url.URL, error) {
			if _, ok := resolve[hostPort(req.URL)]; ok {
				return nil, nil // a resolved host is reached directly
			}
			return http.ProxyFromEnvironment(req)
		},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := resolve[addr]; ok {
				addr = to
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
}

// hostPort is a URL's host with its port, the scheme's default if none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Hostname() + ":443"
	}
	return u.Hostname() + ":80"
}

// retryable statuses: the server asks us to come back later, or failed in
// passing.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusInternalServerError:
		return true
	}
	return false
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && req.URL.Path == "/robots.txt" {
		return t.robotsTrip(req)
	}
	return t.fetch(req)
}

// fetch sends a request at the host's pace, retrying what may succeed later.
func (t *transport) fetch(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var lastErr error
	for attempt := 0; ; attempt++ {
		release, _, err := t.hosts.acquire(ctx, req.URL.Host)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(req)
		release()
		wait := time.Duration(0)
		switch {
		case err != nil:
			if ctx.Err() != nil || req.Method != http.MethodGet || permanentNetError(err) {
				return nil, err
			}
			lastErr = err
		case retryable(resp.StatusCode) && attempt < t.maxRetries:
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if wait > t.maxWait {
				// The server wants a longer pause than a run should take:
				// report it as it is and try again next run.
				return t.limit(resp)
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			lastErr = fmt.Errorf("status %d", resp.StatusCode)
		default:
			return t.limit(resp)
		}
		if attempt >= t.maxRetries {
			return nil, fmt.Errorf("after %d attempts: %w", attempt+1, lastErr)
		}
		if wait == 0 {
			d := t.backoff << attempt
			wait = d/2 + rand.N(d/2+1) // exponential, with jitter
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// permanentNetError reports whether a request failed in a way that trying
// again within the run will not change: the host does not exist (NXDOMAIN)
// or its certificate is not to be trusted.
func permanentNetError(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return true
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	return errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record)
}

// limit makes the body fail with ErrTooLarge past the cap, decompressing
// gzip here (rather than in colly, which would cap the compressed bytes and
// inflate the rest without bound).
func (t *transport) limit(resp *http.Response) (*http.Response, error) {
	body := resp.Body
	if !resp.Uncompressed && isGzip(resp) {
		// Read the magic bytes: a ".gz" URL is sometimes served already
		// decompressed.
		br := &peekCloser{Reader: nil, c: body}
		head := make([]byte, 2)
		n, _ := io.ReadFull(body, head)
		br.Reader = io.MultiReader(bytes.NewReader(head[:n]), body)
		if n == 2 && head[0] == 0x1f && head[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				body.Close()
				return nil, fmt.Errorf("opening gzip body: %w", err)
			}
			body = &gzipCloser{Reader: zr, c: body}
		} else {
			body = br
		}
		resp.Header.Del("Content-Encoding")
		resp.Header.Set("Content-Type", strings.Replace(resp.Header.Get("Content-Type"), "gzip", "xml", 1))
		resp.Uncompressed = true
		resp.ContentLength = -1
	}
	lb := &limitedBody{r: body, left: t.maxBody, counter: &t.bytes}
	if resp.Request != nil {
		lb.run, _ = resp.Request.Context().Value(runBytesKey{}).(*atomic.Int64)
	}
	resp.Body = lb
	return resp, nil
}

func isGzip(resp *http.Response) bool {
	ce := strings.ToLower(resp.Header.Get("Content-Encoding"))
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	return strings.Contains(ce, "gzip") || (ce == "" && strings.Contains(ct, "gzip")) ||
		strings.HasSuffix(strings.ToLower(resp.Request.URL.Path), ".gz")
}

type peekCloser struct {
	io.Reader
	c io.Closer
}

func (p *peekCloser) Close() error { return p.c.Close() }

type gzipCloser struct {
	*gzip.Reader
	c io.Closer
}

func (g *gzipCloser) Close() error {
	g.Reader.Close()
	return g.c.Close()
}

// limitedBody fails with ErrTooLarge instead of silently truncating.
type limitedBody struct {
	r       io.ReadCloser
	left    int64
	counter *atomic.Int64
	run     *atomic.Int64 // the bytes of the run the request belongs to, if any
}

// runBytesKey keys a run's byte counter in its requests' context: runs of
// several sources share the transport at once.
type runBytesKey struct{}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a body of exactly the limit from a larger one.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	l.counter.Add(int64(n))
	if l.run != nil {
		l.run.Add(int64(n))
	}
	return n, err
}

func (l *limitedBody) Close() error { return l.r.Close() }

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
