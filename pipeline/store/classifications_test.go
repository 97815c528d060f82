package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// varied is a batch like the pipeline's: relevant and not, products named
// by several documents, developers alone, marks, organisations, review
// reasons and labels of several dimensions and scores. Batches of other
// firsts name the same products and developers again.
func varied(at time.Time, first int) []message.Classification {
	var cs []message.Classification
	for i := range 24 {
		c := named(fmt.Sprintf("v%02d", first+i), "", "", at.Add(time.Duration(first+i)*time.Minute))
		switch i % 4 {
		case 0:
			c.Technology = &message.Name{Name: madeName(i % 8), Score: 2} // three documents each
		case 1:
			c.Vendors = []message.Name{{Name: fmt.Sprintf("Vendor %d Ltd", i), Score: 2}}
		case 2:
			c.Relevant = false
		}
		c.Labels = append(c.Labels, message.Label{Dimension: "workforce_group", Code: "MEDIC.DERMATOLOGY", Score: float64((first+i)%7) + 0.5,
			Evidence: []message.Evidence{{RuleID: "r", Field: "text", Start: 0, End: 4, Snippet: "text"}}})
		if i%5 == 0 {
			c.Review = message.Review{Needed: true, Reasons: []string{"low confidence"}}
			c.Marks = []message.Mark{{Kind: "CE", Evidence: []message.Evidence{{RuleID: "marks", Field: "text", Start: 0, End: 4, Snippet: "text"}}}}
			c.Organisations = []message.Organisation{{Kind: "trust", ID: "RRV", Name: "UCLH", Region: "NHS_LONDON"}}
		}
		cs = append(cs, c)
	}
	return cs
}

// snapshot is everything SaveClassifications writes, as sorted text, with
// technologies known by their keys (ids depend on the order of creation).
func snapshot(t *testing.T, st *store.Store) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`select id, source_id, url, title, body, content_hash, fetched_at::text, version from documents`,
		`select document_id, rule_set_version, content_hash, relevant, needs_review, review_reasons::text, classified_at::text from classifications`,
		`select document_id, rule_set_version, dimension, code, score, evidence::text from labels`,
		`select t.key, t.name, coalesce(t.vendor, ''), coalesce(t.what, ''), coalesce(m.key, '') from technologies t left join technologies m on m.id = t.merged_into`,
		`select dt.document_id, t.key, dt.matched_by from document_technologies dt join technologies t on t.id = dt.technology_id`,
		`select r.document_id, t.key, r.reasons::text, r.priority, r.state from review_items r join technologies t on t.id = r.technology_id`,
		`select t.key, a.dimension, a.code, a.score from technology_auto_codes a join technologies t on t.id = a.technology_id`,
		`select document_id, rule_set_version, kind, coalesce(reference, ''), evidence::text from document_marks`,
		`select document_id, kind, org_id from document_organisations`,
		`select id, last_seen is not null from sources`,
	} {
		rows, err := st.Pool().Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%v", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(lines)
		out = append(out, q, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n")
}

// New documents are copied straight into their tables, and the codes of
// the technologies they join are updated from the batch; documents seen
// before (here: each sent twice in its batch) are merged from staging
// tables, and their technologies' codes recomputed from the tables. Both
// ways must store exactly the same, also when a second batch names the
// first one's technologies again.
func TestNewDocumentsCopiedStraightInEqualMergedOnes(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	first, second := varied(at, 0), varied(at, 24)
	straight, merged := testenv.Store(t), testenv.Store(t)
	saver(t, straight)(first...)
	saver(t, straight)(second...)
	saver(t, merged)(append(slices.Clone(first), first...)...)
	saver(t, merged)(append(slices.Clone(second), second...)...)
	got, want := snapshot(t, straight), snapshot(t, merged)
	if got != want {
		t.Errorf("copied straight in:\n%s\n\nmerged:\n%s", got, want)
	}
	if !strings.Contains(got, madeName(4)) || !strings.Contains(got, "MEDIC.DERMATOLOGY") {
		t.Fatalf("the batch was not stored:\n%s", got)
	}
	// Labels have no foreign key (migration 016): the loader keeps them
	// with their classification.
	var orphans, keys int
	if err := straight.Pool().QueryRow(context.Background(), `select
		(select count(*) from labels l where not exists (select 1 from classifications c
		  where c.document_id = l.document_id and c.rule_set_version = l.rule_set_version)),
		(select count(*) from pg_constraint where conrelid = 'labels'::regclass and contype = 'f')`).Scan(&orphans, &keys); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 || keys != 0 {
		t.Errorf("%d labels without their classification, %d foreign keys on labels; want none", orphans, keys)
	}
	// And saving them again changes nothing.
	saver(t, straight)(first...)
	saver(t, straight)(second...)
	if again := snapshot(t, straight); again != got {
		t.Errorf("saving again changed the tables:\n%s\n\nbefore:\n%s", again, got)
	}
}

// saveAfterOtherCommits saves cs while transaction other holds what the
// batch needs: it waits until the batch waits on a lock, commits other, and
// fails the test unless the batch then goes in.
func saveAfterOtherCommits(t *testing.T, st *store.Store, other pgx.Tx, cs ...message.Classification) {
	t.Helper()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- st.SaveClassifications(ctx, cs) }()
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			t.Fatalf("the batch did not wait for the other writer: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if err := st.Pool().QueryRow(ctx, `select exists (select 1 from pg_stat_activity
			where datname = current_database() and wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the batch failed instead of merging: %v", err)
	}
}

// A document taken for new that another writer stores first (its insert
// commits while this batch waits on it) makes the batch go in again the
// merging way: nothing lost, nothing doubled, the newer content kept.
func TestADocumentStoredMeanwhileByAnotherWriterIsMerged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	other, err := st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
	for _, q := range []string{
		`insert into sources (id) values ('src')`,
		`insert into documents (id, source_id, url, title, body, content_hash, fetched_at)
		 values ('race', 'src', 'https://example.org/race', 'older', 'text', 'h0', '2026-03-01 08:00:00+00')`,
	} {
		if _, err := other.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The batch waits on the other writer's document.
	saveAfterOtherCommits(t, st, other, named("race", "Racewise", "", at), named("calm", "", "", at))
	var title string
	var docs, labels, links int
	if err := st.Pool().QueryRow(ctx, `select (select title from documents where id = 'race'),
		(select count(*) from documents), (select count(*) from labels where document_id = 'race'),
		(select count(*) from document_technologies)`).Scan(&title, &docs, &labels, &links); err != nil {
		t.Fatal(err)
	}
	if title != "title h" || docs != 2 || labels != 4 || links != 2 {
		t.Errorf("title %q, %d documents, %d labels of the raced one, %d links; want the newer title, 2, 4, 2", title, docs, labels, links)
	}
}

// A technology a batch of new documents takes for new that another writer
// creates first (its insert commits while the batch's COPY waits on it)
// makes the batch go in again the merging way: the document joins the
// other writer's technology, which it did not bring, so it opens no "new
// technology" review item; nothing is lost or doubled.
func TestATechnologyCreatedMeanwhileByAnotherWriterIsJoined(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	racer := named("racer", "Racewise", "", at)
	key := store.MatchTechnology(racer, nil).Key
	other, otherID := otherWriterCreates(t, st, racer)
	// The batch waits on the other writer's technology.
	saveAfterOtherCommits(t, st, other, racer, named("calm", "", "", at))
	var techs, docs, newItems int
	var linked int64
	if err := st.Pool().QueryRow(ctx, `select (select count(*) from technologies where key = $1),
		(select count(*) from documents),
		(select technology_id from document_technologies where document_id = 'racer'),
		(select count(*) from review_items where document_id = 'racer' and $2 = any(reasons))`,
		key, store.ReasonNewTechnology).Scan(&techs, &docs, &linked, &newItems); err != nil {
		t.Fatal(err)
	}
	if techs != 1 || docs != 2 || linked != otherID || newItems != 0 {
		t.Errorf("%d technologies of the key, %d documents, linked to %d (the other writer's is %d), %d new-technology items; want 1, 2, the other's, 0",
			techs, docs, linked, otherID, newItems)
	}
}

// otherWriterCreates begins another writer's transaction that creates the
// technology c names, and returns it uncommitted with the new id (rolled
// back at the end of the test unless committed).
func otherWriterCreates(t *testing.T, st *store.Store, c message.Classification) (pgx.Tx, int64) {
	t.Helper()
	ctx := context.Background()
	other, err := st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Rollback(context.Background()) })
	var id int64
	if err := other.QueryRow(ctx, `insert into technologies (key, name) values ($1, $2) returning id`,
		store.MatchTechnology(c, nil).Key, c.Technology.Name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return other, id
}

// Two racing batches: one creates a product and commits last, the other
// creates a product of a name alike enough to join it (a newer id) and
// commits first, when it cannot see the older one. Whichever of the two a
// later fold touches, the newer joins the older: one technology.
func TestAProductAlikeCreatedByARacingBatchIsFolded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	older := named("older", "Alphascan", "", at)
	other, olderID := otherWriterCreates(t, st, older)
	// The newer product's batch commits (and folds) while the older one is
	// not yet there to be seen.
	saver(t, st)(named("newer", "Alphascan CXR", "", at))
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// A later batch names the older product, and its fold touches only that.
	saver(t, st)(older)
	var newerTech, olderTech int64
	var live int
	if err := st.Pool().QueryRow(ctx, `select
		(select technology_id from document_technologies where document_id = 'newer'),
		(select technology_id from document_technologies where document_id = 'older'),
		(select count(*) from technologies where merged_into is null)`).Scan(&newerTech, &olderTech, &live); err != nil {
		t.Fatal(err)
	}
	if newerTech != olderID || olderTech != olderID || live != 1 {
		t.Errorf("newer on %d, older on %d (the older technology is %d), %d technologies not merged; want both on the older, 1",
			newerTech, olderTech, olderID, live)
	}
}

// A new document named by neither product nor developer has a technology
// of its own, keyed by the document, which the loader creates without
// resolving it. Should that key exist all the same (written by an older
// version, or by hand), the batch is not lost: it goes in the merging way
// and the document joins the technology that is there.
func TestANewDocumentsOwnTechnologyThatExistsIsJoined(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	lone, other := named("lone", "", "", at), named("other", "", "", at)
	key := store.MatchTechnology(lone, nil).Key
	var there int64
	if err := st.Pool().QueryRow(ctx, `insert into technologies (key, name) values ($1, 'Made by hand') returning id`, key).
		Scan(&there); err != nil {
		t.Fatal(err)
	}
	saver(t, st)(lone, other)
	var techs, items int
	var linked, otherLinked int64
	if err := st.Pool().QueryRow(ctx, `select (select count(*) from technologies),
		(select technology_id from document_technologies where document_id = 'lone'),
		(select technology_id from document_technologies where document_id = 'other'),
		(select count(*) from review_items where $1 = any(reasons))`, store.ReasonNewTechnology).
		Scan(&techs, &linked, &otherLinked, &items); err != nil {
		t.Fatal(err)
	}
	if techs != 2 || linked != there || otherLinked == there || items != 1 {
		t.Errorf("%d technologies, lone linked to %d (the one there is %d), other to %d, %d new-technology items; want 2, the one there, another, 1",
			techs, linked, there, otherLinked, items)
	}
}

// Writers at once, each with a batch of new documents naming the same new
// products (and one product an earlier batch created), end with one
// technology a product, every document linked to it, one "new technology"
// review item for each technology a batch created, and each technology's
// codes the best of all its documents' labels: whoever created a
// technology, the others joined it and raised its codes.
func TestWritersAtOnceShareTheTechnologiesTheyCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	saver(t, st)(named("early", madeName(100), "", at))
	const writers, products, each = 4, 6, 3
	batch := func(w int) []message.Classification {
		var cs []message.Classification
		for p := range products + 1 {
			name := madeName(p)
			if p == products {
				name = madeName(100) // the product that existed
			}
			for k := range each {
				c := named(fmt.Sprintf("w%d-p%d-%d", w, p, k), name, "", at.Add(time.Duration(w)*time.Minute))
				c.Labels = append(c.Labels, message.Label{Dimension: "workforce_group", Code: "MEDIC.DERMATOLOGY",
					Score: float64(w*10 + k)})
				cs = append(cs, c)
			}
		}
		return cs
	}
	for round := range 3 { // races differ from run to run: try a few
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			cs := batch(round*writers + w)
			wg.Go(func() { errs[w] = st.SaveClassifications(ctx, cs) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	var techs, unlinked, opened int
	var best float64
	if err := st.Pool().QueryRow(ctx, `select
		(select count(*) from technologies where merged_into is null),
		(select count(*) from documents d where not exists (select 1 from document_technologies dt where dt.document_id = d.id)),
		(select count(*) from review_items where 'new technology' = any(reasons)),
		(select max(a.score) from technology_auto_codes a join technologies t on t.id = a.technology_id
		 where t.name = $1 and a.code = 'MEDIC.DERMATOLOGY')`, madeName(100)).Scan(&techs, &unlinked, &opened, &best); err != nil {
		t.Fatal(err)
	}
	// Each writer's labels for its documents score w*10+k: the best for a
	// product is the last writer's last document, 11*10+2.
	if techs != products+1 || unlinked != 0 || opened != products+1 || best != 112 {
		t.Errorf("%d technologies (want %d), %d documents unlinked, %d new-technology review items (want %d), best code score %v (want 112)",
			techs, products+1, unlinked, opened, products+1, best)
	}
	var wrong int
	if err := st.Pool().QueryRow(ctx, `select count(*) from technologies t
		join technology_auto_codes a on a.technology_id = t.id and a.code = 'MEDIC.DERMATOLOGY'
		where a.score <> (select max(l.score) from labels l join document_technologies dt on dt.document_id = l.document_id
		                  where dt.technology_id = t.id and l.code = 'MEDIC.DERMATOLOGY')`).Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Errorf("%d technologies whose code is not the best of their documents' labels", wrong)
	}
}
