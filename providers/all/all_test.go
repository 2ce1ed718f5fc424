package all_test

import (
	"slices"
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
