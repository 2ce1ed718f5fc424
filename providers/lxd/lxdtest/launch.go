package lxdtest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Spec is one container to launch.
type Spec struct {
	Name    string
	Project string            // "" means "default"; others are created on first use
	Target  string            // the cluster member to place it on (StartCluster)
	Config  map[string]string // extra instance config: user.* tags, limits.*…
	// Addrs are the CIDRs init puts on eth0. nil gives one private IPv4
	// address unique within the daemon; an empty non-nil slice gives none.
	Addrs   []string
	Stopped bool // create it without starting it
	// Stubborn makes the container stop with SIGPWR, which its init
	// ignores, so a clean stop waits for its timeout (daemon shutdown gives
	// it one second).
	Stubborn bool
}

// Launch starts a busybox container name in project (created on first use)
// and returns its id as the adapter spells it: "<project>/<name>".
func (d *Daemon) Launch(t testing.TB, name, project string) string {
	t.Helper()
	return d.LaunchAll(t, Spec{Name: name, Project: project})[0]
}

// LaunchAll launches the containers in parallel (a few at a time) and
// returns their ids in order.
func (d *Daemon) LaunchAll(t testing.TB, specs ...Spec) []string {
	t.Helper()
	ids := make([]string, len(specs))
	errs := make([]error, len(specs))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, s := range specs {
		if s.Project == "" {
			s.Project = "default"
		}
		ids[i] = s.Project + "/" + s.Name
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = d.launch(s)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("lxdtest: launch: %v", err)
	}
	return ids
}

func (d *Daemon) launch(s Spec) error {
	if err := d.ensureProject(s.Project); err != nil {
		return err
	}
	addrs := s.Addrs
	if addrs == nil {
		addrs = []string{d.nextAddr()}
	}
	verb := "launch"
	if s.Stopped {
		verb = "init"
	}
	args := []string{verb, ImageAlias, s.Name, "--project", s.Project, "-q", "-p", "default", "-p", "neonet"}
	if len(addrs) > 0 {
		args = append(args, "-c", "environment.NEO_ADDRS="+strings.Join(addrs, " "))
	}
	if s.Stubborn {
		// SIGPWR, LXC's default halt signal, which this init ignores.
		args = append(args, "-c", "environment.NEO_STUBBORN=1", "-c", "boot.host_shutdown_timeout=1",
			"-c", "raw.lxc=lxc.signal.halt = SIGPWR")
	}
	if s.Target != "" {
		args = append(args, "--target", s.Target)
	}
	for k, v := range s.Config {
		args = append(args, "-c", k+"="+v)
	}
	_, err := d.run(nil, d.lxc, args...)
	return err
}

// ensureProject creates project once. It shares the default project's
// images and profiles, so the busybox image and the profiles work there.
func (d *Daemon) ensureProject(project string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.projects[project] {
		return nil
	}
	// Another member of a cluster may have made it.
	if _, err := d.run(nil, d.lxc, "project", "create", project,
		"-c", "features.images=false", "-c", "features.profiles=false"); err != nil &&
		!strings.Contains(err.Error(), "already exists") {
		return err
	}
	d.projects[project] = true
	return nil
}

// nextAddr hands out 10.201.x.y/16 addresses, unique within the daemon
// (each container has its own network namespace, so daemons may repeat them).
func (d *Daemon) nextAddr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addrs++
	return fmt.Sprintf("10.201.%d.%d/16", d.addrs/250, d.addrs%250+1)
}
