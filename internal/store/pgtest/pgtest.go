// Package pgtest runs a real, throwaway PostgreSQL server for tests.
//
// The server comes from the distribution's package (Debian installs it under
// /usr/lib/postgresql/VERSION/bin; the environment variable PGTEST_BINDIR
// names another directory holding initdb and postgres). Each test binary
// starts at most one server, in a temporary directory, listening only on a
// Unix socket in that directory, with durability turned off for speed; every
// call to Start creates a fresh database on it.
//
// A missing server is a test failure, never a skip: the store must be
// checked against PostgreSQL on every run.
//
// Use it from TestMain so that the server is stopped after the tests:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Wrap(m).Run()) }
//
// or, with goleak, goleak.VerifyTestMain(pgtest.Wrap(m)).
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// ErrNotInstalled is returned when no PostgreSQL server binaries are found.
var ErrNotInstalled = errors.New(`PostgreSQL server not found: install it with "apt-get install -y postgresql" (the CI script .ci/run does this)`)

// debianBinDirs is where Debian's postgresql-NN packages put the server.
const debianBinDirs = "/usr/lib/postgresql/*/bin"

// Timeouts.
const (
	startTimeout    = 2 * time.Minute  // for initdb and the server to come up
	readyTimeout    = 30 * time.Second // for the server to accept connections
	shutdownTimeout = 15 * time.Second // for a fast shutdown before killing it
)

// port is the port number in the socket's name (.s.PGSQL.5432); the socket
// lives in the server's own directory, so it cannot clash with other servers.
const port = 5432

// superuser is the name initdb gives the bootstrap superuser.
const superuser = "postgres"

// Server is a PostgreSQL server running in a temporary directory.
type Server struct {
	dir     string // temporary directory: data/, the socket, postgres.log
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postgres process has exited
	waitErr error         // the process's exit status, set before exited closes
	admin   *sql.DB       // connection to the "postgres" database
	lastDB  atomic.Int64  // numbers the databases CreateDatabase makes
}

// NewServer initialises a cluster in a new temporary directory and starts
// PostgreSQL on it, waiting until it accepts connections. Stop it with Close.
// When the process runs as root, the server runs as the "postgres" system
// user, since PostgreSQL refuses to run as root.
func NewServer(ctx context.Context) (*Server, error) {
	bin, err := findBinDir(os.Getenv("PGTEST_BINDIR"), debianBinDirs)
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(cred)
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, exited: make(chan struct{})}
	if err := s.start(ctx, bin, cred); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, bin string, cred *syscall.Credential) error {
	if err := s.initdb(ctx, bin, cred); err != nil {
		return err
	}
	if err := s.launch(bin, cred); err != nil {
		return err
	}
	admin, err := sql.Open("pgx", s.DSN(superuser))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	s.admin = admin
	return s.waitReady(ctx)
}

// findBinDir returns the directory holding initdb and postgres: dir when not
// empty, else the newest match of pattern.
func findBinDir(dir, pattern string) (string, error) {
	if dir != "" {
		if !hasServer(dir) {
			return "", fmt.Errorf("pgtest: PGTEST_BINDIR=%s holds no initdb and postgres: %w", dir, ErrNotInstalled)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob(pattern)
	// Newest major version first: /usr/lib/postgresql/17/bin before .../9.6/bin.
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(b, a) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// compareVersions compares the version directories of two bin paths
// numerically (".../15/bin" against ".../9.6/bin").
func compareVersions(a, b string) int {
	va, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(a)), 64)
	vb, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(b)), 64)
	switch {
	case va < vb:
		return -1
	case va > vb:
		return 1
	}
	return strings.Compare(a, b)
}

// serverCredential returns nil when the server can run as the current user,
// and the "postgres" system user's credential when running as root.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses to: need the postgres system user "+
			"(created by the Debian package): %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: postgres uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: postgres gid %q: %w", u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// makeDir creates the server's temporary directory, owned by the server's user.
func makeDir(cred *syscall.Credential) (string, error) {
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("pgtest: %w", err)
		}
	}
	return dir, nil
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) logPath() string { return filepath.Join(s.dir, "postgres.log") }

// command prepares a server program to run as cred in s.dir.
func (s *Server) command(ctx context.Context, bin, name string, cred *syscall.Credential, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return cmd
}

func (s *Server) initdb(ctx context.Context, bin string, cred *syscall.Credential) error {
	cmd := s.command(ctx, bin, "initdb", cred,
		"--pgdata", s.dataDir(), "--username", superuser, "--auth", "trust",
		"--encoding", "UTF8", "--no-locale", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb in %s: %w\n%s", s.dir, err, out)
	}
	return nil
}

// launch starts postgres in the background, logging to postgres.log.
func (s *Server) launch(bin string, cred *syscall.Credential) error {
	logFile, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close() // the child keeps its own copy
	cmd := s.command(context.Background(), bin, "postgres", cred,
		"-D", s.dataDir(),
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories="+s.dir,
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "shared_buffers=32MB",
		"-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stopWithParent(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// waitReady polls until the server accepts connections, it exits, or
// readyTimeout passes.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		err := s.admin.PingContext(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("pgtest: postgres exited (%v) before accepting connections; its log:\n%s", s.waitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres not ready after %v: %w; its log:\n%s", readyTimeout, err, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logTail returns the end of the server's log, for error messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return err.Error()
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// DSN returns the connection string of a database on s.
func (s *Server) DSN(database string) string {
	q := url.Values{}
	q.Set("host", s.dir)
	q.Set("port", strconv.Itoa(port))
	q.Set("user", superuser)
	q.Set("sslmode", "disable")
	return (&url.URL{Scheme: "postgres", Path: "/" + database, RawQuery: q.Encode()}).String()
}

// CreateDatabase creates a new, empty database and returns its name.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test_%d", s.lastDB.Add(1))
	if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return name, nil
}

// DropDatabase drops a database, closing the connections still open to it.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	if _, err := s.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// Close stops the server (fast shutdown, then a kill after a while) and
// removes its directory.
func (s *Server) Close() error {
	var errs []error
	if s.admin != nil {
		errs = append(errs, s.admin.Close())
	}
	if s.cmd != nil {
		errs = append(errs, s.stop())
	}
	errs = append(errs, os.RemoveAll(s.dir))
	return errors.Join(errs...)
}

func (s *Server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgtest: stop postgres: %w", err)
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(shutdownTimeout):
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	return fmt.Errorf("pgtest: postgres did not shut down within %v; killed it", shutdownTimeout)
}

// shared is the server of this test binary, started by the first Start.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Start returns the DSN of a new, empty database on the test binary's
// server, starting the server on first use; the database is dropped when t
// ends. It fails t (never skips) when PostgreSQL is not installed.
func Start(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		shared.srv, shared.err = NewServer(ctx)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	srv := shared.srv
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, err := srv.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.DropDatabase(ctx, name); err != nil {
			t.Error(err)
		}
	})
	return srv.DSN(name)
}

// TestingM is what TestMain runs: *testing.M, or a wrapper such as Wrap's.
// goleak.VerifyTestMain takes the same interface.
type TestingM interface {
	Run() int
}

// Wrap returns m with a Run that also stops the shared server, if Start
// started one, once the tests have run. Without it the server is only killed
// when the test binary exits, and its temporary directory stays behind.
func Wrap(m TestingM) TestingM {
	return wrapped{m}
}

type wrapped struct{ m TestingM }

func (w wrapped) Run() int {
	code := w.m.Run()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}
