package rules

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// fdaFile is the registry of AI-enabled medical devices the FDA has
// authorised (rules/registries/build.py).
const fdaFile = "registries/fda_ai_devices.csv"

// fdaColumns are the registry's columns, in order.
var fdaColumns = []string{"product", "vendor", "vendor_known", "submissions", "first_decision", "panel",
	"clinical_areas", "area_weight"}

// submissionNumber is an FDA submission: 510(k) "K192854", De Novo
// "DEN200055", PMA "P210011" (with a supplement, "P130020/S005").
var submissionNumber = regexp.MustCompile(`^(K\d{6}|DEN\d{6}|P\d{6}(/S\d{3})?)$`)

// parseFDA turns the FDA registry into rules: naming a product records it
// (with its developer) and adds its review panel's clinical-area hint;
// naming a developer whose name is distinctive records the developer. A
// row that is wrong stops the load with file:line and what is wrong.
func parseFDA(file string, data []byte, tax *Taxonomy) ([]*Rule, []error) {
	r := csv.NewReader(strings.NewReader(string(data)))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	var rules []*Rule
	var errs []error
	vendors := map[string]bool{}
	header := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, append(errs, fmt.Errorf("%s: %w", file, err))
		}
		line, _ := r.FieldPos(0)
		if header {
			header = false
			if strings.Join(rec, ",") != strings.Join(fdaColumns, ",") {
				return nil, []error{fmt.Errorf("%s:%d: the columns must be %s", file, line, strings.Join(fdaColumns, ","))}
			}
			continue
		}
		row, err := fdaRow(rec, tax)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", file, line, err))
			continue
		}
		rules = append(rules, &Rule{
			ID: "fda." + row.submissions[0] + "." + slug(row.product), Set: row.set, Weight: row.weight,
			Any: []string{exactWhereCased(row.product)}, File: file, Line: line,
			Org: &message.Organisation{Kind: "product", ID: slug(row.product), Name: row.product, Vendor: row.vendor},
		})
		if row.vendorKnown && !vendors[slug(row.vendor)] {
			vendors[slug(row.vendor)] = true
			rules = append(rules, &Rule{
				ID: "fda-vendor." + slug(row.vendor), Set: map[string][]string{}, Weight: 1,
				Any: []string{exactWhereCased(row.vendor)}, File: file, Line: line,
				Org: &message.Organisation{Kind: "vendor", ID: slug(row.vendor), Name: row.vendor},
			})
		}
	}
	return rules, errs
}

type fdaEntry struct {
	product, vendor string
	vendorKnown     bool
	submissions     []string
	set             map[string][]string
	weight          float64
}

// fdaRow checks one row of the registry.
func fdaRow(rec []string, tax *Taxonomy) (fdaEntry, error) {
	if len(rec) != len(fdaColumns) {
		return fdaEntry{}, fmt.Errorf("expected %d columns (%s), got %d", len(fdaColumns), strings.Join(fdaColumns, ","), len(rec))
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	e := fdaEntry{product: rec[0], vendor: rec[1], set: map[string][]string{}, weight: 1}
	switch {
	case e.product == "":
		return e, errors.New("product is empty")
	case e.vendor == "":
		return e, fmt.Errorf("product %s: vendor is empty", e.product)
	case rec[2] != "yes" && rec[2] != "no":
		return e, fmt.Errorf("product %s: vendor_known is %q, not yes or no", e.product, rec[2])
	}
	e.vendorKnown = rec[2] == "yes"
	for _, s := range strings.Split(rec[3], ";") {
		if !submissionNumber.MatchString(s) {
			return e, fmt.Errorf("product %s: %q is no FDA submission number (K123456, DEN123456, P123456)", e.product, s)
		}
		e.submissions = append(e.submissions, s)
	}
	if _, err := time.Parse(time.DateOnly, rec[4]); err != nil {
		return e, fmt.Errorf("product %s: first_decision %q is no date (YYYY-MM-DD)", e.product, rec[4])
	}
	if rec[6] != "" {
		w, err := strconv.ParseFloat(rec[7], 64)
		if err != nil || w <= 0 {
			return e, fmt.Errorf("product %s: area_weight %q is no positive number", e.product, rec[7])
		}
		e.weight = w
		for _, c := range strings.Split(rec[6], ";") {
			if !tax.Has(DimClinicalArea, c) {
				return e, fmt.Errorf("product %s: unknown clinical area %q", e.product, c)
			}
			e.set[DimClinicalArea] = append(e.set[DimClinicalArea], c)
		}
	}
	return e, nil
}

// exactWhereCased makes a name with small and capital letters
// ("MammoScreen", "Brainlab") match only as written, and leaves one in
// capitals ("QUANTRA") to match whatever the case: names are written in
// their own case, and an ordinary word in lower case names nothing.
func exactWhereCased(name string) string {
	hasUpper, hasLower := false, false
	for _, r := range name {
		hasUpper = hasUpper || unicode.IsUpper(r)
		hasLower = hasLower || unicode.IsLower(r)
	}
	if hasUpper && hasLower {
		return caseMark + name
	}
	return name
}
