// Package enroll writes the commands that join a machine to the tailnet with
// a pre-auth key: one per operating system or platform, and a cloud-init file.
package enroll

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
)

// Command is how to enroll on one platform.
type Command struct {
	OS      string `json:"os"`      // linux, macos, windows, proxmox, lxd, cloud-init
	Label   string `json:"label"`   // human name of the platform
	Command string `json:"command"` // what to paste
}

// Params are what every command needs.
type Params struct {
	LoginServer string // Headscale's server_url
	AuthKey     string // a pre-auth key
	Hostname    string // optional: the machine's name in the tailnet
}

var (
	hostnameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	authKeyRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{8,200}$`)
)

// ErrInvalid marks bad parameters.
var ErrInvalid = errors.New("invalid enrollment parameters")

// ValidateHostname says what is wrong with a machine name, if anything.
func ValidateHostname(name string) error {
	if !hostnameRE.MatchString(name) {
		return fmt.Errorf("%w: name %q must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'", ErrInvalid, name)
	}
	return nil
}

func (p Params) validate() error {
	u, err := url.Parse(p.LoginServer)
	// scriptServerRE also keeps out what PowerShell would interpret in the
	// Windows command (',', '(', '{', typographic quotes).
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !scriptServerRE.MatchString(p.LoginServer) {
		return fmt.Errorf("%w: login server %q must be an http(s) URL", ErrInvalid, p.LoginServer)
	}
	if !authKeyRE.MatchString(p.AuthKey) {
		return fmt.Errorf("%w: auth key has unexpected characters", ErrInvalid)
	}
	if p.Hostname != "" {
		return ValidateHostname(p.Hostname)
	}
	return nil
}

// upArgs are the flags of `tailscale up`. Every value was validated to hold
// only URL, key and DNS-label characters, so no quoting is needed.
func (p Params) upArgs() string {
	args := "--login-server=" + p.LoginServer + " --authkey=" + p.AuthKey
	if p.Hostname != "" {
		args += " --hostname=" + p.Hostname
	}
	return args
}

const installScript = "curl -fsSL https://tailscale.com/install.sh | sh"

// Commands returns the enrollment commands for every supported platform.
func Commands(p Params) ([]Command, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	up := p.upArgs()
	container := "<container>"
	if p.Hostname != "" {
		container = p.Hostname
	}
	return []Command{
		{OS: "linux", Label: "Linux", Command: installScript + " && sudo tailscale up " + up},
		{OS: "macos", Label: "macOS", Command: "brew install tailscale && sudo brew services start tailscale && tailscale up " + up},
		{OS: "windows", Label: "Windows (PowerShell as Administrator)", Command: "winget install --id Tailscale.Tailscale -e --accept-source-agreements --accept-package-agreements; " +
			"& 'C:\\Program Files\\Tailscale\\tailscale.exe' up --unattended " + up},
		{OS: "proxmox", Label: "Proxmox VE host", Command: installScript + " && tailscale up " + up},
		{OS: "lxd", Label: "LXD container", Command: "lxc config device add " + container + " tun unix-char path=/dev/net/tun && lxc exec " + container +
			" -- sh -c '" + installScript + " && tailscale up " + up + "'"},
		{OS: "cloud-init", Label: "cloud-init (user data)", Command: CloudInit(p)},
	}, nil
}

// CloudInit returns a #cloud-config document that enrolls the machine on first boot.
func CloudInit(p Params) string {
	return "#cloud-config\nruncmd:\n  - [sh, -c, \"" + installScript + "\"]\n  - [sh, -c, \"tailscale up " + p.upArgs() + "\"]\n"
}
