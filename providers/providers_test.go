package providers

import (
	"errors"
	"strings"
	"testing"
)

type fakeConfig struct{ kind, region string }

func (c *fakeConfig) Kind() string { return c.kind }
func (c *fakeConfig) Validate() error {
	if c.region == "" {
		return errors.New("region: required")
	}
	return nil
}
func (c *fakeConfig) New(string) (Provider, error) { return nil, errors.New("not in a unit test") }

func withRegistry(t *testing.T) {
	saved := registry
	registry = map[string]Kind{}
	t.Cleanup(func() { registry = saved })
}

func TestRegistry(t *testing.T) {
	withRegistry(t)
	Register(Kind{Name: "b", NewConfig: func() Config { return &fakeConfig{kind: "b"} }})
	Register(Kind{Name: "a", NewConfig: func() Config { return &fakeConfig{kind: "a"} }})
	if got := strings.Join(Names(), ","); got != "a,b" {
		t.Errorf("Names() = %q, want a,b", got)
	}
	k, err := Lookup("a")
	if err != nil || k.NewConfig().Kind() != "a" {
		t.Fatalf("Lookup(a) = %+v, %v", k, err)
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Lookup(nope) error = %v, want one naming the kind", err)
	}
	for name, k := range map[string]Kind{
		"duplicate":     {Name: "a", NewConfig: func() Config { return &fakeConfig{kind: "a"} }},
		"kind mismatch": {Name: "c", NewConfig: func() Config { return &fakeConfig{kind: "d"} }},
		"no config":     {Name: "e"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%s) did not panic", name)
				}
			}()
			Register(k)
		})
	}
}

func TestStateAllows(t *testing.T) {
	tests := []struct {
		s    State
		a    Action
		want bool
	}{
		{StateStopped, Start, true},
		{StateRunning, Start, false},
		{StateRunning, Stop, true},
		{StateStopped, Stop, false},
		{StateRunning, Reboot, true},
		{StatePending, Reboot, false},
		{StateTerminated, Start, false},
		{StateRunning, Action("explode"), false},
	}
	for _, tt := range tests {
		if got := tt.s.Allows(tt.a); got != tt.want {
			t.Errorf("%s.Allows(%s) = %v, want %v", tt.s, tt.a, got, tt.want)
		}
	}
	if Action("explode").Valid() || !Reboot.Valid() {
		t.Error("Action.Valid is wrong")
	}
}
