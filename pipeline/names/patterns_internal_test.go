package names

import "testing"

// TestPatternConstantsNameTheirIDs holds the pattern constants to
// patternIDs: a constant out of order would read another pattern's cues.
func TestPatternConstantsNameTheirIDs(t *testing.T) {
	tests := []struct {
		p    pattern
		want string
	}{
		{patDevelopedBy, "developed-by"}, {patResearchersAt, "researchers-at"}, {patResearchers, "researchers"},
		{patAnnounces, "announces"}, {patAnnounceTogether, "announce-together"},
		{patFunding, "funding"}, {patAwardedTo, "awarded-to"}, {patReleaseFrom, "release-from"},
		{patDeployed, "deployed"}, {patPartnership, "partnership"}, {patAcquires, "acquires"}, {patBasedIn, "based-in"}, {patMakerOf, "maker-of"},
		{patListed, "listed"}, {patReceives, "receives"}, {patUses, "uses"}, {patLaunches, "launches"},
		{patPossessive, "possessive"}, {patSaysIts, "says-its"}, {patFirm, "firm"}, {patHyphen, "hyphen"}, {patCalled, "called"},
		{patApposition, "apposition"}, {patProductName, "product-name"}, {patProductFrom, "product-from"},
		{patClearance, "clearance"}, {patTrademark, "trademark"}, {patAcronym, "acronym"},
		{patProductShape, "product-shape"}, {patNameThenProduct, "name-then-product"},
		{patMakerPrefix, "maker-prefix"}, {patOrganisationShape, "organisation-shape"}, {patKnownProduct, "known-product"},
		{patKnownVendor, "known-vendor"}, {patInTitle, "in-title"}, {patReportedIn, "reported-in"},
		{patCompared, "compared"},
	}
	if len(tests) != len(patternIDs) {
		t.Fatalf("%d constants for %d patterns", len(tests), len(patternIDs))
	}
	for _, tc := range tests {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("pattern %d is %q, want %q", tc.p, got, tc.want)
		}
		if p, ok := patternOf(tc.want); !ok || p != tc.p {
			t.Errorf("patternOf(%q) = %d, %v; want %d", tc.want, p, ok, tc.p)
		}
	}
	if _, ok := patternOf("no-such-pattern"); ok {
		t.Error("patternOf knows a pattern that is not there")
	}
}

// TestListConstantsNameTheirLists holds the word-list bits to wordLists: a
// constant out of order would test a word against another list.
func TestListConstantsNameTheirLists(t *testing.T) {
	tests := []struct {
		kind wordKind
		list string
	}{
		{listProduct, "product"}, {listCompany, "company"}, {listLegalForms, "legal_forms"}, {listDomains, "domains"},
		{listInstitution, "institution"}, {listConnectors, "connectors"},
		{listInstitutionConnectors, "institution_connectors"}, {listFillers, "fillers"}, {listAI, "ai"},
		{listOrganisation, "organisation"}, {listPeople, "people"}, {listNotNames, "not_names"}, {listBreaks, "breaks"},
		{listLocated, "located"}, {listPublication, "publication"},
	}
	if len(tests) != len(wordLists) {
		t.Fatalf("%d constants for %d word lists", len(tests), len(wordLists))
	}
	for _, tc := range tests {
		if got := listKind(tc.list); got != tc.kind {
			t.Errorf("listKind(%q) = %b, want %b", tc.list, got, tc.kind)
		}
	}
	if kindCommon != 1<<len(wordLists) {
		t.Errorf("kindCommon shares a bit with the word lists")
	}
	if listKind("no_such_list") != 0 {
		t.Error("listKind knows a list that is not there")
	}
}
