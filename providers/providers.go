// Package providers declares what a cloud account adapter is: the Provider
// interface, the unified VM model every adapter fills, and one registry of
// provider kinds, each with its Config type (in the manner of Prometheus'
// discovery.RegisterConfig). Adapters live in subpackages and never import
// each other.
package providers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Sentinel errors adapters wrap, so the sync engine and the HTTP layer can
// tell failures apart without knowing the provider.
var (
	ErrNotFound     = errors.New("vm not found")
	ErrAuth         = errors.New("provider rejected the credentials")
	ErrThrottled    = errors.New("provider throttled the request")
	ErrUnreachable  = errors.New("provider unreachable")
	ErrInvalidState = errors.New("action does not fit the vm's state")
)

// Action is a power action.
type Action string

const (
	Start  Action = "start"
	Stop   Action = "stop"
	Reboot Action = "reboot"
)

// Valid reports whether a is one of the three actions.
func (a Action) Valid() bool { return a == Start || a == Stop || a == Reboot }

// State is a VM's power state, the same words for every provider.
type State string

const (
	StateRunning    State = "running"
	StateStopped    State = "stopped"
	StatePending    State = "pending"
	StateStopping   State = "stopping"
	StateTerminated State = "terminated"
	StateUnknown    State = "unknown"
)

// Allows reports whether action a makes sense in state s: starting a running
// VM or stopping a stopped one is refused with ErrInvalidState.
func (s State) Allows(a Action) bool {
	switch a {
	case Start:
		return s == StateStopped
	case Stop, Reboot:
		return s == StateRunning
	}
	return false
}

// VM is one virtual machine or container, whatever the provider.
type VM struct {
	Provider   string            `json:"provider"`  // kind: aws, gcp, azure, lxd, proxmox
	AccountID  string            `json:"accountId"` // the console's cloud account id
	ID         string            `json:"id"`        // the provider's own id (i-…, numeric, resource id, name, vmid)
	Name       string            `json:"name"`
	State      State             `json:"state"`
	Region     string            `json:"region,omitempty"` // region or zone
	Zone       string            `json:"zone,omitempty"`
	Host       string            `json:"host,omitempty"`    // Proxmox node, LXD cluster member
	Cluster    string            `json:"cluster,omitempty"` // Proxmox cluster, LXD cluster
	Type       string            `json:"type,omitempty"`    // instance type / size / "container"
	VCPUs      int               `json:"vcpus,omitempty"`
	MemoryMB   int64             `json:"memoryMb,omitempty"`
	DiskGB     int64             `json:"diskGb,omitempty"`
	PrivateIPs []string          `json:"privateIps"`
	PublicIPs  []string          `json:"publicIps"`
	OS         string            `json:"os,omitempty"`
	Image      string            `json:"image,omitempty"`
	Tags       map[string]string `json:"tags"`
	CreatedAt  time.Time         `json:"createdAt,omitzero"`
	ConsoleURL string            `json:"consoleUrl,omitempty"` // deep link to the provider's own console
}

// AccountInfo is what Check learned about an account.
type AccountInfo struct {
	Identity string   `json:"identity"` // account, project, subscription or cluster name
	Regions  []string `json:"regions"`
}

// A Provider is one connected cloud account (an AWS account, a GCP project,
// an Azure subscription, an LXD server or cluster, a Proxmox VE cluster).
type Provider interface {
	// Check verifies credentials and reachability.
	Check(ctx context.Context) (AccountInfo, error)
	// List calls emit for every VM in every region, zone or node.
	List(ctx context.Context, emit func(VM) error) error
	// Power runs a power action on one VM.
	Power(ctx context.Context, vmID string, a Action) error
}

// Config is one provider kind's account configuration.
type Config interface {
	// Kind is the provider's name, e.g. "aws".
	Kind() string
	// Validate says what is wrong with the configuration, naming the field.
	Validate() error
	// New returns a Provider for account accountID.
	New(accountID string) (Provider, error)
}

// Kind registers a provider kind: its name and how to make an empty Config
// (with defaults) to decode an account's configuration into.
type Kind struct {
	Name      string
	Title     string // for people: "Amazon Web Services"
	NewConfig func() Config
}

var registry = map[string]Kind{}

// Register adds a provider kind. Adapters call it from init; a second
// registration of one name is a programming error.
func Register(k Kind) {
	if k.Name == "" || k.NewConfig == nil {
		panic("providers: Register needs a name and NewConfig")
	}
	if _, dup := registry[k.Name]; dup {
		panic(fmt.Sprintf("providers: kind %q registered twice", k.Name))
	}
	if got := k.NewConfig().Kind(); got != k.Name {
		panic(fmt.Sprintf("providers: kind %q makes configs of kind %q", k.Name, got))
	}
	registry[k.Name] = k
}

// Lookup returns a registered kind.
func Lookup(name string) (Kind, error) {
	k, ok := registry[name]
	if !ok {
		return Kind{}, fmt.Errorf("unknown provider kind %q (known: %v)", name, Names())
	}
	return k, nil
}

// Names lists the registered kinds, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
