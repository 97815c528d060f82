// Package review serves the analysts' review app (the classification
// queue, items, decisions, history and the gold export) and the dashboard,
// which reads only the report views through the read-only role.
package review

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/horizon-scan/horizon/pipeline/facts"
	"github.com/horizon-scan/horizon/pipeline/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config is what a Server needs.
type Config struct {
	Store   *store.Store   // the review data: read and written for analysts
	Reports *store.Reports // the report views, read-only, for the dashboard
	Log     *slog.Logger
	// Lease is how long a claim on a review item lasts; claiming it
	// again renews it. Default 15 minutes.
	Lease time.Duration
	// SecureCookies marks cookies Secure; set it when served over HTTPS.
	SecureCookies bool
	// LoginEvery and LoginBurst limit login attempts per account name and
	// client address together: LoginBurst at once, then one every
	// LoginEvery (defaults: 5, then one every 12 seconds). A client address
	// alone gets four times as many, for many accounts. Someone guessing at
	// an account from one address never locks its owner out from another.
	LoginEvery time.Duration
	LoginBurst int
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For names the client (the TLS proxy of the deploy guide):
	// without them every user behind the proxy is one address.
	TrustedProxies []netip.Prefix
	// Metrics, if set, receives request counts and durations by route.
	Metrics prometheus.Registerer
}

// Server is the review app and dashboard.
type Server struct {
	store         *store.Store
	reports       *store.Reports
	facts         *facts.Index // the dashboard's counts, in memory
	health        healthCache  // the dashboard's pipeline health, for a few seconds
	log           *slog.Logger
	lease         time.Duration
	secureCookies bool
	limiter       *loginLimiter
	proxies       []netip.Prefix
	flashKey      []byte // signs flash messages (per process)
	pages         map[string]*template.Template
	mux           *http.ServeMux
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
}

// New returns a Server ready to serve.
func New(cfg Config) (*Server, error) {
	s := &Server{store: cfg.Store, reports: cfg.Reports, facts: facts.New(cfg.Reports.Pool()), log: cfg.Log, lease: cfg.Lease,
		secureCookies: cfg.SecureCookies, mux: http.NewServeMux(), proxies: cfg.TrustedProxies,
		flashKey: []byte(randomToken())}
	if s.lease <= 0 {
		s.lease = 15 * time.Minute
	}
	every, burst := cfg.LoginEvery, cfg.LoginBurst
	if every <= 0 {
		every = 12 * time.Second
	}
	if burst <= 0 {
		burst = 5
	}
	s.limiter = newLoginLimiter(every, burst)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "horizon_review_requests_total",
		Help: "Review app requests by route and status."}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "horizon_review_request_seconds",
		Help: "Review app request durations by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	if cfg.Metrics != nil {
		if err := errors.Join(cfg.Metrics.Register(s.requests), cfg.Metrics.Register(s.latency)); err != nil {
			return nil, fmt.Errorf("registering review metrics: %w", err)
		}
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	static, _ := fs.Sub(staticFiles, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.HandleFunc("POST /logout", s.authenticated(store.RoleReader, s.logout))
	s.mux.HandleFunc("GET /{$}", s.authenticated(store.RoleReader, s.home))

	s.mux.HandleFunc("GET /account", s.authenticated(store.RoleReader, s.account))
	s.mux.HandleFunc("POST /account", s.authenticated(store.RoleReader, s.changePassword))
	s.mux.HandleFunc("GET /dashboard", s.authenticated(store.RoleReader, s.dashboard))
	s.mux.HandleFunc("GET /dashboard/{file}", s.authenticated(store.RoleReader, s.reportCSV))

	s.mux.HandleFunc("GET /queue", s.authenticated(store.RoleAnalyst, s.queue))
	s.mux.HandleFunc("POST /queue/next", s.authenticated(store.RoleAnalyst, s.claimNext))
	s.mux.HandleFunc("POST /queue/accept", s.authenticated(store.RoleAnalyst, s.bulkAccept))
	s.mux.HandleFunc("GET /items/{id}", s.authenticated(store.RoleAnalyst, s.item))
	s.mux.HandleFunc("POST /items/{id}/claim", s.authenticated(store.RoleAnalyst, s.claim))
	s.mux.HandleFunc("POST /items/{id}/release", s.authenticated(store.RoleAnalyst, s.release))
	s.mux.HandleFunc("POST /items/{id}/decide", s.authenticated(store.RoleAnalyst, s.decide))
	s.mux.HandleFunc("GET /technologies/{id}", s.authenticated(store.RoleReader, s.technology))
	s.mux.HandleFunc("POST /technologies/{id}/rename", s.authenticated(store.RoleAnalyst, s.rename))
	s.mux.HandleFunc("POST /technologies/{id}/split", s.authenticated(store.RoleAnalyst, s.split))
	s.mux.HandleFunc("POST /technologies/{id}/undo", s.authenticated(store.RoleAnalyst, s.undoEdit))
	s.mux.HandleFunc("GET /export/gold.jsonl", s.authenticated(store.RoleAnalyst, s.exportGold))
	s.mux.HandleFunc("GET /export/documents.jsonl", s.authenticated(store.RoleAnalyst, s.exportDocuments))

	s.mux.HandleFunc("GET /admin/users", s.authenticated(store.RoleAdmin, s.users))
	s.mux.HandleFunc("POST /admin/users", s.authenticated(store.RoleAdmin, s.saveUser))
}

// ServeHTTP serves every request with the security headers: a strict
// Content-Security-Policy (scripts and styles only from this server, no
// inline script, no framing), no MIME sniffing, no referrer to other sites.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.secureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	s.mux.ServeHTTP(rec, r) // sets r.Pattern to the route it matched
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
	s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// page is what every template gets.
type page struct {
	Title   string
	User    store.User
	CSRF    string
	Error   string
	Flash   string
	Content any
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, err
		}
		out[base] = t
	}
	return out, nil
}

// render writes a page; the template runs into a buffer first, so a
// failure gives a clean error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if se, ok := sessionFrom(r.Context()); ok {
		p.User, p.CSRF = se.User, se.CSRFToken
	}
	if p.Flash == "" {
		// Only a message this server signed: a link cannot put words of
		// its own in the banner.
		if msg := r.URL.Query().Get("flash"); msg != "" && s.flashSigned(msg, r.URL.Query().Get("fs")) {
			p.Flash = msg
		}
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("rendering", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail logs err and answers 500 without its details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.render(w, r, http.StatusInternalServerError, "error.html", page{Title: "Error", Error: "Something went wrong; it has been logged."})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "error.html", page{Title: "Not found", Error: "There is no such page."})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	se, _ := sessionFrom(r.Context())
	http.Redirect(w, r, startPage(se.User.Role), http.StatusSeeOther)
}

// startPage is where a role starts: the queue for analysts and admins, the
// dashboard for readers.
func startPage(role string) string {
	if roleRank[role] >= roleRank[store.RoleAnalyst] {
		return "/queue"
	}
	return "/dashboard"
}

const loginCSRFCookie = "horizon_login_csrf"

// loginPage shows the form with a token that must come back both in the
// form and in a cookie (login CSRF: another site cannot sign you in as
// someone else).
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.loginForm(w, r, http.StatusOK, "")
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, status int, msg string) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login", HttpOnly: true,
		Secure: s.secureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	// Where the reader was going, kept through the form (a path on this
	// site only).
	var next any
	if n := cmp.Or(r.PostFormValue("next"), r.URL.Query().Get("next")); n != "" && safeLocal(n) == n {
		next = n
	}
	s.render(w, r, status, "login.html", page{Title: "Sign in", CSRF: token, Error: msg, Content: next})
}

// checkLoginCSRF reports whether a login form carried its token.
func checkLoginCSRF(r *http.Request) bool {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" {
		return false
	}
	return subtleEqual(c.Value, r.PostFormValue("csrf"))
}

// ListenAndServe serves h on addr until ctx is cancelled, then shuts down,
// giving requests in flight 10 seconds. Slow clients are cut off.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	log.Info("review app listening", "addr", "http://"+ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// signFlash and flashSigned let a redirect carry a message to the next
// page's banner, and only a message this server wrote.
func (s *Server) signFlash(msg string) string {
	m := hmac.New(sha256.New, s.flashKey)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) flashSigned(msg, sig string) bool {
	return sig != "" && hmac.Equal([]byte(sig), []byte(s.signFlash(msg)))
}
