package azure

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/neogenesys/console/providers"
)

// Power runs start (Start), stop (Deallocate: stopped VMs are billed until
// deallocated) or reboot (Restart) and waits until ARM reports the
// long-running operation done, polling every PollInterval.
func (p *Provider) Power(ctx context.Context, vmID string, a providers.Action) error {
	start := time.Now()
	if !a.Valid() {
		return fmt.Errorf("azure: unknown power action %q (want start, stop or reboot)", a)
	}
	ref, err := parseVMID(vmID)
	if err != nil {
		return fmt.Errorf("azure: %w", err)
	}
	where := "vm " + ref.group + "/" + ref.name
	c, ok := p.vms[strings.ToLower(ref.subscription)]
	if !ok {
		return fmt.Errorf("azure %s: %w: subscription %s is not one of this account's", where, providers.ErrNotFound, ref.subscription)
	}
	opts := &runtime.PollUntilDoneOptions{Frequency: p.poll}
	switch a {
	case providers.Start:
		poller, err := c.BeginStart(ctx, ref.group, ref.name, nil)
		if err == nil {
			_, err = poller.PollUntilDone(ctx, opts)
		}
		return p.classify(ctx, where, err, start)
	case providers.Stop:
		poller, err := c.BeginDeallocate(ctx, ref.group, ref.name, nil)
		if err == nil {
			_, err = poller.PollUntilDone(ctx, opts)
		}
		return p.classify(ctx, where, err, start)
	default: // providers.Reboot
		poller, err := c.BeginRestart(ctx, ref.group, ref.name, nil)
		if err == nil {
			_, err = poller.PollUntilDone(ctx, opts)
		}
		return p.classify(ctx, where, err, start)
	}
}
