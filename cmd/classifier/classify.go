package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/horizon-scan/horizon/pipeline/classify"
)

// runClassify reads JSON lines with id, title and text and writes one
// prediction per line, in the contract of ../shared/corpus/README.md.
func runClassify(args []string, in io.Reader, out io.Writer) int {
	fs := flag.NewFlagSet("classifier classify", flag.ContinueOnError)
	dir := rulesFlag(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rs, err := loadRules(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier: rules:", err)
		return 2
	}
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	err = classify.EachItem(in, "stdin", func(it classify.Item) error { return enc.Encode(classify.PredictItem(rs, it)) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier:", err)
		return 1
	}
	return 0
}

// runEval classifies the documents of --input and scores them against
// --gold: precision, recall and F1 per dimension and a type confusion table,
// on the whole gold or on one part of it (--split), and with --errors every
// code missed or given falsely, with its evidence.
func runEval(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("classifier eval", flag.ContinueOnError)
	dir := rulesFlag(fs)
	goldPath := fs.String("gold", "", "gold labels, JSON lines (../shared/corpus/dev-labels.jsonl format)")
	input := fs.String("input", "", "the documents, JSON lines with id, title, text")
	split := fs.String("split", "", "score only one part of the gold, split by a stable hash of the id: tune (70%), check (30%), or both, side by side; empty for all")
	errs := fs.Bool("errors", false, "list every code missed or given falsely, with its evidence (of --split tune or all, never check)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *goldPath == "" || *input == "" {
		fmt.Fprintln(os.Stderr, "classifier eval: --gold and --input are required")
		return 2
	}
	switch *split {
	case "", classify.PartTune, classify.PartCheck, "both":
	default:
		fmt.Fprintf(os.Stderr, "classifier eval: --split: %q is not tune, check or both\n", *split)
		return 2
	}
	if *errs && (*split == classify.PartCheck || *split == "both") {
		fmt.Fprintln(os.Stderr, "classifier eval: --errors lists the tuning part's errors only: use --split tune (the check part stays unseen)")
		return 2
	}
	rs, err := loadRules(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier: rules:", err)
		return 2
	}
	gold, err := classify.ReadGold(*goldPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier eval:", err)
		return 1
	}
	items, err := classify.ReadItems(*input)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier eval:", err)
		return 1
	}
	preds := map[string]classify.Prediction{}
	byID := map[string]classify.Item{}
	for _, it := range items {
		preds[it.ID] = classify.PredictItem(rs, it)
		byID[it.ID] = it
	}
	fmt.Fprintf(out, "rules %s (%d rules)\n", rs.Version, rs.Rules())
	if *split == "both" {
		classify.WriteSideBySide(out, map[string]classify.Evaluation{
			classify.PartTune:  classify.Evaluate(classify.InPart(gold, classify.PartTune), preds),
			classify.PartCheck: classify.Evaluate(classify.InPart(gold, classify.PartCheck), preds),
		}, []string{classify.PartTune, classify.PartCheck})
		return 0
	}
	part := classify.InPart(gold, *split)
	if *split != "" {
		fmt.Fprintf(out, "part %s of the gold (split by a hash of the id)\n", *split)
	}
	classify.Evaluate(part, preds).Write(out)
	if *errs {
		classify.WriteMistakes(out, classify.Mistakes(part, preds), byID)
	}
	return 0
}

// runRulesTest runs the examples written in the rule files.
func runRulesTest(args []string) int {
	rs, _, code := loadRulesFolder("classifier rules test", args)
	if rs == nil {
		return code
	}
	fails, n := rs.TestExamples()
	for _, f := range fails {
		fmt.Println("FAIL", f.Error())
	}
	fmt.Printf("%d passed, %d failed\n", n-len(fails), len(fails))
	if len(fails) > 0 {
		return 1
	}
	return 0
}
