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
		// What the rename replaces, for its undo.
		var was struct{ name, vendor, namedBy string }
		err := tx.QueryRow(ctx, `select name, coalesce(vendor, ''), named_by from technologies
			where id = $1 and merged_into is null for no key update`, id).Scan(&was.name, &was.vendor, &was.namedBy)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("renaming technology %d: %w", id, ErrNoItem)
		}
		if err != nil {
			return fmt.Errorf("renaming technology %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `update technologies set name = $2, vendor = nullif($3, ''), named_by = 'analyst'
			where id = $1`, id, name, vendor); err != nil {
			return fmt.Errorf("renaming technology %d: %w", id, err)
		}
		_, err = tx.Exec(ctx, `insert into review_decisions (technology_id, analyst, action, new_name, new_vendor, note,
				previous_name, previous_vendor, previous_named_by)
			values ($1, $2, 'rename', $3, nullif($4, ''), nullif($5, ''), $6, $7, $8)`, id, analyst, name, vendor, note,
			was.name, was.vendor, was.namedBy)
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

// UndoEdit reverses a rename or a split of technology id by analyst,
// recording an undo decision beside it: a rename's technology takes back
// the name, developer and naming it had; a split-off technology's
// announcements (and their open review items) go back, and it is merged
// into the technology it came from. It refuses with ErrRefused what it
// cannot reverse exactly: a rename renamed again since, a split-off
// technology merged elsewhere, a decision already undone or not this
// technology's.
func (s *Store) UndoEdit(ctx context.Context, id int64, analyst string, undone int64) error {
	if analyst == "" {
		return errors.New("undoing: analyst is required")
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var d struct {
			action, newName, newVendor   string
			prevName, prevVendor, prevBy *string
			tech, splitInto              int64
			docs                         []string
		}
		err := tx.QueryRow(ctx, `select action, coalesce(technology_id, 0), coalesce(new_name, ''), coalesce(new_vendor, ''),
			previous_name, previous_vendor, previous_named_by, coalesce(split_into, 0), coalesce(split_documents, '{}')
			from review_decisions where id = $1 for update`, undone).Scan(&d.action, &d.tech, &d.newName, &d.newVendor,
			&d.prevName, &d.prevVendor, &d.prevBy, &d.splitInto, &d.docs)
		switch {
		case errors.Is(err, pgx.ErrNoRows) || (err == nil && d.tech != id):
			return fmt.Errorf("undoing decision #%d: it is not about technology #%d: %w", undone, id, ErrRefused)
		case err != nil:
			return fmt.Errorf("undoing decision #%d: %w", undone, err)
		}
		switch d.action {
		case ActionRename:
			if d.prevName == nil {
				return fmt.Errorf("undoing decision #%d: it was recorded before renames could be undone; rename it again: %w", undone, ErrRefused)
			}
			tag, err := tx.Exec(ctx, `update technologies set name = $2, vendor = nullif($3, ''), named_by = $4
				where id = $1 and name = $5 and coalesce(vendor, '') = $6`, id, *d.prevName, *d.prevVendor, *d.prevBy, d.newName, d.newVendor)
			if err != nil {
				return fmt.Errorf("undoing decision #%d: %w", undone, err)
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("undoing decision #%d: the technology was renamed or merged since; undo that first: %w", undone, ErrRefused)
			}
		case ActionSplit:
			// Lock both in id order, as merges and the loader do.
			if _, err := tx.Exec(ctx, `select 1 from technologies where id = any($1) order by id for no key update`,
				[]int64{id, d.splitInto}); err != nil {
				return fmt.Errorf("undoing decision #%d: %w", undone, err)
			}
			var mergedInto int64
			if err := tx.QueryRow(ctx, `select coalesce(max(merged_into), 0) from technologies where id = any($1)`,
				[]int64{id, d.splitInto}).Scan(&mergedInto); err != nil {
				return fmt.Errorf("undoing decision #%d: %w", undone, err)
			}
			if mergedInto != 0 {
				return fmt.Errorf("undoing decision #%d: a later merge moved one of the two technologies; undo that first: %w", undone, ErrRefused)
			}
			steps := []struct {
				sql  string
				args []any
			}{
				{`update document_technologies set technology_id = $1, matched_by = 'analyst', linked_at = now() where technology_id = $2`, []any{id, d.splitInto}},
				{`update review_items set technology_id = $1 where technology_id = $2 and state <> 'decided'`, []any{id, d.splitInto}},
				{`update technologies set merged_into = $1 where id = $2`, []any{id, d.splitInto}},
				{`select refresh_technology_auto_codes(array[$1::bigint, $2::bigint])`, []any{id, d.splitInto}},
			}
			for _, st := range steps {
				if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
					return fmt.Errorf("undoing decision #%d: %w", undone, err)
				}
			}
		default:
			return fmt.Errorf("undoing decision #%d: a %s is undone from its review item: %w", undone, didWord(d.action), ErrRefused)
		}
		_, err = tx.Exec(ctx, `insert into review_decisions (technology_id, analyst, action, undoes) values ($1, $2, 'undo', $3)`,
			id, analyst, undone)
		if isUniqueViolation(err) {
			return fmt.Errorf("undoing decision #%d: it is already undone: %w", undone, ErrRefused)
		}
		if err != nil {
			return fmt.Errorf("undoing decision #%d: %w", undone, err)
		}
		return nil
	})
}
