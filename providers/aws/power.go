package aws

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/neogenesys/console/providers"
)

// An instance id (i- and 8 or 17 hex digits) does not name its region, and
// every EC2 call is regional: Power looks the region up in what the last
// List saw, and otherwise asks every region.

var instanceIDRE = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)

// locations maps instance ids to regions.
type locations struct {
	mu sync.Mutex
	m  map[string]string
}

func (l *locations) get(id string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.m[id]
	return r, ok
}

func (l *locations) set(id, region string) {
	l.merge(map[string]string{id: region})
}

func (l *locations) forget(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, id)
}

// replace keeps exactly what a complete List saw, so ids of instances gone
// for good do not pile up.
func (l *locations) replace(m map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m = m
}

func (l *locations) merge(m map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[string]string, len(m))
	}
	for id, r := range m {
		l.m[id] = r
	}
}

// Power starts, stops or reboots an instance. It returns once EC2 accepted
// the action; the instance then goes through pending or stopping.
func (p *provider) Power(ctx context.Context, id string, a providers.Action) error {
	if !a.Valid() {
		return fmt.Errorf("aws: unknown power action %q", a)
	}
	if !instanceIDRE.MatchString(id) {
		return fmt.Errorf("aws: %q is not an instance id: %w", id, providers.ErrNotFound)
	}
	region, ok := p.located.get(id)
	if !ok {
		var err error
		if region, err = p.locate(ctx, id); err != nil {
			return err
		}
	}
	c := p.ec2In(region)
	ids := []string{id}
	var err error
	switch a {
	case providers.Start:
		_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	case providers.Stop:
		_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	case providers.Reboot:
		_, err = c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: ids})
	}
	if err != nil {
		err = classify(ctx, fmt.Sprintf("%s %s %s", region, a, id), err)
		if errors.Is(err, providers.ErrNotFound) {
			p.located.forget(id)
		}
		return err
	}
	return nil
}

// locate finds an instance's region by asking every region at once (up to
// listWorkers at a time) for that one id.
func (p *provider) locate(ctx context.Context, id string) (string, error) {
	regions, _, err := p.regions(ctx)
	if err != nil {
		return "", err
	}
	// Cancel the other lookups first, then wait for them (defers run last
	// first).
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		region string
		found  bool
		err    error
	}
	results := make(chan result, len(regions))
	sem := make(chan struct{}, listWorkers)
	for _, r := range regions {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				results <- result{r, false, ctx.Err()}
				return
			}
			out, err := p.ec2In(r).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
			if err != nil {
				results <- result{r, false, classify(ctx, r+" DescribeInstances", err)}
				return
			}
			for _, res := range out.Reservations {
				for _, in := range res.Instances {
					if sdkaws.ToString(in.InstanceId) == id {
						results <- result{r, true, nil}
						return
					}
				}
			}
			results <- result{r, false, nil}
		})
	}
	var errs []error
	for range regions {
		res := <-results
		switch {
		case res.found:
			p.located.set(id, res.region)
			return res.region, nil
		case res.err != nil && !errors.Is(res.err, providers.ErrNotFound):
			errs = append(errs, res.err)
		}
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("aws: locating %s: %w", id, ctx.Err())
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return "", fmt.Errorf("aws: instance %s in none of %d regions: %w", id, len(regions), providers.ErrNotFound)
}
