package inventory

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// A Snapshot is an immutable view of the inventory. The engine builds a new
// one after every change and swaps it in atomically; readers share it and
// never lock. Nothing in it may be modified.
//
// Besides the VMs (in key order) it holds what makes queries fast: the
// lower-cased search text of every VM, the facet dimensions encoded as small
// integers, and, built on first use, one sorted order per sort field.
type Snapshot struct {
	at       time.Time
	vms      []VM // by Key, keys unique
	accounts []AccountStatus
	text     []string // per VM: lower-cased searchable fields, one per line

	// dims holds, per facet dimension, each VM's value as an index into
	// values[d]: filters and facet counts compare integers, not strings.
	dims   [numDims][]int32
	values [numDims][]string
	lookup [numDims]map[string]int32

	orders [numSortFields]func() sortOrder
}

// Facet dimensions: the filters that have facet counts.
const (
	dimProvider = iota
	dimCloud
	dimRegion
	dimState
	dimEnrollment
	numDims
)

// dimValue is VM v's value in dimension d.
func dimValue(v *VM, d int) string {
	switch d {
	case dimProvider:
		return v.Provider
	case dimCloud:
		return strconv.FormatInt(v.CloudID, 10)
	case dimRegion:
		return v.Region
	case dimState:
		return string(v.State)
	default:
		return string(v.Enrollment)
	}
}

// NewSnapshot builds a snapshot taken at time at. It takes ownership of both
// slices: it sorts vms by Key (dropping repeated keys, first wins) and gives
// every VM non-nil IP lists and tags, so they show as [] and {} in JSON.
func NewSnapshot(vms []VM, accounts []AccountStatus, at time.Time) *Snapshot {
	byKey := func(a, b VM) int { return cmp.Compare(a.Key, b.Key) }
	if !slices.IsSortedFunc(vms, byKey) {
		slices.SortStableFunc(vms, byKey)
	}
	vms = slices.CompactFunc(vms, func(a, b VM) bool { return a.Key == b.Key })
	if accounts == nil {
		accounts = []AccountStatus{}
	}
	s := &Snapshot{at: at, vms: vms, accounts: accounts, text: searchText(vms)}
	for d := range numDims {
		s.lookup[d] = map[string]int32{}
		s.dims[d] = make([]int32, len(vms))
	}
	for i := range vms {
		v := &vms[i]
		if v.PrivateIPs == nil {
			v.PrivateIPs = []string{}
		}
		if v.PublicIPs == nil {
			v.PublicIPs = []string{}
		}
		if v.Tags == nil {
			v.Tags = map[string]string{}
		}
		for d := range numDims {
			val := dimValue(v, d)
			code, ok := s.lookup[d][val]
			if !ok {
				code = int32(len(s.values[d]))
				s.lookup[d][val] = code
				s.values[d] = append(s.values[d], val)
			}
			s.dims[d][i] = code
		}
	}
	// Sort orders are built by the first query that needs them, except the
	// default one: most queries sort by name, and sorting 100,000 names
	// takes tens of milliseconds better spent here than in a request.
	for f := range s.orders {
		s.orders[f] = sync.OnceValue(func() sortOrder { return s.buildOrder(sortField(f)) })
	}
	s.orders[byName]()
	return s
}

// At is when the snapshot was taken.
func (s *Snapshot) At() time.Time { return s.at }

// Len is the number of VMs, gone ones included.
func (s *Snapshot) Len() int { return len(s.vms) }

// All returns every VM, gone ones included, in key order. Read only.
func (s *Snapshot) All() []VM { return s.vms }

// Accounts returns the sync state of every account. Read only.
func (s *Snapshot) Accounts() []AccountStatus { return s.accounts }

// VM returns the VM with that key.
func (s *Snapshot) VM(key int64) (VM, bool) {
	i, ok := slices.BinarySearchFunc(s.vms, key, func(v VM, k int64) int { return cmp.Compare(v.Key, k) })
	if !ok {
		return VM{}, false
	}
	return s.vms[i], true
}

// searchText is, per VM, the fields free text searches, lower-cased, one per
// line (query words never hold a newline, so no match spans two fields). All
// of it lives in one string: one allocation for the whole inventory.
func searchText(vms []VM) []string {
	size := 0
	for i := range vms {
		v := &vms[i]
		size += len(v.Name) + len(v.ID) + 20 + len(v.NodeName) + 3
		for _, ip := range v.PrivateIPs {
			size += len(ip) + 1
		}
		for _, ip := range v.PublicIPs {
			size += len(ip) + 1
		}
		for k, val := range v.Tags {
			size += len(k) + len(val) + 2
		}
	}
	buf := make([]byte, 0, size)
	ends := make([]int, len(vms))
	for i := range vms {
		v := &vms[i]
		buf = appendLower(buf, v.Name)
		buf = append(buf, '\n')
		buf = appendLower(buf, v.ID)
		buf = append(buf, '\n')
		buf = strconv.AppendInt(buf, v.Key, 10)
		for _, ip := range v.PrivateIPs {
			buf = append(buf, '\n')
			buf = appendLower(buf, ip)
		}
		for _, ip := range v.PublicIPs {
			buf = append(buf, '\n')
			buf = appendLower(buf, ip)
		}
		for k, val := range v.Tags {
			buf = append(buf, '\n')
			buf = appendLower(buf, k)
			buf = append(buf, '\n')
			buf = appendLower(buf, val)
		}
		buf = append(buf, '\n')
		buf = appendLower(buf, v.NodeName)
		ends[i] = len(buf)
	}
	all := string(buf)
	text := make([]string, len(vms))
	start := 0
	for i, end := range ends {
		text[i] = all[start:end]
		start = end
	}
	return text
}

// appendLower appends s lower-cased.
func appendLower(buf []byte, s string) []byte {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(buf, strings.ToLower(s)...)
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return append(buf, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}
