package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/neogenesys/console/internal/store"
)

func testAppendAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := store.AuditEntry{
		Time:     base,
		UserID:   42,
		Username: "alice",
		Role:     store.RoleAdmin,
		Action:   "node.rename",
		Target:   "node:12",
		Outcome:  "success",
		SourceIP: "192.0.2.7",
		Detail:   `{"from":"web-01","to":"wéb-02","note":"it's \"quoted\""}`,
	}
	first, err := s.AppendAudit(ctx, in)
	ok(t, err, "AppendAudit")
	if first.ID <= 0 {
		t.Fatalf("AppendAudit returned ID %d, want > 0", first.ID)
	}
	want := in
	want.ID, want.Time = first.ID, stored(base)
	same(t, "AppendAudit result", want, first)
	inUTC(t, "AppendAudit result", first.Time)

	anon, err := s.AppendAudit(ctx, store.AuditEntry{Action: "auth.login", Outcome: "failure"})
	ok(t, err, "AppendAudit anonymous")
	if anon.ID <= first.ID {
		t.Errorf("second entry has ID %d, want > %d", anon.ID, first.ID)
	}
	recent(t, "default Time", anon.Time)
	inUTC(t, "default Time", anon.Time)

	got, err := s.ListAudit(ctx, store.AuditFilter{})
	ok(t, err, "ListAudit")
	same(t, "ListAudit", []store.AuditEntry{anon, want}, got)
}

func testAuditFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	specs := []struct{ user, action, target string }{
		{"alice", "node.rename", "node:1"},       // 0
		{"bob", "node.delete", "node:2"},         // 1
		{"alice", "preauthkey.create", "user:a"}, // 2
		{"", "auth.login", ""},                   // 3
		{"alice", "node_x.y", "node:1"},          // 4: "_" must not act as a wildcard
		{"bob", "nodeX.y", "node:3"},             // 5
		{"carol", "100%.done", ""},               // 6: nor "%"
		{"carol", "100 things.done", ""},         // 7
		{"carol", "Node.Upper", ""},              // 8: prefixes are case-sensitive
	}
	var entries []store.AuditEntry
	for i, sp := range specs {
		e, err := s.AppendAudit(ctx, store.AuditEntry{
			Time: base.Add(time.Duration(i) * time.Minute), Username: sp.user,
			Action: sp.action, Target: sp.target, Outcome: "success",
		})
		ok(t, err, "AppendAudit")
		entries = append(entries, e)
	}
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Minute) }
	all := []int{8, 7, 6, 5, 4, 3, 2, 1, 0}

	for _, tc := range []struct {
		name   string
		filter store.AuditFilter
		want   []int // indexes into entries, newest first
	}{
		{"none", store.AuditFilter{}, all},
		{"username", store.AuditFilter{Username: "alice"}, []int{4, 2, 0}},
		{"unknown username", store.AuditFilter{Username: "nobody"}, nil},
		{"exact action", store.AuditFilter{Action: "node.rename"}, []int{0}},
		{"exact action is not a prefix", store.AuditFilter{Action: "node"}, nil},
		{"prefix", store.AuditFilter{Action: "node.*"}, []int{1, 0}},
		{"prefix with underscore", store.AuditFilter{Action: "node_*"}, []int{4}},
		{"prefix with percent", store.AuditFilter{Action: "100%*"}, []int{6}},
		{"prefix is case-sensitive", store.AuditFilter{Action: "Node.*"}, []int{8}},
		{"star alone", store.AuditFilter{Action: "*"}, all},
		{"target", store.AuditFilter{Target: "node:1"}, []int{4, 0}},
		{"since is inclusive", store.AuditFilter{Since: at(7)}, []int{8, 7}},
		{"until is exclusive", store.AuditFilter{Until: at(2)}, []int{1, 0}},
		{"since and until", store.AuditFilter{Since: at(1), Until: at(3)}, []int{2, 1}},
		{"username and prefix", store.AuditFilter{Username: "alice", Action: "node.*"}, []int{0}},
		{"before ID", store.AuditFilter{BeforeID: entries[3].ID}, []int{2, 1, 0}},
		{"limit", store.AuditFilter{Limit: 2}, []int{8, 7}},
		{"everything", store.AuditFilter{Username: "alice", Action: "node*", Target: "node:1",
			Since: at(0), Until: at(9), BeforeID: entries[8].ID, Limit: 1}, []int{4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, tc.filter)
			ok(t, err, "ListAudit")
			var want []store.AuditEntry
			for _, i := range tc.want {
				want = append(want, entries[i])
			}
			if len(want) == 0 && len(got) == 0 {
				return
			}
			same(t, fmt.Sprintf("ListAudit(%+v)", tc.filter), want, got)
		})
	}
}

func testAuditPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	var ids []int64
	for i := range 25 {
		e, err := s.AppendAudit(ctx, store.AuditEntry{Action: "node.list", Target: fmt.Sprintf("page:%d", i)})
		ok(t, err, "AppendAudit")
		ids = append(ids, e.ID)
	}
	slices.Reverse(ids)

	var got []int64
	var sizes []int
	cursor := int64(0)
	for range 10 { // bounded: 3 pages and an empty one expected
		page, err := s.ListAudit(ctx, store.AuditFilter{Action: "node.list", BeforeID: cursor, Limit: 10})
		ok(t, err, "ListAudit")
		sizes = append(sizes, len(page))
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			got = append(got, e.ID)
		}
		cursor = page[len(page)-1].ID
	}
	same(t, "page sizes", []int{10, 10, 5, 0}, sizes)
	same(t, "IDs over all pages", ids, got)
}

func testAuditLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = store.MaxAuditLimit + 1
	for i := range n {
		_, err := s.AppendAudit(ctx, store.AuditEntry{Action: "bulk.append", Target: fmt.Sprint(i)})
		ok(t, err, "AppendAudit")
	}
	for _, tc := range []struct{ limit, want int }{
		{0, store.DefaultAuditLimit},
		{-5, store.DefaultAuditLimit},
		{7, 7},
		{store.MaxAuditLimit, store.MaxAuditLimit},
		{store.MaxAuditLimit + 1, store.MaxAuditLimit},
		{1 << 30, store.MaxAuditLimit},
	} {
		got, err := s.ListAudit(ctx, store.AuditFilter{Limit: tc.limit})
		ok(t, err, "ListAudit")
		if len(got) != tc.want {
			t.Errorf("ListAudit(Limit: %d) returned %d entries, want %d", tc.limit, len(got), tc.want)
		}
		if len(got) > 0 && got[0].Target != fmt.Sprint(n-1) {
			t.Errorf("ListAudit(Limit: %d) starts with %q, want the newest %q", tc.limit, got[0].Target, fmt.Sprint(n-1))
		}
	}
}
