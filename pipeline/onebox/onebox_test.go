package onebox_test

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/onebox"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/scrape/offlinesite"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

type bundle struct {
	cfg onebox.Config
	st  *store.Store
	nc  *nats.Conn
}

func setup(t *testing.T) bundle {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := testenv.Store(t)
	nc := testenv.NATS(t)
	return bundle{
		cfg: onebox.Config{NATS: nc, Store: st, Bus: testenv.BusConfig(t), Rules: rs,
			Log: slog.New(slog.DiscardHandler), Timeout: time.Minute},
		st: st, nc: nc,
	}
}

// setupWithSite is setup with the offline site served and its sources
// configured.
func setupWithSite(t *testing.T) bundle {
	t.Helper()
	site, err := offlinesite.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	b := setup(t)
	if b.cfg.Sources, err = site.Sources(); err != nil {
		t.Fatal(err)
	}
	return b
}

// tableCounts reads the size of every table the pipeline writes.
func tableCounts(t *testing.T, st *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"sources", "documents", "classifications", "labels", "dead_letters"} {
		var n int
		if err := st.Pool().QueryRow(context.Background(), "select count(*) from "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestPipelineEndToEnd(t *testing.T) {
	t.Parallel()
	b := setupWithSite(t)
	ctx := context.Background()

	first, err := onebox.Run(ctx, b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	counts := tableCounts(t, b.st)
	if counts["documents"] != offlinesite.Articles || counts["classifications"] != offlinesite.Articles {
		t.Fatalf("after the first run: %v, want %d documents and classifications", counts, offlinesite.Articles)
	}
	if counts["dead_letters"] != 0 {
		t.Errorf("dead letters after a clean run: %d", counts["dead_letters"])
	}
	wantPerSource := map[string]int{"demo-rss": 10, "demo-atom": 8, "demo-listing": 12, "demo-sitemap": 10}
	for _, c := range first.Summary.BySource {
		if wantPerSource[c.Name] != c.Count {
			t.Errorf("source %s: %d documents, want %d", c.Name, c.Count, wantPerSource[c.Name])
		}
	}

	t.Run("the summary counts the review queue the app shows", func(t *testing.T) {
		_, total, err := b.st.Queue(ctx, store.QueueFilter{}, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if first.Summary.InReviewQueue != total || total == 0 {
			t.Errorf("summary: %d in the review queue; the queue shows %d", first.Summary.InReviewQueue, total)
		}
	})
	t.Run("every source run is recorded and the sources are healthy", func(t *testing.T) {
		var runs, unhealthy int
		err := b.st.Pool().QueryRow(ctx, `select (select count(*) from source_runs),
			(select count(*) from report.source_health where consecutive_failures > 0 or last_success_at is null)`).Scan(&runs, &unhealthy)
		if err != nil {
			t.Fatal(err)
		}
		if runs != len(wantPerSource) || unhealthy != 0 {
			t.Errorf("%d runs recorded (want %d), %d unhealthy sources", runs, len(wantPerSource), unhealthy)
		}
	})
	t.Run("the report views count technologies by type and region", func(t *testing.T) {
		var techs, types, regions, open int
		err := b.st.Pool().QueryRow(ctx, `select (select count(*) from report.technologies),
			(select count(*) from report.distribution where dimension = 'type'),
			(select count(*) from report.regions),
			(select coalesce(sum(items), 0) from report.review_backlog where state = 'open')`).Scan(&techs, &types, &regions, &open)
		if err != nil {
			t.Fatal(err)
		}
		if techs == 0 || types == 0 || regions == 0 || open == 0 {
			t.Errorf("technologies %d, types %d, regions %d, open review items %d: want all filled", techs, types, regions, open)
		}
	})
	t.Run("robots.txt keeps the private page out", func(t *testing.T) {
		var n int
		if err := b.st.Pool().QueryRow(ctx, `select count(*) from documents where url like '%/private/%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d documents from /private/", n)
		}
	})
	t.Run("tracking parameters do not make a second document", func(t *testing.T) {
		var n int
		if err := b.st.Pool().QueryRow(ctx, `select count(*) from documents where url like '%genomics-ai-rare-disease%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d documents for one article linked twice", n)
		}
	})

	t.Run("every relevant document's technology is named by its product or its developer", func(t *testing.T) {
		rows, err := b.st.Pool().Query(ctx, `select d.url, d.title, t.key, t.name
			from report.documents d
			join document_technologies dt on dt.document_id = d.document_id
			join technologies t on t.id = dt.technology_id
			where d.relevant order by d.url`)
		if err != nil {
			t.Fatal(err)
		}
		type named struct{ URL, Title, Key, Name string }
		all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[named])
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < 30 {
			t.Fatalf("%d relevant documents with a technology, want the site's 30 or more", len(all))
		}
		keys := map[string]bool{}
		for _, n := range all {
			keys[n.Key] = true
		}
		if len(keys) < len(all)-6 {
			t.Errorf("%d relevant documents on only %d technologies: unrelated announcements joined", len(all), len(keys))
		}
		for _, n := range all {
			by, _, _ := strings.Cut(n.Key, ":")
			if (by != "product" && by != "vendor") || n.Name == n.Title || strings.Contains(n.Name, "(not named)") {
				t.Errorf("%s: technology %q (key %s), named by neither a product nor a developer", n.URL, n.Name, n.Key)
			}
		}
	})
	t.Run("one product announced under several spellings is one technology", func(t *testing.T) {
		for _, c := range []struct {
			product string
			slugs   []string
		}{
			{"RadiantRead", []string{"chest-xray-triage-leeds", "radiantread-bradford", "radiantread-ce-mark", "radiantread-fda"}},
			{"Scribewell", []string{"ambient-scribe-pilot-manchester", "scribewell-expands-greater-manchester"}},
		} {
			var techs []string
			for _, slug := range c.slugs {
				var tech string
				if err := b.st.Pool().QueryRow(ctx, `select t.id || ' ' || t.name from document_technologies dt
					join technologies t on t.id = dt.technology_id
					join documents d on d.id = dt.document_id where d.url like '%/' || $1 || '.html'`, slug).Scan(&tech); err != nil {
					t.Fatalf("technology of %s: %v", slug, err)
				}
				techs = append(techs, tech)
			}
			if len(slices.Compact(slices.Clone(techs))) != 1 {
				t.Errorf("%s: the announcements %v are on technologies %v, want one", c.product, c.slugs, techs)
			}
		}
	})

	codes := func(slug string) map[string][]string {
		rows, err := b.st.Pool().Query(ctx, `select l.dimension, l.code from report.document_labels l
			join documents d on d.id = l.document_id where d.url like '%/' || $1 || '.html' order by 1, 2`, slug)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]string{}
		for rows.Next() {
			var dim, code string
			if err := rows.Scan(&dim, &code); err != nil {
				t.Fatal(err)
			}
			out[dim] = append(out[dim], code)
		}
		return out
	}
	tests := []struct {
		name, slug, dim string
		want            []string
		atLeast         bool // want is a subset of what is found
	}{
		{"a chest X-ray tool is diagnostic", "chest-xray-triage-leeds", "type", []string{"DIAGNOSTIC"}, false},
		{"a chest X-ray tool is imaging", "chest-xray-triage-leeds", "subtype", []string{"DIAGNOSTIC.IMAGING"}, false},
		{"Leeds is in North East and Yorkshire", "chest-xray-triage-leeds", "region", []string{"NHS_NORTH_EAST_YORKSHIRE"}, false},
		{"radiology work falls to radiologists and radiographers", "chest-xray-triage-leeds", "workforce_group", []string{"AHP.DIAGNOSTIC_RADIOGRAPHER", "MEDIC.CLINICAL_RADIOLOGY"}, true},
		{"an ambient scribe is automation", "ambient-scribe-pilot-manchester", "type", []string{"AUTOMATION"}, false},
		{"a virtual ward is remote monitoring", "virtual-ward-heart-failure-bristol", "type", []string{"REMOTE_MONITORING"}, false},
		{"market research spam is not relevant", "ai-market-report-spam", "relevance", nil, false},
		{"chip news is not relevant", "general-ai-chip-news", "relevance", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(tc.slug)[tc.dim]
			if tc.atLeast {
				for _, w := range tc.want {
					if !slices.Contains(got, w) {
						t.Errorf("%s %s = %v, want it to include %s", tc.slug, tc.dim, got, w)
					}
				}
				return
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%s %s = %v, want %v", tc.slug, tc.dim, got, tc.want)
			}
		})
	}

	t.Run("running everything again adds no rows", func(t *testing.T) {
		second, err := onebox.Run(ctx, b.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range second.Reports {
			if r.New+r.Changed != 0 {
				t.Errorf("source %s published %d documents again", r.Source, r.New+r.Changed)
			}
		}
		if again := tableCounts(t, b.st); !equal(again, counts) {
			t.Errorf("row counts changed on the second run: %v, then %v", counts, again)
		}
	})
}

func equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPoisonMessagesAreDeadLettered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	bb, err := bus.Open(ctx, b.nc, b.cfg.Bus)
	if err != nil {
		t.Fatal(err)
	}
	js := bb.JetStream()
	poison := []struct{ subject, body, stage, reason string }{
		{bb.RawSubject("demo"), `{not json`, "classifier", "invalid message"},
		{bb.RawSubject("demo"), `{"schema_version": 99, "id": "x"}`, "classifier", "unknown schema_version"},
		{bb.ClassifiedSubject("demo"), `{"schema_version": 7}`, "loader", "unknown schema_version"},
	}
	for _, p := range poison {
		if _, err := js.Publish(ctx, p.subject, []byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := onebox.Run(ctx, b.cfg); err != nil {
		t.Fatal(err)
	}
	rows, err := b.st.Pool().Query(ctx, `select stage, reason, payload from dead_letters order by id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var stage, reason string
		var payload []byte
		if err := rows.Scan(&stage, &reason, &payload); err != nil {
			t.Fatal(err)
		}
		got = append(got, stage+"|"+string(payload)+"|"+reason)
	}
	if len(got) != len(poison) {
		t.Fatalf("dead letters:\n%s\nwant %d", strings.Join(got, "\n"), len(poison))
	}
	for _, p := range poison {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, p.stage+"|"+p.body+"|") && strings.Contains(g, p.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s dead letter for %s with reason %q in:\n%s", p.stage, p.body, p.reason, strings.Join(got, "\n"))
		}
	}
	// Nothing is left to redeliver: the poison does not loop.
	for _, c := range []string{bus.ClassifierConsumer, bus.LoaderConsumer, bus.DeadLetterConsumer} {
		if n, err := bb.Pending(ctx, c); err != nil || n != 0 {
			t.Errorf("consumer %s: %d pending (%v)", c, n, err)
		}
	}
}

func TestReclassifyMovesTheReportsToTheNewRules(t *testing.T) {
	t.Parallel()
	b := setupWithSite(t)
	ctx := context.Background()
	if _, err := onebox.Run(ctx, b.cfg); err != nil {
		t.Fatal(err)
	}
	oldVersion := b.cfg.Rules.Version

	// An analyst adds a rule: a new rule-set version.
	changed, err := rules.Load(withExtraRule(t), "rules")
	if err != nil {
		t.Fatal(err)
	}
	bb, err := bus.Open(ctx, b.nc, b.cfg.Bus)
	if err != nil {
		t.Fatal(err)
	}
	n, dups, err := classify.Reclassify(ctx, b.st, bb, changed, time.Now)
	if err != nil || n != offlinesite.Articles || dups != 0 {
		t.Fatalf("reclassify published %d (%d duplicates), err %v; want %d", n, dups, err, offlinesite.Articles)
	}
	b.cfg.Sources = nil // load what was published, scrape nothing
	if _, err := onebox.Run(ctx, b.cfg); err != nil {
		t.Fatal(err)
	}
	var current, old, total int
	err = b.st.Pool().QueryRow(ctx, `select
		(select count(*) from report.current_classifications where rule_set_version = $1),
		(select count(*) from report.current_classifications where rule_set_version = $2),
		(select count(*) from classifications)`, changed.Version, oldVersion).Scan(&current, &old, &total)
	if err != nil {
		t.Fatal(err)
	}
	if current != offlinesite.Articles || old != 0 || total != 2*offlinesite.Articles {
		t.Errorf("current under new rules %d, under old %d, all classifications %d", current, old, total)
	}
	if again, _, err := classify.Reclassify(ctx, b.st, bb, changed, time.Now); err != nil || again != 0 {
		t.Errorf("reclassifying again with the same rules published %d (%v)", again, err)
	}
}

// withExtraRule is the built-in rule set plus one analyst rule.
func withExtraRule(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(rules.Files(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(rules.Files(), name)
		fsys[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fsys["analyst.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: analyst.sonographers\n    set: {workforce_group: AHP.SONOGRAPHER}\n    any: [fetal heart]\n")}
	return fsys
}

// TestReplayingTheWholeStreamChangesNothing makes the loader read every
// classification again from the start of the stream (its durable consumer
// deleted and declared anew) and checks that no row changes.
func TestReplayingTheWholeStreamChangesNothing(t *testing.T) {
	t.Parallel()
	b := setupWithSite(t)
	ctx := context.Background()
	if _, err := onebox.Run(ctx, b.cfg); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, b.st)
	var versions int
	if err := b.st.Pool().QueryRow(ctx, `select sum(version) from documents`).Scan(&versions); err != nil {
		t.Fatal(err)
	}

	bb, err := bus.Open(ctx, b.nc, b.cfg.Bus)
	if err != nil {
		t.Fatal(err)
	}
	if err := bb.JetStream().DeleteConsumer(ctx, b.cfg.Bus.Stream, bus.LoaderConsumer); err != nil {
		t.Fatal(err)
	}
	b.cfg.Sources = nil
	if _, err := onebox.Run(ctx, b.cfg); err != nil { // declares the consumer again: it starts from the first message
		t.Fatal(err)
	}
	var replayed uint64
	if info, err := bb.JetStream().Consumer(ctx, b.cfg.Bus.Stream, bus.LoaderConsumer); err != nil {
		t.Fatal(err)
	} else if ci, err := info.Info(ctx); err != nil {
		t.Fatal(err)
	} else {
		replayed = ci.Delivered.Consumer
	}
	if replayed < uint64(offlinesite.Articles) {
		t.Fatalf("the loader was handed %d messages on replay, want all %d", replayed, offlinesite.Articles)
	}
	after := tableCounts(t, b.st)
	var versionsAfter int
	if err := b.st.Pool().QueryRow(ctx, `select sum(version) from documents`).Scan(&versionsAfter); err != nil {
		t.Fatal(err)
	}
	if !equal(before, after) || versions != versionsAfter {
		t.Errorf("replay changed the tables: %v (versions %d), then %v (versions %d)", before, versions, after, versionsAfter)
	}
}

// TestTheOfflineSiteKeepsItsDocumentsWhateverItsPort runs the pipeline over
// the offline site served on one port, then on another, under the site's
// stable name: the second run finds every document known, and nothing is
// stored twice.
func TestTheOfflineSiteKeepsItsDocumentsWhateverItsPort(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	run := func() onebox.Result {
		t.Helper()
		site, err := offlinesite.Start()
		if err != nil {
			t.Fatal(err)
		}
		defer site.Close()
		cfg := b.cfg
		if cfg.Sources, err = site.StableSources(); err != nil {
			t.Fatal(err)
		}
		cfg.Scrape.Resolve = site.Resolve()
		res, err := onebox.Run(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first, second := run(), run()
	published := 0
	for _, r := range second.Reports {
		published += r.New + r.Changed
		if r.Error != "" {
			t.Errorf("source %s failed: %s", r.Source, r.Error)
		}
	}
	if first.Summary.Documents != offlinesite.Articles || second.Summary.Documents != offlinesite.Articles || published != 0 {
		t.Errorf("documents after each run %d, %d (want %d each); the second published %d",
			first.Summary.Documents, second.Summary.Documents, offlinesite.Articles, published)
	}
	var urls int
	if err := b.st.Pool().QueryRow(ctx, `select count(*) from documents where url like 'http://'||$1||'/%'`, offlinesite.Host).Scan(&urls); err != nil {
		t.Fatal(err)
	}
	if urls != offlinesite.Articles {
		t.Errorf("%d documents under http://%s/, want every one", urls, offlinesite.Host)
	}
}
