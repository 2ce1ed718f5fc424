package store

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Limits of ListAudit.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

const auditColumns = `id, time, user_id, username, role, action, target, outcome, source_ip, detail`

func scanAudit(row scanner) (AuditEntry, error) {
	var (
		e    AuditEntry
		role string
		at   int64
	)
	err := row.Scan(&e.ID, &at, &e.UserID, &e.Username, &role, &e.Action, &e.Target, &e.Outcome, &e.SourceIP, &e.Detail)
	if err != nil {
		return AuditEntry{}, err
	}
	e.Role, e.Time = Role(role), fromMillis(at)
	return e, nil
}

// AppendAudit appends e to the trail and returns it as stored: with its ID
// set and Time (now when zero) truncated to milliseconds in UTC. Entries are
// never updated or deleted.
func (db *DB) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	e.Time = normalize(nowIfZero(e.Time))
	err := db.queryRow(ctx,
		`INSERT INTO audit_log (time, user_id, username, role, action, target, outcome, source_ip, detail)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		toMillis(e.Time), e.UserID, e.Username, string(e.Role), e.Action, e.Target, e.Outcome, e.SourceIP, e.Detail,
	).Scan(&e.ID)
	if err != nil {
		return AuditEntry{}, wrapf(err, "append audit %q", e.Action)
	}
	return e, nil
}

// ListAudit returns the entries selected by f, newest (highest ID) first.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	query, args := auditQuery(f)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, wrapf(err, "list audit")
	}
	defer rows.Close()
	var entries []AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, wrapf(err, "list audit")
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list audit")
	}
	return entries, nil
}

// auditQuery builds the SELECT for f.
//
// A prefix filter ("node.*") compares the first characters of the action
// with substr rather than using LIKE: the prefix needs no escaping (a "%" or
// "_" in it matches only itself), and the match is case-sensitive in both
// engines, whereas SQLite's LIKE ignores ASCII case and PostgreSQL's does not.
func auditQuery(f AuditFilter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	where := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.Username != "" {
		where(`username = ?`, f.Username)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "*"); ok {
		where(`substr(action, 1, ?) = ?`, utf8.RuneCountInString(prefix), prefix)
	} else if f.Action != "" {
		where(`action = ?`, f.Action)
	}
	if f.Target != "" {
		where(`target = ?`, f.Target)
	}
	if !f.Since.IsZero() {
		where(`time >= ?`, toMillis(f.Since))
	}
	if !f.Until.IsZero() {
		where(`time < ?`, toMillis(f.Until))
	}
	if f.BeforeID != 0 {
		where(`id < ?`, f.BeforeID)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_log`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	return query + ` ORDER BY id DESC LIMIT ?`, append(args, auditLimit(f.Limit))
}

// auditLimit applies the default and the maximum to a requested limit.
func auditLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultAuditLimit
	case n > MaxAuditLimit:
		return MaxAuditLimit
	}
	return n
}
