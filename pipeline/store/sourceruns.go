package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// SaveSourceRuns records scraper runs and updates each source's health
// (last success, last error, consecutive failures) in one transaction. A
// run already recorded changes nothing, so redelivery is harmless. An
// opening record (see message.SourceRun) records the run as running and
// marks the source's earlier open runs abandoned; the end record closes it.
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
			if r.Opening() {
				if err := openRun(ctx, tx, r); err != nil {
					return err
				}
				continue
			}
			tag, err := tx.Exec(ctx, `insert into source_runs (run_id, source_id, started_at, finished_at, fetched,
				not_modified, new_documents, changed, unchanged, failed, robots_blocked, errors, error, bytes_received)
				values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
				on conflict (run_id) do update set finished_at = excluded.finished_at, fetched = excluded.fetched,
				    not_modified = excluded.not_modified, new_documents = excluded.new_documents,
				    changed = excluded.changed, unchanged = excluded.unchanged, failed = excluded.failed,
				    robots_blocked = excluded.robots_blocked, errors = excluded.errors, error = excluded.error,
				    bytes_received = excluded.bytes_received, status = 'finished'
				where source_runs.status <> 'finished'`,
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

// AbandonedRun is the error recorded for a run whose end never came.
const AbandonedRun = "run abandoned: it never ended (the scraper stopped during it)"

// openRun records a run's opening record, and marks the earlier runs of
// its source that are still open abandoned: each is a failed run in the
// source's health.
func openRun(ctx context.Context, tx pgx.Tx, r message.SourceRun) error {
	tag, err := tx.Exec(ctx, `insert into source_runs (run_id, source_id, started_at, fetched, not_modified,
		new_documents, changed, unchanged, failed, robots_blocked, bytes_received, status)
		values ($1, $2, $3, 0, 0, 0, 0, 0, 0, 0, 0, 'running')
		on conflict (run_id) do nothing`, r.RunID, r.Source, r.Started)
	if err != nil || tag.RowsAffected() == 0 {
		return err // an error, or seen before
	}
	rows, err := tx.Query(ctx, `update source_runs set status = 'abandoned', error = $3
		where source_id = $1 and status = 'running' and run_id <> $2 and started_at <= $4
		returning started_at`, r.Source, r.RunID, AbandonedRun, r.Started)
	if err != nil {
		return err
	}
	starts, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return err
	}
	for _, at := range starts {
		if _, err := tx.Exec(ctx, `update sources set last_run_at = $2, last_error = $3, last_error_at = $2,
			consecutive_failures = consecutive_failures + 1
			where id = $1 and (last_run_at is null or last_run_at <= $2)`, r.Source, at, AbandonedRun); err != nil {
			return err
		}
	}
	return nil
}
