package rules

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// The gazetteers: NHS trusts and integrated care boards, and known
// regulators, vendors and products.
const (
	trustsFile  = "nhs_trusts.csv"
	icbsFile    = "nhs_icbs.csv"
	vendorsFile = "known_organisations.csv"
)

// nhsRegions maps NHS England region codes (and W00, Wales) to region codes.
var nhsRegions = map[string]string{
	"Y56": "NHS_LONDON", "Y58": "NHS_SOUTH_WEST", "Y59": "NHS_SOUTH_EAST", "Y60": "NHS_MIDLANDS",
	"Y61": "NHS_EAST_OF_ENGLAND", "Y62": "NHS_NORTH_WEST", "Y63": "NHS_NORTH_EAST_YORKSHIRE", "W00": "WALES",
}

// parseTrusts reads the gazetteer of NHS trusts.
func parseTrusts(file string, data []byte, tax *Taxonomy) ([]*Rule, []error) {
	return parseNHSOrgs(file, data, tax, "nhs_trust", "trust", trustNames)
}

// parseICBs reads the gazetteer of integrated care boards.
func parseICBs(file string, data []byte, tax *Taxonomy) ([]*Rule, []error) {
	return parseNHSOrgs(file, data, tax, "nhs_icb", "icb", icbNames)
}

// parseNHSOrgs turns a gazetteer of NHS organisations
// (ods_code,name,region_code) into rules: naming one (by any of the names
// names gives) assigns its region and records the organisation.
func parseNHSOrgs(file string, data []byte, tax *Taxonomy, kind, idPrefix string, names func(string) []string) ([]*Rule, []error) {
	var rules []*Rule
	errs := eachRow(file, data, func(line int, rec []string) error {
		ods, name, code := rec[0], rec[1], rec[2]
		region, ok := nhsRegions[code]
		if !ok || !tax.Has(DimRegion, region) {
			return fmt.Errorf("%s:%d: %s %s: unknown region code %q", file, line, idPrefix, ods, code)
		}
		if ods == "" || name == "" {
			return fmt.Errorf("%s:%d: %s %q: ods_code and name are required", file, line, idPrefix, ods)
		}
		rules = append(rules, &Rule{
			ID: idPrefix + "." + ods, Set: map[string][]string{DimRegion: {region}}, Any: names(name), Weight: 1,
			File: file, Line: line,
			Org: &message.Organisation{Kind: kind, ID: ods, Name: name, Region: region},
		})
		return nil
	})
	return rules, errs
}

// eachRow calls fn for every data row of a three-column gazetteer (lines
// starting with # are comments; the first row is the header), with the
// row's line and its trimmed fields, and gathers the errors.
func eachRow(file string, data []byte, fn func(line int, rec []string) error) []error {
	r := csv.NewReader(strings.NewReader(string(data)))
	r.Comment = '#'
	r.FieldsPerRecord = 3
	var errs []error
	header := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return errs
		}
		if err != nil {
			return append(errs, fmt.Errorf("%s: %w", file, err))
		}
		if header {
			header = false
			continue
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if err := fn(line, rec); err != nil {
			errs = append(errs, err)
		}
	}
}

// trustNames is a trust's full name and, when it is distinctive (two words
// or more), its name without the legal suffix: "Leeds Teaching Hospitals".
func trustNames(full string) []string {
	names := []string{full}
	short := strings.TrimPrefix(full, "THE ")
	for _, suffix := range []string{" NHS FOUNDATION TRUST", " NHS TRUST", " NATIONAL HEALTH SERVICE TRUST", " NHS AND SOCIAL CARE PARTNERSHIP TRUST"} {
		short = strings.TrimSuffix(short, suffix)
	}
	short = strings.TrimSuffix(short, ",")
	if short != full && len(strings.Fields(short)) >= 2 {
		names = append(names, short)
	}
	return names
}

// icbNames is an ICB's full name, and its area with "Integrated Care
// Board" or "ICB": "Greater Manchester ICB".
func icbNames(full string) []string {
	area := strings.TrimSuffix(strings.TrimPrefix(full, "NHS "), " INTEGRATED CARE BOARD")
	if area == full {
		return []string{full}
	}
	return []string{full, area + " INTEGRATED CARE BOARD", area + " ICB", "NHS " + area + " ICB"}
}

// parseVendors turns the gazetteer of known organisations (kind,name,vendor)
// into rules that record the regulator, vendor or product a document names;
// they assign no code.
func parseVendors(file string, data []byte, _ *Taxonomy) ([]*Rule, []error) {
	var rules []*Rule
	errs := eachRow(file, data, func(line int, rec []string) error {
		kind, name, vendor := rec[0], rec[1], rec[2]
		switch {
		case name == "":
			return fmt.Errorf("%s:%d: name is empty", file, line)
		case kind != "vendor" && kind != "product" && kind != "regulator" && kind != "health_body":
			return fmt.Errorf("%s:%d: %s: kind %q is not regulator, health_body, vendor or product", file, line, name, kind)
		case kind == "product" && vendor == "":
			return fmt.Errorf("%s:%d: product %s: vendor is empty", file, line, name)
		}
		rules = append(rules, &Rule{
			ID: kind + "." + slug(name), Set: map[string][]string{}, Any: []string{name}, Weight: 1,
			File: file, Line: line,
			Org: &message.Organisation{Kind: kind, ID: slug(name), Name: name, Vendor: vendor},
		})
		return nil
	})
	return rules, errs
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
