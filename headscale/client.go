// Package headscale is the only code that speaks to Headscale. It declares the
// narrow Client the rest of the console uses, implements it over Headscale's
// gRPC API (v0.29.x), maps gRPC failures to a few sentinel errors, and can run
// Headscale itself as a supervised child process (managed mode).
package headscale

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Every error a Client returns wraps at most one of them.
var (
	ErrNotFound        = errors.New("not found")
	ErrInvalidArgument = errors.New("invalid argument")
	ErrConflict        = errors.New("already exists")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrUnavailable     = errors.New("headscale unavailable")
)

// User is a tailnet user (a Headscale user, not a console account).
type User struct {
	ID          uint64    `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"displayName,omitempty"`
	Email       string    `json:"email,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// PreAuthKey is a key machines use with `tailscale up --authkey`. Key holds the
// full secret only in the answer to CreatePreAuthKey; lists carry a masked form.
type PreAuthKey struct {
	ID         uint64    `json:"id"`
	Key        string    `json:"key"`
	User       string    `json:"user,omitempty"`
	UserID     uint64    `json:"userId,omitempty"`
	Reusable   bool      `json:"reusable"`
	Ephemeral  bool      `json:"ephemeral"`
	Used       bool      `json:"used"`
	Tags       []string  `json:"tags"`
	Expiration time.Time `json:"expiration"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Expired reports whether the key can no longer be used at now.
func (k PreAuthKey) Expired(now time.Time) bool {
	return !k.Expiration.After(now)
}

// KeyRequest asks Headscale for a new pre-auth key. It needs a UserID or at
// least one tag, and always an Expiration in the future.
type KeyRequest struct {
	UserID     uint64
	Tags       []string
	Reusable   bool
	Ephemeral  bool
	Expiration time.Time
}

// Node is a machine in the tailnet.
type Node struct {
	ID              uint64    `json:"id"`
	Name            string    `json:"name"`     // given name, what MagicDNS uses
	Hostname        string    `json:"hostname"` // the name the machine reported
	User            string    `json:"user"`
	UserID          uint64    `json:"userId"`
	IPAddresses     []string  `json:"ipAddresses"`
	Online          bool      `json:"online"`
	LastSeen        time.Time `json:"lastSeen,omitzero"` // absent: never seen
	Expiry          time.Time `json:"expiry,omitzero"`   // absent: never expires
	CreatedAt       time.Time `json:"createdAt"`
	Tags            []string  `json:"tags"`
	ApprovedRoutes  []string  `json:"approvedRoutes"`
	AvailableRoutes []string  `json:"availableRoutes"`
	SubnetRoutes    []string  `json:"subnetRoutes"`
	PreAuthKeyID    uint64    `json:"preAuthKeyId,omitempty"`
	RegisterMethod  string    `json:"registerMethod"`
	MachineKey      string    `json:"machineKey"`
	NodeKey         string    `json:"nodeKey"`
}

// Expired reports whether the node's key has expired at now.
func (n Node) Expired(now time.Time) bool {
	return !n.Expiry.IsZero() && !n.Expiry.After(now)
}

// Policy is the tailnet's access policy document (HuJSON).
type Policy struct {
	Policy    string    `json:"policy"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Client is what the console needs from Headscale.
type Client interface {
	ListUsers(ctx context.Context) ([]User, error)
	CreateUser(ctx context.Context, name, displayName, email string) (User, error)
	RenameUser(ctx context.Context, id uint64, newName string) (User, error)
	DeleteUser(ctx context.Context, id uint64) error

	CreatePreAuthKey(ctx context.Context, r KeyRequest) (PreAuthKey, error)
	ListPreAuthKeys(ctx context.Context) ([]PreAuthKey, error)
	ExpirePreAuthKey(ctx context.Context, id uint64) error
	DeletePreAuthKey(ctx context.Context, id uint64) error

	ListNodes(ctx context.Context) ([]Node, error)
	GetNode(ctx context.Context, id uint64) (Node, error)
	RenameNode(ctx context.Context, id uint64, name string) (Node, error)
	SetTags(ctx context.Context, id uint64, tags []string) (Node, error)
	SetApprovedRoutes(ctx context.Context, id uint64, routes []string) (Node, error)
	ExpireNode(ctx context.Context, id uint64) (Node, error)
	DisableNodeExpiry(ctx context.Context, id uint64) (Node, error)
	DeleteNode(ctx context.Context, id uint64) error

	// RegisterPending registers a machine that ran `tailscale up` without a key
	// and is waiting under authID, as a node of user.
	RegisterPending(ctx context.Context, authID, user string) (Node, error)
	ApprovePending(ctx context.Context, authID string) error
	RejectPending(ctx context.Context, authID string) error

	GetPolicy(ctx context.Context) (Policy, error)
	CheckPolicy(ctx context.Context, policy string) error
	SetPolicy(ctx context.Context, policy string) (Policy, error)

	// Health succeeds when Headscale answers and reaches its database.
	Health(ctx context.Context) error
}
