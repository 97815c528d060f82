package store

import (
	"context"
	"fmt"
	"time"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// EachDocument calls fn for every stored document, in id order, as the
// document message that carried it.
func (s *Store) EachDocument(ctx context.Context, fn func(message.Document) error) error {
	rows, err := s.pool.Query(ctx, `select id, source_id, url, title, body, published_at, coalesce(language, ''),
		content_hash, fetched_at from documents order by id`)
	if err != nil {
		return fmt.Errorf("reading documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d := message.Document{SchemaVersion: message.DocumentVersion}
		var published *time.Time
		if err := rows.Scan(&d.ID, &d.Source, &d.URL, &d.Title, &d.Text, &published, &d.Language, &d.ContentHash, &d.FetchedAt); err != nil {
			return fmt.Errorf("reading documents: %w", err)
		}
		d.Published = published
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading documents: %w", err)
	}
	return nil
}
