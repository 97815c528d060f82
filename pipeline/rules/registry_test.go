package rules

import (
	"strings"
	"testing"
	"testing/fstest"
)

const fdaHeader = "# a registry\nproduct,vendor,vendor_known,submissions,first_decision,panel,clinical_areas,area_weight\n"

func TestABrokenRegistryRowIsReportedWithFileAndLine(t *testing.T) {
	tests := []struct{ name, rows, want string }{
		{"a missing column", "MammoScreen,Therapixel,yes,K192854,2020-03-25,Radiology,CLINICAL_RADIOLOGY\n",
			"rules/registries/fda_ai_devices.csv:3: expected 8 columns"},
		{"an empty product", ",Therapixel,yes,K192854,2020-03-25,Radiology,,\n",
			"rules/registries/fda_ai_devices.csv:3: product is empty"},
		{"no submission number", "MammoScreen,Therapixel,yes,510k,2020-03-25,Radiology,,\n",
			`rules/registries/fda_ai_devices.csv:3: product MammoScreen: "510k" is no FDA submission number`},
		{"no date", "MammoScreen,Therapixel,yes,K192854,March 2020,Radiology,,\n",
			`rules/registries/fda_ai_devices.csv:3: product MammoScreen: first_decision "March 2020" is no date`},
		{"an unknown area", "MammoScreen,Therapixel,yes,K192854,2020-03-25,Radiology,MAMMOLOGY,0.5\n",
			`rules/registries/fda_ai_devices.csv:3: product MammoScreen: unknown clinical area "MAMMOLOGY"`},
		{"an area without weight", "MammoScreen,Therapixel,yes,K192854,2020-03-25,Radiology,CLINICAL_RADIOLOGY,\n",
			`rules/registries/fda_ai_devices.csv:3: product MammoScreen: area_weight "" is no positive number`},
		{"vendor_known not yes or no", "MammoScreen,Therapixel,maybe,K192854,2020-03-25,Radiology,,\n",
			`rules/registries/fda_ai_devices.csv:3: product MammoScreen: vendor_known is "maybe"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := taxonomyFS(t)
			fsys["r.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: r\n    set: {type: DIAGNOSTIC}\n    any: [x]\n")}
			fsys[fdaFile] = &fstest.MapFile{Data: []byte(fdaHeader + tc.rows)}
			_, err := Load(fsys, "rules")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestARegistryProductIsListedWithItsDeveloperAndPanelHint(t *testing.T) {
	fsys := taxonomyFS(t)
	fsys["r.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: r\n    set: {relevance: RELEVANT}\n    weight: 2\n    any: [AI]\n")}
	fsys[fdaFile] = &fstest.MapFile{Data: []byte(fdaHeader +
		"MammoScreen,Therapixel,yes,K192854;K211541,2020-03-25,Radiology,CLINICAL_RADIOLOGY,0.5\n" +
		"QUANTRA,Hologic,yes,K082483,2008-09-12,Radiology,CLINICAL_RADIOLOGY,0.5\n")}
	rs, err := Load(fsys, "rules")
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Classify("", "Therapixel's AI MammoScreen reads mammograms; Quantra measures density.")
	var products, vendors []string
	for _, o := range r.Organisations {
		switch o.Kind {
		case "product":
			products = append(products, o.Name+"/"+o.Vendor)
		case "vendor":
			vendors = append(vendors, o.Name)
		}
	}
	if strings.Join(products, ",") != "MammoScreen/Therapixel,QUANTRA/Hologic" || strings.Join(vendors, ",") != "Therapixel" {
		t.Errorf("products %v vendors %v", products, vendors)
	}
	for _, l := range r.Labels {
		if l.Dimension == DimClinicalArea && l.Code == "CLINICAL_RADIOLOGY" && l.Score == 1 {
			return // two products, a hint of 0.5 each
		}
	}
	t.Errorf("no radiology hint of 1 in %+v", r.Labels)
}

func TestARegistryNameInMixedCaseMatchesOnlyAsWritten(t *testing.T) {
	fsys := taxonomyFS(t)
	fsys["r.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: r\n    set: {relevance: RELEVANT}\n    weight: 2\n    any: [AI]\n")}
	fsys[fdaFile] = &fstest.MapFile{Data: []byte(fdaHeader + "BriefCase,Aidoc Medical,yes,K180647,2018-08-01,Radiology,,\n")}
	rs, err := Load(fsys, "rules")
	if err != nil {
		t.Fatal(err)
	}
	if r := rs.Classify("", "An AI in a briefcase."); len(r.Organisations) != 0 {
		t.Errorf("a word in lower case named a product: %+v", r.Organisations)
	}
	if r := rs.Classify("", "Aidoc's AI BriefCase flags bleeds."); len(r.Organisations) == 0 {
		t.Error("BriefCase was not found")
	}
}
