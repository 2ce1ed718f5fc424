// Filtering and sorting of the machine list, in memory. Everything the
// filters read is in the URL query, so a filtered view survives a reload and
// can be shared.
import type { Node } from '../api/client';

export type SortKey = 'name' | 'user' | 'address' | 'os' | 'lastSeen' | 'expiry';
export type Tri = '' | 'true' | 'false';

export interface Filters {
  q: string;
  user: string;
  tag: string;
  online: Tri;
  expired: Tri;
  /** 'true': the node's VM is gone from its cloud; 'false': it runs on a known (present) VM. */
  orphaned: Tri;
  sort: SortKey;
  dir: 'asc' | 'desc';
}

const SORTS: SortKey[] = ['name', 'user', 'address', 'os', 'lastSeen', 'expiry'];

function tri(v: string | null): Tri {
  return v === 'true' || v === 'false' ? v : '';
}

export function readFilters(sp: URLSearchParams): Filters {
  const sort = sp.get('sort') as SortKey | null;
  return {
    q: sp.get('q') ?? '',
    user: sp.get('user') ?? '',
    tag: sp.get('tag') ?? '',
    online: tri(sp.get('online')),
    expired: tri(sp.get('expired')),
    orphaned: tri(sp.get('orphaned')),
    sort: sort && SORTS.includes(sort) ? sort : 'name',
    dir: sp.get('dir') === 'desc' ? 'desc' : 'asc',
  };
}

/** filterQuery is the URL query for filters (defaults left out). */
export function filterQuery(f: Partial<Filters>): Record<string, string | undefined> {
  return {
    q: f.q?.trim() || undefined,
    user: f.user || undefined,
    tag: f.tag || undefined,
    online: f.online || undefined,
    expired: f.expired || undefined,
    orphaned: f.orphaned || undefined,
    sort: f.sort && f.sort !== 'name' ? f.sort : undefined,
    dir: f.dir === 'desc' ? 'desc' : undefined,
  };
}

/** runsOnKnownVM: the node is matched to an inventory VM that is still present in its cloud. */
export function runsOnKnownVM(n: Node): boolean {
  return !!n.vm && !n.vm.gone && !n.orphaned;
}

/** isOrphaned: the node's VM vanished from its cloud. */
export function isOrphaned(n: Node): boolean {
  return !!n.orphaned || !!n.vm?.gone;
}

export function isExpired(n: Node, now: number): boolean {
  return n.expired || (!!n.expiry && Date.parse(n.expiry) <= now);
}

const hayCache = new WeakMap<Node, string>();

/** haystack is what the search box matches against, lower-cased once per node version. */
export function haystack(n: Node): string {
  let h = hayCache.get(n);
  if (h === undefined) {
    h = [n.name, n.hostname, n.user, ...n.ipAddresses, ...n.tags, n.os === 'unknown' ? '' : n.os, n.vm?.name ?? ''].join('\u0000').toLowerCase();
    hayCache.set(n, h);
  }
  return h;
}

/** filterNodes keeps the order of nodes. */
export function filterNodes(nodes: readonly Node[], f: Filters, now = Date.now()): Node[] {
  const q = f.q.trim().toLowerCase();
  const qid = /^\d+$/.test(q) ? Number(q) : -1;
  const online = f.online === '' ? null : f.online === 'true';
  const expired = f.expired === '' ? null : f.expired === 'true';
  const orphaned = f.orphaned === '' || f.orphaned === undefined ? null : f.orphaned === 'true';
  if (!q && !f.user && !f.tag && online === null && expired === null && orphaned === null) return nodes as Node[];
  const out: Node[] = [];
  for (const n of nodes) {
    if (f.user && n.user !== f.user) continue;
    if (f.tag && !n.tags.includes(f.tag)) continue;
    if (online !== null && n.online !== online) continue;
    if (expired !== null && isExpired(n, now) !== expired) continue;
    if (orphaned !== null && (orphaned ? !isOrphaned(n) : !runsOnKnownVM(n))) continue;
    if (q && n.id !== qid && !haystack(n).includes(q)) continue;
    out.push(n);
  }
  return out;
}

function ipv4Key(n: Node): number {
  const ip = n.ipAddresses.find((a) => a.includes('.'));
  if (!ip) return Number.MAX_SAFE_INTEGER;
  const p = ip.split('.').map(Number);
  return ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3];
}

function time(t: string | undefined, missing: number): number {
  if (!t) return missing;
  const v = Date.parse(t);
  return Number.isFinite(v) ? v : missing;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** sortNodes returns a sorted copy; ties fall back to name, then ID. */
export function sortNodes(nodes: readonly Node[], key: SortKey, dir: 'asc' | 'desc'): Node[] {
  const sign = dir === 'desc' ? -1 : 1;
  let cmp: (a: Node, b: Node) => number;
  switch (key) {
    case 'user':
      cmp = (a, b) => collator.compare(a.tags.length ? a.tags[0] : a.user, b.tags.length ? b.tags[0] : b.user);
      break;
    case 'address':
      cmp = (a, b) => ipv4Key(a) - ipv4Key(b);
      break;
    case 'os':
      cmp = (a, b) => collator.compare(a.os, b.os);
      break;
    case 'lastSeen':
      // online first, then most recently seen
      cmp = (a, b) => Number(b.online) - Number(a.online) || time(b.lastSeen, 0) - time(a.lastSeen, 0);
      break;
    case 'expiry':
      cmp = (a, b) => time(a.expiry, Number.MAX_SAFE_INTEGER) - time(b.expiry, Number.MAX_SAFE_INTEGER);
      break;
    default:
      cmp = () => 0;
  }
  const keyed = nodes.slice();
  keyed.sort((a, b) => sign * cmp(a, b) || sign * collator.compare(a.name, b.name) || a.id - b.id);
  return keyed;
}

/** facets are the users and tags present, for the filter menus. */
export function facets(nodes: readonly Node[]): { users: string[]; tags: string[] } {
  const users = new Set<string>();
  const tags = new Set<string>();
  for (const n of nodes) {
    if (n.user) users.add(n.user);
    for (const t of n.tags) tags.add(t);
  }
  return { users: [...users].sort(collator.compare), tags: [...tags].sort(collator.compare) };
}
