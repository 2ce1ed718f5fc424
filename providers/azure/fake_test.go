package azure

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7/fake"

	"github.com/neogenesys/console/providers"
)

// These tests use the SDK's own fakes (armcompute/v7/fake) for answers the
// simulator has no reason to give: forbidden, a failed operation, a VM the
// status listing lacks, a subscription without Microsoft.Compute.

func fakeProvider(t *testing.T, srv *fake.ServerFactory, cred azcore.TokenCredential) *Provider {
	t.Helper()
	c := validConfig()
	c.Subscriptions = []string{sub1}
	c.PollInterval = 10 // the fakes answer at once
	if cred == nil {
		cred = &azfake.TokenCredential{}
	}
	p, err := newProvider("acct", c, cred, &arm.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: serialFake{&sync.Mutex{}, fake.NewServerFactoryTransport(srv)},
		Retry:     policy.RetryOptions{MaxRetries: -1}, // no waiting between tries
	}}, "https://portal.azure.com", &transport{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serialFake hands the fakes one request at a time, without cancellation:
// armcompute/v7/fake's pager responders are not safe for concurrent
// requests, and when a request's context ends while a fake is answering it
// may send on the channel it has just closed and panic. The fakes answer at
// once, so nothing is lost.
type serialFake struct {
	mu   *sync.Mutex
	next policy.Transporter
}

func (f serialFake) Do(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next.Do(req.WithContext(context.WithoutCancel(req.Context())))
}

func vmID(name string) string {
	return "/subscriptions/" + sub1 + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/" + name
}

func TestPowerErrorMapping(t *testing.T) {
	type lro = azfake.PollerResponder[armcompute.VirtualMachinesClientStartResponse]
	cases := []struct {
		name   string
		status int
		code   string
		failOp bool // the operation is accepted, then fails
		want   error
	}{
		{"conflict", http.StatusConflict, "OperationNotAllowed", false, providers.ErrInvalidState},
		{"forbidden", http.StatusForbidden, "AuthorizationFailed", false, providers.ErrAuth},
		{"unauthorized", http.StatusUnauthorized, "InvalidAuthenticationToken", false, providers.ErrAuth},
		{"not found", http.StatusNotFound, "ResourceNotFound", false, providers.ErrNotFound},
		{"throttled", http.StatusTooManyRequests, "TooManyRequests", false, providers.ErrThrottled},
		{"operation preempted", http.StatusConflict, "OperationPreempted", true, providers.ErrInvalidState},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := &fake.ServerFactory{VirtualMachinesServer: fake.VirtualMachinesServer{
				BeginStart: func(_ context.Context, rg, name string, _ *armcompute.VirtualMachinesClientBeginStartOptions) (resp lro, errResp azfake.ErrorResponder) {
					if c.failOp {
						resp.AddNonTerminalResponse(http.StatusAccepted, nil)
						resp.SetTerminalError(c.status, c.code)
					} else {
						errResp.SetResponseError(c.status, c.code)
					}
					return
				},
			}}
			err := fakeProvider(t, srv, nil).Power(context.Background(), vmID("web-1"), providers.Start)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.code) {
				t.Errorf("Power = %v, want %v carrying %s", err, c.want, c.code)
			}
			if errors.Is(err, providers.ErrAuth) && !strings.Contains(err.Error(), "credentials") {
				t.Errorf("auth error %q does not mention the credentials", err)
			}
		})
	}
}

func TestPowerCallsTheBillingStop(t *testing.T) {
	var called []string
	ok := func(name string) { called = append(called, name) }
	srv := &fake.ServerFactory{VirtualMachinesServer: fake.VirtualMachinesServer{
		BeginStart: func(_ context.Context, _, _ string, _ *armcompute.VirtualMachinesClientBeginStartOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientStartResponse], _ azfake.ErrorResponder) {
			ok("start")
			resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachinesClientStartResponse{}, nil)
			return
		},
		BeginDeallocate: func(_ context.Context, _, _ string, _ *armcompute.VirtualMachinesClientBeginDeallocateOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientDeallocateResponse], _ azfake.ErrorResponder) {
			ok("deallocate")
			resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachinesClientDeallocateResponse{}, nil)
			return
		},
		BeginRestart: func(_ context.Context, _, _ string, _ *armcompute.VirtualMachinesClientBeginRestartOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientRestartResponse], _ azfake.ErrorResponder) {
			ok("restart")
			resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachinesClientRestartResponse{}, nil)
			return
		},
	}}
	p := fakeProvider(t, srv, nil)
	for _, a := range []providers.Action{providers.Start, providers.Stop, providers.Reboot} {
		if err := p.Power(context.Background(), vmID("web-1"), a); err != nil {
			t.Fatalf("Power(%s): %v", a, err)
		}
	}
	if got := strings.Join(called, ","); got != "start,deallocate,restart" {
		t.Errorf("calls = %s, want start,deallocate,restart (stop deallocates)", got)
	}
}

func TestTokenFailureIsAuth(t *testing.T) {
	cred := &azfake.TokenCredential{}
	cred.SetError(&azidentity.AuthenticationFailedError{})
	err := fakeProvider(t, &fake.ServerFactory{}, cred).Power(context.Background(), vmID("web-1"), providers.Start)
	if !errors.Is(err, providers.ErrAuth) {
		t.Errorf("Power with a failing credential = %v, want ErrAuth", err)
	}
}

// listFake serves one model page and one status page.
func listFake(model, status []*armcompute.VirtualMachine, sizes []*armcompute.VirtualMachineSize) *fake.ServerFactory {
	return &fake.ServerFactory{
		VirtualMachinesServer: fake.VirtualMachinesServer{
			NewListAllPager: func(o *armcompute.VirtualMachinesClientListAllOptions) (resp azfake.PagerResponder[armcompute.VirtualMachinesClientListAllResponse]) {
				page := model
				if o != nil && o.StatusOnly != nil && *o.StatusOnly == "true" {
					page = status
				}
				resp.AddPage(http.StatusOK, armcompute.VirtualMachinesClientListAllResponse{
					VirtualMachineListResult: armcompute.VirtualMachineListResult{Value: page}}, nil)
				return
			},
		},
		VirtualMachineSizesServer: fake.VirtualMachineSizesServer{
			NewListPager: func(string, *armcompute.VirtualMachineSizesClientListOptions) (resp azfake.PagerResponder[armcompute.VirtualMachineSizesClientListResponse]) {
				resp.AddPage(http.StatusOK, armcompute.VirtualMachineSizesClientListResponse{
					VirtualMachineSizeListResult: armcompute.VirtualMachineSizeListResult{Value: sizes}}, nil)
				return
			},
		},
	}
}

func TestListJoinsModelAndStatus(t *testing.T) {
	size := to.Ptr(armcompute.VirtualMachineSizeTypes("Standard_D4s_v5"))
	model := []*armcompute.VirtualMachine{
		{ID: to.Ptr(vmID("a")), Name: to.Ptr("a"), Location: to.Ptr("westeurope"),
			Properties: &armcompute.VirtualMachineProperties{HardwareProfile: &armcompute.HardwareProfile{VMSize: size}}},
		{ID: to.Ptr(vmID("b")), Name: to.Ptr("b"), Location: to.Ptr("westeurope")},
		{Name: to.Ptr("no-id"), Location: to.Ptr("westeurope")},
	}
	status := []*armcompute.VirtualMachine{
		// ARM ids may come back in another case.
		{ID: to.Ptr(strings.ToUpper(vmID("a"))), Properties: &armcompute.VirtualMachineProperties{
			InstanceView: &armcompute.VirtualMachineInstanceView{Statuses: []*armcompute.InstanceViewStatus{
				{Code: to.Ptr("ProvisioningState/succeeded")}, {Code: to.Ptr("PowerState/deallocated")}}}}},
		{Name: to.Ptr("status without id")},
		// c was created between the listings: no model, not listed.
		{ID: to.Ptr(vmID("c"))},
	}
	sizes := []*armcompute.VirtualMachineSize{{Name: to.Ptr("Standard_D4s_v5"), NumberOfCores: to.Ptr[int32](4), MemoryInMB: to.Ptr[int32](16384)}}
	p := fakeProvider(t, listFake(model, status, sizes), nil)
	got := map[string]providers.VM{}
	err := p.List(context.Background(), func(vm providers.VM) error { got[vm.Name] = vm; return nil })
	var pe *providers.PartialError
	if !errors.As(err, &pe) || pe.Skipped != 1 {
		t.Errorf("List = %v, want a PartialError with one skipped record", err)
	}
	if len(got) != 2 {
		t.Fatalf("listed %v, want a and b", got)
	}
	if a := got["a"]; a.State != providers.StateStopped || a.VCPUs != 4 || a.MemoryMB != 16384 {
		t.Errorf("a = %s, %d vCPUs, %d MB; want stopped, 4, 16384", a.State, a.VCPUs, a.MemoryMB)
	}
	if b := got["b"]; b.State != providers.StateUnknown {
		t.Errorf("b (missing from the status listing) = %s, want unknown", b.State)
	}
}

func TestListSubscriptionWithoutCompute(t *testing.T) {
	srv := &fake.ServerFactory{VirtualMachinesServer: fake.VirtualMachinesServer{
		NewListAllPager: func(*armcompute.VirtualMachinesClientListAllOptions) (resp azfake.PagerResponder[armcompute.VirtualMachinesClientListAllResponse]) {
			resp.AddResponseError(http.StatusConflict, "MissingSubscriptionRegistration")
			return
		},
	}}
	n := 0
	if err := fakeProvider(t, srv, nil).List(context.Background(), func(providers.VM) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("List of a subscription without Microsoft.Compute = %d VMs, %v; want none and no error", n, err)
	}
}

func TestListStopsOnEmitError(t *testing.T) {
	var model []*armcompute.VirtualMachine
	for _, n := range []string{"a", "b", "c"} {
		model = append(model, &armcompute.VirtualMachine{ID: to.Ptr(vmID(n)), Location: to.Ptr("eastus")})
	}
	p := fakeProvider(t, listFake(model, nil, nil), nil)
	stop := errors.New("enough")
	calls := 0
	err := p.List(context.Background(), func(providers.VM) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List = %v after %d emits, want emit's error after 1", err, calls)
	}
}
