package review_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// password is every test account's password.
const password = "correct horse battery"

// planted is hostile text scraped into a document: it must never run.
const planted = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`

// plantedName is markup short enough to pass for a name.
const plantedName = `<script>window.__pwned = 1</script>`

// app is a running review app on a fresh database with documents loaded
// and accounts ana and bob (analysts), rita (reader) and adam (admin).
type app struct {
	*httptest.Server
	store *store.Store
	dbURL string
}

func newApp(t testing.TB, cfg review.Config) *app {
	t.Helper()
	return startApp(t, cfg, func(st *store.Store) error { return st.SaveClassifications(context.Background(), seed()) })
}

// startApp is newApp with load filling the database instead of seed.
func startApp(t testing.TB, cfg review.Config, load func(*store.Store) error) *app {
	t.Helper()
	ctx := context.Background()
	st, dbURL := testenv.PreparedStore(t)
	if err := load(st); err != nil {
		t.Fatal(err)
	}
	hash, err := review.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	for name, role := range map[string]string{"ana": store.RoleAnalyst, "bob": store.RoleAnalyst,
		"rita": store.RoleReader, "adam": store.RoleAdmin} {
		if err := st.SaveUser(ctx, store.User{Name: name, PasswordHash: hash, Role: role}, ""); err != nil {
			t.Fatal(err)
		}
	}
	reports, err := store.OpenReports(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reports.Close)
	cfg.Store, cfg.Reports = st, reports
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	srv, err := review.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &app{Server: ts, store: st, dbURL: dbURL}
}

// seed is what the app starts with: relevant documents, each a new
// technology with a review item, one of them carrying planted script.
func seed() []message.Classification {
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	names := map[string]struct{ product, vendor string }{
		"leeds-xray": {"ChestLens", "Aire Imaging Ltd"},
		"evil":       {"Scanner " + plantedName, ""},
		"ward":       {"WardWatch", "Pennine Health AI"},
		"rota":       {"", "Severn Rostering Ltd"},
	}
	doc := func(id, title, text, typ, area, region string, day int) message.Classification {
		pub := at.AddDate(0, 0, day)
		c := message.Classification{SchemaVersion: message.ClassificationVersion, RuleSetVersion: "r1", Relevant: true,
			ClassifiedAt: at, Review: message.Review{Needed: true, Reasons: []string{"low confidence"}},
			Document: message.Document{SchemaVersion: message.DocumentVersion, ID: id, ContentHash: "h-" + id,
				Source: "news", URL: "https://example.org/" + id, Title: title, Text: text, Published: &pub, FetchedAt: at}}
		ev := func(word string) []message.Evidence {
			i := strings.Index(text, word)
			if i < 0 {
				return nil
			}
			return []message.Evidence{{RuleID: "r." + word, Field: "text", Start: i, End: i + len(word), Snippet: word}}
		}
		// The text names its technology and developer, or only its
		// developer; the planted one names it with markup a dashboard must
		// escape.
		if n := names[id]; n.product != "" {
			c.Technology = &message.Name{Name: n.product, Score: 2}
		}
		if n := names[id]; n.vendor != "" {
			c.Vendors = []message.Name{{Name: n.vendor, Score: 2}}
		}
		c.Labels = []message.Label{
			{Dimension: "relevance", Code: "RELEVANT", Score: 2, Evidence: ev("artificial intelligence")},
			{Dimension: "type", Code: typ, Score: 1.5, Evidence: ev("reads")},
			{Dimension: "clinical_area", Code: area, Score: 1, Evidence: ev("stroke")},
			{Dimension: "region", Code: region, Score: 1, Evidence: ev("Leeds")},
		}
		return c
	}
	return []message.Classification{
		doc("leeds-xray", "AI reads chest X-rays in Leeds",
			"An artificial intelligence tool reads chest X-rays at a Leeds hospital, flagging stroke and lung cancer for radiologists.",
			"DIAGNOSTIC", "CLINICAL_RADIOLOGY", "NHS_NORTH_EAST_YORKSHIRE", 0),
		doc("evil", "Scanner news "+planted, "artificial intelligence reads scans. "+planted+" More stroke text.",
			"DIAGNOSTIC", "CLINICAL_RADIOLOGY", "NHS_LONDON", 1),
		doc("ward", "Virtual ward in Manchester", "An artificial intelligence virtual ward watches patients at home after stroke.",
			"REMOTE_MONITORING", "GERIATRIC_MEDICINE", "NHS_NORTH_WEST", 2),
		doc("rota", "Rota tool in Bristol", "artificial intelligence plans rotas for a hospital in Bristol.",
			"AUTOMATION", "MULTIPLE", "NHS_SOUTH_WEST", 3),
	}
}

// client is one browser-less user of the app, with its own cookies.
type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func (a *app) client(t testing.TB) *client { return a.clientFrom(t, "") }

// clientFrom is a client whose requests say, through X-Forwarded-For, that
// they come from addr (as a trusted proxy would); "" says nothing.
func (a *app) clientFrom(t testing.TB, addr string) *client {
	jar, _ := cookiejar.New(nil)
	var rt http.RoundTripper = http.DefaultTransport
	if addr != "" {
		rt = forwarded{addr: addr}
	}
	return &client{t: t, base: a.URL, http: &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type forwarded struct{ addr string }

func (f forwarded) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path, returning the status, the body and the Location.
func (c *client) get(path string) (int, string, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func (c *client) post(path string, form url.Values) (int, string, string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// csrf reads the session's CSRF token off a page.
func (c *client) csrf(path string) string {
	c.t.Helper()
	_, body, _ := c.get(path)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no csrf token on %s", path)
	}
	return m[1]
}

// login signs in as name and returns the status of the answer.
func (c *client) login(name, pw string) int {
	c.t.Helper()
	tok := c.csrf("/login")
	code, _, _ := c.post("/login", url.Values{"name": {name}, "password": {pw}, "csrf": {tok}})
	return code
}

// reportsFor opens another read-only reports pool on the app's database.
func reportsFor(t testing.TB, a *app) *store.Reports {
	t.Helper()
	r, err := store.OpenReports(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// announceAgain stores a second announcement of seed document i's
// technology, changed by edit, and returns the technology's id.
func (a *app) announceAgain(t *testing.T, i int, edit func(*message.Classification)) int64 {
	t.Helper()
	ctx := context.Background()
	first := seed()[i]
	var tech int64
	if err := a.store.Pool().QueryRow(ctx, `select technology_id from document_technologies where document_id = $1`,
		first.Document.ID).Scan(&tech); err != nil {
		t.Fatal(err)
	}
	more := first
	more.Document.ID, more.Document.URL = first.Document.ID+"-2", first.Document.URL+"-2"
	if edit != nil {
		edit(&more)
	}
	if err := a.store.SaveClassifications(ctx, []message.Classification{more}); err != nil {
		t.Fatal(err)
	}
	return tech
}
