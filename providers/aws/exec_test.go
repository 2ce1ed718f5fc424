package aws

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers"
	"github.com/neogenesys/console/providers/sim"
	"github.com/neogenesys/console/providers/sim/ec2sim"
)

func (e *simEnv) stopped(t *testing.T) sim.VM {
	t.Helper()
	for _, vm := range e.fleet.List(nil) {
		if vm.State == sim.Stopped {
			return vm
		}
	}
	t.Fatal("no stopped VM")
	return sim.VM{}
}

func TestExecScriptOnStdin(t *testing.T) {
	env := newSimEnv(t, 12, ec2sim.Options{})
	p := env.provider(t, nil)
	id := env.running()
	script := `#!/bin/sh
set -e
echo "joining the tailnet"
tailscale up --login-server=https://hs.example.test --authkey='tskey-auth-k1 x' --hostname=web-1 --accept-routes
echo 'warning: it'"'"'s a test' >&2
exit 0
echo unreachable
`
	res, err := p.Exec(testCtx(t), id, []string{"sh", "-s"}, []byte(script))
	if err != nil {
		t.Fatalf("Exec: %v", err)
	}
	if res.ExitCode != 0 || res.Stdout != "joining the tailnet\n" || res.Stderr != "warning: it's a test\n" {
		t.Errorf("Exec = %+v", res)
	}
	ran := env.sim.SSMCommands(id)
	want := "tailscale up --login-server=https://hs.example.test --authkey=tskey-auth-k1 x --hostname=web-1 --accept-routes"
	if !slices.Contains(ran, "sh -s") || !slices.Contains(ran, want) {
		t.Errorf("SSMCommands = %q, want sh -s and %q", ran, want)
	}
	if slices.Contains(ran, "echo unreachable") {
		t.Errorf("the script ran past its exit: %q", ran)
	}
	invs := env.sim.SSMInvocations(id)
	if len(invs) != 1 || invs[0].Status != "Success" || !strings.Contains(invs[0].Script, "| base64 -d | 'sh' '-s'") {
		t.Errorf("SSMInvocations = %+v", invs)
	}
}

func TestExecExitCodesAndQuoting(t *testing.T) {
	env := newSimEnv(t, 12, ec2sim.Options{})
	p := env.provider(t, nil)
	id := env.running()
	for _, c := range []struct {
		argv         []string
		code         int
		stdout, errs string
	}{
		{[]string{"true"}, 0, "", ""},
		{[]string{"false"}, 1, "", ""},
		{[]string{"sh", "-c", "echo out; echo err >&2; exit 7"}, 7, "out\n", "err\n"},
		// Nothing in argv is interpreted: no second command, no redirection.
		{[]string{"echo", "it's; rm -rf / >&2", "$HOME"}, 0, "it's; rm -rf / >&2 $HOME\n", ""},
		{[]string{"cat"}, 0, "", ""},
	} {
		res, err := p.Exec(testCtx(t), id, c.argv, nil)
		if err != nil {
			t.Errorf("Exec %q: %v", c.argv, err)
			continue
		}
		if res.ExitCode != c.code || res.Stdout != c.stdout || res.Stderr != c.errs {
			t.Errorf("Exec %q = %+v, want %d %q %q", c.argv, res, c.code, c.stdout, c.errs)
		}
	}
	if slices.Contains(env.sim.SSMCommands(id), "rm -rf /") {
		t.Error("a quoted argument ran as a command")
	}
	res, err := p.Exec(testCtx(t), id, []string{"cat"}, []byte("bytes \x00é'\"\n"))
	if err != nil || res.Stdout != "bytes \x00é'\"\n" {
		t.Errorf("cat of stdin = %+v, %v", res, err)
	}
	if _, err := p.Exec(testCtx(t), id, nil, nil); err == nil {
		t.Error("Exec of no command succeeded")
	}
	if _, err := p.Exec(testCtx(t), id, []string{"cat"}, make([]byte, maxExecStdin+1)); err == nil {
		t.Error("Exec with too much stdin succeeded")
	}
}

func TestExecNotFoundAndStopped(t *testing.T) {
	env := newSimEnv(t, 12, ec2sim.Options{})
	p := env.provider(t, nil)
	for _, id := range []string{"i-0123456789abcdef0", "not-an-id"} {
		if _, err := p.Exec(testCtx(t), id, []string{"true"}, nil); !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("Exec on %s = %v, want ErrNotFound", id, err)
		}
	}
	// Known region, gone instance: SSM's InvalidInstanceId, then EC2 says
	// it does not exist.
	p.located.set("i-0123456789abcdef0", "us-east-1")
	if _, err := p.Exec(testCtx(t), "i-0123456789abcdef0", []string{"true"}, nil); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Exec on a gone instance = %v, want ErrNotFound", err)
	}
	vm := env.stopped(t)
	_, err := p.Exec(testCtx(t), vm.ID, []string{"true"}, nil)
	if !errors.Is(err, providers.ErrInvalidState) || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("Exec on a stopped instance = %v, want ErrInvalidState saying stopped", err)
	}
	if len(env.sim.SSMCommands(vm.ID)) != 0 {
		t.Error("a stopped instance ran commands")
	}
}

func TestExecContextCancel(t *testing.T) {
	env := newSimEnv(t, 12, ec2sim.Options{})
	p := env.provider(t, nil)
	id := env.running()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Exec(ctx, id, []string{"sleep", "60"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Exec past its deadline = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Exec took %v to notice its deadline", d)
	}
	invs := env.sim.SSMInvocations(id)
	if len(invs) != 1 || invs[0].Status != "Cancelled" {
		t.Errorf("after ctx ended the command is %+v, want Cancelled", invs)
	}
}

func TestExecThrottlingAndAuth(t *testing.T) {
	env := newSimEnv(t, 12, ec2sim.Options{})
	p := env.provider(t, nil)
	id := env.running()
	env.sim.ThrottleSSM(2)
	if res, err := p.Exec(testCtx(t), id, []string{"echo", "ok"}, nil); err != nil || res.Stdout != "ok\n" {
		t.Errorf("Exec through 2 throttled calls = %+v, %v", res, err)
	}
	env.sim.ThrottleSSM(maxAttempts)
	if _, err := p.Exec(testCtx(t), id, []string{"true"}, nil); !errors.Is(err, providers.ErrThrottled) {
		t.Errorf("Exec throttled %d times = %v, want ErrThrottled", maxAttempts, err)
	}
	env.sim.ThrottleSSM(0)

	vm, _ := env.fleet.Get(id)
	bad := env.provider(t, func(c *Config) { c.SecretAccessKey = "wrong" })
	bad.located.set(id, vm.Region)
	if _, err := bad.Exec(testCtx(t), id, []string{"true"}, nil); !errors.Is(err, providers.ErrAuth) {
		t.Errorf("Exec with a wrong secret = %v, want ErrAuth", err)
	}
}

func TestExecResultMapping(t *testing.T) {
	for _, c := range []struct {
		inv      getCommandInvocationOutput
		done     bool
		code     int
		sentinel error
	}{
		{getCommandInvocationOutput{Status: "InProgress", ResponseCode: -1}, false, 0, nil},
		{getCommandInvocationOutput{Status: "Success", StatusDetails: "Success"}, true, 0, nil},
		{getCommandInvocationOutput{Status: "Failed", StatusDetails: "Failed", ResponseCode: 2}, true, 2, nil},
		{getCommandInvocationOutput{Status: "TimedOut", StatusDetails: "ExecutionTimedOut", ResponseCode: -1}, true, 137, nil},
		{getCommandInvocationOutput{Status: "TimedOut", StatusDetails: "DeliveryTimedOut", ResponseCode: -1}, true, 0, providers.ErrInvalidState},
		{getCommandInvocationOutput{Status: "Failed", StatusDetails: "Undeliverable", ResponseCode: -1}, true, 0, providers.ErrInvalidState},
		{getCommandInvocationOutput{Status: "Failed", StatusDetails: "Failed", ResponseCode: -1}, true, 0, providers.ErrInvalidState},
	} {
		res, done, err := result("test", c.inv)
		if done != c.done || (c.sentinel == nil) != (err == nil) || c.sentinel != nil && !errors.Is(err, c.sentinel) ||
			err == nil && res.ExitCode != c.code {
			t.Errorf("result(%+v) = %+v, %v, %v", c.inv, res, done, err)
		}
	}
	big := strings.Repeat("é", providers.MaxExecOutput)
	res, _, _ := result("test", getCommandInvocationOutput{Status: "Success", StandardOutputContent: big, StandardErrorContent: big})
	if len(res.Stdout) > providers.MaxExecOutput || len(res.Stderr) > providers.MaxExecOutput {
		t.Errorf("output not capped: %d, %d", len(res.Stdout), len(res.Stderr))
	}
}
