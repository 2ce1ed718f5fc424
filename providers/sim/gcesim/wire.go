package gcesim

// JSON shapes of the Compute Engine v1 REST API, as documented at
// https://cloud.google.com/compute/docs/reference/rest/v1 (instances,
// zones, machineTypes, zoneOperations). Only the fields a client reads are
// modelled; int64 fields are JSON strings, as the real API sends them.

const selfLinkBase = "https://www.googleapis.com/compute/v1/"

type instance struct {
	Kind              string             `json:"kind"`
	ID                string             `json:"id"`
	CreationTimestamp string             `json:"creationTimestamp"`
	Name              string             `json:"name,omitempty"`
	Description       string             `json:"description"`
	Tags              fingerprinted      `json:"tags"`
	MachineType       string             `json:"machineType"`
	Status            string             `json:"status"`
	Zone              string             `json:"zone"`
	CanIPForward      bool               `json:"canIpForward"`
	NetworkInterfaces []networkInterface `json:"networkInterfaces"`
	Disks             []attachedDisk     `json:"disks"`
	Metadata          metadata           `json:"metadata"`
	SelfLink          string             `json:"selfLink"`
	Scheduling        scheduling         `json:"scheduling"`
	CPUPlatform       string             `json:"cpuPlatform"`
	Labels            map[string]string  `json:"labels,omitempty"`
	LabelFingerprint  string             `json:"labelFingerprint"`
	StartRestricted   bool               `json:"startRestricted"`
	DeletionProtect   bool               `json:"deletionProtection"`
	Fingerprint       string             `json:"fingerprint"`
}

type fingerprinted struct {
	Fingerprint string `json:"fingerprint"`
}

type metadata struct {
	Kind        string         `json:"kind"`
	Fingerprint string         `json:"fingerprint"`
	Items       []metadataItem `json:"items,omitempty"`
}

type scheduling struct {
	OnHostMaintenance string `json:"onHostMaintenance"`
	AutomaticRestart  bool   `json:"automaticRestart"`
	Preemptible       bool   `json:"preemptible"`
	ProvisioningModel string `json:"provisioningModel"`
}

type networkInterface struct {
	Kind          string         `json:"kind"`
	Network       string         `json:"network"`
	Subnetwork    string         `json:"subnetwork"`
	NetworkIP     string         `json:"networkIP"`
	Name          string         `json:"name"`
	AccessConfigs []accessConfig `json:"accessConfigs,omitempty"`
	Fingerprint   string         `json:"fingerprint"`
	StackType     string         `json:"stackType"`
}

type accessConfig struct {
	Kind        string `json:"kind"`
	Type        string `json:"type"`
	Name        string `json:"name"`
	NatIP       string `json:"natIP"`
	NetworkTier string `json:"networkTier"`
}

type attachedDisk struct {
	Kind            string           `json:"kind"`
	Type            string           `json:"type"`
	Mode            string           `json:"mode"`
	Source          string           `json:"source"`
	DeviceName      string           `json:"deviceName"`
	Index           int              `json:"index"`
	Boot            bool             `json:"boot"`
	AutoDelete      bool             `json:"autoDelete"`
	Licenses        []string         `json:"licenses,omitempty"`
	Interface       string           `json:"interface"`
	GuestOSFeatures []guestOSFeature `json:"guestOsFeatures,omitempty"`
	DiskSizeGB      string           `json:"diskSizeGb"`
	Architecture    string           `json:"architecture"`
}

type guestOSFeature struct {
	Type string `json:"type"`
}

type warning struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Data    []warningData `json:"data"`
}

type warningData struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// instancesScopedList is one entry of an aggregated list's items map:
// either instances or a warning saying the scope has none on this page.
type instancesScopedList struct {
	Instances []instance `json:"instances,omitempty"`
	Warning   *warning   `json:"warning,omitempty"`
}

type instanceAggregatedList struct {
	Kind          string                         `json:"kind"`
	ID            string                         `json:"id"`
	Items         map[string]instancesScopedList `json:"items"`
	NextPageToken string                         `json:"nextPageToken,omitempty"`
	SelfLink      string                         `json:"selfLink"`
}

type instanceList struct {
	Kind          string     `json:"kind"`
	ID            string     `json:"id"`
	Items         []instance `json:"items,omitempty"`
	NextPageToken string     `json:"nextPageToken,omitempty"`
	SelfLink      string     `json:"selfLink"`
}

type zone struct {
	Kind                  string   `json:"kind"`
	ID                    string   `json:"id"`
	CreationTimestamp     string   `json:"creationTimestamp"`
	Name                  string   `json:"name"`
	Description           string   `json:"description"`
	Status                string   `json:"status"`
	Region                string   `json:"region"`
	SelfLink              string   `json:"selfLink"`
	AvailableCPUPlatforms []string `json:"availableCpuPlatforms"`
	SupportsPzs           bool     `json:"supportsPzs"`
}

type zoneList struct {
	Kind          string `json:"kind"`
	ID            string `json:"id"`
	Items         []zone `json:"items"`
	NextPageToken string `json:"nextPageToken,omitempty"`
	SelfLink      string `json:"selfLink"`
}

type machineType struct {
	Kind                         string `json:"kind"`
	ID                           string `json:"id"`
	CreationTimestamp            string `json:"creationTimestamp"`
	Name                         string `json:"name"`
	Description                  string `json:"description"`
	GuestCPUs                    int    `json:"guestCpus"`
	MemoryMB                     int64  `json:"memoryMb"`
	MaximumPersistentDisks       int    `json:"maximumPersistentDisks"`
	MaximumPersistentDisksSizeGB string `json:"maximumPersistentDisksSizeGb"`
	Zone                         string `json:"zone"` // a name here, not a URL
	SelfLink                     string `json:"selfLink"`
	IsSharedCPU                  bool   `json:"isSharedCpu"`
	Architecture                 string `json:"architecture"`
}

type machineTypesScopedList struct {
	MachineTypes []machineType `json:"machineTypes,omitempty"`
	Warning      *warning      `json:"warning,omitempty"`
}

type machineTypeAggregatedList struct {
	Kind          string                            `json:"kind"`
	ID            string                            `json:"id"`
	Items         map[string]machineTypesScopedList `json:"items"`
	NextPageToken string                            `json:"nextPageToken,omitempty"`
	SelfLink      string                            `json:"selfLink"`
}

type machineTypeList struct {
	Kind          string        `json:"kind"`
	ID            string        `json:"id"`
	Items         []machineType `json:"items"`
	NextPageToken string        `json:"nextPageToken,omitempty"`
	SelfLink      string        `json:"selfLink"`
}

type operation struct {
	Kind                string          `json:"kind"`
	ID                  string          `json:"id"`
	Name                string          `json:"name"`
	Zone                string          `json:"zone"`
	OperationType       string          `json:"operationType"`
	TargetLink          string          `json:"targetLink"`
	TargetID            string          `json:"targetId"`
	Status              string          `json:"status"`
	User                string          `json:"user"`
	Progress            int             `json:"progress"`
	InsertTime          string          `json:"insertTime"`
	StartTime           string          `json:"startTime,omitempty"`
	EndTime             string          `json:"endTime,omitempty"`
	Error               *operationError `json:"error,omitempty"`
	HTTPErrorStatusCode int             `json:"httpErrorStatusCode,omitempty"`
	HTTPErrorMessage    string          `json:"httpErrorMessage,omitempty"`
	SelfLink            string          `json:"selfLink"`
}

type operationError struct {
	Errors []operationErrorItem `json:"errors"`
}

type operationErrorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError is the error body every Google JSON API answers with.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Errors  []apiErrorItem `json:"errors"`
	Status  string         `json:"status,omitempty"`
}

type apiErrorItem struct {
	Message string `json:"message"`
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
}
