package providers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveSecret(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "key")
	if err := os.WriteFile(good, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NEO_TEST_SECRET", "from-env")
	tests := []struct {
		in, want, wantErr string
	}{
		{"plain", "plain", ""},
		{"env:NEO_TEST_SECRET", "from-env", ""},
		{"env:NEO_TEST_MISSING", "", "x.key: environment variable NEO_TEST_MISSING is not set"},
		{"file:" + good, "s3cret", ""},
		{"file:" + empty, "", "is empty"},
		{"file:" + filepath.Join(dir, "nope"), "", "no such file"},
	}
	for _, tt := range tests {
		got, err := ResolveSecret("x.key", tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ResolveSecret(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ResolveSecret(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSecretFields(t *testing.T) {
	type inner struct {
		Token string `json:"token" secret:"true"`
		User  string `json:"user"`
	}
	type base struct {
		Endpoint string `json:"endpoint"`
	}
	type cfg struct {
		base
		Key    string `json:"secretKey" secret:"true"`
		Region string `json:"region"`
		Auth   inner  `json:"auth"`
	}
	c := &cfg{Key: "k", Auth: inner{Token: "t"}}
	got := SecretFields(c)
	if len(got) != 2 || *got["secretKey"] != "k" || *got["auth.token"] != "t" {
		t.Fatalf("SecretFields = %v", got)
	}
	*got["auth.token"] = ""
	if c.Auth.Token != "" {
		t.Error("pointer does not reach the field")
	}
}

func TestPartial(t *testing.T) {
	var p Partial
	if p.Err() != nil {
		t.Fatal("empty Partial has an error")
	}
	for i := range 7 {
		p.Skip("record %d: bad", i)
	}
	err := p.Err()
	if !IsPartial(err) || !strings.Contains(err.Error(), "7 malformed") {
		t.Fatalf("Err() = %v", err)
	}
}
