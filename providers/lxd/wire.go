package lxd

import "encoding/json"

// The instance record of GET /1.0/instances?recursion=2, as LXD 5.0 sends
// it (testdata/instances-5.0.2.json is a recorded answer). Only the fields
// the adapter reads are declared: snapshots, backups, counters and the rest
// are skipped unread, which keeps a 10,000-instance answer cheap; config is
// kept raw, as expanded_config holds it and the profiles' keys too; and
// created_at is a string so one bad timestamp cannot fail the record.
type wireInstance struct {
	Name            string                       `json:"name"`
	Project         string                       `json:"project"`
	Status          string                       `json:"status"`
	StatusCode      int                          `json:"status_code"`
	Type            string                       `json:"type"`
	Location        string                       `json:"location"`
	Architecture    string                       `json:"architecture"`
	CreatedAt       string                       `json:"created_at"`
	Config          json.RawMessage              `json:"config"` // read only without expanded_config
	ExpandedConfig  map[string]string            `json:"expanded_config"`
	ExpandedDevices map[string]map[string]string `json:"expanded_devices"`
	State           *wireState                   `json:"state"`
}

type wireState struct {
	Status string `json:"status"`
	Disk   map[string]struct {
		Usage int64 `json:"usage"`
		Total int64 `json:"total"`
	} `json:"disk"`
	Memory struct {
		Usage int64 `json:"usage"`
		Total int64 `json:"total"`
	} `json:"memory"`
	Network map[string]wireNIC `json:"network"`
}

type wireNIC struct {
	Type      string `json:"type"` // "loopback", "broadcast", "point-to-point"…
	Addresses []struct {
		Family  string `json:"family"` // "inet", "inet6"
		Address string `json:"address"`
		Netmask string `json:"netmask"`
		Scope   string `json:"scope"` // "global", "link", "local"
	} `json:"addresses"`
}
