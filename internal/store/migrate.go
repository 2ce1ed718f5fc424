package store

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrSchemaTooNew is returned by the Open functions when the database was
// migrated by a newer binary than this one.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// migrationFS holds the migrations, one directory per dialect, files named
// NNNN_description.sql and applied in the order of NNNN.
//
//go:embed migrations
var migrationFS embed.FS

// migrationLockID is the PostgreSQL advisory lock key held, for the length of
// each migration transaction, by every process that migrates the database.
const migrationLockID int64 = 0x6e656f636f6e736f // "neoconso"

// createMigrationsTable is valid in both dialects.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    applied_at BIGINT NOT NULL
)`

type migration struct {
	version int64
	name    string // file name, for error messages
	sql     string
}

// migrate applies the pending migrations of db's dialect in order, each in
// its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFS, path.Join("migrations", string(db.dialect)))
	if err != nil {
		return err
	}
	for {
		applied, err := db.applyNext(ctx, ms)
		if err != nil {
			return err
		}
		if !applied {
			return nil
		}
	}
}

// applyNext applies, in one transaction, the first of ms newer than the
// database's version. It reports whether there was one. The version is read
// under a lock (the advisory lock on PostgreSQL, the write lock BEGIN
// IMMEDIATE takes on SQLite), so concurrent processes apply each migration
// exactly once.
func (db *DB) applyNext(ctx context.Context, ms []migration) (bool, error) {
	applied := false
	err := db.inTx(ctx, func(t tx) error {
		current, err := lockSchema(ctx, t)
		if err != nil {
			return err
		}
		next, err := nextMigration(ms, current)
		if err != nil || next == nil {
			return err
		}
		if _, err := t.ExecContext(ctx, next.sql); err != nil {
			return fmt.Errorf("apply %s: %w", next.name, err)
		}
		if _, err := t.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			next.version, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("record %s: %w", next.name, err)
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: migrate %s database: %w", db.dialect, err)
	}
	return applied, nil
}

// lockSchema serialises migrations and returns the database's schema version
// (0 for an empty database).
func lockSchema(ctx context.Context, t tx) (int64, error) {
	if t.dialect == dialectPostgres {
		if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLockID); err != nil {
			return 0, fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := t.exec(ctx, createMigrationsTable); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var version int64
	if err := t.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return version, nil
}

// nextMigration returns the first of ms newer than current, nil when there
// is none, and ErrSchemaTooNew when current is newer than all of ms.
func nextMigration(ms []migration, current int64) (*migration, error) {
	latest := ms[len(ms)-1].version
	if current > latest {
		return nil, fmt.Errorf("database is at version %d, this binary knows up to %d; upgrade the console: %w",
			current, latest, ErrSchemaTooNew)
	}
	for i := range ms {
		if ms[i].version > current {
			return &ms[i], nil
		}
	}
	return nil, nil
}

// loadMigrations reads the *.sql files of dir, sorted by version.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m, err := readMigration(fsys, dir, e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("store: no migrations in %s", dir)
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: migrations %s and %s have the same version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

func readMigration(fsys fs.FS, dir, name string) (migration, error) {
	prefix, _, _ := strings.Cut(name, "_")
	version, err := strconv.ParseInt(prefix, 10, 64)
	if err != nil || version <= 0 {
		return migration{}, fmt.Errorf("store: migration %s: name must start with a positive number and \"_\"", name)
	}
	body, err := fs.ReadFile(fsys, path.Join(dir, name))
	if err != nil {
		return migration{}, fmt.Errorf("store: read migration %s: %w", name, err)
	}
	return migration{version: version, name: name, sql: string(body)}, nil
}
