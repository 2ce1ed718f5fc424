package providers

import (
	"context"
	"unicode/utf8"
)

// MaxExecOutput is how much of a command's standard output, and of its
// standard error, an Executor keeps: the first 64 KiB of each.
const MaxExecOutput = 64 << 10

// Executor is implemented by adapters that can run a command inside a
// guest through the provider itself, with no network path to the guest and
// no credentials on it: LXD (every instance, through the daemon) and
// Proxmox VE (qemu VMs, through the QEMU guest agent). Callers find out
// with a type assertion:
//
//	if x, ok := p.(providers.Executor); ok { res, err := x.Exec(ctx, id, argv, nil) }
//
// Exec runs argv (argv[0] is looked up in the guest's PATH; no shell is
// involved, so nothing in argv is interpreted) as the guest's root user,
// feeds it stdin (nil: empty input) and waits for it to end. A command
// that ran is a nil error whatever its exit code; the error is for a
// command that could not be run: an unknown guest (ErrNotFound), a guest
// that is stopped or cannot run commands (ErrInvalidState), the provider
// refusing the credentials or out of reach (ErrAuth, ErrUnreachable), or
// ctx ending first (the error wraps ctx.Err()). What happens to a command
// still running when ctx ends depends on the provider: see the adapter.
type Executor interface {
	Exec(ctx context.Context, vmID string, argv []string, stdin []byte) (ExecResult, error)
}

// ExecResult is how a command run by an Executor ended.
type ExecResult struct {
	// ExitCode is the command's exit status; a command killed by signal n
	// reports 128+n, as shells do.
	ExitCode int `json:"exitCode"`
	// Stdout and Stderr are the first MaxExecOutput bytes of each stream
	// (cut at a UTF-8 boundary when the cut falls inside a character).
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// CapOutput returns b as a string of at most MaxExecOutput bytes. Adapters
// use it so every Executor caps output the same way.
func CapOutput(b []byte) string {
	if len(b) <= MaxExecOutput {
		return string(b)
	}
	b = b[:MaxExecOutput]
	// Drop a character the cut split (its first byte is in the last 3).
	for i := len(b) - 1; i >= 0 && i >= len(b)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return string(b)
}

// BootScripter is implemented by adapters whose provider cannot run a
// command in a running guest and wait for it, but can hand the guest a
// script to run at its next boot (GCE's startup-script metadata). The
// console uses it to enroll such VMs.
type BootScripter interface {
	// SetBootScript installs script (a POSIX sh script) to run at the
	// guest's next boot and says, in one sentence for the admin, what will
	// happen and what to do (e.g. "reset the VM to run it now").
	SetBootScript(ctx context.Context, vmID string, script string) (note string, err error)
}
