package review

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/horizon-scan/horizon/pipeline/store"
)

// dashboardView is the dashboard's content: the filters applied, every
// widget drawn from the filtered technologies, and the pipeline's health.
type dashboardView struct {
	Filter  map[string]string
	Query   string // the filters as a query string, for CSV and drill-down links
	Active  []activeFilter
	Choices []filterChoice
	Sources []string // the sources, for the source filter
	Problem string   // a filter that could not be read, in words

	Total        int64
	AsOf         string // when the newest document was loaded
	DecidedAt    string // when the newest analyst decision was made
	Charts       map[string]barChart
	Profiles     []profileCard
	Map          regionMap
	Grid         grid
	Technologies []store.Table // [0]: the first rows, as shown
	Shown, Rows  int           // technologies shown on the page, and listed in the CSV
	Tables       map[string]store.Table
}

// activeFilter is one filter in force, with the link that lifts it.
type activeFilter struct {
	Label, Value, Remove string
}

// filterChoice is one code filter of the filter bar.
type filterChoice struct {
	Key, Label string
	Options    []store.Code
}

// profileCard is HEE's use-case profile of one type: for each dimension,
// the five codes most of its technologies carry, as shares.
type profileCard struct {
	Code, Name string
	N          string
	Href       string
	Dims       []profileDim
}

type profileDim struct {
	Label string
	Chart barChart
}

// techRowsShown is how many technologies the page lists (the CSV has more).
const techRowsShown = 100

// readFilter reads the dashboard's filters from query q: codes and the
// source as given, dates only as YYYY-MM-DD, search text trimmed and cut
// to 100 characters. It says in words what it could not read.
func readFilter(q url.Values) (map[string]string, string) {
	f := map[string]string{}
	var problems []string
	for _, k := range store.FilterKeys {
		v := strings.TrimSpace(q.Get(k))
		switch k {
		case "from", "to":
			if v == "" {
				break
			}
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				problems = append(problems, fmt.Sprintf("the %s date %q is not a date (YYYY-MM-DD), so it was left out", filterLabel(k), short(20, v)))
				v = ""
			}
		case "q":
			v = short(100, v)
		}
		f[k] = v
	}
	return f, strings.Join(problems, "; ")
}

// filterLabel names filter key k for a reader.
func filterLabel(k string) string {
	switch k {
	case "source":
		return "Source"
	case "from":
		return "from"
	case "to":
		return "to"
	case "q":
		return "Name or developer"
	}
	return dimLabel(k)
}

// filterQuery is filter f as a query string, with each key of the pairs
// kv set to the value after it ("" lifts it).
func filterQuery(f map[string]string, kv ...string) string {
	g := maps.Clone(f)
	for i := 0; i+1 < len(kv); i += 2 {
		g[kv[i]] = kv[i+1]
	}
	q := url.Values{}
	for _, key := range store.FilterKeys {
		if g[key] != "" {
			q.Set(key, g[key])
		}
	}
	return q.Encode()
}

// drill is the dashboard's address with filter f and the pairs kv set, at
// the list of matching technologies.
func drill(f map[string]string, kv ...string) string {
	return "/dashboard?" + filterQuery(f, kv...) + "#technologies"
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, problem := readFilter(r.URL.Query())
	v := dashboardView{Filter: f, Problem: problem, Charts: map[string]barChart{},
		Query: filterQuery(f)}
	// The technologies are counted in memory while the pipeline's health
	// and the reference codes are read from their report views, side by
	// side, each on its own connection of the read-only pool.
	var counts map[string]store.Table
	var tables []store.Table
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		counts, err = s.technologyTables(gctx, f)
		return err
	})
	g.Go(func() (err error) {
		tables, err = s.health.get(gctx, s.reports)
		return err
	})
	if err := g.Wait(); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Tables = counts
	for _, t := range tables {
		v.Tables[t.Name] = t
	}
	if total := v.Tables["total"]; len(total.Rows) == 1 {
		v.Total, _ = strconv.ParseInt(total.Rows[0][0], 10, 64)
		v.AsOf, v.DecidedAt = total.Rows[0][1], total.Rows[0][2]
	}
	names := codeNames(v.Tables["codes"])
	for _, k := range store.CodeFilters {
		c := filterChoice{Key: k, Label: dimLabel(k)}
		for _, row := range v.Tables["codes"].Rows {
			if row[0] == k {
				c.Options = append(c.Options, store.Code{Code: row[1], Name: row[2]})
			}
		}
		slices.SortStableFunc(c.Options, func(a, b store.Code) int { return cmp.Compare(a.Name, b.Name) })
		v.Choices = append(v.Choices, c)
	}
	for _, row := range v.Tables["sources"].Rows {
		v.Sources = append(v.Sources, row[0])
	}
	for _, k := range store.FilterKeys {
		if f[k] == "" {
			continue
		}
		val := f[k]
		if n := names[k][val]; n != "" {
			val = n
		}
		v.Active = append(v.Active, activeFilter{Label: filterLabel(k), Value: val, Remove: "/dashboard?" + filterQuery(f, k, "")})
	}
	for name, key := range map[string]string{"types": "type", "subtypes": "subtype", "clinical_area": "clinical_area",
		"workforce_group": "workforce_group", "point_of_care": "point_of_care", "horizon": "horizon", "regions": "region"} {
		v.Charts[name] = bars(v.Tables[name], 15, v.Total, func(code string) string { return drill(f, key, code) })
	}
	v.Profiles = profiles(v.Tables["profile"], f)
	v.Map = newRegionMap(v.Tables["regions"], f)
	v.Grid = newGrid(v.Tables["point_of_care_by_horizon"], names, f)
	techs := v.Tables["technologies"]
	v.Rows = len(techs.Rows)
	if len(techs.Rows) > techRowsShown {
		techs.Rows = techs.Rows[:techRowsShown]
	}
	v.Shown = len(techs.Rows)
	v.Technologies = []store.Table{techs}
	// The page shows names; the CSV files keep the codes too.
	for name, t := range v.Tables {
		v.Tables[name] = shown(t)
	}
	s.render(w, r, http.StatusOK, "dashboard.html", page{Title: "Dashboard", Content: v})
}

// healthReports are the dashboard's reports that do not count
// technologies (the filtered ones, which the facts index computes): the
// pipeline's health and the reference codes.
var healthReports = slices.DeleteFunc(slices.Clone(store.DashboardReports), func(r store.Report) bool { return r.Filtered })

// healthCache keeps the tables of healthReports for a few seconds: they
// are the same for every reader and filter and change slowly, while at
// 100,000 review items the backlog alone costs 65 ms of Postgres per page.
// The app's own writes (every POST) drop it, so an analyst's decision
// shows at once.
type healthCache struct {
	mu     sync.Mutex
	at     time.Time
	tables []store.Table
}

// healthTTL is how long the health tables are kept.
const healthTTL = 5 * time.Second

// get returns the health tables, read afresh when older than healthTTL.
func (c *healthCache) get(ctx context.Context, reports *store.Reports) ([]store.Table, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables != nil && time.Since(c.at) < healthTTL {
		return c.tables, nil
	}
	tables, err := reports.RunAll(ctx, healthReports, nil)
	if err != nil {
		return nil, err
	}
	c.tables, c.at = tables, time.Now()
	return tables, nil
}

// drop forgets the tables, so that the next page reads them afresh.
func (c *healthCache) drop() {
	c.mu.Lock()
	c.tables = nil
	c.mu.Unlock()
}

// technologyTables counts the technologies filter f keeps into the
// dashboard's technology reports. It first brings the facts up to date
// with every write so far, so an analyst sees their decision at once; the
// loader keeps them nearly so, and the index reads only what changed.
func (s *Server) technologyTables(ctx context.Context, f map[string]string) (map[string]store.Table, error) {
	if _, err := s.store.RefreshFacts(ctx); err != nil {
		return nil, err
	}
	if err := s.facts.Sync(ctx); err != nil {
		return nil, err
	}
	return s.facts.Tables(ctx, f)
}

// reportCSV downloads one dashboard table, with the page's filters.
func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request) {
	name, isCSV := strings.CutSuffix(r.PathValue("file"), ".csv")
	rep, ok := store.DashboardReport(name)
	if !ok || !isCSV {
		s.notFound(w, r)
		return
	}
	f, _ := readFilter(r.URL.Query())
	var t store.Table
	var err error
	if rep.Filtered {
		var tables map[string]store.Table
		tables, err = s.technologyTables(r.Context(), f)
		t = tables[rep.Name]
	} else {
		t, err = s.reports.Run(r.Context(), rep, f)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="horizon-%s.csv"`, rep.Name))
	cw := csv.NewWriter(w)
	_ = cw.Write(t.Columns)
	for _, row := range t.Rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = csvSafe(c)
		}
		_ = cw.Write(out)
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a scraped value as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

// barChart is a horizontal bar chart: one row per value, each bar's
// length out of barMax.
type barChart struct {
	Bars []bar
	More int // rows left out
}

type bar struct {
	Label   string
	Code    string
	Value   string
	Percent string // share of all the technologies counted, "" when none
	Width   float64
	Href    string // the matching technologies ("" when they cannot be filtered)
}

// barMax is the length of the largest bar, in the units of the bar's track.
const barMax = 260.0

// bars charts table t (code, name, count): its top n rows, each with its
// share of total and the link href gives for its code.
func bars(t store.Table, n int, total int64, href func(code string) string) barChart {
	var c barChart
	maxV := 0.0
	for i, row := range t.Rows {
		if i >= n {
			break
		}
		v, _ := strconv.ParseFloat(row[2], 64)
		maxV = math.Max(maxV, v)
	}
	for i, row := range t.Rows {
		if i >= n {
			c.More = len(t.Rows) - n
			break
		}
		v, _ := strconv.ParseFloat(row[2], 64)
		b := bar{Label: row[1], Code: row[0], Value: row[2], Percent: percent(v, float64(total))}
		if maxV > 0 {
			b.Width = math.Max(2, v/maxV*barMax)
		}
		if b.Code == "" {
			b.Label = "Not classified"
		} else if href != nil {
			b.Href = href(b.Code)
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// percent is v as a share of total, to a whole percent ("<1%" for a small
// non-zero share), or "" when total is nothing.
func percent(v, total float64) string {
	switch {
	case total <= 0:
		return ""
	case v > 0 && v/total < 0.005:
		return "<1%"
	}
	return fmt.Sprintf("%.0f%%", 100*v/total)
}

// profiles are HEE's use-case profiles, one card per type with the top
// five codes of each dimension as shares of the type's technologies.
func profiles(t store.Table, f map[string]string) []profileCard {
	col := columns(t)
	var out []profileCard
	dims := []string{"clinical_area", "workforce_group", "point_of_care", "horizon"}
	for _, row := range t.Rows {
		typ, dim := row[col["type"]], row[col["dimension"]]
		if len(out) == 0 || out[len(out)-1].Code != typ {
			out = append(out, profileCard{Code: typ, Name: row[col["type_name"]], N: row[col["type_technologies"]],
				Href: drill(f, "type", typ)})
			for _, d := range dims {
				out[len(out)-1].Dims = append(out[len(out)-1].Dims, profileDim{Label: dimLabel(d)})
			}
		}
		card := &out[len(out)-1]
		i := slices.Index(dims, dim)
		if i < 0 {
			continue
		}
		if rank, _ := strconv.Atoi(row[col["rank"]]); rank > 5 {
			card.Dims[i].Chart.More++
			continue
		}
		pct, _ := strconv.ParseFloat(row[col["percent"]], 64)
		code := row[col["code"]]
		card.Dims[i].Chart.Bars = append(card.Dims[i].Chart.Bars, bar{Label: row[col["name"]], Code: code,
			Value: row[col["technologies"]], Percent: percent(pct, 100), Width: math.Max(2, pct/100*barMax),
			Href: drill(f, "type", typ, dim, code)})
	}
	return out
}

// columns maps a table's column names to their positions.
func columns(t store.Table) map[string]int {
	m := make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		m[c] = i
	}
	return m
}

// regionMap is a schematic map of the UK's NHS regions, coloured by how
// many technologies each has: drawn from boxes placed roughly where the
// regions lie, with no external tiles, and a legend below them.
type regionMap struct {
	Regions []regionBox
	Max     int64
	Legend  []legendStep
}

type regionBox struct {
	Code       string
	Name       string
	X, Y, W, H int
	Count      int64
	Fill       string
	Ink        string
	Href       string
}

// legendStep is one swatch of the map's legend.
type legendStep struct {
	X         int
	Label     string
	Fill, Ink string
}

// regionLayout places each region in a 400×360 box, each wide enough for
// its name at the map's type size.
var regionLayout = []regionBox{
	{Code: "SCOTLAND", Name: "Scotland", X: 120, Y: 5, W: 140, H: 95},
	{Code: "NORTHERN_IRELAND", Name: "N. Ireland", X: 5, Y: 70, W: 105, H: 50},
	{Code: "ENGLAND", Name: "England-wide", X: 270, Y: 5, W: 125, H: 45},
	{Code: "NON_UK", Name: "Outside the UK", X: 270, Y: 55, W: 125, H: 45},
	{Code: "NHS_NORTH_WEST", Name: "North West", X: 110, Y: 105, W: 100, H: 85},
	{Code: "NHS_NORTH_EAST_YORKSHIRE", Name: "NE and Yorkshire", X: 215, Y: 105, W: 140, H: 85},
	{Code: "WALES", Name: "Wales", X: 35, Y: 195, W: 90, H: 80},
	{Code: "NHS_MIDLANDS", Name: "Midlands", X: 130, Y: 195, W: 110, H: 80},
	{Code: "NHS_EAST_OF_ENGLAND", Name: "East of England", X: 245, Y: 195, W: 140, H: 80},
	{Code: "NHS_SOUTH_WEST", Name: "South West", X: 5, Y: 280, W: 135, H: 75},
	{Code: "NHS_SOUTH_EAST", Name: "South East", X: 145, Y: 280, W: 145, H: 75},
	{Code: "NHS_LONDON", Name: "London", X: 295, Y: 280, W: 90, H: 75},
}

func newRegionMap(t store.Table, f map[string]string) regionMap {
	counts := map[string]int64{}
	var m regionMap
	for _, row := range t.Rows {
		n, _ := strconv.ParseInt(row[2], 10, 64)
		counts[row[0]] = n
		m.Max = max(m.Max, n)
	}
	for _, b := range regionLayout {
		b.Count = counts[b.Code]
		b.Fill, b.Ink = heat(b.Count, m.Max)
		b.Href = drill(f, "region", b.Code)
		m.Regions = append(m.Regions, b)
	}
	fill, ink := heat(0, m.Max)
	m.Legend = append(m.Legend, legendStep{X: 0, Label: "0", Fill: fill, Ink: ink})
	var last int64 // the count of the last swatch: a small maximum gives fewer
	if m.Max > 0 {
		for i, share := range []float64{0.25, 0.5, 0.75, 1} {
			n := max(1, int64(math.Round(share*float64(m.Max))))
			if n <= last {
				continue
			}
			last = n
			fill, ink := heat(n, m.Max)
			m.Legend = append(m.Legend, legendStep{X: 60 * (i + 1), Label: strconv.FormatInt(n, 10), Fill: fill, Ink: ink})
		}
	}
	return m
}

// heat is a fill from pale to deep blue for n of maxN, and a legible ink.
func heat(n, maxN int64) (fill, ink string) {
	if n == 0 || maxN == 0 {
		return "#f0f0f0", "#333333"
	}
	f := 0.25 + 0.75*float64(n)/float64(maxN)
	lerp := func(a, b int) int { return a + int(math.Round(f*float64(b-a))) }
	fill = fmt.Sprintf("#%02x%02x%02x", lerp(0xde, 0x08), lerp(0xeb, 0x30), lerp(0xf7, 0x6b))
	if f > 0.55 {
		return fill, "#ffffff"
	}
	return fill, "#111111"
}

// heatLevel is n of maxN on a scale of 0 (none) to 5, for a class.
func heatLevel(n, maxN int64) int {
	switch {
	case n <= 0 || maxN <= 0:
		return 0
	case n >= maxN:
		return 5
	}
	return 1 + int(math.Round(4*float64(n-1)/float64(maxN-1)))
}

// grid is point of care × time to deployment as a table of cells.
type grid struct {
	Cols []string // names of the times to deployment
	Rows []gridRow
}

type gridRow struct {
	Label string
	Cells []gridCell
}

type gridCell struct {
	Count int64
	Level int // 0 (none) to 5 (the most), a CSS class
	Href  string
	Title string
}

// horizons are the times to deployment, soonest first.
var horizons = []string{"NOW", "WITHIN_1Y", "Y1_3", "Y3_PLUS"}

func newGrid(t store.Table, names map[string]map[string]string, f map[string]string) grid {
	var g grid
	counts := map[[2]string]int64{}
	var rows []string
	var maxN int64
	for _, r := range t.Rows {
		n, _ := strconv.ParseInt(r[4], 10, 64)
		counts[[2]string{r[0], r[2]}] = n
		maxN = max(maxN, n)
		if !slices.Contains(rows, r[0]) {
			rows = append(rows, r[0])
		}
	}
	for _, c := range horizons {
		g.Cols = append(g.Cols, cmp.Or(names["horizon"][c], c))
	}
	for _, r := range rows {
		gr := gridRow{Label: cmp.Or(names["point_of_care"][r], r)}
		for i, c := range horizons {
			n := counts[[2]string{r, c}]
			gr.Cells = append(gr.Cells, gridCell{Count: n, Level: heatLevel(n, maxN),
				Href: drill(f, "point_of_care", r, "horizon", c), Title: gr.Label + ", " + g.Cols[i]})
		}
		g.Rows = append(g.Rows, gr)
	}
	return g
}

// codeNames maps dimension → code → name, from the codes report.
func codeNames(t store.Table) map[string]map[string]string {
	names := map[string]map[string]string{}
	for _, r := range t.Rows {
		if names[r[0]] == nil {
			names[r[0]] = map[string]string{}
		}
		names[r[0]][r[1]] = r[2]
	}
	return names
}

// headings are column headings in words where the generic rule reads badly.
var headings = map[string]string{"technology_id": "Technology", "source_id": "Source", "open": "Not yet redriven",
	"consecutive_failures": "Failed runs in a row", "last_error": "Last error", "newest_document_at": "Newest document",
	"running_since": "Running since", "abandoned_runs": "Abandoned runs", "last_run_at": "Last run", "last_success_at": "Last success"}

// shown is table t as the page shows it: headings in words, the code
// columns left to the CSV file (a name column says the same), and
// dimensions by their names.
func shown(t store.Table) store.Table {
	out := store.Table{Name: t.Name, Title: t.Title}
	var keep []int
	for i, c := range t.Columns {
		if c == "code" && slices.Contains(t.Columns, "name") {
			continue
		}
		keep = append(keep, i)
		h, ok := headings[c]
		if !ok {
			h = strings.ReplaceAll(c, "_", " ")
			h = strings.ToUpper(h[:1]) + h[1:]
		}
		out.Columns = append(out.Columns, h)
	}
	for _, r := range t.Rows {
		row := make([]string, 0, len(keep))
		for _, i := range keep {
			v := r[i]
			if t.Columns[i] == "dimension" {
				v = dimLabel(v)
			}
			row = append(row, v)
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}
