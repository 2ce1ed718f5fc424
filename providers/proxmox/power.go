package proxmox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/neogenesys/console/providers"
)

const (
	// stopTimeout is how long Stop lets a guest shut down cleanly before
	// PVE stops it hard (forceStop).
	stopTimeout = 60
	// taskTimeout bounds the wait for a power task: a shutdown takes up to
	// stopTimeout, and a node may be slow to start a big VM.
	taskTimeout = 5 * time.Minute
	// pollInterval is the pace of task status polls after a first, quicker one.
	pollInterval = 500 * time.Millisecond
	firstPoll    = 200 * time.Millisecond
)

// Power runs a on guest id ("qemu/100" or "lxc/101") and waits for PVE's
// task to end. Start is status/start; Stop is status/shutdown with
// forceStop, so a guest that ignores the ACPI request is stopped hard after
// stopTimeout seconds; Reboot is status/reboot.
func (p *Provider) Power(ctx context.Context, id string, a providers.Action) error {
	where := fmt.Sprintf("%s %s", a, id)
	if !a.Valid() {
		return fmt.Errorf("proxmox %s: unknown action %q (start, stop or reboot)", id, a)
	}
	typ, vmid, err := parseID(id)
	if err != nil {
		return fmt.Errorf("proxmox %s: %w: %w", where, providers.ErrNotFound, err)
	}
	node, cached := p.cachedNode(id)
	if !cached {
		if node, err = p.locate(ctx, id); err != nil {
			return classify(where, err)
		}
	}
	upid, err := p.startTask(ctx, node, typ, vmid, a)
	if cached && errors.Is(err, providers.ErrNotFound) {
		// Migrated since the last listing (vmids are cluster-wide, nodes
		// are not): find it again.
		if node, err = p.locate(ctx, id); err != nil {
			return classify(where, err)
		}
		upid, err = p.startTask(ctx, node, typ, vmid, a)
	}
	if err != nil {
		return err
	}
	return p.waitTask(ctx, where, node, upid)
}

// parseID reads "qemu/100" or "lxc/101".
func parseID(id string) (typ string, vmid int, err error) {
	typ, n, ok := strings.Cut(id, "/")
	vmid, convErr := strconv.Atoi(n)
	if !ok || (typ != "qemu" && typ != "lxc") || convErr != nil || vmid < minVMID || vmid > maxVMID {
		return "", 0, fmt.Errorf("%q is not a guest id (qemu/100 or lxc/101)", id)
	}
	return typ, vmid, nil
}

// locate finds guest id's node in /cluster/resources and remembers where
// every guest is.
func (p *Provider) locate(ctx context.Context, id string) (string, error) {
	var raw []json.RawMessage
	if err := p.get(ctx, "/cluster/resources?type=vm", &raw); err != nil {
		return "", err
	}
	nodeOf := make(map[string]string, len(raw))
	for _, r := range raw {
		if g, _, err := decodeGuest(r); err == nil && !g.template {
			nodeOf[g.id()] = g.node
		}
	}
	p.rememberNodes(nodeOf)
	node, ok := nodeOf[id]
	if !ok {
		return "", fmt.Errorf("%w: no guest %s in the cluster", providers.ErrNotFound, id)
	}
	return node, nil
}

// startTask posts the action and returns the UPID of PVE's worker task.
func (p *Provider) startTask(ctx context.Context, node, typ string, vmid int, a providers.Action) (string, error) {
	where := fmt.Sprintf("%s %s/%d on %s", a, typ, vmid, node)
	verb, params := string(a), any(nil)
	if a == providers.Stop {
		verb, params = "shutdown", map[string]int{"forceStop": 1, "timeout": stopTimeout}
	}
	var upid string
	path := fmt.Sprintf("/nodes/%s/%s/%d/status/%s", url.PathEscape(node), typ, vmid, verb)
	if err := p.post(ctx, path, params, &upid); err != nil {
		return "", classify(where, err)
	}
	if !strings.HasPrefix(upid, "UPID:") {
		return "", fmt.Errorf("proxmox %s: answer %q is not a task id", where, upid)
	}
	return upid, nil
}

// upidNode is the node a UPID names ("UPID:node:…"): the one to ask about it.
func upidNode(upid string) string {
	if parts := strings.Split(upid, ":"); len(parts) > 2 && parts[0] == "UPID" {
		return parts[1]
	}
	return ""
}

// taskOK reports a successful exit status: "OK", or "WARNINGS: n" for a
// task that did its work but logged warnings.
func taskOK(exit string) bool {
	return exit == "OK" || strings.HasPrefix(exit, "WARNINGS")
}

// waitTask polls the task until it stops, at most taskTimeout.
func (p *Provider) waitTask(parent context.Context, where, node, upid string) error {
	ctx, cancel := context.WithTimeout(parent, taskTimeout)
	defer cancel()
	if n := upidNode(upid); n != "" {
		node = n
	}
	path := fmt.Sprintf("/nodes/%s/tasks/%s/status", url.PathEscape(node), url.PathEscape(upid))
	for delay := firstPoll; ; delay = pollInterval {
		if err := sleep(ctx, delay); err != nil {
			break
		}
		var st struct {
			Status     text `json:"status"`
			ExitStatus text `json:"exitstatus"`
		}
		if err := p.get(ctx, path, &st); err != nil {
			if parent.Err() == nil && ctx.Err() != nil {
				break
			}
			return classify(where, err)
		}
		if st.Status == "stopped" {
			if taskOK(string(st.ExitStatus)) {
				return nil
			}
			return taskError(where, upid, string(st.ExitStatus))
		}
	}
	if err := parent.Err(); err != nil {
		return classify(where, err)
	}
	return fmt.Errorf("proxmox %s: task %s still running after %v", where, upid, taskTimeout)
}
