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
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	line := 0
	for sc.Scan() {
		line++
		var item struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &item); err != nil {
			fmt.Fprintf(os.Stderr, "classifier: stdin:%d: %v\n", line, err)
			return 1
		}
		d := message.Document{ID: item.ID, Title: item.Title, Text: item.Text}
		if err := enc.Encode(classify.Predict(item.ID, classify.Classify(rs, d, time.Now()))); err != nil {
			fmt.Fprintln(os.Stderr, "classifier: writing:", err)
			return 1
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "classifier: reading stdin:", err)
		return 1
	}
	return 0
}
