package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "AKIAEXAMPLE:wJalrXUtnFEMI/K7MDENG"
	sealed, err := b.Seal(secret, "cloud:1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, secret) || strings.Contains(sealed, "AKIA") {
		t.Fatalf("sealed value %q shows the plaintext", sealed)
	}
	again, _ := b.Seal(secret, "cloud:1")
	if again == sealed {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if got, err := b.Open(sealed, "cloud:1"); err != nil || got != secret {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	for name, open := range map[string]func() (string, error){
		"other place": func() (string, error) { return b.Open(sealed, "cloud:2") },
		"other key":   func() (string, error) { return other.Open(sealed, "cloud:1") },
		"tampered":    func() (string, error) { return b.Open(sealed[:len(sealed)-2]+"AA", "cloud:1") },
		"truncated":   func() (string, error) { return b.Open("v1:AAAA", "cloud:1") },
		"no prefix":   func() (string, error) { return b.Open(secret, "cloud:1") },
		"not base64":  func() (string, error) { return b.Open("v1:!!!!", "cloud:1") },
	} {
		if _, err := open(); !errors.Is(err, ErrDecrypt) {
			t.Errorf("%s: Open error = %v, want ErrDecrypt", name, err)
		}
	}
	if _, err := New(key[:16]); err == nil {
		t.Error("New accepted a 16-byte key")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sub", "secret.key")
	k1, err := LoadKey("", file)
	if err != nil || len(k1) != 32 {
		t.Fatalf("first LoadKey = %d bytes, %v", len(k1), err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	k2, err := LoadKey("", file)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second LoadKey gave another key (%v)", err)
	}
	env := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	if k, err := LoadKey(env, file); err != nil || k[0] != 1 {
		t.Errorf("LoadKey(env) = %v, %v; want the env key", k, err)
	}
	if _, err := LoadKey("c2hvcnQ=", file); err == nil || !strings.Contains(err.Error(), "NEOCONSOLE_SECRET_KEY") {
		t.Errorf("short env key: error = %v, want one naming the variable", err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey("", file); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key file: error = %v, want a refusal", err)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("not base64"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey("", bad); err == nil {
		t.Error("a damaged key file was accepted")
	}
}
