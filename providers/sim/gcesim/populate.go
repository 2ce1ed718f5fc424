package gcesim

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/neogenesys/console/providers/sim"
)

// Populated fleets spread over these projects, zones, types and images.
var (
	populateProjects = []string{"acme-prod", "acme-dev"}
	populateZones    = []string{"us-central1-a", "us-central1-b", "europe-west1-b"}
	populateTypes    = []sim.TypeSpec{
		{Name: "e2-small", VCPUs: 2, MemoryMB: 2048},
		{Name: "n2-standard-4", VCPUs: 4, MemoryMB: 16384},
		{Name: "c3-highcpu-8", VCPUs: 8, MemoryMB: 16384},
	}
	populateImages = []struct{ license, os string }{
		{"debian-12-bookworm", "linux"},
		{"ubuntu-2404-noble-amd64", "linux"},
		{"cos-113", "linux"},
		{"windows-server-2022-dc", "windows"},
	}
)

// Populate adds n VMs as Compute Engine instances: projects acme-prod and
// acme-dev, zones us-central1-a, us-central1-b and europe-west1-b, machine
// types e2-small, n2-standard-4 and c3-highcpu-8, 19-digit numeric ids,
// names like web-prod-00042, labels env and team.
func Populate(f *sim.Fleet, n int, seed uint64) {
	var index []int // fleet index of each generated VM, by generation order
	ids := map[int]string{}
	f.Generate(sim.Spec{
		N:       n,
		Regions: []string{"us-central1", "europe-west1"},
		Groups:  populateProjects,
		Types:   populateTypes,
		Seed:    seed,
		IDFunc: func(i int) string {
			id := strconv.FormatUint(1_000_000_000_000_000_000+mix(seed^uint64(i))%8_000_000_000_000_000_000, 10)
			index = append(index, i)
			ids[i] = id
			return id
		},
	})
	rng := rand.New(rand.NewPCG(seed^0x6763657369d, seed))
	for _, i := range index {
		img := populateImages[rng.IntN(len(populateImages))]
		_ = f.Mutate(ids[i], func(vm *sim.VM) {
			env := map[string]string{"acme-prod": "prod", "acme-dev": "dev"}[vm.Group]
			vm.Zone = populateZones[i%len(populateZones)]
			vm.Region = regionOf(vm.Zone)
			vm.Tags["env"] = env
			vm.Name = fmt.Sprintf("%s-%s-%05d", vm.Tags["team"], env, i)
			vm.Image, vm.OS = img.license, img.os
		})
	}
}

// mix is SplitMix64's finaliser: distinct inputs give well spread outputs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
