// Package offlinesite serves the bundled offline source site (a news site
// with an RSS feed, an Atom feed, paginated listing pages, a sitemap index
// and robots.txt) on a loopback port, for tests and the offline demo run.
package offlinesite

import (
	"embed"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/horizon-scan/horizon/pipeline/scrape"
)

//go:embed testdata/site testdata/sources.yaml
var files embed.FS

// Articles is the number of article pages the site links to from its feeds,
// listing pages and sitemap (robots.txt forbids one more page, which must
// never be fetched).
const Articles = 36

// Site is a running offline site.
type Site struct {
	URL    string // base URL, no trailing slash
	server *http.Server
}

// Handler serves the site's files.
func Handler() http.Handler {
	sub, err := fs.Sub(files, "testdata/site")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return http.FileServerFS(sub)
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
