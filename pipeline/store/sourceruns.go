package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// SaveSourceRuns records scraper runs and updates each source's health
// (last success, last error, consecutive failures) in one transaction. A
// run already recorded changes nothing, so redelivery is harmless.
func (s *Store) SaveSourceRuns(ctx context.Context, runs []message.SourceRun) error {
	if len(runs) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, r := range runs {
			errs, err := json.Marshal(nonNilMap(r.Errors))
			if err != nil {
				return fmt.Errorf("encoding errors: %w", err)
			}
			if _, err := tx.Exec(ctx, `insert into sources (id) values ($1) on conflict (id) do nothing`, r.Source); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `insert into source_runs (run_id, source_id, started_at, finished_at, fetched,
				not_modified, new_documents, changed, unchanged, failed, robots_blocked, errors, error, bytes_received)
				values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
				on conflict (run_id) do nothing`,
				r.RunID, r.Source, r.Started, r.Finished, r.Fetched, r.NotModified, r.New, r.Changed, r.Unchanged,
				r.Failed, r.RobotsBlocked, errs, nullIfEmpty(cleanText(r.Error)), r.BytesReceived)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				continue // seen before
			}
			if r.Error == "" {
				_, err = tx.Exec(ctx, `update sources set last_run_at = $2, last_success_at = $2, consecutive_failures = 0
					where id = $1 and (last_run_at is null or last_run_at <= $2)`, r.Source, r.Finished)
			} else {
				_, err = tx.Exec(ctx, `update sources set last_run_at = $2, last_error = $3, last_error_at = $2,
					consecutive_failures = consecutive_failures + 1
					where id = $1 and (last_run_at is null or last_run_at <= $2)`, r.Source, r.Finished, cleanText(r.Error))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("saving source runs: %w", err)
	}
	return nil
}

func nonNilMap(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
