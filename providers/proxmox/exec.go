package proxmox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/neogenesys/console/providers"
)

var _ providers.Executor = (*Provider)(nil)

const (
	// execTimeout bounds one command when the caller's context does not
	// end sooner.
	execTimeout = 10 * time.Minute
	// execFirstPoll and execPoll pace the exec-status polls: quick ones
	// catch short commands, doubling up to one a second.
	execFirstPoll = 50 * time.Millisecond
	execPoll      = time.Second
)

// ErrNoExecForLXC is returned by Exec for lxc guests: PVE's API has no
// guest agent (nor any other way to run a command) for containers.
var ErrNoExecForLXC = fmt.Errorf("%w: exec is not available for lxc guests on Proxmox; use the install link", providers.ErrInvalidState)

// Exec implements providers.Executor for qemu VMs through the QEMU guest
// agent: POST /nodes/{node}/qemu/{vmid}/agent/exec {command: argv,
// input-data: stdin} answers a pid, then GET …/agent/exec-status?pid= is
// polled until the process has exited (exitcode, out-data, err-data; PVE
// decodes the agent's base64). The command runs as the user qemu-ga runs as
// (root on Linux, SYSTEM on Windows), with no shell.
//
// The VM must run qemu-guest-agent with the agent option enabled; otherwise
// PVE answers "QEMU guest agent is not running", which is
// providers.ErrInvalidState, as is a stopped VM. lxc guests get
// ErrNoExecForLXC. A program the agent cannot start ("Failed to execute
// child process") is exit code 127 with the agent's message as stderr.
// The token needs VM.Monitor (PVE 8) or VM.GuestAgent.Unrestricted (PVE 9)
// on the guest.
//
// The agent has no way to stop a process: when ctx ends, Exec returns at
// once and the command runs on in the guest.
func (p *Provider) Exec(ctx context.Context, id string, argv []string, stdin []byte) (providers.ExecResult, error) {
	where := "exec " + id
	typ, vmid, err := parseID(id)
	if err != nil {
		return providers.ExecResult{}, fmt.Errorf("proxmox %s: %w: %w", where, providers.ErrNotFound, err)
	}
	if len(argv) == 0 || argv[0] == "" {
		return providers.ExecResult{}, fmt.Errorf("proxmox %s: empty command", where)
	}
	where += " " + argv[0]
	ctx, cancel := context.WithTimeout(ctx, execTimeout)
	defer cancel()
	node, cached := p.cachedNode(id)
	if !cached {
		if node, err = p.locate(ctx, id); err != nil {
			return providers.ExecResult{}, classify(where, err)
		}
	}
	if typ == "lxc" {
		return providers.ExecResult{}, fmt.Errorf("proxmox %s: %w", where, ErrNoExecForLXC)
	}
	params := map[string]any{"command": argv}
	if len(stdin) > 0 {
		params["input-data"] = string(stdin)
	}
	var started struct {
		PID int `json:"pid"`
	}
	base := func(node string) string { return fmt.Sprintf("/nodes/%s/qemu/%d/agent", url.PathEscape(node), vmid) }
	err = p.post(ctx, base(node)+"/exec", params, &started)
	if cached && isNotFound(err) {
		// Migrated since the last listing: find it again.
		if node, err = p.locate(ctx, id); err != nil {
			return providers.ExecResult{}, classify(where, err)
		}
		err = p.post(ctx, base(node)+"/exec", params, &started)
	}
	if err != nil {
		if msg, ok := spawnFailure(err); ok {
			return providers.ExecResult{ExitCode: 127, Stderr: providers.CapOutput([]byte(msg + "\n"))}, nil
		}
		return providers.ExecResult{}, classify(where, err)
	}
	if started.PID <= 0 {
		return providers.ExecResult{}, fmt.Errorf("proxmox %s: the agent answered no pid", where)
	}
	status := fmt.Sprintf("%s/exec-status?pid=%d", base(node), started.PID)
	for delay := execFirstPoll; ; delay = min(delay*2, execPoll) {
		if err := sleep(ctx, delay); err != nil {
			return providers.ExecResult{}, classify(where, err)
		}
		var st execStatus
		if err := p.get(ctx, status, &st); err != nil {
			return providers.ExecResult{}, classify(where, err)
		}
		if st.Exited {
			return st.result(), nil
		}
	}
}

// execStatus is the data of GET …/agent/exec-status.
type execStatus struct {
	Exited   flag   `json:"exited"`
	ExitCode *int   `json:"exitcode"`
	Signal   *int   `json:"signal"`
	OutData  string `json:"out-data"`
	ErrData  string `json:"err-data"`
}

func (st execStatus) result() providers.ExecResult {
	res := providers.ExecResult{
		Stdout: providers.CapOutput([]byte(st.OutData)),
		Stderr: providers.CapOutput([]byte(st.ErrData)),
	}
	switch {
	case st.ExitCode != nil:
		res.ExitCode = *st.ExitCode
	case st.Signal != nil:
		res.ExitCode = 128 + *st.Signal
	}
	return res
}

// flag reads a boolean PVE sends as 1/0 or true/false.
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(b), `"`) {
	case "1", "true":
		*f = true
	case "0", "false", "null", "":
		*f = false
	default:
		return fmt.Errorf("not a boolean: %s", b)
	}
	return nil
}

var _ json.Unmarshaler = (*flag)(nil)

func isNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == 500 && has(apiErr.Message, notFoundWords)
}

// spawnFailure recognises the agent's answer for a program it could not
// start: "Agent error: Guest agent command failed, error was 'Failed to
// execute child process “x” (No such file or directory)'".
func spawnFailure(err error) (string, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == 500 && has(apiErr.Message, []string{"failed to execute child process"}) {
		return strings.TrimSpace(apiErr.Message), true
	}
	return "", false
}
