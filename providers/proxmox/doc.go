// Package proxmox is the Proxmox VE adapter: one account is one PVE cluster
// (or a standalone host), reached through its API at
// https://host:8006/api2/json with github.com/luthermonson/go-proxmox.
//
// # What it does
//
//   - Check: GET /version (the credentials work) and GET /cluster/status.
//     The identity is the cluster name, or the host's name when it is not
//     in a cluster; the regions are the node names.
//   - List: GET /cluster/status (cluster name, offline nodes), then one
//     GET /cluster/resources?type=vm for every qemu VM and lxc container of
//     every node; templates are left out. Then, for each running guest on a
//     reachable node, its addresses: the QEMU guest agent's
//     network-get-interfaces for VMs, /nodes/{n}/lxc/{id}/interfaces for
//     containers, addressWorkers at a time, 3 s each at most. A guest whose
//     agent is off or absent keeps empty addresses; it never fails the list.
//     Loopback and link-local addresses are dropped; RFC 1918, ULA and
//     100.64.0.0/10 (tailnet) addresses are private, the rest public.
//   - Power: status/start, status/shutdown with forceStop=1 and timeout=60
//     (stop), status/reboot, then GET /nodes/{n}/tasks/{upid}/status every
//     500 ms until the task stops; an exit status other than OK (or
//     WARNINGS) is the error.
//
// VM fields: ID is "qemu/100" or "lxc/101" (vmids are unique in a cluster,
// and unlike the node they survive a migration; Power finds the node from
// the last List, or asks /cluster/resources). Region and Cluster are the
// cluster name (a standalone host: Region is the node, Cluster empty),
// Host the node, Type "qemu" or "lxc", VCPUs maxcpu, MemoryMB maxmem,
// DiskGB maxdisk. Each PVE tag is Tags[tag] = "" and the pool is
// Tags["pool"]. States: running; stopped (also paused and suspended, which
// need PVE's resume rather than a start); prelaunch is pending; guests on an
// offline node, and words not known here, are unknown. ConsoleURL opens the
// guest in the PVE web UI. CreatedAt, OS and Image are not in the cluster
// listing and stay empty.
//
// # Config (JSON)
//
//   - endpoint (required): https://host:8006, with or without /api2/json.
//   - tokenId + tokenSecret (secret): an API token, "user@realm!tokenname".
//     Or username ("root@pam") + password (secret): a ticket login,
//     renewed after an hour and on a 401. Exactly one of the two.
//   - caCert: PEM of the CA to trust (the cluster's
//     /etc/pve/pve-root-ca.pem); the endpoint's host must then be a name or
//     address the node certificate holds.
//   - fingerprint: SHA-256 fingerprint of the server certificate, as the
//     node's Certificates page or `pvenode cert info` shows it
//     ("AA:BB:…", 32 bytes). When set it is the only check, so PVE's
//     self-signed certificates work at any address; a different certificate
//     fails with a TLS error naming both fingerprints (ErrUnreachable).
//   - insecureSkipVerify: trust any certificate. Anyone on the network path
//     can then impersonate the cluster and read the token or password; use
//     it only on a lab network, and never together with caCert or
//     fingerprint (Validate refuses that).
//   - addressWorkers: parallel address look-ups (default 8, at most 64).
//     pveproxy and pvedaemon have few workers; more is not always faster.
//   - skipAddresses: list without addresses (saves one request per
//     running guest).
//
// Secret fields accept env:NAME and file:PATH references.
//
// # Permissions
//
// A token with privilege separation needs the ACLs itself. On path /:
// Sys.Audit (cluster status, tasks of other users), VM.Audit (guests in
// /cluster/resources, container interfaces), VM.PowerMgmt (power), and for
// guest agent addresses VM.Monitor (PVE 8) or VM.GuestAgent.Audit (PVE 9).
// The built-in PVEAuditor role plus a role with VM.PowerMgmt and
// VM.Monitor does it.
//
// # Errors and limits
//
// 401 and 403 are providers.ErrAuth; 503 (pveproxy busy) and 429 are
// retried up to 5 attempts with jittered backoff honouring Retry-After, then
// providers.ErrThrottled; 595 (pveproxy could not reach the node), refused
// connections, DNS and TLS failures are providers.ErrUnreachable; "does not
// exist" is providers.ErrNotFound; "already running", "not running" and a
// locked guest are providers.ErrInvalidState. PVE has no paging and no bulk
// address call: List costs 2 requests plus one per running guest, so on
// large clusters the address look-ups dominate (see BenchmarkList). go-proxmox
// treats any status but 400, 401, 403, 500 and 501 as success; this adapter's
// transport turns every error status into an *APIError first.
package proxmox
