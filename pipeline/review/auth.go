package review

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/horizon-scan/horizon/pipeline/store"
)

const (
	sessionCookie = "horizon_session"
	sessionTTL    = 12 * time.Hour
	// MinPasswordLength is the shortest password an account may have.
	MinPasswordLength = 10
)

// roleRank orders roles: a page for a role is open to every higher one.
var roleRank = map[string]int{store.RoleReader: 1, store.RoleAnalyst: 2, store.RoleAdmin: 3}

// ValidRole reports whether role is one of the review app's roles.
func ValidRole(role string) bool { return roleRank[role] > 0 }

// validName is what an account name may be: 2 to 32 characters of ASCII
// letters, digits, ".", "_" and "-", starting with a letter or digit. No
// look-alike letters from other scripts ("аdmin" with a Cyrillic а), no
// spaces, no essays.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$`)

// CheckName says what is wrong with an account name, or nil.
func CheckName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("an account name is 2 to 32 letters (a–z, A–Z), digits, dots, dashes or underscores, starting with a letter or digit")
	}
	return nil
}

// HashPassword hashes a password with bcrypt, refusing short ones.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", fmt.Errorf("password: must be at least %d characters", MinPasswordLength)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when the account does not exist, so that
// a wrong name takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// loginLimiter allows a few login attempts a minute per key: per account
// name and client address together, and (more) per client address, so
// that guessing goes slowly and a guesser can lock out no one but
// themselves: the owner signing in from another address has a bucket of
// their own.
type loginLimiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	every   time.Duration
	burst   int
}

func newLoginLimiter(every time.Duration, burst int) *loginLimiter {
	return &loginLimiter{buckets: map[string]*rate.Limiter{}, every: every, burst: burst}
}

// allow takes one attempt from each key's bucket, a bucket holding burst
// times its key's share: 1 for a name and address, 4 for an address.
func (l *loginLimiter) allow(keys map[string]int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 100_000 { // forget everyone rather than grow without bound
		clear(l.buckets)
	}
	ok := true
	for k, share := range keys {
		b := l.buckets[k]
		if b == nil {
			b = rate.NewLimiter(rate.Every(l.every/time.Duration(share)), l.burst*share)
			l.buckets[k] = b
		}
		if !b.Allow() {
			ok = false
		}
	}
	return ok
}

// allowAttempt takes a password attempt at account name from addr out of
// the limiter: one from the bucket of the two together, one from the
// address's wider bucket.
func (s *Server) allowAttempt(name, addr string) bool {
	return s.limiter.allow(map[string]int{"pair:" + name + "\x00" + addr: 1, "addr:" + addr: 4})
}

// clientAddr is the address of the client: the connection's, or, when the
// connection comes from a trusted proxy, the last address X-Forwarded-For
// gives that is not itself a trusted proxy.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.trusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // not an address: trust nothing before it
		}
		if !s.trusted(hop) {
			return hop
		}
	}
	return host
}

func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range s.proxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// sessionFrom returns the signed-in session of a request that went through
// [Server.authenticated].
func sessionFrom(ctx context.Context) (store.Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(store.Session)
	return s, ok
}

// login checks a name and password and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	if !checkLoginCSRF(r) {
		s.loginForm(w, r, http.StatusForbidden, "The form had expired. Try again.")
		return
	}
	addr := s.clientAddr(r)
	if !s.allowAttempt(name, addr) {
		s.log.Warn("login rate-limited", "addr", addr, "name", name)
		w.Header().Set("Retry-After", "60")
		s.loginForm(w, r, http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again.")
		return
	}
	u, err := s.store.UserByName(r.Context(), name)
	hash := []byte(u.PasswordHash)
	if err != nil {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil {
		if err != nil && !errors.Is(err, store.ErrNoUser) {
			s.fail(w, r, err)
			return
		}
		s.log.Info("login failed", "addr", addr, "name", name)
		s.loginForm(w, r, http.StatusUnauthorized, "Wrong name or password.")
		return
	}
	token, csrf := randomToken(), randomToken()
	if err := s.store.CreateSession(r.Context(), token, u.Name, csrf, sessionTTL); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secureCookies, SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL / time.Second)})
	s.log.Info("signed in", "user", u.Name, "role", u.Role)
	to := startPage(u.Role)
	if next := r.PostFormValue("next"); next != "" && safeLocal(next) == next {
		to = next // where the reader was going before signing in
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// sessionToken returns the request's session cookie ("" without one).
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if token := sessionToken(r); token != "" {
		if err := s.store.DeleteSession(r.Context(), token); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// authenticated serves h to signed-in users of at least role; others go to
// the login page (or get 403 when signed in with too low a role). Every
// state-changing request must carry the session's CSRF token.
func (s *Server) authenticated(role string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			s.toLogin(w, r)
			return
		}
		se, err := s.store.SessionByToken(r.Context(), c.Value)
		if errors.Is(err, store.ErrNoUser) {
			s.toLogin(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if roleRank[se.User.Role] < roleRank[role] {
			s.render(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, se)), http.StatusForbidden, "error.html",
				page{Title: "Not allowed", Error: "Your account (" + se.User.Role + ") may not open this page."})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.PostFormValue("csrf")
			if got == "" {
				got = r.Header.Get("X-CSRF-Token")
			}
			if !subtleEqual(got, se.CSRFToken) {
				s.log.Warn("csrf token mismatch", "user", se.User.Name, "path", r.URL.Path)
				http.Error(w, "invalid or missing CSRF token", http.StatusForbidden)
				return
			}
			defer s.health.drop() // a write may change the pipeline's health
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, se)))
	}
}

func subtleEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}
