package inventory

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/neogenesys/console/providers"
)

func TestParseQuery(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		in   string
		want Query
	}{
		{"", Query{}},
		{"q=+Web+PROD++", Query{Words: []string{"web", "prod"}}},
		{"provider=aws,gcp&provider=lxd", Query{Providers: []string{"aws", "gcp", "lxd"}}},
		{"provider=,", Query{}},
		{"cloud=3&cloud=4,5", Query{Clouds: []int64{3, 4, 5}}},
		{"region=eu-west-1&region=us-east1", Query{Regions: []string{"eu-west-1", "us-east1"}}},
		{"state=running,stopped", Query{States: []providers.State{providers.StateRunning, providers.StateStopped}}},
		{"enrollment=not-enrolled", Query{Enrollments: []Enrollment{NotEnrolled}}},
		{"tag=env%3Dprod&tag=team&tag=note%3Da%3Db&tag=empty%3D", Query{Tags: []TagFilter{
			{Key: "env", Value: "prod", HasValue: true}, {Key: "team"}, {Key: "note", Value: "a=b", HasValue: true},
			{Key: "empty", HasValue: true}}}},
		{"stale=true", Query{Stale: &yes}},
		{"stale=false", Query{Stale: &no}},
		{"gone=false", Query{Gone: GoneExcluded}},
		{"gone=true", Query{Gone: GoneOnly}},
		{"gone=all", Query{Gone: GoneIncluded}},
		{"sort=-lastSeen", Query{Sort: "-lastSeen"}},
		{"sort=cloud", Query{Sort: "cloud"}},
		{"limit=1", Query{Limit: 1}},
		{"limit=1000", Query{Limit: 1000}},
		{"sort=-created&cursor=" + pageCursor{Sort: "-created", sortKey: sortKey{N: 5, K: 9}}.encode(),
			Query{Sort: "-created", Cursor: pageCursor{Sort: "-created", sortKey: sortKey{N: 5, K: 9}}.encode()}},
		{"cursor=" + pageCursor{Sort: "name", sortKey: sortKey{S: "web", K: 1}}.encode(),
			Query{Cursor: pageCursor{Sort: "name", sortKey: sortKey{S: "web", K: 1}}.encode()}},
	}
	for _, c := range cases {
		v, err := url.ParseQuery(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseQuery(v)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ParseQuery(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	long := strings.Repeat("x", 201)
	cases := []struct{ in, wantErr string }{
		{"regoin=eu", `unknown parameter "regoin"`},
		{"q=a&q=b", "q is given 2 times"},
		{"q=" + long, "q must be at most 200 characters"},
		{"provider=" + long, "provider must be at most 200 characters"},
		{"cursor=" + strings.Repeat(long, 4), "cursor must be at most 800 characters"},
		{"cloud=abc", `cloud must be a cloud account id (a positive integer), not "abc"`},
		{"cloud=0", "cloud must be"},
		{"cloud=-2", "cloud must be"},
		{"state=on", `state must be one of running, stopped, pending, stopping, terminated, unknown, not "on"`},
		{"enrollment=yes", `enrollment must be one of enrolled-online, enrolled-offline, not-enrolled, not "yes"`},
		{"tag==v", `tag must be key=value or key, not "=v"`},
		{"tag=", "tag must be key=value or key"},
		{"stale=maybe", `stale must be true or false, not "maybe"`},
		{"stale=1&stale=0", "stale is given 2 times"},
		{"gone=yes", `gone must be false, true or all, not "yes"`},
		{"sort=size", `sort must be one of name, key, provider, cloud, region, state, enrollment, created, firstSeen, lastSeen ("-" first for descending), not "size"`},
		{"sort=--name", "sort must be one of"},
		{"limit=0", `limit must be an integer from 1 to 1000, not "0"`},
		{"limit=1001", "limit must be an integer from 1 to 1000"},
		{"limit=ten", "limit must be an integer from 1 to 1000"},
		{"cursor=%%%", ""}, // not even a URL: url.ParseQuery refuses it
		{"cursor=bm90IGpzb24", "cursor is not one this console gave"},
		{"cursor=!!", "cursor is not one this console gave"},
		{"sort=-name&cursor=" + pageCursor{Sort: "name", sortKey: sortKey{S: "a", K: 1}}.encode(),
			`cursor belongs to sort "name", not "-name"`},
		{"cursor=" + pageCursor{Sort: "created", sortKey: sortKey{K: 1}}.encode(), `cursor belongs to sort "created", not "name"`},
	}
	for _, c := range cases {
		v, err := url.ParseQuery(c.in)
		if err != nil {
			continue
		}
		_, err = ParseQuery(v)
		if !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("ParseQuery(%q) = %v, want ErrInvalidQuery", c.in, err)
			continue
		}
		if !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("ParseQuery(%q) = %q, want it to say %q", c.in, err, c.wantErr)
		}
	}
}

var qAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// qFleet is a small inventory with a little of everything.
func qFleet() []VM {
	vm := func(key int64, name, provider string, cloud int64, region string, st providers.State, e Enrollment) VM {
		return VM{Key: key, CloudID: cloud, CloudName: fmt.Sprintf("Cloud %d", cloud), Enrollment: e,
			FirstSeen: qAt, LastSeen: qAt.Add(time.Duration(key) * time.Minute),
			VM: providers.VM{Provider: provider, ID: fmt.Sprintf("id-%d", key), Name: name, State: st, Region: region,
				PrivateIPs: []string{fmt.Sprintf("10.0.0.%d", key)}, Tags: map[string]string{},
				CreatedAt: qAt.Add(-time.Duration(key%4) * time.Hour)}}
	}
	vms := []VM{
		vm(1, "web-1", "aws", 1, "eu-west-1", providers.StateRunning, EnrolledOnline),
		vm(2, "Web-2", "aws", 1, "eu-west-1", providers.StateStopped, NotEnrolled),
		vm(3, "db-1", "aws", 2, "us-east-1", providers.StateRunning, EnrolledOffline),
		vm(4, "build", "gcp", 3, "europe-west1-b", providers.StateRunning, NotEnrolled),
		vm(5, "web-3", "gcp", 3, "europe-west1-b", providers.StatePending, NotEnrolled),
		vm(6, "ct-web", "lxd", 4, "", providers.StateRunning, EnrolledOnline),
		vm(7, "old-web", "aws", 1, "eu-west-1", providers.StateTerminated, NotEnrolled),
		vm(8, "pve-db", "proxmox", 5, "pve1", providers.StateStopped, NotEnrolled),
	}
	vms[0].Tags = map[string]string{"env": "prod", "Team": "Edge"}
	vms[1].Tags = map[string]string{"env": "staging"}
	vms[2].Tags = map[string]string{"env": "prod"}
	vms[0].PublicIPs = []string{"203.0.113.7"}
	vms[5].NodeName = "lxd-node"
	vms[6].GoneAt = qAt.Add(time.Hour)
	vms[7].Stale = true
	return vms
}

func qKeys(vms []VM) []int64 {
	out := make([]int64, len(vms))
	for i, v := range vms {
		out[i] = v.Key
	}
	return out
}

func runQuery(t *testing.T, s *Snapshot, raw string) Page {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuery(v)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", raw, err)
	}
	return s.Query(q)
}

func TestQueryFilters(t *testing.T) {
	s := NewSnapshot(qFleet(), nil, qAt)
	cases := []struct {
		query string
		want  []int64 // in key order
	}{
		{"", []int64{1, 2, 3, 4, 5, 6, 8}},
		{"q=web", []int64{1, 2, 5, 6}},
		{"q=WEB+eu", []int64{}},                // region is not searched
		{"q=web+prod", []int64{1}},             // tag value
		{"q=team", []int64{1}},                 // tag key, case-insensitive
		{"q=203.0.113", []int64{1}},            // public IP
		{"q=10.0.0.3", []int64{3}},             // private IP
		{"q=id-4", []int64{4}},                 // provider id
		{"q=8", []int64{8}},                    // key (and 10.0.0.8)
		{"q=lxd-node", []int64{6}},             // node name
		{"q=web+nothing", []int64{}},           // every word must match
		{"provider=aws", []int64{1, 2, 3}},     // 7 is gone
		{"provider=gcp,lxd", []int64{4, 5, 6}}, //
		{"provider=azure", []int64{}},          //
		{"cloud=1&cloud=3", []int64{1, 2, 4, 5}},
		{"region=eu-west-1", []int64{1, 2}},
		{"state=running", []int64{1, 3, 4, 6}},
		{"state=stopped&provider=proxmox", []int64{8}},
		{"enrollment=enrolled-online,enrolled-offline", []int64{1, 3, 6}},
		{"tag=env", []int64{1, 2, 3}},
		{"tag=env%3Dprod", []int64{1, 3}},
		{"tag=env%3Dprod&tag=Team%3DEdge", []int64{1}},
		{"tag=team", []int64{}}, // tag keys match exactly
		{"stale=true", []int64{8}},
		{"stale=false", []int64{1, 2, 3, 4, 5, 6}},
		{"gone=true", []int64{7}},
		{"gone=all&provider=aws", []int64{1, 2, 3, 7}},
	}
	for _, c := range cases {
		p := runQuery(t, s, c.query+"&sort=key")
		if got := qKeys(p.VMs); !slices.Equal(got, c.want) {
			t.Errorf("%q: keys %v, want %v", c.query, got, c.want)
		}
		if p.Total != len(c.want) {
			t.Errorf("%q: total %d, want %d", c.query, p.Total, len(c.want))
		}
	}
}

func TestQuerySorts(t *testing.T) {
	vms := qFleet()
	vms[3].Name = "web-1" // ties with key 1 on name: broken by key
	s := NewSnapshot(vms, nil, qAt)
	cases := []struct {
		sort string
		want []int64
	}{
		{"", []int64{6, 3, 8, 1, 4, 2, 5}}, // by name, case-insensitive
		{"name", []int64{6, 3, 8, 1, 4, 2, 5}},
		{"-name", []int64{5, 2, 4, 1, 8, 3, 6}},
		{"key", []int64{1, 2, 3, 4, 5, 6, 8}},
		{"-key", []int64{8, 6, 5, 4, 3, 2, 1}},
		{"provider", []int64{1, 2, 3, 4, 5, 6, 8}},
		{"cloud", []int64{1, 2, 3, 4, 5, 6, 8}},
		{"region", []int64{6, 1, 2, 4, 5, 8, 3}},
		{"state", []int64{5, 1, 3, 4, 6, 2, 8}},
		{"enrollment", []int64{3, 1, 6, 2, 4, 5, 8}},
		{"created", []int64{3, 2, 6, 1, 5, 4, 8}},
		{"-created", []int64{8, 4, 5, 1, 6, 2, 3}},
		{"firstSeen", []int64{1, 2, 3, 4, 5, 6, 8}},
		{"-lastSeen", []int64{8, 6, 5, 4, 3, 2, 1}},
	}
	for _, c := range cases {
		p := runQuery(t, s, "sort="+c.sort)
		if got := qKeys(p.VMs); !slices.Equal(got, c.want) {
			t.Errorf("sort=%s: keys %v, want %v", c.sort, got, c.want)
		}
	}
}

// TestQueryCursorPaging pages through whole results, in every sort, while
// VMs are added and removed between pages: each VM present from the first
// page to the last shows up exactly once.
func TestQueryCursorPaging(t *testing.T) {
	for _, sort := range []string{"name", "-name", "key", "-key", "provider", "cloud", "-region", "state", "created", "-lastSeen"} {
		for _, filter := range []string{"", "&q=web", "&provider=aws,gcp"} {
			vms := qFleet()
			for i := int64(9); i <= 60; i++ { // more of the same, names and times repeating
				v := qFleet()[i%8]
				v.Key = i
				v.Name = fmt.Sprintf("%s-%d", v.Name, i%5)
				vms = append(vms, v)
			}
			s := NewSnapshot(vms, nil, qAt)
			first := runQuery(t, s, "sort="+sort+filter+"&limit=1000")
			stay := map[int64]bool{}
			for _, v := range first.VMs {
				if v.Key%7 != 0 { // VMs with keys that divide by 7 are removed part way
					stay[v.Key] = true
				}
			}
			seen := map[int64]int{}
			cur := ""
			for page := 0; ; page++ {
				p := runQuery(t, s, "sort="+sort+filter+"&limit=4&cursor="+cur)
				if len(p.VMs) > 4 {
					t.Fatalf("sort=%s%s: page of %d VMs, limit 4", sort, filter, len(p.VMs))
				}
				for _, v := range p.VMs {
					seen[v.Key]++
				}
				if p.NextCursor == "" {
					break
				}
				if page > 100 {
					t.Fatalf("sort=%s%s: no end after %d pages", sort, filter, page)
				}
				cur = p.NextCursor
				// The inventory changes between pages: a VM is added and,
				// on the third page, some are removed.
				next := slices.Clone(s.All())
				v := qFleet()[page%8]
				v.Key = int64(1000 + page)
				next = append(next, v)
				if page == 2 {
					next = slices.DeleteFunc(next, func(v VM) bool { return v.Key%7 == 0 })
				}
				s = NewSnapshot(next, nil, qAt)
			}
			for k := range stay {
				if seen[k] != 1 {
					t.Errorf("sort=%s%s: VM %d seen %d times, want once", sort, filter, k, seen[k])
				}
			}
			for k, n := range seen {
				if n > 1 {
					t.Errorf("sort=%s%s: VM %d seen %d times", sort, filter, k, n)
				}
			}
		}
	}
}

func TestQueryPageTotalsAndLastPage(t *testing.T) {
	s := NewSnapshot(qFleet(), nil, qAt)
	p := runQuery(t, s, "sort=key&limit=3")
	if got := qKeys(p.VMs); !slices.Equal(got, []int64{1, 2, 3}) || p.Total != 7 || p.NextCursor == "" {
		t.Fatalf("first page: keys %v, total %d, next %q", got, p.Total, p.NextCursor)
	}
	p = runQuery(t, s, "sort=key&limit=3&cursor="+p.NextCursor)
	if got := qKeys(p.VMs); !slices.Equal(got, []int64{4, 5, 6}) || p.Total != 7 || p.NextCursor == "" {
		t.Fatalf("second page: keys %v, total %d, next %q", got, p.Total, p.NextCursor)
	}
	p = runQuery(t, s, "sort=key&limit=3&cursor="+p.NextCursor)
	if got := qKeys(p.VMs); !slices.Equal(got, []int64{8}) || p.NextCursor != "" {
		t.Fatalf("last page: keys %v, next %q", got, p.NextCursor)
	}
	// A page that ends exactly at the last VM has no next cursor.
	if p := runQuery(t, s, "sort=key&limit=7"); len(p.VMs) != 7 || p.NextCursor != "" {
		t.Errorf("limit=7 of 7: %d VMs, next %q", len(p.VMs), p.NextCursor)
	}
	// A cursor past the end gives an empty page, VMs not nil.
	last := pageCursor{Sort: "key", sortKey: sortKey{K: 99}}.encode()
	if p := runQuery(t, s, "sort=key&cursor="+last); p.VMs == nil || len(p.VMs) != 0 || p.Total != 7 {
		t.Errorf("past the end: %+v", p)
	}
	// Long names make long cursors, still taken back.
	vms := qFleet()
	for i := range vms {
		vms[i].CloudName = strings.Repeat("Long account name ", 14)
	}
	long := NewSnapshot(vms, nil, qAt)
	if p := runQuery(t, long, "sort=cloud&limit=1"); len(p.NextCursor) <= maxValueLen {
		t.Errorf("cursor %q is short: the test needs a long one", p.NextCursor)
	} else if p = runQuery(t, long, "sort=cloud&limit=1&cursor="+p.NextCursor); qKeys(p.VMs)[0] != 2 {
		t.Errorf("second page of sort=cloud: %v, want VM 2", qKeys(p.VMs))
	}
	// Hand-built queries: a bad sort or cursor is not a panic.
	if p := s.Query(Query{Sort: "nope", Cursor: "%%", Limit: 5000}); len(p.VMs) != 7 {
		t.Errorf("odd Query: %d VMs", len(p.VMs))
	}
}

func TestQueryFacets(t *testing.T) {
	s := NewSnapshot(qFleet(), nil, qAt)
	cases := []struct {
		query string
		want  Facets
	}{
		{"", Facets{
			Provider:   map[string]int{"aws": 3, "gcp": 2, "lxd": 1, "proxmox": 1},
			Cloud:      map[string]int{"1": 2, "2": 1, "3": 2, "4": 1, "5": 1},
			Region:     map[string]int{"eu-west-1": 2, "us-east-1": 1, "europe-west1-b": 2, "": 1, "pve1": 1},
			State:      map[string]int{"running": 4, "stopped": 2, "pending": 1},
			Enrollment: map[string]int{"enrolled-online": 2, "enrolled-offline": 1, "not-enrolled": 4},
		}},
		// A facet ignores its own filter, and obeys the others.
		{"provider=aws&state=running", Facets{
			Provider:   map[string]int{"aws": 2, "gcp": 1, "lxd": 1},
			Cloud:      map[string]int{"1": 1, "2": 1},
			Region:     map[string]int{"eu-west-1": 1, "us-east-1": 1},
			State:      map[string]int{"running": 2, "stopped": 1},
			Enrollment: map[string]int{"enrolled-online": 1, "enrolled-offline": 1},
		}},
		// Text, tags, gone and stale apply to every facet.
		{"q=web&gone=all&state=terminated", Facets{
			Provider:   map[string]int{"aws": 1},
			Cloud:      map[string]int{"1": 1},
			Region:     map[string]int{"eu-west-1": 1},
			State:      map[string]int{"running": 2, "stopped": 1, "pending": 1, "terminated": 1},
			Enrollment: map[string]int{"not-enrolled": 1},
		}},
		{"tag=nothing", Facets{Provider: map[string]int{}, Cloud: map[string]int{}, Region: map[string]int{},
			State: map[string]int{}, Enrollment: map[string]int{}}},
	}
	for _, c := range cases {
		got := runQuery(t, s, c.query).Facets
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%q facets (-want +got):\n%s", c.query, diff)
		}
	}
}

func TestQueryDoesNotShareState(t *testing.T) {
	s := NewSnapshot(qFleet(), nil, qAt)
	done := make(chan Page)
	for _, q := range []string{"sort=name", "sort=-created&q=web", "state=running&sort=region"} {
		for range 4 {
			go func() {
				v, _ := url.ParseQuery(q)
				pq, _ := ParseQuery(v)
				done <- s.Query(pq)
			}()
		}
	}
	for range 12 {
		<-done
	}
}
