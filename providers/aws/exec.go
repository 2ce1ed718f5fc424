package aws

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/neogenesys/console/providers"
)

var _ providers.Executor = (*provider)(nil)

const (
	// execTimeout is the executionTimeout SSM kills the command at; Exec
	// waits execSlack longer for SSM to report it.
	execTimeout = 10 * time.Minute
	execSlack   = time.Minute
	// deliveryTimeout is SendCommand's TimeoutSeconds: how long SSM tries to
	// reach an agent that is registered but not answering (30 at least).
	deliveryTimeout = 60
	// maxExecStdin is the most stdin Exec takes: base64-encoded it must fit
	// in the command parameter with room to spare.
	maxExecStdin = 48 << 10
	// pollFirst and pollMax bound the wait between GetCommandInvocation
	// polls (doubling from the first to the last).
	pollFirst = 100 * time.Millisecond
	pollMax   = 2 * time.Second
	// notYetGrace is how long GetCommandInvocation may answer
	// InvocationDoesNotExist for a command just sent (SSM is eventually
	// consistent) before Exec gives up.
	notYetGrace = 30 * time.Second
	// cancelTimeout bounds the best-effort CancelCommand once ctx ended.
	cancelTimeout = 5 * time.Second
)

// managedHint is what an instance needs to take Run Command.
const managedHint = "the instance is not managed by AWS Systems Manager: it needs the SSM agent running " +
	"and an instance profile whose role has the AmazonSSMManagedInstanceCore policy (and a route to the SSM endpoints)"

// Exec implements providers.Executor through Systems Manager Run Command:
// SendCommand (document AWS-RunShellScript, executionTimeout 600 s,
// workingDirectory /), then GetCommandInvocation every 100 ms to 2 s until
// the status is Success, Failed, Cancelled or TimedOut. ResponseCode is the
// exit code; StandardOutputContent and StandardErrorContent are the output
// (SSM keeps only the first 24,000 and 8,000 characters of them, as text:
// invalid UTF-8 comes back replaced). SSM has no
// stdin and runs a shell script, so argv becomes one line of sh with every
// word single-quoted, and stdin (48 KiB at most) is fed through a pipe:
//
//	printf '%s' '<stdin in base64>' | base64 -d | 'argv0' 'argv1' …
//
// or, without stdin, 'argv0' 'argv1' … </dev/null. The guest needs sh,
// printf and base64 (coreutils). When ctx ends, CancelCommand is sent (best
// effort: the agent kills the command if it gets there first).
//
// An instance id of no region is providers.ErrNotFound. SSM answers
// InvalidInstanceId both for an instance it does not know and for one that
// cannot take commands, so Exec then asks EC2 (DescribeInstances): unknown
// is ErrNotFound, not running is ErrInvalidState, running but not managed
// (no agent, no AmazonSSMManagedInstanceCore role) is ErrInvalidState too,
// saying so. A command SSM could not deliver is ErrInvalidState.
func (p *provider) Exec(ctx context.Context, id string, argv []string, stdin []byte) (providers.ExecResult, error) {
	if len(argv) == 0 || argv[0] == "" {
		return providers.ExecResult{}, fmt.Errorf("aws exec %s: empty command", id)
	}
	if !instanceIDRE.MatchString(id) {
		return providers.ExecResult{}, fmt.Errorf("aws: %q is not an instance id: %w", id, providers.ErrNotFound)
	}
	if len(stdin) > maxExecStdin {
		return providers.ExecResult{}, fmt.Errorf("aws exec %s: stdin is %d bytes, SSM Run Command takes at most %d", id, len(stdin), maxExecStdin)
	}
	ctx, cancel := context.WithTimeout(ctx, execTimeout+execSlack)
	defer cancel()
	region, ok := p.located.get(id)
	if !ok {
		var err error
		if region, err = p.locate(ctx, id); err != nil {
			return providers.ExecResult{}, err
		}
	}
	where := region + " exec " + id
	var sent sendCommandOutput
	err := p.ssmCall(ctx, region, "SendCommand", sendCommandInput{
		DocumentName: "AWS-RunShellScript",
		InstanceIds:  []string{id},
		Parameters: map[string][]string{
			"commands":         {execScript(argv, stdin)},
			"executionTimeout": {strconv.Itoa(int(execTimeout / time.Second))},
			"workingDirectory": {"/"},
		},
		TimeoutSeconds: deliveryTimeout,
		Comment:        comment(argv[0]),
	}, &sent, false)
	var se *ssmError
	switch {
	case errors.As(err, &se) && se.Code == "InvalidInstanceId":
		return providers.ExecResult{}, p.whyNotManaged(ctx, region, id, err)
	case err != nil:
		return providers.ExecResult{}, err
	case sent.Command.CommandID == "":
		return providers.ExecResult{}, fmt.Errorf("aws %s: SendCommand returned no CommandId", where)
	}
	return p.wait(ctx, region, id, sent.Command.CommandID)
}

// wait polls the invocation until it ends, cancelling it when ctx ends.
func (p *provider) wait(ctx context.Context, region, id, cmdID string) (providers.ExecResult, error) {
	where := region + " exec " + id + " command " + cmdID
	delay := pollFirst
	sent := time.Now()
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			p.cancelCommand(ctx, region, id, cmdID)
			return providers.ExecResult{}, fmt.Errorf("aws %s: %w", where, ctx.Err())
		}
		var inv getCommandInvocationOutput
		err := p.ssmCall(ctx, region, "GetCommandInvocation", getCommandInvocationInput{CommandID: cmdID, InstanceID: id}, &inv, true)
		var se *ssmError
		switch {
		case ctx.Err() != nil:
			p.cancelCommand(ctx, region, id, cmdID)
			return providers.ExecResult{}, fmt.Errorf("aws %s: %w", where, ctx.Err())
		case errors.As(err, &se) && se.Code == "InvocationDoesNotExist" && time.Since(sent) < notYetGrace:
			// Not visible yet.
		case err != nil:
			return providers.ExecResult{}, err
		default:
			if res, done, err := result(where, inv); done {
				return res, err
			}
		}
		delay = min(2*delay, pollMax)
		t.Reset(delay)
	}
}

// result maps an invocation that ended (done) to the command's result, or
// to an error when the command never ran.
func result(where string, inv getCommandInvocationOutput) (res providers.ExecResult, done bool, err error) {
	switch inv.Status {
	case "Success", "Failed", "Cancelled", "TimedOut":
	default: // Pending, InProgress, Delayed, Cancelling
		return res, false, nil
	}
	res = providers.ExecResult{
		ExitCode: inv.ResponseCode,
		Stdout:   providers.CapOutput([]byte(inv.StandardOutputContent)),
		Stderr:   inv.StandardErrorContent,
	}
	switch {
	case inv.StatusDetails == "Undeliverable", inv.StatusDetails == "DeliveryTimedOut", inv.StatusDetails == "InvalidPlatform":
		return res, true, fmt.Errorf("aws %s: %w: SSM could not deliver the command (%s); %s",
			where, providers.ErrInvalidState, inv.StatusDetails, managedHint)
	case inv.ResponseCode >= 0 && (inv.Status == "Success" || inv.Status == "Failed"):
	case inv.Status == "TimedOut" || inv.Status == "Cancelled":
		// The agent killed the command; without a code, report SIGKILL as
		// shells do.
		if inv.ResponseCode < 0 {
			res.ExitCode = 128 + 9
		}
		if res.Stderr != "" && !strings.HasSuffix(res.Stderr, "\n") {
			res.Stderr += "\n"
		}
		res.Stderr += "aws ssm: command " + strings.ToLower(inv.Status) + " (" + inv.StatusDetails + ")\n"
	default: // Failed with no response code: the command did not start.
		return res, true, fmt.Errorf("aws %s: %w: the command did not run (%s/%s)",
			where, providers.ErrInvalidState, inv.Status, inv.StatusDetails)
	}
	res.Stderr = providers.CapOutput([]byte(res.Stderr))
	return res, true, nil
}

// cancelCommand sends CancelCommand once ctx ended, best effort.
func (p *provider) cancelCommand(ctx context.Context, region, id, cmdID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
	defer cancel()
	_ = p.ssmCall(ctx, region, "CancelCommand", cancelCommandInput{CommandID: cmdID, InstanceIds: []string{id}}, nil, true)
}

// whyNotManaged tells what SSM's InvalidInstanceId meant, asking EC2 for the
// instance: unknown, not running, or running without a working agent.
func (p *provider) whyNotManaged(ctx context.Context, region, id string, ssmErr error) error {
	where := "aws " + region + " exec " + id + ": "
	out, err := p.ec2In(region).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		err = classify(ctx, region+" exec "+id+" DescribeInstances", err)
		if errors.Is(err, providers.ErrNotFound) {
			p.located.forget(id)
		}
		return err
	}
	for _, res := range out.Reservations {
		for _, in := range res.Instances {
			if sdkaws.ToString(in.InstanceId) != id {
				continue
			}
			if st := stateOf(in.State); st != providers.StateRunning {
				return &wrapped{where + providers.ErrInvalidState.Error() + ": the instance is " + string(st) +
					"; commands run only in a running instance", []error{providers.ErrInvalidState, ssmErr}}
			}
			return &wrapped{where + providers.ErrInvalidState.Error() + ": " + managedHint + " (SSM: " + ssmErr.Error() + ")",
				[]error{providers.ErrInvalidState, ssmErr}}
		}
	}
	p.located.forget(id)
	return &wrapped{where + providers.ErrNotFound.Error() + ": no such instance in " + region, []error{providers.ErrNotFound, ssmErr}}
}

// execScript is the one line of sh that runs argv with stdin.
func execScript(argv []string, stdin []byte) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = shellQuote(a)
	}
	cmd := strings.Join(words, " ")
	if len(stdin) == 0 {
		return cmd + " </dev/null"
	}
	return "printf '%s' '" + base64.StdEncoding.EncodeToString(stdin) + "' | base64 -d | " + cmd
}

// shellQuote single-quotes s for sh: nothing inside is interpreted.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// comment is SendCommand's Comment (100 characters at most).
func comment(cmd string) string {
	c := "neoconsole exec " + cmd
	if len(c) > 100 {
		c = c[:100]
	}
	return strings.ToValidUTF8(c, "")
}
