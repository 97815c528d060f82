package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/scrape"
)

// runExtract prints, as one JSON object, the main text the scraper's
// production extraction path finds in every page of a folder:
// {"<file id>": {"articleBody": "..."}, ...}.
func runExtract(args []string) int {
	fs := cli.FlagSet("scraper extract", "[--json] DIR", "Prints the main text the scraper extracts from every *.html(.gz) in DIR.")
	asJSON := fs.Bool("json", false, "print JSON (the only format)")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	if !*asJSON || fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: scraper extract --json DIR")
		return 2
	}
	texts, err := scrape.ExtractDir(context.Background(), fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "scraper extract:", err)
		return 1
	}
	out := make(map[string]map[string]string, len(texts))
	for id, text := range texts {
		out[id] = map[string]string{"articleBody": text}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "scraper extract:", err)
		return 1
	}
	return 0
}
