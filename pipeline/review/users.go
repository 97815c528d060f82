package review

import (
	"errors"
	"net/http"
	"strings"

	"github.com/horizon-scan/horizon/pipeline/store"
)

type usersView struct {
	Users []store.User
	Roles []string
}

var roles = []string{store.RoleReader, store.RoleAnalyst, store.RoleAdmin}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	s.showUsers(w, r, http.StatusOK, "")
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, msg string) {
	us, err := s.store.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "users.html", page{Title: "Accounts", Error: msg, Content: usersView{Users: us, Roles: roles}})
}

// saveUser creates an account or sets its role, password and state.
func (s *Server) saveUser(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := r.PostFormValue("role")
	if name == "" || !ValidRole(role) {
		s.showUsers(w, r, http.StatusBadRequest, "An account needs a name and a role.")
		return
	}
	if err := CheckName(name); err != nil {
		s.showUsers(w, r, http.StatusBadRequest, "Not saved: "+err.Error()+".")
		return
	}
	var hash string
	if pw := r.PostFormValue("password"); pw != "" {
		var err error
		if hash, err = HashPassword(pw); err != nil {
			s.showUsers(w, r, http.StatusBadRequest, err.Error())
			return
		}
	} else {
		// A role or state changed, the password kept.
		old, err := s.store.UserByName(r.Context(), name)
		if errors.Is(err, store.ErrNoUser) {
			s.showUsers(w, r, http.StatusBadRequest, "A new account needs a password.")
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		hash = old.PasswordHash
	}
	u := store.User{Name: name, PasswordHash: hash, Role: role, Disabled: r.PostFormValue("disabled") != ""}
	// The account is signed out everywhere, but for the administrator's own
	// session when they save their own account.
	se, _ := sessionFrom(r.Context())
	keep := ""
	if name == se.User.Name {
		keep = sessionToken(r)
	}
	if err := s.store.SaveUser(r.Context(), u, keep); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("account saved", "name", name, "role", role, "by", se.User.Name)
	s.redirectFlash(w, r, "/admin/users", "Saved account "+name+".")
}
