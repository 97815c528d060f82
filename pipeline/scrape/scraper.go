package scrape

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gocolly/colly/v2"
	"github.com/mmcdole/gofeed"
	"github.com/temoto/robotstxt"
	"golang.org/x/net/html/charset"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/message"
)

// Publisher is where the scraper sends documents and run records; *bus.Bus
// is one.
type Publisher interface {
	RawSubject(source string) string
	RunSubject(source string) string
	PublishJSON(ctx context.Context, subject, msgID string, v any) (duplicate bool, err error)
	// PublishFitting publishes v, calling shrink while it is over the
	// server's max payload (see [bus.Bus.PublishFitting]).
	PublishFitting(ctx context.Context, subject, msgID string, v any, shrink func(over int) bool) (duplicate, cut bool, err error)
}

// Options tunes a Scraper. The zero value is usable: every limit has a
// default.
type Options struct {
	UserAgent      string        // identifies Horizon, with a contact URL
	MaxBodyBytes   int64         // larger bodies (after decompression) fail as too_large; default 5 MiB
	RequestTimeout time.Duration // per request, headers and body; default 30s
	MaxRedirects   int           // default 5
	RunBudget      time.Duration // longest run of one source; default 15m
	MaxRetries     int           // retries of a failed request; default 3
	RetryBackoff   time.Duration // first retry delay, doubling with jitter; default 1s
	MaxRetryAfter  time.Duration // longest Retry-After honoured within a run; default 2m
	Clock          func() time.Time
	Metrics        *Metrics // per-source metrics of every run; nil: none
	// Resolve sends requests for a host:port to another address, as curl's
	// --resolve does: a site served on a port of the day keeps its URLs,
	// and so its documents' ids ("demo.horizon.test:80" → "127.0.0.1:41231").
	Resolve map[string]string
	// Sources is how many sources RunAll scrapes at once; default 4.
	Sources int
	// Progress, when set, is told of each source RunAll finishes: how
	// many are done of how many, and the run's record.
	Progress func(done, total int, rec message.SourceRun)
}

// GCPercent and MemoryLimit are the garbage collector's settings for a
// scraper process (ops.TuneGC; GOGC and GOMEMLIMIT override them). Its CPU
// goes on pages parsed, extracted and thrown away: collecting when the heap
// has tripled rather than doubled crawled 10,000 pages 1.19x as fast (594
// against 499 pages/s, medians of four rounds) for about 80 MB more peak
// memory (BENCHMARKS.md); the limit bounds the heap when pages are large.
const (
	GCPercent   = 200
	MemoryLimit = 1 << 30
)

const defaultUserAgent = "HorizonBot/0.2 (+https://github.com/horizon-scan/horizon; horizon scanning of AI health technologies)"

// Scraper fetches sources and publishes what is new or changed.
type Scraper struct {
	pub   Publisher
	state State
	hosts *Hosts
	log   *slog.Logger
	opts  Options
	rt    *transport
}

// New returns a Scraper that publishes to pub and remembers pages in state.
// hosts is shared by every scraper of the process (nil makes a new one).
func New(pub Publisher, state State, hosts *Hosts, log *slog.Logger, opts Options) *Scraper {
	opts.UserAgent = cmp.Or(opts.UserAgent, defaultUserAgent)
	opts.MaxBodyBytes = cmp.Or(opts.MaxBodyBytes, 5<<20)
	opts.RequestTimeout = cmp.Or(opts.RequestTimeout, 30*time.Second)
	opts.MaxRedirects = cmp.Or(opts.MaxRedirects, 5)
	opts.RunBudget = cmp.Or(opts.RunBudget, 15*time.Minute)
	opts.MaxRetries = cmp.Or(opts.MaxRetries, 3)
	opts.RetryBackoff = cmp.Or(opts.RetryBackoff, time.Second)
	opts.MaxRetryAfter = cmp.Or(opts.MaxRetryAfter, 2*time.Minute)
	opts.Sources = max(opts.Sources, 0)
	opts.Sources = cmp.Or(opts.Sources, 4)
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if hosts == nil {
		hosts = NewHosts()
	}
	rt := &transport{next: newHTTPTransport(opts.RequestTimeout, opts.Resolve), hosts: hosts, maxBody: opts.MaxBodyBytes,
		maxRetries: opts.MaxRetries, backoff: opts.RetryBackoff, maxWait: opts.MaxRetryAfter}
	return &Scraper{pub: pub, state: state, hosts: hosts, log: log, opts: opts, rt: rt}
}

// BytesReceived is the total of body bytes received by this scraper.
func (s *Scraper) BytesReceived() int64 { return s.rt.bytes.Load() }

var errTooManyRedirects = errors.New("too many redirects")

// client is the HTTP client of one run: a request made without a context
// of its own (colly's robots.txt check) takes the run's, so that it ends
// with the run (Ctrl-C, the run budget) and counts in the run's bytes.
func (s *Scraper) client(ctx context.Context) *http.Client {
	return &http.Client{
		Transport: runTransport{next: s.rt, ctx: ctx},
		Timeout:   s.opts.RequestTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= s.opts.MaxRedirects {
				return fmt.Errorf("%w (%d)", errTooManyRedirects, len(via))
			}
			return nil
		},
	}
}

// runTransport ties every request to its run: colly's robots.txt check
// makes its requests without the run's context, and would otherwise wait
// out a slow server (or its host's turn) after the run was cancelled.
type runTransport struct {
	next http.RoundTripper
	ctx  context.Context
}

func (t runTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(t.ctx, cancel)
	if ctx.Value(runBytesKey{}) == nil {
		ctx = context.WithValue(ctx, runBytesKey{}, t.ctx.Value(runBytesKey{}))
	}
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { stop(); cancel() }}
	return resp, nil
}

// releasingBody lets go of its request's context when closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// Context keys carried on colly requests.
const (
	ctxRole      = "role" // index (feed, listing page, sitemap) or article
	ctxPage      = "page" // listing page number
	ctxPublished = "published"
	ctxPrev      = "prev" // PageState before this fetch
	roleIndex    = "index"
	roleArticle  = "article"
)

// run holds the state of one run of one source.
type run struct {
	s       *Scraper
	src     Source
	ctx     context.Context
	c       *colly.Collector
	log     *slog.Logger
	mu      sync.Mutex
	rec     message.SourceRun
	indexes map[string]PageState // validators of index pages, saved if the run goes well
	bytes   atomic.Int64         // body bytes of this run's requests
}

func (r *run) count(f func(*message.SourceRun)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.rec)
}

func (r *run) fail(kind string, startErr error) {
	r.count(func(rec *message.SourceRun) {
		rec.Failed++
		if rec.Errors == nil {
			rec.Errors = map[string]int{}
		}
		rec.Errors[kind]++
		if startErr != nil && rec.Error == "" {
			rec.Error = startErr.Error()
		}
	})
}

// Run scrapes one source once, within the run budget, and publishes the
// record of the run. New and changed documents are published; unchanged
// ones (a 304, or the same content hash) are not. A failing page is counted
// and the run goes on; the returned error is for the source as a whole.
func (s *Scraper) Run(ctx context.Context, src Source) (message.SourceRun, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.RunBudget)
	defer cancel()
	r := &run{s: s, src: src, log: s.log.With("source", src.ID), indexes: map[string]PageState{}}
	// Sources run at once share the transport: each counts its own bytes.
	ctx = context.WithValue(ctx, runBytesKey{}, &r.bytes)
	r.ctx = ctx
	r.rec = message.SourceRun{SchemaVersion: message.SourceRunVersion, RunID: newRunID(), Source: src.ID, Started: s.opts.Clock().UTC()}
	// The opening record: a run killed before its end stays visible.
	if _, err := s.pub.PublishJSON(context.WithoutCancel(ctx), s.pub.RunSubject(src.ID), r.rec.MsgID(), r.rec); err != nil {
		r.log.Error("publishing the run's opening record", "err", err)
	}

	for _, start := range src.URLs {
		if u, err := url.Parse(start); err == nil {
			s.hosts.Set(u.Host, src.Delay, src.Concurrency)
			s.applyCrawlDelay(ctx, u)
		}
	}
	r.c = s.collector(ctx, src)
	r.wire()

	for _, start := range src.URLs {
		cctx := colly.NewContext()
		cctx.Put(ctxRole, roleIndex)
		cctx.Put(ctxPage, 0)
		if err := r.c.Request(http.MethodGet, start, nil, cctx, nil); err != nil {
			r.fail(errorKind(err, 0), fmt.Errorf("requesting %s: %w", start, err))
		}
	}
	r.c.Wait()

	r.rec.Finished = s.opts.Clock().UTC()
	r.rec.BytesReceived = r.bytes.Load()
	if left := r.rec.Errors["budget"]; left > 0 && r.rec.Error == "" {
		r.rec.Error = fmt.Sprintf("run budget of %s spent: %d pages left for the next run", s.opts.RunBudget, left)
	} else if ctx.Err() != nil && r.rec.Error == "" {
		r.rec.Error = "run budget or shutdown: " + ctx.Err().Error()
	}
	if r.rec.Failed == 0 {
		// Only a run that saw every page may skip unchanged index pages
		// next time; otherwise a page that failed would never be retried.
		for u, ps := range r.indexes {
			if err := s.state.Put(context.WithoutCancel(ctx), u, ps); err != nil {
				r.log.Warn("saving index state", "url", u, "err", err)
			}
		}
	}
	if _, err := s.pub.PublishJSON(context.WithoutCancel(ctx), s.pub.RunSubject(src.ID), r.rec.MsgID(), r.rec); err != nil {
		r.log.Error("publishing run record", "err", err)
	}
	s.opts.Metrics.observe(r.rec)
	if r.rec.Error != "" {
		return r.rec, errors.New(r.rec.Error)
	}
	return r.rec, nil
}

func (s *Scraper) collector(ctx context.Context, src Source) *colly.Collector {
	c := colly.NewCollector(
		colly.UserAgent(s.opts.UserAgent),
		colly.MaxBodySize(0), // the transport enforces the limit, loudly
		colly.StdlibContext(ctx),
		colly.Async(true),
	)
	c.IgnoreRobotsTxt = false // colly v2 ignores robots.txt unless told otherwise
	c.SetClient(s.client(ctx))
	// Bound the goroutines colly starts; the transport paces each host.
	_ = c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: max(src.Concurrency, defaultConcurrency)})
	return c
}

// applyCrawlDelay reads robots.txt for its Crawl-delay (colly reads it for
// Allow/Disallow only) and tightens the host's pace to match.
func (s *Scraper) applyCrawlDelay(ctx context.Context, u *url.URL) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+"/robots.txt", nil)
	if err != nil {
		return
	}
	req.Header.Set("User-Agent", s.opts.UserAgent)
	resp, err := s.client(ctx).Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	robots, err := robotstxt.FromResponse(resp)
	if err != nil {
		return
	}
	if g := robots.FindGroup(s.opts.UserAgent); g != nil && g.CrawlDelay > 0 {
		s.hosts.Set(u.Host, g.CrawlDelay, 0)
		s.log.Debug("robots.txt crawl-delay", "host", u.Host, "delay", g.CrawlDelay)
	}
}

func (r *run) wire() {
	r.c.OnRequest(func(req *colly.Request) {
		ps, ok, err := r.s.state.Get(r.ctx, req.URL.String())
		if err != nil {
			r.log.Warn("reading page state", "url", req.URL.String(), "err", err)
		}
		if !ok {
			return
		}
		req.Ctx.Put(ctxPrev, ps)
		if ps.ETag != "" {
			req.Headers.Set("If-None-Match", ps.ETag)
		}
		if ps.LastModified != "" {
			req.Headers.Set("If-Modified-Since", ps.LastModified)
		}
	})
	r.c.OnResponse(func(resp *colly.Response) {
		r.count(func(rec *message.SourceRun) { rec.Fetched++ })
		if resp.Ctx.Get(ctxRole) == roleArticle {
			r.article(resp)
			return
		}
		r.mu.Lock()
		r.indexes[resp.Request.URL.String()] = r.validators(resp, "")
		r.mu.Unlock()
		switch r.src.Kind {
		case KindFeed:
			r.feed(resp)
		case KindSitemap:
			r.sitemap(resp)
		}
	})
	if r.src.Kind == KindListing {
		r.c.OnHTML(r.src.LinkSelector, func(e *colly.HTMLElement) {
			if e.Request.Ctx.Get(ctxRole) == roleIndex {
				r.visitArticle(e.Request.AbsoluteURL(e.Attr("href")), time.Time{})
			}
		})
		if r.src.NextSelector != "" {
			maxPages := cmp.Or(r.src.MaxPages, 5)
			r.c.OnHTML(r.src.NextSelector, func(e *colly.HTMLElement) {
				if e.Request.Ctx.Get(ctxRole) != roleIndex {
					return
				}
				page, _ := e.Request.Ctx.GetAny(ctxPage).(int)
				if page+1 >= maxPages {
					return
				}
				cctx := colly.NewContext()
				cctx.Put(ctxRole, roleIndex)
				cctx.Put(ctxPage, page+1)
				r.request(e.Request.AbsoluteURL(e.Attr("href")), cctx)
			})
		}
	}
	r.c.OnError(func(resp *colly.Response, err error) {
		if resp.StatusCode == http.StatusNotModified {
			r.count(func(rec *message.SourceRun) { rec.NotModified++ })
			return
		}
		kind := errorKind(err, resp.StatusCode)
		var startErr error
		if resp.Ctx.Get(ctxRole) == roleIndex && r.src.isStart(resp.Request.URL.String()) {
			startErr = fmt.Errorf("fetching %s: %s: %w", resp.Request.URL, kind, err)
		}
		r.fail(kind, startErr)
		r.log.Warn("fetch failed", "url", resp.Request.URL.String(), "status", resp.StatusCode, "kind", kind, "err", err)
	})
}

// request asks colly for a page, counting what it refuses.
func (r *run) request(u string, cctx *colly.Context) {
	err := r.c.Request(http.MethodGet, u, nil, cctx, nil)
	switch {
	case err == nil:
	case errors.As(err, new(*colly.AlreadyVisitedError)):
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		r.count(func(rec *message.SourceRun) { rec.RobotsBlocked++ })
	default:
		r.fail(errorKind(err, 0), nil)
		r.log.Debug("not requested", "url", u, "err", err)
	}
}

func (r *run) visitArticle(link string, published time.Time) {
	canon, err := Canonical(link)
	if err != nil || !r.src.Wants(canon) {
		return
	}
	cctx := colly.NewContext()
	cctx.Put(ctxRole, roleArticle)
	if !published.IsZero() {
		cctx.Put(ctxPublished, published)
	}
	r.request(canon, cctx)
}

func (r *run) feed(resp *colly.Response) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(resp.Body))
	if err != nil {
		startErr := error(nil)
		if r.src.isStart(resp.Request.URL.String()) {
			startErr = fmt.Errorf("parsing feed %s: %w", resp.Request.URL, err)
		}
		r.fail("feed_parse", startErr)
		return
	}
	for _, it := range feed.Items {
		link := it.Link
		if link == "" && len(it.Links) > 0 {
			link = it.Links[0]
		}
		if link == "" {
			continue
		}
		var pub time.Time
		switch {
		case it.PublishedParsed != nil:
			pub = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			pub = *it.UpdatedParsed
		}
		r.visitArticle(resp.Request.AbsoluteURL(link), pub)
	}
}

// sitemapXML covers both a sitemap index and a urlset.
type sitemapXML struct {
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
	URLs []struct {
		Loc string `xml:"loc"`
	} `xml:"url"`
}

func (r *run) sitemap(resp *colly.Response) {
	var sm sitemapXML
	dec := xml.NewDecoder(bytes.NewReader(resp.Body))
	dec.CharsetReader = charset.NewReaderLabel
	if err := dec.Decode(&sm); err != nil {
		startErr := error(nil)
		if r.src.isStart(resp.Request.URL.String()) {
			startErr = fmt.Errorf("parsing sitemap %s: %w", resp.Request.URL, err)
		}
		r.fail("sitemap_parse", startErr)
		return
	}
	for _, child := range sm.Sitemaps {
		cctx := colly.NewContext()
		cctx.Put(ctxRole, roleIndex)
		r.request(resp.Request.AbsoluteURL(strings.TrimSpace(child.Loc)), cctx)
	}
	for _, u := range sm.URLs {
		// lastmod says when a page changed, not when it was published; the
		// conditional GET finds out whether it did.
		r.visitArticle(resp.Request.AbsoluteURL(strings.TrimSpace(u.Loc)), time.Time{})
	}
}

// article extracts a page and publishes it if it is new or changed.
func (r *run) article(resp *colly.Response) {
	u := resp.Request.URL.String()
	page, err := ExtractPage(resp.Body, resp.Headers.Get("Content-Type"), u)
	if err != nil {
		r.fail("extract", nil)
		r.log.Warn("extraction failed", "url", u, "err", err)
		return
	}
	// The page's own canonical link names the document when it gives one
	// (on its host): one article reached by several URLs is one document.
	docURL := u
	if c, err := Canonical(page.Canonical); page.Canonical != "" && err == nil {
		docURL = c
	}
	d := message.Document{
		SchemaVersion: message.DocumentVersion,
		ID:            message.DocumentID(docURL),
		ContentHash:   message.ContentHash(page.Title, page.Text),
		Source:        r.src.ID,
		URL:           docURL,
		Title:         page.Title,
		Text:          page.Text,
		Language:      page.Language,
		FetchedAt:     r.s.opts.Clock().UTC(),
	}
	if pub, ok := resp.Ctx.GetAny(ctxPublished).(time.Time); ok {
		d.Published = &pub
	} else if !page.Published.IsZero() {
		d.Published = &page.Published
	}
	prev, seen := resp.Ctx.GetAny(ctxPrev).(PageState)
	next := r.validators(resp, d.ContentHash)
	if seen && prev.ContentHash == d.ContentHash {
		r.count(func(rec *message.SourceRun) { rec.Unchanged++ })
		r.saveState(u, next)
		return
	}
	_, cut, err := r.s.pub.PublishFitting(context.WithoutCancel(r.ctx), r.s.pub.RawSubject(r.src.ID), d.MsgID(), &d, d.CutText)
	if errors.Is(err, bus.ErrTooLarge) {
		// Never publishable as it is: recorded once, and tried again
		// only when the page changes.
		r.fail("too_large", nil)
		r.log.Warn("page too large to publish", "url", u, "err", err)
		r.saveState(u, next)
		return
	}
	if err != nil {
		r.fail("publish", nil)
		r.log.Error("publish failed", "url", u, "err", err)
		return // state not saved: the page is tried again next run
	}
	if cut {
		// Published, its text cut to the server's max payload.
		r.count(func(rec *message.SourceRun) {
			if rec.Errors == nil {
				rec.Errors = map[string]int{}
			}
			rec.Errors["truncated"]++
		})
		r.log.Warn("page text cut to fit a message", "url", u, "kept_bytes", len(d.Text))
	}
	r.count(func(rec *message.SourceRun) {
		if seen && prev.ContentHash != "" {
			rec.Changed++
		} else {
			rec.New++
		}
	})
	r.saveState(u, next)
	r.log.Debug("published", "url", u, "doc_id", d.ID)
}

func (r *run) saveState(u string, ps PageState) {
	if err := r.s.state.Put(context.WithoutCancel(r.ctx), u, ps); err != nil {
		r.log.Warn("saving page state", "url", u, "err", err)
	}
}

func (r *run) validators(resp *colly.Response, hash string) PageState {
	return PageState{ETag: resp.Headers.Get("ETag"), LastModified: resp.Headers.Get("Last-Modified"),
		ContentHash: hash, Checked: r.s.opts.Clock().UTC()}
}

// toUTF8 decodes an HTML body by its byte-order mark, Content-Type charset
// or <meta> declaration. A page that declares nothing and is valid UTF-8 is
// taken as UTF-8 (not the windows-1252 the HTML standard would guess).
func toUTF8(body []byte, contentType string) ([]byte, error) {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || (!certain && utf8.Valid(body)) {
		return body, nil
	}
	out, err := io.ReadAll(enc.NewDecoder().Reader(bytes.NewReader(body)))
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	return out, nil
}

// errorKind names a failure for the run record.
func errorKind(err error, status int) string {
	var netErr net.Error
	switch {
	case status >= 400:
		return "http_" + strconv.Itoa(status)
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, errOutOfBudget):
		return "budget"
	case errors.Is(err, errTooManyRedirects):
		return "redirects"
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		return "robots"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case status > 0:
		return "http_" + strconv.Itoa(status)
	}
	return "network"
}

func newRunID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
