package proxmox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/pvesim"
)

// execHarness is a small cluster: a running VM with an agent (100), a
// container (101), a stopped VM (102) and a running VM without an agent
// (103), served over TLS.
func execHarness(t *testing.T, opts pvesim.Options) (*harness, *Provider) {
	t.Helper()
	fleet := sim.NewFleet()
	fleet.Transition = 200 * time.Millisecond
	fleet.Add(sim.VM{ID: "100", Name: "web-1", Kind: "qemu", Host: "pve1", State: sim.Running, PrivateIP: "10.0.0.100"})
	fleet.Add(sim.VM{ID: "101", Name: "dns-1", Kind: "lxc", Host: "pve2", State: sim.Running, PrivateIP: "10.0.0.101"})
	fleet.Add(sim.VM{ID: "102", Name: "db-1", Kind: "qemu", Host: "pve2", State: sim.Stopped})
	fleet.Add(sim.VM{ID: "103", Name: "ci-1", Kind: "qemu", Host: "pve3", State: sim.Running, PrivateIP: "10.0.0.103",
		Tags: map[string]string{pvesim.TagNoAgent: "1"}})
	// pve1 stays a node of the cluster when its guests migrate away.
	opts.Nodes = append(opts.Nodes, "pve1", "pve2", "pve3")
	h := serve(t, fleet, opts)
	return h, h.provider(t, nil)
}

func TestExec(t *testing.T) {
	for _, login := range []string{"token", "ticket"} {
		t.Run(login, func(t *testing.T) {
			t.Parallel()
			h, p := execHarness(t, pvesim.Options{})
			if login == "ticket" {
				// Writes with a ticket carry the CSRF token.
				p = h.provider(t, func(m map[string]any) {
					delete(m, "tokenId")
					delete(m, "tokenSecret")
					m["username"], m["password"] = "root@pam", "pvesim-password"
				})
			}
			up := []string{"tailscale", "up", "--login-server=http://x", "--authkey=hskey-auth-test", "--hostname=web-1"}
			for _, tc := range []struct {
				argv  []string
				stdin string
				want  providers.ExecResult
			}{
				{up, "", providers.ExecResult{}},
				{[]string{"echo", "$HOME;", "a b"}, "", providers.ExecResult{Stdout: "$HOME; a b\n"}},
				{[]string{"cat"}, "from stdin\n", providers.ExecResult{Stdout: "from stdin\n"}},
				{[]string{"false"}, "", providers.ExecResult{ExitCode: 1}},
				{[]string{"cat", "/nope"}, "", providers.ExecResult{ExitCode: 1, Stderr: "cat: /nope: No such file or directory\n"}},
				{[]string{"sleep", "0.5"}, "", providers.ExecResult{}},
			} {
				got, err := p.Exec(testCtx(t), "qemu/100", tc.argv, []byte(tc.stdin))
				if err != nil || got != tc.want {
					t.Errorf("Exec(qemu/100, %q) = %+v, %v, want %+v", tc.argv, got, err, tc.want)
				}
			}
			got, err := p.Exec(testCtx(t), "qemu/100", []string{"no-such-program"}, nil)
			if err != nil || got.ExitCode != 127 || !strings.Contains(got.Stderr, "No such file or directory") {
				t.Errorf("Exec of a missing program = %+v, %v, want exit 127 and the agent's message", got, err)
			}
			ran := h.sim.Executed("100")
			if len(ran) != 6 || !slices.Equal(ran[0], up) {
				t.Errorf("the guest ran %q, want 6 commands, the first %q", ran, up)
			}
		})
	}
}

func TestExecErrors(t *testing.T) {
	h, p := execHarness(t, pvesim.Options{})
	for _, tc := range []struct {
		id   string
		want error
		text string
	}{
		{"qemu/555", providers.ErrNotFound, ""},
		{"vm-100", providers.ErrNotFound, ""},
		{"lxc/100", providers.ErrNotFound, ""},
		{"qemu/102", providers.ErrInvalidState, "not running"},
		{"qemu/103", providers.ErrInvalidState, "QEMU guest agent is not running"},
		{"lxc/101", providers.ErrInvalidState, "use the install link"},
	} {
		_, err := p.Exec(testCtx(t), tc.id, []string{"true"}, nil)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("Exec(%s) = %v, want %v saying %q", tc.id, err, tc.want, tc.text)
		}
	}
	if _, err := p.Exec(testCtx(t), "lxc/101", []string{"true"}, nil); !errors.Is(err, ErrNoExecForLXC) {
		t.Errorf("Exec(lxc/101) = %v, want ErrNoExecForLXC", err)
	}
	if _, err := p.Exec(testCtx(t), "qemu/100", nil, nil); err == nil {
		t.Error("Exec with no command succeeded")
	}
	h.sim.SetOffline("pve1", true)
	if _, err := p.Exec(testCtx(t), "qemu/100", []string{"true"}, nil); !errors.Is(err, providers.ErrUnreachable) {
		t.Errorf("Exec on an offline node = %v, want ErrUnreachable", err)
	}
	h.sim.SetOffline("pve1", false)
	if n := len(h.sim.Executed("100")); n != 0 {
		t.Errorf("refused commands were run: %d", n)
	}
}

// A VM that migrated after the last listing is found on its new node.
func TestExecAfterMigration(t *testing.T) {
	h, p := execHarness(t, pvesim.Options{})
	if got := listAll(t, p)["qemu/100"].Host; got != "pve1" {
		t.Fatalf("qemu/100 listed on %s", got)
	}
	if err := h.sim.Fleet.Mutate("100", func(v *sim.VM) { v.Host = "pve3" }); err != nil {
		t.Fatal(err)
	}
	if got, err := p.Exec(testCtx(t), "qemu/100", []string{"echo", "moved"}, nil); err != nil || got.Stdout != "moved\n" {
		t.Errorf("Exec after migration = %+v, %v", got, err)
	}
}

func TestExecCancelled(t *testing.T) {
	_, p := execHarness(t, pvesim.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	begin := time.Now()
	_, err := p.Exec(ctx, "qemu/100", []string{"sleep", "3600"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Exec(sleep 3600), cancelled = %v, want context.Canceled", err)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("Exec took %v to notice the cancellation", took)
	}
}

func TestExecStatusDecoding(t *testing.T) {
	one, sig := 3, 9
	for _, tc := range []struct {
		st   execStatus
		want providers.ExecResult
	}{
		{execStatus{Exited: true, ExitCode: &one, OutData: "o", ErrData: "e"}, providers.ExecResult{ExitCode: 3, Stdout: "o", Stderr: "e"}},
		{execStatus{Exited: true, Signal: &sig}, providers.ExecResult{ExitCode: 137}},
		{execStatus{Exited: true, OutData: strings.Repeat("é", providers.MaxExecOutput)},
			providers.ExecResult{Stdout: strings.Repeat("é", providers.MaxExecOutput/2)}},
		{execStatus{Exited: true, OutData: "x" + strings.Repeat("é", providers.MaxExecOutput)},
			providers.ExecResult{Stdout: "x" + strings.Repeat("é", providers.MaxExecOutput/2-1)}},
	} {
		if got := tc.st.result(); got != tc.want {
			t.Errorf("result() = %d/%d bytes exit %d, want %d/%d bytes exit %d", len(got.Stdout), len(got.Stderr), got.ExitCode,
				len(tc.want.Stdout), len(tc.want.Stderr), tc.want.ExitCode)
		}
	}
	for in, want := range map[string]bool{`1`: true, `true`: true, `0`: false, `false`: false, `null`: false} {
		var f flag
		if err := f.UnmarshalJSON([]byte(in)); err != nil || bool(f) != want {
			t.Errorf("flag(%s) = %v, %v, want %v", in, f, err, want)
		}
	}
}
