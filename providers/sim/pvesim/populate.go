package pvesim

import (
	"fmt"
	"strconv"

	"github.com/neogenesys/console/providers/sim"
)

// Nodes are the nodes Populate spreads guests over.
var Nodes = []string{"pve1", "pve2", "pve3"}

// Populate adds n guests as a homelab cluster has them: vmids from 100 (in
// the order added), spread over nodes pve1..pve3, about three in five qemu
// VMs and the rest lxc containers, pools prod/dev/infra (some in none), PVE
// tags like "prod;web", one guest in 25 a template and one qemu VM in 7
// without a running guest agent.
func Populate(f *sim.Fleet, n int, seed uint64) {
	start := f.Len()
	f.Generate(sim.Spec{
		N:       n,
		Regions: []string{"homelab"},
		Hosts:   Nodes,
		Groups:  []string{"prod", "dev", "infra", ""},
		Kinds:   []string{"qemu", "lxc", "qemu", "qemu", "lxc"},
		Types: []sim.TypeSpec{
			{Name: "small", VCPUs: 1, MemoryMB: 1024}, {Name: "medium", VCPUs: 2, MemoryMB: 4096},
			{Name: "large", VCPUs: 4, MemoryMB: 8192}, {Name: "xlarge", VCPUs: 8, MemoryMB: 16384},
		},
		Seed:   seed,
		IDFunc: func(i int) string { return strconv.Itoa(100 + i) },
		Prefix: "guest",
	})
	roles := []string{"web", "db", "cache", "ci", "mon", "dns", "proxy"}
	for j := range n {
		i := start + j
		_ = f.Mutate(strconv.Itoa(100+i), func(vm *sim.VM) {
			vm.Name = fmt.Sprintf("%s-%s-%03d", roles[i%len(roles)], vm.Tags["env"], i)
			vm.Type = vm.Kind
			vm.OS = map[string]string{"qemu": "l26", "lxc": "debian"}[vm.Kind]
			switch {
			case i%25 == 24:
				vm.Tags[TagTemplate] = "1"
				vm.State = sim.Stopped
				vm.Name = fmt.Sprintf("tmpl-debian-12-%d", 100+i)
			case vm.Kind == "qemu" && i%7 == 3:
				vm.Tags[TagNoAgent] = "1"
			}
		})
	}
}
