// Package store persists the console's own state — console accounts, browser
// sessions, API tokens, the audit trail, the pre-auth keys the console minted and
// small settings — in SQLite (the embedded default) or PostgreSQL (for several
// replicas). Both engines share one code path over database/sql and one set of
// versioned, append-only migrations per dialect.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Callers test them with errors.Is; the HTTP layer maps them
// to status codes in one place.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// Role is a console role. The zero value is not a valid role.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleOperator Role = "operator"
	RoleViewer   Role = "viewer"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleOperator || r == RoleViewer
}

// Rank orders roles: viewer < operator < admin. Unknown roles rank 0.
func (r Role) Rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// User is a console account (not a Headscale user).
type User struct {
	ID           int64
	Username     string
	PasswordHash string // encoded hash (argon2id); empty for accounts that cannot log in with a password
	Role         Role
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is a browser session. The store keeps only the hash of the cookie value.
type Session struct {
	IDHash    string // hex SHA-256 of the cookie value
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
	SourceIP  string
	UserAgent string
}

// Token is an API bearer token. The store keeps only the hash of the secret.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // first characters of the token, shown in lists to recognise it
	Hash       string // hex SHA-256 of the whole token
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: active
}

// AuditEntry is one appended line of the audit trail. Entries are never
// updated or deleted.
type AuditEntry struct {
	ID       int64
	Time     time.Time
	UserID   int64  // 0 when anonymous or the system
	Username string // denormalised so that deleting a user keeps the trail readable
	Role     Role
	Action   string // dotted verb, e.g. "node.rename", "preauthkey.create", "auth.login"
	Target   string // e.g. "node:12", "user:alice"
	Outcome  string // "success" or "failure"
	SourceIP string
	Detail   string // JSON object with extra facts; never a secret
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	Username string
	Action   string // exact match, or a prefix when it ends with "*" ("node.*")
	Target   string
	Since    time.Time // inclusive
	Until    time.Time // exclusive
	BeforeID int64     // cursor: only entries with ID < BeforeID
	Limit    int       // default 100, at most 1000
}

// MintedKey records a pre-auth key the console minted through Headscale, so the
// node that used it can later be tied to what it was minted for.
type MintedKey struct {
	HeadscaleKeyID uint64
	HeadscaleUser  string // user name, empty for tagged keys
	Tags           []string
	Reusable       bool
	Ephemeral      bool
	ExpiresAt      time.Time
	CreatedAt      time.Time
	CreatedBy      string // console username or "system"
	Purpose        string // free text, e.g. "register:web-01" or "vm:aws/i-123"
}

// Store is everything the console persists. Both engines implement it; the
// shared suite in storetest checks them alike.
type Store interface {
	Ping(ctx context.Context) error
	Close() error

	CreateUser(ctx context.Context, u User) (User, error) // ErrConflict on duplicate username
	GetUser(ctx context.Context, id int64) (User, error)
	GetUserByName(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)          // ordered by username
	UpdateUser(ctx context.Context, u User) (User, error)   // role, password hash, disabled
	DeleteUser(ctx context.Context, id int64) error         // also removes the user's sessions and tokens
	CountUsers(ctx context.Context, role Role) (int, error) // role "" counts all

	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, idHash string) (Session, error) // ErrNotFound when absent or expired
	TouchSession(ctx context.Context, idHash string, lastSeen, expiresAt time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	CreateToken(ctx context.Context, t Token) (Token, error) // ErrConflict on duplicate name for the same user
	GetTokenByHash(ctx context.Context, hash string) (Token, error)
	GetToken(ctx context.Context, id int64) (Token, error)
	ListTokens(ctx context.Context, userID int64) ([]Token, error) // userID 0: all users; newest first
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	TouchToken(ctx context.Context, id int64, at time.Time) error

	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)  // returns the entry with ID set
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) // newest first

	RecordMintedKey(ctx context.Context, k MintedKey) error
	GetMintedKey(ctx context.Context, headscaleKeyID uint64) (MintedKey, error)

	GetSetting(ctx context.Context, key string) (string, error) // ErrNotFound when unset
	PutSetting(ctx context.Context, key, value string) error

	CreateCloudAccount(ctx context.Context, a CloudAccount, seal SealFunc) (CloudAccount, error) // ErrConflict on duplicate name
	GetCloudAccount(ctx context.Context, id int64) (CloudAccount, error)
	ListCloudAccounts(ctx context.Context) ([]CloudAccount, error) // ordered by name
	UpdateCloudAccount(ctx context.Context, a CloudAccount) (CloudAccount, error)
	DeleteCloudAccount(ctx context.Context, id int64) error // also removes its VMs and sync history

	SaveVMs(ctx context.Context, vms []StoredVM) ([]StoredVM, error) // upsert on (cloud, provider id); IDs set
	DeleteVMs(ctx context.Context, ids []int64) error
	ListVMs(ctx context.Context) ([]StoredVM, error)
	AppendSyncRun(ctx context.Context, r SyncRun, keep int) (SyncRun, error)
	ListSyncRuns(ctx context.Context, cloudID int64, limit int) ([]SyncRun, error) // newest first

	CreateInstallLink(ctx context.Context, l InstallLink) error
	UseInstallLink(ctx context.Context, tokenHash string, now time.Time) (InstallLink, error) // ErrNotFound, ErrGone
	ListMintedKeys(ctx context.Context, purposePrefix string) ([]MintedKey, error)
}
