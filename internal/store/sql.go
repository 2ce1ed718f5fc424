package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Driver names accepted by Open.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// sqliteMaxConns bounds the SQLite connection pool. WAL lets readers run
// beside the single writer; writers queue on the database lock (BEGIN
// IMMEDIATE plus busy_timeout), so more connections would only add contention.
const sqliteMaxConns = 4

// sqliteBusyTimeout is how long a connection waits for the write lock before
// SQLite reports SQLITE_BUSY.
const sqliteBusyTimeout = 5 * time.Second

// pgMaxConns bounds the PostgreSQL connection pool of one replica.
const pgMaxConns = 16

// DB is the Store implementation over database/sql, shared by SQLite and
// PostgreSQL. Queries are written once with "?" placeholders and rebound for
// PostgreSQL.
type DB struct {
	db      *sql.DB
	dialect dialect
}

var _ Store = (*DB)(nil)

// dialect is the SQL engine behind a DB; it names the migrations directory.
type dialect string

const (
	dialectSQLite   dialect = "sqlite"
	dialectPostgres dialect = "postgres"
)

// Open opens the store selected by driver: DriverSQLite (also the default
// when driver is empty) at sqlitePath, or DriverPostgres at postgresDSN.
func Open(ctx context.Context, driver, sqlitePath, postgresDSN string) (*DB, error) {
	switch driver {
	case "", DriverSQLite:
		return OpenSQLite(ctx, sqlitePath)
	case DriverPostgres, "postgresql":
		return OpenPostgres(ctx, postgresDSN)
	}
	return nil, fmt.Errorf("store: unknown driver %q (want %q or %q)", driver, DriverSQLite, DriverPostgres)
}

// OpenSQLite opens (creating if needed) the SQLite database at path, creates
// its parent directory and applies pending migrations.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: open sqlite: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if err := createPrivate(abs); err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	sqlDB, err := sql.Open("sqlite", sqliteDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	sqlDB.SetMaxOpenConns(sqliteMaxConns)
	sqlDB.SetMaxIdleConns(sqliteMaxConns)
	if err := enableWAL(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open sqlite %s: enable WAL: %w", abs, err)
	}
	return open(ctx, sqlDB, dialectSQLite, "sqlite "+abs)
}

// createPrivate creates the parent directories of path and, unless it exists,
// the database file, readable by the owner only: it holds password hashes, and
// SQLite gives its -wal and -shm files the same permissions.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// enableWAL switches the database to write-ahead logging. The journal mode
// is stored in the database file, so it is set once here rather than by each
// connection: the switch needs an exclusive lock, and a connection making it
// while another connection or process does the same gets SQLITE_BUSY at once,
// without waiting for busy_timeout. Hence the retries.
func enableWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("journal mode is %q", mode)
		case !isBusy(err) || time.Now().After(deadline):
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// sqliteDSN is a file: URI for path whose parameters every pooled connection
// applies when it opens: the per-connection pragmas, and BEGIN IMMEDIATE for
// transactions so that a transaction takes the write lock up front (waiting
// up to busy_timeout) instead of failing with SQLITE_BUSY when it upgrades
// from reading to writing. The journal mode is persistent: see enableWAL.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?" + q.Encode()
}

// OpenPostgres connects to the PostgreSQL database at dsn (a URL or a
// key=value connection string) and applies pending migrations.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("store: open postgres: empty DSN")
	}
	sqlDB, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(pgMaxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return open(ctx, sqlDB, dialectPostgres, "postgres")
}

// open checks the connection and migrates; it closes sqlDB on failure.
func open(ctx context.Context, sqlDB *sql.DB, d dialect, what string) (*DB, error) {
	db := &DB{db: sqlDB, dialect: d}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", what, err)
	}
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// Ping checks that the database is reachable.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	return db.db.Close()
}

// rebind rewrites the "?" placeholders of query for the dialect: "$1".."$n"
// for PostgreSQL. Question marks inside single-quoted literals are kept.
func (d dialect) rebind(query string) string {
	if d != dialectPostgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for _, r := range query {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// exec, query and queryRow run a "?" query outside any transaction.
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.db.ExecContext(ctx, db.dialect.rebind(query), args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.db.QueryContext(ctx, db.dialect.rebind(query), args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.db.QueryRowContext(ctx, db.dialect.rebind(query), args...)
}

// tx is a transaction that rebinds its queries like DB does.
type tx struct {
	*sql.Tx
	dialect dialect
}

func (t tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.ExecContext(ctx, t.dialect.rebind(query), args...)
}

func (t tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(ctx, t.dialect.rebind(query), args...)
}

func (t tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.QueryRowContext(ctx, t.dialect.rebind(query), args...)
}

// inTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise.
func (db *DB) inTx(ctx context.Context, fn func(tx) error) error {
	sqlTx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx{Tx: sqlTx, dialect: db.dialect}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// wrapf wraps err with "store: " and the formatted context, mapping driver
// errors onto the sentinel errors: no rows and foreign-key violations (a
// reference to a missing row) become ErrNotFound, unique violations
// ErrConflict. Other errors are wrapped as they are.
func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf("store: %s: %w", fmt.Sprintf(format, args...), classify(err))
}

func classify(err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case isUniqueViolation(err):
		return ErrConflict
	case isForeignKeyViolation(err):
		return ErrNotFound
	}
	return err
}

// PostgreSQL SQLSTATE codes.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

func isUniqueViolation(err error) bool {
	if code, ok := sqliteCode(err); ok {
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return pgCode(err) == pgUniqueViolation
}

func isForeignKeyViolation(err error) bool {
	if code, ok := sqliteCode(err); ok {
		return code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return pgCode(err) == pgForeignKeyViolation
}

// isBusy reports whether err is SQLite's SQLITE_BUSY, with any extended code.
func isBusy(err error) bool {
	code, ok := sqliteCode(err)
	return ok && code&0xff == sqlite3.SQLITE_BUSY
}

// sqliteCode returns the extended result code of a SQLite error.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// toMillis stores t as unix milliseconds; the zero time is 0.
func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMillis is the inverse of toMillis, in UTC.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// normalize truncates t to what the database keeps: milliseconds, UTC.
func normalize(t time.Time) time.Time {
	return fromMillis(toMillis(t))
}

// nowIfZero returns t, or the current time when t is zero.
func nowIfZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// rowsAffected returns sql.ErrNoRows (which wrapf maps to ErrNotFound) when
// res changed no row.
func rowsAffected(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
