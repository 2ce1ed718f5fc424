package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/neogenesys/console/internal/store"
)

// Errors of signing in. The HTTP layer maps them to 401 and 400.
var (
	ErrInvalidCredentials = errors.New("invalid username or password")
	ErrUnauthenticated    = errors.New("not signed in")
	ErrInvalidInput       = errors.New("invalid input")
)

// TokenPrefix starts every API token, so leaked tokens are easy to spot.
const TokenPrefix = "nct_"

// Store is what auth needs from persistence.
type Store interface {
	CreateUser(ctx context.Context, u store.User) (store.User, error)
	GetUser(ctx context.Context, id int64) (store.User, error)
	GetUserByName(ctx context.Context, username string) (store.User, error)
	UpdateUser(ctx context.Context, u store.User) (store.User, error)
	CountUsers(ctx context.Context, role store.Role) (int, error)

	CreateSession(ctx context.Context, s store.Session) error
	GetSession(ctx context.Context, idHash string) (store.Session, error)
	TouchSession(ctx context.Context, idHash string, lastSeen, expiresAt time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error

	CreateToken(ctx context.Context, t store.Token) (store.Token, error)
	GetTokenByHash(ctx context.Context, hash string) (store.Token, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// Service signs users in and tells who a request is from.
type Service struct {
	store      Store
	sessionTTL time.Duration
	now        func() time.Time
}

// NewService returns a Service whose sessions expire after sessionTTL idle.
func NewService(s Store, sessionTTL time.Duration) *Service {
	return &Service{store: s, sessionTTL: sessionTTL, now: time.Now}
}

// Principal is who a request acts as.
type Principal struct {
	User    store.User
	TokenID int64  // set when authenticated by API token
	Session string // session id hash, when authenticated by cookie
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,62}$`)

// ValidateUsername says what is wrong with a console user name, if anything.
func ValidateUsername(name string) error {
	if !usernameRE.MatchString(name) {
		return fmt.Errorf("%w: username must be 1-63 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", ErrInvalidInput)
	}
	return nil
}

// CreateUser makes a console account. An empty password generates one, which
// is returned so it can be shown once.
func (s *Service) CreateUser(ctx context.Context, username, password string, role store.Role) (store.User, string, error) {
	if err := ValidateUsername(username); err != nil {
		return store.User{}, "", err
	}
	if !role.Valid() {
		return store.User{}, "", fmt.Errorf("%w: role must be admin, operator or viewer", ErrInvalidInput)
	}
	generated := ""
	if password == "" {
		generated = GeneratePassword()
		password = generated
	}
	hash, err := HashPassword(password)
	if err != nil {
		return store.User{}, "", fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	u, err := s.store.CreateUser(ctx, store.User{Username: username, PasswordHash: hash, Role: role})
	if err != nil {
		return store.User{}, "", err
	}
	return u, generated, nil
}

// SetPassword replaces a user's password and ends their sessions.
func (s *Service) SetPassword(ctx context.Context, userID int64, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if _, err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	return s.store.DeleteUserSessions(ctx, userID)
}

// Login checks a password and opens a session. It returns the cookie value,
// which is shown to no one else and stored only as a hash.
func (s *Service) Login(ctx context.Context, username, password, sourceIP, userAgent string) (string, store.Session, store.User, error) {
	u, err := s.store.GetUserByName(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		CheckPassword(dummyHash, password) // same work as a wrong password
		return "", store.Session{}, store.User{}, ErrInvalidCredentials
	}
	if err != nil {
		return "", store.Session{}, store.User{}, err
	}
	if u.Disabled || u.PasswordHash == "" || !CheckPassword(u.PasswordHash, password) {
		return "", store.Session{}, u, ErrInvalidCredentials
	}
	secret := randomString(32)
	now := s.now().UTC()
	sess := store.Session{
		IDHash: hashSecret(secret), UserID: u.ID, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.sessionTTL), SourceIP: sourceIP, UserAgent: truncate(userAgent, 256),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", store.Session{}, u, err
	}
	return secret, sess, u, nil
}

// Logout ends the session whose cookie value is secret.
func (s *Service) Logout(ctx context.Context, secret string) error {
	return s.store.DeleteSession(ctx, hashSecret(secret))
}

// SessionTTL is the idle lifetime of a session.
func (s *Service) SessionTTL() time.Duration { return s.sessionTTL }

// AuthenticateSession resolves a session cookie value to its user, sliding the
// session's expiry forward (at most once a minute, to spare the store).
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (Principal, error) {
	if secret == "" || len(secret) > 128 {
		return Principal{}, ErrUnauthenticated
	}
	h := hashSecret(secret)
	sess, err := s.store.GetSession(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	u, err := s.activeUser(ctx, sess.UserID)
	if err != nil {
		return Principal{}, err
	}
	now := s.now().UTC()
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.store.TouchSession(ctx, h, now, now.Add(s.sessionTTL)); err != nil {
			return Principal{}, err
		}
	}
	return Principal{User: u, Session: h}, nil
}

// CreateToken issues an API token for a user. The plain token is returned
// once; only its hash is kept. ttl 0 means no expiry.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, ttl time.Duration) (string, store.Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return "", store.Token{}, fmt.Errorf("%w: token name must be 1-64 characters", ErrInvalidInput)
	}
	if ttl < 0 {
		return "", store.Token{}, fmt.Errorf("%w: token lifetime must not be negative", ErrInvalidInput)
	}
	plain := TokenPrefix + randomString(32)
	now := s.now().UTC()
	t := store.Token{UserID: userID, Name: name, Prefix: plain[:len(TokenPrefix)+6], Hash: hashSecret(plain), CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	t, err := s.store.CreateToken(ctx, t)
	if err != nil {
		return "", store.Token{}, err
	}
	return plain, t, nil
}

// AuthenticateToken resolves a bearer token to its user.
func (s *Service) AuthenticateToken(ctx context.Context, plain string) (Principal, error) {
	if !strings.HasPrefix(plain, TokenPrefix) || len(plain) > 128 {
		return Principal{}, ErrUnauthenticated
	}
	t, err := s.store.GetTokenByHash(ctx, hashSecret(plain))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.now().UTC()
	if !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !t.ExpiresAt.After(now)) {
		return Principal{}, ErrUnauthenticated
	}
	u, err := s.activeUser(ctx, t.UserID)
	if err != nil {
		return Principal{}, err
	}
	if now.Sub(t.LastUsedAt) > time.Minute {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return Principal{}, err
		}
	}
	return Principal{User: u, TokenID: t.ID}, nil
}

func (s *Service) activeUser(ctx context.Context, id int64) (store.User, error) {
	u, err := s.store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrUnauthenticated
	}
	if err != nil {
		return store.User{}, err
	}
	if u.Disabled {
		return store.User{}, ErrUnauthenticated
	}
	return u, nil
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
