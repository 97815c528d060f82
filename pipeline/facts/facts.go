// Package facts keeps every technology's dashboard facts in memory, in
// step with Postgres, and counts them under a dashboard filter: every
// chart and table of the dashboard, at 100,000 technologies, in
// milliseconds, where the same counts in SQL over the report views took
// seconds (BENCHMARKS.md, issue 16).
//
// Postgres stays the truth: the facts table is kept by triggers and
// refresh_technology_facts() (migration 015); an [Index] reads only the
// rows whose version is newer than the last it saw, so following a busy
// database costs what changed, not what there is.
package facts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Dims are the code dimensions a technology's facts hold besides its main
// type, in the columns' order.
var Dims = []string{"subtype", "clinical_area", "workforce_group", "point_of_care", "horizon", "region"}

// tech is one counted technology's facts, codes interned.
type tech struct {
	id           int64
	typ          code
	name, vendor string
	hay          string    // lower-case name and developer, for the text filter
	dims         [6][]code // by Dims
	docSources   []code
	docDates     []time.Time
	first        time.Time // earliest announcement; zero when none
	latest       time.Time
}

// code is an interned code or source name: an index into Index.strs.
type code uint32

// Index is the counted technologies' facts, in the order the technology
// list shows them (newest first announcement first). Safe for concurrent
// use: counts read under a shared lock, [Index.Sync] applies changes under
// an exclusive one.
type Index struct {
	pool *pgxpool.Pool

	syncMu sync.Mutex // one sync at a time

	mu       sync.RWMutex
	version  int64
	byID     map[int64]*tech
	ordered  []*tech
	strs     []string
	interned map[string]code
	names    map[string]map[string]string // dimension → code → name
	fresh    [2]*time.Time                // newest document loaded, newest decision
}

// New returns an empty index that reads through pool (the dashboards'
// read-only pool); [Index.Sync] fills it.
func New(pool *pgxpool.Pool) *Index {
	return &Index{pool: pool, byID: map[int64]*tech{}, interned: map[string]code{}, names: map[string]map[string]string{}}
}

// Sync reads the facts that changed since the last sync (all of them the
// first time), the reference codes' names and how fresh the data is. The
// caller refreshes the facts first (store.RefreshFacts) when it must see
// its own writes.
func (x *Index) Sync(ctx context.Context) error {
	x.syncMu.Lock()
	defer x.syncMu.Unlock()
	x.mu.RLock()
	since := x.version
	x.mu.RUnlock()

	var changes []change
	version := since
	// In pages, in version order: the limit keeps the plan on the version
	// index however stale the table's statistics (without it, Postgres
	// scanned all 100,000 rows to find none changed).
	for {
		page, err := x.changesSince(ctx, version)
		if err != nil {
			return err
		}
		changes = append(changes, page...)
		if len(page) > 0 {
			version = page[len(page)-1].version
		}
		if len(page) < syncPage {
			break
		}
	}

	names := map[string]map[string]string{}
	crows, err := x.pool.Query(ctx, `select dimension, code, name from report.reference_codes`)
	if err != nil {
		return fmt.Errorf("reading reference codes: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var dim, c, name string
		if err := crows.Scan(&dim, &c, &name); err != nil {
			return fmt.Errorf("reading reference codes: %w", err)
		}
		if names[dim] == nil {
			names[dim] = map[string]string{}
		}
		names[dim][c] = name
	}
	if err := crows.Err(); err != nil {
		return fmt.Errorf("reading reference codes: %w", err)
	}
	var fresh [2]*time.Time
	if err := x.pool.QueryRow(ctx, `select latest_document_at, latest_decision_at from report.freshness`).Scan(&fresh[0], &fresh[1]); err != nil {
		return fmt.Errorf("reading freshness: %w", err)
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	x.names, x.fresh = names, fresh
	if len(changes) == 0 {
		return nil
	}
	for _, c := range changes {
		if !c.counted {
			delete(x.byID, c.id)
			continue
		}
		t := &tech{id: c.id, typ: x.intern(c.typ), name: c.name, vendor: c.vendor,
			hay: strings.ToLower(c.name + " " + c.vendor), docDates: c.dates}
		for i, codes := range c.dims {
			t.dims[i] = x.internAll(codes)
		}
		t.docSources = x.internAll(c.sources)
		for _, d := range c.dates {
			if t.first.IsZero() || d.Before(t.first) {
				t.first = d
			}
			if d.After(t.latest) {
				t.latest = d
			}
		}
		x.byID[c.id] = t
	}
	x.version = version
	x.ordered = x.ordered[:0]
	for _, t := range x.byID {
		x.ordered = append(x.ordered, t)
	}
	slices.SortFunc(x.ordered, listOrder)
	return nil
}

// syncPage is how many changed facts one query of a sync reads.
const syncPage = 10000

// change is one row of report.technology_facts_versions.
type change struct {
	id      int64
	counted bool
	version int64
	typ     string
	name    string
	vendor  string
	dims    [6][]string
	sources []string
	dates   []time.Time
}

// changesSince reads up to syncPage facts newer than version, oldest first.
func (x *Index) changesSince(ctx context.Context, version int64) ([]change, error) {
	rows, err := x.pool.Query(ctx, `select technology_id, counted, version, type, name, vendor, subtype, clinical_area,
       workforce_group, point_of_care, horizon, region, document_sources, document_dates
from report.technology_facts_versions where version > $1 order by version limit $2`, version, syncPage)
	if err != nil {
		return nil, fmt.Errorf("reading technology facts: %w", err)
	}
	defer rows.Close()
	var out []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.counted, &c.version, &c.typ, &c.name, &c.vendor, &c.dims[0], &c.dims[1], &c.dims[2],
			&c.dims[3], &c.dims[4], &c.dims[5], &c.sources, &c.dates); err != nil {
			return nil, fmt.Errorf("reading technology facts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading technology facts: %w", err)
	}
	return out, nil
}

// listOrder is the technology list's order: newest first announcement
// first, those with none last, then by id.
func listOrder(a, b *tech) int {
	switch {
	case a.first.IsZero() != b.first.IsZero():
		if a.first.IsZero() {
			return 1
		}
		return -1
	case !a.first.Equal(b.first):
		return b.first.Compare(a.first)
	}
	return cmp.Compare(a.id, b.id)
}

// intern returns s's code, adding it when new. Callers hold x.mu.
func (x *Index) intern(s string) code {
	if c, ok := x.interned[s]; ok {
		return c
	}
	c := code(len(x.strs))
	x.strs = append(x.strs, s)
	x.interned[s] = c
	return c
}

func (x *Index) internAll(ss []string) []code {
	if len(ss) == 0 {
		return nil
	}
	out := make([]code, len(ss))
	for i, s := range ss {
		out[i] = x.intern(s)
	}
	return out
}

// Len is the number of counted technologies.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}
