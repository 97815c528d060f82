package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// realistic builds n classifications like the pipeline's: a 3 KB text and
// eight labels with evidence, ids starting at offset.
func realistic(offset, n int) []message.Classification {
	text := ""
	for len(text) < 3000 {
		text += "An artificial intelligence tool reads chest X-rays for radiologists at an NHS trust in Leeds. "
	}
	now := time.Now().UTC()
	dims := [][2]string{{"relevance", "RELEVANT"}, {"type", "DIAGNOSTIC"}, {"subtype", "DIAGNOSTIC.IMAGING"},
		{"clinical_area", "CLINICAL_RADIOLOGY"}, {"workforce_group", "MEDIC.CLINICAL_RADIOLOGY"},
		{"workforce_group", "AHP.DIAGNOSTIC_RADIOGRAPHER"}, {"point_of_care", "SECONDARY"}, {"region", "NHS_NORTH_EAST_YORKSHIRE"}}
	out := make([]message.Classification, n)
	for i := range out {
		id := fmt.Sprintf("doc-%09d", offset+i)
		c := message.Classification{SchemaVersion: 1, RuleSetVersion: "bench", Relevant: true, ClassifiedAt: now,
			Document: message.Document{SchemaVersion: 1, ID: id, ContentHash: "h", Source: "bench", URL: "https://example.org/" + id,
				Title: "AI reads chest X-rays", Text: text, FetchedAt: now}}
		for _, d := range dims {
			c.Labels = append(c.Labels, message.Label{Dimension: d[0], Code: d[1], Score: 1.5, Confidence: 0.6,
				Evidence: []message.Evidence{{RuleID: "r", Field: "text", Start: 3, End: 26, Snippet: "artificial intelligence"}}})
		}
		out[i] = c
	}
	return out
}

func BenchmarkSaveClassifications(b *testing.B) {
	for _, size := range []int{100, 500, 2000, 5000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			st := testenv.Store(b)
			ctx := context.Background()
			next := 0
			b.ReportAllocs()
			for b.Loop() {
				cs := realistic(next, size)
				next += size
				if err := st.SaveClassifications(ctx, cs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// BenchmarkSaveNamedClassifications is BenchmarkSaveClassifications at a
// batch of 2,000 with every document naming a product nobody has named
// before and its developer: the worst case for resolution by name, as each
// product is sought by its normalised name and then by trigram similarity
// among all the technologies stored so far. "unnamed" is the same batch
// without names, in the same run.
func BenchmarkSaveNamedClassifications(b *testing.B) {
	for _, named := range []bool{false, true} {
		b.Run(map[bool]string{false: "unnamed", true: "named"}[named], func(b *testing.B) {
			st := testenv.Store(b)
			ctx := context.Background()
			next := 0
			for b.Loop() {
				cs := realistic(next, 2000)
				if named {
					for i := range cs {
						cs[i].Technology = &message.Name{Name: madeName(next + i), Score: 2}
						cs[i].Vendors = []message.Name{{Name: madeName(next+i) + " Health Ltd", Score: 2}}
					}
				}
				next += len(cs)
				if err := st.SaveClassifications(ctx, cs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// madeName is a product name made of n: distinct letters, as product names
// are, not numbers that all look alike to a trigram index.
func madeName(n int) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(n)))
	name := make([]byte, 9)
	for i := range name {
		name[i] = 'a' + sum[i]%26
	}
	name[0] -= 'a' - 'A'
	return string(name)
}

// BenchmarkRawCopy writes the same rows into the same tables with COPY and
// nothing else: no upsert, no idempotence, no checks. It is the limit of
// this machine for the loader's work. Each sub-benchmark has its own
// database, so the technology ids it sets cannot collide.
func BenchmarkRawCopy(b *testing.B) {
	for _, size := range []int{100, 500, 2000, 5000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			st := testenv.Store(b)
			ctx := context.Background()
			next := 0
			for b.Loop() {
				cs := realistic(next, size)
				next += size
				if err := rawCopy(ctx, st, cs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// techBase numbers the technologies rawCopy writes (it sets their ids, as
// COPY does not return the ones a sequence would give).
var techBase atomic.Int64

// BenchmarkConcurrentWriters runs two writers at once, each with its own
// batches, as two loaders on one consumer do: the loader against raw COPY.
// A single writer keeps one Postgres backend busy; two can use both cores.
func BenchmarkConcurrentWriters(b *testing.B) {
	const writers, size = 2, 2000
	for _, w := range []struct {
		name  string
		write func(context.Context, *store.Store, []message.Classification) error
	}{
		{"loader", func(ctx context.Context, st *store.Store, cs []message.Classification) error {
			return st.SaveClassifications(ctx, cs)
		}},
		{"rawcopy", rawCopy},
	} {
		b.Run(fmt.Sprintf("%s/writers=%d/batch=%d", w.name, writers, size), func(b *testing.B) {
			st := testenv.Store(b)
			ctx := context.Background()
			next := 0
			for b.Loop() {
				var wg sync.WaitGroup
				errs := make([]error, writers)
				for i := range writers {
					cs := realistic(next, size)
					next += size
					wg.Go(func() { errs[i] = w.write(ctx, st, cs) })
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

func rawCopy(ctx context.Context, st *store.Store, cs []message.Classification) error {
	return pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `insert into sources (id) values ('bench') on conflict do nothing`); err != nil {
			return err
		}
		docs := make([][]any, len(cs))
		cls := make([][]any, len(cs))
		var labels [][]any
		for i, c := range cs {
			d := c.Document
			docs[i] = []any{d.ID, d.Source, d.URL, d.Title, d.Text, d.Published, nil, d.ContentHash, d.FetchedAt}
			cls[i] = []any{d.ID, c.RuleSetVersion, d.ContentHash, c.Relevant, c.Review.Needed, []string{}, c.ClassifiedAt}
			for _, l := range c.Labels {
				ev, _ := json.Marshal(l.Evidence)
				labels = append(labels, []any{d.ID, c.RuleSetVersion, l.Dimension, l.Code, l.Score, ev})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"documents"}, []string{"id", "source_id", "url", "title", "body", "published_at", "language", "content_hash", "fetched_at"}, pgx.CopyFromRows(docs)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"classifications"}, []string{"document_id", "rule_set_version", "content_hash", "relevant", "needs_review", "review_reasons", "classified_at"}, pgx.CopyFromRows(cls)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"labels"}, []string{"document_id", "rule_set_version", "dimension", "code", "score", "evidence"}, pgx.CopyFromRows(labels)); err != nil {
			return err
		}
		// The loader also writes a technology, its link and a review item
		// for each document announcing a new one, as each of these does.
		base := techBase.Add(int64(len(cs))) - int64(len(cs)) + 1
		techs := make([][]any, len(cs))
		links := make([][]any, len(cs))
		items := make([][]any, len(cs))
		for i, c := range cs {
			m := store.MatchTechnology(c, nil)
			id := base + int64(i)
			techs[i] = []any{id, m.Key, m.Name}
			links[i] = []any{c.Document.ID, id, m.By}
			items[i] = []any{c.Document.ID, id, []string{store.ReasonNewTechnology}, 2}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"technologies"}, []string{"id", "key", "name"}, pgx.CopyFromRows(techs)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"document_technologies"}, []string{"document_id", "technology_id", "matched_by"}, pgx.CopyFromRows(links)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"review_items"}, []string{"document_id", "technology_id", "reasons", "priority"}, pgx.CopyFromRows(items)); err != nil {
			return err
		}
		// And each technology's codes (migration 006).
		var codes [][]any
		for i, c := range cs {
			for _, l := range c.Labels {
				codes = append(codes, []any{base + int64(i), l.Dimension, l.Code, l.Score})
			}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"technology_auto_codes"}, []string{"technology_id", "dimension", "code", "score"}, pgx.CopyFromRows(codes))
		return err
	})
}
