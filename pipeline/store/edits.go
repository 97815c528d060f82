package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Actions an analyst takes on a technology itself, outside a review item.
const (
	ActionRename = "rename" // give the technology its right name and developer
	ActionSplit  = "split"  // move documents wrongly joined to it to a technology of their own
)

// ErrBadEdit is returned for an edit that cannot be made: a name that is no
// name, documents that are not the technology's.
var ErrBadEdit = errors.New("cannot edit the technology so")

// Rename gives technology id its name and developer, as analyst decided:
// the decision is recorded, and no automatic run changes them afterwards.
// An empty vendor clears it.
func (s *Store) Rename(ctx context.Context, id int64, analyst, name, vendor, note string) error {
	name, vendor = strings.TrimSpace(name), strings.TrimSpace(vendor)
	switch {
	case analyst == "":
		return errors.New("renaming: analyst is required")
	case !SensibleName(name):
		return fmt.Errorf("renaming technology %d: %q is no name (at most %d characters and %d words): %w", id, name, maxNameRunes, maxNameWords, ErrBadEdit)
	case vendor != "" && !SensibleName(vendor):
		return fmt.Errorf("renaming technology %d: %q is no developer's name: %w", id, vendor, ErrBadEdit)
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update technologies set name = $2, vendor = nullif($3, ''), named_by = 'analyst'
			where id = $1 and merged_into is null`, id, name, vendor)
		if err != nil {
			return fmt.Errorf("renaming technology %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("renaming technology %d: %w", id, ErrNoItem)
		}
		_, err = tx.Exec(ctx, `insert into review_decisions (technology_id, analyst, action, new_name, new_vendor, note)
			values ($1, $2, 'rename', $3, nullif($4, ''), nullif($5, ''))`, id, analyst, name, vendor, note)
		if err != nil {
			return fmt.Errorf("recording the renaming of technology %d: %w", id, err)
		}
		return nil
	})
}

// Split moves documents off technology id (a wrong merge or join) to a new
// technology named name (and vendor), and returns its id. The documents'
// links become the analyst's, which no automatic run replaces, and their
// open review items follow them.
func (s *Store) Split(ctx context.Context, id int64, analyst string, documents []string, name, vendor, note string) (int64, error) {
	name, vendor = strings.TrimSpace(name), strings.TrimSpace(vendor)
	switch {
	case analyst == "":
		return 0, errors.New("splitting: analyst is required")
	case len(documents) == 0:
		return 0, fmt.Errorf("splitting technology %d: no documents chosen: %w", id, ErrBadEdit)
	case !SensibleName(name):
		return 0, fmt.Errorf("splitting technology %d: %q is no name for the new technology: %w", id, name, ErrBadEdit)
	case vendor != "" && !SensibleName(vendor):
		return 0, fmt.Errorf("splitting technology %d: %q is no developer's name: %w", id, vendor, ErrBadEdit)
	}
	documents = slices.Compact(slices.Sorted(slices.Values(documents)))
	var newID int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Lock the technology as merges and the loader do, then check the
		// documents are all its own and not all of them.
		var total, chosen int
		if err := tx.QueryRow(ctx, `select (select count(*) from document_technologies where technology_id = t.id),
			(select count(*) from document_technologies where technology_id = t.id and document_id = any($2))
			from technologies t where t.id = $1 and t.merged_into is null for no key update`, id, documents).Scan(&total, &chosen); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("splitting technology %d: %w", id, ErrNoItem)
			}
			return fmt.Errorf("splitting technology %d: %w", id, err)
		}
		if chosen != len(documents) {
			return fmt.Errorf("splitting technology %d: %d of the %d documents chosen are not its own: %w", id, len(documents)-chosen, len(documents), ErrBadEdit)
		}
		if chosen == total {
			return fmt.Errorf("splitting technology %d: every document chosen; rename it instead: %w", id, ErrBadEdit)
		}
		var decision int64
		if err := tx.QueryRow(ctx, `insert into review_decisions (technology_id, analyst, action, split_documents, new_name, new_vendor, note)
			values ($1, $2, 'split', $3, $4, nullif($5, ''), nullif($6, '')) returning id`,
			id, analyst, documents, name, vendor, note).Scan(&decision); err != nil {
			return fmt.Errorf("recording the split of technology %d: %w", id, err)
		}
		if err := tx.QueryRow(ctx, `insert into technologies (key, name, vendor, named_by)
			values ($1, $2, nullif($3, ''), 'analyst') returning id`,
			fmt.Sprintf("split:%d:%d", id, decision), name, vendor).Scan(&newID); err != nil {
			return fmt.Errorf("creating the technology split off %d: %w", id, err)
		}
		steps := []struct {
			sql  string
			args []any
		}{
			{`update review_decisions set split_into = $1 where id = $2`, []any{newID, decision}},
			{`update document_technologies set technology_id = $3, matched_by = 'analyst', linked_at = now()
			  where technology_id = $1 and document_id = any($2)`, []any{id, documents, newID}},
			{`update review_items set technology_id = $2 where document_id = any($1) and state <> 'decided'`, []any{documents, newID}},
			{`select refresh_technology_auto_codes(array[$1::bigint, $2::bigint])`, []any{id, newID}},
		}
		for _, st := range steps {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("splitting technology %d: %w", id, err)
			}
		}
		return nil
	})
	return newID, err
}
