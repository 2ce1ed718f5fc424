package lxd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	lxdclient "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"

	"github.com/neogenesys/console/providers"
)

// stopTimeout is how long LXD lets an instance shut down cleanly on stop
// and restart before the action fails.
const stopTimeout = 30

// maxWaits bounds the long-polls of one operation (each up to 30 s).
const maxWaits = 20

// splitID reads "<project>/<name>"; a bare name is in project default.
func splitID(id string) (project, name string, err error) {
	project, name, found := strings.Cut(id, "/")
	if !found {
		project, name = "default", id
	}
	if project == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("malformed instance id %q, want <project>/<name>: %w", id, providers.ErrNotFound)
	}
	return project, name, nil
}

// Power implements providers.Provider: PUT /1.0/instances/{name}/state
// {action, timeout: 30, force: false}, then a wait on the operation until
// LXD has done it. A frozen instance asked to start is thawed instead.
func (p *Provider) Power(ctx context.Context, id string, a providers.Action) error {
	var action string
	switch a {
	case providers.Start:
		action = "start"
	case providers.Stop:
		action = "stop"
	case providers.Reboot:
		action = "restart"
	default:
		return fmt.Errorf("lxd: unknown power action %q", a)
	}
	project, name, err := splitID(id)
	if err != nil {
		return p.wrap("power", err)
	}
	c, err := p.connect(ctx)
	if err != nil {
		return err
	}
	if _, err := p.serverInfo(ctx, c, false); err != nil {
		return err
	}
	op := fmt.Sprintf("%s %s", action, id)
	err = p.changeState(ctx, c, project, name, action)
	if a == providers.Start && (errors.Is(err, providers.ErrInvalidState) || classify(err) == providers.ErrInvalidState) {
		if frozen, ferr := p.isFrozen(ctx, c, project, name); ferr == nil && frozen {
			op = "unfreeze " + id
			err = p.changeState(ctx, c, project, name, "unfreeze")
		}
	}
	if err != nil {
		return p.wrap(op, err)
	}
	return nil
}

// changeState sends the action and waits for its operation to end.
func (p *Provider) changeState(ctx context.Context, c lxdclient.InstanceServer, project, name, action string) error {
	q := "?project=" + url.QueryEscape(project)
	body := api.InstanceStatePut{Action: action, Timeout: stopTimeout}
	resp, err := retry(ctx, p.backoff, func() (*api.Response, error) {
		r, _, err := c.RawQuery("PUT", "/1.0/instances/"+url.PathEscape(name)+"/state"+q, body, "")
		return r, err
	})
	if err != nil {
		return err
	}
	if resp.Type != api.AsyncResponse {
		return nil
	}
	opn, err := resp.MetadataAsOperation()
	if err != nil {
		return fmt.Errorf("operation: %w", err)
	}
	return p.wait(ctx, c, opn, q)
}

// wait long-polls GET /1.0/operations/{id}/wait until the operation ends,
// instead of the client's event websocket: no background goroutines, and
// cancelling ctx aborts the poll at once.
func (p *Provider) wait(ctx context.Context, c lxdclient.InstanceServer, opn *api.Operation, q string) error {
	for range maxWaits {
		if opn.StatusCode.IsFinal() {
			if opn.StatusCode != api.Success {
				return operationError(opn)
			}
			return nil
		}
		timeout := 30
		if dl, ok := ctx.Deadline(); ok {
			timeout = max(1, min(timeout, int(time.Until(dl).Seconds())))
		}
		path := fmt.Sprintf("/1.0/operations/%s/wait%s&timeout=%d", url.PathEscape(opn.ID), q, timeout)
		resp, _, err := c.RawQuery("GET", path, nil, "")
		switch {
		case api.StatusErrorCheck(err, http.StatusNotFound) && ctx.Err() == nil:
			// LXD forgets a finished operation after a few seconds.
			return nil
		case err != nil:
			return err
		}
		if opn, err = resp.MetadataAsOperation(); err != nil {
			return fmt.Errorf("operation: %w", err)
		}
	}
	return fmt.Errorf("operation %s still %s after %d waits", opn.ID, opn.Status, maxWaits)
}

// operationError turns a failed operation into an error, ErrInvalidState
// when LXD refused the action for the instance's state.
func operationError(opn *api.Operation) error {
	msg := opn.Err
	if msg == "" {
		msg = opn.Status
	}
	if isStateRefusal(msg) {
		return fmt.Errorf("%w: %s", providers.ErrInvalidState, msg)
	}
	return errors.New(msg)
}

func (p *Provider) isFrozen(ctx context.Context, c lxdclient.InstanceServer, project, name string) (bool, error) {
	resp, _, err := c.RawQuery("GET", "/1.0/instances/"+url.PathEscape(name)+"/state?project="+url.QueryEscape(project), nil, "")
	if err != nil {
		return false, err
	}
	var st struct {
		StatusCode api.StatusCode `json:"status_code"`
	}
	if err := resp.MetadataAsStruct(&st); err != nil {
		return false, err
	}
	return st.StatusCode == api.Frozen, nil
}
