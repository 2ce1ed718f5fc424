package lxd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	lxdclient "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"
	"github.com/gorilla/websocket"

	"github.com/neogenesys/console/providers"
)

var _ providers.Executor = (*Provider)(nil)

const (
	// execTimeout bounds one command when the caller's context does not
	// end sooner.
	execTimeout = 10 * time.Minute
	// execDrain is how long the output streams may lag behind the end of
	// the operation (LXD ends it once it has sent them, so this is slack).
	execDrain = 5 * time.Second
	// stdinChunk is the size of the stdin messages.
	stdinChunk = 32 << 10
	// sigkill is sent through the control socket when ctx ends.
	sigkill = 9
)

// Exec implements providers.Executor: POST /1.0/instances/{name}/exec
// {command, wait-for-websocket: true, interactive: false}, then the four
// websockets of the operation (stdin, stdout, stderr, control) and a wait on
// the operation; its metadata's "return" is the exit code. Websockets rather
// than record-output: stdin can be fed, the output is capped while it
// streams (record-output writes it all to the host's disk first), and when
// ctx ends the command is killed (SIGKILL through the control socket)
// instead of running on unseen. The command runs as root in / with the
// instance's environment, in a container or a VM (VMs need the lxd-agent).
//
// A stopped or frozen instance is providers.ErrInvalidState, an unknown one
// providers.ErrNotFound.
func (p *Provider) Exec(ctx context.Context, id string, argv []string, stdin []byte) (providers.ExecResult, error) {
	project, name, err := splitID(id)
	if err != nil {
		return providers.ExecResult{}, p.wrap("exec", err)
	}
	if len(argv) == 0 || argv[0] == "" {
		return providers.ExecResult{}, fmt.Errorf("lxd exec %s: empty command", id)
	}
	ctx, cancel := context.WithTimeout(ctx, execTimeout)
	defer cancel()
	c, err := p.connect(ctx)
	if err != nil {
		return providers.ExecResult{}, err
	}
	if _, err := p.serverInfo(ctx, c, false); err != nil {
		return providers.ExecResult{}, err
	}
	where := "exec " + id + " " + argv[0]
	res, err := p.exec(ctx, c, project, name, argv, stdin)
	if err != nil {
		return providers.ExecResult{}, p.wrap(where, err)
	}
	return res, nil
}

func (p *Provider) exec(ctx context.Context, c lxdclient.InstanceServer, project, name string, argv []string, stdin []byte) (providers.ExecResult, error) {
	q := "?project=" + url.QueryEscape(project)
	body := api.InstanceExecPost{Command: argv, WaitForWS: true, Interactive: false}
	resp, err := retry(ctx, p.backoff, func() (*api.Response, error) {
		r, _, err := c.RawQuery("POST", "/1.0/instances/"+url.PathEscape(name)+"/exec"+q, body, "")
		return r, err
	})
	if err != nil {
		return providers.ExecResult{}, err
	}
	opn, err := resp.MetadataAsOperation()
	if err != nil {
		return providers.ExecResult{}, fmt.Errorf("operation: %w", err)
	}
	secrets, err := execSecrets(opn)
	if err != nil {
		return providers.ExecResult{}, err
	}

	// LXD 5.0 starts the command once stdin, stdout and stderr are
	// connected, and refuses connections to a finished operation: the
	// control socket goes first, or a quick command would end before it.
	var conns [4]*websocket.Conn // stdin, stdout, stderr, control
	defer func() {
		for _, conn := range conns {
			if conn != nil {
				_ = conn.Close()
			}
		}
	}()
	for _, i := range []int{3, 0, 1, 2} {
		fd := execFDs[i]
		path := fmt.Sprintf("/1.0/operations/%s/websocket?secret=%s", url.PathEscape(opn.ID), url.QueryEscape(secrets[fd]))
		if conns[i], err = p.dialWebsocket(ctx, path); err != nil {
			return providers.ExecResult{}, fmt.Errorf("websocket %s: %w", fd, err)
		}
	}

	var (
		wg             sync.WaitGroup
		stdout, stderr capped
	)
	wg.Go(func() { sendStdin(conns[0], stdin) })
	wg.Go(func() { stdout.readFrom(conns[1]) })
	wg.Go(func() { stderr.readFrom(conns[2]) })
	wg.Go(func() { drain(conns[3]) })
	streamsDone := make(chan struct{})
	go func() { wg.Wait(); close(streamsDone) }()

	final, err := p.waitOperation(ctx, c, opn, q)
	if err != nil {
		if ctx.Err() != nil {
			// Kill the command rather than leave it running unseen. The
			// control socket is written by this goroutine only.
			_ = conns[3].SetWriteDeadline(time.Now().Add(time.Second))
			_ = conns[3].WriteJSON(api.InstanceExecControl{Command: "signal", Signal: sigkill})
			err = ctx.Err()
		}
		closeAll(conns[:])
		<-streamsDone
		return providers.ExecResult{}, err
	}
	select {
	case <-streamsDone:
	case <-time.After(execDrain):
		closeAll(conns[:])
		<-streamsDone
	}
	code, msg, err := exitCode(final)
	if err != nil {
		return providers.ExecResult{}, err
	}
	stderr.buf.WriteString(msg)
	return providers.ExecResult{
		ExitCode: code,
		Stdout:   providers.CapOutput(stdout.buf.Bytes()),
		Stderr:   providers.CapOutput(stderr.buf.Bytes()),
	}, nil
}

// execFDs name the operation's websockets, in the order of conns.
var execFDs = [4]string{"0", "1", "2", api.SecretNameControl}

// execSecrets reads the websocket secrets from the exec operation's
// metadata: {"fds": {"0": …, "1": …, "2": …, "control": …}}.
func execSecrets(opn *api.Operation) (map[string]string, error) {
	fds, _ := opn.Metadata["fds"].(map[string]any)
	out := map[string]string{}
	for _, fd := range execFDs {
		s, _ := fds[fd].(string)
		if s == "" {
			return nil, fmt.Errorf("exec operation %s has no websocket secret for %q (metadata %v)", opn.ID, fd, opn.Metadata)
		}
		out[fd] = s
	}
	return out, nil
}

// exitCode is the "return" of a finished exec operation. A command LXD
// could not start is a failed operation ("Command not found", "Command not
// executable"): those are 127 and 126 with the message as stderr, as a
// shell reports them, so every Executor says "no such command" one way.
func exitCode(opn *api.Operation) (code int, stderr string, err error) {
	if opn.StatusCode != api.Success {
		switch strings.ToLower(opn.Err) {
		case "command not found":
			return 127, opn.Err + "\n", nil
		case "command not executable":
			return 126, opn.Err + "\n", nil
		}
		return 0, "", operationError(opn)
	}
	switch v := opn.Metadata["return"].(type) {
	case float64:
		return int(v), "", nil
	case json.Number:
		n, err := v.Int64()
		return int(n), "", err
	}
	return 0, "", fmt.Errorf("exec operation %s ended without an exit code (metadata %v)", opn.ID, opn.Metadata)
}

// waitOperation long-polls GET /1.0/operations/{id}/wait until the
// operation ends and returns it as it ended (Power's wait needs only
// whether it succeeded; Exec needs its metadata).
func (p *Provider) waitOperation(ctx context.Context, c lxdclient.InstanceServer, opn *api.Operation, q string) (*api.Operation, error) {
	for !opn.StatusCode.IsFinal() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		timeout := 30
		if dl, ok := ctx.Deadline(); ok {
			timeout = max(1, min(timeout, int(time.Until(dl).Seconds())))
		}
		path := fmt.Sprintf("/1.0/operations/%s/wait%s&timeout=%d", url.PathEscape(opn.ID), q, timeout)
		resp, _, err := c.RawQuery("GET", path, nil, "")
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if opn, err = resp.MetadataAsOperation(); err != nil {
			return nil, fmt.Errorf("operation: %w", err)
		}
	}
	return opn, nil
}

// dialWebsocket opens an operation websocket over the provider's own
// transport (its unix or TLS dialer), bound to ctx.
func (p *Provider) dialWebsocket(ctx context.Context, path string) (*websocket.Conn, error) {
	d := websocket.Dialer{
		NetDialContext:   p.rt.DialContext,
		TLSClientConfig:  p.rt.TLSClientConfig,
		Proxy:            p.rt.Proxy,
		HandshakeTimeout: 10 * time.Second,
	}
	base := "ws://unix.socket"
	if p.ep.https() {
		base = "wss://" + strings.TrimPrefix(p.ep.url, "https://")
	}
	conn, resp, err := d.DialContext(ctx, base+path, http.Header{"User-Agent": {"neoconsole"}})
	if err != nil {
		if resp != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			return nil, fmt.Errorf("%w: %s %s", err, resp.Status, bytes.TrimSpace(b))
		}
		return nil, err
	}
	return conn, nil
}

// sendStdin writes data to the stdin websocket and closes it, which LXD
// passes on to the command as end of input.
func sendStdin(conn *websocket.Conn, data []byte) {
	for len(data) > 0 {
		n := min(len(data), stdinChunk)
		if conn.WriteMessage(websocket.BinaryMessage, data[:n]) != nil {
			return
		}
		data = data[n:]
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
		time.Now().Add(5*time.Second))
}

// capped keeps the first MaxExecOutput bytes of a stream (and a byte more,
// so a cut is seen) and drops the rest, still reading so the command never
// blocks on a full pipe.
type capped struct{ buf bytes.Buffer }

func (c *capped) readFrom(conn *websocket.Conn) {
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return // LXD closes the stream at the command's end of output
		}
		if room := providers.MaxExecOutput + 1 - c.buf.Len(); room > 0 {
			c.buf.Write(msg[:min(len(msg), room)])
		}
	}
}

// drain reads the control socket (LXD's pings) until it closes.
func drain(conn *websocket.Conn) {
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			return
		}
	}
}

// closeAll closes the connections, which ends their readers.
func closeAll(conns []*websocket.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
}
