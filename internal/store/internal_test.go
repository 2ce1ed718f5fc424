package store

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, sqlite, postgres string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' OR y = ?", "x = '?' OR y = ?", "x = '?' OR y = $1"},
		{"x = 'it''s ?' AND y IN (?, ?, ?)", "x = 'it''s ?' AND y IN (?, ?, ?)", "x = 'it''s ?' AND y IN ($1, $2, $3)"},
		{"ü = ? -- ünicode", "ü = ? -- ünicode", "ü = $1 -- ünicode"},
		{"?,?,?,?,?,?,?,?,?,?,?", "?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
	} {
		if got := dialectSQLite.rebind(tc.in); got != tc.sqlite {
			t.Errorf("sqlite rebind(%q) = %q, want %q", tc.in, got, tc.sqlite)
		}
		if got := dialectPostgres.rebind(tc.in); got != tc.postgres {
			t.Errorf("postgres rebind(%q) = %q, want %q", tc.in, got, tc.postgres)
		}
	}
}

// TestEmbeddedMigrations checks that both dialects have the same, loadable
// migration versions.
func TestEmbeddedMigrations(t *testing.T) {
	var versions [][]int64
	for _, d := range []dialect{dialectSQLite, dialectPostgres} {
		ms, err := loadMigrations(migrationFS, "migrations/"+string(d))
		if err != nil {
			t.Fatal(err)
		}
		var vs []int64
		for _, m := range ms {
			vs = append(vs, m.version)
		}
		versions = append(versions, vs)
	}
	if !slices.Equal(versions[0], versions[1]) {
		t.Errorf("sqlite migrations %v, postgres migrations %v; want the same versions", versions[0], versions[1])
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ms, err := loadMigrations(fstest.MapFS{
		"m/0010_ten.sql":   file("ten"),
		"m/0002_two.sql":   file("two"),
		"m/0001_one.sql":   file("one"),
		"m/README.md":      file("not a migration"),
		"m/sub/0003_x.sql": file("in a subdirectory"),
	}, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.sql)
	}
	if want := []string{"one", "two", "ten"}; !slices.Equal(got, want) {
		t.Errorf("loaded %v, want %v in numeric order", got, want)
	}

	for name, fsys := range map[string]fstest.MapFS{
		"empty":             {"m/README.md": file("")},
		"missing directory": {},
		"no number":         {"m/init.sql": file("")},
		"zero":              {"m/0000_zero.sql": file("")},
		"duplicate":         {"m/0001_a.sql": file(""), "m/1_b.sql": file("")},
	} {
		if _, err := loadMigrations(fsys, "m"); err == nil {
			t.Errorf("%s: loadMigrations succeeded, want an error", name)
		}
	}
}

func TestNextMigration(t *testing.T) {
	ms := []migration{{version: 1}, {version: 2}, {version: 5}}
	for _, tc := range []struct {
		current int64
		want    int64 // 0: none
		tooNew  bool
	}{
		{0, 1, false}, {1, 2, false}, {2, 5, false}, {3, 5, false}, {5, 0, false}, {6, 0, true},
	} {
		next, err := nextMigration(ms, tc.current)
		if tc.tooNew != errors.Is(err, ErrSchemaTooNew) || (!tc.tooNew && err != nil) {
			t.Errorf("nextMigration(%d): error %v", tc.current, err)
		}
		var got int64
		if next != nil {
			got = next.version
		}
		if got != tc.want {
			t.Errorf("nextMigration(%d) = %d, want %d", tc.current, got, tc.want)
		}
	}
}

// TestSQLiteConnectionSettings checks every pooled connection, not just the
// first: the pragmas must come from the DSN.
func TestSQLiteConnectionSettings(t *testing.T) {
	ctx := t.Context()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	for range sqliteMaxConns {
		conn, err := db.db.Conn(ctx) // held until the test ends, so each is a new connection
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for pragma, want := range map[string]string{
			"journal_mode": "wal",
			"foreign_keys": "1",
			"busy_timeout": "5000",
			"synchronous":  "1", // NORMAL
		} {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Errorf("PRAGMA %s: %v", pragma, err)
			} else if got != want {
				t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
			}
		}
	}
}
