package inventory

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
)

func TestNewSnapshotSortsByKeyAndDropsRepeats(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	vms := []VM{
		{Key: 3, VM: providers.VM{Name: "c"}},
		{Key: 1, VM: providers.VM{Name: "a"}},
		{Key: 2, VM: providers.VM{Name: "b"}},
		{Key: 1, VM: providers.VM{Name: "a-again"}},
	}
	s := NewSnapshot(vms, nil, at)
	if s.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", s.Len())
	}
	for i, v := range s.All() {
		if v.Key != int64(i+1) {
			t.Errorf("All()[%d].Key = %d, want %d", i, v.Key, i+1)
		}
	}
	if v, ok := s.VM(1); !ok || v.Name != "a" {
		t.Errorf("VM(1) = %q, %v; want the first VM with key 1", v.Name, ok)
	}
	if _, ok := s.VM(4); ok {
		t.Error("VM(4) found a VM that is not there")
	}
	if !s.At().Equal(at) {
		t.Errorf("At() = %v, want %v", s.At(), at)
	}
	if s.Accounts() == nil {
		t.Error("Accounts() is nil, want empty")
	}
}

func TestNewSnapshotEmpty(t *testing.T) {
	s := NewSnapshot(nil, nil, time.Time{})
	p := s.Query(Query{})
	if s.Len() != 0 || p.VMs == nil || p.Total != 0 || p.NextCursor != "" || p.Facets.Provider == nil {
		t.Errorf("empty snapshot: Len %d, page %+v", s.Len(), p)
	}
}

// TestNewSnapshotNormalizesLists: a VM without IPs or tags shows [] and {}.
func TestNewSnapshotNormalizesLists(t *testing.T) {
	s := NewSnapshot([]VM{{Key: 1}}, nil, time.Time{})
	v, _ := s.VM(1)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"privateIps":[]`, `"publicIps":[]`, `"tags":{}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("VM JSON lacks %s: %s", want, b)
		}
	}
}

func TestSearchTextLowerCasesEveryField(t *testing.T) {
	s := NewSnapshot([]VM{{Key: 42, NodeName: "Node-É", VM: providers.VM{Name: "Web-1", ID: "I-ABC",
		PrivateIPs: []string{"10.0.0.1"}, PublicIPs: []string{"FE80::1"}, Tags: map[string]string{"Team": "Ops"}}}}, nil, time.Time{})
	got := s.text[0]
	for _, want := range []string{"web-1", "i-abc", "42", "10.0.0.1", "fe80::1", "team", "ops", "node-é"} {
		if !strings.Contains(got, want) {
			t.Errorf("search text %q lacks %q", got, want)
		}
	}
}
