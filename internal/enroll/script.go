package enroll

import (
	"fmt"
	"regexp"
	"strings"
)

// Content types of the install scripts.
const (
	ContentTypeShell      = "text/x-shellscript; charset=utf-8"
	ContentTypePowerShell = "text/plain; charset=utf-8"
)

// ScriptOSes are the platforms Script renders for.
var ScriptOSes = []string{"linux", "proxmox", "macos", "windows"}

// scriptServerRE is what a login server may look like inside a script:
// scheme, host (name, IPv4 or [IPv6]), port and a plain path. It is
// stricter than validate: PowerShell gives meaning to characters a URL may
// hold (',', '(', '{', and the typographic quotes ‘’, which it takes for
// '), and none of them belongs in a Headscale server_url.
var scriptServerRE = regexp.MustCompile(`^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/+-]*)?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?(/[A-Za-z0-9._~%/+-]*)?$`)

// Script renders the one-time install script for os: "linux" and
// "proxmox" (a PVE host is Debian) get a POSIX sh script, "macos" an sh
// script, "windows" a PowerShell script. Each installs Tailscale when it is
// missing and runs `tailscale up --login-server=… --authkey=…
// [--hostname=…]`. The pre-auth key appears once, in that command, and is
// never printed. Every value was validated (validate, and the stricter
// scriptServerRE for the login server) and is single-quoted besides.
//
// The sh scripts are one function called on the last line, so a shell
// reading them from a pipe (curl … | sh) parses all of it before running
// any, and a command reading stdin cannot swallow the rest of the script.
func Script(p Params, os string) (body, contentType string, err error) {
	if err := p.validate(); err != nil {
		return "", "", err
	}
	if !scriptServerRE.MatchString(p.LoginServer) {
		return "", "", fmt.Errorf("%w: login server %q must be a plain http(s) URL (host, port, path) to go into an install script", ErrInvalid, p.LoginServer)
	}
	r := strings.NewReplacer(
		"@LOGIN_SERVER@", p.LoginServer,
		"@UP_ARGS@", quotedUpArgs(p),
		"@HOSTNAME_NOTE@", hostnameNote(p),
	)
	switch os {
	case "linux", "proxmox":
		return r.Replace(linuxScript), ContentTypeShell, nil
	case "macos":
		return r.Replace(macosScript), ContentTypeShell, nil
	case "windows":
		return r.Replace(windowsScript), ContentTypePowerShell, nil
	}
	return "", "", fmt.Errorf("%w: no install script for os %q (one of %s)", ErrInvalid, os, strings.Join(ScriptOSes, ", "))
}

// quotedUpArgs are upArgs with each flag in single quotes, which mean the
// same in sh and PowerShell. The values hold no quote (validate).
func quotedUpArgs(p Params) string {
	args := "'--login-server=" + p.LoginServer + "' '--authkey=" + p.AuthKey + "'"
	if p.Hostname != "" {
		args += " '--hostname=" + p.Hostname + "'"
	}
	return args
}

func hostnameNote(p Params) string {
	if p.Hostname == "" {
		return ""
	}
	return " as " + p.Hostname
}

// linuxScript installs Tailscale the way its own install.sh does for the
// common distributions (the pkgs.tailscale.com apt and dnf/yum
// repositories; the distributions' own packages on Alpine, Arch and
// openSUSE), falls back to that install.sh for anything else, starts
// tailscaled and brings the machine up.
const linuxScript = `#!/bin/sh
# Neogenesys Console: join this machine to the tailnet at @LOGIN_SERVER@@HOSTNAME_NOTE@.
# This script holds a one-time pre-auth key: do not keep or share it.
set -eu

say() { printf 'neoconsole: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -qO- "$1"
	else
		die "neither curl nor wget is installed"
	fi
}

# fetch_to PATH URL: download URL whole, then put it at PATH (mode 0644), so
# a failed download leaves nothing behind.
fetch_to() {
	tmp=$(mktemp) || return
	if fetch "$2" >"$tmp" && $SUDO cp "$tmp" "$1" && $SUDO chmod 0644 "$1"; then
		rm -f "$tmp"
	else
		rm -f "$tmp"
		return 1
	fi
}

# install_apt DISTRO CODENAME: the pkgs.tailscale.com apt repository.
install_apt() {
	$SUDO mkdir -p -m 0755 /usr/share/keyrings &&
	fetch_to /usr/share/keyrings/tailscale-archive-keyring.gpg "https://pkgs.tailscale.com/stable/$1/$2.noarmor.gpg" &&
	fetch_to /etc/apt/sources.list.d/tailscale.list "https://pkgs.tailscale.com/stable/$1/$2.tailscale-keyring.list" &&
	$SUDO apt-get update -qq </dev/null &&
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tailscale </dev/null
}

# install_rpm TOOL REPO_URL: a pkgs.tailscale.com rpm repository.
install_rpm() {
	fetch_to /etc/yum.repos.d/tailscale.repo "$2" &&
	$SUDO "$1" install -y tailscale </dev/null
}

install_tailscale() {
	ID="" ID_LIKE="" VERSION_ID="" VERSION_CODENAME="" UBUNTU_CODENAME=""
	if [ -r /etc/os-release ]; then
		. /etc/os-release
	fi
	major=${VERSION_ID%%.*}
	say "installing Tailscale (${ID:-unknown} ${VERSION_ID:-})"
	case " $ID $ID_LIKE " in
	*" ubuntu "* | *" debian "* | *" raspbian "*)
		distro=debian codename=$VERSION_CODENAME
		case " $ID $ID_LIKE " in
		*" ubuntu "*) distro=ubuntu codename=${UBUNTU_CODENAME:-$VERSION_CODENAME} ;;
		*" raspbian "*) distro=raspbian ;;
		esac
		if command -v apt-get >/dev/null 2>&1 && [ -n "$codename" ] && install_apt "$distro" "$codename"; then
			return
		fi
		;;
	*" fedora "*)
		if command -v dnf >/dev/null 2>&1 && install_rpm dnf https://pkgs.tailscale.com/stable/fedora/tailscale.repo; then
			return
		fi
		;;
	*" rhel "* | *" centos "*)
		for tool in dnf yum; do
			if command -v "$tool" >/dev/null 2>&1; then
				if [ -n "$major" ] && install_rpm "$tool" "https://pkgs.tailscale.com/stable/rhel/$major/tailscale.repo"; then
					return
				fi
				break
			fi
		done
		;;
	esac
	if command -v apk >/dev/null 2>&1; then
		$SUDO apk add --no-cache tailscale </dev/null && return
	elif command -v pacman >/dev/null 2>&1; then
		$SUDO pacman -S --noconfirm --needed tailscale </dev/null && return
	elif command -v zypper >/dev/null 2>&1; then
		$SUDO zypper --non-interactive install tailscale </dev/null && return
	fi
	say "falling back to https://tailscale.com/install.sh"
	fetch https://tailscale.com/install.sh | $SUDO sh
}

start_tailscaled() {
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl enable --now tailscaled >/dev/null 2>&1 || true
	elif command -v rc-service >/dev/null 2>&1; then
		$SUDO rc-update add tailscale default >/dev/null 2>&1 || true
		$SUDO rc-service tailscale start >/dev/null 2>&1 || true
	fi
	for sock in /var/run/tailscale/tailscaled.sock /run/tailscale/tailscaled.sock; do
		[ -S "$sock" ] && return
	done
	# No service manager (a container): run the daemon in the background,
	# in userspace when there is no TUN device.
	command -v tailscaled >/dev/null 2>&1 || return 0
	tun=""
	[ -c /dev/net/tun ] || tun="--tun=userspace-networking"
	say "starting tailscaled${tun:+ $tun}"
	$SUDO mkdir -p /var/lib/tailscale
	$SUDO sh -c "nohup tailscaled --state=/var/lib/tailscale/tailscaled.state $tun </dev/null >/var/log/tailscaled.log 2>&1 &"
	sleep 2
}

main() {
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO=sudo
		elif command -v doas >/dev/null 2>&1; then
			SUDO=doas
		else
			die "run this script as root"
		fi
	fi
	if ! command -v tailscale >/dev/null 2>&1; then
		install_tailscale
		command -v tailscale >/dev/null 2>&1 || die "tailscale did not install; see https://tailscale.com/download/linux"
	fi
	start_tailscaled
	say "joining the tailnet at @LOGIN_SERVER@@HOSTNAME_NOTE@"
	$SUDO tailscale up @UP_ARGS@ </dev/null
	say "done: this machine is in the tailnet"
}

main "$@"
`

// macosScript uses the Tailscale app's CLI or Homebrew's tailscale, and
// says how to install the app when neither is there.
const macosScript = `#!/bin/sh
# Neogenesys Console: join this Mac to the tailnet at @LOGIN_SERVER@@HOSTNAME_NOTE@.
# This script holds a one-time pre-auth key: do not keep or share it.
set -eu

say() { printf 'neoconsole: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

main() {
	app=/Applications/Tailscale.app/Contents/MacOS/Tailscale
	if command -v tailscale >/dev/null 2>&1; then
		ts=tailscale
	elif [ -x "$app" ]; then
		ts=$app
	elif command -v brew >/dev/null 2>&1; then
		[ "$(id -u)" -ne 0 ] || die "Homebrew does not run as root: run this script without sudo"
		say "installing Tailscale with Homebrew"
		brew install tailscale </dev/null
		sudo brew services start tailscale </dev/null
		ts="$(brew --prefix)/bin/tailscale"
	else
		die "install Tailscale first (the App Store, or https://tailscale.com/download/mac), open it once, then run this script again"
	fi
	say "joining the tailnet at @LOGIN_SERVER@@HOSTNAME_NOTE@"
	"$ts" up @UP_ARGS@ </dev/null
	say "done: this Mac is in the tailnet"
}

main "$@"
`

// windowsScript installs Tailscale with winget, or from the MSI when
// winget is missing, then runs tailscale up in unattended mode (the
// connection survives the user logging off).
const windowsScript = `# Neogenesys Console: join this PC to the tailnet at @LOGIN_SERVER@@HOSTNAME_NOTE@.
# Run in PowerShell as Administrator. This script holds a one-time
# pre-auth key: do not keep or share it.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$tailscale = 'C:\Program Files\Tailscale\tailscale.exe'

if (-not (Test-Path $tailscale)) {
    if (Get-Command winget -ErrorAction SilentlyContinue) {
        Write-Host 'neoconsole: installing Tailscale with winget'
        winget install --id Tailscale.Tailscale -e --silent --accept-source-agreements --accept-package-agreements
    } else {
        $arch = 'amd64'
        if ($env:PROCESSOR_ARCHITECTURE -eq 'ARM64') { $arch = 'arm64' }
        elseif (-not [Environment]::Is64BitOperatingSystem) { $arch = 'x86' }
        $msi = Join-Path $env:TEMP 'tailscale-setup.msi'
        Write-Host 'neoconsole: installing Tailscale from its MSI'
        Invoke-WebRequest -UseBasicParsing -Uri "https://pkgs.tailscale.com/stable/tailscale-setup-latest-$arch.msi" -OutFile $msi
        Start-Process msiexec.exe -Wait -ArgumentList '/i', ('"' + $msi + '"'), '/quiet', '/norestart'
        Remove-Item $msi -ErrorAction SilentlyContinue
    }
    if (-not (Test-Path $tailscale)) {
        throw 'neoconsole: Tailscale did not install; see https://tailscale.com/download/windows'
    }
}

Write-Host 'neoconsole: joining the tailnet at @LOGIN_SERVER@@HOSTNAME_NOTE@'
& 'C:\Program Files\Tailscale\tailscale.exe' up --unattended @UP_ARGS@
if ($LASTEXITCODE -ne 0) { throw "neoconsole: tailscale up failed (exit code $LASTEXITCODE)" }
Write-Host 'neoconsole: done: this PC is in the tailnet'
`
