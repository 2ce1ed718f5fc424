package lxd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/lxd/lxdtest"
)

// stubTailscale stands in for the tailscale CLI: it records its arguments.
const stubTailscale = "#!/bin/sh\necho \"$@\" > /tmp/tailscale-args\n"

// TestExec runs commands in real containers of a real daemon, over the unix
// socket and over HTTPS (wss:// websockets).
func TestExec(t *testing.T) {
	d := lxdtest.Start(t)
	d.LaunchAll(t, lxdtest.Spec{Name: "guest1"}, lxdtest.Spec{Name: "off1", Stopped: true})
	unix := newTestProvider(t, &Config{Endpoint: d.UnixEndpoint()}).(*Provider)
	https := newTestProvider(t, &Config{Endpoint: d.HTTPSEndpoint(), ClientCert: d.ClientCert, ClientKey: d.ClientKey,
		ServerCert: d.ServerCert}).(*Provider)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"))
	defer https.Close()

	for _, tc := range []struct {
		name string
		p    *Provider
	}{{"unix", unix}, {"https", https}} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			run := func(argv []string, stdin string) providers.ExecResult {
				t.Helper()
				res, err := p.Exec(testCtx(t), "default/guest1", argv, []byte(stdin))
				if err != nil {
					t.Fatalf("Exec(%q): %v", argv, err)
				}
				return res
			}

			// The stub goes in through stdin.
			res := run([]string{"sh", "-c", "mkdir -p /usr/local/bin && cat > /usr/local/bin/tailscale && chmod 755 /usr/local/bin/tailscale"},
				stubTailscale)
			if res.ExitCode != 0 || res.Stderr != "" {
				t.Fatalf("installing the stub: %+v", res)
			}
			up := []string{"tailscale", "up", "--login-server=http://x", "--authkey=hskey-auth-test"}
			if res := run(up, ""); res.ExitCode != 0 {
				t.Fatalf("Exec(%q) = %+v, want exit 0", up, res)
			}
			if res := run([]string{"cat", "/tmp/tailscale-args"}, ""); res.Stdout != "up --login-server=http://x --authkey=hskey-auth-test\n" {
				t.Errorf("the stub recorded %q, want the arguments of tailscale up", res.Stdout)
			}

			res = run([]string{"sh", "-c", "echo out; echo err >&2; exit 3"}, "")
			if res != (providers.ExecResult{ExitCode: 3, Stdout: "out\n", Stderr: "err\n"}) {
				t.Errorf("exit 3 with output: %+v", res)
			}
			// No shell: metacharacters in argv reach the command as they are.
			if res := run([]string{"echo", "$HOME;", "`id`", "a b"}, ""); res.Stdout != "$HOME; `id` a b\n" {
				t.Errorf("echo of shell metacharacters = %q", res.Stdout)
			}
			if res := run([]string{"head", "-c", "200000", "/dev/zero"}, ""); len(res.Stdout) != providers.MaxExecOutput {
				t.Errorf("200000 bytes of output kept as %d, want %d", len(res.Stdout), providers.MaxExecOutput)
			}
			if res := run([]string{"no-such-command"}, ""); res.ExitCode != 127 || !strings.Contains(res.Stderr, "not found") {
				t.Errorf("a missing command = %+v, want exit 127, not found", res)
			}
			if res := run([]string{"/etc/hostname"}, ""); res.ExitCode != 126 {
				t.Errorf("a file that is not executable = %+v, want exit 126", res)
			}
		})
	}

	t.Run("Errors", func(t *testing.T) {
		for _, c := range []struct {
			id   string
			want error
		}{
			{"default/no-such-vm", providers.ErrNotFound},
			{"nowhere/guest1", providers.ErrNotFound},
			{"default/off1", providers.ErrInvalidState},
		} {
			_, err := unix.Exec(testCtx(t), c.id, []string{"true"}, nil)
			if !errors.Is(err, c.want) {
				t.Errorf("Exec(%s) = %v, want %v", c.id, err, c.want)
			}
		}
		if _, err := unix.Exec(testCtx(t), "default/guest1", nil, nil); err == nil {
			t.Error("Exec with no command succeeded")
		}
	})

	t.Run("Cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		begin := time.Now()
		_, err := https.Exec(ctx, "default/guest1", []string{"sleep", "3599"}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Exec(sleep 3599), cancelled = %v, want context.Canceled", err)
		}
		if took := time.Since(begin); took > 3*time.Second {
			t.Errorf("Exec took %v to notice the cancellation", took)
		}
		// The command was killed, not left running. (The image's init has a
		// sleep 3600 of its own.)
		var ps string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			res, err := unix.Exec(testCtx(t), "default/guest1", []string{"ps"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ps = res.Stdout; !strings.Contains(ps, "sleep 3599") {
				return
			}
		}
		t.Errorf("sleep 3599 still runs after the cancellation:\n%s", ps)
	})
}
