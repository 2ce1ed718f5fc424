// Package lxdtest starts a private, real LXD daemon for a test: Debian's lxd
// run as root with its own LXD_DIR (no systemd), a storage-only preseed (a
// "dir" pool named default and a default profile with a root disk; `lxd init
// --auto` fails here for lack of a free bridge subnet), a ~2 MB container
// image built from Debian's busybox-static, an HTTPS listener on a free
// loopback port and a client certificate the daemon trusts, so tests can use
// both the unix socket and the HTTPS endpoint.
//
//	d := lxdtest.Start(t)
//	id := d.Launch(t, "web1", "default") // "default/web1", running
//	d.LaunchAll(t, lxdtest.Spec{Name: "db1", Project: "team"}, …)
//
// StartCluster(t, "m1", "m2") starts daemons that form one LXD cluster on
// this host (each member on its own loopback port); Spec.Target places a
// container on a member. A daemon is ready in about a second, a two-member
// cluster in about three; launches take half a second each, four at a time.
//
// Several daemons may run at once (one per test package): each has its own
// directory, socket and port; LXC gives same-named containers of different
// daemons distinct cgroups (lxc.payload.c1, lxc.payload.c1-1). Cleanup stops
// the containers and the daemon (`lxd shutdown`, then SIGKILL to the daemon's
// process group and to any container monitor left under its directory),
// unmounts what is left and removes the directory, bounded in time. If the
// test binary dies, the kernel sends the daemon SIGPWR, on which LXD stops
// its containers and exits.
//
// Containers stop at once: the default profile sets lxc.signal.halt to
// SIGKILL, since a PID-1 shell loses a SIGPWR sent before its trap is set
// (see initScript).
//
// Containers get a point-to-point NIC (eth0, no bridge needed) whose
// addresses the image's init configures from the environment, so instance
// state carries real network addresses. Virtual machines are not available
// (no vhost_vsock here).
//
// A missing lxd or busybox fails the test with the apt-get line to run; it
// never skips.
package lxdtest
