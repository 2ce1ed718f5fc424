package ec2sim

import (
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/neogenesys/console/providers/sim"
)

// catalog holds real sizes of a few current instance types (vCPUs, MiB),
// from the EC2 instance type reference.
var catalog = map[string]sim.TypeSpec{
	"t3.micro":   {Name: "t3.micro", VCPUs: 2, MemoryMB: 1024},
	"t3.small":   {Name: "t3.small", VCPUs: 2, MemoryMB: 2048},
	"t3.medium":  {Name: "t3.medium", VCPUs: 2, MemoryMB: 4096},
	"m5.large":   {Name: "m5.large", VCPUs: 2, MemoryMB: 8192},
	"m5.xlarge":  {Name: "m5.xlarge", VCPUs: 4, MemoryMB: 16384},
	"c6i.large":  {Name: "c6i.large", VCPUs: 2, MemoryMB: 4096},
	"c6i.xlarge": {Name: "c6i.xlarge", VCPUs: 4, MemoryMB: 8192},
	"r6i.large":  {Name: "r6i.large", VCPUs: 2, MemoryMB: 16384},
}

// instanceTypes is the catalog plus any type the fleet uses that it lacks,
// sized as the fleet's VMs of that type are.
func (s *Server) instanceTypes() map[string]sim.TypeSpec {
	out := maps.Clone(catalog)
	for _, vm := range s.Fleet.List(func(vm *sim.VM) bool { _, ok := out[vm.Type]; return !ok && vm.Type != "" }) {
		if _, ok := out[vm.Type]; !ok {
			out[vm.Type] = sim.TypeSpec{Name: vm.Type, VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB}
		}
	}
	return out
}

type instanceTypesXML struct {
	XMLName   xml.Name          `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeInstanceTypesResponse"`
	RequestID string            `xml:"requestId"`
	Types     []instanceTypeXML `xml:"instanceTypeSet>item"`
	NextToken string            `xml:"nextToken,omitempty"`
}

type instanceTypeXML struct {
	Name              string `xml:"instanceType"`
	CurrentGeneration bool   `xml:"currentGeneration"`
	Hypervisor        string `xml:"hypervisor"`
	VCPU              struct {
		Default        int `xml:"defaultVCpus"`
		Cores          int `xml:"defaultCores"`
		ThreadsPerCore int `xml:"defaultThreadsPerCore"`
	} `xml:"vCpuInfo"`
	Memory struct {
		MiB int64 `xml:"sizeInMiB"`
	} `xml:"memoryInfo"`
}

func (s *Server) describeInstanceTypes(c call) (any, *apiError) {
	limit, hasMax, err := maxResults(c.params, 5, 100)
	if err != nil {
		return nil, err
	}
	if !hasMax {
		limit = 100
	}
	known := s.instanceTypes()
	doc := instanceTypesXML{RequestID: requestID()}
	names := numbered(c.params, "InstanceType")
	if len(names) > 0 {
		var unknown []string
		for _, n := range names {
			if _, ok := known[n]; !ok {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			return nil, errBadRequest("InvalidInstanceType",
				fmt.Sprintf("The following supplied instance types do not exist: [%s]", strings.Join(unknown, ", ")))
		}
		slices.Sort(names)
		names = slices.Compact(names)
	} else {
		names = slices.Sorted(maps.Keys(known))
	}
	offset, err := parsePageToken(c.params.Get("NextToken"), "types", c.scope.Region)
	if err != nil {
		return nil, err
	}
	offset = min(offset, len(names))
	end := min(offset+limit, len(names))
	if end < len(names) {
		doc.NextToken = pageToken("types", c.scope.Region, end)
	}
	for _, n := range names[offset:end] {
		t := known[n]
		x := instanceTypeXML{Name: n, CurrentGeneration: true, Hypervisor: "nitro"}
		x.VCPU.Default, x.VCPU.ThreadsPerCore = t.VCPUs, min(max(t.VCPUs, 1), 2)
		x.VCPU.Cores = max(t.VCPUs/x.VCPU.ThreadsPerCore, 1)
		x.Memory.MiB = t.MemoryMB
		doc.Types = append(doc.Types, x)
	}
	return doc, nil
}
