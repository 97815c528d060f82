package review

import (
	"cmp"
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

// Editable are the dimensions an analyst corrects, in form order.
var Editable = []string{rules.DimType, rules.DimSubtype, rules.DimClinicalArea, rules.DimWorkforceGroup,
	rules.DimPointOfCare, rules.DimStage, rules.DimHorizon, rules.DimRegion}

// picker is one dimension's code chips on the item page: checkboxes (or
// radio buttons for a dimension of one code), the codes held first, so that
// a click changes one code and never drops the others.
type picker struct {
	Dim      string
	Label    string
	Multiple bool
	Was      []string // the codes shown as held: what "untouched" means
	Options  []option
}

type option struct {
	Code     string
	Name     string
	Selected bool
	Rival    bool // the type the classifier weighed against the one it chose
}

// legendEntry is one highlight colour of the item's text.
type legendEntry struct {
	Dim, Label string
}

type itemView struct {
	Item        store.Item
	TitleSegs   []segment
	BodySegs    []segment
	Pickers     []picker
	Legend      []legendEntry
	MineClaim   bool   // the viewer holds the claim
	OtherClaim  string // another analyst holds it
	Decided     bool
	Dims        map[string]string
	LabelsByDim map[string][]store.ItemLabel
	// Rival is the conflict of types the classifier settled, in words.
	Rival string
	// TypeNames names the type codes, for the review reasons.
	TypeNames map[string]string
	// Queue is the queue's filter the analyst came with, kept by "Next
	// item" and "then next"; QueueFields are its fields.
	Queue       template.URL // encoded by url.Values, so safe in a link
	QueueFields [][2]string
	// MergeQuery and Candidates are the merge search and its preview.
	MergeQuery string
	Candidates []store.MergeCandidate
	History    historyView
}

// historyView is a list of decisions, with an undo button on each that
// can be undone when the viewer is an analyst.
type historyView struct {
	Entries []store.HistoryEntry
	CSRF    string
	CanUndo bool
}

func dimLabel(dim string) string {
	switch dim {
	case rules.DimHorizon:
		return "Time to deployment"
	case rules.DimWorkforceGroup:
		return "Workforce group"
	case rules.DimClinicalArea:
		return "Clinical area"
	case rules.DimPointOfCare:
		return "Point of care"
	case "":
		return ""
	}
	return strings.ToUpper(dim[:1]) + dim[1:]
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) item(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.showItem(w, r, id, http.StatusOK, "")
}

func (s *Server) showItem(w http.ResponseWriter, r *http.Request, id int64, status int, msg string) {
	ctx := r.Context()
	it, err := s.store.ItemDetail(ctx, id)
	if !s.found(w, r, err) {
		return
	}
	codes, err := s.store.ReferenceCodes(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	se, _ := sessionFrom(ctx)
	v := itemView{Item: it, TitleSegs: highlight(it.Title, "title", it.Labels), BodySegs: highlight(it.Body, "text", it.Labels),
		Decided: it.State == "decided", LabelsByDim: map[string][]store.ItemLabel{},
		History: historyView{Entries: it.Technology.History, CSRF: se.CSRFToken, CanUndo: true}}
	if it.State == "claimed" {
		if it.ClaimedBy == se.User.Name {
			v.MineClaim = true
		} else {
			v.OtherClaim = it.ClaimedBy
		}
	}
	for _, l := range it.Labels {
		if len(v.LabelsByDim[l.Dimension]) == 0 && len(l.Evidence) > 0 {
			v.Legend = append(v.Legend, legendEntry{Dim: l.Dimension, Label: dimLabel(l.Dimension)})
		}
		v.LabelsByDim[l.Dimension] = append(v.LabelsByDim[l.Dimension], l)
	}
	names := codeNamesOf(codes[rules.DimType])
	v.TypeNames = names
	chosen, rival := rivalTypes(it.Reasons)
	if rival != "" {
		v.Rival = fmt.Sprintf("The text also reads as %s: the classifier chose %s by the weight of its evidence. Pick the right type under Correct codes.",
			cmp.Or(names[rival], rival), cmp.Or(names[chosen], chosen))
	}
	if f, err := parseFilter(r.URL.Query()); err == nil {
		q := queueQuery(f)
		v.Queue = template.URL(q.Encode())
		for k, vals := range q {
			v.QueueFields = append(v.QueueFields, [2]string{k, vals[0]})
		}
		slices.SortFunc(v.QueueFields, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })
	}
	current := currentCodes(it.Technology)
	for _, dim := range Editable {
		p := picker{Dim: dim, Label: dimLabel(dim), Multiple: dim != rules.DimType && dim != rules.DimHorizon, Was: current[dim]}
		for _, c := range codes[dim] {
			p.Options = append(p.Options, option{Code: c.Code, Name: c.Name, Selected: slices.Contains(current[dim], c.Code),
				Rival: dim == rules.DimType && c.Code == rival})
		}
		// Held codes first, then by name: what is picked is always in view.
		slices.SortStableFunc(p.Options, func(a, b option) int {
			if a.Selected != b.Selected {
				if a.Selected {
					return -1
				}
				return 1
			}
			return cmp.Compare(a.Name, b.Name)
		})
		v.Pickers = append(v.Pickers, p)
	}
	if it.TechnologyID != 0 && it.Technology.MergedInto == 0 {
		v.MergeQuery = strings.TrimSpace(r.URL.Query().Get("merge_q"))
		if v.Candidates, err = s.store.MergeCandidates(ctx, it.TechnologyID, v.MergeQuery, 8); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	title := fmt.Sprintf("Item #%d", id)
	s.render(w, r, status, "item.html", page{Title: title, Content: v, Error: msg})
}

// rivalTypes reads the types of a settled conflict from an item's review
// reasons ("conflicting types: A over B by weight of evidence", "… by
// purpose").
func rivalTypes(reasons []string) (chosen, rival string) {
	for _, r := range reasons {
		rest, ok := strings.CutPrefix(r, rules.ReasonConflictingType+": ")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, " by ")
		if a, b, ok := strings.Cut(rest, " over "); ok {
			return a, b
		}
	}
	return "", ""
}

// queueQuery is the part of a queue filter that picks the next item.
func queueQuery(f store.QueueFilter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"reason": f.Reason, "source": f.Source, "type": f.Type} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for k, t := range map[string]time.Time{"since": f.Since, "until": f.Until} {
		if !t.IsZero() {
			q.Set(k, t.Format(time.DateOnly))
		}
	}
	return q
}

// currentCodes are a technology's codes by dimension.
func currentCodes(t store.Technology) map[string][]string {
	out := map[string][]string{}
	for _, c := range t.Codes {
		out[c.Dimension] = append(out[c.Dimension], c.Code)
	}
	return out
}

func (s *Server) claim(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	se, _ := sessionFrom(r.Context())
	err := s.store.Claim(r.Context(), id, se.User.Name, s.lease)
	switch {
	case errors.Is(err, store.ErrNoItem):
		s.notFound(w, r)
	case errors.Is(err, store.ErrClaimed):
		s.showItem(w, r, id, http.StatusConflict, "You cannot claim this item: "+err.Error()+".")
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, itemURL(id, r.URL.Query()), http.StatusSeeOther)
	}
}

func (s *Server) release(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	se, _ := sessionFrom(r.Context())
	if err := s.store.Release(r.Context(), id, se.User.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/queue", fmt.Sprintf("Released item #%d.", id))
}

// decide applies an analyst's decision. store.Decide refuses it while
// another analyst holds a live claim on the item, so a decision never lands
// on an item someone else is working. A decided item may be decided again,
// to correct a correction, and any decision but a note can be undone.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	se, _ := sessionFrom(ctx)
	d := store.Decision{ItemID: id, Analyst: se.User.Name, Action: r.PostFormValue("action"),
		Note: strings.TrimSpace(r.PostFormValue("note"))}
	it, err := s.store.QueueItem(ctx, id)
	if !s.found(w, r, err) {
		return
	}
	switch d.Action {
	case store.ActionAccept, store.ActionNotRelevant, store.ActionRelevant:
	case store.ActionNote:
		if d.Note == "" {
			s.showItem(w, r, id, http.StatusBadRequest, "A note needs some text.")
			return
		}
	case store.ActionUndo:
		if d.Undoes, err = strconv.ParseInt(r.PostFormValue("undoes"), 10, 64); err != nil || d.Undoes <= 0 {
			s.showItem(w, r, id, http.StatusBadRequest, "Undo needs the decision to undo.")
			return
		}
	case store.ActionMerge:
		d.MergeInto, err = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("merge_into")), "#"), 10, 64)
		if err != nil || d.MergeInto <= 0 || d.MergeInto == it.TechnologyID {
			s.showItem(w, r, id, http.StatusBadRequest, "Merge needs another technology: search for it and pick one.")
			return
		}
		if _, err := s.store.Technology(ctx, d.MergeInto); err != nil {
			s.showItem(w, r, id, http.StatusBadRequest, fmt.Sprintf("There is no technology #%d.", d.MergeInto))
			return
		}
	case store.ActionCorrect:
		var t store.Technology
		if it.TechnologyID != 0 {
			if t, err = s.store.Technology(ctx, it.TechnologyID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if d.Codes, err = s.corrections(r, t); err != nil {
			s.showItem(w, r, id, http.StatusBadRequest, err.Error())
			return
		}
		if len(d.Codes) == 0 {
			s.showItem(w, r, id, http.StatusBadRequest, "Nothing was changed: pick the right codes first.")
			return
		}
	default:
		s.showItem(w, r, id, http.StatusBadRequest, "Unknown action.")
		return
	}
	switch err := s.store.Decide(ctx, d); {
	case errors.Is(err, store.ErrClaimed):
		s.showItem(w, r, id, http.StatusConflict, "Not saved: "+err.Error()+".")
		return
	case errors.Is(err, store.ErrRefused):
		s.showItem(w, r, id, http.StatusConflict, notSaved(err, store.ErrRefused))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.log.Info("decided", "item", id, "analyst", d.Analyst, "action", d.Action)
	queue, _ := url.ParseQuery(r.PostFormValue("queue"))
	if r.PostFormValue("then") == "next" {
		f, _ := parseFilter(queue)
		f.State = ""
		next, err := s.store.ClaimNext(ctx, se.User.Name, s.lease, f)
		if err == nil {
			http.Redirect(w, r, itemURL(next, queue), http.StatusSeeOther)
			return
		}
		if !errors.Is(err, store.ErrQueueEmpty) {
			s.fail(w, r, err)
			return
		}
	}
	s.redirectFlash(w, r, itemURL(id, queue), decidedMessage(d))
}

// itemURL is item id's page, keeping the queue filter the analyst came with.
func itemURL(id int64, queue url.Values) string {
	u := fmt.Sprintf("/items/%d", id)
	f, err := parseFilter(queue)
	if q := queueQuery(f).Encode(); err == nil && q != "" {
		u += "?" + q
	}
	return u
}

// decidedMessage says what a decision did, with the way back.
func decidedMessage(d store.Decision) string {
	switch d.Action {
	case store.ActionNotRelevant:
		return "Saved: not relevant. The technology has left the dashboard; Undo in its history brings it back."
	case store.ActionMerge:
		return fmt.Sprintf("Saved: merged into technology #%d. Undo in its history splits it off again.", d.MergeInto)
	case store.ActionUndo:
		return fmt.Sprintf("Undone: decision #%d no longer applies, and the item is back in the queue to decide again.", d.Undoes)
	}
	return fmt.Sprintf("Saved: %s.", strings.ReplaceAll(d.Action, "_", " "))
}

// corrections reads the code chips: the dimensions the analyst changed,
// each checked against the reference codes. A dimension is changed when
// its picked codes differ from the ones the page showed (was_<dim>, sent
// with chips=1), so a correction never rewrites a dimension the analyst
// did not touch, even one whose codes changed since the page was drawn.
// Another form is compared with the technology's current codes.
func (s *Server) corrections(r *http.Request, t store.Technology) (map[string][]string, error) {
	ref, err := s.store.ReferenceCodes(r.Context())
	if err != nil {
		return nil, err
	}
	current := currentCodes(t)
	out := map[string][]string{}
	for _, dim := range Editable {
		if _, sent := r.PostForm[dim]; !sent && r.PostFormValue("present_"+dim) == "" {
			continue
		}
		picked, err := codeSet(r.PostForm[dim], func(c string) bool {
			return slices.ContainsFunc(ref[dim], func(rc store.Code) bool { return rc.Code == c })
		})
		if err != nil {
			return nil, fmt.Errorf("%q is not a %s code", err.Error(), dimLabel(dim))
		}
		was := current[dim]
		if r.PostFormValue("chips") == "1" { // the page's own form: it says what it showed
			was = r.PostForm["was_"+dim]
		}
		was, _ = codeSet(was, nil)
		if !slices.Equal(picked, was) {
			out[dim] = picked
		}
	}
	return out, nil
}

// codeSet is codes sorted, without blanks and repeats; a code known fails
// is returned as the error.
func codeSet(codes []string, known func(string) bool) ([]string, error) {
	var out []string
	for _, c := range codes {
		if c == "" || slices.Contains(out, c) {
			continue
		}
		if known != nil && !known(c) {
			return nil, errors.New(c)
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return out, nil
}

func (s *Server) technology(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.showTechnology(w, r, id, http.StatusOK, "", r.URL.Query().Get("done"))
}

// showTechnology renders technology id's page with an error or a notice.
func (s *Server) showTechnology(w http.ResponseWriter, r *http.Request, id int64, status int, errMsg, flash string) {
	t, err := s.store.Technology(r.Context(), id)
	if !s.found(w, r, err) {
		return
	}
	switch flash {
	case "renamed":
		flash = "Saved: the name and developer are yours now; no automatic run changes them."
	case "split":
		flash = "Split: the documents you chose are a technology of their own."
	case "undone":
		flash = "Undone: the decision no longer applies; both stay in the history."
	default:
		flash = ""
	}
	s.render(w, r, status, "technology.html", page{Title: t.Name, Content: t, Error: errMsg, Flash: flash})
}

// rename gives a technology the name and developer an analyst typed.
func (s *Server) rename(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	se, _ := sessionFrom(r.Context())
	err := s.store.Rename(r.Context(), id, se.User.Name, r.PostFormValue("name"), r.PostFormValue("vendor"),
		strings.TrimSpace(r.PostFormValue("note")))
	switch {
	case errors.Is(err, store.ErrBadEdit):
		s.showTechnology(w, r, id, http.StatusBadRequest, notSaved(err, store.ErrBadEdit), "")
		return
	case !s.found(w, r, err):
		return
	}
	s.log.Info("renamed", "technology", id, "analyst", se.User.Name)
	http.Redirect(w, r, fmt.Sprintf("/technologies/%d?done=renamed", id), http.StatusSeeOther)
}

// split moves the documents an analyst ticked to a technology of their own.
func (s *Server) split(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.showTechnology(w, r, id, http.StatusBadRequest, "The form could not be read.", "")
		return
	}
	se, _ := sessionFrom(r.Context())
	newID, err := s.store.Split(r.Context(), id, se.User.Name, r.PostForm["document"], r.PostFormValue("name"),
		r.PostFormValue("vendor"), strings.TrimSpace(r.PostFormValue("note")))
	switch {
	case errors.Is(err, store.ErrBadEdit):
		s.showTechnology(w, r, id, http.StatusBadRequest, notSaved(err, store.ErrBadEdit), "")
		return
	case !s.found(w, r, err):
		return
	}
	s.log.Info("split", "technology", id, "into", newID, "analyst", se.User.Name)
	http.Redirect(w, r, fmt.Sprintf("/technologies/%d?done=split", newID), http.StatusSeeOther)
}

// undoEdit reverses a rename or a split from the technology's history.
func (s *Server) undoEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	undone, err := strconv.ParseInt(r.PostFormValue("undoes"), 10, 64)
	if err != nil || undone <= 0 {
		s.showTechnology(w, r, id, http.StatusBadRequest, "Undo needs the decision to undo.", "")
		return
	}
	se, _ := sessionFrom(r.Context())
	err = s.store.UndoEdit(r.Context(), id, se.User.Name, undone)
	switch {
	case errors.Is(err, store.ErrRefused):
		s.showTechnology(w, r, id, http.StatusConflict, notSaved(err, store.ErrRefused), "")
		return
	case !s.found(w, r, err):
		return
	}
	s.log.Info("undone", "technology", id, "decision", undone, "analyst", se.User.Name)
	http.Redirect(w, r, fmt.Sprintf("/technologies/%d?done=undone", id), http.StatusSeeOther)
}

// notSaved is what an analyst is told of a decision or an edit the store
// refused with the error kind: the reason, without the record's number
// and the kind.
func notSaved(err, kind error) string {
	msg := strings.TrimSuffix(err.Error(), ": "+kind.Error())
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	return "Not saved: " + msg + "."
}

// found answers a failed read of an item or technology: the not-found page
// when there is no such record, the error page on any other error. It
// reports whether the record was read, so the handler may go on.
func (s *Server) found(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case errors.Is(err, store.ErrNoItem):
		s.notFound(w, r)
		return false
	case err != nil:
		s.fail(w, r, err)
		return false
	}
	return true
}
