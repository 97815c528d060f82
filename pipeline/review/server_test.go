package review_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestAccessByRole(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	anon := a.client(t)
	signedIn := map[string]*client{}
	for _, name := range []string{"rita", "ana", "adam"} {
		c := a.client(t)
		if code := c.login(name, password); code != http.StatusSeeOther {
			t.Fatalf("login %s: %d", name, code)
		}
		signedIn[name] = c
	}
	cases := []struct {
		who  string
		path string
		want int
	}{
		{"", "/queue", http.StatusSeeOther}, // to the login page
		{"", "/dashboard", http.StatusSeeOther},
		{"", "/export/gold.jsonl", http.StatusSeeOther},
		{"rita", "/dashboard", http.StatusOK},
		{"rita", "/dashboard/types.csv", http.StatusOK},
		{"rita", "/queue", http.StatusForbidden},
		{"rita", "/items/1", http.StatusForbidden},
		{"rita", "/export/gold.jsonl", http.StatusForbidden},
		{"ana", "/queue", http.StatusOK},
		{"ana", "/queue?sort=oldest&state=claimed&since=2026-01-01", http.StatusOK},
		{"ana", "/queue?sort=bogus", http.StatusBadRequest},
		{"ana", "/queue?state=weird", http.StatusBadRequest},
		{"ana", "/queue?since=yesterday", http.StatusBadRequest},
		{"ana", "/items/1", http.StatusOK},
		{"ana", "/items/99999", http.StatusNotFound},
		{"ana", "/technologies/1", http.StatusOK},
		{"ana", "/admin/users", http.StatusForbidden},
		{"ana", "/dashboard/nonsense.csv", http.StatusNotFound},
		{"adam", "/admin/users", http.StatusOK},
		{"", "/account", http.StatusSeeOther},
		{"rita", "/account", http.StatusOK},
		{"adam", "/queue", http.StatusOK},
	}
	for _, c := range cases {
		cl := anon
		if c.who != "" {
			cl = signedIn[c.who]
		}
		if code, _, _ := cl.get(c.path); code != c.want {
			t.Errorf("%s GET %s: %d, want %d", c.who, c.path, code, c.want)
		}
	}
}

func TestLoginFailuresCSRFAndRateLimit(t *testing.T) {
	t.Parallel()
	// The app sits behind a proxy on loopback, as the deploy guide puts it.
	a := newApp(t, review.Config{LoginEvery: time.Hour, LoginBurst: 3,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	guesser := a.clientFrom(t, "203.0.113.7")
	if code := guesser.login("ana", "wrong password!"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code := guesser.login("nobody", password); code != http.StatusUnauthorized {
		t.Errorf("unknown account: %d, want 401", code)
	}
	// A login form without its token (another site posting it) is refused.
	if code, _, _ := guesser.post("/login", url.Values{"name": {"ana"}, "password": {password}}); code != http.StatusForbidden {
		t.Errorf("login without token: %d, want 403", code)
	}
	for _, pw := range []string{"another wrong one", "and another"} {
		if code := guesser.login("ana", pw); code != http.StatusUnauthorized {
			t.Errorf("failure: %d, want 401", code)
		}
	}
	if code := guesser.login("ana", password); code != http.StatusTooManyRequests {
		t.Errorf("fourth attempt at ana from one address, right password: %d, want 429", code)
	}
	// The guesser locks out no one but themselves: ana from her own
	// address signs in, and so does bob from the guesser's.
	if code := a.clientFrom(t, "198.51.100.20").login("ana", password); code != http.StatusSeeOther {
		t.Errorf("ana from another address: %d, want 303", code)
	}
	if code := a.clientFrom(t, "203.0.113.7").login("bob", password); code != http.StatusSeeOther {
		t.Errorf("bob from the guesser's address: %d, want 303", code)
	}
	// An address trying many accounts is slowed too, at four times the
	// pace of one account.
	many := a.clientFrom(t, "192.0.2.99")
	var last int
	for i := range 13 {
		last = many.login(fmt.Sprintf("name%d", i), "guess guess guess")
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("the 13th name tried from one address: %d, want 429", last)
	}
	// A forwarded address from a client that is no trusted proxy is not
	// believed: the direct client is who it is.
	direct := newApp(t, review.Config{LoginEvery: time.Hour, LoginBurst: 1})
	direct.clientFrom(t, "203.0.113.1").login("ana", "wrong")
	if code := direct.clientFrom(t, "203.0.113.2").login("ana", password); code != http.StatusTooManyRequests {
		t.Errorf("a spoofed X-Forwarded-For got a fresh bucket: %d, want 429", code)
	}
}

func TestEveryChangeNeedsTheSessionCSRFToken(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	c := a.client(t)
	c.login("ana", password)
	tok := c.csrf("/queue")
	for _, path := range []string{"/queue/next", "/queue/accept", "/items/1/claim", "/items/1/decide", "/logout", "/account", "/admin/users"} {
		for _, form := range []url.Values{{}, {"csrf": {"forged"}}} {
			form.Set("action", "accept")
			form.Set("item", "1")
			if code, _, _ := c.post(path, form); code != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q: %d, want 403", path, form.Get("csrf"), code)
			}
		}
	}
	var state string
	if err := a.store.Pool().QueryRow(context.Background(), `select state from review_items where id = 1`).Scan(&state); err != nil || state != "open" {
		t.Errorf("item 1 is %q (%v) after forged requests, want open", state, err)
	}
	if code, _, loc := c.post("/items/1/claim", url.Values{"csrf": {tok}}); code != http.StatusSeeOther || loc != "/items/1" {
		t.Errorf("claim with the token: %d %s", code, loc)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	resp, err := http.Get(a.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for header, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
	} {
		if got := resp.Header.Get(header); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to contain %q", header, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %s", csp)
	}
	for _, c := range resp.Cookies() {
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %s: HttpOnly %v SameSite %v", c.Name, c.HttpOnly, c.SameSite)
		}
	}
	// Behind HTTPS: Secure cookies and HSTS.
	secure := newApp(t, review.Config{SecureCookies: true})
	resp, err = http.Get(secure.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header with secure cookies")
	}
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure", c.Name)
		}
	}
}

// scriptTag finds a live script element: the planted one would start so.
var scriptTag = regexp.MustCompile(`(?i)<script>window|<img src=x`)

func TestScrapedTextIsEscapedOnEveryPage(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	c := a.client(t)
	c.login("ana", password)
	var item, tech int64
	if err := a.store.Pool().QueryRow(context.Background(),
		`select id, technology_id from review_items where document_id = 'evil'`).Scan(&item, &tech); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/queue", fmt.Sprintf("/items/%d", item), fmt.Sprintf("/technologies/%d", tech), "/dashboard"} {
		code, body, _ := c.get(path)
		if code != http.StatusOK {
			t.Errorf("%s: %d", path, code)
			continue
		}
		if scriptTag.MatchString(body) {
			t.Errorf("%s carries the planted markup unescaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;window.__pwned") {
			t.Errorf("%s does not show the planted text escaped", path)
		}
	}
}

func TestClaimCorrectAndTheDashboardMoves(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	ana, bob := a.client(t), a.client(t)
	ana.login("ana", password)
	bob.login("bob", password)
	neurology := func() string {
		_, body, _ := ana.get("/dashboard/clinical_area.csv")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r[0] == "NEUROLOGY" {
				return r[2]
			}
		}
		return "0"
	}
	if n := neurology(); n != "0" {
		t.Fatalf("neurology before: %s", n)
	}

	code, _, loc := ana.post("/queue/next", url.Values{"csrf": {ana.csrf("/queue")}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/items/") {
		t.Fatalf("claim next: %d %q", code, loc)
	}
	// Bob sees the claim and can neither take nor decide the item.
	if _, body, _ := bob.get(loc); !strings.Contains(body, "Claimed by ana") {
		t.Error("bob's item page does not say ana holds it")
	}
	bobTok := bob.csrf("/queue")
	if code, _, _ := bob.post(loc+"/claim", url.Values{"csrf": {bobTok}}); code != http.StatusConflict {
		t.Errorf("bob claims ana's item: %d, want 409", code)
	}
	if code, _, _ := bob.post(loc+"/decide", url.Values{"csrf": {bobTok}, "action": {"accept"}}); code != http.StatusConflict {
		t.Errorf("bob decides ana's item: %d, want 409", code)
	}
	// Bob's next claim is another item.
	if _, _, loc2 := bob.post("/queue/next", url.Values{"csrf": {bobTok}}); loc2 == loc || !strings.HasPrefix(loc2, "/items/") {
		t.Errorf("bob's next item: %q (ana has %q)", loc2, loc)
	}

	tok := ana.csrf(loc)
	form := url.Values{"csrf": {tok}, "action": {"correct"}, "present_clinical_area": {"1"}, "clinical_area": {"NEUROLOGY"}}
	if code, _, _ := ana.post(loc+"/decide", form); code != http.StatusSeeOther {
		t.Fatalf("correct: %d", code)
	}
	if n := neurology(); n != "1" {
		t.Errorf("neurology after the correction: %s, want 1", n)
	}
	_, body, _ := ana.get(loc)
	for _, want := range []string{"Decided.", `data-code="NEUROLOGY"`, "Clinical area → Neurology", "<b>ana</b> corrected"} {
		if !strings.Contains(body, want) {
			t.Errorf("item page after the correction lacks %q", want)
		}
	}
	// A decided item can be corrected again, by anyone; both decisions stay.
	if code, _, _ := bob.post(loc+"/decide", url.Values{"csrf": {bobTok}, "action": {"correct"},
		"present_clinical_area": {"1"}, "clinical_area": {"NEUROLOGY", "CARDIOLOGY"}}); code != http.StatusSeeOther {
		t.Errorf("bob corrects the decided item again: %d", code)
	}
	if _, body, _ := ana.get(loc); !strings.Contains(body, "<b>bob</b> correct") || !strings.Contains(body, "<b>ana</b> correct") {
		t.Error("the history does not show both corrections")
	}
	// Bad input is refused with a reason.
	for _, f := range []url.Values{
		{"action": {"correct"}, "present_clinical_area": {"1"}, "clinical_area": {"NOT_A_CODE"}},
		{"action": {"merge"}, "merge_into": {"banana"}},
		{"action": {"merge"}, "merge_into": {"424242"}},
		{"action": {"note"}, "note": {"  "}},
		{"action": {"delete everything"}},
	} {
		f.Set("csrf", tok)
		if code, _, _ := ana.post(loc+"/decide", f); code != http.StatusBadRequest {
			t.Errorf("decide %v: %d, want 400", f, code)
		}
	}

	// The gold export carries the correction, in the format classifier eval reads.
	_, gold, _ := ana.get("/export/gold.jsonl")
	path := filepath.Join(t.TempDir(), "gold.jsonl")
	if err := os.WriteFile(path, []byte(gold), 0o600); err != nil {
		t.Fatal(err)
	}
	gs, err := classify.ReadGold(path)
	if err != nil || len(gs) != 1 {
		t.Fatalf("gold export: %d lines (%v):\n%s", len(gs), err, gold)
	}
	// The latest decision (bob's) is the gold.
	if g := gs[0]; g.Relevance != "RELEVANT" || strings.Join(g.ClinicalAreas, " ") != "CARDIOLOGY NEUROLOGY" || g.Type == nil {
		t.Errorf("gold line: %+v", g)
	}
	if _, docs, _ := ana.get("/export/documents.jsonl"); !strings.Contains(docs, `"id":"`+gs[0].ID+`"`) {
		t.Errorf("documents export lacks %s", gs[0].ID)
	}
}

func TestBulkAcceptSkipsOthersClaims(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	ana, bob := a.client(t), a.client(t)
	ana.login("ana", password)
	bob.login("bob", password)
	if code, _, _ := bob.post("/items/2/claim", url.Values{"csrf": {bob.csrf("/queue")}}); code != http.StatusSeeOther {
		t.Fatalf("bob claims 2: %d", code)
	}
	code, _, loc := ana.post("/queue/accept", url.Values{"csrf": {ana.csrf("/queue")}, "item": {"1", "2", "3"}})
	if code != http.StatusSeeOther {
		t.Fatalf("bulk accept: %d", code)
	}
	u, _ := url.Parse(loc)
	if flash := u.Query().Get("flash"); !strings.Contains(flash, "Accepted 2") || !strings.Contains(flash, "#2") {
		t.Errorf("flash %q", flash)
	}
	var decided int
	if err := a.store.Pool().QueryRow(context.Background(), `select count(*) from review_items where state = 'decided'`).Scan(&decided); err != nil || decided != 2 {
		t.Errorf("%d decided (%v), want 2", decided, err)
	}
	if _, body, _ := ana.get("/queue?state=decided"); strings.Count(body, `data-item="`) != 2 {
		t.Error("the decided filter does not list the 2 accepted items")
	}
}

func TestAdminCreatesAccounts(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	adam := a.client(t)
	adam.login("adam", password)
	tok := adam.csrf("/admin/users")
	if code, _, _ := adam.post("/admin/users", url.Values{"csrf": {tok}, "name": {"nia"}, "role": {"analyst"}, "password": {"short"}}); code != http.StatusBadRequest {
		t.Errorf("short password: %d, want 400", code)
	}
	if code, _, _ := adam.post("/admin/users", url.Values{"csrf": {tok}, "name": {"nia"}, "role": {"root"}, "password": {password}}); code != http.StatusBadRequest {
		t.Errorf("unknown role: %d, want 400", code)
	}
	if code, _, _ := adam.post("/admin/users", url.Values{"csrf": {tok}, "name": {"nia"}, "role": {"analyst"}, "password": {password}}); code != http.StatusSeeOther {
		t.Errorf("create: %d", code)
	}
	nia := a.client(t)
	if code := nia.login("nia", password); code != http.StatusSeeOther {
		t.Errorf("the new account cannot sign in: %d", code)
	}
	if code, _, _ := nia.get("/queue"); code != http.StatusOK {
		t.Errorf("the new analyst's queue: %d", code)
	}
	// A password the administrator sets signs the account out everywhere;
	// the administrator saving their own account stays signed in.
	const reset = "a fresh password from adam"
	if code, _, _ := adam.post("/admin/users", url.Values{"csrf": {tok}, "name": {"nia"}, "role": {"analyst"}, "password": {reset}}); code != http.StatusSeeOther {
		t.Errorf("reset: %d", code)
	}
	if code, _, loc := nia.get("/queue"); code != http.StatusSeeOther || loc != "/login?next=%2Fqueue" {
		t.Errorf("nia's session after the reset: %d %s, want a redirect to /login", code, loc)
	}
	if code := a.client(t).login("nia", reset); code != http.StatusSeeOther {
		t.Errorf("the reset password does not sign in: %d", code)
	}
	if code, _, _ := adam.post("/admin/users", url.Values{"csrf": {tok}, "name": {"adam"}, "role": {"admin"}, "password": {reset}}); code != http.StatusSeeOther {
		t.Errorf("adam saves his own account: %d", code)
	}
	if code, _, _ := adam.get("/admin/users"); code != http.StatusOK {
		t.Errorf("adam after saving his own account: %d, want still signed in", code)
	}
}

func TestUsersChangeTheirOwnPassword(t *testing.T) {
	t.Parallel()
	// Every client is one address: allow more sign-ins than the default.
	a := newApp(t, review.Config{LoginBurst: 20})
	rita, elsewhere := a.client(t), a.client(t)
	rita.login("rita", password)
	elsewhere.login("rita", password)
	if code, body, _ := rita.get("/account"); code != http.StatusOK || !strings.Contains(body, "Change your password") {
		t.Fatalf("a reader's account page: %d", code)
	}
	tok := rita.csrf("/account")
	const next = "a much better passphrase"
	for _, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"no CSRF token", url.Values{"current": {password}, "new": {next}, "repeat": {next}}, http.StatusForbidden},
		{"wrong current password", url.Values{"csrf": {tok}, "current": {"not my password"}, "new": {next}, "repeat": {next}}, http.StatusUnauthorized},
		{"repetition differs", url.Values{"csrf": {tok}, "current": {password}, "new": {next}, "repeat": {next + "!"}}, http.StatusBadRequest},
		{"too short", url.Values{"csrf": {tok}, "current": {password}, "new": {"short"}, "repeat": {"short"}}, http.StatusBadRequest},
		{"changed", url.Values{"csrf": {tok}, "current": {password}, "new": {next}, "repeat": {next}}, http.StatusSeeOther},
	} {
		if code, _, _ := rita.post("/account", tc.form); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}
	if code, body, _ := rita.get("/account?flash=x"); code != http.StatusOK || !strings.Contains(body, "rita") {
		t.Errorf("the session that changed the password: %d, want still signed in", code)
	}
	if code, _, loc := elsewhere.get("/dashboard"); code != http.StatusSeeOther || loc != "/login?next=%2Fdashboard" {
		t.Errorf("rita's other session: %d %s, want signed out", code, loc)
	}
	if code := a.client(t).login("rita", password); code != http.StatusUnauthorized {
		t.Errorf("the old password: %d, want 401", code)
	}
	if code := a.client(t).login("rita", next); code != http.StatusSeeOther {
		t.Errorf("the new password: %d, want 303", code)
	}
}

func TestGuessingThePasswordThroughTheAccountPageIsRateLimited(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{LoginEvery: time.Hour, LoginBurst: 3})
	c := a.client(t)
	c.login("ana", password) // one attempt of the burst
	tok := c.csrf("/account")
	var codes []int
	for range 3 {
		code, _, _ := c.post("/account", url.Values{"csrf": {tok}, "current": {"guess guess guess"}, "new": {password + "!"}, "repeat": {password + "!"}})
		codes = append(codes, code)
	}
	if fmt.Sprint(codes) != fmt.Sprint([]int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests}) {
		t.Errorf("three wrong guesses after a login: %v, want 401 401 429", codes)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	c := a.client(t)
	c.login("ana", password)
	// Keep the cookie to replay it after signing out.
	u, _ := url.Parse(a.URL)
	cookies := c.http.Jar.Cookies(u)
	if code, _, _ := c.post("/logout", url.Values{"csrf": {c.csrf("/queue")}}); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	replay := a.client(t)
	replay.http.Jar.SetCookies(u, cookies)
	if code, _, loc := replay.get("/queue"); code != http.StatusSeeOther || loc != "/login?next=%2Fqueue" {
		t.Errorf("old cookie after logout: %d %s", code, loc)
	}
}

func TestDashboardReadsThroughTheReadOnlyRole(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	st := a.store
	var n int
	if err := st.Pool().QueryRow(context.Background(), `select count(*) from report.technologies`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d technologies (%v)", n, err)
	}
	rita := a.client(t)
	rita.login("rita", password)
	code, body, _ := rita.get("/dashboard")
	if code != http.StatusOK {
		t.Fatal(code)
	}
	for _, want := range []string{`data-region="NHS_LONDON" data-count="1"`, `data-region="SCOTLAND" data-count="0"`, "Remote monitoring"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	_, body, _ = rita.get("/dashboard?clinical_area=GERIATRIC_MEDICINE")
	if !strings.Contains(body, "WardWatch") || strings.Contains(body, "Severn Rostering") {
		t.Error("the clinical-area filter does not narrow the technologies")
	}
}

func TestReportsRoleCannotWrite(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	// The dashboard's connections take the reader role: a write fails even
	// if a report's SQL tried one.
	rep := store.Report{Name: "x", SQL: `insert into sources (id) values ('sneaky') returning id`}
	reports := reportsFor(t, a)
	if _, err := reports.Run(context.Background(), rep, nil); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("a write through the reports pool: %v, want permission denied", err)
	}
	rep = store.Report{Name: "y", SQL: `select count(*) from users`}
	if _, err := reports.Run(context.Background(), rep, nil); err == nil {
		t.Error("the reports pool read the users table")
	}
}

func TestRequestMetricsAreCountedByRoute(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	a := newApp(t, review.Config{Metrics: reg})
	c := a.client(t)
	c.login("ana", password)
	c.get("/items/1")
	c.get("/items/2")
	c.get("/no/such/page")
	want := map[string]float64{
		"GET /login 200":      1,
		"POST /login 303":     1,
		"GET /items/{id} 200": 2,
		"unmatched 404":       1,
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "horizon_review_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["route"]+" "+labels["code"]] = m.GetCounter().GetValue()
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("requests %q: %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func TestTechnologyPageRenameAndSplit(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	// A second announcement of the ward technology, so that one can be split off.
	tech := a.announceAgain(t, 2, nil)
	path := fmt.Sprintf("/technologies/%d", tech)

	rita := a.client(t)
	rita.login("rita", password)
	code, body, _ := rita.get(path)
	if code != http.StatusOK || !strings.Contains(body, "Virtual ward in Manchester") || strings.Contains(body, `action="`+path+`/rename"`) {
		t.Errorf("a reader sees the page (%d) without the forms", code)
	}
	if code, _, _ := rita.post(path+"/rename", url.Values{"csrf": {rita.csrf(path)}, "name": {"Hijack"}}); code != http.StatusForbidden {
		t.Errorf("a reader renamed: %d", code)
	}

	ana := a.client(t)
	ana.login("ana", password)
	if code, _, _ := ana.post(path+"/rename", url.Values{"name": {"No token"}}); code != http.StatusForbidden {
		t.Errorf("a rename without the CSRF token: %d", code)
	}
	code, body, _ = ana.post(path+"/rename", url.Values{"csrf": {ana.csrf(path)}, "name": {strings.Repeat("far too long ", 10)}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Not saved") {
		t.Errorf("an absurd name: %d", code)
	}
	code, _, loc := ana.post(path+"/rename", url.Values{"csrf": {ana.csrf(path)}, "name": {"WardWatch"}, "vendor": {"Docobo"}})
	if code != http.StatusSeeOther {
		t.Fatalf("rename: %d", code)
	}
	_, body, _ = ana.get(loc)
	if !strings.Contains(body, "WardWatch") || !strings.Contains(body, "Developed by <b>Docobo</b>") || !strings.Contains(body, "named by an analyst") {
		t.Error("the page does not show the new name and developer")
	}
	code, _, loc = ana.post(path+"/split", url.Values{"csrf": {ana.csrf(path)}, "document": {"ward-2"}, "name": {"WardWatch Home"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/technologies/") {
		t.Fatalf("split: %d %s", code, loc)
	}
	_, body, _ = ana.get(loc)
	if !strings.Contains(body, "WardWatch Home") || !strings.Contains(body, "https://example.org/ward-2") {
		t.Error("the split technology's page does not show its name and document")
	}
}

// TestSigningInGoesWhereTheReaderWasGoing follows a link to a filtered
// queue while signed out: after signing in the reader lands on it. A next
// page on another site is ignored.
func TestSigningInGoesWhereTheReaderWasGoing(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	c := a.client(t)
	_, _, loc := c.get("/queue?reason=no+type")
	if loc != "/login?next=%2Fqueue%3Freason%3Dno%2Btype" {
		t.Fatalf("signed out: sent to %q", loc)
	}
	_, body, _ := c.get(loc)
	tok := csrfRe.FindStringSubmatch(body)
	if tok == nil || !strings.Contains(body, `name="next" value="/queue?reason=no&#43;type"`) {
		t.Fatalf("the login form does not keep the page:\n%s", body)
	}
	code, _, to := c.post("/login", url.Values{"name": {"ana"}, "password": {password}, "csrf": {tok[1]}, "next": {"/queue?reason=no+type"}})
	if code != http.StatusSeeOther || to != "/queue?reason=no+type" {
		t.Errorf("after signing in: %d %q, want the filtered queue", code, to)
	}
	d := a.client(t)
	dtok := d.csrf("/login")
	if _, _, to := d.post("/login", url.Values{"name": {"bob"}, "password": {password}, "csrf": {dtok}, "next": {"https://evil.example/x"}}); to == "https://evil.example/x" {
		t.Error("a next page on another site was followed")
	}
}

// TestAFlashMessageIsOnlyOneTheServerWrote opens a page with a flash
// message in its link: it is not shown, where the server's own is.
func TestAFlashMessageIsOnlyOneTheServerWrote(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	c := a.client(t)
	c.login("ana", password)
	if _, body, _ := c.get("/queue?flash=Your+account+is+locked%2C+call+0800"); strings.Contains(body, "Your account is locked") {
		t.Error("a link put its own words in the banner")
	}
	code, _, loc := c.post("/queue/accept", url.Values{"csrf": {c.csrf("/queue")}, "query": {""}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "flash=") {
		t.Fatalf("accepting nothing: %d %s, want a redirect with a message", code, loc)
	}
	if _, body, _ := c.get(loc); !strings.Contains(body, "Accepted 0 item(s).") {
		t.Errorf("the server's own message at %s is not shown", loc)
	}
}

func TestAPageNumberPastAnyQueueIsNoError(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	c := a.client(t)
	c.login("ana", password)
	if code, _, _ := c.get("/queue?page=9223372036854775807"); code != http.StatusOK {
		t.Errorf("page 9223372036854775807: %d, want 200", code)
	}
}

// TestAccountNamesAreValidated refuses names an administrator could be
// fooled by or that break the pages: a Cyrillic look-alike of "admin", a
// name of 3,000 characters, spaces.
func TestAccountNamesAreValidated(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	adam := a.client(t)
	adam.login("adam", password)
	for _, name := range []string{"\u0430dmin", strings.Repeat("x", 3000), "two words", "-dash"} {
		tok := adam.csrf("/admin/users")
		code, body, _ := adam.post("/admin/users", url.Values{"csrf": {tok}, "name": {name}, "role": {"analyst"}, "password": {password}})
		if code != http.StatusBadRequest || !strings.Contains(body, "Not saved") {
			t.Errorf("name %.20q: %d, want 400 and the reason", name, code)
		}
	}
	tok := adam.csrf("/admin/users")
	if code, _, _ := adam.post("/admin/users", url.Values{"csrf": {tok}, "name": {"nia.jones"}, "role": {"analyst"}, "password": {password}}); code != http.StatusSeeOther {
		t.Errorf("a plain name: %d, want 303", code)
	}
}

// TestARoleChangeKeepsThePassword changes ana's role and then disables
// her, each without a password: her password still works until she is
// disabled, and a new account without a password is refused.
func TestARoleChangeKeepsThePassword(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	adam := a.client(t)
	adam.login("adam", password)
	save := func(v url.Values) int {
		v.Set("csrf", adam.csrf("/admin/users"))
		code, _, _ := adam.post("/admin/users", v)
		return code
	}
	if code := save(url.Values{"name": {"ana"}, "role": {"reader"}}); code != http.StatusSeeOther {
		t.Fatalf("role change without a password: %d, want 303", code)
	}
	if code := a.client(t).login("ana", password); code != http.StatusSeeOther {
		t.Errorf("ana's password after her role changed: %d, want 303", code)
	}
	if code := save(url.Values{"name": {"ana"}, "role": {"reader"}, "disabled": {"1"}}); code != http.StatusSeeOther {
		t.Fatalf("disabling without a password: %d, want 303", code)
	}
	if code := a.client(t).login("ana", password); code == http.StatusSeeOther {
		t.Error("a disabled account signed in")
	}
	if code := save(url.Values{"name": {"newbie"}, "role": {"analyst"}}); code != http.StatusBadRequest {
		t.Errorf("a new account without a password: %d, want 400", code)
	}
}

// TestNextItemKeepsTheQueueFilter works a filtered queue: the item links,
// "Next item" and "then next" all stay within the filter.
func TestNextItemKeepsTheQueueFilter(t *testing.T) {
	t.Parallel()
	a := newApp(t, review.Config{})
	ana := a.client(t)
	ana.login("ana", password)
	const filter = "type=DIAGNOSTIC"
	_, body, _ := ana.get("/queue?" + filter)
	if !strings.Contains(body, `?type=DIAGNOSTIC"`) {
		t.Error("the filtered queue's item links drop the filter")
	}
	tok := ana.csrf("/queue")
	code, _, loc := ana.post("/queue/next", url.Values{"csrf": {tok}, "type": {"DIAGNOSTIC"}})
	if code != http.StatusSeeOther || !strings.HasSuffix(loc, "?"+filter) {
		t.Fatalf("claim next in the filtered queue: %d %s", code, loc)
	}
	first := strings.TrimSuffix(loc, "?"+filter)
	_, body, _ = ana.get(loc)
	if !strings.Contains(body, `<input type="hidden" name="type" value="DIAGNOSTIC">`) || !strings.Contains(body, `name="queue" value="type=DIAGNOSTIC"`) {
		t.Error("the item page's Next item and decision forms drop the queue filter")
	}
	// Accept, then next: the next item is the other diagnostic one, in the
	// same filter, and once none is left the page says so.
	code, _, next := ana.post(first+"/decide", url.Values{"csrf": {tok}, "action": {"accept"}, "then": {"next"}, "queue": {filter}})
	if code != http.StatusSeeOther || next == loc || !strings.HasSuffix(next, "?"+filter) {
		t.Fatalf("accept then next: %d %s", code, next)
	}
	var typ string
	id := strings.TrimPrefix(strings.TrimSuffix(next, "?"+filter), "/items/")
	if err := a.store.Pool().QueryRow(context.Background(), `select c.code from review_items r join report.technology_codes c
		on c.technology_id = r.technology_id and c.dimension = 'type' where r.id = $1`, id).Scan(&typ); err != nil || typ != "DIAGNOSTIC" {
		t.Errorf("then next opened item %s of type %q (%v), outside the filter", id, typ, err)
	}
}
