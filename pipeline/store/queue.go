package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrClaimed is returned when a review item is claimed by another analyst
// whose lease has not run out, or is already decided.
var ErrClaimed = errors.New("review item is claimed by someone else")

// ErrQueueEmpty is returned by ClaimNext when no item is free to claim.
var ErrQueueEmpty = errors.New("no review item is free")

// QueueFilter narrows the review queue. Empty fields match everything.
type QueueFilter struct {
	Reason string    // one of the item's reasons
	Source string    // the document's source id
	Type   string    // the technology's current type code
	State  string    // open, claimed or decided; empty means not decided
	Since  time.Time // published (or fetched) on or after
	Until  time.Time // published (or fetched) before
	Sort   string    // a QueueSorts key; empty means "priority"
}

// QueueSorts are the queue's orders, by name. ClaimNext always takes the
// highest priority, oldest first.
var QueueSorts = map[string]string{
	"priority":  `r.priority desc, r.opened_at, r.id`,
	"oldest":    `r.opened_at, r.id`,
	"newest":    `r.opened_at desc, r.id desc`,
	"published": `coalesce(d.published_at, d.fetched_at) desc, r.id`,
}

// QueueItem is one row of the review queue.
type QueueItem struct {
	ID             int64
	DocumentID     string
	Title          string
	Source         string
	URL            string
	Published      time.Time // published, else fetched
	TechnologyID   int64
	TechnologyName string
	Type           string // the technology's current type code, if any
	Reasons        []string
	Priority       int
	State          string // open, claimed or decided; an expired claim reads as open
	ClaimedBy      string
	ClaimedUntil   time.Time
	OpenedAt       time.Time
}

// typeOf is a technology's current type: an analyst's, else the rules'.
const typeOf = `(select c.code from report.technology_codes c
    where c.technology_id = r.technology_id and c.dimension = 'type'
    order by c.source = 'analyst' desc, c.score desc nulls last, c.code limit 1)`

// queueWhere filters review items (r, with documents d) by $1…$6. An item
// whose claim has expired is open again.
const queueWhere = `
where ($1 = '' or $1 = any(r.reasons))
  and ($2 = '' or d.source_id = $2)
  and ($3 = '' or ` + typeOf + ` = $3)
  and case $4
        when '' then r.state <> 'decided'
        when 'any' then true
        when 'open' then r.state = 'open' or (r.state = 'claimed' and r.claimed_until < now())
        when 'claimed' then r.state = 'claimed' and r.claimed_until >= now()
        else r.state = $4 end
  and ($5::timestamptz is null or coalesce(d.published_at, d.fetched_at) >= $5)
  and ($6::timestamptz is null or coalesce(d.published_at, d.fetched_at) < $6)`

// queueSelect reads queue items matching $1…$6. Postgres evaluates the
// type of only the rows a page returns.
const queueSelect = `
select r.id, r.document_id, d.title, d.source_id, d.url, coalesce(d.published_at, d.fetched_at),
       coalesce(r.technology_id, 0), coalesce(t.name, ''), coalesce(` + typeOf + `, ''), r.reasons, r.priority,
       case when r.state = 'claimed' and r.claimed_until < now() then 'open' else r.state end,
       coalesce(r.claimed_by, ''), coalesce(r.claimed_until, 'epoch'), r.opened_at
from review_items r
join documents d on d.id = r.document_id
left join technologies t on t.id = r.technology_id` + queueWhere

func (f QueueFilter) args() []any {
	ts := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return []any{f.Reason, f.Source, f.Type, f.State, ts(f.Since), ts(f.Until)}
}

func scanQueueItem(row pgx.Row) (QueueItem, error) {
	var q QueueItem
	err := row.Scan(&q.ID, &q.DocumentID, &q.Title, &q.Source, &q.URL, &q.Published, &q.TechnologyID,
		&q.TechnologyName, &q.Type, &q.Reasons, &q.Priority, &q.State, &q.ClaimedBy, &q.ClaimedUntil, &q.OpenedAt)
	if q.ClaimedUntil.Equal(time.Unix(0, 0)) {
		q.ClaimedUntil = time.Time{}
	}
	return q, err
}

// Queue lists review items matching f, highest priority and oldest first,
// with the number matching in all.
func (s *Store) Queue(ctx context.Context, f QueueFilter, limit, offset int) ([]QueueItem, int, error) {
	order, ok := QueueSorts[cmp.Or(f.Sort, "priority")]
	if !ok {
		return nil, 0, fmt.Errorf("sorting the review queue: unknown order %q", f.Sort)
	}
	// The count reads the documents only when the filter asks about them
	// (at 100,000 open items the join was most of its cost); otherwise d
	// stands in for a document, so that the one filter text applies.
	from := `select count(*) from review_items r join documents d on d.id = r.document_id`
	if f.Source == "" && f.Since.IsZero() && f.Until.IsZero() {
		from = `select count(*) from review_items r cross join (select ''::text as source_id,
			null::timestamptz as published_at, null::timestamptz as fetched_at) d`
	}
	var total int
	if err := s.pool.QueryRow(ctx, from+queueWhere, f.args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("counting the review queue: %w", err)
	}
	rows, err := s.pool.Query(ctx, queueSelect+` order by `+order+` limit $7 offset $8`,
		append(f.args(), limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the review queue: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueItem, error) { return scanQueueItem(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("reading the review queue: %w", err)
	}
	return items, total, nil
}

// QueueItem returns one review item.
func (s *Store) QueueItem(ctx context.Context, id int64) (QueueItem, error) {
	q, err := scanQueueItem(s.pool.QueryRow(ctx, queueSelect+` and r.id = $7`,
		append(QueueFilter{State: "any"}.args(), id)...))
	if errors.Is(err, pgx.ErrNoRows) {
		return q, fmt.Errorf("review item %d: %w", id, ErrNoItem)
	}
	if err != nil {
		return q, fmt.Errorf("reading review item %d: %w", id, err)
	}
	return q, nil
}

// ClaimNext claims the first free item matching f for analyst for lease:
// open, or claimed with its lease run out, highest priority and oldest
// first. Items other analysts are claiming at this moment are skipped
// (FOR UPDATE SKIP LOCKED), so two analysts never get the same item.
func (s *Store) ClaimNext(ctx context.Context, analyst string, lease time.Duration, f QueueFilter) (int64, error) {
	f.State = "open"
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One analyst, one item: what they held and did not decide goes
		// back to the queue (a second press of "next" does not lock two
		// items for the length of the lease), and is not the next one.
		rows, err := tx.Query(ctx, `update review_items set state = 'open', claimed_by = null, claimed_until = null
			where state = 'claimed' and claimed_by = $1 returning id`, analyst)
		if err != nil {
			return err
		}
		released, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
with next as (
    select r.id from review_items r
    join documents d on d.id = r.document_id`+queueWhere+` and not (r.id = any($9::bigint[]))
    order by `+QueueSorts["priority"]+`
    limit 1
    for update of r skip locked
)
update review_items r set state = 'claimed', claimed_by = $7, claimed_until = now() + $8::interval
from next where r.id = next.id
returning r.id`, append(f.args(), analyst, lease, nonNil(released))...).Scan(&id)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrQueueEmpty
	}
	if err != nil {
		return 0, fmt.Errorf("claiming the next review item: %w", err)
	}
	return id, nil
}

// Claim claims item id for analyst for lease, or renews the analyst's own
// claim. It fails with ErrClaimed when another analyst holds a live claim
// or the item is decided.
func (s *Store) Claim(ctx context.Context, id int64, analyst string, lease time.Duration) error {
	tag, err := s.pool.Exec(ctx, `
update review_items set state = 'claimed', claimed_by = $2, claimed_until = now() + $3::interval
where id = $1 and (state = 'open' or (state = 'claimed' and (claimed_by = $2 or claimed_until < now())))`,
		id, analyst, lease)
	if err != nil {
		return fmt.Errorf("claiming review item %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return s.whyNot(ctx, id)
	}
	return nil
}

// Release gives back analyst's claim on item id.
func (s *Store) Release(ctx context.Context, id int64, analyst string) error {
	if _, err := s.pool.Exec(ctx, `
update review_items set state = 'open', claimed_by = null, claimed_until = null
where id = $1 and state = 'claimed' and claimed_by = $2`, id, analyst); err != nil {
		return fmt.Errorf("releasing review item %d: %w", id, err)
	}
	return nil
}

// whyNot explains why item id could not be claimed.
func (s *Store) whyNot(ctx context.Context, id int64) error {
	var state, by string
	err := s.pool.QueryRow(ctx, `select state, coalesce(claimed_by, '') from review_items where id = $1`, id).Scan(&state, &by)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("review item %d: %w", id, ErrNoItem)
	case err != nil:
		return fmt.Errorf("reading review item %d: %w", id, err)
	case state == "decided":
		return fmt.Errorf("review item %d is decided: %w", id, ErrClaimed)
	}
	return fmt.Errorf("review item %d is claimed by %s: %w", id, by, ErrClaimed)
}

// ReasonCount is how many undecided review items carry a reason.
type ReasonCount struct {
	Reason string
	Items  int
}

// QueueReasons counts undecided review items by reason, most first.
func (s *Store) QueueReasons(ctx context.Context) ([]ReasonCount, error) {
	rows, err := s.pool.Query(ctx, `select reason, count(*)::int from review_items, unnest(reasons) reason
		where state <> 'decided' group by 1 order by 2 desc, 1`)
	if err != nil {
		return nil, fmt.Errorf("counting review reasons: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ReasonCount])
}

// SourceIDs lists the sources documents came from.
func (s *Store) SourceIDs(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `select id from sources order by id`)
	if err != nil {
		return nil, fmt.Errorf("listing sources: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
