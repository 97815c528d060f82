package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// storedDocument are the columns of documents d that scanDocument reads.
const storedDocument = `d.id, d.source_id, d.url, d.title, d.body, d.published_at, coalesce(d.language, ''),
	d.content_hash, d.fetched_at`

// scanDocument reads a row that starts with storedDocument as the
// document message that carried it; more receives the columns after.
func scanDocument(row pgx.Row, more ...any) (message.Document, error) {
	d := message.Document{SchemaVersion: message.DocumentVersion}
	var published *time.Time
	err := row.Scan(append([]any{&d.ID, &d.Source, &d.URL, &d.Title, &d.Text, &published, &d.Language, &d.ContentHash,
		&d.FetchedAt}, more...)...)
	d.Published = published
	return d, err
}

// EachDocument calls fn for every stored document, in id order, as the
// document message that carried it.
func (s *Store) EachDocument(ctx context.Context, fn func(message.Document) error) error {
	rows, err := s.pool.Query(ctx, `select `+storedDocument+` from documents d order by d.id`)
	if err != nil {
		return fmt.Errorf("reading documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return fmt.Errorf("reading documents: %w", err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading documents: %w", err)
	}
	return nil
}
