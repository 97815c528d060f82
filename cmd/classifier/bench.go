package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/horizon-scan/horizon/pipeline/rules"
)

// runBench measures matching speed on a corpus of real texts with the
// shipped rules and a generated set of --phrases phrases, each beside the
// naive baseline (one compiled regexp per rule), as `go test -bench` does in
// rules/engine_bench_test.go.
func runBench(args []string) int {
	fs := flag.NewFlagSet("classifier bench", flag.ContinueOnError)
	corpus := fs.String("corpus", "../shared/extraction-benchmark/ground-truth.json", "texts to classify: a JSON object of {\"articleBody\": text}")
	phrases := fs.Int("phrases", 10000, "phrases in the generated rule set")
	naiveDocs := fs.Int("naive-docs", 20, "documents the naive baseline reads (it is slow)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	docs, err := rules.BenchCorpus(*corpus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier bench:", err)
		return 1
	}
	shipped, err := rules.Default()
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier bench:", err)
		return 1
	}
	generated, err := rules.Generated(*phrases)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier bench:", err)
		return 1
	}
	runtime.GOMAXPROCS(1) // MB/s per core
	fmt.Printf("%d documents, %.1f MB; one core\n\n", len(docs), float64(size(docs))/1e6)
	fmt.Printf("%-50s %10s %12s %12s\n", "rule set / matcher", "MB/s", "µs/doc", "allocs/doc")
	for _, c := range []struct {
		name string
		rs   *rules.RuleSet
	}{{fmt.Sprintf("shipped (%d phrases)", shipped.Phrases()), shipped}, {fmt.Sprintf("generated (%d phrases)", generated.Phrases()), generated}} {
		engine := measure(docs, func(d string) { c.rs.Classify("", d) })
		naive, err := rules.NewNaive(c.rs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "classifier bench:", err)
			return 1
		}
		base := measure(docs[:min(*naiveDocs, len(docs))], func(d string) { naive.Match(d) })
		fmt.Printf("%-50s %10.1f %12.1f %12.0f\n", c.name+": engine", engine.mbps, engine.usPerDoc, engine.allocsPerDoc)
		fmt.Printf("%-50s %10.3f %12.1f %12.0f\n", c.name+": naive regexp per rule", base.mbps, base.usPerDoc, base.allocsPerDoc)
		fmt.Printf("%-50s %10.0f×\n\n", "  engine / naive", engine.mbps/base.mbps)
	}
	return 0
}

type speed struct{ mbps, usPerDoc, allocsPerDoc float64 }

func size(docs []string) int {
	n := 0
	for _, d := range docs {
		n += len(d)
	}
	return n
}

// measure runs fn over docs under testing.Benchmark, on one core.
func measure(docs []string, fn func(string)) speed {
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size(docs)))
		for b.Loop() {
			for _, d := range docs {
				fn(d)
			}
		}
	})
	perOp := float64(r.T.Nanoseconds()) / float64(r.N)
	return speed{
		mbps:         float64(size(docs)) / perOp * 1e3,
		usPerDoc:     perOp / 1e3 / float64(len(docs)),
		allocsPerDoc: float64(r.AllocsPerOp()) / float64(len(docs)),
	}
}
