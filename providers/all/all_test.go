package all_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/neogenesys/console/providers"
	_ "github.com/neogenesys/console/providers/all"
)

func TestEveryKindIsRegistered(t *testing.T) {
	want := []string{"aws", "azure", "gcp", "lxd", "proxmox"}
	if got := providers.Names(); !slices.Equal(got, want) {
		t.Fatalf("registered kinds = %v, want %v", got, want)
	}
	for _, name := range want {
		k, _ := providers.Lookup(name)
		cfg := k.NewConfig()
		if len(providers.SecretFields(cfg)) == 0 {
			t.Errorf("%s: no secret fields: credentials would be stored in the clear", name)
		}
	}
}

// No kind repeats a secret in its validation or construction errors: they
// reach the API, the audit trail and the log.
func TestErrorsNeverShowSecrets(t *testing.T) {
	const sentinel = "S3NT1NEL-not-a-real-secret"
	for _, name := range providers.Names() {
		k, _ := providers.Lookup(name)
		cfg := k.NewConfig()
		for _, f := range providers.SecretFields(cfg) {
			*f = sentinel
		}
		err := cfg.Validate()
		if err != nil && strings.Contains(err.Error(), sentinel) {
			t.Errorf("%s: Validate error shows a secret: %v", name, err)
		}
		if err != nil {
			continue
		}
		if _, err := cfg.New("1"); err != nil && strings.Contains(err.Error(), sentinel) {
			t.Errorf("%s: New error shows a secret: %v", name, err)
		}
	}
}

// Every kind describes its form: a title, and a label and help sentence on
// every field, secret fields marked.
func TestEveryKindDescribesItsForm(t *testing.T) {
	for _, name := range providers.Names() {
		k, _ := providers.Lookup(name)
		if k.Title == "" {
			t.Errorf("%s: no Title", name)
		}
		fields := providers.Fields(k.NewConfig())
		if len(fields) == 0 {
			t.Errorf("%s: no form fields", name)
		}
		secrets := providers.SecretFields(k.NewConfig())
		for _, f := range fields {
			if f.Label == f.Name || f.Help == "" {
				t.Errorf("%s.%s: needs label and help tags", name, f.Name)
			}
			if _, isSecret := secrets[f.Name]; isSecret != f.Secret {
				t.Errorf("%s.%s: secret = %v, SecretFields says %v", name, f.Name, f.Secret, isSecret)
			}
		}
	}
}
