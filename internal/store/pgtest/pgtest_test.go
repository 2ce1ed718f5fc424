package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(Wrap(m))
}

func TestStartGivesFreshDatabases(t *testing.T) {
	ctx := context.Background()
	first, second := Start(t), Start(t)
	if first == second {
		t.Fatalf("two calls returned the same DSN %q", first)
	}
	a := openDB(t, first)
	if _, err := a.ExecContext(ctx, `CREATE TABLE t (x int)`); err != nil {
		t.Fatal(err)
	}
	b := openDB(t, second)
	var n int
	if err := b.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 't'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("table created in one database is visible in the other")
	}
}

func TestServerRunsAsPostgresWhenRoot(t *testing.T) {
	Start(t)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", shared.srv.cmd.Process.Pid))
	if err != nil {
		t.Skipf("cannot read the server's process status: %v", err)
	}
	cred, err := serverCredential()
	if err != nil {
		t.Fatal(err)
	}
	want := os.Getuid()
	if cred != nil {
		want = int(cred.Uid)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if uids, ok := strings.CutPrefix(line, "Uid:"); ok {
			if fields := strings.Fields(uids); fields[0] != strconv.Itoa(want) {
				t.Errorf("server runs as uid %s, want %d", fields[0], want)
			}
			return
		}
	}
	t.Errorf("no Uid line in the server's process status")
}

func TestFindBinDirMissing(t *testing.T) {
	for _, tc := range []struct{ dir, pattern string }{
		{"", "/nonexistent/postgresql/*/bin"},
		{t.TempDir(), debianBinDirs},
	} {
		_, err := findBinDir(tc.dir, tc.pattern)
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), `apt-get install -y postgresql`) {
			t.Errorf("findBinDir(%q, %q) = %v; want ErrNotInstalled with the install hint", tc.dir, tc.pattern, err)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	dirs := []string{"/x/9.6/bin", "/x/15/bin", "/x/17/bin"}
	if compareVersions(dirs[0], dirs[1]) >= 0 || compareVersions(dirs[2], dirs[1]) <= 0 {
		t.Errorf("compareVersions orders %v wrongly", dirs)
	}
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
