package lxdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const installHint = "install Debian's lxd and busybox-static: apt-get install lxd busybox-static"

// ImageAlias is the alias of the busybox image every daemon imports.
const ImageAlias = "busybox"

// Daemon is one running private LXD. Its fields are read-only.
type Daemon struct {
	Dir        string // LXD_DIR
	Socket     string // unix socket path
	HTTPSAddr  string // 127.0.0.1:port of the HTTPS listener
	ServerName string // environment.server_name (the host name)
	ServerCert string // PEM of the daemon's certificate, to pin over HTTPS
	ClientCert string // PEM of a client certificate the daemon trusts
	ClientKey  string // its key, PEM
	StartTook  time.Duration

	lxd, lxc string
	env      []string
	cmd      *exec.Cmd
	exited   chan struct{}

	mu       sync.Mutex
	projects map[string]bool
	addrs    int
}

// UnixEndpoint is the daemon's socket as an adapter endpoint.
func (d *Daemon) UnixEndpoint() string { return "unix://" + d.Socket }

// HTTPSEndpoint is the daemon's HTTPS listener as an adapter endpoint.
func (d *Daemon) HTTPSEndpoint() string { return "https://" + d.HTTPSAddr }

// Start starts a private LXD for t and stops it when t ends. It fails t when
// lxd, lxc or busybox is missing, or when not run as root.
func Start(t testing.TB) *Daemon {
	t.Helper()
	begin := time.Now()
	d, busybox := newDaemon(t)
	err := d.startProcess()
	if err == nil {
		err = d.preseed(func(addr string) string { return fmt.Sprintf(preseedYAML, addr) })
	}
	if err == nil {
		err = d.provision(busybox, true)
	}
	if err != nil {
		t.Fatalf("lxdtest: %v\n%s", err, d.logTail())
	}
	d.StartTook = time.Since(begin)
	t.Logf("lxdtest: LXD in %s ready in %v (socket, https://%s, image %q)", d.Dir, d.StartTook.Round(time.Millisecond), d.HTTPSAddr, ImageAlias)
	return d
}

// StartCluster starts one daemon per member name on this host: the first
// bootstraps an LXD cluster, the others join it. Each member has its own
// directory, socket and HTTPS address (its cluster address); they share the
// trust store, the image, profiles and projects, and present the cluster
// certificate over HTTPS. Launch through any member, placing containers
// with Spec.Target. Cleanup stops the joiners first.
func StartCluster(t testing.TB, members ...string) []*Daemon {
	t.Helper()
	if len(members) < 2 {
		t.Fatalf("lxdtest: a cluster needs two members or more, got %v", members)
	}
	begin := time.Now()
	first, busybox := newDaemon(t)
	err := first.startProcess()
	if err == nil {
		err = first.preseed(func(addr string) string {
			return fmt.Sprintf(preseedYAML+"cluster:\n  server_name: %s\n  enabled: true\n", addr, members[0])
		})
	}
	if err == nil {
		err = first.provision(busybox, false)
	}
	if err != nil {
		t.Fatalf("lxdtest: cluster member %s: %v\n%s", members[0], err, first.logTail())
	}
	out := []*Daemon{first}
	for _, name := range members[1:] {
		d, _ := newDaemon(t)
		if err := d.join(first, name); err != nil {
			t.Fatalf("lxdtest: cluster member %s: %v\n%s", name, err, d.logTail())
		}
		out = append(out, d)
	}
	// The certificate is trusted once every member has joined: LXD 5.0.2
	// loads the trust store into a member's cache when it starts and when
	// the store changes, not when the member joins, so a certificate added
	// before a join stays unknown to the joiner.
	if err := first.trustClient(); err != nil {
		t.Fatalf("lxdtest: %v", err)
	}
	took := time.Since(begin)
	for _, d := range out {
		d.StartTook = took
		d.ClientCert, d.ClientKey = first.ClientCert, first.ClientKey
	}
	t.Logf("lxdtest: LXD cluster of %v ready in %v (https://%s…)", members, took.Round(time.Millisecond), first.HTTPSAddr)
	return out
}

// newDaemon checks the tools and makes the daemon's directory; the daemon
// is stopped and the directory removed when t ends.
func newDaemon(t testing.TB) (d *Daemon, busybox string) {
	t.Helper()
	d = &Daemon{projects: map[string]bool{"default": true}}
	var missing []string
	for _, bin := range []struct {
		name string
		dst  *string
	}{{"lxd", &d.lxd}, {"lxc", &d.lxc}} {
		p, err := exec.LookPath(bin.name)
		if err != nil {
			missing = append(missing, bin.name)
		}
		*bin.dst = p
	}
	busybox, err := findBusybox()
	if err != nil {
		missing = append(missing, "busybox")
	}
	if len(missing) > 0 {
		t.Fatalf("lxdtest: %s not found: %s", strings.Join(missing, ", "), installHint)
	}
	if os.Geteuid() != 0 {
		t.Fatalf("lxdtest: LXD runs as root; run the tests as root (uid is %d)", os.Geteuid())
	}
	// A short directory: the unix socket path must fit in 108 bytes, and
	// t.TempDir's names grow with the test name.
	d.Dir, err = os.MkdirTemp(shortTempRoot(), "lxdt-")
	if err != nil {
		t.Fatalf("lxdtest: %v", err)
	}
	d.Socket = filepath.Join(d.Dir, "unix.socket")
	d.env = append(cleanEnv(), "LXD_DIR="+d.Dir, "LXD_CONF="+filepath.Join(d.Dir, "lxc-conf"))
	t.Cleanup(func() { d.stop(t) })
	return d, busybox
}

func findBusybox() (string, error) {
	if p, err := exec.LookPath("busybox"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("busybox not found")
}

func shortTempRoot() string {
	if root := os.TempDir(); len(root) <= 40 {
		return root
	}
	return "/tmp"
}

// cleanEnv is the environment without variables that would point lxd or
// lxc at another daemon.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "LXD_DIR", "LXD_SOCKET", "LXD_CONF", "LXD_INSECURE_TLS":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// startProcess starts the lxd process and waits until it is ready.
func (d *Daemon) startProcess() error {
	out, err := os.Create(filepath.Join(d.Dir, "lxd.out"))
	if err != nil {
		return err
	}
	defer out.Close()
	d.cmd = exec.Command(d.lxd, "--group", "root", "--logfile", filepath.Join(d.Dir, "lxd.log"))
	d.cmd.Env = d.env
	d.cmd.Stdout, d.cmd.Stderr = out, out
	// Its own process group, so cleanup can kill the daemon and its helpers
	// together; SIGPWR if the test binary dies, which makes LXD stop its
	// containers and exit.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGPWR}
	if err := d.cmd.Start(); err != nil {
		return fmt.Errorf("start lxd: %w", err)
	}
	d.exited = make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	return d.waitReady(30 * time.Second)
}

// waitReady runs `lxd waitready`, failing early if the daemon exits.
func (d *Daemon) waitReady(limit time.Duration) error {
	done := make(chan error, 1)
	go func() {
		_, err := d.run(nil, d.lxd, "waitready", fmt.Sprintf("--timeout=%d", int(limit.Seconds())))
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-d.exited:
		return fmt.Errorf("lxd exited before it was ready: %v", d.cmd.ProcessState)
	}
}

// run runs lxd or lxc against this daemon, bounded to a minute.
func (d *Daemon) run(stdin []byte, bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = d.env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), strings.Join(args, " "),
			err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Lxc runs the lxc client against the daemon and returns its output.
func (d *Daemon) Lxc(t testing.TB, args ...string) string {
	t.Helper()
	out, err := d.run(nil, d.lxc, args...)
	if err != nil {
		t.Fatalf("lxdtest: %v", err)
	}
	return out
}

// TrustToken issues a single-use token a client presents to have its
// certificate trusted (`lxc config trust add --name name`).
func (d *Daemon) TrustToken(t testing.TB, name string) string {
	t.Helper()
	out := d.Lxc(t, "config", "trust", "add", "--name", name)
	lines := strings.Fields(out)
	if len(lines) == 0 {
		t.Fatalf("lxdtest: no token in %q", out)
	}
	return lines[len(lines)-1]
}

// SetTrustPassword sets core.trust_password (LXD 5.0's older way to onboard).
func (d *Daemon) SetTrustPassword(t testing.TB, password string) {
	t.Helper()
	d.Lxc(t, "config", "set", "core.trust_password", password)
}

func (d *Daemon) logTail() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "lxd.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "lxd.log:\n" + strings.Join(lines, "\n")
}
