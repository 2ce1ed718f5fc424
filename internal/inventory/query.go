package inventory

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/neogenesys/console/providers"
)

// ErrInvalidQuery is wrapped by every error of ParseQuery.
var ErrInvalidQuery = errors.New("invalid query")

// Query limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	maxValueLen  = 200 // bytes of one parameter value
)

// Gone says whether a query returns VMs that a complete sync missed.
type Gone int

const (
	GoneExcluded Gone = iota // the default: only present VMs
	GoneOnly                 // gone=true
	GoneIncluded             // gone=all
)

// TagFilter matches VMs with tag Key, and when HasValue, with value Value.
type TagFilter struct {
	Key, Value string
	HasValue   bool
}

// Query is what to return from a Snapshot. The zero Query returns the first
// DefaultLimit present VMs by name. ParseQuery reads one from URL parameters.
type Query struct {
	Words       []string // lower-cased; each must be in the VM's search text
	Providers   []string // any of; each list below likewise, empty = all
	Clouds      []int64
	Regions     []string
	States      []providers.State
	Enrollments []Enrollment
	Tags        []TagFilter // all must match
	Stale       *bool
	Gone        Gone
	Sort        string // a sort field, "-" first for descending; "" is "name"
	Limit       int    // 1 to MaxLimit; 0 is DefaultLimit
	Cursor      string // Page.NextCursor of the same sort
}

// Page is one page of a query's answer.
type Page struct {
	VMs        []VM   `json:"vms"`
	Total      int    `json:"total"`      // VMs matching the query, on every page
	NextCursor string `json:"nextCursor"` // "" on the last page
	Facets     Facets `json:"facets"`
}

// Facets count, per value of each dimension, the VMs that match every filter
// of the query except the one on that dimension, so a UI can show what
// choosing another value would give. Values with no VM are left out.
type Facets struct {
	Provider   map[string]int `json:"provider"`
	Cloud      map[string]int `json:"cloud"` // by cloud id
	Region     map[string]int `json:"region"`
	State      map[string]int `json:"state"`
	Enrollment map[string]int `json:"enrollment"`
}

// sortField is what a query sorts by; ties are broken by key.
type sortField int

const (
	byName sortField = iota
	byKey
	byProvider
	byCloud
	byRegion
	byState
	byEnrollment
	byCreated
	byFirstSeen
	byLastSeen
	numSortFields
)

var sortNames = [numSortFields]string{"name", "key", "provider", "cloud", "region", "state", "enrollment", "created", "firstSeen", "lastSeen"}

// parseSort reads a sort parameter: a field name, "-" first for descending.
func parseSort(s string) (f sortField, desc, ok bool) {
	if s == "" {
		return byName, false, true
	}
	name, desc := strings.CutPrefix(s, "-")
	i := slices.Index(sortNames[:], name)
	return sortField(i), desc, i >= 0
}

// sortKey is a VM's place in one sort order: by s, then n, then key.
type sortKey struct {
	S string `json:"s,omitempty"`
	N int64  `json:"n,omitempty"`
	K int64  `json:"k"`
}

func (a sortKey) compare(b sortKey) int {
	if c := strings.Compare(a.S, b.S); c != 0 {
		return c
	}
	if c := cmp.Compare(a.N, b.N); c != 0 {
		return c
	}
	return cmp.Compare(a.K, b.K)
}

func keyOf(v *VM, f sortField) sortKey {
	k := sortKey{K: v.Key}
	switch f {
	case byName:
		k.S = strings.ToLower(v.Name)
	case byProvider:
		k.S = v.Provider
	case byCloud:
		k.S, k.N = strings.ToLower(v.CloudName), v.CloudID
	case byRegion:
		k.S = v.Region
	case byState:
		k.S = string(v.State)
	case byEnrollment:
		k.S = string(v.Enrollment)
	case byCreated:
		k.N = v.CreatedAt.UnixMicro() // the zero time sorts first
	case byFirstSeen:
		k.N = v.FirstSeen.UnixMicro()
	case byLastSeen:
		k.N = v.LastSeen.UnixMicro()
	}
	return k
}

// sortOrder is every VM in one sort order, ascending: the positions in
// Snapshot.vms, by keyOf.
type sortOrder []int32

func (s *Snapshot) buildOrder(f sortField) sortOrder {
	o := make(sortOrder, len(s.vms))
	// The VMs are in key order, so ties broken by position are broken by key.
	switch f {
	case byKey:
		for i := range o {
			o[i] = int32(i)
		}
	case byName:
		type entry struct {
			name string
			i    int32
		}
		es := make([]entry, len(s.vms))
		for i := range s.vms {
			es[i] = entry{keyOf(&s.vms[i], f).S, int32(i)}
		}
		slices.SortFunc(es, func(a, b entry) int {
			if c := strings.Compare(a.name, b.name); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		for i, e := range es {
			o[i] = e.i
		}
	case byCreated, byFirstSeen, byLastSeen:
		type entry struct {
			n int64
			i int32
		}
		es := make([]entry, len(s.vms))
		for i := range s.vms {
			es[i] = entry{keyOf(&s.vms[i], f).N, int32(i)}
		}
		slices.SortFunc(es, func(a, b entry) int {
			if a.n != b.n {
				return cmp.Compare(a.n, b.n)
			}
			return cmp.Compare(a.i, b.i)
		})
		for i, e := range es {
			o[i] = e.i
		}
	default: // few distinct values: group the VMs by value, in key order
		groups := map[sortKey][]int32{}
		for i := range s.vms {
			k := keyOf(&s.vms[i], f)
			k.K = 0
			groups[k] = append(groups[k], int32(i))
		}
		o = o[:0]
		for _, k := range slices.SortedFunc(maps.Keys(groups), sortKey.compare) {
			o = append(o, groups[k]...)
		}
	}
	return o
}

// pageCursor is what Page.NextCursor encodes: the sort, and the sort key of the
// last VM returned. The next page starts after that key in whatever snapshot
// serves it.
type pageCursor struct {
	Sort string `json:"o"`
	sortKey
}

func (c pageCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (pageCursor, error) {
	var c pageCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	return c, err
}

// ParseQuery reads a query from URL parameters:
//
//	q           words, all of which must appear (case-insensitive) in the name,
//	            provider id, key, IPs, tag keys or values, or node name
//	provider    provider kinds; repeated or comma-separated, any matches
//	cloud       cloud account ids, likewise
//	region      regions, likewise
//	state       knownStates (running, stopped, …), likewise
//	enrollment  enrolled-online, enrolled-offline, not-enrolled, likewise
//	tag         key=value or key; repeated, all must match
//	stale       true or false
//	gone        false (the default: present VMs), true (only gone ones) or all
//	sort        name, key, provider, cloud, region, state, enrollment, created,
//	            firstSeen or lastSeen; "-" first for descending (default name)
//	limit       page size, 1 to 1000 (default 100)
//	cursor      nextCursor of the previous page
//
// Errors wrap ErrInvalidQuery and name the parameter.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	for name, vals := range v {
		if !slices.Contains(queryParams, name) {
			return Query{}, invalidQuery("unknown parameter %q; known: %s", clipValue(name), strings.Join(queryParams, ", "))
		}
		if len(vals) > 1 && !slices.Contains(listParams, name) {
			return Query{}, invalidQuery("%s is given %d times; give it once", name, len(vals))
		}
		maxLen := maxValueLen
		if name == "cursor" { // a sort key, base64-encoded
			maxLen = 4 * maxValueLen
		}
		for _, s := range vals {
			if len(s) > maxLen {
				return Query{}, invalidQuery("%s must be at most %d characters", name, maxLen)
			}
		}
	}
	q.Words = strings.Fields(strings.ToLower(v.Get("q")))
	q.Providers = paramList(v, "provider")
	q.Regions = paramList(v, "region")
	for _, s := range paramList(v, "cloud") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return Query{}, invalidQuery("cloud must be a cloud account id (a positive integer), not %q", clipValue(s))
		}
		q.Clouds = append(q.Clouds, id)
	}
	for _, s := range paramList(v, "state") {
		st := providers.State(s)
		if !slices.Contains(knownStates, st) {
			return Query{}, invalidQuery("state must be one of %s, not %q", joinValues(knownStates), clipValue(s))
		}
		q.States = append(q.States, st)
	}
	for _, s := range paramList(v, "enrollment") {
		e := Enrollment(s)
		if !slices.Contains(knownEnrollments, e) {
			return Query{}, invalidQuery("enrollment must be one of %s, not %q", joinValues(knownEnrollments), clipValue(s))
		}
		q.Enrollments = append(q.Enrollments, e)
	}
	for _, s := range v["tag"] {
		key, val, hasVal := strings.Cut(s, "=")
		if key == "" {
			return Query{}, invalidQuery("tag must be key=value or key, not %q", clipValue(s))
		}
		q.Tags = append(q.Tags, TagFilter{Key: key, Value: val, HasValue: hasVal})
	}
	if s := v.Get("stale"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Query{}, invalidQuery("stale must be true or false, not %q", clipValue(s))
		}
		q.Stale = &b
	}
	switch s := v.Get("gone"); s {
	case "", "false":
		q.Gone = GoneExcluded
	case "true":
		q.Gone = GoneOnly
	case "all":
		q.Gone = GoneIncluded
	default:
		return Query{}, invalidQuery("gone must be false, true or all, not %q", clipValue(s))
	}
	q.Sort = v.Get("sort")
	if _, _, ok := parseSort(q.Sort); !ok {
		return Query{}, invalidQuery("sort must be one of %s (\"-\" first for descending), not %q", strings.Join(sortNames[:], ", "), clipValue(q.Sort))
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return Query{}, invalidQuery("limit must be an integer from 1 to %d, not %q", MaxLimit, clipValue(s))
		}
		q.Limit = n
	}
	if q.Cursor = v.Get("cursor"); q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return Query{}, invalidQuery("cursor is not one this console gave")
		}
		if sortOrDefault(c.Sort) != sortOrDefault(q.Sort) {
			return Query{}, invalidQuery("cursor belongs to sort %q, not %q: start again without a cursor", sortOrDefault(c.Sort), sortOrDefault(q.Sort))
		}
	}
	return q, nil
}

var (
	queryParams = []string{"q", "provider", "cloud", "region", "state", "enrollment", "tag", "stale", "gone", "sort", "limit", "cursor"}
	listParams  = []string{"provider", "cloud", "region", "state", "enrollment", "tag"}
	knownStates = []providers.State{providers.StateRunning, providers.StateStopped, providers.StatePending,
		providers.StateStopping, providers.StateTerminated, providers.StateUnknown}
	knownEnrollments = []Enrollment{EnrolledOnline, EnrolledOffline, NotEnrolled}
)

func invalidQuery(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidQuery, fmt.Sprintf(format, args...))
}

// paramList is every value of a repeatable parameter, commas splitting values.
func paramList(v url.Values, name string) []string {
	var out []string
	for _, s := range v[name] {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func joinValues[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// clipValue shortens a value quoted back in an error message.
func clipValue(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func sortOrDefault(s string) string {
	if s == "" {
		return "name"
	}
	return s
}

// Query answers q: the matching VMs in q's sort order after q's cursor, at
// most q.Limit of them, with the total and the facets. An unknown sort is by
// name; a cursor that does not fit is ignored (ParseQuery refuses both).
func (s *Snapshot) Query(q Query) Page {
	f, desc, ok := parseSort(q.Sort)
	if !ok {
		f, desc = byName, false
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)

	match, total, facets := s.scan(q)
	page := Page{VMs: []VM{}, Total: total, Facets: facets}
	if total == 0 {
		return page
	}

	// Walk the sort order from just after the cursor, collecting matches.
	o := s.orders[f]()
	step, i := 1, 0
	if desc {
		step, i = -1, len(o)-1
	}
	if c, err := decodeCursor(q.Cursor); q.Cursor != "" && err == nil && sortOrDefault(c.Sort) == sortOrDefault(q.Sort) {
		at, found := slices.BinarySearchFunc(o, c.sortKey, func(i int32, k sortKey) int { return keyOf(&s.vms[i], f).compare(k) })
		switch {
		case desc:
			i = at - 1
		case found:
			i = at + 1
		default:
			i = at
		}
	}
	for ; i >= 0 && i < len(o); i += step {
		if !match[o[i]] {
			continue
		}
		if len(page.VMs) == limit {
			last := &page.VMs[limit-1]
			page.NextCursor = pageCursor{Sort: sortOrDefault(q.Sort), sortKey: keyOf(last, f)}.encode()
			break
		}
		page.VMs = append(page.VMs, s.vms[o[i]])
	}
	return page
}

// scan tests every VM against q: match[i] says whether VM i matches every
// filter. Facets count the VMs that fail at most the one filter on the
// facet's own dimension.
func (s *Snapshot) scan(q Query) (match []bool, total int, facets Facets) {
	// allowed[d][code] says whether value code passes dimension d's
	// filter; nil when the query does not filter on d.
	var allowed [numDims][]bool
	filter := func(d int, vals []string) {
		if len(vals) == 0 {
			return
		}
		allowed[d] = make([]bool, len(s.values[d]))
		for _, v := range vals {
			if code, ok := s.lookup[d][v]; ok {
				allowed[d][code] = true
			}
		}
	}
	filter(dimProvider, q.Providers)
	filter(dimCloud, stringsOf(q.Clouds, func(id int64) string { return strconv.FormatInt(id, 10) }))
	filter(dimRegion, q.Regions)
	filter(dimState, stringsOf(q.States, func(s providers.State) string { return string(s) }))
	filter(dimEnrollment, stringsOf(q.Enrollments, func(e Enrollment) string { return string(e) }))

	var counts [numDims][]int
	for d := range numDims {
		counts[d] = make([]int, len(s.values[d]))
	}
	match = make([]bool, len(s.vms))
	for i := range s.vms {
		v := &s.vms[i]
		gone := !v.GoneAt.IsZero()
		if gone && q.Gone == GoneExcluded || !gone && q.Gone == GoneOnly || q.Stale != nil && v.Stale != *q.Stale {
			continue
		}
		failed, fails := 0, 0 // the last dimension failed, how many
		for d := range numDims {
			if allowed[d] != nil && !allowed[d][s.dims[d][i]] {
				failed, fails = d, fails+1
			}
		}
		if fails > 1 || !s.matchText(i, q.Words) || !matchTags(v.Tags, q.Tags) {
			continue
		}
		if fails == 1 {
			counts[failed][s.dims[failed][i]]++
			continue
		}
		match[i] = true
		total++
		for d := range numDims {
			counts[d][s.dims[d][i]]++
		}
	}
	toMap := func(d int) map[string]int {
		m := map[string]int{}
		for code, n := range counts[d] {
			if n > 0 {
				m[s.values[d][code]] = n
			}
		}
		return m
	}
	facets = Facets{Provider: toMap(dimProvider), Cloud: toMap(dimCloud), Region: toMap(dimRegion),
		State: toMap(dimState), Enrollment: toMap(dimEnrollment)}
	return match, total, facets
}

func (s *Snapshot) matchText(i int, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s.text[i], w) {
			return false
		}
	}
	return true
}

func matchTags(tags map[string]string, filters []TagFilter) bool {
	for _, f := range filters {
		v, ok := tags[f.Key]
		if !ok || f.HasValue && v != f.Value {
			return false
		}
	}
	return true
}

func stringsOf[T any](in []T, f func(T) string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
