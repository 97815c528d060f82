package review

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

const pageSize = 50

// errBadRequest marks an error in what the user sent.
var errBadRequest = errors.New("bad request")

// queueView is the queue page's content.
type queueView struct {
	Filter  store.QueueFilter
	Since   string
	Until   string
	Items   []store.QueueItem
	Total   int
	Page    int
	Pages   int
	Query   string // the filter as a query string, for paging links
	Reasons []store.ReasonCount
	Sources []string
	Types   []store.Code
	Me      string
	// TypeNames names the types; ItemQuery is the filter an item link
	// carries, so that "Next item" there keeps it.
	TypeNames    map[string]string
	ItemQuery    template.URL // encoded by url.Values, so safe in a link
	DecidedToday int
	DecidedAll   int
}

func parseFilter(q url.Values) (store.QueueFilter, error) {
	f := store.QueueFilter{Reason: q.Get("reason"), Source: q.Get("source"), Type: q.Get("type"), State: q.Get("state"),
		Sort: q.Get("sort")}
	if f.State != "" && !slices.Contains([]string{"open", "claimed", "decided"}, f.State) {
		return f, fmt.Errorf("state %q: %w", f.State, errBadRequest)
	}
	if _, ok := store.QueueSorts[f.Sort]; f.Sort != "" && !ok {
		return f, fmt.Errorf("sort %q: %w", f.Sort, errBadRequest)
	}
	for _, d := range []struct {
		key string
		t   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(d.key); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return f, fmt.Errorf("%s: want a date like 2026-05-01: %w", d.key, errBadRequest)
			}
			*d.t = t
		}
	}
	return f, nil
}

// maxPage bounds the page asked for, so that its offset cannot overflow.
const maxPage = 1_000_000

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "error.html", page{Title: "Bad filter", Error: err.Error()})
		return
	}
	pg, _ := strconv.Atoi(q.Get("page"))
	pg = min(max(pg, 1), maxPage) // a page number past any queue is the last that could be
	ctx := r.Context()
	v := queueView{Filter: f, Since: q.Get("since"), Until: q.Get("until"), Page: pg}
	se, _ := sessionFrom(ctx)
	v.Me = se.User.Name
	if v.Items, v.Total, err = s.store.Queue(ctx, f, pageSize, (pg-1)*pageSize); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Pages = max(1, (v.Total+pageSize-1)/pageSize)
	if v.Reasons, err = s.store.QueueReasons(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Sources, err = s.store.SourceIDs(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.store.ReferenceCodes(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Types = codes[rules.DimType]
	v.TypeNames = codeNamesOf(v.Types)
	v.ItemQuery = template.URL(queueQuery(f).Encode())
	if v.DecidedToday, v.DecidedAll, err = s.store.DecidedBy(ctx, se.User.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	q.Del("page")
	v.Query = q.Encode()
	s.render(w, r, http.StatusOK, "queue.html", page{Title: "Review queue", Content: v})
}

// claimNext claims the next free item matching the queue's filter and
// opens it.
func (s *Server) claimNext(w http.ResponseWriter, r *http.Request) {
	se, _ := sessionFrom(r.Context())
	f, err := parseFilter(r.PostForm)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "error.html", page{Title: "Bad filter", Error: err.Error()})
		return
	}
	f.State = ""
	id, err := s.store.ClaimNext(r.Context(), se.User.Name, s.lease, f)
	if errors.Is(err, store.ErrQueueEmpty) {
		s.redirectFlash(w, r, "/queue", "Nothing left to claim.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, itemURL(id, r.PostForm), http.StatusSeeOther)
}

// bulkAccept accepts every item ticked in the queue. Each is claimed and
// decided on its own: one held by another analyst is skipped and named.
func (s *Server) bulkAccept(w http.ResponseWriter, r *http.Request) {
	se, _ := sessionFrom(r.Context())
	var done int
	var skipped, refused []string
	for _, v := range r.PostForm["item"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		err = s.store.Claim(r.Context(), id, se.User.Name, s.lease)
		if err == nil {
			err = s.store.Decide(r.Context(), store.Decision{ItemID: id, Analyst: se.User.Name, Action: store.ActionAccept})
		}
		switch {
		case err == nil:
			done++
		case errors.Is(err, store.ErrClaimed), errors.Is(err, store.ErrNoItem):
			skipped = append(skipped, "#"+v)
		case errors.Is(err, store.ErrRefused):
			// A near miss or a technology judged not relevant: it is
			// decided on its own page. The claim taken for it goes back.
			refused = append(refused, "#"+v)
			if err := s.store.Release(r.Context(), id, se.User.Name); err != nil {
				s.fail(w, r, err)
				return
			}
		default:
			s.fail(w, r, err)
			return
		}
	}
	msg := fmt.Sprintf("Accepted %d item(s).", done)
	if len(skipped) > 0 {
		msg += fmt.Sprintf(" Skipped %v: claimed by someone else or decided.", skipped)
	}
	if len(refused) > 0 {
		msg += fmt.Sprintf(" Not accepted %v: a near miss, or a technology judged not relevant, is decided on its own page.", refused)
	}
	s.redirectFlash(w, r, "/queue?"+r.PostFormValue("query"), msg)
}

func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, to, msg string) {
	u, _ := url.Parse(safeLocal(to))
	q := u.Query()
	q.Set("flash", msg)
	q.Set("fs", s.signFlash(msg))
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// safeLocal returns to if it is a path on this site, else /queue: a form
// field must not send the analyst elsewhere.
func safeLocal(to string) string {
	u, err := url.Parse(to)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") || strings.HasPrefix(u.Path, "/\\") {
		return "/queue"
	}
	return u.String()
}
