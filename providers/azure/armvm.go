package azure

import (
	"encoding/json"
	"fmt"
)

// armVM is the part of a Microsoft.Compute/virtualMachines resource the
// adapter reads, in ARM's JSON. List decodes into it instead of
// armcompute.VirtualMachine: the SDK's generated decoders re-validate every
// nesting level, about 1 ms a VM against some 40 µs here (see bench_test.go),
// and decode a page as a whole, so one malformed record would lose it all.
type armVM struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Zones      []string          `json:"zones"`
	Properties struct {
		HardwareProfile *struct {
			VMSize           string `json:"vmSize"`
			VMSizeProperties *struct {
				VCPUsAvailable int `json:"vCPUsAvailable"`
			} `json:"vmSizeProperties"`
		} `json:"hardwareProfile"`
		StorageProfile *struct {
			OSDisk *struct {
				OSType     string `json:"osType"`
				DiskSizeGB int64  `json:"diskSizeGB"`
			} `json:"osDisk"`
			ImageReference *imageReference `json:"imageReference"`
		} `json:"storageProfile"`
		Host *struct {
			ID string `json:"id"`
		} `json:"host"`
		// Kept as text: an unparsable time costs the VM its CreatedAt, not
		// its place in the list.
		TimeCreated  string `json:"timeCreated"`
		InstanceView *struct {
			Statuses []struct {
				Code string `json:"code"`
			} `json:"statuses"`
		} `json:"instanceView"`
	} `json:"properties"`
}

type imageReference struct {
	Publisher               string `json:"publisher"`
	Offer                   string `json:"offer"`
	SKU                     string `json:"sku"`
	Version                 string `json:"version"`
	ID                      string `json:"id"`
	SharedGalleryImageID    string `json:"sharedGalleryImageId"`
	CommunityGalleryImageID string `json:"communityGalleryImageId"`
}

// listPage is one page of an ARM list, its records left raw so each is
// decoded on its own.
type listPage struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"nextLink"`
}

// decodeVM decodes one record; the error names the VM when it can.
func decodeVM(raw json.RawMessage) (armVM, error) {
	var vm armVM
	if err := json.Unmarshal(raw, &vm); err != nil {
		var named struct {
			ID   any `json:"id"`
			Name any `json:"name"`
		}
		_ = json.Unmarshal(raw, &named)
		return armVM{}, fmt.Errorf("vm %v: %w", firstOf(named.ID, named.Name, "?"), err)
	}
	return vm, nil
}

func firstOf(vs ...any) any {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return vs[len(vs)-1]
}

// statusCodes are the instance view's status codes, nil without one.
func (vm *armVM) statusCodes() []string {
	iv := vm.Properties.InstanceView
	if iv == nil {
		return nil
	}
	out := make([]string, 0, len(iv.Statuses))
	for _, s := range iv.Statuses {
		out = append(out, s.Code)
	}
	return out
}
