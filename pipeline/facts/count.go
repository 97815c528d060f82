package facts

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/horizon-scan/horizon/pipeline/store"
)

// ListLimit is how many technologies the technology list holds at most.
const ListLimit = 1000

// profileDims are the dimensions of a type's use-case profile, as indexes
// into Dims, by name as the SQL orders them: clinical_area, horizon,
// point_of_care, workforce_group.
var profileDims = []int{1, 4, 3, 2}

// filter is a dashboard filter with its codes interned.
type filter struct {
	none        bool // a code filtered on that no technology carries
	typ         code
	hasType     bool
	dims        [6]code
	hasDim      [6]bool
	source      code
	hasSource   bool
	from, to    time.Time // zero when not filtered on; to is exclusive: the day after the last
	q           string
	anyDocument bool // the source or a date is filtered on
}

// compile interns filter f's values (keys as store.FilterKeys). The caller
// holds x.mu.
func (x *Index) compile(f map[string]string) (filter, error) {
	var m filter
	lookup := func(v string) code {
		c, ok := x.interned[v]
		if !ok {
			m.none = true
		}
		return c
	}
	if v := f["type"]; v != "" {
		m.typ, m.hasType = lookup(v), true
	}
	for i, dim := range Dims {
		if v := f[dim]; v != "" {
			m.dims[i], m.hasDim[i] = lookup(v), true
		}
	}
	if v := f["source"]; v != "" {
		m.source, m.hasSource = lookup(v), true
	}
	for _, k := range []string{"from", "to"} {
		v := f[k]
		if v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return m, fmt.Errorf("filter %s: %q is not a date (YYYY-MM-DD)", k, v)
		}
		if k == "from" {
			m.from = d
		} else {
			m.to = d.AddDate(0, 0, 1)
		}
	}
	m.anyDocument = m.hasSource || !m.from.IsZero() || !m.to.IsZero()
	m.q = strings.ToLower(f["q"])
	return m, nil
}

// keeps reports whether technology t passes the filter: it carries every
// code filtered on, has one announcement from the source and within the
// dates, and its name or developer holds the text.
func (m *filter) keeps(t *tech) bool {
	if m.hasType && t.typ != m.typ {
		return false
	}
	for i := range m.dims {
		if m.hasDim[i] && !slices.Contains(t.dims[i], m.dims[i]) {
			return false
		}
	}
	if m.anyDocument {
		found := false
		for j, d := range t.docDates {
			if (!m.hasSource || t.docSources[j] == m.source) && (m.from.IsZero() || !d.Before(m.from)) && (m.to.IsZero() || d.Before(m.to)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return m.q == "" || strings.Contains(t.hay, m.q)
}

// Reports are the names of the tables [Index.Tables] computes: every
// filtered report of store.DashboardReports, which defines it in SQL.
var Reports = []string{"total", "types", "subtypes", "profile", "regions", "clinical_area", "workforce_group",
	"point_of_care", "horizon", "point_of_care_by_horizon", "technologies"}

// Tables counts the technologies filter f keeps (keys as store.FilterKeys)
// into the dashboard's technology reports, keyed by name, with the columns
// and row order of their SQL definitions (store.DashboardReports); ties
// are ordered by code, byte by byte. The technology list's regulatory
// marks are read for the rows listed.
func (x *Index) Tables(ctx context.Context, f map[string]string) (map[string]store.Table, error) {
	x.mu.RLock()
	out, ids, err := x.count(f)
	x.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	marks, err := x.marks(ctx, ids)
	if err != nil {
		return nil, err
	}
	list := out["technologies"]
	for i := range list.Rows {
		list.Rows[i][7] = marks[ids[i]]
	}
	return out, nil
}

// count computes the tables, the list's marks left empty, and returns the
// listed technologies' ids. The caller holds x.mu for reading.
func (x *Index) count(f map[string]string) (map[string]store.Table, []int64, error) {
	m, err := x.compile(f)
	if err != nil {
		return nil, nil, err
	}
	n := len(x.strs)
	var (
		total   int
		types   = make([]int, n)
		dims    [6][]int
		perType = map[code]*[6][]int{}
		grid    = map[[2]code]int{}
		listed  []*tech
	)
	for i := range dims {
		dims[i] = make([]int, n)
	}
	for _, t := range x.ordered {
		if m.none || !m.keeps(t) {
			continue
		}
		total++
		types[t.typ]++
		for i, codes := range t.dims {
			for _, c := range codes {
				dims[i][c]++
			}
		}
		if x.strs[t.typ] != "" {
			p := perType[t.typ]
			if p == nil {
				p = &[6][]int{}
				for _, i := range profileDims {
					p[i] = make([]int, n)
				}
				perType[t.typ] = p
			}
			for _, i := range profileDims {
				for _, c := range t.dims[i] {
					p[i][c]++
				}
			}
		}
		for _, pc := range t.dims[3] {
			for _, h := range t.dims[4] {
				grid[[2]code{pc, h}]++
			}
		}
		if len(listed) < ListLimit {
			listed = append(listed, t)
		}
	}

	out := map[string]store.Table{}
	put := func(name string, columns []string, rows [][]string) {
		rep, _ := store.DashboardReport(name)
		out[name] = store.Table{Name: name, Title: rep.Title, Columns: columns, Rows: rows}
	}
	put("total", []string{"technologies", "latest_document_at", "latest_decision_at"},
		[][]string{{strconv.Itoa(total), whenPtr(x.fresh[0]), whenPtr(x.fresh[1])}})
	put("types", []string{"code", "name", "technologies"}, x.codeRows("type", types))
	for i, dim := range Dims {
		name := dim
		switch dim {
		case "subtype":
			name = "subtypes"
		case "region":
			name = "regions"
		}
		put(name, []string{"code", "name", "technologies"}, x.codeRows(dim, dims[i]))
	}
	put("profile", []string{"type", "type_name", "dimension", "code", "name", "technologies", "type_technologies", "percent", "rank"},
		x.profileRows(types, perType))
	put("point_of_care_by_horizon", []string{"point_of_care", "point_of_care_name", "horizon", "horizon_name", "technologies"},
		x.gridRows(grid))
	ids := make([]int64, len(listed))
	rows := make([][]string, len(listed))
	for i, t := range listed {
		ids[i] = t.id
		rows[i] = []string{strconv.FormatInt(t.id, 10), t.name, t.vendor, x.name("type", x.strs[t.typ]),
			strconv.Itoa(len(t.docDates)), when(t.first), when(t.latest), ""}
	}
	put("technologies", []string{"technology_id", "name", "vendor", "type", "documents", "first_published",
		"latest_published", "regulatory_marks"}, rows)
	return out, ids, nil
}

// name is code's name in dim, else the code.
func (x *Index) name(dim, c string) string {
	if n, ok := x.names[dim][c]; ok {
		return n
	}
	return c
}

// whenPtr is when for a time that may be missing.
func whenPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return when(*t)
}

// when is t as the report views' tables show it, "" when zero.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return store.Cell(t)
}

// counted is a code and how many technologies carry it.
type counted struct {
	code string
	n    int
}

// ranked lists the codes with a count, most first, then by code.
func (x *Index) ranked(counts []int) []counted {
	var out []counted
	for c, n := range counts {
		if n > 0 {
			out = append(out, counted{x.strs[c], n})
		}
	}
	slices.SortFunc(out, mostFirst)
	return out
}

// mostFirst orders counted codes by count, most first, then by code.
func mostFirst(a, b counted) int {
	return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.code, b.code))
}

// codeRows are the rows (code, name, technologies) of counts in dim.
func (x *Index) codeRows(dim string, counts []int) [][]string {
	var rows [][]string
	for _, c := range x.ranked(counts) {
		rows = append(rows, []string{c.code, x.name(dim, c.code), strconv.Itoa(c.n)})
	}
	return rows
}

// profileRows are HEE's use-case profiles: for each type (most
// technologies first), each profile dimension's codes with their share of
// the type's technologies and their rank.
func (x *Index) profileRows(types []int, perType map[code]*[6][]int) [][]string {
	var order []counted
	for c := range perType {
		order = append(order, counted{x.strs[c], types[c]})
	}
	slices.SortFunc(order, mostFirst)
	var rows [][]string
	for _, typ := range order {
		p := perType[x.interned[typ.code]]
		for _, i := range profileDims {
			for rank, c := range x.ranked(p[i]) {
				pct := math.Round(float64(1000*c.n)/float64(typ.n)) / 10
				rows = append(rows, []string{typ.code, x.name("type", typ.code), Dims[i], c.code, x.name(Dims[i], c.code),
					strconv.Itoa(c.n), strconv.Itoa(typ.n), strconv.FormatFloat(pct, 'f', -1, 64), strconv.Itoa(rank + 1)})
			}
		}
	}
	return rows
}

// gridRows are the point of care × time to deployment cells, by codes.
func (x *Index) gridRows(grid map[[2]code]int) [][]string {
	type cell struct {
		poc, h string
		n      int
	}
	var cells []cell
	for k, n := range grid {
		cells = append(cells, cell{x.strs[k[0]], x.strs[k[1]], n})
	}
	slices.SortFunc(cells, func(a, b cell) int { return cmp.Or(strings.Compare(a.poc, b.poc), strings.Compare(a.h, b.h)) })
	rows := make([][]string, len(cells))
	for i, c := range cells {
		rows[i] = []string{c.poc, x.name("point_of_care", c.poc), c.h, x.name("horizon", c.h), strconv.Itoa(c.n)}
	}
	return rows
}

// marks reads the regulatory marks of the technologies ids, one string each.
func (x *Index) marks(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := x.pool.Query(ctx, `select technology_id, string_agg(trim(name || ' ' || reference), '; ' order by name, reference)
from report.technology_marks where technology_id = any($1) group by 1`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading regulatory marks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, fmt.Errorf("reading regulatory marks: %w", err)
		}
		out[id] = s
	}
	return out, rows.Err()
}
