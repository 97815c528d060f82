package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// ItemLabel is one code of a document's current classification, with the
// evidence for it.
type ItemLabel struct {
	Dimension string
	Code      string
	Name      string
	Score     float64
	Evidence  []message.Evidence
}

// TechnologyCode is one of a technology's current codes: the analyst's for
// a dimension an analyst decided, else its documents' automatic ones.
type TechnologyCode struct {
	Dimension string
	Code      string
	Name      string
	Source    string // analyst or rules
}

// TechnologyDocument is one document announcing a technology.
type TechnologyDocument struct {
	ID        string
	Title     string
	Source    string
	URL       string
	Published time.Time
	MatchedBy string
}

// HistoryEntry is one analyst decision.
type HistoryEntry struct {
	ID           int64
	ItemID       int64
	DocumentID   string
	TechnologyID int64
	Analyst      string
	Action       string
	Codes        map[string][]string
	MergeInto    int64
	Note         string
	At           time.Time
	// NewName and NewVendor are what a rename set, or what a split named
	// the new technology; SplitInto and SplitDocuments what a split moved
	// where.
	NewName        string
	NewVendor      string
	SplitInto      int64
	SplitDocuments []string
	// CodeNames are Codes by name, for people to read.
	CodeNames map[string][]string
	// Undoes is the decision an undo reversed; UndoneBy the undo that
	// reversed this one (0 when none).
	Undoes   int64
	UndoneBy int64
}

// Undoable reports whether the decision can still be undone: any but a
// note or an undo, that no undo has reversed yet. Decisions on a review
// item are undone there (Decide), renames and splits on the technology
// (UndoEdit).
func (h HistoryEntry) Undoable() bool {
	return h.UndoneBy == 0 && (slices.Contains(undoable, h.Action) || h.Action == ActionRename || h.Action == ActionSplit)
}

// TechnologyMark is a regulatory mark of a technology: when a document
// first reported it, and how many do.
type TechnologyMark struct {
	Kind      string
	Name      string
	Reference string
	FirstSeen time.Time
	Documents int64
}

// Sighting is an NHS organisation a technology's announcements name, by
// month: where it has spread.
type Sighting struct {
	Month        time.Time
	Organisation string
	Region       string
	RegionName   string
	Documents    int64
}

// Technology is a technology with its codes, marks, spread, documents and
// history.
type Technology struct {
	ID         int64
	Key        string
	Name       string
	Vendor     string
	NamedBy    string // rules or analyst
	FirstSeen  time.Time
	MergedInto int64
	Excluded   bool
	Codes      []TechnologyCode
	Marks      []TechnologyMark
	Spread     []Sighting
	Documents  []TechnologyDocument
	History    []HistoryEntry
}

// Item is a review item with all an analyst needs to decide it.
type Item struct {
	QueueItem
	Body       string
	Language   string
	Labels     []ItemLabel
	Technology Technology
	// Proposal is, for a near miss of the relevance gate (no technology),
	// the technology judging it relevant would add.
	Proposal *Match
	History  []HistoryEntry // the item's own decisions
}

// DimensionCodes are a technology's codes of one dimension.
type DimensionCodes struct {
	Dimension string
	Codes     []TechnologyCode
}

// ByDimension groups the technology's codes by dimension, in the order of
// its codes.
func (t Technology) ByDimension() []DimensionCodes {
	var out []DimensionCodes
	for _, c := range t.Codes {
		if c.Dimension == "relevance" {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Dimension != c.Dimension {
			out = append(out, DimensionCodes{Dimension: c.Dimension})
		}
		out[len(out)-1].Codes = append(out[len(out)-1].Codes, c)
	}
	return out
}

// ItemDetail reads review item id, its document, the current labels with
// evidence, and its technology.
func (s *Store) ItemDetail(ctx context.Context, id int64) (Item, error) {
	q, err := s.QueueItem(ctx, id)
	if err != nil {
		return Item{}, err
	}
	it := Item{QueueItem: q}
	if err := s.pool.QueryRow(ctx, `select body, coalesce(language, '') from documents where id = $1`, q.DocumentID).
		Scan(&it.Body, &it.Language); err != nil {
		return it, fmt.Errorf("reading document %s: %w", q.DocumentID, err)
	}
	rows, err := s.pool.Query(ctx, `
select l.dimension, l.code, coalesce(r.name, ''), l.score, l.evidence
from labels l
join report.current_classifications cc on cc.document_id = l.document_id and cc.rule_set_version = l.rule_set_version
left join reference_codes r on r.dimension = l.dimension and r.code = l.code
where l.document_id = $1
order by l.dimension, l.score desc, l.code`, q.DocumentID)
	if err != nil {
		return it, fmt.Errorf("reading labels of %s: %w", q.DocumentID, err)
	}
	if it.Labels, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ItemLabel]); err != nil {
		return it, fmt.Errorf("reading labels of %s: %w", q.DocumentID, err)
	}
	if q.TechnologyID != 0 {
		if it.Technology, err = s.Technology(ctx, q.TechnologyID); err != nil {
			return it, err
		}
	} else if it.Proposal, err = s.proposal(ctx, id); err != nil {
		return it, err
	}
	it.History, err = s.history(ctx, `d.review_item_id = $1`, id)
	return it, err
}

// proposal is what judging near miss item id relevant would add (nil for
// an item that is no near miss).
func (s *Store) proposal(ctx context.Context, id int64) (*Match, error) {
	var p []byte
	if err := s.pool.QueryRow(ctx, `select near_miss from review_items where id = $1`, id).Scan(&p); err != nil {
		return nil, fmt.Errorf("reading the proposal of item %d: %w", id, err)
	}
	if p == nil {
		return nil, nil
	}
	var c message.Classification
	if err := json.Unmarshal(p, &c); err != nil {
		return nil, fmt.Errorf("decoding the proposal of item %d: %w", id, err)
	}
	m := MatchTechnology(c, s.names.get)
	return &m, nil
}

// Technology reads technology id with its codes, documents and decisions.
func (s *Store) Technology(ctx context.Context, id int64) (Technology, error) {
	t := Technology{ID: id}
	err := s.pool.QueryRow(ctx, `select key, name, coalesce(vendor, ''), named_by, first_seen, coalesce(merged_into, 0),
		exists (select 1 from technology_exclusions x where x.technology_id = t.id)
		from technologies t where id = $1`, id).Scan(&t.Key, &t.Name, &t.Vendor, &t.NamedBy, &t.FirstSeen, &t.MergedInto, &t.Excluded)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("technology %d: %w", id, ErrNoItem)
	}
	if err != nil {
		return t, fmt.Errorf("reading technology %d: %w", id, err)
	}
	rows, err := s.pool.Query(ctx, `
select c.dimension, c.code, coalesce(r.name, ''), c.source
from report.technology_codes c
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
where c.technology_id = $1
order by array_position(array['relevance', 'type', 'subtype', 'clinical_area', 'workforce_group', 'point_of_care',
                              'stage', 'horizon', 'region'], c.dimension), c.dimension, c.code`, id)
	if err != nil {
		return t, fmt.Errorf("reading codes of technology %d: %w", id, err)
	}
	if t.Codes, err = pgx.CollectRows(rows, pgx.RowToStructByPos[TechnologyCode]); err != nil {
		return t, fmt.Errorf("reading codes of technology %d: %w", id, err)
	}
	rows, err = s.pool.Query(ctx, `
select d.id, d.title, d.source_id, d.url, coalesce(d.published_at, d.fetched_at), dt.matched_by
from document_technologies dt join documents d on d.id = dt.document_id
where dt.technology_id = $1
order by coalesce(d.published_at, d.fetched_at) desc, d.id`, id)
	if err != nil {
		return t, fmt.Errorf("reading documents of technology %d: %w", id, err)
	}
	if t.Documents, err = pgx.CollectRows(rows, pgx.RowToStructByPos[TechnologyDocument]); err != nil {
		return t, fmt.Errorf("reading documents of technology %d: %w", id, err)
	}
	// Marks and spread as the report views give them, for any technology
	// (the views leave out those not counted).
	rows, err = s.pool.Query(ctx, `
select m.kind, coalesce(r.name, m.kind), m.reference, min(coalesce(d.published_at, d.first_seen)), count(distinct m.document_id)
from document_technologies dt
join report.document_marks m on m.document_id = dt.document_id
join documents d on d.id = dt.document_id
left join reference_codes r on r.dimension = 'mark' and r.code = m.kind
where dt.technology_id = $1
group by 1, 2, 3 order by 4, 1, 3`, id)
	if err != nil {
		return t, fmt.Errorf("reading marks of technology %d: %w", id, err)
	}
	if t.Marks, err = pgx.CollectRows(rows, pgx.RowToStructByPos[TechnologyMark]); err != nil {
		return t, fmt.Errorf("reading marks of technology %d: %w", id, err)
	}
	rows, err = s.pool.Query(ctx, `
select date_trunc('month', coalesce(d.published_at, d.first_seen)), o.name, coalesce(o.region, ''),
       coalesce(r.name, o.region, ''), count(distinct dt.document_id)
from document_technologies dt
join documents d on d.id = dt.document_id
join document_organisations x on x.document_id = dt.document_id
join organisations o on o.kind = x.kind and o.id = x.org_id
left join reference_codes r on r.dimension = 'region' and r.code = o.region
where dt.technology_id = $1 and o.kind in ('nhs_trust', 'nhs_icb')
group by 1, 2, 3, 4 order by 1, 2`, id)
	if err != nil {
		return t, fmt.Errorf("reading the spread of technology %d: %w", id, err)
	}
	if t.Spread, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Sighting]); err != nil {
		return t, fmt.Errorf("reading the spread of technology %d: %w", id, err)
	}
	t.History, err = s.history(ctx, `d.technology_id = $1 or d.merge_into = $1 or d.split_into = $1`, id)
	return t, err
}

// history reads decisions matching where (with $1), newest first.
func (s *Store) history(ctx context.Context, where string, arg int64) ([]HistoryEntry, error) {
	rows, err := s.pool.Query(ctx, `
select d.id, coalesce(d.review_item_id, 0), coalesce(r.document_id, ''), coalesce(d.technology_id, 0), d.analyst,
       d.action, coalesce(d.codes, 'null'), coalesce(d.merge_into, 0), coalesce(d.note, ''), d.decided_at,
       coalesce(d.new_name, ''), coalesce(d.new_vendor, ''), coalesce(d.split_into, 0), coalesce(d.split_documents, '{}'),
       case when jsonb_typeof(d.codes) = 'object' then (
         select jsonb_object_agg(e.key, (
           select coalesce(jsonb_agg(coalesce(rc.name, c.code) order by c.n), '[]')
           from jsonb_array_elements_text(e.value) with ordinality as c(code, n)
           left join reference_codes rc on rc.dimension = e.key and rc.code = c.code))
         from jsonb_each(d.codes) e)
       else 'null' end,
       coalesce(d.undoes, 0), coalesce((select u.id from review_decisions u where u.undoes = d.id), 0)
from review_decisions d left join review_items r on r.id = d.review_item_id
where `+where+`
order by d.decided_at desc, d.id desc`, arg)
	if err != nil {
		return nil, fmt.Errorf("reading history: %w", err)
	}
	h, err := pgx.CollectRows(rows, pgx.RowToStructByPos[HistoryEntry])
	if err != nil {
		return nil, fmt.Errorf("reading history: %w", err)
	}
	return h, nil
}

// Code is a reference code and its name.
type Code struct {
	Code string
	Name string
}

// ReferenceCodes returns the reference codes of each dimension, by code.
func (s *Store) ReferenceCodes(ctx context.Context) (map[string][]Code, error) {
	rows, err := s.pool.Query(ctx, `select dimension, code, name from reference_codes order by dimension, code`)
	if err != nil {
		return nil, fmt.Errorf("reading reference codes: %w", err)
	}
	defer rows.Close()
	out := map[string][]Code{}
	for rows.Next() {
		var dim string
		var c Code
		if err := rows.Scan(&dim, &c.Code, &c.Name); err != nil {
			return nil, fmt.Errorf("reading reference codes: %w", err)
		}
		out[dim] = append(out[dim], c)
	}
	return out, rows.Err()
}

// DecidedDocument is a document whose review item an analyst decided, with
// its technology's codes as they stand: what the gold export writes.
type DecidedDocument struct {
	ID       string
	Title    string
	Body     string
	Excluded bool                // judged not relevant, its technology or a near miss with none
	Codes    map[string][]string // dimension → codes, analyst decisions winning
}

// EachDecided calls fn for every document with a decided review item, in
// id order. A near miss of the relevance gate judged not relevant has no
// technology and is Excluded: the relevance gold the rules most need.
func (s *Store) EachDecided(ctx context.Context, fn func(DecidedDocument) error) error {
	rows, err := s.pool.Query(ctx, `
select d.id, d.title, d.body,
       t.id is null or exists (select 1 from technology_exclusions x where x.technology_id = t.id),
       coalesce((select jsonb_object_agg(g.dimension, g.codes) from (
           select c.dimension, jsonb_agg(c.code order by c.code) as codes
           from report.technology_codes c where c.technology_id = t.id group by c.dimension) g), '{}')
from review_items r
join documents d on d.id = r.document_id
left join document_technologies dt on dt.document_id = d.id
left join technologies t on t.id = dt.technology_id
where r.state = 'decided'
order by d.id`)
	if err != nil {
		return fmt.Errorf("reading decided documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var dd DecidedDocument
		if err := rows.Scan(&dd.ID, &dd.Title, &dd.Body, &dd.Excluded, &dd.Codes); err != nil {
			return fmt.Errorf("reading decided documents: %w", err)
		}
		if err := fn(dd); err != nil {
			return err
		}
	}
	return rows.Err()
}

// MergeCandidate is a technology an analyst may merge another into, with
// what the preview shows of it.
type MergeCandidate struct {
	ID        int64
	Name      string
	Vendor    string
	Type      string // its main type's name
	Documents int64
	Excluded  bool // judged not relevant: it takes no merge
}

// MergeCandidates finds the technologies technology id may be merged into:
// those whose name or developer holds query, or products whose name is
// like it (pg_trgm), best first; "#123" or "123" finds technology 123. An
// empty query looks for products named like technology id. Merged
// technologies are left out (a merge goes to their target).
//
// Each way of finding one uses its own access path, and only what they
// find is ranked: ranking every technology by similarity took 1.3 s at
// 100,000 of them; the product names' trigram index answers in
// milliseconds.
func (s *Store) MergeCandidates(ctx context.Context, id int64, query string, limit int) ([]MergeCandidate, error) {
	query = strings.TrimSpace(query)
	byID, _ := strconv.ParseInt(strings.TrimPrefix(query, "#"), 10, 64)
	var out []MergeCandidate
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := setTrigramThreshold(ctx, tx, candidateSimilarity); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
with q as (
    select coalesce(nullif($2, ''), (select name from technologies where id = $1)) as text
), found as (
    select t.id from technologies t where t.id = $3
    union
    select t.id from technologies t
    where $2 <> '' and t.merged_into is null and strpos(lower(t.name || ' ' || coalesce(t.vendor, '')), lower($2)) > 0
    union
    select t.id from technologies t, q
    where t.merged_into is null and split_part(t.key, ':', 1) = 'product' and t.name_key % technology_name_key(q.text)
), best as (
    select t.id, t.name, t.vendor, t.id = $3 as asked, similarity(t.name, q.text) as sim
    from found f join technologies t on t.id = f.id, q
    where t.merged_into is null and t.id <> $1
    order by 4 desc, 5 desc, t.id
    limit $4
)
-- The preview only for the few shown.
select t.id, t.name, coalesce(t.vendor, ''),
       coalesce((select coalesce(r.name, c.code) from report.technology_codes c
                 left join reference_codes r on r.dimension = c.dimension and r.code = c.code
                 where c.technology_id = t.id and c.dimension = 'type'
                 order by c.source = 'analyst' desc, c.score desc nulls last, c.code limit 1), ''),
       (select count(*) from document_technologies dt where dt.technology_id = t.id),
       exists (select 1 from technology_exclusions x where x.technology_id = t.id)
from best t
order by t.asked desc, t.sim desc, t.id`, id, query, byID, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[MergeCandidate])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("finding technologies to merge %d into: %w", id, err)
	}
	return out, nil
}

// candidateSimilarity is the trigram similarity of normalised names at
// which a product is offered for a merge.
const candidateSimilarity = "0.3"
