package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
)

const goodPassword = "correct horse battery"

// One hash for the whole package: argon2id costs ~50 ms.
var (
	hashOnce  sync.Once
	goodHash  string
	hashError error
)

func testHash(t *testing.T) string {
	t.Helper()
	hashOnce.Do(func() { goodHash, hashError = HashPassword(goodPassword) })
	if hashError != nil {
		t.Fatal(hashError)
	}
	return goodHash
}

func TestHashPasswordRoundTrip(t *testing.T) {
	h := testHash(t)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, goodPassword) {
		t.Fatalf("hash %q: want argon2id with the documented parameters, no plain text", h)
	}
	if !CheckPassword(h, goodPassword) {
		t.Fatal("the right password does not match its hash")
	}
	for _, wrong := range []string{"correct horse batterY", "correct horse battery ", "", goodPassword[:len(goodPassword)-1]} {
		if CheckPassword(h, wrong) {
			t.Errorf("CheckPassword(hash, %q) = true", wrong)
		}
	}
	// Salted: the same password hashes differently each time.
	h2, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h || !CheckPassword(h2, goodPassword) {
		t.Errorf("second hash %q: want a different salt and a match", h2)
	}
}

func TestCheckPasswordRefusesTamperedAndMalformed(t *testing.T) {
	h := testHash(t)
	parts := strings.Split(h, "$") // "", argon2id, v=19, m=..,t=..,p=.., salt, key
	key, _ := base64.RawStdEncoding.DecodeString(parts[5])
	flipped := append([]byte(nil), key...)
	flipped[0] ^= 1
	salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
	otherSalt := append([]byte(nil), salt...)
	otherSalt[len(otherSalt)-1] ^= 0x80
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, enc := range map[string]string{
		"flipped key bit":  with(5, base64.RawStdEncoding.EncodeToString(flipped)),
		"other salt":       with(4, base64.RawStdEncoding.EncodeToString(otherSalt)),
		"shorter key":      with(5, base64.RawStdEncoding.EncodeToString(key[:16])),
		"other time cost":  with(3, "m=19456,t=3,p=1"),
		"argon2i":          with(1, "argon2i"),
		"bcrypt":           "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"version 16":       with(2, "v=16"),
		"no version":       with(2, "19"),
		"bad params":       with(3, "m=x,t=2,p=1"),
		"params missing":   with(3, ""),
		"salt not base64":  with(4, "!!!"),
		"key not base64":   with(5, "***"),
		"padded base64":    with(5, base64.StdEncoding.EncodeToString(key)+"=="),
		"empty key":        with(5, ""),
		"too few parts":    strings.Join(parts[:5], "$"),
		"too many parts":   h + "$extra",
		"empty":            "",
		"plain text":       goodPassword,
		"memory too large": with(3, "m=4194304,t=2,p=1"),
		"too many passes":  with(3, "m=19456,t=100,p=1"),
	} {
		t.Run(name, func(t *testing.T) {
			if CheckPassword(enc, goodPassword) {
				t.Errorf("CheckPassword(%q) = true", enc)
			}
		})
	}
}

// TestCheckPasswordZeroCosts: argon2 panics on zero passes or zero lanes;
// CheckPassword must answer false for such an encoding, not panic.
func TestCheckPasswordZeroCosts(t *testing.T) {
	parts := strings.Split(testHash(t), "$")
	for _, params := range []string{"m=19456,t=0,p=1", "m=19456,t=2,p=0"} {
		t.Run(params, func(t *testing.T) {
			enc := strings.Join(append(parts[:3:3], params, parts[4], parts[5]), "$")
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("CheckPassword(%q) panicked: %v", enc, v)
				}
			}()
			if CheckPassword(enc, goodPassword) {
				t.Errorf("CheckPassword(%q) = true", enc)
			}
		})
	}
}

func TestPasswordLength(t *testing.T) {
	for _, c := range []struct {
		pw   string
		weak bool
	}{
		{"", true},
		{"short", true},
		{strings.Repeat("a", MinPasswordLength-1), true},
		{strings.Repeat("a", MinPasswordLength), false},
		{strings.Repeat("é", 5), false}, // 10 bytes: the limit counts bytes
		{strings.Repeat("a", 1024), false},
		{strings.Repeat("a", 1025), true},
	} {
		err := ValidatePassword(c.pw)
		if got := errors.Is(err, ErrWeakPassword); got != c.weak {
			t.Errorf("ValidatePassword(%d bytes) = %v, want weak %v", len(c.pw), err, c.weak)
		}
		if c.weak {
			if h, err := HashPassword(c.pw); !errors.Is(err, ErrWeakPassword) || h != "" {
				t.Errorf("HashPassword(%d bytes) = %q, %v; want ErrWeakPassword", len(c.pw), h, err)
			}
		}
	}
	// An over-long password is refused before any hashing.
	if CheckPassword(testHash(t), strings.Repeat("a", 1025)) {
		t.Error("CheckPassword accepted a 1025-byte password")
	}
}

func TestGeneratePassword(t *testing.T) {
	a, b := GeneratePassword(), GeneratePassword()
	if a == b || len(a) != 20 || ValidatePassword(a) != nil || strings.ContainsAny(a, "+/=") {
		t.Errorf("GeneratePassword = %q, %q: want two different valid 20-character URL-safe passwords", a, b)
	}
}
