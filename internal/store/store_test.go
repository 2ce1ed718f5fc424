package store_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/internal/store/pgtest"
	"github.com/neogenesys/console/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(pgtest.Wrap(m))
}

// engine opens stores of one kind and gives raw access to their databases.
type engine struct {
	name string
	// newDatabase returns the location of a new, empty database: a file
	// path for SQLite, a DSN for PostgreSQL.
	newDatabase func(t *testing.T) string
	open        func(ctx context.Context, where string) (*store.DB, error)
	driver      string // database/sql driver for raw access
	rawDSN      func(where string) string
}

var engines = []engine{
	{
		name: "SQLite",
		newDatabase: func(t *testing.T) string {
			// A subdirectory that does not exist yet, and characters that
			// need escaping in a file: URI.
			return filepath.Join(t.TempDir(), "new dir", "console #1?x=%41.db")
		},
		open:   store.OpenSQLite,
		driver: "sqlite",
		rawDSN: func(path string) string {
			return "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?_pragma=busy_timeout(5000)"
		},
	},
	{
		name:        "PostgreSQL",
		newDatabase: func(t *testing.T) string { return pgtest.Start(t) },
		open:        store.OpenPostgres,
		driver:      "pgx",
		rawDSN:      func(dsn string) string { return dsn },
	},
}

func (e engine) mustOpen(t *testing.T, where string) *store.DB {
	t.Helper()
	db, err := e.open(t.Context(), where)
	if err != nil {
		t.Fatalf("open %s: %v", e.name, err)
	}
	return db
}

// raw opens the database without the store, for inspecting and tampering.
func (e engine) raw(t *testing.T, where string) *sql.DB {
	t.Helper()
	db, err := sql.Open(e.driver, e.rawDSN(where))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				return e.mustOpen(t, e.newDatabase(t))
			})
		})
	}
}

func TestSQLiteCreatesPrivateFileAtExactPath(t *testing.T) {
	path := engines[0].newDatabase(t)
	db := engines[0].mustOpen(t, path)
	defer db.Close()
	if _, err := db.AppendAudit(t.Context(), store.AuditEntry{Action: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Errorf("database file not at %q: %v", name, err)
		} else if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has permissions %v, want 0600", name, perm)
		}
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			where := e.newDatabase(t)
			db := e.mustOpen(t, where)
			u, err := db.CreateUser(t.Context(), store.User{Username: "alice", Role: store.RoleAdmin})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()

			for range 2 {
				db = e.mustOpen(t, where)
				got, err := db.GetUserByName(t.Context(), "alice")
				if err != nil || got.ID != u.ID {
					t.Errorf("after reopening: GetUserByName = %+v, %v; want ID %d", got, err, u.ID)
				}
				db.Close()
			}
			if got := appliedVersions(t, e.raw(t, where)); !slices.Equal(got, releasedVersions(t)) {
				t.Errorf("schema_migrations holds %v, want %v", got, releasedVersions(t))
			}
		})
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			where := e.newDatabase(t)
			e.mustOpen(t, where).Close()
			raw := e.raw(t, where)
			if _, err := raw.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
				t.Fatal(err)
			}
			db, err := e.open(t.Context(), where)
			if err == nil {
				db.Close()
				t.Fatal("opened a database migrated by a newer binary")
			}
			if !errors.Is(err, store.ErrSchemaTooNew) {
				t.Errorf("error %v, want ErrSchemaTooNew", err)
			}
			t.Logf("refused with: %v", err)
		})
	}
}

// TestConcurrentOpen starts several replicas on one empty database at once:
// all must come up and the migrations must be applied exactly once.
func TestConcurrentOpen(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			where := e.newDatabase(t)
			const replicas = 3
			dbs := make([]*store.DB, replicas)
			errs := make([]error, replicas)
			var wg sync.WaitGroup
			for i := range replicas {
				wg.Go(func() { dbs[i], errs[i] = e.open(t.Context(), where) })
			}
			wg.Wait()
			for i := range replicas {
				if errs[i] != nil {
					t.Errorf("replica %d: %v", i, errs[i])
					continue
				}
				if _, err := dbs[i].CreateUser(t.Context(), store.User{Username: string(rune('a' + i)), Role: store.RoleViewer}); err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
				dbs[i].Close()
			}
			if got := appliedVersions(t, e.raw(t, where)); !slices.Equal(got, releasedVersions(t)) {
				t.Errorf("schema_migrations holds %v, want %v", got, releasedVersions(t))
			}
		})
	}
}

// TestDialectsHaveSameSchema compares the tables and columns the two
// dialects' migrations create.
func TestDialectsHaveSameSchema(t *testing.T) {
	const sqliteColumns = `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	const pgColumns = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`
	schemas := make([]map[string][]string, len(engines))
	for i, e := range engines {
		where := e.newDatabase(t)
		e.mustOpen(t, where).Close()
		query := sqliteColumns
		if e.driver == "pgx" {
			query = pgColumns
		}
		schemas[i] = columns(t, e.raw(t, where), query)
	}
	for table, cols := range schemas[0] {
		if !slices.Equal(cols, schemas[1][table]) {
			t.Errorf("table %s: SQLite columns %v, PostgreSQL columns %v", table, cols, schemas[1][table])
		}
	}
	for table := range schemas[1] {
		if _, ok := schemas[0][table]; !ok {
			t.Errorf("table %s exists only in PostgreSQL", table)
		}
	}
	for _, table := range []string{"users", "sessions", "api_tokens", "audit_log", "minted_keys", "settings", "schema_migrations"} {
		if _, ok := schemas[0][table]; !ok {
			t.Errorf("table %s missing", table)
		}
	}
}

func TestOpenDispatch(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		driver, sqlitePath, dsn string
	}{
		{"", filepath.Join(t.TempDir(), "default.db"), ""},
		{store.DriverSQLite, filepath.Join(t.TempDir(), "sqlite.db"), ""},
		{store.DriverPostgres, "", pgtest.Start(t)},
	} {
		db, err := store.Open(ctx, tc.driver, tc.sqlitePath, tc.dsn)
		if err != nil {
			t.Errorf("Open(%q): %v", tc.driver, err)
			continue
		}
		if err := db.Ping(ctx); err != nil {
			t.Errorf("Open(%q).Ping: %v", tc.driver, err)
		}
		db.Close()
	}
	for _, tc := range []struct{ driver, sqlitePath, dsn string }{
		{"mysql", "x.db", "dsn"},
		{store.DriverSQLite, "", ""},
		{store.DriverPostgres, "", ""},
	} {
		if db, err := store.Open(ctx, tc.driver, tc.sqlitePath, tc.dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q, %q, %q) succeeded, want an error", tc.driver, tc.sqlitePath, tc.dsn)
		}
	}
}

func appliedVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var versions []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return versions
}

// columns returns table → sorted column names from a query yielding
// (table, column) rows.
func columns(t *testing.T, db *sql.DB, query string) map[string][]string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, cols := range out {
		slices.Sort(cols)
	}
	return out
}

// releasedVersions lists the migration versions in the repository, which
// every fresh database must hold after opening.
func releasedVersions(t *testing.T) []int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "sqlite", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	var out []int64
	for _, f := range files {
		n, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
