package proxmox

import (
	"context"
	"encoding/json"

	"github.com/neogenesys/console/providers"
)

// Check verifies the credentials (GET /version) and reads the cluster's
// name and nodes (GET /cluster/status). The identity is the cluster name, or
// the host's name when it is not in a cluster; the regions are the nodes.
func (p *Provider) Check(ctx context.Context) (providers.AccountInfo, error) {
	var v struct {
		Version text `json:"version"`
	}
	if err := p.get(ctx, "/version", &v); err != nil {
		return providers.AccountInfo{}, classify("check", err)
	}
	c, err := p.clusterStatus(ctx)
	if err != nil {
		return providers.AccountInfo{}, classify("check", err)
	}
	regions := c.nodes
	if regions == nil {
		regions = []string{}
	}
	return providers.AccountInfo{Identity: c.identity(), Regions: regions}, nil
}

func (p *Provider) clusterStatus(ctx context.Context) (clusterInfo, error) {
	var raw []json.RawMessage
	if err := p.get(ctx, "/cluster/status", &raw); err != nil {
		return clusterInfo{}, err
	}
	return parseClusterStatus(raw), nil
}
