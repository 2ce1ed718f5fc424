// Package lxd is the adapter for LXD servers and clusters (containers and
// virtual machines), through LXD's own Go client
// (github.com/canonical/lxd/client). Tested against real LXD 5.0.2
// daemons, standalone and a two-member cluster (package lxdtest).
//
// # Config
//
//   - endpoint: unix:///var/lib/lxd/unix.socket (the default, Debian's
//     socket; the snap's is /var/snap/lxd/common/lxd/unix.socket), unix:/path
//     or a bare socket path, or https://host[:port] (port 8443 when left
//     out) for a remote server or cluster.
//   - clientCert, clientKey (secret): PEM client certificate and key, required
//     over HTTPS. LXD authenticates clients by certificate.
//   - serverCert: PEM of the server's certificate to trust (LXD's are
//     self-signed: `lxc info | sed -n '/BEGIN/,/END/p'` or
//     /var/lib/lxd/server.crt). Empty: the system roots verify the server.
//   - trustToken (secret): onboarding. When the server does not trust the
//     client certificate yet, the adapter presents this token, as `lxc remote
//     add --token` does, and the server adds the certificate to its trust
//     store. Make one with `lxc config trust add --name neoconsole`; it is
//     single-use, so keep the account's certificate once trusted.
//   - trustPassword (secret): LXD 5.0's older onboarding secret
//     (core.trust_password). At most one of trustToken and trustPassword.
//   - projects: the projects to cover; empty means every project.
//
// Over the unix socket no credentials are used: the console's user must be
// root or in the group the daemon runs with (lxd).
//
// # Permissions
//
// The certificate needs read access to the server, its projects and
// instances, and the right to change instance state. An unrestricted client
// certificate has both; a restricted one (`lxc config trust add
// --restricted --projects a,b`) sees only those projects, so list them in
// projects.
//
// # Calls
//
// Check: GET /1.0 (identity: the server name, or "cluster of N members"),
// GET /1.0/cluster/members when clustered (regions: the members, else the
// server), GET /1.0/projects. List: one GET
// /1.0/instances?recursion=2&all-projects=true (every instance with its
// state), or one per configured project, four at a time. Power: PUT
// /1.0/instances/{name}/state?project=… {action: start|stop|restart,
// timeout: 30, force: false}, then GET /1.0/operations/{id}/wait until done.
// A frozen instance asked to start is unfrozen.
//
// # VM fields
//
// ID is "<project>/<name>" (a bare name means project default). Host and
// Region are the cluster member (location), or the server name on a
// standalone server; Cluster is the endpoint's host name (the socket: the
// server name) when clustered. Type is "container" or "virtual-machine".
// State: Running/Freezing/Thawed → running, Stopped and Frozen (paused) →
// stopped, Starting → pending, Stopping/Aborting → stopping, Error and
// anything else → unknown. VCPUs: limits.cpu as a count or CPU set; unset,
// 0 for a container (it may use every host CPU) and 1 for a VM (LXD's
// default). MemoryMB: an absolute limits.memory, else the total the
// instance reports, else 1024 for a VM, else a container's current usage.
// DiskGB: the root disk's size, else its reported total or usage (dir pools
// have no quota). Addresses: global addresses of every interface but
// loopback; RFC 1918, fc00::/7 and 100.64.0.0/10 are private. OS is
// image.os + image.release, Image is image.description; Tags are the user.*
// keys of the expanded config without the prefix (cloud-init documents
// excepted). ConsoleURL is https://host:port/ui/project/{p}/instance/{n}
// only when the server serves its web UI (LXD 5.21+ with the UI enabled,
// probed once); LXD 5.0 has none, so it stays empty there and over the
// socket.
//
// # Limits
//
// LXD does not throttle; 429/503 answers (a proxy, a restarting member) are
// retried five times with jittered backoff, without Retry-After (the LXD
// client does not expose headers). Server facts (name, clustering,
// extensions, UI) are cached for 15 minutes; Check refreshes them.
// Instances on an offline cluster member are listed with state unknown.
package lxd
