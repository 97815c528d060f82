package scrape

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/mmcdole/gofeed"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Publisher is where the scraper sends documents; *bus.Bus is one.
type Publisher interface {
	RawSubject(source string) string
	PublishJSON(ctx context.Context, subject, msgID string, v any) (duplicate bool, err error)
}

// Options tunes a Scraper. The zero value is usable.
type Options struct {
	UserAgent      string        // identifies Horizon, with a contact URL
	MaxBodyBytes   int           // larger bodies are cut, default 5 MiB
	RequestTimeout time.Duration // per request, default 30s
	Clock          func() time.Time
}

const defaultUserAgent = "HorizonBot/0.1 (+https://github.com/horizon-scan/horizon; horizon-scanning of AI health technologies)"

// Scraper fetches sources and publishes what it finds.
type Scraper struct {
	pub  Publisher
	log  *slog.Logger
	opts Options
}

// New returns a Scraper that publishes to pub.
func New(pub Publisher, log *slog.Logger, opts Options) *Scraper {
	opts.UserAgent = cmp.Or(opts.UserAgent, defaultUserAgent)
	opts.MaxBodyBytes = cmp.Or(opts.MaxBodyBytes, 5<<20)
	opts.RequestTimeout = cmp.Or(opts.RequestTimeout, 30*time.Second)
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Scraper{pub: pub, log: log, opts: opts}
}

// Report counts what one run of one source did.
type Report struct {
	Source        string
	Started       time.Time
	Finished      time.Time
	Fetched       int            // responses received
	Published     int            // new or changed documents published
	Duplicates    int            // documents the stream already had
	RobotsBlocked int            // links robots.txt forbade
	Failed        int            // requests or pages that failed
	Errors        map[string]int // failures by kind
}

func (r *Report) fail(kind string) {
	r.Failed++
	if r.Errors == nil {
		r.Errors = map[string]int{}
	}
	r.Errors[kind]++
}

// Context keys carried on colly requests.
const (
	ctxRole      = "role" // index, feed, sitemap or article
	ctxPage      = "page" // listing page number
	ctxPublished = "published"
	roleIndex    = "index"
	roleArticle  = "article"
)

// Run scrapes one source once. Failures of single pages are counted in the
// report; the returned error is for the source as a whole (its start URL
// could not be fetched, or ctx ended).
func (s *Scraper) Run(ctx context.Context, src Source) (Report, error) {
	rep := Report{Source: src.ID, Started: s.opts.Clock()}
	var mu sync.Mutex // guards rep
	var startErr error
	log := s.log.With("source", src.ID)

	c := colly.NewCollector(
		colly.UserAgent(s.opts.UserAgent),
		colly.MaxBodySize(s.opts.MaxBodyBytes),
		colly.StdlibContext(ctx),
		colly.Async(true),
	)
	c.IgnoreRobotsTxt = false // colly v2 ignores robots.txt unless told otherwise
	c.SetRequestTimeout(s.opts.RequestTimeout)
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Delay: src.Delay, Parallelism: max(src.Concurrency, 1)}); err != nil {
		return rep, fmt.Errorf("setting limits: %w", err)
	}

	visitArticle := func(link string, published time.Time) {
		if !src.Wants(link) {
			return
		}
		cctx := colly.NewContext()
		cctx.Put(ctxRole, roleArticle)
		if !published.IsZero() {
			cctx.Put(ctxPublished, published)
		}
		err := c.Request("GET", link, nil, cctx, nil)
		switch {
		case err == nil, isAlreadyVisited(err):
		case errors.Is(err, colly.ErrRobotsTxtBlocked):
			mu.Lock()
			rep.RobotsBlocked++
			mu.Unlock()
		default:
			mu.Lock()
			rep.fail("request")
			mu.Unlock()
			log.Debug("article not requested", "url", link, "err", err)
		}
	}

	c.OnResponse(func(r *colly.Response) {
		mu.Lock()
		rep.Fetched++
		mu.Unlock()
		if r.Ctx.Get(ctxRole) == roleArticle {
			s.publishArticle(ctx, src, r, &rep, &mu, log)
			return
		}
		switch src.Kind {
		case KindFeed:
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(r.Body))
			if err != nil {
				mu.Lock()
				rep.fail("feed")
				startErr = fmt.Errorf("parsing feed %s: %w", r.Request.URL, err)
				mu.Unlock()
				return
			}
			for _, it := range feed.Items {
				var pub time.Time
				if it.PublishedParsed != nil {
					pub = *it.PublishedParsed
				} else if it.UpdatedParsed != nil {
					pub = *it.UpdatedParsed
				}
				visitArticle(r.Request.AbsoluteURL(it.Link), pub)
			}
		case KindSitemap:
			s.followSitemap(c, r, visitArticle, &rep, &mu)
		}
	})
	if src.Kind == KindListing {
		c.OnHTML(src.LinkSelector, func(e *colly.HTMLElement) {
			if e.Request.Ctx.Get(ctxRole) == roleIndex {
				visitArticle(e.Request.AbsoluteURL(e.Attr("href")), time.Time{})
			}
		})
		if src.NextSelector != "" {
			maxPages := cmp.Or(src.MaxPages, 5)
			c.OnHTML(src.NextSelector, func(e *colly.HTMLElement) {
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
				_ = c.Request("GET", e.Request.AbsoluteURL(e.Attr("href")), nil, cctx, nil)
			})
		}
	}
	c.OnError(func(r *colly.Response, err error) {
		mu.Lock()
		defer mu.Unlock()
		kind := "http"
		if r.StatusCode == 0 {
			kind = "network"
		}
		rep.fail(kind)
		if r.Ctx.Get(ctxRole) != roleArticle {
			startErr = fmt.Errorf("fetching %s: %w", r.Request.URL, err)
		}
		log.Warn("fetch failed", "url", r.Request.URL.String(), "status", r.StatusCode, "err", err)
	})

	cctx := colly.NewContext()
	cctx.Put(ctxRole, roleIndex)
	cctx.Put(ctxPage, 0)
	if err := c.Request("GET", src.URL, nil, cctx, nil); err != nil {
		rep.Finished = s.opts.Clock()
		rep.fail("request")
		return rep, fmt.Errorf("requesting %s: %w", src.URL, err)
	}
	c.Wait()
	rep.Finished = s.opts.Clock()
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	return rep, startErr
}

func isAlreadyVisited(err error) bool {
	_, ok := err.(*colly.AlreadyVisitedError)
	return ok
}

// publishArticle extracts an article page and publishes it as a document.
func (s *Scraper) publishArticle(ctx context.Context, src Source, r *colly.Response, rep *Report, mu *sync.Mutex, log *slog.Logger) {
	u := r.Request.URL.String()
	page, err := Extract(r.Body, u)
	if err != nil {
		mu.Lock()
		rep.fail("extract")
		mu.Unlock()
		log.Warn("extraction failed", "url", u, "err", err)
		return
	}
	canon, err := Canonical(u)
	if err != nil {
		canon = u
	}
	d := message.Document{
		SchemaVersion: message.DocumentVersion,
		ID:            message.DocumentID(canon),
		ContentHash:   message.ContentHash(page.Title, page.Text),
		Source:        src.ID,
		URL:           canon,
		Title:         page.Title,
		Text:          page.Text,
		Language:      page.Language,
		FetchedAt:     s.opts.Clock().UTC(),
	}
	if pub, ok := r.Ctx.GetAny(ctxPublished).(time.Time); ok {
		d.Published = &pub
	} else if !page.Published.IsZero() {
		d.Published = &page.Published
	}
	dup, err := s.pub.PublishJSON(ctx, s.pub.RawSubject(src.ID), d.MsgID(), d)
	mu.Lock()
	defer mu.Unlock()
	switch {
	case err != nil:
		rep.fail("publish")
		log.Error("publish failed", "url", canon, "err", err)
	case dup:
		rep.Duplicates++
	default:
		rep.Published++
		log.Debug("published", "url", canon, "doc_id", d.ID)
	}
}

// sitemapXML covers both a sitemap index and a urlset.
type sitemapXML struct {
	XMLName  xml.Name
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
	URLs []struct {
		Loc string `xml:"loc"`
	} `xml:"url"`
}

func (s *Scraper) followSitemap(c *colly.Collector, r *colly.Response, visitArticle func(string, time.Time), rep *Report, mu *sync.Mutex) {
	var sm sitemapXML
	if err := xml.Unmarshal(r.Body, &sm); err != nil {
		mu.Lock()
		rep.fail("sitemap")
		mu.Unlock()
		return
	}
	for _, child := range sm.Sitemaps {
		cctx := colly.NewContext()
		cctx.Put(ctxRole, roleIndex)
		_ = c.Request("GET", r.Request.AbsoluteURL(strings.TrimSpace(child.Loc)), nil, cctx, nil)
	}
	for _, u := range sm.URLs {
		// lastmod says when a page changed, not when it was published.
		visitArticle(r.Request.AbsoluteURL(strings.TrimSpace(u.Loc)), time.Time{})
	}
}
