package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/suggest"
)

// runRulesSuggest mines candidate phrases for one code from gold-labelled
// documents (the corpus, or the review app's gold.jsonl and
// documents.jsonl): those that would add the code where the analysts gave
// it and the rules did not, with their precision and recall on the gold,
// and a rule made of the precise ones to paste.
func runRulesSuggest(args []string, out io.Writer) int {
	fs := cli.FlagSet("classifier rules suggest", "--gold G --input D --code DIM:CODE [flags]", "Mines phrases from gold-labelled documents that would add a code the rules miss, with the precision and recall each would have.")
	dir := rulesFlag(fs)
	goldPath := fs.String("gold", "", "gold labels, JSON lines (dev-labels.jsonl, or the review app's /export/gold.jsonl)")
	input := fs.String("input", "", "the documents, JSON lines with id, title, text (or /export/documents.jsonl)")
	codeFlag := fs.String("code", "", "the code to find phrases for: CODE, or DIMENSION:CODE where a code is in several dimensions")
	split := fs.String("split", "", "use only one part of the gold (tune or check, split by a hash of the id); empty for all")
	opt := suggest.Options{}
	fs.IntVar(&opt.MaxWords, "max-words", 3, "longest phrase tried, in words")
	fs.IntVar(&opt.MinSupport, "min-support", 2, "fewest missed documents a phrase must add")
	fs.Float64Var(&opt.MinPrecision, "min-precision", 0.7, "least precision on the gold for a phrase to go into the rule")
	fs.IntVar(&opt.Top, "top", 20, "candidates to list")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	if *goldPath == "" || *input == "" || *codeFlag == "" {
		fmt.Fprintln(os.Stderr, "classifier rules suggest: --gold, --input and --code are required")
		return 2
	}
	if *split != "" && *split != classify.PartTune && *split != classify.PartCheck {
		fmt.Fprintf(os.Stderr, "classifier rules suggest: --split: %q is not tune or check\n", *split)
		return 2
	}
	rs, err := loadRules(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier: rules:", err)
		return 2
	}
	dim, code, err := resolveCode(rs.Taxonomy, *codeFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier rules suggest: --code:", err)
		return 2
	}
	gold, err := classify.ReadGold(*goldPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier rules suggest:", err)
		return 1
	}
	items, err := classify.ReadItems(*input)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier rules suggest:", err)
		return 1
	}
	byID := map[string]classify.Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	var docs []suggest.Doc
	scored := 0
	for _, g := range classify.InPart(gold, *split) {
		it, ok := byID[g.ID]
		if !ok {
			continue
		}
		p := classify.PredictItem(rs, it)
		d := suggest.Doc{ID: g.ID, Title: it.Title, Text: it.Text, Gold: g.Has(dim, code), Predicted: p.Has(dim, code),
			Scored: dim == rules.DimRelevance || g.Relevance == rules.Relevant}
		if d.Scored {
			scored++
		}
		docs = append(docs, d)
	}
	opt.Known = rs.PhrasesFor(dim, code)
	suggest.Suggest(docs, opt).Write(out, dim, code, scored)
	return 0
}

// resolveCode reads "CODE" or "DIMENSION:CODE" against the taxonomy.
func resolveCode(tax *rules.Taxonomy, s string) (dim, code string, err error) {
	if d, c, ok := strings.Cut(s, ":"); ok {
		if !tax.Has(d, c) {
			return "", "", fmt.Errorf("%s is not a code of dimension %s", c, d)
		}
		return d, c, nil
	}
	var dims []string
	for _, d := range tax.Dimensions() {
		if tax.Has(d, s) {
			dims = append(dims, d)
		}
	}
	switch len(dims) {
	case 0:
		return "", "", fmt.Errorf("%s is a code of no dimension", s)
	case 1:
		return dims[0], s, nil
	}
	return "", "", fmt.Errorf("%s is a code of %s: write DIMENSION:%s", s, strings.Join(dims, " and "), s)
}
