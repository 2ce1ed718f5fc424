package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/googleapi"

	"github.com/neogenesys/console/providers"
)

var _ providers.BootScripter = (*Provider)(nil)

const (
	// startupScriptKey is the metadata key the guest agent runs at every
	// boot of a Linux instance.
	startupScriptKey = "startup-script"
	// enrollMarker is the comment that marks a startup-script as the
	// console's: the first line, or the second after a "#!" line.
	enrollMarker = "# neoconsole-enroll"
	// maxScriptBytes is Compute Engine's limit on one metadata value.
	maxScriptBytes = 256 << 10
)

// Notes SetBootScript returns. KEY stands for the VM's key in the console,
// which the adapter does not know.
const (
	noteRunning   = "the install runs at the VM's next boot: reset it (neoconsole vms reboot KEY) to run it now"
	noteStopped   = "the install runs when the VM starts"
	noteSuspended = "the install runs at the VM's next boot, and resuming a suspended VM is not one: resume it and reset it (neoconsole vms reboot KEY), or stop and start it"
)

// SetBootScript makes script the instance's startup-script metadata, which
// the guest agent runs at every boot. Every other metadata key is kept. An
// existing startup-script is replaced only when the console wrote it (it
// carries enrollMarker); anyone else's is left alone and the call fails with
// ErrInvalidState. The write is conditional on the metadata fingerprint
// read just before: when someone changes the metadata in between (412
// conditionNotMet), it is read and written once more.
func (p *Provider) SetBootScript(ctx context.Context, id string, script string) (string, error) {
	project, zone, name, err := p.parseID(id)
	if err != nil {
		return "", err
	}
	value := markScript(script)
	if len(value) > maxScriptBytes {
		return "", fmt.Errorf("gcp %s: the script is %d bytes, more than the %d a metadata value may hold", id, len(value), maxScriptBytes)
	}
	sc := scope{where: id, vm: true}
	for attempt := 1; ; attempt++ {
		in, err := p.instances.Get(ctx, &computepb.GetInstanceRequest{Project: project, Zone: zone, Instance: name}, retry(true))
		if err != nil {
			return "", mapErr(sc, err)
		}
		md := in.GetMetadata()
		items, err := withStartupScript(md.GetItems(), value)
		if err != nil {
			return "", fmt.Errorf("gcp %s: %w", id, err)
		}
		op, err := p.instances.SetMetadata(ctx, &computepb.SetMetadataInstanceRequest{
			Project: project, Zone: zone, Instance: name,
			MetadataResource: &computepb.Metadata{Fingerprint: md.Fingerprint, Items: items},
		}, retry(false))
		var ge *googleapi.Error
		if errors.As(err, &ge) && ge.Code == http.StatusPreconditionFailed {
			if attempt < 2 {
				continue // the metadata changed since the get: read it again
			}
			return "", fmt.Errorf("gcp %s: %w: the instance's metadata changed while the startup-script was being set, twice; try again: %w",
				id, providers.ErrInvalidState, err)
		}
		if err != nil {
			return "", mapErr(sc, err)
		}
		if err := op.Wait(ctx, retry(true)); err != nil {
			return "", mapErr(sc, err)
		}
		if e := op.Proto().GetError(); e != nil && len(e.GetErrors()) > 0 {
			first := e.GetErrors()[0]
			return "", fmt.Errorf("gcp %s: setting the startup-script: operation %s failed: %s: %s", id, op.Name(), first.GetCode(), first.GetMessage())
		}
		return bootNote(in.GetStatus()), nil
	}
}

// markScript puts enrollMarker on the script's first line, or on its second
// when the first is a "#!" line, which must stay first.
func markScript(script string) string {
	if strings.HasPrefix(script, "#!") {
		first, rest, _ := strings.Cut(script, "\n")
		return first + "\n" + enrollMarker + "\n" + rest
	}
	return enrollMarker + "\n" + script
}

// consoleScript reports whether a startup-script carries enrollMarker
// where markScript puts it.
func consoleScript(v string) bool {
	first, rest, _ := strings.Cut(v, "\n")
	if strings.HasPrefix(first, "#!") {
		first, _, _ = strings.Cut(rest, "\n")
	}
	return strings.TrimRight(first, " \t\r") == enrollMarker
}

// withStartupScript returns items with startup-script set to value, every
// other item kept in its place. It refuses to replace a startup-script the
// console did not write.
func withStartupScript(items []*computepb.Items, value string) ([]*computepb.Items, error) {
	out := make([]*computepb.Items, 0, len(items)+1)
	found := false
	for _, it := range items {
		if it.GetKey() != startupScriptKey {
			out = append(out, it)
			continue
		}
		if !consoleScript(it.GetValue()) {
			return nil, fmt.Errorf("%w: the instance already has a startup-script the console did not write; "+
				"it is left alone: remove it, or run the install command on the machine", providers.ErrInvalidState)
		}
		if !found {
			out = append(out, &computepb.Items{Key: ptr(startupScriptKey), Value: ptr(value)})
			found = true
		}
	}
	if !found {
		out = append(out, &computepb.Items{Key: ptr(startupScriptKey), Value: ptr(value)})
	}
	return out, nil
}

// bootNote says, for the status the instance had, when the script runs.
func bootNote(status string) string {
	switch status {
	case "TERMINATED", "STOPPING", "PROVISIONING", "STAGING":
		return noteStopped
	case "SUSPENDED", "SUSPENDING":
		return noteSuspended
	}
	return noteRunning
}
