package gcp

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim/gcesim"
)

func testKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	js, err := gcesim.KeyJSON("https://oauth2.googleapis.com/token", "sa@acme-prod.iam.gserviceaccount.com", "k1", key)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

func TestValidate(t *testing.T) {
	key := testKey(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none: valid
	}{
		{"minimal", Config{Projects: []string{"acme-prod"}}, nil},
		{"key and endpoint", Config{Projects: []string{"acme-prod", "acme-dev"}, CredentialsJSON: key, Endpoint: "http://127.0.0.1:8080/"}, nil},
		{"domain-scoped project", Config{Projects: []string{"example.com:acme-prod"}}, nil},
		{"key reference checked later", Config{Projects: []string{"acme-prod"}, CredentialsJSON: "env:GCP_KEY"}, nil},
		{"no projects", Config{}, []string{"projects: at least one"}},
		{"upper case", Config{Projects: []string{"Acme-Prod"}}, []string{`projects[0]: "Acme-Prod" is not a project id`}},
		{"too short", Config{Projects: []string{"acme"}}, []string{`projects[0]: "acme"`}},
		{"starts with digit", Config{Projects: []string{"1acme-prod"}}, []string{"projects[0]"}},
		{"trailing hyphen", Config{Projects: []string{"acme-prod-"}}, []string{"projects[0]"}},
		{"too long", Config{Projects: []string{"a" + strings.Repeat("b", 30)}}, []string{"projects[0]"}},
		{"duplicate", Config{Projects: []string{"acme-prod", "acme-prod"}}, []string{`projects[1]: "acme-prod" is listed twice`}},
		{"key not JSON", Config{Projects: []string{"acme-prod"}, CredentialsJSON: "hunter2"}, []string{"credentialsJson: not a JSON service-account key"}},
		{"user credentials", Config{Projects: []string{"acme-prod"}, CredentialsJSON: `{"type":"authorized_user","client_id":"x","client_secret":"y","refresh_token":"z"}`},
			[]string{`credentialsJson: service-account key: type is "authorized_user"`, "client_email is missing", "private_key is missing", "token_uri is missing"}},
		{"key not PEM", Config{Projects: []string{"acme-prod"}, CredentialsJSON: strings.Replace(key, "-----BEGIN PRIVATE KEY-----", "", 1)}, []string{"private_key is not PEM"}},
		{"token_uri not a URL", Config{Projects: []string{"acme-prod"}, CredentialsJSON: strings.Replace(key, "https://oauth2.googleapis.com/token", "oauth2", 1)}, []string{`token_uri "oauth2"`}},
		{"endpoint scheme", Config{Projects: []string{"acme-prod"}, Endpoint: "ftp://compute"}, []string{"endpoint:", "not an http(s) URL"}},
		{"endpoint no host", Config{Projects: []string{"acme-prod"}, Endpoint: "https://"}, []string{"endpoint:", "no host"}},
		{"endpoint query", Config{Projects: []string{"acme-prod"}, Endpoint: "https://compute.example?x=1"}, []string{"endpoint:", "query"}},
		{"several at once", Config{Projects: []string{"X"}, Endpoint: "nope"}, []string{"projects[0]", "endpoint:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestSecretFields(t *testing.T) {
	got := providers.SecretFields(NewConfig())
	if len(got) != 1 || got["credentialsJson"] == nil {
		t.Errorf("SecretFields = %v, want only credentialsJson", got)
	}
}

func TestRegistered(t *testing.T) {
	k, err := providers.Lookup(Kind)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.NewConfig().Kind(); got != Kind {
		t.Errorf("registered config kind %q", got)
	}
}

// New resolves env: and file: references and checks what they hold.
func TestNewResolvesKeyReferences(t *testing.T) {
	key := testKey(t)
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GCP_TEST_KEY", key)
	t.Setenv("GCP_TEST_NOT_A_KEY", `{"type":"service_account"}`)
	for _, tc := range []struct {
		ref     string
		wantErr string
	}{
		{"env:GCP_TEST_KEY", ""},
		{"file:" + path, ""},
		{"env:GCP_TEST_UNSET", "GCP_TEST_UNSET is not set"},
		{"env:GCP_TEST_NOT_A_KEY", "gcp.credentialsJson: service-account key: client_email is missing"},
	} {
		cfg := Config{Projects: []string{"acme-prod"}, CredentialsJSON: tc.ref}
		p, err := cfg.New("a1")
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("New with %s: %v", tc.ref, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("New with %s = %v, want an error with %q", tc.ref, err, tc.wantErr)
		}
		if p != nil {
			p.(*Provider).Close()
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := (&Config{}).New("a1")
	if err == nil || !strings.Contains(err.Error(), "projects") {
		t.Errorf("New(empty) = %v, want the projects error", err)
	}
	if errors.Is(err, providers.ErrAuth) {
		t.Errorf("a config error is not a credentials error: %v", err)
	}
}
