package aws

import (
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/neogenesys/console/providers"
)

func TestStateOf(t *testing.T) {
	for _, tc := range []struct {
		code *int32
		name types.InstanceStateName
		want providers.State
	}{
		{sdkaws.Int32(0), "pending", providers.StatePending},
		{sdkaws.Int32(16), "running", providers.StateRunning},
		{sdkaws.Int32(32), "shutting-down", providers.StateStopping},
		{sdkaws.Int32(48), "terminated", providers.StateTerminated},
		{sdkaws.Int32(64), "stopping", providers.StateStopping},
		{sdkaws.Int32(80), "stopped", providers.StateStopped},
		{sdkaws.Int32(272), "running", providers.StateRunning}, // high byte set: internal, masked
		{sdkaws.Int32(0x5550), "stopped", providers.StateStopped},
		{nil, "stopping", providers.StateStopping}, // no code: the name decides
		{sdkaws.Int32(99), "running", providers.StateRunning},
		{sdkaws.Int32(99), "exploding", providers.StateUnknown},
		{nil, "", providers.StateUnknown},
	} {
		got := stateOf(&types.InstanceState{Code: tc.code, Name: tc.name})
		if got != tc.want {
			t.Errorf("stateOf(code %v, %q) = %q, want %q", sdkaws.ToInt32(tc.code), tc.name, got, tc.want)
		}
	}
	if got := stateOf(nil); got != providers.StateUnknown {
		t.Errorf("stateOf(nil) = %q", got)
	}
}

func TestToVM(t *testing.T) {
	p := &provider{accountID: "acct-7"}
	launched := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in := types.Instance{
		InstanceId:       sdkaws.String("i-0123456789abcdef0"),
		ImageId:          sdkaws.String("ami-0abc"),
		InstanceType:     types.InstanceTypeM5Large,
		State:            &types.InstanceState{Code: sdkaws.Int32(16), Name: "running"},
		LaunchTime:       &launched,
		Placement:        &types.Placement{AvailabilityZone: sdkaws.String("eu-west-1b")},
		PrivateIpAddress: sdkaws.String("172.30.0.5"),
		PublicIpAddress:  sdkaws.String("3.3.3.3"),
		Ipv6Address:      sdkaws.String("2600:1f18::1"),
		PlatformDetails:  sdkaws.String("Linux/UNIX"),
		Tags: []types.Tag{
			{Key: sdkaws.String("Name"), Value: sdkaws.String("web-1")},
			{Key: sdkaws.String("cost-center"), Value: sdkaws.String("R&D <ml>")},
		},
		NetworkInterfaces: []types.InstanceNetworkInterface{{
			PrivateIpAddresses: []types.InstancePrivateIpAddress{
				{PrivateIpAddress: sdkaws.String("172.30.0.5"), Association: &types.InstanceNetworkInterfaceAssociation{PublicIp: sdkaws.String("3.3.3.3")}},
				{PrivateIpAddress: sdkaws.String("172.30.0.6")},
			},
			Ipv6Addresses: []types.InstanceIpv6Address{{Ipv6Address: sdkaws.String("2600:1f18::2")}},
		}},
	}
	got, ok := p.toVM("eu-west-1", in)
	if !ok {
		t.Fatal("toVM refused a complete instance")
	}
	want := providers.VM{
		Provider:   "aws",
		AccountID:  "acct-7",
		ID:         "i-0123456789abcdef0",
		Name:       "web-1",
		State:      providers.StateRunning,
		Region:     "eu-west-1",
		Zone:       "eu-west-1b",
		Type:       "m5.large",
		PrivateIPs: []string{"172.30.0.5", "172.30.0.6"},
		PublicIPs:  []string{"3.3.3.3", "2600:1f18::1", "2600:1f18::2"},
		OS:         "Linux/UNIX",
		Image:      "ami-0abc",
		Tags:       map[string]string{"Name": "web-1", "cost-center": "R&D <ml>"},
		CreatedAt:  launched,
		ConsoleURL: "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0123456789abcdef0",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("toVM (-want +got):\n%s", d)
	}

	// A bare record: the id stands in for the name, slices and map are
	// empty but not nil, the platform is the OS of last resort.
	got, ok = p.toVM("us-east-1", types.Instance{InstanceId: sdkaws.String("i-0aaaaaaaaaaaaaaaa"), Platform: types.PlatformValuesWindows})
	if !ok || got.Name != "i-0aaaaaaaaaaaaaaaa" || got.State != providers.StateUnknown || got.OS != "Windows" ||
		got.PrivateIPs == nil || got.PublicIPs == nil || got.Tags == nil || !got.CreatedAt.IsZero() {
		t.Errorf("bare instance = %+v", got)
	}
	if _, ok := p.toVM("us-east-1", types.Instance{ImageId: sdkaws.String("ami-1")}); ok {
		t.Error("toVM accepted an instance without an id")
	}
}
