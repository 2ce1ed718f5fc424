package lxdtest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// initScript is the image's /sbin/init. As PID 1 of the container it only
// receives signals it has a handler for, so it traps the ones a clean stop
// sends (SIGPWR, LXC's default) and exits at once; `wait` on a background
// sleep lets the trap run immediately instead of after the sleep. It brings
// up lo and, when NEO_ADDRS is set (instance config environment.NEO_ADDRS),
// puts those addresses on eth0. With NEO_STUBBORN set it ignores those
// signals instead, so a clean stop waits for its timeout (for tests of
// cancellation).
//
// A signal sent between the start of the shell and its trap line is lost,
// and a stop sent in that moment (a stop right after a start) waited for
// its whole timeout, about one time in fifteen. So the default profile
// makes LXC stop containers with SIGKILL (lxc.signal.halt), which needs no
// handler; the trap still serves a profile or instance that sets SIGPWR
// back.
const initScript = `#!/bin/sh
if [ -n "$NEO_STUBBORN" ]; then trap '' PWR TERM INT; else trap 'exit 0' PWR TERM INT; fi
export PATH=/bin:/sbin
ip link set lo up
if [ -n "$NEO_ADDRS" ]; then
	for a in $NEO_ADDRS; do ip addr add "$a" dev eth0; done
	ip link set eth0 up
fi
while :; do sleep 3600 & wait $!; done
`

// buildImage returns a unified LXD image tarball (metadata.yaml + rootfs/)
// holding busybox, a symlink per applet and initScript.
func buildImage(busybox string) ([]byte, error) {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list: %w", busybox, err)
	}
	now := time.Now()
	meta := fmt.Sprintf(`architecture: %s
creation_date: %d
properties:
  os: busybox
  release: "static"
  description: busybox-static test image
`, machine(), now.Unix())

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body []byte) error {
		h.ModTime = now
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	if err := add(&tar.Header{Name: "metadata.yaml", Mode: 0o644, Typeflag: tar.TypeReg}, []byte(meta)); err != nil {
		return nil, err
	}
	for _, d := range []string{"rootfs", "rootfs/bin", "rootfs/sbin", "rootfs/etc", "rootfs/dev", "rootfs/proc",
		"rootfs/sys", "rootfs/tmp", "rootfs/run", "rootfs/root"} {
		if err := add(&tar.Header{Name: d + "/", Mode: 0o755, Typeflag: tar.TypeDir}, nil); err != nil {
			return nil, err
		}
	}
	if err := add(&tar.Header{Name: "rootfs/bin/busybox", Mode: 0o755, Typeflag: tar.TypeReg}, bin); err != nil {
		return nil, err
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" || applet == "init" || strings.Contains(applet, "/") {
			continue
		}
		h := &tar.Header{Name: "rootfs/bin/" + applet, Linkname: "busybox", Mode: 0o777, Typeflag: tar.TypeSymlink}
		if err := add(h, nil); err != nil {
			return nil, err
		}
	}
	if err := add(&tar.Header{Name: "rootfs/sbin/init", Mode: 0o755, Typeflag: tar.TypeReg}, []byte(initScript)); err != nil {
		return nil, err
	}
	if err := add(&tar.Header{Name: "rootfs/etc/hostname", Mode: 0o644, Typeflag: tar.TypeReg}, []byte("busybox\n")); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// machine is the kernel's architecture name (x86_64, aarch64…), the form
// LXD expects in metadata.yaml.
func machine() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return "x86_64"
	}
	var b strings.Builder
	for _, c := range u.Machine {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}
