package enroll

import (
	"errors"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	p := Params{LoginServer: "https://hs.example.com", AuthKey: "hskey-auth-abc_DEF-123", Hostname: "web-01"}
	cmds, err := Commands(p)
	if err != nil {
		t.Fatalf("Commands: %v", err)
	}
	want := []string{"linux", "macos", "windows", "proxmox", "lxd", "cloud-init"}
	if len(cmds) != len(want) {
		t.Fatalf("Commands gave %d platforms, want %d", len(cmds), len(want))
	}
	for i, c := range cmds {
		if c.OS != want[i] {
			t.Errorf("command %d OS = %q, want %q", i, c.OS, want[i])
		}
		for _, part := range []string{"--login-server=https://hs.example.com", "--authkey=hskey-auth-abc_DEF-123", "--hostname=web-01"} {
			if !strings.Contains(c.Command, part) {
				t.Errorf("%s command %q lacks %q", c.OS, c.Command, part)
			}
		}
	}
}

func TestCommandsRejectInjection(t *testing.T) {
	good := Params{LoginServer: "http://127.0.0.1:8081", AuthKey: "hskey-auth-abcdefgh"}
	tests := []struct {
		name string
		mod  func(*Params)
	}{
		{"hostname with shell", func(p *Params) { p.Hostname = "a;rm -rf /" }},
		{"hostname uppercase", func(p *Params) { p.Hostname = "Web" }},
		{"hostname leading dash", func(p *Params) { p.Hostname = "-web" }},
		{"hostname too long", func(p *Params) { p.Hostname = strings.Repeat("a", 64) }},
		{"key with quote", func(p *Params) { p.AuthKey = "hskey-auth-'$(id)'" }},
		{"key empty", func(p *Params) { p.AuthKey = "" }},
		{"server not url", func(p *Params) { p.LoginServer = "hs.example.com" }},
		{"server with shell", func(p *Params) { p.LoginServer = "http://x/$(id)" }},
		{"server javascript", func(p *Params) { p.LoginServer = "javascript:alert(1)" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.mod(&p)
			if _, err := Commands(p); !errors.Is(err, ErrInvalid) {
				t.Errorf("Commands(%+v) error = %v, want ErrInvalid", p, err)
			}
		})
	}
	if _, err := Commands(good); err != nil {
		t.Errorf("Commands(good) = %v", err)
	}
}
