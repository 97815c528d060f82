package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Count is a name and how many.
type Count struct {
	Name  string
	Count int
}

// Summary is the short account of the database the all-in-one run prints.
type Summary struct {
	Documents int
	Relevant  int
	// InReviewQueue counts the review queue's items not yet decided, as
	// the review app shows them.
	InReviewQueue   int
	Classifications int
	Labels          int
	DeadLetters     int
	BySource        []Count
	ByType          []Count
	// Technologies counts the technologies the dashboards count, by how
	// they are named: by their product, by their developer only, or not
	// named.
	Technologies []Count
}

// Summarise counts what the pipeline has stored, reading the report views
// where they answer the question.
func (s *Store) Summarise(ctx context.Context) (Summary, error) {
	var sum Summary
	err := s.pool.QueryRow(ctx, `select
		(select count(*) from documents),
		(select count(*) from report.documents where relevant),
		(select count(*) from review_items where state <> 'decided'),
		(select count(*) from classifications),
		(select count(*) from labels),
		(select count(*) from dead_letters)`).Scan(
		&sum.Documents, &sum.Relevant, &sum.InReviewQueue, &sum.Classifications, &sum.Labels, &sum.DeadLetters)
	if err != nil {
		return sum, fmt.Errorf("counting rows: %w", err)
	}
	if sum.BySource, err = counts(ctx, s, `select source_id, count(*) from report.documents group by 1 order by 1`); err != nil {
		return sum, err
	}
	if sum.ByType, err = counts(ctx, s, `select coalesce(r.name, d.type), d.documents from report.documents_by_type d
		left join reference_codes r on r.dimension = 'type' and r.code = d.type order by 2 desc, 1`); err != nil {
		return sum, err
	}
	if sum.Technologies, err = counts(ctx, s, `select case split_part(t.key, ':', 1)
		when 'product' then 'named by their product' when 'vendor' then 'named by their developer'
		else 'not named' end, count(*)
		from technologies t join report.technologies r on r.technology_id = t.id group by 1 order by 1`); err != nil {
		return sum, err
	}
	return sum, nil
}

func counts(ctx context.Context, s *Store, query string) ([]Count, error) {
	rows, err := s.pool.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("summarising: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Count, error) {
		var c Count
		err := r.Scan(&c.Name, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("summarising: %w", err)
	}
	return out, nil
}
