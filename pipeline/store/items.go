package store

import (
	"context"
	"errors"
	"fmt"
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
}

// Technology is a technology with its codes, documents and history.
type Technology struct {
	ID         int64
	Key        string
	Name       string
	Vendor     string
	FirstSeen  time.Time
	MergedInto int64
	Excluded   bool
	Codes      []TechnologyCode
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
	History    []HistoryEntry // the item's own decisions
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
	}
	it.History, err = s.history(ctx, `d.review_item_id = $1`, id)
	return it, err
}

// Technology reads technology id with its codes, documents and decisions.
func (s *Store) Technology(ctx context.Context, id int64) (Technology, error) {
	t := Technology{ID: id}
	err := s.pool.QueryRow(ctx, `select key, name, coalesce(vendor, ''), first_seen, coalesce(merged_into, 0),
		exists (select 1 from technology_exclusions x where x.technology_id = t.id)
		from technologies t where id = $1`, id).Scan(&t.Key, &t.Name, &t.Vendor, &t.FirstSeen, &t.MergedInto, &t.Excluded)
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
order by c.dimension, c.code`, id)
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
	t.History, err = s.history(ctx, `d.technology_id = $1 or d.merge_into = $1`, id)
	return t, err
}

// history reads decisions matching where (with $1), newest first.
func (s *Store) history(ctx context.Context, where string, arg int64) ([]HistoryEntry, error) {
	rows, err := s.pool.Query(ctx, `
select d.id, coalesce(d.review_item_id, 0), coalesce(r.document_id, ''), coalesce(d.technology_id, 0), d.analyst,
       d.action, coalesce(d.codes, 'null'), coalesce(d.merge_into, 0), coalesce(d.note, ''), d.decided_at
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
	Excluded bool                // judged not relevant
	Codes    map[string][]string // dimension → codes, analyst decisions winning
}

// EachDecided calls fn for every document with a decided review item, in
// id order.
func (s *Store) EachDecided(ctx context.Context, fn func(DecidedDocument) error) error {
	rows, err := s.pool.Query(ctx, `
select d.id, d.title, d.body, exists (select 1 from technology_exclusions x where x.technology_id = t.id),
       coalesce((select jsonb_object_agg(g.dimension, g.codes) from (
           select c.dimension, jsonb_agg(c.code order by c.code) as codes
           from report.technology_codes c where c.technology_id = t.id group by c.dimension) g), '{}')
from review_items r
join documents d on d.id = r.document_id
join document_technologies dt on dt.document_id = d.id
join technologies t on t.id = dt.technology_id
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
