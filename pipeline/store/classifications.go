package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// SaveClassifications stores a batch of classifications and their documents
// in one transaction. It is idempotent: saving the same classification again
// changes nothing, and an older message arriving after a newer one (a
// redelivery, a replay) never overwrites it.
func (s *Store) SaveClassifications(ctx context.Context, cs []message.Classification) error {
	if len(cs) == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, c := range cs {
			queueDocument(&b, c.Document)
		}
		written := make([]bool, len(cs))
		for i, c := range cs {
			b.Queue(upsertClassification, c.Document.ID, c.RuleSetVersion, c.Document.ContentHash,
				c.Relevant, c.Review.Needed, nonNil(c.Review.Reasons), c.ClassifiedAt,
			).QueryRow(func(row pgx.Row) error {
				var id string
				err := row.Scan(&id)
				if err == pgx.ErrNoRows {
					return nil // unchanged or older: nothing to do
				}
				written[i] = err == nil
				return err
			})
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("upserting documents and classifications: %w", err)
		}

		var lb pgx.Batch
		for i, c := range cs {
			if !written[i] {
				continue
			}
			lb.Queue(`delete from labels where document_id = $1 and rule_set_version = $2`, c.Document.ID, c.RuleSetVersion)
			for _, l := range c.Labels {
				ev, err := json.Marshal(nonNil(l.Evidence))
				if err != nil {
					return fmt.Errorf("encoding evidence: %w", err)
				}
				lb.Queue(`insert into labels (document_id, rule_set_version, dimension, code, score, evidence)
					values ($1, $2, $3, $4, $5, $6)`,
					c.Document.ID, c.RuleSetVersion, l.Dimension, l.Code, l.Score, ev)
			}
		}
		if lb.Len() > 0 {
			if err := tx.SendBatch(ctx, &lb).Close(); err != nil {
				return fmt.Errorf("writing labels: %w", err)
			}
		}
		return nil
	})
}

func queueDocument(b *pgx.Batch, d message.Document) {
	b.Queue(`insert into sources (id) values ($1)
		on conflict (id) do update set last_seen = now()`, d.Source)
	b.Queue(upsertDocument, d.ID, d.Source, cleanText(d.URL), cleanText(d.Title), cleanText(d.Text), d.Published,
		nullIfEmpty(cleanText(d.Language)), d.ContentHash, d.FetchedAt)
}

// upsertDocument keeps the newest fetch of a document and counts versions:
// the row changes only when the content differs and the fetch is newer.
const upsertDocument = `
insert into documents (id, source_id, url, title, body, published_at, language, content_hash, fetched_at)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
on conflict (id) do update set
    source_id = excluded.source_id, url = excluded.url, title = excluded.title,
    body = excluded.body, published_at = excluded.published_at,
    language = excluded.language, content_hash = excluded.content_hash,
    fetched_at = excluded.fetched_at, version = documents.version + 1,
    updated_at = now()
where documents.content_hash <> excluded.content_hash
  and documents.fetched_at < excluded.fetched_at`

// upsertClassification returns a row only when it inserted or changed one,
// which tells the caller to (re)write the labels.
const upsertClassification = `
insert into classifications (document_id, rule_set_version, content_hash, relevant,
    needs_review, review_reasons, classified_at)
values ($1, $2, $3, $4, $5, $6, $7)
on conflict (document_id, rule_set_version) do update set
    content_hash = excluded.content_hash, relevant = excluded.relevant,
    needs_review = excluded.needs_review, review_reasons = excluded.review_reasons,
    classified_at = excluded.classified_at, loaded_at = now()
where classifications.content_hash <> excluded.content_hash
  and classifications.classified_at < excluded.classified_at
returning document_id`

// cleanText makes scraped text storable: Postgres text holds neither NUL
// bytes nor invalid UTF-8, and a page carrying them is still worth keeping.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
