package aws

import (
	"net/url"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/neogenesys/console/providers"
)

// stateByCode maps EC2 instance state codes (low byte) to console states.
var stateByCode = map[int32]providers.State{
	0:  providers.StatePending,
	16: providers.StateRunning,
	32: providers.StateStopping, // shutting-down, on the way to terminated
	48: providers.StateTerminated,
	64: providers.StateStopping,
	80: providers.StateStopped,
}

// stateByName is the fallback when the code is missing or unknown.
var stateByName = map[types.InstanceStateName]providers.State{
	types.InstanceStateNamePending:      providers.StatePending,
	types.InstanceStateNameRunning:      providers.StateRunning,
	types.InstanceStateNameShuttingDown: providers.StateStopping,
	types.InstanceStateNameTerminated:   providers.StateTerminated,
	types.InstanceStateNameStopping:     providers.StateStopping,
	types.InstanceStateNameStopped:      providers.StateStopped,
}

// stateOf maps an instance state. EC2 documents the code's high byte as
// internal, so it is masked off.
func stateOf(s *types.InstanceState) providers.State {
	if s == nil {
		return providers.StateUnknown
	}
	if s.Code != nil {
		if st, ok := stateByCode[*s.Code&0xFF]; ok {
			return st
		}
	}
	if st, ok := stateByName[s.Name]; ok {
		return st
	}
	return providers.StateUnknown
}

// consoleURL is the instance's page in the EC2 console.
func consoleURL(region, id string) string {
	r := url.QueryEscape(region)
	return "https://" + r + ".console.aws.amazon.com/ec2/home?region=" + r + "#InstanceDetails:instanceId=" + url.QueryEscape(id)
}

// toVM converts one instance; ok is false when it has no id to go by.
// Sizes (vCPUs, memory) are filled in later from the instance type.
func (p *provider) toVM(region string, in types.Instance) (vm providers.VM, ok bool) {
	id := sdkaws.ToString(in.InstanceId)
	if id == "" {
		return vm, false
	}
	vm = providers.VM{
		Provider:   Kind,
		AccountID:  p.accountID,
		ID:         id,
		Name:       id,
		State:      stateOf(in.State),
		Region:     region,
		Type:       string(in.InstanceType),
		OS:         sdkaws.ToString(in.PlatformDetails),
		Image:      sdkaws.ToString(in.ImageId),
		PrivateIPs: []string{},
		PublicIPs:  []string{},
		Tags:       make(map[string]string, len(in.Tags)),
		CreatedAt:  sdkaws.ToTime(in.LaunchTime),
		ConsoleURL: consoleURL(region, id),
	}
	if vm.OS == "" && in.Platform != "" {
		vm.OS = string(in.Platform)
	}
	if in.Placement != nil {
		vm.Zone = sdkaws.ToString(in.Placement.AvailabilityZone)
		vm.Host = sdkaws.ToString(in.Placement.HostId) // dedicated hosts only
	}
	for _, t := range in.Tags {
		k := sdkaws.ToString(t.Key)
		if k == "" {
			continue
		}
		vm.Tags[k] = sdkaws.ToString(t.Value)
		if k == "Name" && sdkaws.ToString(t.Value) != "" {
			vm.Name = sdkaws.ToString(t.Value)
		}
	}
	addIP := func(list *[]string, ip *string) {
		if v := sdkaws.ToString(ip); v != "" && !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	// The primary addresses first, then those of every interface.
	addIP(&vm.PrivateIPs, in.PrivateIpAddress)
	addIP(&vm.PublicIPs, in.PublicIpAddress)
	addIP(&vm.PublicIPs, in.Ipv6Address)
	for _, ni := range in.NetworkInterfaces {
		for _, pa := range ni.PrivateIpAddresses {
			addIP(&vm.PrivateIPs, pa.PrivateIpAddress)
			if pa.Association != nil {
				addIP(&vm.PublicIPs, pa.Association.PublicIp)
			}
		}
		for _, a := range ni.Ipv6Addresses {
			addIP(&vm.PublicIPs, a.Ipv6Address)
		}
	}
	return vm, true
}
