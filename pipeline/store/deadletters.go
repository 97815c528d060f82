package store

import (
	"context"
	"fmt"

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
// its count and last_seen instead of adding a row; a redelivery of the same
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
			    reason = excluded.reason, payload = excluded.payload, last_seq = excluded.last_seq
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
