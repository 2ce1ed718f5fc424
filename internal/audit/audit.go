// Package audit appends every change made through the console to the store's
// audit trail and reads it back. There is no way to edit or delete an entry.
package audit

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/neogenesys/console/internal/store"
)

// Outcomes of an audited action.
const (
	Success = "success"
	Failure = "failure"
)

// Store is what the audit trail needs from persistence.
type Store interface {
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
}

// Actor is who did something.
type Actor struct {
	UserID   int64
	Username string // "anonymous" or "system" when no user
	Role     store.Role
	SourceIP string
}

// System is the actor of changes the console makes by itself.
var System = Actor{Username: "system"}

// Trail appends and lists audit entries.
type Trail struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Trail over s. Failures to append are logged on log as errors.
func New(s Store, log *slog.Logger) *Trail {
	return &Trail{store: s, log: log, now: time.Now}
}

// Record appends one entry: err nil means success. detail must hold no
// secret; it is stored as JSON.
func (t *Trail) Record(ctx context.Context, a Actor, action, target string, err error, detail map[string]any) {
	e := store.AuditEntry{
		Time: t.now().UTC(), UserID: a.UserID, Username: a.Username, Role: a.Role,
		Action: action, Target: target, Outcome: Success, SourceIP: a.SourceIP,
	}
	if err != nil {
		e.Outcome = Failure
		if detail == nil {
			detail = map[string]any{}
		}
		detail["error"] = err.Error()
	}
	if len(detail) > 0 {
		b, jerr := json.Marshal(detail)
		if jerr == nil {
			e.Detail = string(b)
		}
	}
	// An audit line must not be lost because the request that caused it was
	// canceled after the change went through.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, aerr := t.store.AppendAudit(ctx, e); aerr != nil {
		t.log.Error("audit append failed", "action", action, "target", target, "user", a.Username, "error", aerr)
	}
}

// List returns entries matching f, newest first.
func (t *Trail) List(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	return t.store.ListAudit(ctx, f)
}
