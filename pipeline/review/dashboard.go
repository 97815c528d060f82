package review

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/horizon-scan/horizon/pipeline/store"
)

// dashboardView is the dashboard's content: every report table, charts
// drawn from them, and the filters applied.
type dashboardView struct {
	Filter  map[string]string
	Query   string // the filters as a query string, for CSV links
	Tables  map[string]store.Table
	Options map[string][]store.Code // filter choices: codes some technology carries
	Charts  map[string]barChart
	Map     regionMap
	Grid    grid
	Types   []store.Code // the types with technologies, for the profile picker
	// TypeName names the type whose profile shows.
	TypeName string
	Filters  []string
}

// filterKeys are the query parameters the dashboard understands.
var filterKeys = append([]string{"type"}, store.OverviewFilters...)

func dashboardFilter(q url.Values) map[string]string {
	f := map[string]string{}
	for _, k := range filterKeys {
		f[k] = q.Get(k)
	}
	return f
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := dashboardFilter(r.URL.Query())
	v := dashboardView{Filter: f, Tables: map[string]store.Table{}, Options: map[string][]store.Code{},
		Charts: map[string]barChart{}, Filters: store.OverviewFilters}
	// Types first: the profile shows the largest type unless one was picked.
	types, err := s.reports.Run(ctx, mustReport("types"), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f["type"] == "" && len(types.Rows) > 0 {
		f["type"] = types.Rows[0][0]
	}
	// The other reports are independent: run them side by side, each on its
	// own connection of the read-only pool.
	rest := slices.DeleteFunc(slices.Clone(store.DashboardReports), func(rep store.Report) bool { return rep.Name == types.Name })
	tables := make([]store.Table, len(rest))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, rep := range rest {
		g.Go(func() (err error) {
			tables[i], err = s.reports.Run(gctx, rep, f)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, t := range append(tables, types) {
		v.Tables[t.Name] = t
	}
	for _, dim := range store.OverviewFilters {
		for _, row := range v.Tables[dim].Rows {
			v.Options[dim] = append(v.Options[dim], store.Code{Code: row[0], Name: row[1]})
		}
	}
	for _, row := range v.Tables["types"].Rows {
		v.Types = append(v.Types, store.Code{Code: row[0], Name: row[1]})
	}
	for _, name := range []string{"types", "subtypes", "clinical_area", "workforce_group", "point_of_care", "horizon"} {
		v.Charts[name] = bars(v.Tables[name], 1, 2, 15)
	}
	v.Charts["overview_types"] = bars(v.Tables["overview_types"], 0, 1, 15)
	v.Map = newRegionMap(v.Tables["regions"])
	names := codeNames(v.Tables["codes"])
	v.Grid = newGrid(v.Tables["point_of_care_by_horizon"], names)
	v.TypeName = cmp.Or(names["type"][f["type"]], f["type"])
	// The page shows names; the CSV files keep the codes too.
	for name, t := range v.Tables {
		v.Tables[name] = shown(t)
	}
	q := url.Values{}
	for k, val := range f {
		if val != "" {
			q.Set(k, val)
		}
	}
	v.Query = q.Encode()
	s.render(w, r, http.StatusOK, "dashboard.html", page{Title: "Dashboard", Content: v})
}

func mustReport(name string) store.Report {
	rep, ok := store.DashboardReport(name)
	if !ok {
		panic("no report " + name)
	}
	return rep
}

// reportCSV downloads one dashboard table, with the page's filters.
func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request) {
	name, isCSV := strings.CutSuffix(r.PathValue("file"), ".csv")
	rep, ok := store.DashboardReport(name)
	if !ok || !isCSV {
		s.notFound(w, r)
		return
	}
	t, err := s.reports.Run(r.Context(), rep, dashboardFilter(r.URL.Query()))
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
	Label string
	Value string
	Width float64
}

// barMax is the length of the largest bar, in the units of the bar's track.
const barMax = 260.0

// bars charts table t: label column lc, numeric column vc, top n rows.
func bars(t store.Table, lc, vc, n int) barChart {
	var c barChart
	maxV := 0.0
	for i, row := range t.Rows {
		if i >= n {
			break
		}
		v, _ := strconv.ParseFloat(row[vc], 64)
		maxV = math.Max(maxV, v)
	}
	for i, row := range t.Rows {
		if i >= n {
			c.More = len(t.Rows) - n
			break
		}
		v, _ := strconv.ParseFloat(row[vc], 64)
		width := 0.0
		if maxV > 0 {
			width = math.Max(2, v/maxV*barMax)
		}
		label := row[lc]
		if label == "" {
			label = "Not classified"
		}
		c.Bars = append(c.Bars, bar{Label: label, Value: row[vc], Width: width})
	}
	return c
}

// regionMap is a schematic map of the UK's NHS regions, coloured by how
// many technologies each has: drawn from boxes placed roughly where the
// regions lie, with no external tiles.
type regionMap struct {
	Regions []regionBox
	Max     int64
}

type regionBox struct {
	Code       string
	Name       string
	X, Y, W, H int
	Count      int64
	Fill       string
	Ink        string
}

// regionLayout places each region in a 360×360 box.
var regionLayout = []regionBox{
	{Code: "SCOTLAND", Name: "Scotland", X: 100, Y: 5, W: 130, H: 100},
	{Code: "NORTHERN_IRELAND", Name: "N. Ireland", X: 5, Y: 75, W: 85, H: 50},
	{Code: "NHS_NORTH_WEST", Name: "North West", X: 100, Y: 110, W: 85, H: 85},
	{Code: "NHS_NORTH_EAST_YORKSHIRE", Name: "NE and Yorkshire", X: 190, Y: 110, W: 110, H: 85},
	{Code: "WALES", Name: "Wales", X: 40, Y: 200, W: 75, H: 75},
	{Code: "NHS_MIDLANDS", Name: "Midlands", X: 120, Y: 200, W: 100, H: 75},
	{Code: "NHS_EAST_OF_ENGLAND", Name: "East of England", X: 225, Y: 200, W: 110, H: 75},
	{Code: "NHS_SOUTH_WEST", Name: "South West", X: 10, Y: 280, W: 125, H: 75},
	{Code: "NHS_SOUTH_EAST", Name: "South East", X: 140, Y: 280, W: 195, H: 75},
	{Code: "NHS_LONDON", Name: "London", X: 255, Y: 285, W: 70, H: 38},
	{Code: "ENGLAND", Name: "England-wide", X: 245, Y: 5, W: 110, H: 45},
	{Code: "NON_UK", Name: "Outside the UK", X: 245, Y: 55, W: 110, H: 45},
}

func newRegionMap(t store.Table) regionMap {
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
		m.Regions = append(m.Regions, b)
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
}

// horizons are the times to deployment, soonest first.
var horizons = []string{"NOW", "WITHIN_1Y", "Y1_3", "Y3_PLUS"}

func newGrid(t store.Table, names map[string]map[string]string) grid {
	var g grid
	counts := map[[2]string]int64{}
	var rows []string
	var maxN int64
	for _, r := range t.Rows {
		n, _ := strconv.ParseInt(r[2], 10, 64)
		counts[[2]string{r[0], r[1]}] = n
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
		for _, c := range horizons {
			n := counts[[2]string{r, c}]
			gr.Cells = append(gr.Cells, gridCell{Count: n, Level: heatLevel(n, maxN)})
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
var headings = map[string]string{"technology_id": "Technology", "source_id": "Source", "open": "Not yet redriven"}

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
