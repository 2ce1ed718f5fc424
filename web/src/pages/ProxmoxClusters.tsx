// Proxmox VE clusters (and standalone hosts) with their health, nodes and
// guests, from GET /api/v1/proxmox/clusters. A guest's name opens it on the
// VMs page.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { Badge, PageHead, Spinner } from '../components/ui';
import { ago, dateTime, plural } from '../lib/format';
import { useNow, useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import { useCan } from '../lib/session';
import './proxmox.css';

// The answer's shape (schema.ts types it loosely; see internal/inventory/clusters.go).
export type ClusterHealth = 'all-active' | 'degraded' | 'critical';
export type PveNodeStatus = 'active' | 'late' | 'inactive';

export interface ClusterGuest {
  key: number;
  id: string;
  name: string;
  state: string;
  type?: string;
  enrollment: 'enrolled-online' | 'enrolled-offline' | 'not-enrolled' | string;
}

export interface ClusterNode {
  name: string;
  status: PveNodeStatus;
  active: boolean;
  offline: boolean;
  lastSeen?: string;
  guests: number;
  running: number;
  vms: ClusterGuest[];
}

export interface Cluster {
  name: string;
  cloudId: number;
  cloudName: string;
  standalone: boolean;
  health: ClusterHealth;
  nodeCount: number;
  activeNodes: number;
  inactiveNodes: number;
  guests: number;
  guestStates: Record<string, number>;
  stale: boolean;
  error?: string;
  nodes: ClusterNode[];
}

interface Data {
  clusters: Cluster[];
  /** Whether any Proxmox account exists (asked only when there is no cluster). */
  hasAccount: boolean;
}

export const HEALTH: Record<ClusterHealth, { tone: 'ok' | 'warn' | 'bad'; label: string }> = {
  'all-active': { tone: 'ok', label: 'All active' },
  degraded: { tone: 'warn', label: 'Degraded' },
  critical: { tone: 'bad', label: 'Critical' },
};

export function healthOf(h: string | undefined): { tone: 'ok' | 'warn' | 'bad' | 'neutral'; label: string } {
  return HEALTH[h as ClusterHealth] ?? { tone: 'neutral', label: h || 'Unknown' };
}

/** nodeStatusOf is a PVE node's badge: offline (PVE says so) beats the sync-based status. */
export function nodeStatusOf(n: Pick<ClusterNode, 'status' | 'offline'>): { tone: 'ok' | 'warn' | 'bad' | 'neutral'; label: string } {
  if (n.offline) return { tone: 'bad', label: 'Offline' };
  switch (n.status) {
    case 'active':
      return { tone: 'ok', label: 'Active' };
    case 'late':
      return { tone: 'warn', label: 'Late' };
    case 'inactive':
      return { tone: 'bad', label: 'Inactive' };
    default:
      return { tone: 'neutral', label: n.status || 'Unknown' };
  }
}

const ENROLL: Record<string, { tone: 'ok' | 'warn' | 'neutral'; label: string }> = {
  'enrolled-online': { tone: 'ok', label: 'Enrolled, online' },
  'enrolled-offline': { tone: 'warn', label: 'Enrolled, offline' },
  'not-enrolled': { tone: 'neutral', label: 'Not enrolled' },
};

export function enrollmentOf(e: string): { tone: 'ok' | 'warn' | 'neutral'; label: string } {
  return ENROLL[e] ?? { tone: 'neutral', label: e || 'Unknown' };
}

const STATE_ORDER = ['running', 'stopped', 'pending', 'stopping', 'terminated', 'unknown'];

/** guestStateEntries lists the states that have guests, running first. */
export function guestStateEntries(states: Record<string, number> | undefined): [string, number][] {
  const rank = (s: string) => {
    const i = STATE_ORDER.indexOf(s);
    return i < 0 ? STATE_ORDER.length : i;
  };
  return Object.entries(states ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
}

/** groupClusters splits clusters from standalone hosts, keeping the server's order. */
export function groupClusters(all: readonly Cluster[]): { clusters: Cluster[]; standalone: Cluster[] } {
  return { clusters: all.filter((c) => !c.standalone), standalone: all.filter((c) => c.standalone) };
}

/** nodeId is a node's stable key (for its expanded state and element ids). */
export function nodeId(c: Pick<Cluster, 'cloudId' | 'name'>, n: Pick<ClusterNode, 'name'>): string {
  return `${c.cloudId}/${c.name}/${n.name}`;
}

/** guestHref opens the guest in the VMs page's drawer. */
export function guestHref(c: Pick<Cluster, 'cloudId'>, g: Pick<ClusterGuest, 'key'>): string {
  return `/vms?vm=${g.key}&cloud=${c.cloudId}`;
}

export const PROXMOX_EVENTS = new Set(['sync.finished', 'vm.state', 'vm.inventory', 'resync']);

export function ProxmoxClusters() {
  const isAdmin = useCan('admin');
  const now = useNow(30_000);
  const [open, setOpen] = useState<Set<string>>(() => new Set());

  useEffect(() => {
    document.title = 'Proxmox clusters · Neogenesys Console';
  }, []);

  const res = useResource<Data>(async (signal) => {
    const r = (await api.get('/api/v1/proxmox/clusters', { signal })) as unknown as { clusters: Cluster[] | null };
    const clusters = r.clusters ?? [];
    if (clusters.length > 0) return { clusters, hasAccount: true };
    let hasAccount = false;
    try {
      const cl = await api.get('/api/v1/clouds', { signal });
      hasAccount = cl.clouds.some((c) => c.kind === 'proxmox');
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
    }
    return { clusters, hasAccount };
  }, []);

  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  useLive((e) => {
    if (!PROXMOX_EVENTS.has(e.type) || timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void res.reload();
    }, 1000);
  });

  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const data = res.data;
  const { clusters, standalone } = groupClusters(data?.clusters ?? []);
  const all = data?.clusters ?? [];
  const allIds = all.flatMap((c) => c.nodes.map((n) => nodeId(c, n)));
  const allOpen = allIds.length > 0 && allIds.every((id) => open.has(id));

  return (
    <div className="page proxmox" data-testid="proxmox-clusters">
      <PageHead
        title="Proxmox clusters"
        sub={
          data && all.length > 0
            ? `${plural(clusters.length, 'cluster')}, ${plural(standalone.length, 'standalone host')}, ${plural(
                all.reduce((s, c) => s + c.guests, 0),
                'guest',
              )}`
            : undefined
        }
      >
        {res.loading && data && <Spinner label="Refreshing" />}
        {allIds.length > 0 && (
          <button type="button" className="btn small" onClick={() => setOpen(allOpen ? new Set() : new Set(allIds))}>
            {allOpen ? 'Collapse all' : 'Expand all'}
          </button>
        )}
      </PageHead>

      {!data && res.error ? (
        <ErrorState error={res.error} onRetry={() => void res.reload()} />
      ) : !data ? (
        <div className="loading">
          <Spinner label="Loading clusters" /> Loading clusters…
        </div>
      ) : (
        <>
          {res.error !== undefined && <ErrorNote error={res.error} />}
          {all.length === 0 ? (
            <div className="empty" data-testid="proxmox-empty">
              {data.hasAccount ? (
                <p>The Proxmox VE accounts have no guests yet, or have not finished their first sync.</p>
              ) : (
                <>
                  <p>No Proxmox VE account is connected. Connect one to see its clusters, nodes and guests here.</p>
                  {isAdmin && (
                    <Link to="/clouds/new?kind=proxmox" className="btn primary">
                      Connect Proxmox VE
                    </Link>
                  )}
                </>
              )}
            </div>
          ) : (
            <>
              {clusters.map((c) => (
                <ClusterSection key={`${c.cloudId}/${c.name}`} c={c} open={open} toggle={toggle} now={now} />
              ))}
              {standalone.length > 0 && (
                <section className="pve-standalone" aria-labelledby="pve-standalone-h">
                  <h2 id="pve-standalone-h" className="pve-group-title">
                    Standalone hosts
                  </h2>
                  {standalone.map((c) => (
                    <ClusterSection key={`${c.cloudId}/${c.name}`} c={c} open={open} toggle={toggle} now={now} />
                  ))}
                </section>
              )}
            </>
          )}
        </>
      )}
    </div>
  );
}

function ClusterSection({ c, open, toggle, now }: { c: Cluster; open: Set<string>; toggle: (id: string) => void; now: number }) {
  const h = healthOf(c.health);
  const headId = `pve-${c.cloudId}-${c.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const Heading = c.standalone ? 'h3' : 'h2';
  return (
    <section className={`card pve-cluster health-${c.health}`} aria-labelledby={headId} data-testid="cluster">
      <div className="pve-head">
        <div className="pve-title">
          <Heading id={headId}>{c.name}</Heading>
          <span data-testid="cluster-health">
            <Badge tone={h.tone}>{h.label}</Badge>
          </span>
          {c.stale && (
            <Badge tone="warn" title={c.error || 'The last sync failed: this is the last good data'}>
              Stale
            </Badge>
          )}
          {c.error && !c.stale && <Badge tone="bad">Sync error</Badge>}
        </div>
        <div className="pve-meta muted">
          Account <Link to={`/clouds/${c.cloudId}/vms`}>{c.cloudName}</Link>
        </div>
      </div>
      <div className="pve-stats">
        <span>
          <strong>{c.activeNodes}</strong>/{c.nodeCount} {c.nodeCount === 1 ? 'node' : 'nodes'} active
          {c.inactiveNodes > 0 && <span className="pve-bad">, {c.inactiveNodes} inactive</span>}
        </span>
        <span>{plural(c.guests, 'guest')}</span>
        {guestStateEntries(c.guestStates).map(([s, n]) => (
          <span key={s} className={`pve-state st-${s}`}>
            {n} {s}
          </span>
        ))}
      </div>
      {c.error && <div className={c.stale ? 'pve-warn-text' : 'pve-error-text'}>{c.error}</div>}
      <ul className="pve-nodes" aria-label={`Nodes of ${c.name}`}>
        {c.nodes.map((n) => {
          const id = nodeId(c, n);
          const isOpen = open.has(id);
          const st = nodeStatusOf(n);
          const panel = `${headId}-${n.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
          return (
            <li key={n.name} className="pve-node" data-testid="pve-node">
              <button type="button" className="pve-node-btn" aria-expanded={isOpen} aria-controls={panel} onClick={() => toggle(id)}>
                <span className="pve-caret" aria-hidden="true">
                  {isOpen ? '▾' : '▸'}
                </span>
                <span className="pve-node-name">{n.name}</span>
                <Badge tone={st.tone}>{st.label}</Badge>
                <span className="muted pve-node-counts">
                  {plural(n.guests, 'guest')}, {n.running.toLocaleString()} running
                </span>
                <span className="muted pve-node-seen" title={n.lastSeen ? dateTime(n.lastSeen) : undefined}>
                  {n.lastSeen ? `seen ${ago(n.lastSeen, now)}` : 'never seen'}
                </span>
              </button>
              {isOpen && (
                <div id={panel} className="pve-guests">
                  {n.vms.length === 0 ? (
                    <p className="muted">No guest on this node.</p>
                  ) : (
                    <div className="table-wrap">
                      <table className="grid" aria-label={`Guests on ${n.name}`}>
                        <thead>
                          <tr>
                            <th scope="col">Name</th>
                            <th scope="col">ID</th>
                            <th scope="col">Type</th>
                            <th scope="col">State</th>
                            <th scope="col">Tailnet</th>
                          </tr>
                        </thead>
                        <tbody>
                          {n.vms.map((g) => {
                            const e = enrollmentOf(g.enrollment);
                            return (
                              <tr key={g.key} data-testid="pve-guest">
                                <td data-label="Name">
                                  <Link to={guestHref(c, g)}>{g.name || g.id}</Link>
                                </td>
                                <td data-label="ID">
                                  <code>{g.id}</code>
                                </td>
                                <td data-label="Type">{g.type === 'lxc' ? 'LXC' : g.type === 'qemu' ? 'QEMU' : g.type || '—'}</td>
                                <td data-label="State">
                                  <span className={`pve-state st-${g.state}`}>{g.state}</span>
                                </td>
                                <td data-label="Tailnet">
                                  <Badge tone={e.tone}>{e.label}</Badge>
                                </td>
                              </tr>
                            );
                          })}
                        </tbody>
                      </table>
                    </div>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
