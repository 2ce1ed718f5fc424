package azure

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
)

// execVMs are the ids of n running VMs with the given OS.
func execVMs(t *testing.T, a *simAccount, os string, n int) []string {
	t.Helper()
	var ids []string
	for _, vm := range a.fleet.List(func(vm *sim.VM) bool { return vm.State == sim.Running && vm.OS == os }) {
		ids = append(ids, vm.ID)
	}
	if len(ids) < n {
		t.Fatalf("%d running %s VMs, want %d", len(ids), os, n)
	}
	return ids[:n]
}

func execCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestExecScriptOnStdin(t *testing.T) {
	a := startSim(t, 20, 100, false)
	p := a.provider(t, nil)
	id := execVMs(t, a, "Linux", 1)[0]
	script := "set -e\n" +
		"tailscale up --auth-key='tskey-auth-k1' --hostname=web-1 --advertise-tags=tag:server\n" +
		"echo 'enrolled web-1'\n" +
		"echo 'a warning' >&2\n"
	res, err := p.Exec(execCtx(t), id, []string{"sh", "-s"}, []byte(script))
	if err != nil {
		t.Fatalf("Exec: %v", err)
	}
	want := providers.ExecResult{ExitCode: 0, Stdout: "enrolled web-1\n", Stderr: "a warning\n"}
	if res != want {
		t.Errorf("Exec = %+v, want %+v", res, want)
	}
	runs := a.srv.RunCommands(strings.ToUpper(id)) // ARM ids are case-insensitive
	if len(runs) != 2 {
		t.Fatalf("RunCommands = %q, want the Run Command script and the one sh read", runs)
	}
	if strings.Contains(runs[0], "tskey-auth-k1") || !strings.Contains(runs[0], "env -- 'sh' '-s'") {
		t.Errorf("Run Command script should carry stdin as base64 and run sh -s:\n%s", runs[0])
	}
	if runs[1] != script {
		t.Errorf("sh read %q, want %q", runs[1], script)
	}
	if !strings.Contains(runs[1], "tailscale up --auth-key='tskey-auth-k1' --hostname=web-1") {
		t.Errorf("tailscale up not recorded: %q", runs[1])
	}
}

func TestExecExitCodesAndOutput(t *testing.T) {
	a := startSim(t, 20, 100, false)
	p := a.provider(t, nil)
	id := execVMs(t, a, "Linux", 1)[0]
	for _, tc := range []struct {
		argv  []string
		stdin string
		want  providers.ExecResult
	}{
		{[]string{"true"}, "", providers.ExecResult{}},
		{[]string{"false"}, "", providers.ExecResult{ExitCode: 1}},
		{[]string{"sh", "-c", "exit 3"}, "", providers.ExecResult{ExitCode: 3}},
		{[]string{"sh", "-s"}, "echo before\nexit 42\necho after\n", providers.ExecResult{ExitCode: 42, Stdout: "before\n"}},
		{[]string{"sh", "-c", "echo out; echo err >&2; false"}, "", providers.ExecResult{ExitCode: 1, Stdout: "out\n", Stderr: "err\n"}},
		// No trailing newline: the marker's own newline is not the command's.
		{[]string{"printf", "no newline"}, "", providers.ExecResult{Stdout: "no newline"}},
		// Quoting: nothing in argv is interpreted.
		{[]string{"echo", "it's", "$HOME; exit 9"}, "", providers.ExecResult{Stdout: "it's $HOME; exit 9\n"}},
		{[]string{"cat"}, "line 1\nline 2 __NEOCONSOLE_STDIN__\n", providers.ExecResult{Stdout: "line 1\nline 2 __NEOCONSOLE_STDIN__\n"}},
	} {
		res, err := p.Exec(execCtx(t), id, tc.argv, []byte(tc.stdin))
		if err != nil {
			t.Errorf("Exec %q: %v", tc.argv, err)
			continue
		}
		if res != tc.want {
			t.Errorf("Exec %q = %+v, want %+v", tc.argv, res, tc.want)
		}
	}
}

func TestExecErrors(t *testing.T) {
	a := startSim(t, 20, 100, false)
	p := a.provider(t, nil)
	ids := execVMs(t, a, "Linux", 2)
	stopped := ids[1]
	if err := p.Power(execCtx(t), stopped, providers.Stop); err != nil {
		t.Fatalf("deallocate: %v", err)
	}
	win := execVMs(t, a, "Windows", 1)[0]
	sub, group := strings.Split(ids[0], "/")[2], strings.Split(ids[0], "/")[4]
	for _, tc := range []struct {
		name, id string
		want     error
		mention  string
	}{
		{"unknown VM", "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.Compute/virtualMachines/nope", providers.ErrNotFound, "ResourceNotFound"},
		{"malformed id", "vm-1", providers.ErrNotFound, "not a VM resource id"},
		{"deallocated", stopped, providers.ErrInvalidState, "OperationNotAllowed"},
		{"windows", win, providers.ErrInvalidState, "install link"},
	} {
		_, err := p.Exec(execCtx(t), tc.id, []string{"true"}, nil)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: Exec = %v, want %v mentioning %q", tc.name, err, tc.want, tc.mention)
		}
	}
	if _, err := p.Exec(execCtx(t), ids[0], nil, nil); err == nil {
		t.Error("Exec with an empty argv succeeded")
	}
	if n := len(a.srv.RunCommands(stopped)) + len(a.srv.RunCommands(win)); n != 0 {
		t.Errorf("%d scripts ran on VMs that cannot run them", n)
	}
}

func TestExecContextEnds(t *testing.T) {
	a := startSim(t, 20, 100, false)
	p := a.provider(t, nil)
	id := execVMs(t, a, "Linux", 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Exec(ctx, id, []string{"sh", "-c", "sleep 30"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Exec past its deadline = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Exec returned after %v", d)
	}
	// Run Command cannot be cancelled: the VM is busy until it ends.
	_, err = p.Exec(execCtx(t), id, []string{"true"}, nil)
	if !errors.Is(err, providers.ErrInvalidState) || !strings.Contains(err.Error(), "in progress") {
		t.Errorf("Exec while a Run Command runs = %v, want ErrInvalidState (Conflict)", err)
	}
}

func TestExecThrottled(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out four Retry-After delays")
	}
	a := startSim(t, 20, 100, false)
	p := a.provider(t, nil)
	id := execVMs(t, a, "Linux", 1)[0]
	a.srv.Faults.Throttle(1000)
	defer a.srv.Faults.Throttle(0)
	if _, err := p.Exec(execCtx(t), id, []string{"true"}, nil); !errors.Is(err, providers.ErrThrottled) {
		t.Errorf("Exec under endless throttling = %v, want ErrThrottled", err)
	}
}

func TestParseRunResult(t *testing.T) {
	status := func(code, msg string) *armcompute.InstanceViewStatus {
		return &armcompute.InstanceViewStatus{Code: to.Ptr(code), Message: to.Ptr(msg)}
	}
	// The Windows agent's shape: one status a stream.
	res, err := parseRunResult([]*armcompute.InstanceViewStatus{
		status("ComponentStatus/StdOut/succeeded", "hello\n\n__neoconsole_exit=7\n"),
		status("ComponentStatus/StdErr/succeeded", "oops\n"),
	})
	if want := (providers.ExecResult{ExitCode: 7, Stdout: "hello\n", Stderr: "oops\n"}); err != nil || res != want {
		t.Errorf("ComponentStatus shape = %+v, %v; want %+v", res, err, want)
	}
	// The Linux agent's, where stdout itself prints the marker text first.
	res, err = parseRunResult([]*armcompute.InstanceViewStatus{status("ProvisioningState/succeeded",
		"Enable succeeded: \n[stdout]\nx\n__neoconsole_exit=1\n\n[stderr]\ny\n\n__neoconsole_exit=0\n\n[stderr]\nerr\n")})
	if want := (providers.ExecResult{Stdout: "x\n__neoconsole_exit=1\n\n[stderr]\ny\n", Stderr: "err\n"}); err != nil || res != want {
		t.Errorf("ProvisioningState shape = %+v, %v; want %+v", res, err, want)
	}
	// Output over the cap is cut.
	big := strings.Repeat("é", providers.MaxExecOutput)
	res, err = parseRunResult([]*armcompute.InstanceViewStatus{status("ComponentStatus/StdOut/succeeded", big+"\n__neoconsole_exit=0")})
	if err != nil || len(res.Stdout) > providers.MaxExecOutput || !strings.HasPrefix(big, res.Stdout) {
		t.Errorf("big output: %d bytes, %v", len(res.Stdout), err)
	}
	// No marker: the command did not finish.
	if _, err := parseRunResult([]*armcompute.InstanceViewStatus{status("ProvisioningState/failed",
		"Enable failed: command timed out\n[stdout]\n\n[stderr]\n")}); err == nil {
		t.Error("output without the exit marker parsed")
	}
}

func TestRunScriptLines(t *testing.T) {
	lines := runScript([]string{"sh", "-s"}, []byte(strings.Repeat("x", 100)))
	if lines[0] != "base64 -d <<'__NEOCONSOLE_STDIN__' | env -- 'sh' '-s'" {
		t.Errorf("first line %q", lines[0])
	}
	for _, l := range lines[1 : len(lines)-2] {
		if len(l) > stdinLine {
			t.Errorf("base64 line of %d columns", len(l))
		}
	}
	if lines[len(lines)-2] != stdinDelim || !strings.HasPrefix(lines[len(lines)-1], "printf '\\n__neoconsole_exit=%d\\n' \"$?\"") {
		t.Errorf("script ends %q", lines[len(lines)-2:])
	}
}
