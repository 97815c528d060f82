package scrape

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/RadhiFadlillah/whatlanggo"
	"github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Page is what extraction finds in an article page.
type Page struct {
	Title     string
	Text      string
	Published time.Time // zero when unknown
	Language  string
	Canonical string // the page's own canonical link, if it gives one on its own host
}

// ExtractPage is the scraper's whole extraction path for an article: decode
// the body to UTF-8 (byte-order mark, Content-Type, <meta> charset), then
// [Extract]. The extract command uses it too, so that what is measured is
// what runs.
func ExtractPage(body []byte, contentType, pageURL string) (Page, error) {
	utf, err := toUTF8(body, contentType)
	if err != nil {
		return Page{}, err
	}
	return Extract(utf, pageURL)
}

// Extract finds the main text and metadata of an HTML page with
// go-trafilatura. The headline is returned as the title and not repeated at
// the head of the text.
func Extract(body []byte, pageURL string) (Page, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return Page{}, fmt.Errorf("parsing page url: %w", err)
	}
	// Measured on ../shared/extraction-benchmark (BENCHMARKS.md): running
	// the readability/distiller fallback on every page lowers F1 there
	// (0.960 against 0.962), so it is used only when the main path finds no
	// text at all.
	opts := trafilatura.Options{OriginalURL: u, ExcludeComments: true}
	doc, err := parseUTF8(body)
	if err != nil {
		return Page{}, fmt.Errorf("parsing page: %w", err)
	}
	res, err := trafilatura.ExtractDocument(doc, opts)
	if err != nil || strings.TrimSpace(res.ContentText) == "" {
		opts.EnableFallback = true
		// Parsed again: the first pass may have changed the tree.
		if doc, perr := parseUTF8(body); perr == nil {
			if res2, err2 := trafilatura.ExtractDocument(doc, opts); err2 == nil {
				res, err = res2, nil
			}
		}
	}
	if err != nil {
		return Page{}, fmt.Errorf("extracting main text: %w", err)
	}
	p := Page{
		Title:     strings.TrimSpace(res.Metadata.Title),
		Text:      withoutTitle(strings.TrimSpace(res.ContentText), res.Metadata.Title),
		Published: res.Metadata.Date,
		Language:  res.Metadata.Language,
		Canonical: res.Metadata.URL,
	}
	if p.Text == "" {
		return Page{}, fmt.Errorf("extracting main text: page has no main text")
	}
	if p.Language == "" {
		p.Language = guessLanguage(p.Text)
	}
	p.Canonical = sameHostCanonical(pageURL, p.Canonical)
	return p, nil
}

// parseUTF8 parses a page already decoded to UTF-8 (by [ExtractPage]),
// with what go-trafilatura's own parser does besides: text in NFC, soft
// hyphens dropped. Its parser would first guess the bytes' charset again
// (gogs/chardet, 40% of the extraction's CPU), and a wrong guess would
// garble text decoded correctly from the page's own declaration.
func parseUTF8(body []byte) (*html.Node, error) {
	softHyphen := runes.Remove(runes.Predicate(func(r rune) bool { return r == '\u00AD' }))
	return html.Parse(transform.NewReader(bytes.NewReader(body), transform.Chain(softHyphen, norm.NFC)))
}

// guessLanguage names the language of a text the page did not label, when
// the guess is confident.
func guessLanguage(text string) string {
	info := whatlanggo.Detect(text[:min(len(text), 2000)])
	if info.Confidence < 0.5 {
		return ""
	}
	return info.Lang.Iso6391()
}

// sameHostCanonical returns the page's canonical link when it points to the
// page's own host, else "": a page cannot claim another site's URL (and with
// it another site's document).
func sameHostCanonical(pageURL, canonical string) string {
	if canonical == "" {
		return ""
	}
	page, err := url.Parse(pageURL)
	if err != nil {
		return ""
	}
	c, err := page.Parse(canonical)
	if err != nil || (c.Scheme != "http" && c.Scheme != "https") || !strings.EqualFold(c.Host, page.Host) {
		return ""
	}
	return c.String()
}

// withoutTitle drops the headline from the start of the text, where
// extraction often leaves it: the document carries it as its title. (Doing
// the same with the page's description lowered F1 on the benchmark: on many
// pages the description is the body's first paragraph.)
func withoutTitle(text, title string) string {
	title = strings.TrimSpace(title)
	if len(title) < 8 {
		return text
	}
	rest, ok := strings.CutPrefix(text, title)
	if !ok {
		return text
	}
	rest = strings.TrimLeft(rest, " \t\n\r:|-–—")
	if rest == "" {
		return text // the title was all there was: keep it
	}
	return rest
}
