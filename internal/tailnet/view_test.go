package tailnet

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
)

type fakeLister struct {
	mu    sync.Mutex
	nodes []headscale.Node
	err   error
	calls int
}

func (f *fakeLister) ListNodes(context.Context) ([]headscale.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return append([]headscale.Node(nil), f.nodes...), nil
}

type recorder struct{ types []string }

func (r *recorder) Publish(typ string, _ any) { r.types = append(r.types, typ) }

func TestViewPublishesChanges(t *testing.T) {
	src := &fakeLister{nodes: []headscale.Node{{ID: 2, Name: "b"}, {ID: 1, Name: "a"}}}
	rec := &recorder{}
	v := NewView(src, rec, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Second)
	ctx := context.Background()
	if _, err := v.Snapshot(); !errors.Is(err, headscale.ErrUnavailable) {
		t.Fatalf("Snapshot before first refresh: err = %v, want ErrUnavailable", err)
	}
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := v.Snapshot()
	if err != nil || len(s.Nodes) != 2 || s.Nodes[0].ID != 1 {
		t.Fatalf("Snapshot = %+v, %v; want 2 nodes sorted by ID", s.Nodes, err)
	}
	if len(rec.types) != 0 {
		t.Errorf("first load published %v, want nothing", rec.types)
	}
	src.nodes = []headscale.Node{{ID: 1, Name: "a", Online: true}, {ID: 2, Name: "renamed"}, {ID: 3, Name: "c"}}
	_ = v.Refresh(ctx)
	src.nodes = src.nodes[1:]
	_ = v.Refresh(ctx)
	want := []string{"node.online", "node.updated", "node.added", "node.removed"}
	if len(rec.types) != len(want) {
		t.Fatalf("published %v, want %v", rec.types, want)
	}
	for i := range want {
		if rec.types[i] != want[i] {
			t.Errorf("event %d = %q, want %q", i, rec.types[i], want[i])
		}
	}
	if n, ok, _ := v.Node(3); !ok || n.Name != "c" {
		t.Errorf("Node(3) = %+v, %v", n, ok)
	}
	if _, ok, _ := v.Node(1); ok {
		t.Errorf("Node(1) found after removal")
	}
}

func TestViewGoesStaleWhenHeadscaleFails(t *testing.T) {
	src := &fakeLister{nodes: []headscale.Node{{ID: 1}}}
	v := NewView(src, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Second)
	_ = v.Refresh(context.Background())
	src.err = headscale.ErrUnavailable
	_ = v.Refresh(context.Background())
	if _, err := v.Snapshot(); err != nil {
		t.Fatalf("a fresh snapshot survives one failed refresh: %v", err)
	}
	v.mu.Lock()
	v.fetchedAt = time.Now().Add(-time.Minute)
	v.mu.Unlock()
	if _, err := v.Snapshot(); !errors.Is(err, headscale.ErrUnavailable) {
		t.Errorf("stale Snapshot err = %v, want ErrUnavailable", err)
	}
}

func TestFilter(t *testing.T) {
	now := time.Now()
	yes, no := true, false
	n := headscale.Node{ID: 7, Name: "web-01", Hostname: "ip-10-0-0-1", User: "alice", IPAddresses: []string{"100.64.0.7"},
		Tags: []string{"tag:web"}, Online: true, Expiry: now.Add(-time.Hour)}
	tests := []struct {
		f    Filter
		want bool
	}{
		{Filter{}, true},
		{Filter{Q: "WEB"}, true},
		{Filter{Q: "100.64.0.7"}, true},
		{Filter{Q: "7"}, true},
		{Filter{Q: "db"}, false},
		{Filter{User: "alice"}, true},
		{Filter{User: "bob"}, false},
		{Filter{Tag: "tag:web"}, true},
		{Filter{Tag: "tag:db"}, false},
		{Filter{Online: &yes}, true},
		{Filter{Online: &no}, false},
		{Filter{Expired: &yes}, true},
		{Filter{Expired: &no}, false},
	}
	for _, tt := range tests {
		if got := tt.f.Match(n, now); got != tt.want {
			t.Errorf("%+v.Match(node) = %v, want %v", tt.f, got, tt.want)
		}
	}
}
