package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Decision actions an analyst can take on a review item.
const (
	ActionAccept      = "accept"       // the automatic codes are right: keep them as they are
	ActionCorrect     = "correct"      // replace the codes of the dimensions given
	ActionNotRelevant = "not_relevant" // the technology does not belong in the database
	ActionMerge       = "merge"        // the technology is another one: move its documents there
	ActionNote        = "note"         // a remark; the item stays as it is
	ActionUndo        = "undo"         // reverse an earlier decision; both stay on record
	// ActionRelevant is said of a near miss of the relevance gate (an item
	// with no technology): the document is relevant after all. Its
	// technology is resolved from what the classifier proposed, as the
	// loader would have, and the item stays open to decide that technology.
	ActionRelevant = "relevant"
)

// AnalystRuleSet is the rule-set version of a classification an analyst
// made: a near miss judged relevant.
const AnalystRuleSet = "analyst"

// undoable are the actions an undo can reverse.
var undoable = []string{ActionNotRelevant, ActionMerge, ActionAccept, ActionCorrect}

// ErrRefused is returned for a decision that cannot be applied as asked;
// the error says why in words an analyst can act on.
var ErrRefused = errors.New("refused")

// ErrNoItem is returned by Decide for a review item that does not exist.
var ErrNoItem = errors.New("no such review item")

// Decision is what an analyst decided about a review item.
type Decision struct {
	ItemID    int64
	Analyst   string
	Action    string
	Codes     map[string][]string // for correct: dimension → codes
	MergeInto int64               // for merge: the technology to merge into
	Undoes    int64               // for undo: the decision to reverse
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
	var promoted string // the document a near miss judged relevant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var techID int64
		var holder string
		err := tx.QueryRow(ctx, `select coalesce(technology_id, 0),
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
		var excluded bool
		if err := tx.QueryRow(ctx, `select exists (select 1 from technology_exclusions where technology_id = $1)`, techID).Scan(&excluded); err != nil {
			return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
		}
		if excluded && (d.Action == ActionAccept || d.Action == ActionCorrect || d.Action == ActionMerge) {
			return fmt.Errorf("deciding item %d: its technology was judged not relevant; undo that first: %w", d.ItemID, ErrRefused)
		}
		switch {
		case techID == 0 && (d.Action == ActionAccept || d.Action == ActionCorrect || d.Action == ActionMerge):
			return fmt.Errorf("deciding item %d: the document has no technology; judge first whether it is relevant: %w", d.ItemID, ErrRefused)
		case techID != 0 && d.Action == ActionRelevant:
			return fmt.Errorf("deciding item %d: the document is relevant already: %w", d.ItemID, ErrRefused)
		}
		rec := decisionRecord{}
		switch d.Action {
		case ActionRelevant:
			if promoted, techID, err = s.promote(ctx, tx, d.ItemID); err != nil {
				return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
			}
		case ActionMerge:
			if d.MergeInto == 0 || d.MergeInto == techID {
				return fmt.Errorf("deciding item %d: merge needs another technology: %w", d.ItemID, ErrRefused)
			}
			// Merging into a merged technology means merging into its
			// target, and what was merged into this one follows it: merges
			// never chain. A technology judged not relevant takes no merge:
			// what was merged would vanish from the dashboard with it.
			var targetExcluded bool
			err := tx.QueryRow(ctx, `select coalesce(merged_into, id),
				exists (select 1 from technology_exclusions x where x.technology_id = coalesce(t.merged_into, t.id))
				from technologies t where id = $1`, d.MergeInto).Scan(&d.MergeInto, &targetExcluded)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("deciding item %d: there is no technology #%d: %w", d.ItemID, d.MergeInto, ErrRefused)
			}
			if err != nil {
				return fmt.Errorf("deciding item %d: merge target %d: %w", d.ItemID, d.MergeInto, err)
			}
			if targetExcluded {
				return fmt.Errorf("deciding item %d: technology #%d was judged not relevant; undo that first or merge elsewhere: %w", d.ItemID, d.MergeInto, ErrRefused)
			}
			if d.MergeInto == techID {
				return fmt.Errorf("deciding item %d: the technology is already merged there: %w", d.ItemID, ErrRefused)
			}
			// What the merge moves, so that its undo moves exactly that back.
			if err := tx.QueryRow(ctx, `select coalesce(array_agg(document_id order by document_id), '{}')
				from document_technologies where technology_id = $1`, techID).Scan(&rec.movedDocuments); err != nil {
				return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
			}
			if err := tx.QueryRow(ctx, `select array_agg(id order by id) from technologies where id = $1 or merged_into = $1`,
				techID).Scan(&rec.movedTechnologies); err != nil {
				return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
			}
		case ActionCorrect:
			// The analyst codes the correction replaces (a dimension absent
			// had the automatic codes), so that its undo restores them.
			prev := map[string][]string{}
			rows, err := tx.Query(ctx, `select dimension, code from technology_codes where technology_id = $1 order by dimension, code`, techID)
			if err != nil {
				return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
			}
			for rows.Next() {
				var dim, code string
				if err := rows.Scan(&dim, &code); err != nil {
					rows.Close()
					return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
				}
				if _, corrected := d.Codes[dim]; corrected {
					prev[dim] = append(prev[dim], code)
				}
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("deciding item %d: %w", d.ItemID, err)
			}
			if rec.previousCodes, err = json.Marshal(prev); err != nil {
				return err
			}
		}
		codes, err := json.Marshal(d.Codes)
		if err != nil {
			return err
		}
		var decisionID int64
		if err := tx.QueryRow(ctx, `insert into review_decisions (review_item_id, technology_id, analyst, action, codes, note, merge_into,
				undoes, moved_documents, moved_technologies, previous_codes)
			values ($1, nullif($2, 0), $3, $4, $5, nullif($6, ''), nullif($7, 0), nullif($8, 0), $9, $10, $11) returning id`,
			d.ItemID, techID, d.Analyst, d.Action, codes, d.Note, d.MergeInto, d.Undoes,
			rec.movedDocuments, rec.movedTechnologies, rec.previousCodes).Scan(&decisionID); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("deciding item %d: decision #%d is already undone: %w", d.ItemID, d.Undoes, ErrRefused)
			}
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
			if techID == 0 {
				break // a near miss stays out, as the gate had it
			}
			_, err = tx.Exec(ctx, `insert into technology_exclusions (technology_id, decision_id) values ($1, $2)
				on conflict (technology_id) do update set decision_id = excluded.decision_id`, techID, decisionID)
		case ActionMerge:
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
		case ActionUndo:
			err = undo(ctx, tx, techID, decisionID, d.Undoes)
		case ActionNote, ActionRelevant:
		default:
			return fmt.Errorf("deciding item %d: unknown action %q", d.ItemID, d.Action)
		}
		if err != nil {
			return fmt.Errorf("applying %s: %w", d.Action, err)
		}
		if d.Action == ActionUndo {
			// The item is to be decided again.
			_, err = tx.Exec(ctx, `update review_items set state = 'open', decided_at = null, claimed_by = null,
				claimed_until = null where id = $1`, d.ItemID)
			return err
		}
		if d.Action != ActionNote && d.Action != ActionRelevant {
			_, err = tx.Exec(ctx, `update review_items set state = 'decided', decided_at = now(), claimed_by = null,
				claimed_until = null where id = $1`, d.ItemID)
		}
		return err
	})
	if err != nil || promoted == "" {
		return err
	}
	// As after any load: a developer's technology folds into its product's.
	// The decision stands either way; the next load folds what this did not.
	if err := s.foldDevelopersIntoProducts(ctx, []string{promoted}); err != nil {
		return fmt.Errorf("document %s is relevant now, but folding its technology into a product's failed: %w", promoted, err)
	}
	return nil
}

// promote stores a near miss's proposed classification in tx as relevant,
// under AnalystRuleSet: its technology is resolved, created and linked as
// the loader would have done, and review item id (open, so that the
// technology is decided next) takes that technology. It returns the
// document and its technology.
func (s *Store) promote(ctx context.Context, tx pgx.Tx, id int64) (string, int64, error) {
	var proposal []byte
	d, err := scanDocument(tx.QueryRow(ctx, `select `+storedDocument+`, r.near_miss
		from review_items r join documents d on d.id = r.document_id where r.id = $1`, id), &proposal)
	if err != nil {
		return "", 0, fmt.Errorf("reading the near miss: %w", err)
	}
	if proposal == nil {
		return "", 0, fmt.Errorf("the item is not a near miss of the relevance gate: %w", ErrRefused)
	}
	var c message.Classification
	if err := json.Unmarshal(proposal, &c); err != nil {
		return "", 0, fmt.Errorf("decoding the near miss's proposal: %w", err)
	}
	c.Document = d
	c.Relevant, c.NearMiss, c.RuleSetVersion, c.ClassifiedAt = true, false, AnalystRuleSet, time.Now().UTC()
	// The gate's score stayed under its threshold, so the rules gave no
	// relevance code; the analyst's judgement is that code now (the
	// dashboards count technologies that have one).
	c.Labels = slices.DeleteFunc(slices.Clone(c.Labels), func(l message.Label) bool { return l.Dimension == "relevance" })
	c.Labels = append(c.Labels, message.Label{Dimension: "relevance", Code: "RELEVANT", Score: 1, Confidence: 1})
	b, err := s.rowsOf([]message.Classification{c})
	if err != nil {
		return "", 0, err
	}
	if _, err := b.write(ctx, tx, false); err != nil {
		return "", 0, fmt.Errorf("storing the document as relevant: %w", err)
	}
	var techID int64
	if err := tx.QueryRow(ctx, `select technology_id from document_technologies where document_id = $1`, d.ID).
		Scan(&techID); err != nil {
		return "", 0, fmt.Errorf("finding the document's technology: %w", err)
	}
	return d.ID, techID, nil
}

// decisionRecord is what a decision keeps for its undo.
type decisionRecord struct {
	movedDocuments    []string
	movedTechnologies []int64
	previousCodes     []byte
}

// undo reverses decision undone, which must be about technology techID,
// by the decision undoID. It refuses what it cannot reverse exactly: a
// decision a later one superseded, or one of an action without an undo.
func undo(ctx context.Context, tx pgx.Tx, techID, undoID, undone int64) error {
	var action string
	var tech, into int64
	var movedDocs []string
	var movedTechs []int64
	var codes, prev []byte
	err := tx.QueryRow(ctx, `select action, coalesce(technology_id, 0), coalesce(merge_into, 0), coalesce(moved_documents, '{}'),
		coalesce(moved_technologies, '{}'), coalesce(codes, 'null'), coalesce(previous_codes, 'null')
		from review_decisions where id = $1 for update`, undone).Scan(&action, &tech, &into, &movedDocs, &movedTechs, &codes, &prev)
	switch {
	case errors.Is(err, pgx.ErrNoRows) || (err == nil && tech != techID):
		return fmt.Errorf("decision #%d is not about this technology: %w", undone, ErrRefused)
	case err != nil:
		return err
	}
	switch action {
	case ActionNotRelevant:
		if techID == 0 {
			return nil // a near miss judged not relevant: the item opens again
		}
		tag, err := tx.Exec(ctx, `delete from technology_exclusions where technology_id = $1 and decision_id = $2`, techID, undone)
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("decision #%d is no longer in force: %w", undone, ErrRefused)
		}
		return err
	case ActionMerge:
		ids := []int64{min(techID, into), max(techID, into)}
		if _, err := tx.Exec(ctx, `select 1 from technologies where id = any($1) or id = any($2) order by id for no key update`,
			ids, movedTechs); err != nil {
			return err
		}
		var now int64
		if err := tx.QueryRow(ctx, `select coalesce(merged_into, 0) from technologies where id = $1`, techID).Scan(&now); err != nil {
			return err
		}
		if now != into {
			return fmt.Errorf("a later decision moved the technology on; undo that one first: %w", ErrRefused)
		}
		// The technology stands alone again, what had been merged into it
		// before is merged into it again, and its documents come back.
		if _, err := tx.Exec(ctx, `update technologies set merged_into = case when id = $1 then null else $1 end
			where id = any($2) and merged_into = $3`, techID, movedTechs, into); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update document_technologies set technology_id = $1, matched_by = 'analyst', linked_at = now()
			where document_id = any($2) and technology_id = $3`, techID, movedDocs, into); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `select refresh_technology_auto_codes($1)`, ids)
		return err
	case ActionAccept:
		_, err := tx.Exec(ctx, `delete from technology_codes where technology_id = $1 and decision_id = $2`, techID, undone)
		return err
	case ActionCorrect:
		var corrected, before map[string][]string
		if err := json.Unmarshal(codes, &corrected); err != nil {
			return err
		}
		if err := json.Unmarshal(prev, &before); err != nil {
			return err
		}
		dims := slices.Sorted(maps.Keys(corrected))
		var later string
		if err := tx.QueryRow(ctx, `select coalesce(min(dimension), '') from technology_codes
			where technology_id = $1 and dimension = any($2) and decision_id <> $3`, techID, dims, undone).Scan(&later); err != nil {
			return err
		}
		if later != "" {
			return fmt.Errorf("a later decision changed the %s codes; undo that one first: %w", later, ErrRefused)
		}
		if _, err := tx.Exec(ctx, `delete from technology_codes where technology_id = $1 and dimension = any($2)`, techID, dims); err != nil {
			return err
		}
		for _, dim := range dims {
			for _, code := range before[dim] {
				if _, err := tx.Exec(ctx, `insert into technology_codes (technology_id, dimension, code, decision_id)
					values ($1, $2, $3, $4)`, techID, dim, code, undoID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("a %s decision cannot be undone: %w", didWord(action), ErrRefused)
}

// didWord is an action in words, for a message.
func didWord(action string) string { return strings.ReplaceAll(action, "_", " ") }

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

// DecidedBy counts the review items analyst decided today (UTC) and in
// all: the analyst's own progress.
func (s *Store) DecidedBy(ctx context.Context, analyst string) (today, all int, err error) {
	err = s.pool.QueryRow(ctx, `select count(distinct review_item_id) filter (where decided_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'),
		count(distinct review_item_id)
		from review_decisions where analyst = $1 and review_item_id is not null and action not in ('note', 'undo')`, analyst).Scan(&today, &all)
	if err != nil {
		return 0, 0, fmt.Errorf("counting the decisions of %s: %w", analyst, err)
	}
	return today, all, nil
}
