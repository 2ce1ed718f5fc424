package lxdtest

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stop shuts the daemon down, bounded to about 30 s: `lxd shutdown` stops
// the containers cleanly (busybox init exits on SIGPWR at once), then
// anything still alive is killed, mounts under the directory are detached
// and the directory is removed.
func (d *Daemon) stop(t testing.TB) {
	begin := time.Now()
	if d.exited != nil {
		select {
		case <-d.exited:
		default:
			if _, err := d.run(nil, d.lxd, "shutdown", "--timeout=20"); err != nil {
				t.Logf("lxdtest: %v", err)
			}
			if !waitClosed(d.exited, 5*time.Second) {
				t.Logf("lxdtest: lxd still running after shutdown; killing its process group")
				_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
				waitClosed(d.exited, 5*time.Second)
			}
		}
	}
	if n := killStrays(d.Dir); n > 0 {
		t.Logf("lxdtest: killed %d container processes left under %s", n, d.Dir)
	}
	unmountUnder(d.Dir)
	if err := os.RemoveAll(d.Dir); err != nil {
		t.Errorf("lxdtest: remove %s: %v", d.Dir, err)
	}
	t.Logf("lxdtest: LXD stopped in %v", time.Since(begin).Round(time.Millisecond))
}

func waitClosed(c <-chan struct{}, d time.Duration) bool {
	select {
	case <-c:
		return true
	case <-time.After(d):
		return false
	}
}

// killStrays kills container monitors ("[lxc monitor] <dir>/containers c1")
// of this daemon that outlived it, and their containers' init processes
// (killing a PID namespace's init ends every process in it). Only processes
// naming this daemon's directory are touched.
func killStrays(dir string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	marks := []string{filepath.Join(dir, "containers") + " ", filepath.Join(dir, "virtual-machines") + " "}
	children := map[int][]int{}
	var monitors []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid := parentOf(pid); ppid > 0 {
			children[ppid] = append(children[ppid], pid)
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		line := strings.ReplaceAll(string(cmd), "\x00", " ")
		if slices.ContainsFunc(marks, func(m string) bool { return strings.Contains(line, m) }) {
			monitors = append(monitors, pid)
		}
	}
	n := 0
	for _, m := range monitors {
		for _, c := range children[m] {
			if syscall.Kill(c, syscall.SIGKILL) == nil {
				n++
			}
		}
		if syscall.Kill(m, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}

func parentOf(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid …"; comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// unmountUnder detaches every mount at or below dir, deepest first.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		if mp := fields[4]; mp == dir || strings.HasPrefix(mp, dir+"/") {
			points = append(points, mp)
		}
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	for _, mp := range points {
		_ = syscall.Unmount(mp, syscall.MNT_DETACH)
	}
}
