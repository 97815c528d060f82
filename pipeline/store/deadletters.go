package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeadLetter is a message a stage could never process.
type DeadLetter struct {
	Stage   string // the stage that gave up: scraper, classifier, loader
	Subject string // the subject the message was read from
	MsgID   string // its de-duplication id (or a stand-in when it had none)
	Payload []byte // the message body, untouched
	Reason  string // why it could not be processed
	Seq     uint64 // stream sequence of the dead-letter message
}

// SaveDeadLetters records dead letters in one transaction. A message
// dead-lettered again (the same MsgID in a newer dead-letter message) bumps
// its count and last_seen instead of adding a row, and is open again if it
// had been redriven; a redelivery of the same
// dead-letter message changes nothing.
func (s *Store) SaveDeadLetters(ctx context.Context, ds []DeadLetter) error {
	if len(ds) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, d := range ds {
		b.Queue(`insert into dead_letters (stage, subject, msg_id, payload, reason, last_seq)
			values ($1, $2, $3, $4, $5, $6)
			on conflict (stage, msg_id) do update set
			    last_seen = now(), count = dead_letters.count + 1,
			    reason = excluded.reason, payload = excluded.payload, last_seq = excluded.last_seq,
			    redriven_at = null
			where dead_letters.last_seq < excluded.last_seq`,
			cleanText(d.Stage), cleanText(d.Subject), cleanText(d.MsgID), d.Payload, cleanText(d.Reason), int64(d.Seq))
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, &b).Close()
	}); err != nil {
		return fmt.Errorf("saving dead letters: %w", err)
	}
	return nil
}

// StoredDeadLetter is a dead letter as stored, with its row id and whether
// it was sent back to its stage.
type StoredDeadLetter struct {
	ID int64
	DeadLetter
	Count               int
	FirstSeen, LastSeen time.Time
	RedrivenAt          *time.Time
	Redrives            int
}

// DeadLetterFilter selects dead letters. The zero value selects the open
// ones (not yet redriven).
type DeadLetterFilter struct {
	IDs      []int64 // only these rows
	Stage    string  // only this stage
	Reason   string  // only reasons containing this (case-insensitive)
	Redriven bool    // the redriven ones too
	Limit    int     // at most this many, default 1000
}

// DeadLetters lists dead letters, oldest first.
func (s *Store) DeadLetters(ctx context.Context, f DeadLetterFilter) ([]StoredDeadLetter, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := s.pool.Query(ctx, `select id, stage, subject, msg_id, payload, reason, last_seq, count,
			first_seen, last_seen, redriven_at, redrives
		from dead_letters
		where (coalesce(cardinality($1::bigint[]), 0) = 0 or id = any($1))
		  and ($2 = '' or stage = $2)
		  and ($3 = '' or strpos(lower(reason), lower($3)) > 0)
		  and ($4 or redriven_at is null)
		order by id
		limit $5`, f.IDs, f.Stage, f.Reason, f.Redriven, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("listing dead letters: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StoredDeadLetter, error) {
		var d StoredDeadLetter
		var seq int64
		err := r.Scan(&d.ID, &d.Stage, &d.Subject, &d.MsgID, &d.Payload, &d.Reason, &seq, &d.Count,
			&d.FirstSeen, &d.LastSeen, &d.RedrivenAt, &d.Redrives)
		d.Seq = uint64(seq)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing dead letters: %w", err)
	}
	return out, nil
}

// MarkRedriven records that a dead letter was sent back to its stage.
// seq is the dead letter's last_seq when it was read: a letter
// dead-lettered again since then stays open.
func (s *Store) MarkRedriven(ctx context.Context, id int64, seq uint64) error {
	_, err := s.pool.Exec(ctx, `update dead_letters set redriven_at = now(), redrives = redrives + 1
		where id = $1 and last_seq = $2`, id, int64(seq))
	if err != nil {
		return fmt.Errorf("marking dead letter %d redriven: %w", id, err)
	}
	return nil
}
