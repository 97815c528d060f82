package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// ReaderRole is the read-only role dashboards use: it may read the report
// schema and nothing else.
const ReaderRole = "horizon_reader"

// Reports reads the report views, and only them: every connection takes
// the read-only role before it is used, so a dashboard cannot write even
// through a bug.
type Reports struct {
	pool *pgxpool.Pool
}

// OpenReports connects to url and sets every connection's role to
// ReaderRole. The user of url must be a member of it (or a superuser).
func OpenReports(ctx context.Context, url string) (*Reports, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parsing reports database url: %w", err)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// No JIT: a report's estimates over arrays of ids run high, and
		// compiling its plan took longer (0.7 s at 10,000 technologies)
		// than running it.
		_, err := c.Exec(ctx, "set role "+ReaderRole+"; set jit = off")
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("creating reports pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting for reports as %s: %w", ReaderRole, err)
	}
	return &Reports{pool: pool}, nil
}

// Close closes the pool.
func (r *Reports) Close() { r.pool.Close() }

// Pool returns the read-only pool, for readers of the report views this
// package does not wrap.
func (r *Reports) Pool() *pgxpool.Pool { return r.pool }

// Table is a report's rows, as text, ready for a page or a CSV file.
type Table struct {
	Name    string // file-name safe
	Title   string
	Columns []string
	Rows    [][]string
}

// Report is one of the dashboard's tables: a fixed query on the report
// views whose parameters are the filter values it names.
type Report struct {
	Name   string
	Title  string
	Params []string // filter keys whose values are $1, $2, …
	// Filtered reports read f, the technologies the filter keeps: their
	// $1…$4 are its ids, types, names and vendors ([Reports.Filter]).
	Filtered bool
	SQL      string
}

// FilterKeys are the dashboard's filters, in the order of its filter bar:
// each names a query parameter, and every technology report takes all of
// them as $1, $2, … in this order. An empty value keeps every technology.
var FilterKeys = []string{"type", "subtype", "clinical_area", "workforce_group", "point_of_care", "horizon", "region",
	"source", "from", "to", "q"}

// CodeFilters are the filter keys that are code dimensions.
var CodeFilters = FilterKeys[:7]

// dateFilters are the filter keys that are dates (YYYY-MM-DD), inclusive.
var dateFilters = map[string]bool{"from": true, "to": true}

// filterSQL finds the technologies a dashboard filter keeps: the
// dashboard technologies that carry every code filtered on, have an
// announcement from the source and within the dates given, and whose name
// or developer holds the text searched for, with the main type (an
// analyst's, else the best-scored) each is counted under, so that the type
// counts add up to the total. Filter i is $i+1.
var filterSQL = func() string {
	var b strings.Builder
	b.WriteString(`select t.technology_id, coalesce(t.type, ''), t.name, coalesce(t.vendor, '')
from report.technology_facets t
where ($1 = '' or t.type = $1)`)
	for i, dim := range CodeFilters[1:] {
		fmt.Fprintf(&b, `
  and ($%[1]d = '' or exists (select 1 from report.technology_codes c
    where c.technology_id = t.technology_id and c.dimension = '%[2]s' and c.code = $%[1]d))`, i+2, dim)
	}
	b.WriteString(`
  and (($8 = '' and $9::date is null and $10::date is null) or exists (select 1 from report.technology_documents d
    where d.technology_id = t.technology_id and ($8 = '' or d.source_id = $8)
      and ($9::date is null or d.published_at >= $9::date) and ($10::date is null or d.published_at < $10::date + 1)))
  and ($11 = '' or strpos(lower(t.name || ' ' || coalesce(t.vendor, '')), lower($11)) > 0)`)
	return b.String()
}()

// filtered is the common table expression f every technology report
// reads: the technologies the filter kept (technology_id, type, name,
// vendor), found once per page by [Reports.Filter] and passed as arrays,
// so a page of ten reports filters once, not ten times.
const filtered = `with f as (select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) as f(technology_id, type, name, vendor))
`

// techReport is a report on the filtered technologies: sql reads f.
func techReport(name, title, sql string) Report {
	return Report{Name: name, Title: title, Filtered: true, SQL: filtered + sql}
}

// codeCounts counts the filtered technologies carrying each code of dim.
func codeCounts(dim, title string) Report { return namedCodeCounts(dim, dim, title) }

// namedCodeCounts is codeCounts under another report name.
func namedCodeCounts(name, dim, title string) Report {
	return techReport(name, title, `, c as materialized (
    select technology_id, code from report.technology_codes where dimension = '`+dim+`'
)
select c.code, coalesce(r.name, c.code) as name, count(distinct c.technology_id) as technologies
from c
join f on f.technology_id = c.technology_id
left join report.reference_codes r on r.dimension = '`+dim+`' and r.code = c.code
group by 1, 2 order by 3 desc, 1`)
}

// DashboardReports lists the dashboard's tables in page order. Their SQL is
// fixed; values only ever arrive as parameters. Every report on
// technologies follows the filters; the pipeline's health does not. The
// review app computes the filtered ones in memory (pipeline/facts), fast
// at any size; their SQL here is the definition it is held to by a test,
// and a reader's own tool can run it ([Reports.RunAll]).
var DashboardReports = []Report{
	techReport("total", "Technologies matching", `select count(*) as technologies,
       (select latest_document_at from report.freshness) as latest_document_at,
       (select latest_decision_at from report.freshness) as latest_decision_at
from f`),
	techReport("types", "Technologies by type", `select f.type as code, coalesce(r.name, f.type) as name, count(*) as technologies
from f left join report.reference_codes r on r.dimension = 'type' and r.code = f.type
group by 1, 2 order by 3 desc, 1`),
	namedCodeCounts("subtypes", "subtype", "Technologies by subtype"),
	// HEE's use-case profile: for each type, each dimension's codes with
	// their share of the type's technologies, ranked (the page shows the
	// top five; the CSV file has them all).
	techReport("profile", "Use-case profile by type", `, per_type as (
    select type, count(*) as n from f where type <> '' group by 1
), codes as materialized (
    select technology_id, dimension, code from report.technology_codes
    where dimension in ('clinical_area', 'workforce_group', 'point_of_care', 'horizon')
), counted as (
    select f.type, c.dimension, c.code, count(distinct c.technology_id) as technologies
    from f join codes c on c.technology_id = f.technology_id
    where f.type <> ''
    group by 1, 2, 3
)
select k.type, coalesce(rt.name, k.type) as type_name, k.dimension, k.code, coalesce(r.name, k.code) as name,
       k.technologies, p.n as type_technologies, round(100.0 * k.technologies / p.n, 1)::float8 as percent,
       row_number() over (partition by k.type, k.dimension order by k.technologies desc, k.code) as rank
from counted k
join per_type p on p.type = k.type
left join report.reference_codes rt on rt.dimension = 'type' and rt.code = k.type
left join report.reference_codes r on r.dimension = k.dimension and r.code = k.code
order by p.n desc, k.type, k.dimension, rank`),
	namedCodeCounts("regions", "region", "Technologies by NHS region"),
	codeCounts("clinical_area", "Clinical areas"),
	codeCounts("workforce_group", "Workforce groups"),
	codeCounts("point_of_care", "Point of care"),
	codeCounts("horizon", "Time to deployment at scale"),
	techReport("point_of_care_by_horizon", "Point of care by time to deployment", `, p as materialized (
    select technology_id, code from report.technology_codes where dimension = 'point_of_care'
), h as materialized (
    select technology_id, code from report.technology_codes where dimension = 'horizon'
)
select p.code as point_of_care, coalesce(rp.name, p.code) as point_of_care_name, h.code as horizon,
       coalesce(rh.name, h.code) as horizon_name, count(distinct p.technology_id) as technologies
from f
join p on p.technology_id = f.technology_id
join h on h.technology_id = f.technology_id
left join report.reference_codes rp on rp.dimension = 'point_of_care' and rp.code = p.code
left join report.reference_codes rh on rh.dimension = 'horizon' and rh.code = h.code
group by 1, 2, 3, 4 order by 1, 3`),
	// The marks are aggregated in the select list, so only for the rows
	// returned, after the limit.
	techReport("technologies", "Technologies", `, docs as (
    select d.technology_id, count(*) as documents, min(d.published_at) as first_published, max(d.published_at) as latest_published
    from report.technology_documents d join f on f.technology_id = d.technology_id
    group by 1
)
select f.technology_id, f.name, f.vendor,
       coalesce((select r.name from report.reference_codes r where r.dimension = 'type' and r.code = f.type), f.type) as type,
       coalesce(docs.documents, 0) as documents, docs.first_published, docs.latest_published,
       coalesce((select string_agg(trim(m.name || ' ' || m.reference), '; ' order by m.name, m.reference)
                 from report.technology_marks m where m.technology_id = f.technology_id), '') as regulatory_marks
from f left join docs on docs.technology_id = f.technology_id
order by docs.first_published desc nulls last, f.technology_id limit 1000`),
	{Name: "sources", Title: "Sources", SQL: `select source_id, last_run_at, last_success_at, consecutive_failures, coalesce(last_error, '') as last_error,
       documents, newest_document_at, running_since, abandoned_runs
from report.source_health order by consecutive_failures desc, source_id`},
	{Name: "review_backlog", Title: "Review backlog", SQL: `select state, reason, items, oldest
from report.review_backlog order by state, items desc, reason`},
	{Name: "codes", Title: "Reference codes", SQL: `select dimension, code, name
from report.reference_codes order by dimension, code`},
	{Name: "dead_letters", Title: "Dead letters", SQL: `select stage, reason, messages, open, deliveries, last_seen
from report.dead_letter_summary order by last_seen desc`},
}

// DashboardReport returns the report called name.
func DashboardReport(name string) (Report, bool) {
	for _, r := range DashboardReports {
		if r.Name == name {
			return r, true
		}
	}
	return Report{}, false
}

// Filter finds the technologies filter keeps, as a filtered report
// reads them.
func (r *Reports) Filter(ctx context.Context, filter map[string]string) (Filtered, error) {
	rows, err := r.pool.Query(ctx, filterSQL, filterArgs(FilterKeys, filter)...)
	if err != nil {
		return Filtered{}, fmt.Errorf("filtering technologies: %w", err)
	}
	defer rows.Close()
	var f Filtered
	for rows.Next() {
		var id int64
		var typ, name, vendor string
		if err := rows.Scan(&id, &typ, &name, &vendor); err != nil {
			return f, fmt.Errorf("filtering technologies: %w", err)
		}
		f.IDs, f.Types, f.Names, f.Vendors = append(f.IDs, id), append(f.Types, typ), append(f.Names, name), append(f.Vendors, vendor)
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("filtering technologies: %w", err)
	}
	return f, nil
}

// filterArgs are the values of filter keys, as query arguments: an empty
// date is null.
func filterArgs(keys []string, filter map[string]string) []any {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = filter[k]
		if dateFilters[k] && filter[k] == "" {
			args[i] = nil
		}
	}
	return args
}

// Filtered are the technologies a filter keeps, column by column.
type Filtered struct {
	IDs                   []int64
	Types, Names, Vendors []string
}

// Run runs report rep with the filter values it names taken from filter
// (a filtered report filters first).
func (r *Reports) Run(ctx context.Context, rep Report, filter map[string]string) (Table, error) {
	var f Filtered
	if rep.Filtered {
		var err error
		if f, err = r.Filter(ctx, filter); err != nil {
			return Table{}, err
		}
	}
	return r.run(ctx, rep, filter, f)
}

// RunAll runs the reports with one filter, filtering once when any of
// them is filtered, up to four at a time (each on its own connection), and
// returns their tables in order.
func (r *Reports) RunAll(ctx context.Context, reps []Report, filter map[string]string) ([]Table, error) {
	var f Filtered
	if slices.ContainsFunc(reps, func(rep Report) bool { return rep.Filtered }) {
		var err error
		if f, err = r.Filter(ctx, filter); err != nil {
			return nil, err
		}
	}
	tables := make([]Table, len(reps))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, rep := range reps {
		g.Go(func() (err error) {
			tables[i], err = r.run(gctx, rep, filter, f)
			return err
		})
	}
	return tables, g.Wait()
}

func (r *Reports) run(ctx context.Context, rep Report, filter map[string]string, f Filtered) (Table, error) {
	args := filterArgs(rep.Params, filter)
	if rep.Filtered {
		args = append([]any{f.IDs, f.Types, f.Names, f.Vendors}, args...)
	}
	rows, err := r.pool.Query(ctx, rep.SQL, args...)
	if err != nil {
		return Table{}, fmt.Errorf("report %s: %w", rep.Name, err)
	}
	defer rows.Close()
	t := Table{Name: rep.Name, Title: rep.Title}
	for _, f := range rows.FieldDescriptions() {
		t.Columns = append(t.Columns, f.Name)
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return t, fmt.Errorf("report %s: %w", rep.Name, err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = Cell(v)
		}
		t.Rows = append(t.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("report %s: %w", rep.Name, err)
	}
	return t, nil
}

// Cell is a value from a report as its table shows it: times in UTC to the
// minute, nothing as "".
func Cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04")
	default:
		return fmt.Sprint(v)
	}
}
