package rules

import "testing"

// benchCorpus is the 181 real article bodies of the extraction benchmark
// (../shared/extraction-benchmark), a realistic mix of news texts.
func benchCorpus(b *testing.B) []string {
	docs, err := BenchCorpus("../../../shared/extraction-benchmark/ground-truth.json")
	if err != nil {
		b.Skipf("no benchmark corpus: %v", err)
	}
	return docs
}

func benchEngine(b *testing.B, rs *RuleSet) {
	benchDocs(b, benchCorpus(b), func(d string) { rs.Classify("", d) })
}

// benchDocs runs fn over every document per iteration, counting their
// bytes and reporting the time per document.
func benchDocs(b *testing.B, docs []string, fn func(string)) {
	size := 0
	for _, d := range docs {
		size += len(d)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			fn(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/doc")
}

// naiveDocs is how many documents the naive baseline reads: one pass over
// all of them takes over a minute with 10,000 phrases. MB/s stays
// comparable, as bytes are counted over the documents read.
const naiveDocs = 20

func benchNaive(b *testing.B, rs *RuleSet) {
	docs := benchCorpus(b)[:naiveDocs]
	n, err := NewNaive(rs)
	if err != nil {
		b.Fatal(err)
	}
	benchDocs(b, docs, func(d string) { n.Match(d) })
}

func BenchmarkClassifyShipped(b *testing.B) {
	rs, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	benchEngine(b, rs)
}

func BenchmarkNaiveShipped(b *testing.B) {
	rs, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	benchNaive(b, rs)
}

func BenchmarkClassifyGenerated10k(b *testing.B) {
	rs, err := Generated(10000)
	if err != nil {
		b.Fatal(err)
	}
	benchEngine(b, rs)
}

func BenchmarkNaiveGenerated10k(b *testing.B) {
	rs, err := Generated(10000)
	if err != nil {
		b.Fatal(err)
	}
	benchNaive(b, rs)
}

// BenchmarkLoadShipped measures what a classifier pays once at start:
// parsing the shipped files, vocabularies included, and building the
// automaton.
func BenchmarkLoadShipped(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(Files(), "rules"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNamesShipped and BenchmarkMarksShipped measure, over the same
// pages, what Classify adds for a relevant document beyond matching: the
// names the text gives (pipeline/names) and its regulatory marks
// (pipeline/marks).
func BenchmarkNamesShipped(b *testing.B) {
	rs, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	benchDocs(b, benchCorpus(b), func(d string) { rs.Names.Extract("", d) })
}

func BenchmarkMarksShipped(b *testing.B) {
	rs, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	benchDocs(b, benchCorpus(b), func(d string) { rs.Marks.Find("", d) })
}
