// Package offlinesite serves the bundled offline source site (a news site
// with an RSS feed, an Atom feed, paginated listing pages, a sitemap index
// and robots.txt) on a loopback port, for tests and the offline demo run.
package offlinesite

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/horizon-scan/horizon/pipeline/scrape"
)

//go:embed testdata/site testdata/sources.yaml
var files embed.FS

// Articles is the number of article pages the site links to from its feeds,
// listing pages and sitemap (robots.txt forbids one more page, which must
// never be fetched).
const Articles = 40

// Site is a running offline site.
type Site struct {
	URL    string // base URL, no trailing slash
	server *http.Server
}

// Handler serves the site's files, with an ETag per file as real sites
// send, so that conditional GETs get a 304.
func Handler() http.Handler {
	sub, err := fs.Sub(files, "testdata/site")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	var etags sync.Map
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" || strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		tag, ok := etags.Load(name)
		if !ok {
			if data, err := fs.ReadFile(sub, name); err == nil {
				sum := sha256.Sum256(data)
				tag = `"` + hex.EncodeToString(sum[:8]) + `"`
				etags.Store(name, tag)
			}
		}
		if tag != nil {
			w.Header().Set("ETag", tag.(string))
		}
		files.ServeHTTP(w, r)
	})
}

// Start serves the site on 127.0.0.1 on a free port.
func Start() (*Site, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening: %w", err)
	}
	return Serve(ln), nil
}

// Serve serves the site on ln.
func Serve(ln net.Listener) *Site {
	s := &Site{URL: "http://" + ln.Addr().String(), server: &http.Server{Handler: Handler(), ReadHeaderTimeout: 5 * time.Second}}
	go s.server.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return s
}

// Close stops the server.
func (s *Site) Close() error { return s.server.Close() }

// Sources returns the site's sources, one of each kind, pointed at the
// running site.
func (s *Site) Sources() ([]scrape.Source, error) {
	data, err := files.ReadFile("testdata/sources.yaml")
	if err != nil {
		return nil, err
	}
	return scrape.ParseSources("offlinesite/sources.yaml", data, func(u string) string {
		return strings.ReplaceAll(u, "${SITE}", s.URL)
	})
}

// Host is the site's stable name: sources from [Site.StableSources] use it,
// and a scraper given [Site.Resolve] reaches the running site through it,
// so that its documents keep their URLs and ids whatever port serves them.
// ".test" is reserved for testing (RFC 2606): it names no real site.
const Host = "demo.horizon.test"

// StableSources returns the site's sources under [Host].
func (s *Site) StableSources() ([]scrape.Source, error) {
	data, err := files.ReadFile("testdata/sources.yaml")
	if err != nil {
		return nil, err
	}
	return scrape.ParseSources("offlinesite/sources.yaml", data, func(u string) string {
		return strings.ReplaceAll(u, "${SITE}", "http://"+Host)
	})
}

// Resolve maps [Host] to the address the site listens on, for
// scrape.Options.Resolve.
func (s *Site) Resolve() map[string]string {
	return map[string]string{Host + ":80": strings.TrimPrefix(s.URL, "http://")}
}
