// Package storetest gives tests a database to open a store on: a fresh
// SQLite file, or a fresh database on a throwaway PostgreSQL server started
// from the local binaries (/usr/lib/postgresql/*/bin) on a free loopback
// port. It imports nothing of ours, so any package's tests (store's own
// included) can use it.
//
// A test package that wants PostgreSQL runs its tests through Main, which
// stops the shared server when they are done:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
//
// and then, per test:
//
//	for _, db := range storetest.Databases(t) {
//		t.Run(db.Name, func(t *testing.T) { s, err := store.Open(ctx, db.DSN) … })
//	}
//
// Without the binaries the PostgreSQL cases skip, unless the environment
// sets SETTLE_REQUIRE_POSTGRES=1 (CI does), in which case they fail.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// RequireEnv is the environment variable that turns a missing PostgreSQL
// into a failure instead of a skip.
const RequireEnv = "SETTLE_REQUIRE_POSTGRES"

// Database is a DSN to open a store on, and the dialect's name for subtests.
type Database struct {
	Name string // "sqlite" or "postgres"
	DSN  string
}

// SQLiteDSN returns the path of a new SQLite file in a directory removed
// when t ends.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "settle.db")
}

// Databases returns an SQLite database and, when PostgreSQL is available,
// a PostgreSQL database, each fresh for t. When the PostgreSQL binaries are
// missing it logs that and returns SQLite alone, unless SETTLE_REQUIRE_POSTGRES=1.
func Databases(t testing.TB) []Database {
	t.Helper()
	dbs := []Database{{Name: "sqlite", DSN: SQLiteDSN(t)}}
	if dsn, ok := postgresDSN(t); ok {
		dbs = append(dbs, Database{Name: "postgres", DSN: dsn})
	}
	return dbs
}

// PostgresDSN returns the DSN of a new, empty database on the throwaway
// server. It skips t when no PostgreSQL binaries exist (fails under
// SETTLE_REQUIRE_POSTGRES=1) and fails t when the server cannot start.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn, ok := postgresDSN(t)
	if !ok {
		t.Skip("storetest: no PostgreSQL binaries (/usr/lib/postgresql/*/bin/initdb); set " + RequireEnv + "=1 to fail instead")
	}
	return dsn
}

// ErrNoBinaries means no PostgreSQL installation was found.
var ErrNoBinaries = errors.New("storetest: no PostgreSQL binaries found")

// shared is the server of a test binary run through Main. Test helpers keep
// it at package level because TestMain has no other way to hand it to tests.
var shared struct {
	sync.Mutex
	inMain bool
	srv    *Server
	err    error
}

var dbSeq atomic.Int64

func postgresDSN(t testing.TB) (string, bool) {
	t.Helper()
	srv, err := sharedServer(t)
	if errors.Is(err, ErrNoBinaries) {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("storetest: %s=1 but %v", RequireEnv, err)
		}
		t.Logf("storetest: PostgreSQL cases skipped: %v", err)
		return "", false
	}
	if err != nil {
		t.Fatalf("storetest: start PostgreSQL: %v", err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	dsn, err := srv.CreateDatabase(name)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return dsn, true
}

func sharedServer(t testing.TB) (*Server, error) {
	shared.Lock()
	defer shared.Unlock()
	if !shared.inMain {
		// Not run through Main: a server of its own for this test.
		srv, err := StartPostgres()
		if err == nil {
			t.Cleanup(func() { _ = srv.Stop() })
		}
		return srv, err
	}
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = StartPostgres()
	}
	return shared.srv, shared.err
}

// Main runs m's tests, making one PostgreSQL server (started on first use)
// available to PostgresDSN and Databases, and stops it afterwards. It
// returns the exit code for os.Exit.
func Main(m *testing.M) int {
	shared.Lock()
	shared.inMain = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	defer shared.Unlock()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		shared.srv = nil
	}
	return code
}

// Server is a throwaway PostgreSQL server.
type Server struct {
	bin     string // directory of initdb, pg_ctl, createdb
	root    string // temp dir: data/, sock/, log
	port    int
	runAs   []string // command prefix that drops root, or nil
	stopped bool
}

// Port is the loopback TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// FindBinaries returns the bin directory of the newest local PostgreSQL.
func FindBinaries() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) > 0 {
		sort.Slice(matches, func(i, j int) bool { return pgVersion(matches[i]) > pgVersion(matches[j]) })
		return filepath.Dir(matches[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "pg_ctl")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", ErrNoBinaries
}

func pgVersion(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// StartPostgres initialises a cluster in a new temp directory and starts it
// on a free loopback port with its unix socket in that directory. As root
// it runs the server as user postgres (or nobody): PostgreSQL refuses to
// run as root. Durability is off (fsync, synchronous_commit) and the
// buffer pool small: it is for tests. settings ("name=value") are passed
// as -c options after those and override them: the scale benchmark runs
// the server durable with a buffer pool sized for a night.
func StartPostgres(settings ...string) (*Server, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	var uid, gid = -1, -1
	if os.Geteuid() == 0 {
		name, u, err := unprivilegedUser()
		if err != nil {
			return nil, err
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		s.runAs, err = dropPrefix(name, u)
		if err != nil {
			return nil, err
		}
	}
	s.root, err = os.MkdirTemp("", "settle-pg-")
	if err != nil {
		return nil, fmt.Errorf("storetest: %w", err)
	}
	if err := os.Chmod(s.root, 0o755); err != nil {
		return nil, s.fail(fmt.Errorf("storetest: %w", err))
	}
	for _, d := range []string{"data", "sock"} {
		if err := os.Mkdir(filepath.Join(s.root, d), 0o700); err != nil {
			return nil, s.fail(fmt.Errorf("storetest: %w", err))
		}
		if uid >= 0 {
			if err := os.Chown(filepath.Join(s.root, d), uid, gid); err != nil {
				return nil, s.fail(fmt.Errorf("storetest: chown %s: %w", d, err))
			}
		}
	}
	logf := filepath.Join(s.root, "sock", "server.log") // writable by the server user
	if out, err := s.run("initdb", "-D", s.path("data"), "-U", "settle", "--auth=trust", "-E", "UTF8", "--no-locale", "-N"); err != nil {
		return nil, s.fail(fmt.Errorf("storetest: initdb: %v\n%s", err, out))
	}
	for range 5 {
		s.port, err = freePort()
		if err != nil {
			return nil, s.fail(err)
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB",
			s.port, s.path("sock"))
		for _, kv := range settings {
			opts += " -c " + kv
		}
		var out []byte
		out, err = s.run("pg_ctl", "-D", s.path("data"), "-o", opts, "-l", logf, "-w", "-t", "60", "start")
		if err == nil {
			return s, nil
		}
		logText, _ := os.ReadFile(logf)
		err = fmt.Errorf("storetest: pg_ctl start on port %d: %v\n%s\n%s", s.port, err, out, logText)
		if !bytes.Contains(logText, []byte("in use")) {
			break
		}
	}
	return nil, s.fail(err)
}

func (s *Server) path(p string) string { return filepath.Join(s.root, p) }

func (s *Server) fail(err error) error {
	_ = os.RemoveAll(s.root)
	return err
}

func (s *Server) run(prog string, args ...string) ([]byte, error) {
	argv := append(append(append([]string{}, s.runAs...), filepath.Join(s.bin, prog)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	return cmd.CombinedOutput()
}

// CreateDatabase creates database name and returns its DSN.
func (s *Server) CreateDatabase(name string) (string, error) {
	cmd := exec.Command(filepath.Join(s.bin, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", "settle", name)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("createdb %s: %v\n%s", name, err, out)
	}
	return s.DSN(name), nil
}

// DSN is the postgres:// URL of database name on this server.
func (s *Server) DSN(name string) string {
	return fmt.Sprintf("postgres://settle@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// Stop stops the server at once and removes its files.
func (s *Server) Stop() error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	out, err := s.run("pg_ctl", "-D", s.path("data"), "-m", "immediate", "-w", "-t", "30", "stop")
	_ = os.RemoveAll(s.root)
	if err != nil {
		return fmt.Errorf("storetest: pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

func unprivilegedUser() (string, *user.User, error) {
	for _, name := range []string{"postgres", "nobody"} {
		if u, err := user.Lookup(name); err == nil {
			return name, u, nil
		}
	}
	return "", nil, errors.New("storetest: running as root and neither user postgres nor nobody exists to run PostgreSQL as")
}

// dropPrefix is the command prefix that runs a program as user name.
func dropPrefix(name string, u *user.User) ([]string, error) {
	if p, err := exec.LookPath("runuser"); err == nil {
		return []string{p, "-u", name, "--"}, nil
	}
	if p, err := exec.LookPath("setpriv"); err == nil {
		return []string{p, "--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--"}, nil
	}
	return nil, errors.New("storetest: no runuser or setpriv to run PostgreSQL as " + name)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("storetest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
