package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/neogenesys/console/internal/store"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newTrail(t *testing.T) (*Trail, *store.DB, *bytes.Buffer) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var log bytes.Buffer
	return New(st, slog.New(slog.NewTextHandler(&log, nil))), st, &log
}

var otto = Actor{UserID: 7, Username: "otto", Role: store.RoleOperator, SourceIP: "192.0.2.7"}

func TestRecordSuccessAndFailure(t *testing.T) {
	tr, _, log := newTrail(t)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	tr.Record(ctx, otto, "node.rename", "node:1", nil, map[string]any{"name": "web-02"})
	tr.Record(ctx, otto, "node.delete", "node:2", errors.New("headscale DeleteNode: not found: node 2"), map[string]any{"name": "db"})
	tr.Record(ctx, System, "user.create", "user:default", errors.New("boom"), nil)
	tr.Record(ctx, otto, "auth.logout", "account:otto", nil, nil)

	got, err := tr.List(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d entries, want 4", len(got))
	}
	ok, failed, system, bare := got[3], got[2], got[1], got[0]
	if ok.Outcome != Success || ok.Action != "node.rename" || ok.Target != "node:1" || ok.UserID != 7 || ok.Username != "otto" ||
		ok.Role != store.RoleOperator || ok.SourceIP != "192.0.2.7" || ok.Detail != `{"name":"web-02"}` || ok.Time.Before(before) {
		t.Errorf("success entry = %+v", ok)
	}
	var d map[string]string
	if err := json.Unmarshal([]byte(failed.Detail), &d); err != nil {
		t.Fatalf("failure detail %q: %v", failed.Detail, err)
	}
	if failed.Outcome != Failure || d["error"] != "headscale DeleteNode: not found: node 2" || d["name"] != "db" {
		t.Errorf("failure entry = %+v", failed)
	}
	if system.Outcome != Failure || system.Username != "system" || system.UserID != 0 || system.Detail != `{"error":"boom"}` {
		t.Errorf("system failure with nil detail = %+v", system)
	}
	if bare.Detail != "" || bare.Outcome != Success {
		t.Errorf("entry without detail = %+v, want an empty detail", bare)
	}
	if log.Len() != 0 {
		t.Errorf("unexpected log: %s", log)
	}
}

// TestRecordSurvivesCanceledRequest: the change went through, so its audit
// line must be kept although the request that made it is gone.
func TestRecordSurvivesCanceledRequest(t *testing.T) {
	tr, st, log := newTrail(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The store itself refuses a canceled context, so only Record's own
	// context keeps the line.
	if _, err := st.AppendAudit(ctx, store.AuditEntry{Action: "probe", Outcome: Success}); err == nil {
		t.Fatal("precondition: the store appended with a canceled context")
	}
	tr.Record(ctx, otto, "node.expire", "node:3", nil, nil)

	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	tr.Record(dctx, otto, "node.delete", "node:4", nil, nil)

	got, err := st.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Action != "node.expire" || got[0].Action != "node.delete" {
		t.Errorf("entries after canceled requests = %+v, want both kept; log: %s", got, log)
	}
}

type failingStore struct{ store.Store }

func (failingStore) AppendAudit(context.Context, store.AuditEntry) (store.AuditEntry, error) {
	return store.AuditEntry{}, errors.New("disk full")
}

func TestRecordLogsAppendFailure(t *testing.T) {
	var log bytes.Buffer
	tr := New(failingStore{}, slog.New(slog.NewTextHandler(&log, nil)))
	tr.Record(context.Background(), otto, "node.rename", "node:1", nil, nil)
	for _, want := range []string{"level=ERROR", "audit append failed", "node.rename", "disk full", "otto"} {
		if !bytes.Contains(log.Bytes(), []byte(want)) {
			t.Errorf("log %q lacks %q", log.String(), want)
		}
	}
}
