package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/neogenesys/console/internal/store"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type fixture struct {
	svc    *Service
	st     *store.DB
	dbPath string
	user   store.User
}

// newFixture is a Service over a real SQLite store with one operator,
// "lena", whose password is goodPassword.
func newFixture(t *testing.T, ttl time.Duration) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.db")
	st, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u, err := st.CreateUser(context.Background(), store.User{Username: "lena", PasswordHash: testHash(t), Role: store.RoleOperator})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: NewService(st, ttl), st: st, dbPath: path, user: u}
}

// rawRows returns a table's rows as text, read past the store's API.
func (f *fixture) rawRows(t *testing.T, table string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var sb strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&sb, vals...)
	}
	return sb.String()
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestLogin(t *testing.T) {
	f := newFixture(t, time.Hour)
	ctx := context.Background()
	secret, sess, u, err := f.svc.Login(ctx, "lena", goodPassword, "192.0.2.1", strings.Repeat("UA", 200))
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != f.user.ID || sess.UserID != u.ID || sess.IDHash != sha(secret) || len(secret) < 40 {
		t.Errorf("Login = %q, %+v, %+v", secret, sess, u)
	}
	if sess.SourceIP != "192.0.2.1" || len(sess.UserAgent) != 256 {
		t.Errorf("session source %q, user agent of %d bytes; want the IP and 256 bytes at most", sess.SourceIP, len(sess.UserAgent))
	}
	if d := time.Until(sess.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("session expires in %v, want the 1 h TTL", d)
	}
	if raw := f.rawRows(t, "sessions"); strings.Contains(raw, secret) || !strings.Contains(raw, sha(secret)) {
		t.Errorf("sessions table %q: want the hash, never the secret", raw)
	}
	p, err := f.svc.AuthenticateSession(ctx, secret)
	if err != nil || p.User.ID != u.ID || p.Session != sha(secret) || p.TokenID != 0 {
		t.Errorf("AuthenticateSession = %+v, %v", p, err)
	}

	// Unknown user and wrong password are the same error.
	for _, c := range []struct{ user, pw string }{{"lena", "wrong password"}, {"nobody", goodPassword}, {"LENA", goodPassword}, {"", ""}} {
		_, _, _, err := f.svc.Login(ctx, c.user, c.pw, "", "")
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("Login(%q, %q) = %v, want ErrInvalidCredentials", c.user, c.pw, err)
		}
	}

	// A disabled account cannot sign in, even with its password, and its
	// open sessions stop working.
	f.user.Disabled = true
	if _, err := f.st.UpdateUser(ctx, f.user); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.svc.Login(ctx, "lena", goodPassword, "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("disabled Login = %v, want ErrInvalidCredentials", err)
	}
	if _, err := f.svc.AuthenticateSession(ctx, secret); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("session of a disabled user: %v, want ErrUnauthenticated", err)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t, time.Hour)
	ctx := context.Background()
	secret, _, _, err := f.svc.Login(ctx, "lena", goodPassword, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateSession(ctx, secret); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("after Logout: %v, want ErrUnauthenticated", err)
	}
	for _, bad := range []string{"", "nope", strings.Repeat("x", 129)} {
		if _, err := f.svc.AuthenticateSession(ctx, bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("AuthenticateSession(%.10q) = %v, want ErrUnauthenticated", bad, err)
		}
	}
}

func TestSessionsExpireAndSlide(t *testing.T) {
	ctx := context.Background()

	t.Run("expire", func(t *testing.T) {
		f := newFixture(t, 5*time.Minute)
		f.svc.now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
		secret, _, _, err := f.svc.Login(ctx, "lena", goodPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.now = time.Now
		if _, err := f.svc.AuthenticateSession(ctx, secret); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("a session idle for twice its TTL: %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("slide", func(t *testing.T) {
		f := newFixture(t, 3*time.Minute)
		f.svc.now = func() time.Time { return time.Now().Add(-2 * time.Minute) }
		secret, sess, _, err := f.svc.Login(ctx, "lena", goodPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.now = time.Now
		if _, err := f.svc.AuthenticateSession(ctx, secret); err != nil {
			t.Fatalf("a session within its TTL: %v", err)
		}
		got, err := f.st.GetSession(ctx, sess.IDHash)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(got.ExpiresAt); d < 2*time.Minute+50*time.Second {
			t.Errorf("after use the session expires in %v, want the full TTL again (3m)", d)
		}
		if time.Since(got.LastSeen) > 10*time.Second {
			t.Errorf("LastSeen %v was not moved to now", got.LastSeen)
		}
		// Within a minute of the last touch, the store is not written again.
		touched := got.ExpiresAt
		time.Sleep(5 * time.Millisecond)
		if _, err := f.svc.AuthenticateSession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if again, _ := f.st.GetSession(ctx, sess.IDHash); !again.ExpiresAt.Equal(touched) {
			t.Errorf("session touched twice within a minute: %v then %v", touched, again.ExpiresAt)
		}
	})
}

func TestTokens(t *testing.T) {
	f := newFixture(t, time.Hour)
	ctx := context.Background()
	plain, tok, err := f.svc.CreateToken(ctx, f.user.ID, "  ci  ", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, TokenPrefix) || len(plain) < 40 || tok.Name != "ci" || !tok.ExpiresAt.IsZero() {
		t.Fatalf("CreateToken = %q, %+v", plain, tok)
	}
	stored, err := f.st.GetToken(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Hash != sha(plain) || stored.Prefix != plain[:len(TokenPrefix)+6] {
		t.Errorf("stored token %+v: want the SHA-256 of the token and a short prefix", stored)
	}
	if raw := f.rawRows(t, "api_tokens"); strings.Contains(raw, plain) || strings.Contains(raw, plain[len(TokenPrefix)+6:]) {
		t.Errorf("api_tokens holds the secret: %q", raw)
	}

	p, err := f.svc.AuthenticateToken(ctx, plain)
	if err != nil || p.User.ID != f.user.ID || p.TokenID != tok.ID || p.Session != "" {
		t.Fatalf("AuthenticateToken = %+v, %v", p, err)
	}
	// TouchToken: the first use is recorded, a second within a minute is not.
	used, _ := f.st.GetToken(ctx, tok.ID)
	if time.Since(used.LastUsedAt) > 10*time.Second {
		t.Errorf("LastUsedAt = %v after a use, want now", used.LastUsedAt)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := f.svc.AuthenticateToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.st.GetToken(ctx, tok.ID); !again.LastUsedAt.Equal(used.LastUsedAt) {
		t.Errorf("token touched twice within a minute")
	}
	f.svc.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if _, err := f.svc.AuthenticateToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if later, _ := f.st.GetToken(ctx, tok.ID); !later.LastUsedAt.After(used.LastUsedAt.Add(time.Minute)) {
		t.Errorf("token not touched after a minute: %v then %v", used.LastUsedAt, later.LastUsedAt)
	}
	f.svc.now = time.Now

	for _, bad := range []string{"", "ci", strings.TrimPrefix(plain, TokenPrefix), "NCT_" + plain[4:], plain + "x", plain[:len(plain)-1],
		TokenPrefix + strings.Repeat("a", 125)} {
		if _, err := f.svc.AuthenticateToken(ctx, bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("AuthenticateToken(%.12q…) = %v, want ErrUnauthenticated", bad, err)
		}
	}

	if err := f.st.RevokeToken(ctx, tok.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateToken(ctx, plain); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("revoked token: %v, want ErrUnauthenticated", err)
	}

	short, _, err := f.svc.CreateToken(ctx, f.user.ID, "short-lived", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateToken(ctx, short); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	f.svc.now = func() time.Time { return time.Now().Add(time.Hour + time.Second) }
	if _, err := f.svc.AuthenticateToken(ctx, short); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("expired token: %v, want ErrUnauthenticated", err)
	}
	f.svc.now = time.Now

	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"", 0}, {"   ", 0}, {strings.Repeat("n", 65), 0}, {"negative", -time.Second}} {
		if _, _, err := f.svc.CreateToken(ctx, f.user.ID, c.name, c.ttl); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("CreateToken(%q, %v) = %v, want ErrInvalidInput", c.name, c.ttl, err)
		}
	}
	if _, _, err := f.svc.CreateToken(ctx, f.user.ID, "short-lived", 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate token name: %v, want store.ErrConflict", err)
	}

	// A disabled owner's tokens stop working.
	other, _, err := f.svc.CreateToken(ctx, f.user.ID, "other", 0)
	if err != nil {
		t.Fatal(err)
	}
	f.user.Disabled = true
	if _, err := f.st.UpdateUser(ctx, f.user); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateToken(ctx, other); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("token of a disabled user: %v, want ErrUnauthenticated", err)
	}
}

func TestCreateUserAndSetPassword(t *testing.T) {
	f := newFixture(t, time.Hour)
	ctx := context.Background()
	u, generated, err := f.svc.CreateUser(ctx, "gen", "", store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) != 20 || !CheckPassword(u.PasswordHash, generated) {
		t.Errorf("generated password %q does not match the stored hash", generated)
	}
	for _, c := range []struct {
		name, pw string
		role     store.Role
	}{
		{"bad name!", goodPassword, store.RoleViewer},
		{"ok", goodPassword, "root"},
		{"ok", "short", store.RoleViewer},
	} {
		if _, _, err := f.svc.CreateUser(ctx, c.name, c.pw, c.role); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("CreateUser(%q, %q, %q) = %v, want ErrInvalidInput", c.name, c.pw, c.role, err)
		}
	}
	secret, _, _, err := f.svc.Login(ctx, "lena", goodPassword, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetPassword(ctx, f.user.ID, "short"); !errors.Is(err, ErrInvalidInput) || !errors.Is(err, ErrWeakPassword) {
		t.Errorf("SetPassword(short) = %v, want ErrInvalidInput and ErrWeakPassword", err)
	}
	if err := f.svc.SetPassword(ctx, f.user.ID, "a new long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateSession(ctx, secret); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("session after a password change: %v, want ErrUnauthenticated", err)
	}
	if _, _, _, err := f.svc.Login(ctx, "lena", goodPassword, "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("old password after change: %v", err)
	}
}

func TestValidateUsername(t *testing.T) {
	for name, ok := range map[string]bool{
		"a":                     true,
		"ada":                   true,
		"Ada.Lovelace":          true,
		"ops_team-1":            true,
		"ada@example.com":       true,
		"9lives":                true,
		strings.Repeat("a", 63): true,
		strings.Repeat("a", 64): false,
		"":                      false,
		".ada":                  false,
		"-ada":                  false,
		"_ada":                  false,
		"@ada":                  false,
		"ada lovelace":          false,
		"ada/../root":           false,
		"adà":                   false,
		"ada\n":                 false,
		"ada;drop":              false,
		"<script>":              false,
		"ada\x00":               false,
	} {
		err := ValidateUsername(name)
		if (err == nil) != ok {
			t.Errorf("ValidateUsername(%q) = %v, want ok %v", name, err, ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidInput) {
			t.Errorf("ValidateUsername(%q) = %v, want ErrInvalidInput", name, err)
		}
	}
}
