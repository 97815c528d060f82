package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/cli"
)

// runClassify reads JSON lines with id, title and text and writes one
// prediction per line, in the contract of ../shared/corpus/README.md.
func runClassify(args []string, in io.Reader, out io.Writer) int {
	fs := cli.FlagSet("classifier classify", "[flags] [FILE…]", "Classifies JSON lines ({\"id\",\"title\",\"text\"}) from each FILE, or standard input, and writes one classification a line to standard output.")
	dir := rulesFlag(fs)
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	rs, err := loadRules(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier: rules:", err)
		return 2
	}
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	bad := 0
	each := func(r io.Reader, name string) error {
		return classify.EachItemSkipping(r, name, func(it classify.Item) error { return enc.Encode(classify.PredictItem(rs, it)) },
			func(err error) {
				bad++
				fmt.Fprintln(os.Stderr, "classifier classify: skipped", err)
			})
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, name := range files {
		if name == "-" {
			err = each(in, "stdin")
		} else {
			err = eachFile(name, each)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "classifier classify:", err)
			return cli.ExitError
		}
	}
	if bad > 0 {
		fmt.Fprintf(os.Stderr, "classifier classify: %d lines skipped\n", bad)
		return cli.ExitError
	}
	return cli.ExitOK
}

// eachFile opens a file and hands it to each.
func eachFile(name string, each func(io.Reader, string) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return each(f, name)
}

// runEval classifies the documents of --input and scores them against
// --gold: precision, recall and F1 per dimension and a type confusion table,
// on the whole gold or on one part of it (--split), and with --errors every
// code missed or given falsely, with its evidence.
func runEval(args []string, out io.Writer) int {
	fs := cli.FlagSet("classifier eval", "--gold G --input D [flags]", "Classifies --input and scores it against --gold, per dimension; --split tune|check|both scores the hash split, --errors lists the tuning part's errors.")
	dir := rulesFlag(fs)
	goldPath := fs.String("gold", "", "gold labels, JSON lines (../shared/corpus/dev-labels.jsonl format)")
	input := fs.String("input", "", "the documents, JSON lines with id, title, text")
	split := fs.String("split", "", "score only one part of the gold, split by a stable hash of the id: tune (70%), check (30%), or both, side by side; empty for all")
	errs := fs.Bool("errors", false, "list every code missed or given falsely, with its evidence (of --split tune or all, never check)")
	if code, done := cli.Parse(fs, args); done {
		return code
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
	rs, _, code := loadRulesFolder("classifier rules test", "Loads the rules folder and runs the examples written in its files.", args)
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
