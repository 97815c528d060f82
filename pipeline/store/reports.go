package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
		_, err := c.Exec(ctx, "set role "+ReaderRole)
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
	SQL    string
}

// Overview filters: the dimensions the technology overview is filtered by.
var OverviewFilters = []string{"clinical_area", "workforce_group", "point_of_care", "horizon"}

// overviewWhere keeps the technologies carrying every filter code given:
// filter i is $i+1, and an empty value keeps all.
var overviewWhere = func() string {
	w := "true"
	for i, dim := range OverviewFilters {
		w += fmt.Sprintf(` and ($%d = '' or exists (select 1 from report.technology_codes c
    where c.technology_id = t.technology_id and c.dimension = '%s' and c.code = $%d))`, i+1, dim, i+1)
	}
	return w
}()

func codeCounts(dim, title string) Report {
	return Report{Name: dim, Title: title, SQL: `select code, coalesce(name, code) as name, technologies
from report.code_counts where dimension = '` + dim + `' order by technologies desc, code`}
}

// DashboardReports lists the dashboard's tables in page order. Their SQL is
// fixed; values only ever arrive as parameters.
var DashboardReports = []Report{
	{Name: "types", Title: "Technologies by type", SQL: `select code, coalesce(name, code) as name, technologies
from report.distribution where dimension = 'type' order by technologies desc, code`},
	{Name: "subtypes", Title: "Technologies by subtype", SQL: `select code, coalesce(name, code) as name, technologies
from report.distribution where dimension = 'subtype' order by technologies desc, code`},
	{Name: "profile", Title: "Use-case profile", Params: []string{"type"}, SQL: `select dimension, code, coalesce(name, code) as name, technologies
from report.profile where type = $1 and dimension in ('clinical_area', 'workforce_group', 'point_of_care', 'horizon')
order by dimension, technologies desc, code`},
	{Name: "regions", Title: "Technologies by NHS region", SQL: `select region as code, coalesce(name, region) as name, technologies
from report.regions order by technologies desc, region`},
	codeCounts("clinical_area", "Clinical areas"),
	codeCounts("workforce_group", "Workforce groups"),
	codeCounts("point_of_care", "Point of care"),
	codeCounts("horizon", "Time to deployment at scale"),
	{Name: "point_of_care_by_horizon", Title: "Point of care by time to deployment", SQL: `select point_of_care, horizon, technologies
from report.point_of_care_by_horizon order by point_of_care, horizon`},
	{Name: "overview_types", Title: "Filtered technologies by type", Params: OverviewFilters, SQL: `select coalesce(r.name, t.type, '') as type, count(*) as technologies
from report.technologies t left join report.reference_codes r on r.dimension = 'type' and r.code = t.type
where ` + overviewWhere + ` group by 1 order by 2 desc, 1`},
	// The type's name is looked up in the select list, so only for the rows
	// shown, after the limit (a join would compute every technology's type).
	{Name: "technologies", Title: "Technologies", Params: OverviewFilters, SQL: `select t.technology_id, t.name, coalesce(t.vendor, '') as vendor,
       coalesce((select r.name from report.reference_codes r where r.dimension = 'type' and r.code = t.type), t.type, '') as type,
       t.documents, t.first_published, t.latest_published, coalesce(t.regulatory_marks, '') as regulatory_marks
from report.technologies t
where ` + overviewWhere + `
order by t.first_published desc nulls last, t.technology_id limit 1000`},
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

// Run runs report rep with the filter values it names taken from filter.
func (r *Reports) Run(ctx context.Context, rep Report, filter map[string]string) (Table, error) {
	args := make([]any, len(rep.Params))
	for i, p := range rep.Params {
		args[i] = filter[p]
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
			row[i] = cell(v)
		}
		t.Rows = append(t.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("report %s: %w", rep.Name, err)
	}
	return t, nil
}

func cell(v any) string {
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
