package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"testing"

	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

// runBench measures matching speed on a corpus of real texts with the
// shipped rules (or --rules), an optional --baseline-rules folder measured
// in the same run, and a generated set of --phrases phrases, each beside
// the naive baseline (one compiled regexp per rule), as `go test -bench`
// does in pipeline/rules/engine_bench_test.go. The engine is measured
// --runs times, rule sets taking turns, and the median is reported: the
// machine is noisy.
func runBench(args []string) int {
	fs := cli.FlagSet("classifier bench", "[flags]", "Measures matching speed of the rules, side by side with --baseline-rules.")
	corpus := fs.String("corpus", "../shared/extraction-benchmark/ground-truth.json", "texts to classify: a JSON object of {\"articleBody\": text}")
	phrases := fs.Int("phrases", 10000, "phrases in the generated rule set")
	naiveDocs := fs.Int("naive-docs", 20, "documents the naive baseline reads (it is slow)")
	dir := fs.String("rules", "", "rules folder to measure; empty for the rules built into this binary")
	baselineDir := fs.String("baseline-rules", "", "a second rules folder to measure in the same run (an earlier version)")
	runs := fs.Int("runs", 5, "measurements of each engine, taking turns; the median is reported")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	docs, err := rules.BenchCorpus(*corpus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier bench:", err)
		return 1
	}
	type set struct {
		name string
		rs   *rules.RuleSet
		mbps []float64
		last speed
	}
	var sets []*set
	add := func(label, dir string) error {
		rs, err := loadRules(dir)
		if err != nil {
			return err
		}
		sets = append(sets, &set{name: fmt.Sprintf("%s (%d phrases)", label, rs.Phrases()), rs: rs})
		return nil
	}
	if *baselineDir != "" {
		if err := add("baseline "+*baselineDir, *baselineDir); err != nil {
			fmt.Fprintln(os.Stderr, "classifier bench:", err)
			return 1
		}
	}
	if err := add(map[bool]string{true: "shipped", false: *dir}[*dir == ""], *dir); err != nil {
		fmt.Fprintln(os.Stderr, "classifier bench:", err)
		return 1
	}
	generated, err := rules.Generated(*phrases)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier bench:", err)
		return 1
	}
	sets = append(sets, &set{name: fmt.Sprintf("generated (%d phrases)", generated.Phrases()), rs: generated})
	runtime.GOMAXPROCS(1) // MB/s per core
	fmt.Printf("%d documents, %.1f MB; one core; engine: median of %d runs taking turns\n\n", len(docs), float64(size(docs))/1e6, *runs)
	for range max(*runs, 1) {
		for _, c := range sets {
			c.last = measure(docs, func(d string) { c.rs.Classify("", d) })
			c.mbps = append(c.mbps, c.last.mbps)
		}
	}
	fmt.Printf("%-58s %10s %12s %12s\n", "rule set / matcher", "MB/s", "µs/doc", "allocs/doc")
	for _, c := range sets {
		sort.Float64s(c.mbps)
		med := c.mbps[len(c.mbps)/2]
		naive, err := rules.NewNaive(c.rs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "classifier bench:", err)
			return 1
		}
		base := measure(docs[:min(*naiveDocs, len(docs))], func(d string) { naive.Match(d) })
		fmt.Printf("%-58s %10.1f %12.1f %12.0f   (runs %.1f–%.1f)\n", c.name+": engine", med, float64(size(docs))/med/float64(len(docs)), c.last.allocsPerDoc, c.mbps[0], c.mbps[len(c.mbps)-1])
		fmt.Printf("%-58s %10.3f %12.1f %12.0f\n", c.name+": naive regexp per rule", base.mbps, base.usPerDoc, base.allocsPerDoc)
		fmt.Printf("%-58s %10.0f×\n\n", "  engine / naive", med/base.mbps)
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
