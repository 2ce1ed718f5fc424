package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

const examplePath = "config.example.yaml"

// The example shows every key at its default, so loading it gives Default().
func TestExampleIsDefault(t *testing.T) {
	got, err := Load(examplePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Default(), got); d != "" {
		t.Errorf("the example's values differ from Default() (-default +example):\n%s", d)
	}
}

// Every key is set in the example (not only in a comment) and every
// variable is named in it.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range EnvVars() {
		if !strings.Contains(string(data), "# env "+name+"\n") && !strings.Contains(string(data), "# env "+name+" ") {
			t.Errorf("%s is not documented in %s", name, examplePath)
		}
	}

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			key := prefix + n.Content[i].Value
			present[key] = true
			walk(n.Content[i+1], key+".")
		}
	}
	walk(doc.Content[0], "")
	for _, l := range leaves(reflect.ValueOf(Config{})) {
		if !present[l.key] {
			t.Errorf("key %s is missing from %s", l.key, examplePath)
		}
	}
}
