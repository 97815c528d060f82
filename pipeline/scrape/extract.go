package scrape

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/markusmobius/go-trafilatura"
)

// Page is what extraction finds in an article page.
type Page struct {
	Title     string
	Text      string
	Published time.Time // zero when unknown
	Language  string
	Canonical string // the page's own canonical link, if it gives one
}

// Extract finds the main text and metadata of an HTML page with
// go-trafilatura, falling back to its readability and distiller candidates
// when its own heuristics find too little.
func Extract(body []byte, pageURL string) (Page, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return Page{}, fmt.Errorf("parsing page url: %w", err)
	}
	res, err := trafilatura.Extract(bytes.NewReader(body), trafilatura.Options{
		OriginalURL:     u,
		EnableFallback:  true,
		ExcludeComments: true,
	})
	if err != nil {
		return Page{}, fmt.Errorf("extracting main text: %w", err)
	}
	p := Page{
		Title:     strings.TrimSpace(res.Metadata.Title),
		Text:      strings.TrimSpace(res.ContentText),
		Published: res.Metadata.Date,
		Language:  res.Metadata.Language,
		Canonical: res.Metadata.URL,
	}
	if p.Text == "" {
		return Page{}, fmt.Errorf("extracting main text: page has no main text")
	}
	return p, nil
}
