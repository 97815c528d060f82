package review

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// Editable are the dimensions an analyst corrects, in form order.
var Editable = []string{rules.DimType, rules.DimSubtype, rules.DimClinicalArea, rules.DimWorkforceGroup,
	rules.DimPointOfCare, rules.DimStage, rules.DimHorizon, rules.DimRegion}

// picker is one dimension's code picker on the item page.
type picker struct {
	Dim      string
	Label    string
	Multiple bool
	Options  []option
}

type option struct {
	Code     string
	Name     string
	Selected bool
}

type itemView struct {
	Item        store.Item
	TitleSegs   []segment
	BodySegs    []segment
	Pickers     []picker
	MineClaim   bool   // the viewer holds the claim
	OtherClaim  string // another analyst holds it
	Decided     bool
	Dims        map[string]string
	LabelsByDim map[string][]store.ItemLabel
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
		Decided: it.State == "decided", LabelsByDim: map[string][]store.ItemLabel{}}
	if it.State == "claimed" {
		if it.ClaimedBy == se.User.Name {
			v.MineClaim = true
		} else {
			v.OtherClaim = it.ClaimedBy
		}
	}
	for _, l := range it.Labels {
		v.LabelsByDim[l.Dimension] = append(v.LabelsByDim[l.Dimension], l)
	}
	current := currentCodes(it.Technology)
	for _, dim := range Editable {
		p := picker{Dim: dim, Label: dimLabel(dim), Multiple: dim != rules.DimType && dim != rules.DimStage}
		for _, c := range codes[dim] {
			p.Options = append(p.Options, option{Code: c.Code, Name: c.Name, Selected: slices.Contains(current[dim], c.Code)})
		}
		v.Pickers = append(v.Pickers, p)
	}
	title := fmt.Sprintf("Item #%d", id)
	s.render(w, r, status, "item.html", page{Title: title, Content: v, Error: msg})
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
		http.Redirect(w, r, fmt.Sprintf("/items/%d", id), http.StatusSeeOther)
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
// to correct a correction.
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
	case store.ActionAccept, store.ActionNotRelevant:
	case store.ActionNote:
		if d.Note == "" {
			s.showItem(w, r, id, http.StatusBadRequest, "A note needs some text.")
			return
		}
	case store.ActionMerge:
		d.MergeInto, err = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("merge_into")), "#"), 10, 64)
		if err != nil || d.MergeInto <= 0 || d.MergeInto == it.TechnologyID {
			s.showItem(w, r, id, http.StatusBadRequest, "Merge needs the number of another technology.")
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
	if err := s.store.Decide(ctx, d); err != nil {
		if errors.Is(err, store.ErrClaimed) {
			s.showItem(w, r, id, http.StatusConflict, "Not saved: "+err.Error()+".")
			return
		}
		s.fail(w, r, err)
		return
	}
	s.log.Info("decided", "item", id, "analyst", d.Analyst, "action", d.Action)
	if r.PostFormValue("then") == "next" {
		next, err := s.store.ClaimNext(ctx, se.User.Name, s.lease, store.QueueFilter{})
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/items/%d", next), http.StatusSeeOther)
			return
		}
		if !errors.Is(err, store.ErrQueueEmpty) {
			s.fail(w, r, err)
			return
		}
	}
	s.redirectFlash(w, r, fmt.Sprintf("/items/%d", id), fmt.Sprintf("Saved: %s.", strings.ReplaceAll(d.Action, "_", " ")))
}

// corrections reads the pickers: the dimensions whose codes differ from the
// technology's current ones, each checked against the reference codes.
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
		var picked []string
		for _, c := range r.PostForm[dim] {
			if c == "" {
				continue
			}
			if !slices.ContainsFunc(ref[dim], func(rc store.Code) bool { return rc.Code == c }) {
				return nil, fmt.Errorf("%q is not a %s code", c, dimLabel(dim))
			}
			if !slices.Contains(picked, c) {
				picked = append(picked, c)
			}
		}
		slices.Sort(picked)
		was := slices.Clone(current[dim])
		slices.Sort(was)
		if !slices.Equal(picked, was) {
			out[dim] = picked
		}
	}
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
		s.showTechnology(w, r, id, http.StatusBadRequest, editError(err), "")
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
		s.showTechnology(w, r, id, http.StatusBadRequest, editError(err), "")
		return
	case !s.found(w, r, err):
		return
	}
	s.log.Info("split", "technology", id, "into", newID, "analyst", se.User.Name)
	http.Redirect(w, r, fmt.Sprintf("/technologies/%d?done=split", newID), http.StatusSeeOther)
}

// editError is what an analyst is told of an edit refused: the reason,
// without the technology's number and the error's kind.
func editError(err error) string {
	msg := strings.TrimSuffix(err.Error(), ": "+store.ErrBadEdit.Error())
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
