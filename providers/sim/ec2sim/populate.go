package ec2sim

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// Regions Populate spreads VMs over, with availability zones that exist.
var populateRegions = []struct {
	Name  string
	Zones string // zone letters
	CIDR  string // first two octets of the default VPC
}{
	{"us-east-1", "abcdf", "172.31"},
	{"eu-west-1", "abc", "172.30"},
	{"ap-southeast-2", "abc", "172.29"},
}

var populateTypes = []sim.TypeSpec{catalog["t3.micro"], catalog["m5.large"], catalog["c6i.xlarge"]}

// images are a few AMIs per region with the platformDetails EC2 reports for
// them; the AMI ids are derived from the region so they differ as real ones do.
var populateImages = []struct {
	Salt     uint64
	Platform string
}{
	{1, "Linux/UNIX"},
	{2, "Linux/UNIX"},
	{3, "Red Hat Enterprise Linux"},
	{4, "Windows"},
}

// Populate adds n EC2 instances over us-east-1, eu-west-1 and ap-southeast-2:
// ids like i-0123456789abcdef0, one to three instances per reservation
// (sharing type, zone, image and launch time), about two in three running,
// Name/env/team tags (some with characters XML must escape), public
// addresses on some running instances. The same seed gives the same fleet.
func Populate(f *sim.Fleet, n int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5ca1ab1e))
	roles := []string{"web", "api", "db", "worker", "cache", "batch"}
	envs := []string{"prod", "staging", "dev"}
	teams := []string{"platform", "data", "payments", "ml & search"}
	base := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	type reservation struct {
		id, zone, image, os string
		t                   sim.TypeSpec
		left                int
		launched            time.Time
	}
	open := make([]reservation, len(populateRegions))
	start := f.Len()
	for j := range n {
		i := start + j
		ri := i % len(populateRegions)
		reg := populateRegions[ri]
		res := &open[ri]
		if res.left == 0 {
			img := populateImages[rng.IntN(len(populateImages))]
			*res = reservation{
				id:       "r-0" + hex16(mix(seed, uint64(i), 2)),
				zone:     reg.Name + string(reg.Zones[rng.IntN(len(reg.Zones))]),
				image:    "ami-0" + hex16(mix(hashString(reg.Name), img.Salt, 3)),
				os:       img.Platform,
				t:        populateTypes[rng.IntN(len(populateTypes))],
				left:     1 + rng.IntN(3),
				launched: base.Add(time.Duration(i) * 37 * time.Minute),
			}
		}
		res.left--
		env := envs[rng.IntN(len(envs))]
		vm := sim.VM{
			ID:        "i-0" + hex16(mix(seed, uint64(i), 1)),
			Name:      fmt.Sprintf("%s-%s-%04d", roles[rng.IntN(len(roles))], env, i),
			Region:    reg.Name,
			Zone:      res.zone,
			Group:     res.id,
			Type:      res.t.Name,
			VCPUs:     res.t.VCPUs,
			MemoryMB:  res.t.MemoryMB,
			DiskGB:    []int64{8, 30, 100}[rng.IntN(3)],
			PrivateIP: fmt.Sprintf("%s.%d.%d", reg.CIDR, i>>8&0xff, i&0xff),
			Image:     res.image,
			OS:        res.os,
			Tags:      map[string]string{"env": env, "team": teams[rng.IntN(len(teams))]},
			Created:   res.launched,
			State:     sim.Running,
		}
		switch r := rng.IntN(60); {
		case r == 0:
			// Terminated instances stay listed for a while, without addresses.
			vm.State, vm.PrivateIP = sim.Terminated, ""
		case r < 20:
			vm.State = sim.Stopped
		case r < 35:
			vm.PublicIP = fmt.Sprintf("%d.%d.%d.%d", []int{3, 18, 34, 54}[r%4], rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
		}
		if rng.IntN(8) == 0 {
			vm.Tags["cost-center"] = "R&D <ml>"
		}
		f.Add(vm)
	}
}

// mix derives a well-spread 64-bit value from a seed, an index and a salt;
// for a fixed seed and salt it is one-to-one in i (splitmix64's finalizer is
// a bijection), so derived ids never collide.
func mix(seed, i, salt uint64) uint64 {
	x := seed*0x9e3779b97f4a7c15 + salt*0xbf58476d1ce4e5b9 + i*0x94d049bb133111eb
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func hex16(v uint64) string { return fmt.Sprintf("%016x", v) }

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
