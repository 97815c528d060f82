package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

// item is one line of classify's input.
type item struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// eachItem calls fn for every JSON line of r, naming the line of a bad one.
func eachItem(r io.Reader, name string, fn func(item) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var it item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

func predict(rs *rules.RuleSet, it item) classify.Prediction {
	d := message.Document{ID: it.ID, Title: it.Title, Text: it.Text}
	return classify.Predict(it.ID, classify.Classify(rs, d, time.Now()))
}

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
	err = eachItem(in, "stdin", func(it item) error { return enc.Encode(predict(rs, it)) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier:", err)
		return 1
	}
	return 0
}

// runEval classifies the documents of --input and scores them against
// --gold: precision, recall and F1 per dimension and a type confusion table.
func runEval(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("classifier eval", flag.ContinueOnError)
	dir := rulesFlag(fs)
	goldPath := fs.String("gold", "", "gold labels, JSON lines (../shared/corpus/dev-labels.jsonl format)")
	input := fs.String("input", "", "the documents, JSON lines with id, title, text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *goldPath == "" || *input == "" {
		fmt.Fprintln(os.Stderr, "classifier eval: --gold and --input are required")
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
	f, err := os.Open(*input)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier eval:", err)
		return 1
	}
	defer f.Close()
	preds := map[string]classify.Prediction{}
	if err := eachItem(f, *input, func(it item) error {
		preds[it.ID] = predict(rs, it)
		return nil
	}); err != nil {
		fmt.Fprintln(os.Stderr, "classifier eval:", err)
		return 1
	}
	fmt.Fprintf(out, "rules %s (%d rules)\n", rs.Version, rs.Rules())
	classify.Evaluate(gold, preds).Write(out)
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
