package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
)

// Decision actions an analyst can take on a review item.
const (
	ActionAccept      = "accept"       // the automatic codes are right: keep them as they are
	ActionCorrect     = "correct"      // replace the codes of the dimensions given
	ActionNotRelevant = "not_relevant" // the technology does not belong in the database
	ActionMerge       = "merge"        // the technology is another one: move its documents there
	ActionNote        = "note"         // a remark; the item stays as it is
)

// ErrNoItem is returned by Decide for a review item that does not exist.
var ErrNoItem = errors.New("no such review item")

// Decision is what an analyst decided about a review item.
type Decision struct {
	ItemID    int64
	Analyst   string
	Action    string
	Codes     map[string][]string // for correct: dimension → codes
	MergeInto int64               // for merge: the technology to merge into
	Note      string
}

// Decide records a decision in one transaction: an append-only row in
// review_decisions, its effect on the technology (analyst codes win over
// automatic ones in every report view, and no reclassification overwrites
// them), and the item marked decided (a note leaves it as it is). An item
// another analyst holds a live claim on is refused with ErrClaimed; a
// decided item may be decided again, and both decisions stay on record.
func (s *Store) Decide(ctx context.Context, d Decision) error {
	if d.Analyst == "" {
		return errors.New("deciding: analyst is required")
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var techID int64
		var holder string
		err := tx.QueryRow(ctx, `select technology_id,
			case when state = 'claimed' and claimed_until >= now() then claimed_by else '' end
			from review_items where id = $1 for update`, d.ItemID).Scan(&techID, &holder)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("deciding item %d: %w", d.ItemID, ErrNoItem)
		}
		if err != nil {
			return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
		}
		if holder != "" && holder != d.Analyst {
			return fmt.Errorf("deciding item %d: claimed by %s: %w", d.ItemID, holder, ErrClaimed)
		}
		if d.Action == ActionMerge && d.MergeInto != 0 {
			// Merging into a merged technology means merging into its
			// target, and what was merged into this one follows it: merges
			// never chain.
			if err := tx.QueryRow(ctx, `select coalesce(merged_into, id) from technologies where id = $1`, d.MergeInto).Scan(&d.MergeInto); err != nil {
				return fmt.Errorf("deciding item %d: merge target %d: %w", d.ItemID, d.MergeInto, err)
			}
		}
		codes, err := json.Marshal(d.Codes)
		if err != nil {
			return err
		}
		var decisionID int64
		if err := tx.QueryRow(ctx, `insert into review_decisions (review_item_id, technology_id, analyst, action, codes, note, merge_into)
			values ($1, $2, $3, $4, $5, nullif($6, ''), nullif($7, 0)) returning id`,
			d.ItemID, techID, d.Analyst, d.Action, codes, d.Note, d.MergeInto).Scan(&decisionID); err != nil {
			return fmt.Errorf("recording decision: %w", err)
		}
		switch d.Action {
		case ActionAccept:
			// Freeze the codes as they are now, dimension by dimension.
			_, err = tx.Exec(ctx, `insert into technology_codes (technology_id, dimension, code, decision_id)
				select technology_id, dimension, code, $2 from report.technology_codes
				where technology_id = $1 and source = 'rules' on conflict do nothing`, techID, decisionID)
		case ActionCorrect:
			err = correctCodes(ctx, tx, techID, decisionID, d.Codes)
		case ActionNotRelevant:
			_, err = tx.Exec(ctx, `insert into technology_exclusions (technology_id, decision_id) values ($1, $2)
				on conflict (technology_id) do update set decision_id = excluded.decision_id`, techID, decisionID)
		case ActionMerge:
			if d.MergeInto == 0 || d.MergeInto == techID {
				return fmt.Errorf("deciding item %d: merge needs another technology", d.ItemID)
			}
			// Lock first, in id order, as the loader does before it refreshes
			// technology codes: the two never wait on each other in a circle.
			ids := []int64{min(techID, d.MergeInto), max(techID, d.MergeInto)}
			_, err = tx.Exec(ctx, `select 1 from technologies where id = any($1) or merged_into = $2
				order by id for no key update`, ids, techID)
			if err == nil {
				// What was merged into this technology follows it.
				_, err = tx.Exec(ctx, `update technologies set merged_into = $2 where id = $1 or merged_into = $1`, techID, d.MergeInto)
			}
			if err == nil {
				_, err = tx.Exec(ctx, `update document_technologies set technology_id = $2, matched_by = 'analyst', linked_at = now()
					where technology_id = $1`, techID, d.MergeInto)
			}
			if err == nil { // the documents moved: so did their codes
				_, err = tx.Exec(ctx, `select refresh_technology_auto_codes($1)`, ids)
			}
		case ActionNote:
		default:
			return fmt.Errorf("deciding item %d: unknown action %q", d.ItemID, d.Action)
		}
		if err != nil {
			return fmt.Errorf("applying %s: %w", d.Action, err)
		}
		if d.Action != ActionNote {
			_, err = tx.Exec(ctx, `update review_items set state = 'decided', decided_at = now(), claimed_by = null,
				claimed_until = null where id = $1`, d.ItemID)
		}
		return err
	})
}

// correctCodes replaces the analyst codes of each dimension given.
func correctCodes(ctx context.Context, tx pgx.Tx, techID, decisionID int64, codes map[string][]string) error {
	dims := make([]string, 0, len(codes))
	for dim := range codes {
		dims = append(dims, dim)
	}
	sort.Strings(dims)
	for _, dim := range dims {
		if _, err := tx.Exec(ctx, `delete from technology_codes where technology_id = $1 and dimension = $2`, techID, dim); err != nil {
			return err
		}
		for _, code := range codes[dim] {
			if _, err := tx.Exec(ctx, `insert into technology_codes (technology_id, dimension, code, decision_id)
				values ($1, $2, $3, $4)`, techID, dim, code, decisionID); err != nil {
				return err
			}
		}
	}
	return nil
}

// SaveReferenceCodes records the reference codes (dimension, code, name),
// replacing names that changed.
func (s *Store) SaveReferenceCodes(ctx context.Context, codes [][3]string) error {
	var b pgx.Batch
	for _, c := range codes {
		b.Queue(`insert into reference_codes (dimension, code, name) values ($1, $2, $3)
			on conflict (dimension, code) do update set name = excluded.name where reference_codes.name <> excluded.name`, c[0], c[1], c[2])
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, &b).Close() }); err != nil {
		return fmt.Errorf("saving reference codes: %w", err)
	}
	s.names.set(codes)
	return nil
}
