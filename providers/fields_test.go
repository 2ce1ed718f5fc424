package providers

import (
	"reflect"
	"testing"
)

type formConfig struct {
	Plain    string   `json:"plain,omitempty" label:"Plain" help:"A line."`
	Secret   string   `json:"secret" secret:"true" label:"Secret"`
	PEM      string   `json:"pem" ui:"text,advanced"`
	List     []string `json:"list" ui:"required"`
	Flag     bool     `json:"flag"`
	Count    int      `json:"count"`
	Mode     string   `json:"mode" ui:"options=|a|b"`
	Hidden   string   `json:"-"`
	Skipped  []int    `json:"skipped"`
	NoTag    string
	internal string
}

func (*formConfig) Kind() string                 { return "form" }
func (*formConfig) Validate() error              { return nil }
func (*formConfig) New(string) (Provider, error) { return nil, nil }

func TestFields(t *testing.T) {
	cfg := &formConfig{Plain: "default", Secret: "never shown", Count: 8, internal: "x"}
	got := Fields(cfg)
	want := []Field{
		{Name: "plain", Label: "Plain", Type: "string", Default: "default", Help: "A line."},
		{Name: "secret", Label: "Secret", Type: "string", Secret: true},
		{Name: "pem", Label: "pem", Type: "text", Advanced: true},
		{Name: "list", Label: "list", Type: "list", Required: true},
		{Name: "flag", Label: "flag", Type: "bool"},
		{Name: "count", Label: "count", Type: "int", Default: 8},
		{Name: "mode", Label: "mode", Type: "string", Options: []string{"", "a", "b"}},
		{Name: "NoTag", Label: "NoTag", Type: "string"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Fields:\n got %+v\nwant %+v", got, want)
	}
	if Fields(nil) != nil {
		t.Fatal("Fields(nil) should be nil")
	}
}
