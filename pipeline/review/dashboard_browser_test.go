package review_test

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// richCodes are the codes the rich fixture gives each technology beyond
// the seed's, one value per dimension the dashboard charts.
var richCodes = map[string][][2]string{
	"leeds-xray": {{"subtype", "DIAGNOSTIC.IMAGING"}, {"workforce_group", "MEDIC.CLINICAL_RADIOLOGY"}, {"point_of_care", "SECONDARY"}, {"horizon", "NOW"}},
	"evil":       {{"subtype", "DIAGNOSTIC.IMAGING"}, {"workforce_group", "AHP.DIAGNOSTIC_RADIOGRAPHER"}, {"point_of_care", "TERTIARY"}, {"horizon", "WITHIN_1Y"}},
	"ward":       {{"subtype", "REMOTE_MONITORING.VIRTUAL_WARD"}, {"workforce_group", "NURSE.DISTRICT"}, {"point_of_care", "COMMUNITY"}, {"horizon", "Y1_3"}},
	"rota":       {{"subtype", "AUTOMATION.WORKFORCE"}, {"workforce_group", "NON_CLINICAL.MANAGER"}, {"point_of_care", "SECONDARY"}, {"horizon", "NOW"}},
	"risk":       {{"subtype", "P4.RISK_PREDICTION"}, {"workforce_group", "MEDIC.CARDIOLOGY"}, {"point_of_care", "PRIMARY"}, {"horizon", "Y3_PLUS"}},
}

// richSeed is the seed with every dashboard dimension coded, plus a P4
// technology, whose type's name holds commas.
func richSeed() []message.Classification {
	cs := seed()
	risk := cs[2] // like the virtual ward, in cardiology, in the Midlands
	risk.Document.ID, risk.Document.URL, risk.Document.Title = "risk", "https://example.org/risk", "Heart risk score in Derby"
	risk.Technology = &message.Name{Name: "HeartRisk", Score: 2}
	risk.Vendors = []message.Name{{Name: "Midlands Cardio AI", Score: 2}}
	risk.Labels = []message.Label{{Dimension: "relevance", Code: "RELEVANT", Score: 2}, {Dimension: "type", Code: "P4", Score: 1.5},
		{Dimension: "clinical_area", Code: "CARDIOLOGY", Score: 1}, {Dimension: "region", Code: "NHS_MIDLANDS", Score: 1}}
	cs = append(cs, risk)
	for i := range cs {
		for _, dc := range richCodes[cs[i].Document.ID] {
			cs[i].Labels = append(cs[i].Labels, message.Label{Dimension: dc[0], Code: dc[1], Score: 1})
		}
	}
	return cs
}

// TestBrowserDashboardFollowsTheFilters filters the dashboard through its
// filter bar and checks that every widget and every CSV file counts only
// the matching technology; then drills down from a bar and from the map.
func TestBrowserDashboardFollowsTheFilters(t *testing.T) {
	a := startApp(t, review.Config{}, func(st *store.Store) error { return st.SaveClassifications(context.Background(), richSeed()) })
	b := browser(t)
	signIn(t, b, a.URL, "ana")
	do(t, b, "open the dashboard", chromedp.Navigate(a.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`#filters`)))
	if total := run(t, b, "total", chromedp.Text(chromedp.CSS(`#total`))); total != "5" {
		t.Errorf("the dashboard counts %s technologies, want 5", total)
	}
	// Names with commas are whole, in the charts and in the filter bar.
	p4 := "P4 medicine (predictive, preventive, personalised, participatory)"
	if text := run(t, b, "type chart", chromedp.Text(chromedp.CSS(`#chart-types`))); !strings.Contains(text, p4) {
		t.Errorf("the type chart lacks %q: %q", p4, text)
	}
	if opt := run(t, b, "type option", chromedp.Evaluate[string](`document.querySelector('#filters select[name="type"] option[value="P4"]').textContent`)); opt != p4 {
		t.Errorf("the type filter offers %q, want %q", opt, p4)
	}

	// Filter to geriatric medicine through the filter bar: only the virtual ward matches.
	do(t, b, "filter to geriatric medicine",
		chromedp.SetValue(chromedp.CSS(`#filters select[name="clinical_area"]`), "GERIATRIC_MEDICINE"),
		chromedp.Click(chromedp.CSS(`#filters button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#active-filters`)))
	if loc := run(t, b, "location", chromedp.Location()); !strings.Contains(loc, "clinical_area=GERIATRIC_MEDICINE") {
		t.Errorf("the filter is not in the address: %s", loc)
	}
	if total := run(t, b, "total", chromedp.Text(chromedp.CSS(`#total`))); total != "1" {
		t.Errorf("filtered, the dashboard counts %s technologies, want 1", total)
	}
	var others []string // codes only the other technologies carry
	for id, codes := range richCodes {
		for _, c := range codes {
			if id != "ward" && !slices.Contains(richCodes["ward"], c) {
				others = append(others, c[1])
			}
		}
	}
	others = append(others, "DIAGNOSTIC", "AUTOMATION", "P4", "CLINICAL_RADIOLOGY", "MULTIPLE", "CARDIOLOGY",
		"NHS_NORTH_EAST_YORKSHIRE", "NHS_LONDON", "NHS_SOUTH_WEST", "NHS_MIDLANDS")
	shown := run(t, b, "codes charted", chromedp.Evaluate[[]string](`Array.from(
		document.querySelectorAll("#distribution .bar-row, #profile .bar-row, #overview .bar-row"), r => r.dataset.code)`))
	for _, want := range []string{"REMOTE_MONITORING", "REMOTE_MONITORING.VIRTUAL_WARD", "GERIATRIC_MEDICINE", "NURSE.DISTRICT", "COMMUNITY", "Y1_3"} {
		if !slices.Contains(shown, want) {
			t.Errorf("filtered, no chart shows %s: %q", want, shown)
		}
	}
	for _, code := range shown {
		if slices.Contains(others, code) {
			t.Errorf("filtered to geriatric medicine, a chart still shows %s", code)
		}
	}
	regions := run(t, b, "map", chromedp.Evaluate[map[string]int](`Object.fromEntries(Array.from(
		document.querySelectorAll("svg.map .region"), g => [g.dataset.region, Number(g.dataset.count)]).filter(e => e[1] > 0))`))
	if len(regions) != 1 || regions["NHS_NORTH_WEST"] != 1 {
		t.Errorf("filtered, the map shows %v, want only the North West", regions)
	}
	if cells := run(t, b, "grid", chromedp.Evaluate[int](`document.querySelectorAll("#grid td a").length`)); cells != 1 {
		t.Errorf("filtered, the point of care × time grid has %d counted cells, want 1", cells)
	}
	if rows := run(t, b, "technologies", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#table-technologies tbody tr td:first-child"), td => td.textContent)`)); !slices.Equal(rows, []string{"WardWatch"}) {
		t.Errorf("filtered, the technologies are %q, want WardWatch alone", rows)
	}
	screenshot(t, b, "dashboard-filtered")

	// Every CSV link of the filtered widgets carries the filter, and each
	// file counts only the virtual ward.
	links := run(t, b, "CSV links", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main section:not(#health) a.csv"), a => a.getAttribute("href"))`))
	if len(links) < 10 {
		t.Errorf("only %d CSV links: %q", len(links), links)
	}
	for _, link := range links {
		if !strings.Contains(link, "clinical_area=GERIATRIC_MEDICINE") {
			t.Errorf("CSV link %s drops the filter", link)
			continue
		}
		body := run(t, b, "fetch "+link, chromedp.Evaluate[string](`fetch(`+jsString(link)+`).then(r => r.text())`, chromedp.EvalAwaitPromise))
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Errorf("%s: %d rows (%v): %q", link, len(rows), err, body)
			continue
		}
		for _, row := range rows[1:] {
			for _, field := range row {
				if slices.Contains(others, field) || strings.Contains(field, "ChestLens") || strings.Contains(field, "HeartRisk") {
					t.Errorf("%s, filtered to geriatric medicine, holds %q: %q", link, field, row)
				}
			}
		}
	}

	// Drill down: from the type chart, unfiltered, to the P4 technologies.
	do(t, b, "clear the filters", chromedp.Click(chromedp.CSS(`#active-filters a.chip`)), chromedp.WaitVisible(chromedp.CSS(`#chart-types`)))
	do(t, b, "click the P4 bar", chromedp.Click(chromedp.CSS(`#chart-types .bar-row[data-code="P4"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#active-filters`)))
	if rows := run(t, b, "technologies", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#table-technologies tbody tr td:first-child"), td => td.textContent)`)); !slices.Equal(rows, []string{"HeartRisk"}) {
		t.Errorf("from the P4 bar, the technologies are %q, want HeartRisk alone", rows)
	}
	if loc := run(t, b, "location", chromedp.Location()); !strings.HasSuffix(loc, "#technologies") || !strings.Contains(loc, "type=P4") {
		t.Errorf("the drill-down lands on %s", loc)
	}
	// And from a region of the map.
	do(t, b, "back to everything", chromedp.Navigate(a.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`svg.map`)),
		chromedp.Click(chromedp.CSS(`svg.map .region[data-region="NHS_LONDON"] rect`)), chromedp.WaitVisible(chromedp.CSS(`#active-filters`)))
	if n := run(t, b, "technologies", chromedp.Evaluate[int](`document.querySelectorAll("#table-technologies tbody tr[data-technology]").length`)); n != 1 {
		t.Errorf("from London on the map, %d technologies, want 1", n)
	}
}

// jsString quotes s for a script.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
