// Package headscalefake is an in-memory headscale.Client for tests: users,
// pre-auth keys, nodes, machines waiting for approval and a policy, with the
// rules of the real client that the console relies on (full key secret only
// at creation, masked in lists; tags are tag:lowercase; missing ids fail with
// an *headscale.Error wrapping headscale.ErrNotFound).
//
// It is a fake, not a mock: it keeps state and behaves. Tests steer it with
// SetDown (every call fails with headscale.ErrUnavailable), Fail (one method
// returns a given error), AddNode and AddPending (seed state), and read
// Calls to see what the code under test asked for. The zero value is ready
// to use, and a Fake is safe for concurrent use.
package headscalefake

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/neogenesys/console/headscale"
)

// Fake is an in-memory Headscale.
type Fake struct {
	mu       sync.Mutex
	down     bool
	fail     map[string]error
	calls    map[string]int
	lastID   uint64 // shared counter: users, keys and nodes never reuse an id
	users    map[uint64]headscale.User
	keys     map[uint64]headscale.PreAuthKey // Key holds the full secret
	nodes    map[uint64]headscale.Node
	pending  map[string]string // auth id → hostname of a machine waiting for approval
	policy   headscale.Policy
	ipSuffix int
}

var _ headscale.Client = (*Fake)(nil)

// New returns an empty Fake (the zero value works as well).
func New() *Fake { return &Fake{} }

var (
	tagRE   = regexp.MustCompile(`^tag:[a-z0-9][a-z0-9-]*$`)
	labelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// KeyPrefix starts every key the fake mints, as with Headscale v0.29.
const KeyPrefix = "hskey-auth-"

// SetDown makes every call fail with headscale.ErrUnavailable (true) or
// work again (false).
func (f *Fake) SetDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// Fail makes method op (a Client method name, e.g. "ListUsers") return err
// until Fail(op, nil). SetDown takes precedence.
func (f *Fake) Fail(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.init()
	if err == nil {
		delete(f.fail, op)
		return
	}
	f.fail[op] = err
}

// Calls is how many times method op was called, failed calls included.
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// AddNode stores n, replacing the node with the same ID. A zero ID gets a
// fresh one, missing addresses get 100.64.0.x, and User and UserID are
// completed from each other when the user exists. It returns the node stored.
func (f *Fake) AddNode(n headscale.Node) headscale.Node {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.init()
	if n.ID == 0 {
		n.ID = f.newID()
	}
	f.lastID = max(f.lastID, n.ID)
	if len(n.IPAddresses) == 0 {
		f.ipSuffix++
		n.IPAddresses = []string{fmt.Sprintf("100.64.%d.%d", f.ipSuffix/250, f.ipSuffix%250+1)}
	}
	for _, u := range f.users {
		if n.UserID == 0 && n.User == u.Name {
			n.UserID = u.ID
		}
		if n.User == "" && n.UserID == u.ID {
			n.User = u.Name
		}
	}
	if n.Name == "" {
		n.Name = n.Hostname
	}
	if n.Hostname == "" {
		n.Hostname = n.Name
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now().UTC()
	}
	n = cloneNode(n)
	f.nodes[n.ID] = n
	return cloneNode(n)
}

// AddPending records a machine that ran `tailscale up` without a key and
// waits under authID, for RegisterPending, ApprovePending and RejectPending.
func (f *Fake) AddPending(authID, hostname string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.init()
	f.pending[authID] = hostname
}

// Pending reports whether a machine still waits under authID.
func (f *Fake) Pending(authID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.pending[authID]
	return ok
}

// FullKey returns the full secret of the key with the given ID, as only
// CreatePreAuthKey's answer shows it.
func (f *Fake) FullKey(id uint64) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	return k.Key, ok
}

func (f *Fake) init() {
	if f.calls == nil {
		f.fail = map[string]error{}
		f.calls = map[string]int{}
		f.users = map[uint64]headscale.User{}
		f.keys = map[uint64]headscale.PreAuthKey{}
		f.nodes = map[uint64]headscale.Node{}
		f.pending = map[string]string{}
	}
}

func (f *Fake) newID() uint64 {
	f.lastID++
	return f.lastID
}

// enter starts a call with f.mu held: it counts the call and returns the
// error the call must fail with, if any.
func (f *Fake) enter(ctx context.Context, op string) error {
	f.init()
	f.calls[op]++
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &headscale.Error{Op: op, Kind: headscale.ErrUnavailable, Message: "call timed out", Err: ctx.Err()}
	case ctx.Err() != nil:
		return &headscale.Error{Op: op, Message: "call canceled", Err: ctx.Err()}
	case f.down:
		return fail(op, headscale.ErrUnavailable, "connection refused (fake headscale is down)")
	}
	return f.fail[op]
}

// fail is an *headscale.Error as the real client returns it.
func fail(op string, kind error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &headscale.Error{Op: op, Kind: kind, Message: msg, Err: errors.New(msg)}
}

func (f *Fake) userByName(name string) (headscale.User, bool) {
	for _, u := range f.users {
		if u.Name == name {
			return u, true
		}
	}
	return headscale.User{}, false
}

func checkTags(op string, tags []string) error {
	for _, t := range tags {
		if !tagRE.MatchString(t) {
			return fail(op, headscale.ErrInvalidArgument, "tag %q is invalid: tags must be tag: followed by lowercase letters, digits or '-'", t)
		}
	}
	return nil
}

func sortedValues[K comparable, V any](m map[K]V, id func(V) uint64) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b V) int { return cmp.Compare(id(a), id(b)) })
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func cloneNode(n headscale.Node) headscale.Node {
	n.IPAddresses, n.Tags = nonNil(n.IPAddresses), nonNil(n.Tags)
	n.ApprovedRoutes, n.AvailableRoutes, n.SubnetRoutes = nonNil(n.ApprovedRoutes), nonNil(n.AvailableRoutes), nonNil(n.SubnetRoutes)
	return n
}

// Users.

func (f *Fake) ListUsers(ctx context.Context) ([]headscale.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListUsers"); err != nil {
		return nil, err
	}
	return sortedValues(f.users, func(u headscale.User) uint64 { return u.ID }), nil
}

func (f *Fake) CreateUser(ctx context.Context, name, displayName, email string) (headscale.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateUser"); err != nil {
		return headscale.User{}, err
	}
	if name == "" {
		return headscale.User{}, fail("CreateUser", headscale.ErrInvalidArgument, "user name must not be empty")
	}
	if _, ok := f.userByName(name); ok {
		return headscale.User{}, fail("CreateUser", headscale.ErrConflict, "user %q already exists", name)
	}
	u := headscale.User{ID: f.newID(), Name: name, DisplayName: displayName, Email: email, CreatedAt: time.Now().UTC()}
	f.users[u.ID] = u
	return u, nil
}

func (f *Fake) RenameUser(ctx context.Context, id uint64, newName string) (headscale.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "RenameUser"); err != nil {
		return headscale.User{}, err
	}
	u, ok := f.users[id]
	if !ok {
		return headscale.User{}, fail("RenameUser", headscale.ErrNotFound, "user %d not found", id)
	}
	if other, ok := f.userByName(newName); ok && other.ID != id {
		return headscale.User{}, fail("RenameUser", headscale.ErrConflict, "user %q already exists", newName)
	}
	u.Name = newName
	f.users[id] = u
	for nid, n := range f.nodes {
		if n.UserID == id {
			n.User = newName
			f.nodes[nid] = n
		}
	}
	return u, nil
}

func (f *Fake) DeleteUser(ctx context.Context, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteUser"); err != nil {
		return err
	}
	if _, ok := f.users[id]; !ok {
		return fail("DeleteUser", headscale.ErrNotFound, "user %d not found", id)
	}
	for _, n := range f.nodes {
		if n.UserID == id {
			return fail("DeleteUser", headscale.ErrInvalidArgument, "user %d still has nodes", id)
		}
	}
	delete(f.users, id)
	return nil
}

// Pre-auth keys.

func (f *Fake) CreatePreAuthKey(ctx context.Context, r headscale.KeyRequest) (headscale.PreAuthKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	const op = "CreatePreAuthKey"
	if err := f.enter(ctx, op); err != nil {
		return headscale.PreAuthKey{}, err
	}
	now := time.Now().UTC()
	if !r.Expiration.After(now) {
		return headscale.PreAuthKey{}, fail(op, headscale.ErrInvalidArgument, "expiration must be in the future")
	}
	if r.UserID == 0 && len(r.Tags) == 0 {
		return headscale.PreAuthKey{}, fail(op, headscale.ErrInvalidArgument, "a key needs a user or at least one tag")
	}
	if err := checkTags(op, r.Tags); err != nil {
		return headscale.PreAuthKey{}, err
	}
	k := headscale.PreAuthKey{ID: f.newID(), Key: KeyPrefix + random(12) + "-" + random(48), Reusable: r.Reusable,
		Ephemeral: r.Ephemeral, Tags: nonNil(r.Tags), Expiration: r.Expiration.UTC(), CreatedAt: now}
	if r.UserID != 0 {
		u, ok := f.users[r.UserID]
		if !ok {
			return headscale.PreAuthKey{}, fail(op, headscale.ErrNotFound, "user %d not found", r.UserID)
		}
		k.User, k.UserID = u.Name, u.ID
	}
	f.keys[k.ID] = k
	k.Tags = slices.Clone(k.Tags)
	return k, nil
}

// ListPreAuthKeys lists keys masked as Headscale v0.29 does:
// hskey-auth-PREFIX-***.
func (f *Fake) ListPreAuthKeys(ctx context.Context) ([]headscale.PreAuthKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListPreAuthKeys"); err != nil {
		return nil, err
	}
	keys := sortedValues(f.keys, func(k headscale.PreAuthKey) uint64 { return k.ID })
	for i, k := range keys {
		keys[i].Key = Mask(k.Key)
		keys[i].Tags = nonNil(k.Tags)
	}
	return keys, nil
}

// Mask is how lists show a full key: its prefix, then "***".
func Mask(key string) string {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok {
		return "***"
	}
	prefix, _, _ := strings.Cut(rest, "-")
	return KeyPrefix + prefix + "-***"
}

func (f *Fake) ExpirePreAuthKey(ctx context.Context, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ExpirePreAuthKey"); err != nil {
		return err
	}
	k, ok := f.keys[id]
	if !ok {
		return fail("ExpirePreAuthKey", headscale.ErrNotFound, "pre-auth key %d not found", id)
	}
	k.Expiration = time.Now().UTC()
	f.keys[id] = k
	return nil
}

func (f *Fake) DeletePreAuthKey(ctx context.Context, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeletePreAuthKey"); err != nil {
		return err
	}
	if _, ok := f.keys[id]; !ok {
		return fail("DeletePreAuthKey", headscale.ErrNotFound, "pre-auth key %d not found", id)
	}
	delete(f.keys, id)
	return nil
}

// Nodes.

func (f *Fake) ListNodes(ctx context.Context) ([]headscale.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListNodes"); err != nil {
		return nil, err
	}
	nodes := sortedValues(f.nodes, func(n headscale.Node) uint64 { return n.ID })
	for i := range nodes {
		nodes[i] = cloneNode(nodes[i])
	}
	return nodes, nil
}

// change runs one change to an existing node under f.mu.
func (f *Fake) change(ctx context.Context, op string, id uint64, fn func(n *headscale.Node) error) (headscale.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, op); err != nil {
		return headscale.Node{}, err
	}
	n, ok := f.nodes[id]
	if !ok {
		return headscale.Node{}, fail(op, headscale.ErrNotFound, "node %d not found", id)
	}
	n = cloneNode(n)
	if err := fn(&n); err != nil {
		return headscale.Node{}, err
	}
	f.nodes[id] = n
	return cloneNode(n), nil
}

func (f *Fake) GetNode(ctx context.Context, id uint64) (headscale.Node, error) {
	return f.change(ctx, "GetNode", id, func(*headscale.Node) error { return nil })
}

func (f *Fake) RenameNode(ctx context.Context, id uint64, name string) (headscale.Node, error) {
	return f.change(ctx, "RenameNode", id, func(n *headscale.Node) error {
		if !labelRE.MatchString(name) {
			return fail("RenameNode", headscale.ErrInvalidArgument, "name %q is not a valid DNS label", name)
		}
		for _, o := range f.nodes {
			if o.ID != id && o.Name == name {
				return fail("RenameNode", headscale.ErrConflict, "name %q is already in use", name)
			}
		}
		n.Name = name
		return nil
	})
}

func (f *Fake) SetTags(ctx context.Context, id uint64, tags []string) (headscale.Node, error) {
	return f.change(ctx, "SetTags", id, func(n *headscale.Node) error {
		if err := checkTags("SetTags", tags); err != nil {
			return err
		}
		n.Tags = nonNil(tags)
		return nil
	})
}

func (f *Fake) SetApprovedRoutes(ctx context.Context, id uint64, routes []string) (headscale.Node, error) {
	return f.change(ctx, "SetApprovedRoutes", id, func(n *headscale.Node) error {
		for _, r := range routes {
			if _, err := netip.ParsePrefix(r); err != nil {
				return fail("SetApprovedRoutes", headscale.ErrInvalidArgument, "invalid route %q", r)
			}
		}
		n.ApprovedRoutes = nonNil(routes)
		n.SubnetRoutes = []string{}
		for _, r := range n.AvailableRoutes {
			if slices.Contains(routes, r) {
				n.SubnetRoutes = append(n.SubnetRoutes, r)
			}
		}
		return nil
	})
}

func (f *Fake) ExpireNode(ctx context.Context, id uint64) (headscale.Node, error) {
	return f.change(ctx, "ExpireNode", id, func(n *headscale.Node) error {
		n.Expiry = time.Now().UTC()
		return nil
	})
}

func (f *Fake) DisableNodeExpiry(ctx context.Context, id uint64) (headscale.Node, error) {
	return f.change(ctx, "DisableNodeExpiry", id, func(n *headscale.Node) error {
		n.Expiry = time.Time{}
		return nil
	})
}

func (f *Fake) DeleteNode(ctx context.Context, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteNode"); err != nil {
		return err
	}
	if _, ok := f.nodes[id]; !ok {
		return fail("DeleteNode", headscale.ErrNotFound, "node %d not found", id)
	}
	delete(f.nodes, id)
	return nil
}

// Machines waiting for approval.

// RegisterPending turns the machine waiting under authID (see AddPending)
// into a node of user.
func (f *Fake) RegisterPending(ctx context.Context, authID, user string) (headscale.Node, error) {
	f.mu.Lock()
	const op = "RegisterPending"
	if err := f.enter(ctx, op); err != nil {
		f.mu.Unlock()
		return headscale.Node{}, err
	}
	host, ok := f.pending[authID]
	if !ok {
		f.mu.Unlock()
		return headscale.Node{}, fail(op, headscale.ErrNotFound, "no machine waits under auth id %q", authID)
	}
	u, ok := f.userByName(user)
	if !ok {
		f.mu.Unlock()
		return headscale.Node{}, fail(op, headscale.ErrNotFound, "user %q not found", user)
	}
	delete(f.pending, authID)
	f.mu.Unlock()
	return f.AddNode(headscale.Node{Name: host, User: u.Name, UserID: u.ID, RegisterMethod: "cli", Online: true,
		LastSeen: time.Now().UTC()}), nil
}

func (f *Fake) ApprovePending(ctx context.Context, authID string) error {
	return f.endPending(ctx, "ApprovePending", authID)
}

func (f *Fake) RejectPending(ctx context.Context, authID string) error {
	return f.endPending(ctx, "RejectPending", authID)
}

func (f *Fake) endPending(ctx context.Context, op, authID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, op); err != nil {
		return err
	}
	if _, ok := f.pending[authID]; !ok {
		return fail(op, headscale.ErrNotFound, "no machine waits under auth id %q", authID)
	}
	delete(f.pending, authID)
	return nil
}

// Policy.

func (f *Fake) GetPolicy(ctx context.Context) (headscale.Policy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetPolicy"); err != nil {
		return headscale.Policy{}, err
	}
	return f.policy, nil
}

// checkPolicy is the fake's idea of a valid policy: a non-empty HuJSON
// object, i.e. text that starts with "{" and ends with "}".
func checkPolicy(op, policy string) error {
	p := strings.TrimSpace(policy)
	if !strings.HasPrefix(p, "{") || !strings.HasSuffix(p, "}") {
		return fail(op, headscale.ErrInvalidArgument, "parsing policy: want a HuJSON object")
	}
	return nil
}

func (f *Fake) CheckPolicy(ctx context.Context, policy string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CheckPolicy"); err != nil {
		return err
	}
	return checkPolicy("CheckPolicy", policy)
}

func (f *Fake) SetPolicy(ctx context.Context, policy string) (headscale.Policy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "SetPolicy"); err != nil {
		return headscale.Policy{}, err
	}
	if err := checkPolicy("SetPolicy", policy); err != nil {
		return headscale.Policy{}, err
	}
	f.policy = headscale.Policy{Policy: policy, UpdatedAt: time.Now().UTC()}
	return f.policy, nil
}

// Health fails only when the fake is down (or told to Fail "Health").
func (f *Fake) Health(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.enter(ctx, "Health")
}

// random returns n random letters and digits.
func random(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
