package store

import (
	"context"
	"fmt"
)

// RefreshFacts re-derives the dashboard facts (table technology_facts) of
// every technology a write has marked stale since the last refresh, and
// returns how many it re-derived. Refreshes take turns; one with nothing
// to do costs a query.
func (s *Store) RefreshFacts(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `select refresh_technology_facts()`).Scan(&n); err != nil {
		return 0, fmt.Errorf("refreshing technology facts: %w", err)
	}
	return n, nil
}
