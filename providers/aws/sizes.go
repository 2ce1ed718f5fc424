package aws

import (
	"context"
	"errors"
	"slices"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/neogenesys/console/providers"
)

// DescribeInstances tells an instance's type but not its size, so vCPUs and
// memory come from DescribeInstanceTypes, asked once per region and type and
// cached for the provider's life (a type's size never changes).

// typeBatch is how many types one DescribeInstanceTypes call asks for (the
// API's MaxResults limit).
const typeBatch = 100

type size struct {
	VCPUs    int
	MemoryMB int64
}

type sizeCache struct {
	mu sync.Mutex
	m  map[string]map[string]size // region → type → size; zero for unknown types
}

func (c *sizeCache) get(region, t string) (size, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[region][t]
	return s, ok
}

func (c *sizeCache) put(region string, sizes map[string]size) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]map[string]size{}
	}
	if c.m[region] == nil {
		c.m[region] = map[string]size{}
	}
	for t, s := range sizes {
		c.m[region][t] = s
	}
}

// fillSizes sets VCPUs and MemoryMB of vms, all in region, looking up the
// types the cache lacks.
func (p *provider) fillSizes(ctx context.Context, region string, vms []providers.VM) error {
	var missing []string
	for _, vm := range vms {
		if _, ok := p.sizes.get(region, vm.Type); !ok && vm.Type != "" && !slices.Contains(missing, vm.Type) {
			missing = append(missing, vm.Type)
		}
	}
	for batch := range slices.Chunk(missing, typeBatch) {
		found, err := p.lookupSizes(ctx, region, batch)
		if err != nil {
			return err
		}
		p.sizes.put(region, found)
	}
	for i := range vms {
		s, _ := p.sizes.get(region, vms[i].Type)
		vms[i].VCPUs, vms[i].MemoryMB = s.VCPUs, s.MemoryMB
	}
	return nil
}

// lookupSizes asks for the sizes of names. Types EC2 does not know (retired
// ones) get a zero size; credentials without ec2:DescribeInstanceTypes leave
// every size zero rather than failing the listing.
func (p *provider) lookupSizes(ctx context.Context, region string, names []string) (map[string]size, error) {
	out := make(map[string]size, len(names))
	for _, n := range names {
		out[n] = size{}
	}
	pg := ec2.NewDescribeInstanceTypesPaginator(p.ec2In(region), &ec2.DescribeInstanceTypesInput{
		InstanceTypes: toTypes(names),
	})
	for pages := 0; pg.HasMorePages() && pages < len(names); pages++ {
		page, err := pg.NextPage(ctx)
		var api smithy.APIError
		switch {
		case err == nil:
		case errors.As(err, &api) && api.ErrorCode() == "InvalidInstanceType" && len(names) > 1:
			// One unknown type fails the whole batch: ask for each alone.
			for _, n := range names {
				one, err := p.lookupSizes(ctx, region, []string{n})
				if err != nil {
					return nil, err
				}
				out[n] = one[n]
			}
			return out, nil
		case errors.As(err, &api) && (api.ErrorCode() == "InvalidInstanceType" || api.ErrorCode() == "UnauthorizedOperation"):
			return out, nil
		default:
			return nil, classify(ctx, region+" DescribeInstanceTypes", err)
		}
		for _, t := range page.InstanceTypes {
			var s size
			if t.VCpuInfo != nil {
				s.VCPUs = int(sdkaws.ToInt32(t.VCpuInfo.DefaultVCpus))
			}
			if t.MemoryInfo != nil {
				s.MemoryMB = sdkaws.ToInt64(t.MemoryInfo.SizeInMiB)
			}
			out[string(t.InstanceType)] = s
		}
	}
	return out, nil
}

func toTypes(names []string) []types.InstanceType {
	out := make([]types.InstanceType, len(names))
	for i, n := range names {
		out[i] = types.InstanceType(n)
	}
	return out
}
