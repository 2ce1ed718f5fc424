package gcp

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"

	"github.com/neogenesys/console/providers"
)

// rfc1035 is the API's syntax for zone and instance names; an id whose
// parts do not fit cannot name a VM.
var rfc1035 = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// parseID splits "<project>/<zone>/<name>" and checks the project belongs to
// this account.
func (p *Provider) parseID(id string) (project, zone, name string, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || !projectID.MatchString(parts[0]) || !rfc1035.MatchString(parts[1]) || !rfc1035.MatchString(parts[2]) {
		return "", "", "", fmt.Errorf("gcp: %w: %q is not a <project>/<zone>/<instance> id", providers.ErrNotFound, id)
	}
	if !slices.Contains(p.projects, parts[0]) {
		return "", "", "", fmt.Errorf("gcp %s: %w: project %s is not one of this account's", id, providers.ErrNotFound, parts[0])
	}
	return parts[0], parts[1], parts[2], nil
}

// Power starts, stops or resets an instance and waits for the operation to
// be DONE: for start and stop that is when the instance is RUNNING or
// TERMINATED. Reboot is a reset, a hard one: Compute Engine has no API for a
// guest reboot.
func (p *Provider) Power(ctx context.Context, id string, a providers.Action) error {
	if !a.Valid() {
		return fmt.Errorf("gcp %s: unknown action %q", id, a)
	}
	project, zone, name, err := p.parseID(id)
	if err != nil {
		return err
	}
	sc := scope{where: id, vm: true}
	var op *compute.Operation
	// A POST is retried on throttling only (retry(false)): it was refused,
	// not carried out.
	switch a {
	case providers.Start:
		op, err = p.instances.Start(ctx, &computepb.StartInstanceRequest{Project: project, Zone: zone, Instance: name}, retry(false))
	case providers.Stop:
		op, err = p.instances.Stop(ctx, &computepb.StopInstanceRequest{Project: project, Zone: zone, Instance: name}, retry(false))
	case providers.Reboot:
		op, err = p.instances.Reset(ctx, &computepb.ResetInstanceRequest{Project: project, Zone: zone, Instance: name}, retry(false))
	}
	if err != nil {
		return mapErr(sc, err)
	}
	// Wait polls zoneOperations.get (a read, retried like one) with backoff
	// until DONE, returning when ctx ends.
	if err := op.Wait(ctx, retry(true)); err != nil {
		return mapErr(sc, err)
	}
	if e := op.Proto().GetError(); e != nil && len(e.GetErrors()) > 0 {
		first := e.GetErrors()[0]
		err := fmt.Errorf("operation %s failed: %s: %s", op.Name(), first.GetCode(), first.GetMessage())
		if first.GetCode() == "RESOURCE_NOT_READY" || first.GetCode() == "CONDITION_NOT_MET" {
			return fmt.Errorf("gcp %s: %w: %w", id, providers.ErrInvalidState, err)
		}
		return fmt.Errorf("gcp %s: %w", id, err)
	}
	return nil
}
