package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// SaveClassifications stores a batch of classifications and their documents
// in one transaction. It is idempotent: saving the same classification again
// changes nothing, and an older message arriving after a newer one (a
// redelivery, a replay) never overwrites it.
//
// Documents the database has never seen (the common case: each message
// brings a new page) go straight into their tables with COPY: there is
// nothing to merge. The others go in with COPY into temporary tables, then
// one set-based INSERT … ON CONFLICT per table: a few round trips a batch
// whatever its size. Rows are written in key order, so that loaders writing
// overlapping batches at once take their locks in the same order and never
// deadlock. Should another loader store one of the new documents first, the
// batch is written again the merging way.
func (s *Store) SaveClassifications(ctx context.Context, cs []message.Classification) error {
	if len(cs) == 0 {
		return nil
	}
	b, err := s.rowsOf(cs)
	if err != nil {
		return err
	}
	var allNew bool
	write := func(direct bool) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
			allNew, err = b.write(ctx, tx, direct)
			return err
		})
	}
	err = write(true)
	if isUniqueViolation(err) {
		// A document taken for new was stored meanwhile by another loader.
		err = write(false)
	}
	if err != nil {
		return err
	}
	if allNew && !b.named {
		// Only documents never seen, naming neither product nor developer:
		// their technologies are their own, and nothing can fold.
		return nil
	}
	return s.foldDevelopersIntoProducts(ctx, b.ids)
}

// batchRows are a batch's rows as they are copied: per classification its
// document, its classification and its labels (as the labels table holds
// them); for the whole batch its organisations, technologies and marks.
type batchRows struct {
	cs           []message.Classification
	ids, sources []string
	docs, cls    [][]any
	labels       [][][]any
	orgs, marks  [][]any
	techs        []techRow // one per relevant document
	// nearMisses are the review items of the near misses of the relevance
	// gate: not relevant, no technology, codes proposed.
	nearMisses [][]any
	named      bool // a document names a product or a developer
}

// techRow is a relevant document's technology as MatchTechnology matched
// it: the row staged for resolution, or the technology itself when the
// document is new and the technology its own.
type techRow struct {
	document, ruleSet, contentHash string
	key, name                      string
	vendor, what                   *string
	by                             string // "product", "vendor" or "document"
	reasons                        []string
}

// stageTechnologyColumns are the columns of stage_technologies a techRow
// fills.
var stageTechnologyColumns = []string{"document_id", "rule_set_version", "content_hash", "key", "name", "vendor",
	"matched_by", "what", "reasons", "priority"}

// priority is the review item's priority before resolution adds to it:
// one a reason.
func (t techRow) priority() int { return len(t.reasons) }

// staged is the row as stage_technologies holds it.
func (t techRow) staged() []any {
	return []any{t.document, t.ruleSet, t.contentHash, t.key, t.name, t.vendor, t.by, t.what, t.reasons,
		t.priority()}
}

// ownTechnologies splits the technologies of a batch of new documents
// into those to resolve and those that are their documents' own: a
// technology named by neither product nor developer is keyed by its
// document ("document:<id>"), which no other document can name and no
// earlier batch can have created, as the document is new. Those need no
// resolution: they are created as they are.
func ownTechnologies(techs []techRow) (resolve, own []techRow) {
	for _, t := range techs {
		if t.by == "document" {
			own = append(own, t)
		} else {
			resolve = append(resolve, t)
		}
	}
	return resolve, own
}

func (s *Store) rowsOf(cs []message.Classification) (*batchRows, error) {
	b := &batchRows{cs: cs, ids: make([]string, len(cs)), docs: make([][]any, len(cs)), cls: make([][]any, len(cs)),
		labels: make([][][]any, len(cs))}
	seen := map[string]bool{}
	for i, c := range cs {
		d := c.Document
		for _, o := range c.Organisations {
			b.orgs = append(b.orgs, []any{d.ID, c.RuleSetVersion, d.ContentHash, o.Kind, o.ID,
				cleanText(o.Name), nullIfEmpty(o.Region), nullIfEmpty(cleanText(o.Vendor))})
		}
		if c.Relevant {
			m := MatchTechnology(c, s.names.get)
			b.named = b.named || m.By == "product" || m.By == "vendor"
			b.techs = append(b.techs, techRow{document: d.ID, ruleSet: c.RuleSetVersion, contentHash: d.ContentHash,
				key: m.Key, name: cleanText(m.Name), vendor: nullIfEmpty(cleanText(m.Vendor)), by: m.By,
				what: nullIfEmpty(m.What), reasons: nonNil(m.Reasons)})
			for _, mk := range c.Marks {
				ev, err := json.Marshal(nonNil(mk.Evidence))
				if err != nil {
					return nil, fmt.Errorf("encoding evidence: %w", err)
				}
				b.marks = append(b.marks, []any{d.ID, c.RuleSetVersion, d.ContentHash, mk.Kind, cleanText(mk.Reference), ev})
			}
		}
		if c.NearMiss {
			proposal, err := nearMissProposal(c)
			if err != nil {
				return nil, err
			}
			b.nearMisses = append(b.nearMisses, []any{d.ID, c.RuleSetVersion, d.ContentHash, nonNil(c.Review.Reasons), proposal})
		}
		b.ids[i] = d.ID
		if !seen[d.Source] {
			seen[d.Source] = true
			b.sources = append(b.sources, d.Source)
		}
		b.docs[i] = []any{d.ID, d.Source, cleanText(d.URL), cleanText(d.Title), cleanText(d.Text), d.Published,
			nullIfEmpty(cleanText(d.Language)), d.ContentHash, d.FetchedAt}
		b.cls[i] = []any{d.ID, c.RuleSetVersion, d.ContentHash, c.Relevant, c.Review.Needed, nonNil(c.Review.Reasons), c.ClassifiedAt}
		for _, l := range c.Labels {
			ev, err := json.Marshal(nonNil(l.Evidence))
			if err != nil {
				return nil, fmt.Errorf("encoding evidence: %w", err)
			}
			b.labels[i] = append(b.labels[i], []any{d.ID, c.RuleSetVersion, l.Dimension, l.Code, l.Score, ev})
		}
	}
	slices.Sort(b.sources) // locks in the same order in every writer
	return b, nil
}

// Columns of the tables a batch is copied into.
var (
	documentColumns       = []string{"id", "source_id", "url", "title", "body", "published_at", "language", "content_hash", "fetched_at"}
	classificationColumns = []string{"document_id", "rule_set_version", "content_hash", "relevant", "needs_review", "review_reasons", "classified_at"}
	labelColumns          = []string{"document_id", "rule_set_version", "dimension", "code", "score", "evidence"}
	// Staged labels carry their classification's content hash too.
	stagedLabelColumns = []string{"document_id", "rule_set_version", "content_hash", "dimension", "code", "score", "evidence"}
	writtenColumns     = []string{"document_id", "rule_set_version", "content_hash", "fresh"}
)

// write stores the batch in tx and reports whether every document was new.
// With direct, the documents the database does not hold (and the batch
// names once) are copied straight into the tables; the others, or all
// without direct, are merged from staging tables.
func (b *batchRows) write(ctx context.Context, tx pgx.Tx, direct bool) (bool, error) {
	if err := runSteps(ctx, tx, stagingTables); err != nil {
		return false, err
	}
	fresh := make([]bool, len(b.ids))
	if direct {
		if err := b.findFresh(ctx, tx, fresh); err != nil {
			return false, err
		}
	}
	// A batch of new documents only creates the technologies that are their
	// documents' own; the others, or all in any other batch, are resolved.
	allNew := !slices.Contains(fresh, false)
	resolve, own := b.techs, []techRow(nil)
	if allNew {
		resolve, own = ownTechnologies(b.techs)
	}
	staged := make([][]any, len(resolve))
	for i, t := range resolve {
		staged[i] = t.staged()
	}
	var stageDocs, stageCls, stageLabels, freshDocs, freshCls, freshLabels, freshWritten [][]any
	for i, c := range b.cs {
		if fresh[i] {
			freshDocs, freshCls = append(freshDocs, b.docs[i]), append(freshCls, b.cls[i])
			freshLabels = append(freshLabels, b.labels[i]...)
			freshWritten = append(freshWritten, []any{c.Document.ID, c.RuleSetVersion, c.Document.ContentHash, true})
			continue
		}
		stageDocs, stageCls = append(stageDocs, b.docs[i]), append(stageCls, b.cls[i])
		for _, l := range b.labels[i] {
			stageLabels = append(stageLabels, slices.Insert(slices.Clone(l), 2, any(c.Document.ContentHash)))
		}
	}
	if err := copyRows(ctx, tx,
		copyInto{"stage_documents", documentColumns, stageDocs},
		copyInto{"stage_classifications", classificationColumns, stageCls},
		copyInto{"stage_labels", stagedLabelColumns, stageLabels},
		copyInto{"stage_organisations", []string{"document_id", "rule_set_version", "content_hash", "kind", "org_id", "name", "region", "vendor"}, b.orgs},
		copyInto{"stage_technologies", stageTechnologyColumns, staged},
		copyInto{"stage_marks", []string{"document_id", "rule_set_version", "content_hash", "kind", "reference", "evidence"}, b.marks},
		copyInto{"stage_near_misses", []string{"document_id", "rule_set_version", "content_hash", "reasons", "proposal"}, b.nearMisses},
	); err != nil {
		return false, err
	}
	// A source's row is locked only when it is new or its last_seen is a
	// minute old: an ON CONFLICT DO UPDATE would lock it in every batch and
	// make concurrent loaders wait for each other's commits.
	if _, err := tx.Exec(ctx, `insert into sources (id) select unnest($1::text[]) on conflict (id) do nothing`, b.sources); err != nil {
		return false, fmt.Errorf("recording sources: %w", err)
	}
	if _, err := tx.Exec(ctx, `update sources set last_seen = now()
		where id = any($1) and last_seen < now() - interval '1 minute'`, b.sources); err != nil {
		return false, fmt.Errorf("touching sources: %w", err)
	}
	// New documents and their classifications: nothing to merge.
	if err := copyRows(ctx, tx,
		copyInto{"documents", documentColumns, freshDocs},
		copyInto{"classifications", classificationColumns, freshCls},
	); err != nil {
		return false, err
	}
	// Nothing staged, nothing to merge: a batch of new documents skips the
	// merge's statements, whose joins with the unanalysed staging tables
	// can read a whole table to find nothing. (A staged classification or
	// label always comes with its staged document.)
	if len(stageDocs) > 0 {
		if err := runSteps(ctx, tx, mergeDocuments); err != nil {
			return false, err
		}
	}
	// Their labels, after the merge has replaced those of rewritten
	// classifications; and they count as written for what follows.
	if err := copyRows(ctx, tx,
		copyInto{"labels", labelColumns, freshLabels},
		copyInto{"stage_written", writtenColumns, freshWritten},
	); err != nil {
		return false, err
	}
	if allNew {
		// Every document is new: nothing to relink or recompute.
		if err := runSteps(ctx, tx, resolveTechnologies); err != nil {
			return false, err
		}
		return true, b.linkNewDocuments(ctx, tx, fresh, len(staged) > 0, own)
	}
	if err := runSteps(ctx, tx, mergeTechnologies); err != nil {
		return false, err
	}
	if err := runSteps(ctx, tx, lockTechnologies); err != nil {
		return false, err
	}
	if err := b.addCodesOfNewDocuments(ctx, tx, fresh); err != nil {
		return false, err
	}
	if err := runSteps(ctx, tx, refreshCodes); err != nil {
		return false, err
	}
	return false, nil // some document was stored before
}

// addCodesOfNewDocuments updates the codes of the technologies that only
// new documents joined in this batch (no document left them, none was
// reclassified): a technology's codes are the best score of each code over
// its documents, so they become the greater of what they were and the new
// documents' labels, which the batch holds. A technology named by
// thousands of documents is not recomputed from all of them at every
// batch. The others are refreshed from the tables (refreshCodes).
func (b *batchRows) addCodesOfNewDocuments(ctx context.Context, tx pgx.Tx, fresh []bool) error {
	if !slices.Contains(fresh, true) {
		return nil
	}
	// A new document's technology is the one its staged row resolved to (it
	// had no link an analyst could have made); the batch created it, or it
	// existed before.
	rows, err := tx.Query(ctx, `
select s.technology_id, s.document_id, n.key is not null
from stage_written w
join stage_technologies s on s.document_id = w.document_id and s.rule_set_version = w.rule_set_version
                         and s.content_hash = w.content_hash
left join stage_new_technologies n on n.key = s.key
where w.fresh
  and s.technology_id in (select technology_id from stage_affected group by 1 having not bool_or(recompute))
order by 1, 2`)
	if err != nil {
		return fmt.Errorf("finding the technologies new documents joined: %w", err)
	}
	links, err := pgx.CollectRows(rows, pgx.RowToStructByPos[joined])
	if err != nil {
		return fmt.Errorf("finding the technologies new documents joined: %w", err)
	}
	return b.addCodes(ctx, tx, fresh, links)
}

// joined is a new document's technology, and whether the batch created it.
type joined struct {
	Technology int64
	Document   string
	Created    bool
}

// addCodes raises the codes of the technologies new documents joined to
// the best of those documents' labels (links in technology order): those
// of a technology the batch created go straight in; those of one that
// existed are raised where higher.
func (b *batchRows) addCodes(ctx context.Context, tx pgx.Tx, fresh []bool, links []joined) error {
	if len(links) == 0 {
		return nil
	}
	index := make(map[string]int, len(b.ids))
	for i, id := range b.ids {
		if fresh[i] {
			index[id] = i
		}
	}
	type code struct{ dim, code string }
	var created, raised [][]any
	for start := 0; start < len(links); {
		end := start
		for end < len(links) && links[end].Technology == links[start].Technology {
			end++
		}
		best := map[code]float64{}
		var order []code
		for _, l := range links[start:end] {
			i, ok := index[l.Document]
			if !ok {
				return fmt.Errorf("document %s taken for new is not in the batch", l.Document)
			}
			for _, l := range b.cs[i].Labels {
				k := code{l.Dimension, l.Code}
				if prev, seen := best[k]; !seen {
					order = append(order, k)
					best[k] = l.Score
				} else if l.Score > prev {
					best[k] = l.Score
				}
			}
		}
		into := &raised
		if links[start].Created {
			into = &created
		}
		for _, k := range order {
			*into = append(*into, []any{links[start].Technology, k.dim, k.code, best[k]})
		}
		start = end
	}
	// A technology the batch created has no codes yet: its rows go straight
	// in. Those of a technology that existed are raised where higher.
	codeColumns := []string{"technology_id", "dimension", "code", "score"}
	if err := copyRows(ctx, tx, copyInto{"technology_auto_codes", codeColumns, created}, copyInto{"stage_codes", codeColumns, raised}); err != nil {
		return fmt.Errorf("adding the codes of new documents: %w", err)
	}
	if len(raised) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `
insert into technology_auto_codes (technology_id, dimension, code, score)
select technology_id, dimension, code, score from stage_codes order by 1, 2, 3
on conflict (technology_id, dimension, code) do update set score = excluded.score
where technology_auto_codes.score < excluded.score`); err != nil {
		return fmt.Errorf("adding the codes of new documents: %w", err)
	}
	return nil
}

// newTechnologyPriority is what the review item of the document that
// brought a new technology adds to its priority, in the merge as in
// linkNewDocuments.
const newTechnologyPriority = 2

// nearMissProposal is what a near miss's review item keeps of its
// classification: all of it but the document's text, which the documents
// table holds.
func nearMissProposal(c message.Classification) ([]byte, error) {
	c.Document.Text = ""
	p, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encoding the proposal of near miss %s: %w", c.Document.ID, err)
	}
	return p, nil
}

// nearMissPriority is the priority of a near miss's review item (no
// technology: is the document relevant after all?). The gate turned it
// away and most near misses are rightly turned away, so they come after
// the documents that did pass and have a question.
const nearMissPriority = 0

// resolvedTechnology is a new document's technology as the batch resolved
// or created it, with what its review item needs.
type resolvedTechnology struct {
	joined
	MatchedBy string
	Reasons   []string
	Priority  int
	Opens     bool // the document brought the technology: it opens its review
}

// createOwnTechnologies creates the technologies of new documents that are
// their own (ownTechnologies) with COPY, under ids drawn from the
// technologies' sequence, and returns each as created by its document.
func createOwnTechnologies(ctx context.Context, tx pgx.Tx, own []techRow) ([]resolvedTechnology, error) {
	rows, err := tx.Query(ctx, `
with q as materialized (select pg_get_serial_sequence('technologies', 'id')::regclass as seq) -- looked up once
select nextval(q.seq) from q, generate_series(1, $1)`, len(own))
	if err != nil {
		return nil, fmt.Errorf("numbering new technologies: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("numbering new technologies: %w", err)
	}
	if len(ids) != len(own) {
		return nil, fmt.Errorf("numbering new technologies: %d ids for %d technologies", len(ids), len(own))
	}
	techs := make([][]any, len(own))
	created := make([]resolvedTechnology, len(own))
	for i, t := range own {
		techs[i] = []any{ids[i], t.key, t.name, t.vendor, t.what}
		created[i] = resolvedTechnology{joined: joined{Technology: ids[i], Document: t.document, Created: true},
			MatchedBy: t.by, Reasons: t.reasons, Priority: t.priority(), Opens: true}
	}
	if err := copyRows(ctx, tx, copyInto{"technologies", []string{"id", "key", "name", "vendor", "what"}, techs}); err != nil {
		return nil, err
	}
	return created, nil
}

// linkNewDocuments links a batch of new documents to the technologies
// resolveTechnologies found or created, and to their own technologies
// (ownTechnologies), which it creates; opens their review items and adds
// their codes to those technologies, from one read of what the batch
// resolved (none when it staged nothing). A new document has no link and
// no review item yet, and no technology holds its codes: each goes
// straight in with COPY, as the merge's upserts would have put them.
// Technologies that existed are locked in id order before their codes are
// raised, as every writer of codes does.
func (b *batchRows) linkNewDocuments(ctx context.Context, tx pgx.Tx, fresh []bool, staged bool, own []techRow) error {
	var resolved []resolvedTechnology
	if staged {
		rows, err := tx.Query(ctx, `
select coalesce(t.merged_into, t.id), s.document_id, n.key is not null, s.matched_by, s.reasons, s.priority,
       n.document_id is not distinct from s.document_id
from stage_technologies s
join technologies t on t.key = s.key
left join stage_new_technologies n on n.key = s.key
order by 1, 2`)
		if err != nil {
			return fmt.Errorf("reading the technologies of new documents: %w", err)
		}
		resolved, err = pgx.CollectRows(rows, pgx.RowToStructByPos[resolvedTechnology])
		if err != nil {
			return fmt.Errorf("reading the technologies of new documents: %w", err)
		}
	}
	if len(own) > 0 {
		created, err := createOwnTechnologies(ctx, tx, own)
		if err != nil {
			return err
		}
		resolved = append(resolved, created...)
		// Links and codes go in technology order, as the read gives them.
		slices.SortFunc(resolved, func(a, b resolvedTechnology) int {
			return cmp.Or(cmp.Compare(a.Technology, b.Technology), cmp.Compare(a.Document, b.Document))
		})
	}
	links := make([][]any, 0, len(resolved))
	var items [][]any
	codes := make([]joined, 0, len(resolved))
	var existed []int64
	for _, r := range resolved {
		links = append(links, []any{r.Document, r.Technology, r.MatchedBy})
		reasons, priority := r.Reasons, r.Priority
		if r.Opens {
			reasons, priority = append(slices.Clone(reasons), ReasonNewTechnology), priority+newTechnologyPriority
		}
		if len(reasons) > 0 {
			items = append(items, []any{r.Document, r.Technology, reasons, priority})
		}
		codes = append(codes, r.joined)
		if !r.Created && (len(existed) == 0 || existed[len(existed)-1] != r.Technology) {
			existed = append(existed, r.Technology)
		}
	}
	nearMisses := make([][]any, len(b.nearMisses)) // all new, as every document here
	for i, m := range b.nearMisses {
		nearMisses[i] = []any{m[0], m[3], nearMissPriority, m[4]}
	}
	if err := copyRows(ctx, tx,
		copyInto{"document_technologies", []string{"document_id", "technology_id", "matched_by"}, links},
		copyInto{"review_items", []string{"document_id", "technology_id", "reasons", "priority"}, items},
		copyInto{"review_items", []string{"document_id", "reasons", "priority", "near_miss"}, nearMisses},
	); err != nil {
		return err
	}
	if len(existed) > 0 {
		if _, err := tx.Exec(ctx, `select 1 from technologies where id = any($1) order by id for no key update`, existed); err != nil {
			return fmt.Errorf("locking technologies whose codes change: %w", err)
		}
	}
	return b.addCodes(ctx, tx, fresh, codes)
}

// copyInto is rows to copy into a table's columns.
type copyInto struct {
	table string
	cols  []string
	rows  [][]any
}

// copyRows copies each set of rows into its table with COPY, skipping
// empty ones.
func copyRows(ctx context.Context, tx pgx.Tx, cps ...copyInto) error {
	for _, cp := range cps {
		if len(cp.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.cols, pgx.CopyFromRows(cp.rows)); err != nil {
			return fmt.Errorf("copying into %s: %w", cp.table, err)
		}
	}
	return nil
}

// findFresh marks the documents the database does not hold and the batch
// names once.
func (b *batchRows) findFresh(ctx context.Context, tx pgx.Tx, fresh []bool) error {
	rows, err := tx.Query(ctx, `select id from documents where id = any($1)`, b.ids)
	if err != nil {
		return fmt.Errorf("finding new documents: %w", err)
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("finding new documents: %w", err)
	}
	count := make(map[string]int, len(b.ids)+len(known))
	for _, id := range known {
		count[id] = 2
	}
	for _, id := range b.ids {
		count[id]++
	}
	for i, id := range b.ids {
		fresh[i] = count[id] == 1
	}
	return nil
}

// runSteps sends the steps in one round trip (a pipeline: each runs after
// the one before, and the first to fail stops the rest).
func runSteps(ctx context.Context, tx pgx.Tx, steps []mergeStep) error {
	var batch pgx.Batch
	for _, step := range steps {
		batch.Queue(step.sql)
	}
	results := tx.SendBatch(ctx, &batch)
	for _, step := range steps {
		if _, err := results.Exec(); err != nil {
			results.Close()
			return fmt.Errorf("%s: %w", step.what, err)
		}
	}
	return results.Close()
}

// foldDevelopersIntoProducts applies the batch's joining rules across
// batches: two loaders writing at once cannot see each other's new
// technologies, and an announcement naming only the developer ("ScribeWell
// uses a large language model") may come before the one naming the
// product. After each batch commits, the technologies of its documents are
// folded: a developer's technology into the product spelt as the
// developer, and the newer of two products whose names are alike enough to
// join (as in the batch) into the older, its documents and open review
// items with it. Run after the commit, it sees what batches committed
// meanwhile, so the later of two racing batches always finds both, whether
// it created the older or the newer. A technology an analyst renamed,
// excluded or linked by hand stays as it is.
func (s *Store) foldDevelopersIntoProducts(ctx context.Context, documentIDs []string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The likeness at which a product joins a known one, as in the batch.
		if err := setTrigramThreshold(ctx, tx, joinSimilarity); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
with touched as (
    select distinct t.id, t.key, t.name_key, t.vendor_key, t.named_by
    from document_technologies dt join technologies t on t.id = dt.technology_id
    where dt.document_id = any($1) and t.merged_into is null
), pairs as (
    -- a developer's technology and the product spelt as the developer
    select v.id as from_id, p.id as into_id
    from technologies v join technologies p on v.vendor_key = p.name_key
    where split_part(v.key, ':', 1) = 'vendor' and split_part(p.key, ':', 1) = 'product'
      and v.merged_into is null and p.merged_into is null and p.name_key is not null
      and (v.id in (select id from touched) or p.id in (select id from touched))
    union all
    -- a product and the most alike other one, of a name alike enough to
    -- join (one index probe per product of the batch): the newer folds
    -- into the older, whichever of the two the batch touched, for a
    -- racing batch may have created the newer one and committed first
    select greatest(a.id, b.id), least(a.id, b.id)
    from touched a
    cross join lateral (
        select b.id from technologies b
        where b.merged_into is null and split_part(b.key, ':', 1) = 'product' and b.id <> a.id
          and b.name_key % a.name_key
          and (a.vendor_key is null or b.vendor_key is null or a.vendor_key = b.vendor_key)
        order by similarity(b.name_key, a.name_key) desc, b.id limit 1
    ) b
    where split_part(a.key, ':', 1) = 'product' and a.name_key is not null
)
select distinct on (f.from_id) f.from_id, f.into_id
from pairs f join technologies v on v.id = f.from_id
where v.named_by = 'rules'
  and not exists (select 1 from technology_exclusions e where e.technology_id = v.id)
  and not exists (select 1 from document_technologies a where a.technology_id = v.id and a.matched_by = 'analyst')
  and not exists (select 1 from pairs g where g.from_id = f.into_id) -- no chains: the rest next time
order by f.from_id, f.into_id`, documentIDs)
		if err != nil {
			return err
		}
		pairs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ From, Into int64 }])
		if err != nil || len(pairs) == 0 {
			return err
		}
		var from, into, all []int64
		for _, p := range pairs {
			from, into = append(from, p.From), append(into, p.Into)
			all = append(all, p.From, p.Into)
		}
		slices.Sort(all)
		// In id order, as every writer of technologies locks them.
		if _, err := tx.Exec(ctx, `select 1 from technologies where id = any($1) order by id for no key update`, all); err != nil {
			return err
		}
		for _, q := range []string{
			// What was merged into it follows it.
			`update technologies t set merged_into = f.into_id
			 from unnest($1::bigint[], $2::bigint[]) f(from_id, into_id)
			 where (t.id = f.from_id and t.merged_into is null) or t.merged_into = f.from_id`,
			`update document_technologies dt set technology_id = f.into_id, linked_at = now()
			 from unnest($1::bigint[], $2::bigint[]) f(from_id, into_id) where dt.technology_id = f.from_id`,
			`update review_items r set technology_id = f.into_id
			 from unnest($1::bigint[], $2::bigint[]) f(from_id, into_id) where r.technology_id = f.from_id and r.state <> 'decided'`,
		} {
			if _, err := tx.Exec(ctx, q, from, into); err != nil {
				return fmt.Errorf("folding developers' technologies into products: %w", err)
			}
		}
		_, err = tx.Exec(ctx, `select refresh_technology_auto_codes($1)`, all)
		return err
	})
}

// stagingTables live for the session and are emptied at every commit.
var stagingTables = stagingSteps(
	`create temp table if not exists stage_documents (
		id text, source_id text, url text, title text, body text, published_at timestamptz,
		language text, content_hash text, fetched_at timestamptz) on commit delete rows`,
	`create temp table if not exists stage_classifications (
		document_id text, rule_set_version text, content_hash text, relevant boolean, needs_review boolean,
		review_reasons text[], classified_at timestamptz) on commit delete rows`,
	`create temp table if not exists stage_labels (
		document_id text, rule_set_version text, content_hash text, dimension text, code text,
		score double precision, evidence json) on commit delete rows`,
	`create temp table if not exists stage_written (
		document_id text, rule_set_version text, content_hash text, fresh boolean not null default false)
		on commit delete rows`,
	`create temp table if not exists stage_organisations (
		document_id text, rule_set_version text, content_hash text, kind text, org_id text, name text,
		region text, vendor text) on commit delete rows`,
	`create temp table if not exists stage_technologies (
		document_id text, rule_set_version text, content_hash text, key text, name text, vendor text,
		matched_by text, what text, reasons text[], priority integer, technology_id bigint) on commit delete rows`,
	`create temp table if not exists stage_marks (
		document_id text, rule_set_version text, content_hash text, kind text, reference text,
		evidence jsonb) on commit delete rows`,
	`create temp table if not exists stage_near_misses (
		document_id text, rule_set_version text, content_hash text, reasons text[], proposal jsonb)
		on commit delete rows`,
	`create temp table if not exists stage_new_technologies (key text, document_id text) on commit delete rows`,
	`create temp table if not exists stage_affected (technology_id bigint, recompute boolean) on commit delete rows`,
	`create temp table if not exists stage_codes (technology_id bigint, dimension text, code text,
		score double precision) on commit delete rows`,
)

func stagingSteps(stmts ...string) []mergeStep {
	steps := make([]mergeStep, len(stmts))
	for i, stmt := range stmts {
		steps[i] = mergeStep{"preparing staging tables", stmt}
	}
	return steps
}

// mergeStep is one statement of the merge of staged rows.
type mergeStep struct{ what, sql string }

// mergeDocuments move the staged documents, classifications and labels into
// the tables. Within a batch the newest message for a key wins (DISTINCT ON
// … ORDER BY … DESC).
var mergeDocuments = []mergeStep{
	{"upserting documents", `
insert into documents (id, source_id, url, title, body, published_at, language, content_hash, fetched_at)
select distinct on (id) id, source_id, url, title, body, published_at, language, content_hash, fetched_at
from stage_documents order by id, fetched_at desc
on conflict (id) do update set
    source_id = excluded.source_id, url = excluded.url, title = excluded.title,
    body = excluded.body, published_at = excluded.published_at,
    language = excluded.language, content_hash = excluded.content_hash,
    fetched_at = excluded.fetched_at, version = documents.version + 1,
    updated_at = now()
where documents.content_hash <> excluded.content_hash
  and documents.fetched_at < excluded.fetched_at`},
	// Only classifications inserted or changed get their labels (re)written.
	{"upserting classifications", `
with written as (
    insert into classifications (document_id, rule_set_version, content_hash, relevant, needs_review,
        review_reasons, classified_at)
    select distinct on (document_id, rule_set_version) document_id, rule_set_version, content_hash, relevant,
        needs_review, review_reasons, classified_at
    from stage_classifications order by document_id, rule_set_version, classified_at desc
    on conflict (document_id, rule_set_version) do update set
        content_hash = excluded.content_hash, relevant = excluded.relevant,
        needs_review = excluded.needs_review, review_reasons = excluded.review_reasons,
        classified_at = excluded.classified_at, loaded_at = now()
    where classifications.content_hash <> excluded.content_hash
      and classifications.classified_at < excluded.classified_at
    returning document_id, rule_set_version, content_hash
)
insert into stage_written (document_id, rule_set_version, content_hash) select * from written`},
	{"clearing rewritten labels", `
delete from labels l using stage_written w
where l.document_id = w.document_id and l.rule_set_version = w.rule_set_version`},
	{"writing labels", `
insert into labels (document_id, rule_set_version, dimension, code, score, evidence)
select distinct on (s.document_id, s.rule_set_version, s.dimension, s.code)
       s.document_id, s.rule_set_version, s.dimension, s.code, s.score, s.evidence
from stage_labels s
join stage_written w on w.document_id = s.document_id and w.rule_set_version = s.rule_set_version
                    and w.content_hash = s.content_hash
order by s.document_id, s.rule_set_version, s.dimension, s.code`},
}

// mergeTechnologies write the marks, organisations and technologies of the
// documents whose classification was written (stage_written) and link
// those documents to their technologies; lockTechnologies,
// addCodesOfNewDocuments and refreshCodes then bring the technologies'
// codes up to date.
var mergeTechnologies = slices.Concat(resolveTechnologies, linkTechnologies)

// resolveTechnologies write the marks and organisations of the documents
// whose classification was written, find the technology each names (by key,
// name or likeness) and create the technologies that are new.
var resolveTechnologies = []mergeStep{
	{"clearing rewritten marks", `
delete from document_marks m using stage_written w
where m.document_id = w.document_id and m.rule_set_version = w.rule_set_version`},
	{"writing marks", `
insert into document_marks (document_id, rule_set_version, kind, reference, evidence)
select distinct on (s.document_id, s.rule_set_version, s.kind, s.reference)
       s.document_id, s.rule_set_version, s.kind, s.reference, s.evidence
from stage_marks s
join stage_written w on w.document_id = s.document_id and w.rule_set_version = s.rule_set_version
                    and w.content_hash = s.content_hash
order by s.document_id, s.rule_set_version, s.kind, s.reference`},
	{"recording organisations", `
insert into organisations (kind, id, name, region, vendor)
select distinct on (kind, org_id) kind, org_id, name, region, vendor
from stage_organisations order by kind, org_id
on conflict (kind, id) do nothing`},
	{"linking organisations", `
insert into document_organisations (document_id, kind, org_id)
select distinct s.document_id, s.kind, s.org_id
from stage_organisations s
join stage_written w on w.document_id = s.document_id and w.rule_set_version = s.rule_set_version
                    and w.content_hash = s.content_hash
order by 1, 2, 3
on conflict do nothing`},
	// A product or vendor whose key is new may be one already known under
	// another id or spelling: a product by the same normalised name (and no
	// conflicting vendor), a developer's technology by the same normalised
	// developer doing the same thing. It joins that technology, for an
	// analyst to confirm.
	{"matching technologies by name", `
update stage_technologies s
set key = m.key, reasons = s.reasons || array['` + ReasonNameMatch + `'], priority = s.priority + 1
from (
    select distinct on (s2.document_id) s2.document_id, t.key
    from stage_technologies s2
    join technologies t on t.merged_into is null
     and ((s2.matched_by = 'product' and split_part(t.key, ':', 1) = 'product'
           and t.name_key = technology_name_key(s2.name)
           and (t.vendor_key is null or technology_name_key(s2.vendor) is null
                or t.vendor_key = technology_name_key(s2.vendor)))
       or (s2.matched_by = 'vendor' and split_part(t.key, ':', 1) = 'vendor'
           and t.vendor_key = technology_name_key(s2.vendor) and t.what is not distinct from s2.what)
       -- "ScribeWell uses a large language model": a developer spelt as a
       -- known product is named is that product.
       or (s2.matched_by = 'vendor' and split_part(t.key, ':', 1) = 'product'
           and t.name_key = technology_name_key(s2.vendor)))
    where s2.matched_by in ('product', 'vendor')
      and not exists (select 1 from technologies e where e.key = s2.key)
    order by s2.document_id, split_part(t.key, ':', 1) = s2.matched_by desc, t.id
) m
where s.document_id = m.document_id`},
	// New keys in one batch that name one technology are one technology
	// too: the first key names it.
	{"matching new technologies by name within the batch", `
update stage_technologies s
set key = g.key, reasons = s.reasons || array['` + ReasonNameMatch + `'], priority = s.priority + 1
from (
    select distinct on (grp) grp, key
    from (select key, ` + techGroup("") + ` as grp from stage_technologies
          where matched_by in ('product', 'vendor')) n
    where grp is not null and not exists (select 1 from technologies e where e.key = n.key)
    order by grp, key
) g
where s.matched_by in ('product', 'vendor') and ` + techGroup("s.") + ` = g.grp and s.key <> g.key
  and not exists (select 1 from technologies e where e.key = s.key)`},
	// A developer in the batch spelt as a new product of the batch is named
	// is that product, as above.
	{"matching new developers to new products of the batch", `
update stage_technologies s
set key = p.key, reasons = s.reasons || array['` + ReasonNameMatch + `'], priority = s.priority + 1
from (
    select distinct on (technology_name_key(name)) technology_name_key(name) as name_key, key
    from stage_technologies
    where matched_by = 'product' and technology_name_key(name) is not null
    order by technology_name_key(name), key
) p
where s.matched_by = 'vendor' and technology_name_key(s.vendor) = p.name_key
  and not exists (select 1 from technologies e where e.key = s.key)`},
	// A product still new whose normalised name is like a known one's (a
	// variant spelling: "MammoScreen 2", "Brainomix e-Stroke") joins it when
	// the names are close and the developers do not conflict; a weaker
	// likeness only tells the analyst. Either way the reason names the
	// candidate.
	// The likeness below which the trigram index offers no candidate.
	{"setting the similarity to look for", `select set_config('pg_trgm.similarity_threshold', '` + noteSimilarity + `', true)`},
	{"matching technologies by similar name", `
update stage_technologies s
set key = case when c.joins then c.key else s.key end,
    reasons = s.reasons || array[case when c.joins
        then '` + ReasonSimilarName + `: ' || c.name || ' (' || to_char(c.sim, 'FM0.00') || ')'
        else '` + ReasonMaybeSame + ` ' || c.name || ' (similar name ' || to_char(c.sim, 'FM0.00') || ')' end],
    priority = s.priority + 1
from (
    select s2.document_id, t.key, t.name, t.sim, t.sim >= ` + joinSimilarity + ` as joins
    from stage_technologies s2
    cross join lateral (select technology_name_key(s2.name) as name_key, technology_name_key(s2.vendor) as vendor_key) k
    -- One index probe per new product: the most alike known product.
    cross join lateral (
        select t.key, t.name, similarity(t.name_key, k.name_key)::numeric as sim
        from technologies t
        where t.merged_into is null and t.name_key % k.name_key and split_part(t.key, ':', 1) = 'product'
          and (t.vendor_key is null or k.vendor_key is null or t.vendor_key = k.vendor_key)
        order by sim desc, t.id limit 1
    ) t
    where s2.matched_by = 'product' and k.name_key is not null
      and not exists (select 1 from technologies e where e.key = s2.key)
) c
where s.document_id = c.document_id`},
	// New products of one batch whose names are alike are one product: the
	// one with the least key names it. Names are compared within blocks of
	// the same first four letters ("RadiantRead CXR", "Radiant Read"), so a
	// batch of thousands of new products costs a hash join, not every pair.
	{"matching new products of the batch by similar name", `
update stage_technologies s
set key = c.key, reasons = s.reasons || array['` + ReasonSimilarName + `: ' || c.name || ' (' || to_char(c.sim, 'FM0.00') || ')'],
    priority = s.priority + 1
from (
    select distinct on (a.document_id) a.document_id, b.key, b.name, similarity(a.name_key, b.name_key)::numeric as sim
    from (select *, technology_name_key(name) as name_key, technology_name_key(vendor) as vendor_key
          from stage_technologies where matched_by = 'product') a
    join (select *, technology_name_key(name) as name_key, technology_name_key(vendor) as vendor_key
          from stage_technologies where matched_by = 'product') b
      on left(a.name_key, 4) = left(b.name_key, 4) and b.key < a.key
     and (a.vendor_key is null or b.vendor_key is null or a.vendor_key = b.vendor_key)
    where similarity(a.name_key, b.name_key) >= ` + joinSimilarity + `
      and not exists (select 1 from technologies e where e.key = a.key)
      and not exists (select 1 from technologies e where e.key = b.key)
    order by a.document_id, b.key
) c
where s.document_id = c.document_id`},
	// Technologies: the first document to name one creates it.
	{"creating technologies", `
with created as (
    insert into technologies (key, name, vendor, what)
    select distinct on (s.key) s.key, s.name, s.vendor, s.what
    from stage_technologies s
    join stage_written w on w.document_id = s.document_id and w.rule_set_version = s.rule_set_version
                        and w.content_hash = s.content_hash
    order by s.key, s.document_id
    on conflict (key) do nothing
    returning key
)
-- The document that brought the technology is the one that opens its review.
insert into stage_new_technologies
select c.key, min(s.document_id)
from created c
join stage_technologies s on s.key = c.key
join stage_written w on w.document_id = s.document_id and w.rule_set_version = s.rule_set_version
                    and w.content_hash = s.content_hash
group by c.key`},
}

// linkTechnologies link the documents to their technologies, open their
// review items and note the technologies whose codes change.
var linkTechnologies = []mergeStep{
	// Each document's technology: the one its key names, or the one that
	// technology was merged into.
	{"resolving technologies", `
update stage_technologies s set technology_id = coalesce(t.merged_into, t.id)
from technologies t where t.key = s.key`},
	// The technologies whose automatic codes this batch changes: those the
	// rewritten documents belonged to, and (below) those they belong to now.
	// A technology a document left, or one a reclassified document belongs
	// to, needs its codes recomputed; one that only new documents
	// joined takes their codes (addCodesOfNewDocuments).
	{"noting technologies before relinking", `
insert into stage_affected
select dt.technology_id, true from document_technologies dt join stage_written w on w.document_id = dt.document_id
where not w.fresh -- a new document had no technology`},
	// A link an analyst made is never replaced by an automatic one.
	{"linking technologies", `
insert into document_technologies (document_id, technology_id, matched_by)
select distinct on (s.document_id) s.document_id, s.technology_id, s.matched_by
from stage_technologies s
join stage_written w on w.document_id = s.document_id and w.rule_set_version = s.rule_set_version
                    and w.content_hash = s.content_hash
order by s.document_id
on conflict (document_id) do update set
    technology_id = excluded.technology_id, matched_by = excluded.matched_by, linked_at = now()
where document_technologies.matched_by <> 'analyst'
  and document_technologies.technology_id <> excluded.technology_id`},
	// Review items: one per document; new reasons join the open item; a
	// decided item stays decided.
	{"opening review items", `
insert into review_items (document_id, technology_id, reasons, priority, near_miss)
select distinct on (document_id) document_id, technology_id, reasons, priority, near_miss
from (
    select s.document_id, s.technology_id,
           s.reasons || case when n.key is not null then array['` + ReasonNewTechnology + `'] else array[]::text[] end as reasons,
           s.priority + case when n.key is not null then ` + strconv.Itoa(newTechnologyPriority) + ` else 0 end as priority,
           null::jsonb as near_miss
    from stage_technologies s
    join stage_written w on w.document_id = s.document_id and w.rule_set_version = s.rule_set_version
                        and w.content_hash = s.content_hash
    left join stage_new_technologies n on n.key = s.key and n.document_id = s.document_id
    where cardinality(s.reasons) > 0 or n.key is not null
    union all
    -- A near miss has no technology: its item asks whether it is relevant.
    select m.document_id, null, m.reasons, ` + strconv.Itoa(nearMissPriority) + `, m.proposal
    from stage_near_misses m
    join stage_written w on w.document_id = m.document_id and w.rule_set_version = m.rule_set_version
                        and w.content_hash = m.content_hash
) opened
order by document_id
on conflict (document_id) do update set
    reasons = (select array_agg(distinct r order by r) from unnest(review_items.reasons || excluded.reasons) r),
    priority = greatest(review_items.priority, excluded.priority),
    technology_id = coalesce(excluded.technology_id, review_items.technology_id),
    near_miss = case when coalesce(excluded.technology_id, review_items.technology_id) is null then excluded.near_miss end
where review_items.state <> 'decided'`},
	{"noting technologies after relinking", `
insert into stage_affected
select dt.technology_id, not w.fresh from document_technologies dt join stage_written w on w.document_id = dt.document_id`},
}

// lockTechnologies locks the technologies whose codes the batch changes,
// in id order, as every writer of their codes does: two writers take
// turns and see each other's committed work rather than deadlock.
var lockTechnologies = []mergeStep{
	// Technologies created in this transaction are invisible to others
	// until it commits: only those that existed before need the lock.
	{"locking technologies whose codes change", `
select 1 from technologies t
where t.id in (select technology_id from stage_affected)
  and not exists (select 1 from stage_new_technologies n where n.key = t.key)
order by t.id
for no key update`},
}

// refreshCodes recompute from the tables the codes of the technologies
// documents left or reclassified documents belong to.
var refreshCodes = []mergeStep{
	{"refreshing technology codes", `
select refresh_technology_auto_codes(array(select technology_id from stage_affected group by 1 having bool_or(recompute) order by 1))`},
}

// techGroup groups staged technologies that are one: products by
// normalised name and developer, developers' technologies by normalised
// developer and what they do. prefix qualifies the columns ("s.").
func techGroup(prefix string) string {
	return strings.NewReplacer("@", prefix).Replace(`(case @matched_by
    when 'product' then 'p:' || coalesce(technology_name_key(@name), '') || ':' || coalesce(technology_name_key(@vendor), '')
    when 'vendor' then 'v:' || coalesce(technology_name_key(@vendor), '') || ':' || coalesce(@what, '') end)`)
}

// setTrigramThreshold sets, for the rest of transaction tx, the trigram
// similarity at or above which pg_trgm's % operator (and so its index)
// finds a name.
func setTrigramThreshold(ctx context.Context, tx pgx.Tx, similarity string) error {
	_, err := tx.Exec(ctx, `select set_config('pg_trgm.similarity_threshold', $1, true)`, similarity)
	return err
}

// Trigram similarity of normalised names (pg_trgm) at which a new product
// joins a known one, and at which the analyst is told of it.
const (
	joinSimilarity = "0.6"
	noteSimilarity = "0.4"
)

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// cleanText makes scraped text storable: Postgres text holds neither NUL
// bytes nor invalid UTF-8, and a page carrying them is still worth keeping.
// Nearly all text is already both: checking that (a byte search and
// utf8.ValidString, which takes ASCII eight bytes at a time) costs a
// fraction of ToValidUTF8's rune-by-rune walk.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
