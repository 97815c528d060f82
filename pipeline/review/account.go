package review

import (
	"errors"
	"net/http"

	"golang.org/x/crypto/bcrypt"

	"github.com/horizon-scan/horizon/pipeline/store"
)

// account shows the signed-in user's own account: the form to change the
// password.
func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account.html", page{Title: "Your account"})
}

// changePassword sets a new password for the signed-in user, given the
// current one, and signs the account out of its other sessions. Attempts
// count against the same limits as logins, so a borrowed session cannot be
// used to guess the password quickly.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	se, _ := sessionFrom(ctx)
	fail := func(status int, msg string) {
		s.render(w, r, status, "account.html", page{Title: "Your account", Error: msg})
	}
	// The form is checked before the current password, so that only real
	// guesses count against the limits.
	next := r.PostFormValue("new")
	if next != r.PostFormValue("repeat") {
		fail(http.StatusBadRequest, "The new password and its repetition differ.")
		return
	}
	hash, err := HashPassword(next)
	if err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	if !s.allowAttempt(se.User.Name, s.clientAddr(r)) {
		w.Header().Set("Retry-After", "60")
		fail(http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again.")
		return
	}
	u, err := s.store.UserByName(ctx, se.User.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(r.PostFormValue("current"))) != nil {
		s.log.Info("password change refused: wrong current password", "user", u.Name, "addr", s.clientAddr(r))
		fail(http.StatusUnauthorized, "The current password is wrong.")
		return
	}
	if err := s.store.SetPassword(ctx, u.Name, hash, sessionToken(r)); err != nil {
		if errors.Is(err, store.ErrNoUser) {
			s.toLogin(w, r)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.log.Info("password changed", "user", u.Name)
	s.redirectFlash(w, r, "/account", "Password changed. Your other sessions are signed out.")
}
