package azure

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/neogenesys/console/providers"
)

var _ providers.Executor = (*Provider)(nil)

const (
	// execTimeout bounds one command when the caller's context does not
	// end sooner (Azure's own limit is 90 minutes).
	execTimeout = 10 * time.Minute
	// exitMarker starts the line the script prints after the command: the
	// command's exit status, which Run Command does not report.
	exitMarker = "__neoconsole_exit="
	// stdinDelim ends the here-document that carries stdin (base64 has no
	// underscores, so no line of it can end the document early).
	stdinDelim = "__NEOCONSOLE_STDIN__"
	// stdinLine is the length of the base64 lines of stdin.
	stdinLine = 76
)

// Exec implements providers.Executor through Run Command (VirtualMachines -
// Run Command, commandId RunShellScript), waiting on its long-running
// operation. Run Command takes a script and nothing else, so Exec sends:
//
//	base64 -d <<'__NEOCONSOLE_STDIN__' | env -- 'argv0' 'argv1' …
//	<stdin, base64, 76 columns>
//	__NEOCONSOLE_STDIN__
//	printf '\n__neoconsole_exit=%d\n' "$?"
//
// (with no stdin: env -- 'argv0' … </dev/null). Each argument is single-quoted,
// so nothing in argv is interpreted; env looks argv[0] up in PATH, never a
// shell builtin. Run Command reports no exit code, so the last line of
// stdout carries it and Exec takes it (and the newline before it) out.
// Linux's agent answers one status, ProvisioningState/succeeded, whose
// message holds "[stdout]\n…\n[stderr]\n…"; the ComponentStatus/StdOut and
// /StdErr statuses of the Windows agent are read too.
//
// A Windows VM (osType Windows, read first with VirtualMachines - Get) is
// providers.ErrInvalidState: it would need RunPowerShellScript. A VM that is
// not running (409 OperationNotAllowed), a second Run Command while one is
// still running on the VM (409 Conflict) and a Run Command the VM agent
// failed (the operation's status Failed) are ErrInvalidState too.
//
// Limits of Run Command: it takes 20 s or more even for a trivial command,
// returns only the last 4,096 bytes of each stream, and cannot be
// cancelled: when ctx ends, Exec returns but the command runs on in the
// guest (up to Azure's 90 minutes) and blocks further Run Commands on the VM
// until it ends.
func (p *Provider) Exec(ctx context.Context, vmID string, argv []string, stdin []byte) (providers.ExecResult, error) {
	start := time.Now()
	ref, err := parseVMID(vmID)
	if err != nil {
		return providers.ExecResult{}, fmt.Errorf("azure: %w", err)
	}
	where := "vm " + ref.group + "/" + ref.name
	if len(argv) == 0 || argv[0] == "" {
		return providers.ExecResult{}, fmt.Errorf("azure exec %s: empty command", where)
	}
	c, ok := p.vms[strings.ToLower(ref.subscription)]
	if !ok {
		return providers.ExecResult{}, fmt.Errorf("azure %s: %w: subscription %s is not one of this account's", where, providers.ErrNotFound, ref.subscription)
	}
	ctx, cancel := context.WithTimeout(ctx, execTimeout)
	defer cancel()

	vm, err := c.Get(ctx, ref.group, ref.name, nil)
	if err != nil {
		return providers.ExecResult{}, p.classify(ctx, where, err, start)
	}
	if isWindows(vm.VirtualMachine) {
		return providers.ExecResult{}, fmt.Errorf("azure %s: %w: a Windows VM, whose Run Command is RunPowerShellScript, "+
			"which the console does not use; run the console's install link on it instead", where, providers.ErrInvalidState)
	}

	where = "exec " + ref.group + "/" + ref.name + " " + argv[0]
	poller, err := c.BeginRunCommand(ctx, ref.group, ref.name, armcompute.RunCommandInput{
		CommandID: to.Ptr("RunShellScript"),
		Script:    to.SliceOfPtrs(runScript(argv, stdin)...),
	}, nil)
	var res armcompute.VirtualMachinesClientRunCommandResponse
	if err == nil {
		res, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.poll})
	}
	if err != nil {
		var respErr *azcore.ResponseError
		if ctx.Err() == nil && errors.As(err, &respErr) && respErr.StatusCode < http.StatusBadRequest {
			// The operation ended Failed (e.g. VM agent not ready).
			return providers.ExecResult{}, fmt.Errorf("azure %s: %w: Run Command failed: %s", where, providers.ErrInvalidState, armDetail(respErr))
		}
		return providers.ExecResult{}, p.classify(ctx, where, err, start)
	}
	out, err := parseRunResult(res.Value)
	if err != nil {
		return providers.ExecResult{}, fmt.Errorf("azure %s: %w", where, err)
	}
	return out, nil
}

func isWindows(vm armcompute.VirtualMachine) bool {
	pr := vm.Properties
	if pr == nil || pr.StorageProfile == nil || pr.StorageProfile.OSDisk == nil || pr.StorageProfile.OSDisk.OSType == nil {
		return false
	}
	return strings.EqualFold(string(*pr.StorageProfile.OSDisk.OSType), string(armcompute.OperatingSystemTypesWindows))
}

// runScript is the RunShellScript script, one line an element, that runs
// argv with stdin and prints the exit marker.
func runScript(argv []string, stdin []byte) []string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	cmd := "env -- " + strings.Join(quoted, " ")
	var lines []string
	if len(stdin) == 0 {
		lines = append(lines, cmd+" </dev/null")
	} else {
		lines = append(lines, "base64 -d <<'"+stdinDelim+"' | "+cmd)
		enc := base64.StdEncoding.EncodeToString(stdin)
		for len(enc) > stdinLine {
			lines = append(lines, enc[:stdinLine])
			enc = enc[stdinLine:]
		}
		lines = append(lines, enc, stdinDelim)
	}
	return append(lines, `printf '\n`+exitMarker+`%d\n' "$?"`)
}

var (
	// provisioningOutput is the Linux agent's message: stdout (ending with
	// the marker line) and stderr in one.
	provisioningOutput = regexp.MustCompile(`(?s)\[stdout\]\n(.*)\n` + exitMarker + `(\d+)\n\n\[stderr\]\n(.*)$`)
	// markedStdout is a stdout that ends with the marker line.
	markedStdout = regexp.MustCompile(`(?s)^(.*)\n` + exitMarker + `(\d+)\s*$`)
)

// parseRunResult reads the statuses of a RunShellScript run.
func parseRunResult(statuses []*armcompute.InstanceViewStatus) (providers.ExecResult, error) {
	var stdout, stderr, other []string
	for _, st := range statuses {
		if st == nil || st.Code == nil {
			continue
		}
		msg := ""
		if st.Message != nil {
			msg = *st.Message
		}
		code := strings.ToLower(*st.Code)
		switch {
		case strings.HasPrefix(code, "componentstatus/stdout/"):
			stdout = append(stdout, msg)
		case strings.HasPrefix(code, "componentstatus/stderr/"):
			stderr = append(stderr, msg)
		default:
			other = append(other, msg)
		}
	}
	if len(stdout) > 0 {
		m := markedStdout.FindStringSubmatch(strings.Join(stdout, ""))
		if m != nil {
			return execResult(m[1], m[2], strings.Join(stderr, ""))
		}
	}
	for _, msg := range other {
		if m := provisioningOutput.FindStringSubmatch(msg); m != nil {
			return execResult(m[1], m[2], m[3])
		}
	}
	detail := strings.Join(append(other, stderr...), " ")
	return providers.ExecResult{}, fmt.Errorf("Run Command output carries no exit status (the command may have been ended by Run Command's timeout): %.200q", detail)
}

func execResult(stdout, code, stderr string) (providers.ExecResult, error) {
	n, err := strconv.Atoi(code)
	if err != nil {
		return providers.ExecResult{}, fmt.Errorf("Run Command output: exit status %q: %w", code, err)
	}
	return providers.ExecResult{
		ExitCode: n,
		Stdout:   providers.CapOutput([]byte(stdout)),
		Stderr:   providers.CapOutput([]byte(stderr)),
	}, nil
}
