package devstack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway Postgres cluster in a local folder.
type Postgres struct {
	Dir  string // the cluster's data folder
	Port int
	bin  string              // folder holding initdb and pg_ctl
	cred *syscall.Credential // who runs the server when we are root
	log  *slog.Logger
	// durable false runs the server with fsync off
	durable bool
}

// PostgresOptions tunes a throwaway cluster.
type PostgresOptions struct {
	// Durable false turns fsync off: right for tests, wrong for data you
	// mean to keep.
	Durable bool
	// Install lets StartPostgres install Debian's postgresql package when no
	// server binaries are found and the process runs as root.
	Install bool
}

// URL is a connection string for the cluster's postgres database.
func (p *Postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
}

// StartPostgres makes a cluster in dir unless one is there already, and
// starts it on a free port on 127.0.0.1 unless it is running already (then it
// is reused). initdb refuses to run as root, so as root the cluster belongs
// to the "postgres" user (or "nobody") and the server runs as that user.
func StartPostgres(ctx context.Context, dir string, opts PostgresOptions, log *slog.Logger) (*Postgres, error) {
	bin, err := findPostgresBin()
	if err != nil && opts.Install && os.Geteuid() == 0 {
		log.Info("installing PostgreSQL from Debian's packages (apt-get install postgresql)")
		if ierr := aptInstall(ctx); ierr != nil {
			return nil, fmt.Errorf("installing postgresql: %w", ierr)
		}
		bin, err = findPostgresBin()
	}
	if err != nil {
		return nil, fmt.Errorf("%w; install the server (Debian: apt-get install postgresql) or give a database URL", err)
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := &Postgres{Dir: dir, bin: bin, log: log}
	if os.Geteuid() == 0 {
		if p.cred, err = unprivileged(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", filepath.Dir(dir), err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	if p.cred != nil {
		if err := searchableByOthers(filepath.Dir(dir)); err != nil {
			return nil, err
		}
		if err := os.Chown(dir, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
			return nil, fmt.Errorf("handing %s to uid %d: %w", dir, p.cred.Uid, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); os.IsNotExist(err) {
		log.Info("creating throwaway postgres cluster", "dir", dir)
		if out, err := p.run(ctx, "initdb", "-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
			return nil, fmt.Errorf("initdb in %s: %w\n%s", dir, err, out)
		}
	}
	if port, ok := p.runningPort(ctx); ok {
		p.Port = port
		log.Info("reusing running postgres cluster", "dir", dir, "port", port)
		return p, nil
	}
	if p.Port, err = serverPort(); err != nil {
		return nil, fmt.Errorf("finding a free port: %w", err)
	}
	p.durable = opts.Durable
	if err := p.Start(ctx); err != nil {
		return nil, err
	}
	log.Info("postgres started", "dir", dir, "port", p.Port)
	return p, nil
}

// Start starts the cluster's server on its port: after [Postgres.Stop], it
// comes back at the same URL.
func (p *Postgres) Start(ctx context.Context) error {
	serverOpts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", p.Port)
	if !p.durable {
		serverOpts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	logFile := filepath.Join(p.Dir, "server.log")
	if out, err := p.run(ctx, "pg_ctl", "-D", p.Dir, "-l", logFile, "-w", "-t", "60", "-o", serverOpts, "start"); err != nil {
		tail, _ := os.ReadFile(logFile)
		return fmt.Errorf("starting postgres in %s: %w\n%s\n%s", p.Dir, err, out, lastLines(tail, 20))
	}
	return waitReady(ctx, p.URL())
}

// Stop stops the cluster's server, leaving its data in place.
func (p *Postgres) Stop(ctx context.Context) error {
	if out, err := p.run(ctx, "pg_ctl", "-D", p.Dir, "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("stopping postgres in %s: %w\n%s", p.Dir, err, out)
	}
	return nil
}

// StartCommand is the shell command that starts the cluster again later.
func (p *Postgres) StartCommand() string {
	cmd := fmt.Sprintf("%s -D %s -l %s/server.log -o \"-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=''\" start",
		filepath.Join(p.bin, "pg_ctl"), p.Dir, p.Dir, p.Port)
	if p.cred != nil {
		if u, err := user.LookupId(strconv.Itoa(int(p.cred.Uid))); err == nil {
			return "runuser -u " + u.Username + " -- " + cmd
		}
	}
	return cmd
}

func (p *Postgres) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, tool), args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
		cmd.Dir = "/"
	}
	// pg_ctl start leaves the server holding its output: give it a file, not
	// a pipe, or we would wait for the server to exit.
	out, err := os.CreateTemp("", "horizon-pg-*.out")
	if err != nil {
		return nil, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	if p.cred != nil {
		_ = out.Chown(int(p.cred.Uid), int(p.cred.Gid))
	}
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	text, _ := os.ReadFile(out.Name())
	return text, err
}

// runningPort reports the port of a server already running on the cluster.
func (p *Postgres) runningPort(ctx context.Context) (int, bool) {
	data, err := os.ReadFile(filepath.Join(p.Dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return 0, false
	}
	if _, err := p.run(ctx, "pg_ctl", "-D", p.Dir, "status"); err != nil {
		return 0, false
	}
	return port, true
}

func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres at %s not ready: %w", url, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ProbePostgres reports whether a Postgres server answers at url.
func ProbePostgres(ctx context.Context, url string) bool {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, url)
	if err != nil {
		return false
	}
	defer conn.Close(ctx)
	return conn.Ping(cctx) == nil
}

// findPostgresBin finds the folder with initdb and pg_ctl: on PATH, else the
// newest of Debian's /usr/lib/postgresql/<version>/bin.
func findPostgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb, pg_ctl) found")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func aptInstall(ctx context.Context) error {
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql"}} {
		// Another apt (unattended upgrades, a second run) may hold the lock:
		// wait for it rather than fail.
		args = append([]string{"-o", "DPkg::Lock::Timeout=600"}, args...)
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", args[2], err, lastLines(out, 20))
		}
	}
	return nil
}

// unprivileged returns the credentials of the user that owns throwaway
// clusters when we run as root.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root and no postgres or nobody user to run initdb as")
}

// searchableByOthers checks that another user can reach dir, as the server
// running as "postgres" must.
func searchableByOthers(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("the postgres server runs as another user and cannot reach %s: %s is not searchable by others (chmod o+x %s, or keep the data elsewhere)", dir, d, d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func lastLines(b []byte, n int) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// serverPort finds a free TCP port on 127.0.0.1 for a server that may be
// stopped and started again on the same port. It is chosen below the
// kernel's ephemeral range (32768 and up on Linux), which the kernel hands
// to client connections: a port from there could be taken by some
// connection while the server is down.
func serverPort() (int, error) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))
	for range 200 {
		port := 20000 + rng.IntN(12000)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		ln.Close()
		return port, nil
	}
	return 0, errors.New("no free port between 20000 and 32000")
}
