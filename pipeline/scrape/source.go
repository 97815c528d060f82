// Package scrape collects technology announcements from feeds, listing pages
// and sitemaps, politely, and publishes them as raw documents.
package scrape

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/horizon-scan/horizon/pipeline/yamlsyntax"
)

// Kinds of source.
const (
	KindFeed    = "feed"    // RSS, Atom or JSON Feed; items' links are fetched
	KindListing = "listing" // HTML index pages whose article links are followed
	KindSitemap = "sitemap" // sitemap index or urlset
)

// Source is one place Horizon looks for announcements, as configured in
// sources.yaml.
type Source struct {
	ID           string        `yaml:"id"`
	Name         string        `yaml:"name"`
	Kind         string        `yaml:"kind"`
	URL          string        `yaml:"url"`           // the start URL; or several in urls
	URLs         []string      `yaml:"urls"`          // all start URLs (url, if given, is the first)
	Schedule     string        `yaml:"schedule"`      // cron spec, e.g. "0 */6 * * *"
	Delay        time.Duration `yaml:"delay"`         // between requests to one host
	Concurrency  int           `yaml:"concurrency"`   // parallel requests to one host
	Category     string        `yaml:"category"`      // regulator, nhs, vendor, trade_press, research
	Enabled      *bool         `yaml:"enabled"`       // default true
	LinkSelector string        `yaml:"link_selector"` // listing: CSS selector of article links
	NextSelector string        `yaml:"next_selector"` // listing: CSS selector of the next-page link
	MaxPages     int           `yaml:"max_pages"`     // listing: index pages to follow, default 5
	Include      []string      `yaml:"include"`       // article URLs must match one of these regexps, if any
	Exclude      []string      `yaml:"exclude"`       // article URLs matching any of these are skipped

	include, exclude []*regexp.Regexp
	line             int
}

// isStart reports whether u is one of the source's start URLs.
func (s Source) isStart(u string) bool {
	for _, start := range s.URLs {
		if start == u {
			return true
		}
	}
	return false
}

// IsEnabled reports whether the source should be scraped.
func (s Source) IsEnabled() bool { return s.Enabled == nil || *s.Enabled }

// Wants reports whether an article URL passes the include/exclude patterns.
func (s Source) Wants(u string) bool {
	for _, re := range s.exclude {
		if re.MatchString(u) {
			return false
		}
	}
	if len(s.include) == 0 {
		return true
	}
	for _, re := range s.include {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}

var (
	sourceKeys = map[string]bool{"id": true, "name": true, "kind": true, "url": true, "urls": true, "schedule": true,
		"delay": true, "concurrency": true, "category": true, "enabled": true, "link_selector": true,
		"next_selector": true, "max_pages": true, "include": true, "exclude": true}
	categories = map[string]bool{"regulator": true, "nhs": true, "government": true, "vendor": true,
		"trade_press": true, "research": true}
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// ParseSources reads a sources file. expand, if not nil, is applied to every
// URL before it is checked (the offline site uses it to fill in its
// address). Every problem is reported as "file:line: source id: why".
func ParseSources(file string, data []byte, expand func(string) string) ([]Source, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlsyntax.Locate(file, data, err)
	}
	var list *yaml.Node
	if len(root.Content) > 0 && root.Content[0].Kind == yaml.MappingNode {
		top := root.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value != "sources" {
				return nil, fmt.Errorf("%s:%d: unknown key %q (expected \"sources\")", file, top.Content[i].Line, top.Content[i].Value)
			}
			list = top.Content[i+1]
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: expected \"sources:\" followed by a list", file)
	}
	var out []Source
	var errs []error
	seen := map[string]int{}
	for _, n := range list.Content {
		s, err := parseSource(file, n, expand)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := seen[s.ID]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: source %s: duplicate id (first at line %d)", file, n.Line, s.ID, prev))
			continue
		}
		seen[s.ID] = n.Line
		out = append(out, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func parseSource(file string, n *yaml.Node, expand func(string) string) (Source, error) {
	id := "?"
	lineOf := map[string]int{}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			lineOf[k.Value] = k.Line
			if k.Value == "id" {
				id = n.Content[i+1].Value
			}
		}
	}
	fail := func(key, format string, args ...any) error {
		line := n.Line
		if l, ok := lineOf[key]; ok {
			line = l
		}
		return fmt.Errorf("%s:%d: source %s: %s", file, line, id, fmt.Sprintf(format, args...))
	}
	if n.Kind != yaml.MappingNode {
		return Source{}, fail("", "expected a mapping")
	}
	for k := range lineOf {
		if !sourceKeys[k] {
			return Source{}, fail(k, "unknown key %q", k)
		}
	}
	var s Source
	if err := n.Decode(&s); err != nil {
		return Source{}, fail("", "%v", err)
	}
	s.line = n.Line
	if s.URL != "" {
		s.URLs = append([]string{s.URL}, s.URLs...)
	}
	if len(s.URLs) == 0 {
		return Source{}, fail("url", "url (or urls) is missing")
	}
	for i := range s.URLs {
		if expand != nil {
			s.URLs[i] = expand(s.URLs[i])
		}
		u, err := url.Parse(s.URLs[i])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			key := "urls"
			if i == 0 && s.URL != "" {
				key = "url"
			}
			return Source{}, fail(key, "url %q is not an absolute http(s) URL", s.URLs[i])
		}
		s.URLs[i] = u.String()
	}
	s.URL = s.URLs[0]
	if !idPattern.MatchString(s.ID) {
		return Source{}, fail("id", "id %q must be lower case letters, digits, - or _", s.ID)
	}
	switch s.Kind {
	case KindFeed, KindSitemap:
	case KindListing:
		if s.LinkSelector == "" {
			return Source{}, fail("kind", "a listing needs link_selector")
		}
		for key, sel := range map[string]string{"link_selector": s.LinkSelector, "next_selector": s.NextSelector} {
			if sel == "" {
				continue
			}
			if _, err := cascadia.Compile(sel); err != nil {
				return Source{}, fail(key, "bad CSS selector %q: %v", sel, err)
			}
		}
	default:
		return Source{}, fail("kind", "kind %q is not feed, listing or sitemap", s.Kind)
	}
	if s.Schedule == "" {
		return Source{}, fail("schedule", "schedule is missing (a cron spec such as \"0 */6 * * *\")")
	}
	if _, err := cron.ParseStandard(s.Schedule); err != nil {
		return Source{}, fail("schedule", "bad cron spec %q: %v", s.Schedule, err)
	}
	if s.Category != "" && !categories[s.Category] {
		return Source{}, fail("category", "category %q is not one of regulator, nhs, government, vendor, trade_press, research", s.Category)
	}
	if s.Delay < 0 || s.Concurrency < 0 || s.MaxPages < 0 {
		return Source{}, fail("", "delay, concurrency and max_pages must not be negative")
	}
	for key, pats := range map[string][]string{"include": s.Include, "exclude": s.Exclude} {
		for _, p := range pats {
			re, err := regexp.Compile(p)
			if err != nil {
				return Source{}, fail(key, "bad pattern %q: %v", p, err)
			}
			if key == "include" {
				s.include = append(s.include, re)
			} else {
				s.exclude = append(s.exclude, re)
			}
		}
	}
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" {
		s.Name = s.ID
	}
	return s, nil
}
