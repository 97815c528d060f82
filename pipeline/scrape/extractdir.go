package scrape

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ExtractDir runs [ExtractPage] over every *.html and *.html.gz file in dir
// and returns the main text of each, keyed by file name without extension.
// A page that yields nothing maps to "" (it still counts against recall).
func ExtractDir(ctx context.Context, dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".html") || strings.HasSuffix(n, ".html.gz")) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make(map[string]string, len(names))
	var mu sync.Mutex
	var firstErr error
	work := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for name := range work {
				text, err := extractFile(filepath.Join(dir, name))
				mu.Lock()
				if err != nil && firstErr == nil && !isExtractionMiss(err) {
					firstErr = err
				}
				out[strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".html")] = text
				mu.Unlock()
			}
		})
	}
	for _, n := range names {
		if ctx.Err() != nil {
			break
		}
		work <- n
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return out, firstErr
}

func extractFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
	}
	page, err := ExtractPage(data, "text/html", "http://localhost/"+filepath.Base(path))
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return page.Text, nil
}

// isExtractionMiss tells a page with no main text (scored as empty) from an
// I/O error (which stops the command).
func isExtractionMiss(err error) bool {
	return strings.Contains(err.Error(), "extracting main text")
}
