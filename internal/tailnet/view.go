// Package tailnet keeps a fresh in-memory view of Headscale's nodes, so that
// page views and scripts read from the console, not from Headscale: one
// ListNodes a second however many readers there are. It also tells
// subscribers which nodes came, went, or changed.
package tailnet

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/neogenesys/console/headscale"
)

// Lister is the one Headscale call the view makes.
type Lister interface {
	ListNodes(ctx context.Context) ([]headscale.Node, error)
}

// Publisher is told of node changes.
type Publisher interface {
	Publish(typ string, data any)
}

// View is a snapshot of every node, refreshed in the background.
type View struct {
	src      Lister
	pub      Publisher
	log      *slog.Logger
	interval time.Duration
	maxAge   time.Duration

	refreshMu sync.Mutex // one ListNodes at a time

	mu        sync.RWMutex
	nodes     []headscale.Node // sorted by ID; replaced, never modified
	byID      map[uint64]int
	fetchedAt time.Time
	lastErr   error
}

// NewView returns a view refreshed every interval. Reads fail with
// headscale.ErrUnavailable once the snapshot is older than three intervals
// (and at least 3 s): stale data is not passed off as current.
func NewView(src Lister, pub Publisher, log *slog.Logger, interval time.Duration) *View {
	return &View{
		src: src, pub: pub, log: log, interval: interval,
		maxAge: max(3*interval, 3*time.Second),
	}
}

// Run refreshes the view until ctx ends.
func (v *View) Run(ctx context.Context) {
	t := time.NewTicker(v.interval)
	defer t.Stop()
	for {
		if err := v.Refresh(ctx); err != nil && ctx.Err() == nil {
			v.log.Debug("node view refresh failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh fetches the nodes now. Call it after every change the console makes.
func (v *View) Refresh(ctx context.Context) error {
	v.refreshMu.Lock()
	defer v.refreshMu.Unlock()
	nodes, err := v.src.ListNodes(ctx)
	if err != nil {
		v.mu.Lock()
		v.lastErr = err
		v.mu.Unlock()
		return err
	}
	slices.SortFunc(nodes, func(a, b headscale.Node) int { return cmpUint(a.ID, b.ID) })
	byID := make(map[uint64]int, len(nodes))
	for i, n := range nodes {
		byID[n.ID] = i
	}
	v.mu.Lock()
	old, oldByID, first := v.nodes, v.byID, v.fetchedAt.IsZero()
	v.nodes, v.byID, v.fetchedAt, v.lastErr = nodes, byID, time.Now(), nil
	v.mu.Unlock()
	if !first && v.pub != nil {
		v.publishChanges(old, oldByID, nodes, byID)
	}
	return nil
}

func (v *View) publishChanges(old []headscale.Node, oldByID map[uint64]int, cur []headscale.Node, curByID map[uint64]int) {
	for _, n := range cur {
		i, ok := oldByID[n.ID]
		switch {
		case !ok:
			v.pub.Publish("node.added", n)
		case old[i].Online != n.Online:
			typ := "node.offline"
			if n.Online {
				typ = "node.online"
			}
			v.pub.Publish(typ, n)
		case changed(old[i], n):
			v.pub.Publish("node.updated", n)
		}
	}
	for _, n := range old {
		if _, ok := curByID[n.ID]; !ok {
			v.pub.Publish("node.removed", map[string]uint64{"id": n.ID})
		}
	}
}

// changed compares what a person looking at the node list would notice,
// leaving out last-seen, which moves all the time.
func changed(a, b headscale.Node) bool {
	return a.Name != b.Name || a.User != b.User || !a.Expiry.Equal(b.Expiry) ||
		!slices.Equal(a.Tags, b.Tags) || !slices.Equal(a.IPAddresses, b.IPAddresses) ||
		!slices.Equal(a.ApprovedRoutes, b.ApprovedRoutes) || !slices.Equal(a.AvailableRoutes, b.AvailableRoutes)
}

// Snapshot is the view at one moment. Nodes must not be modified.
type Snapshot struct {
	Nodes     []headscale.Node
	FetchedAt time.Time
}

// Snapshot returns the current nodes, or an error wrapping
// headscale.ErrUnavailable when the view is not fresh.
func (v *View) Snapshot() (Snapshot, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.fetchedAt.IsZero() || time.Since(v.fetchedAt) > v.maxAge {
		cause := v.lastErr
		if cause == nil {
			cause = fmt.Errorf("node list not loaded yet: %w", headscale.ErrUnavailable)
		}
		return Snapshot{}, fmt.Errorf("tailnet view is stale: %w", cause)
	}
	return Snapshot{Nodes: v.nodes, FetchedAt: v.fetchedAt}, nil
}

// Node returns one node from the view.
func (v *View) Node(id uint64) (headscale.Node, bool, error) {
	s, err := v.Snapshot()
	if err != nil {
		return headscale.Node{}, false, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	i, ok := v.byID[id]
	if !ok || i >= len(s.Nodes) || s.Nodes[i].ID != id {
		return headscale.Node{}, false, nil
	}
	return s.Nodes[i], true, nil
}

// Filter selects nodes. Zero fields do not filter.
type Filter struct {
	Q       string // substring of name, hostname, user, an IP, a tag, or the exact ID
	User    string
	Tag     string
	Online  *bool
	Expired *bool
}

// Match reports whether n passes f at now.
func (f Filter) Match(n headscale.Node, now time.Time) bool {
	if f.User != "" && n.User != f.User {
		return false
	}
	if f.Tag != "" && !slices.Contains(n.Tags, f.Tag) {
		return false
	}
	if f.Online != nil && n.Online != *f.Online {
		return false
	}
	if f.Expired != nil && n.Expired(now) != *f.Expired {
		return false
	}
	if f.Q != "" {
		return matchText(n, strings.ToLower(f.Q))
	}
	return true
}

func matchText(n headscale.Node, q string) bool {
	if strconv.FormatUint(n.ID, 10) == q {
		return true
	}
	for _, s := range []string{n.Name, n.Hostname, n.User} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	for _, s := range n.IPAddresses {
		if strings.Contains(s, q) {
			return true
		}
	}
	for _, s := range n.Tags {
		if strings.Contains(s, q) {
			return true
		}
	}
	return false
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
