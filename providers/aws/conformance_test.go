package aws

import (
	"testing"

	"github.com/neogenesys/console/providers/providertest"
	"github.com/neogenesys/console/providers/sim/ec2sim"
)

func TestConformance(t *testing.T) {
	// 60 instances over three regions, 20 each: pages of 6 make four pages
	// per region.
	env := newSimEnv(t, 60, ec2sim.Options{PageSize: 6})
	providertest.Run(t, providertest.Target{
		Kind:            Kind,
		Provider:        env.provider(t, nil),
		BadAuth:         env.provider(t, func(c *Config) { c.SecretAccessKey = "not-the-secret" }),
		WantIDs:         env.ids(),
		MinRegions:      3,
		Running:         env.running(),
		MissingID:       "i-0deadbeefdeadbeef",
		Requests:        env.sim.Faults.Requests,
		MinListRequests: 3 * 4,
		Throttle:        env.sim.Faults.Throttle,
		SetLatency:      env.sim.Faults.SetLatency,
		Corrupt:         env.sim.Corrupt,
	})
}
