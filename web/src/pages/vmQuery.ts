// The VMs page's pure logic: URL parameters <-> filters <-> the API's query,
// the facet options of the filter menus, what power actions a state allows,
// and the stale-cloud banners. Nothing here touches the DOM or the network.
import type { Schemas } from '../api/client';
import { ago } from '../lib/format';

export type VM = Schemas['VM'];
export type VMPage = Schemas['VMPage'];
export type VMFacets = Schemas['VMFacets'];
export type VMState = VM['state'];
export type Enrollment = VM['enrollment'];
export type CloudAccount = Schemas['CloudAccount'];

/** Sort keys the API knows (GET /api/v1/vms?sort=). */
export const VM_SORTS = ['name', 'key', 'provider', 'cloud', 'region', 'state', 'enrollment', 'created', 'firstSeen', 'lastSeen'] as const;
export type VMSortKey = (typeof VM_SORTS)[number];
export type Tri = '' | 'true' | 'false';

export interface VMFilters {
  q: string;
  provider: string;
  cloud: string;
  region: string;
  state: string;
  enrollment: string;
  /** Free text: key=value or key. */
  tag: string;
  stale: Tri;
  sort: VMSortKey;
  dir: 'asc' | 'desc';
  view: 'list' | 'grid';
}

/** The URL parameters that filter (view, vm and sort do not). */
export const FILTER_PARAMS = ['q', 'provider', 'cloud', 'region', 'state', 'enrollment', 'tag', 'stale'] as const;

function tri(v: string | null): Tri {
  return v === 'true' || v === 'false' ? v : '';
}

/** readVMFilters reads the filters from the URL query. */
export function readVMFilters(sp: URLSearchParams): VMFilters {
  const sort = sp.get('sort') as VMSortKey | null;
  return {
    q: sp.get('q') ?? '',
    provider: sp.get('provider') ?? '',
    cloud: sp.get('cloud') ?? '',
    region: sp.get('region') ?? '',
    state: sp.get('state') ?? '',
    enrollment: sp.get('enrollment') ?? '',
    tag: sp.get('tag') ?? '',
    stale: tri(sp.get('stale')),
    sort: sort && (VM_SORTS as readonly string[]).includes(sort) ? sort : 'name',
    dir: sp.get('dir') === 'desc' ? 'desc' : 'asc',
    view: sp.get('view') === 'grid' ? 'grid' : 'list',
  };
}

/** vmFilterQuery is the URL query for filters, defaults left out (for setQuery). */
export function vmFilterQuery(f: Partial<VMFilters>): Record<string, string | undefined> {
  return {
    q: f.q?.trim() || undefined,
    provider: f.provider || undefined,
    cloud: f.cloud || undefined,
    region: f.region || undefined,
    state: f.state || undefined,
    enrollment: f.enrollment || undefined,
    tag: f.tag?.trim() || undefined,
    stale: f.stale || undefined,
    sort: f.sort && f.sort !== 'name' ? f.sort : undefined,
    dir: f.dir === 'desc' ? 'desc' : undefined,
    view: f.view === 'grid' ? 'grid' : undefined,
  };
}

/** clearedQuery removes every filter from the URL (sort, view and the drawer stay). */
export function clearedQuery(): Record<string, undefined> {
  return Object.fromEntries(FILTER_PARAMS.map((k) => [k, undefined]));
}

/** hasFilters: some filter narrows the list (the per-cloud view's own cloud does not count). */
export function hasFilters(f: VMFilters, perCloud = false): boolean {
  return !!(f.q.trim() || f.provider || (!perCloud && f.cloud) || f.region || f.state || f.enrollment || f.tag.trim() || f.stale);
}

/** apiSort is the API's sort parameter ("-name" for descending). */
export function apiSort(f: Pick<VMFilters, 'sort' | 'dir'>): string {
  return (f.dir === 'desc' ? '-' : '') + f.sort;
}

/**
 * vmApiQuery is the GET /api/v1/vms query for filters (without limit and
 * cursor). On the per-cloud view the cloud filter is the path's, not a parameter.
 */
export function vmApiQuery(f: VMFilters, perCloud = false): Record<string, string> {
  const q: Record<string, string> = {};
  const put = (k: string, v: string) => {
    const t = v.trim();
    if (t) q[k] = t;
  };
  put('q', f.q);
  put('provider', f.provider);
  if (!perCloud) put('cloud', f.cloud);
  put('region', f.region);
  put('state', f.state);
  put('enrollment', f.enrollment);
  put('tag', f.tag);
  put('stale', f.stale);
  if (f.sort !== 'name' || f.dir !== 'asc') q.sort = apiSort(f);
  return q;
}

/** queryKey identifies a query: the same key, the same rows. */
export function queryKey(q: Record<string, string>, cloudId?: number): string {
  return JSON.stringify([cloudId ?? 0, Object.keys(q).sort().map((k) => [k, q[k]])]);
}

/** nextSort is the sort after clicking a column header. */
export function nextSort(f: Pick<VMFilters, 'sort' | 'dir'>, key: VMSortKey): { sort: VMSortKey; dir: 'asc' | 'desc' } {
  return { sort: key, dir: f.sort === key && f.dir === 'asc' ? 'desc' : 'asc' };
}

// ---- Labels ----

const PROVIDERS: Record<string, string> = {
  aws: 'AWS',
  gcp: 'Google Cloud',
  azure: 'Azure',
  lxd: 'LXD',
  proxmox: 'Proxmox VE',
};

export function providerLabel(p: string): string {
  return PROVIDERS[p] ?? p;
}

export const STATES: VMState[] = ['running', 'pending', 'stopping', 'stopped', 'terminated', 'unknown'];

export function stateTone(s: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  switch (s) {
    case 'running':
      return 'ok';
    case 'pending':
    case 'stopping':
      return 'warn';
    case 'terminated':
      return 'bad';
    default:
      return 'neutral';
  }
}

export const ENROLLMENTS: Enrollment[] = ['enrolled-online', 'enrolled-offline', 'not-enrolled'];

export function enrollmentLabel(e: string): string {
  switch (e) {
    case 'enrolled-online':
      return 'Enrolled, online';
    case 'enrolled-offline':
      return 'Enrolled, offline';
    case 'not-enrolled':
      return 'Not enrolled';
    default:
      return e;
  }
}

export function enrollmentTone(e: string): 'ok' | 'warn' | 'neutral' {
  return e === 'enrolled-online' ? 'ok' : e === 'enrolled-offline' ? 'warn' : 'neutral';
}

export function nodeLinkLabel(l: string | undefined): string {
  switch (l) {
    case 'key':
      return 'matched by its enrollment key';
    case 'ip':
      return 'matched by IP address';
    case 'hostname':
      return 'matched by hostname';
    default:
      return '';
  }
}

/** specs is the one-line summary of a VM's size ("t3.small · 2 vCPU · 4 GiB · 20 GB"). */
export function specs(vm: Pick<VM, 'type' | 'vcpus' | 'memoryMb' | 'diskGb'>): string {
  const parts: string[] = [];
  if (vm.type) parts.push(vm.type);
  if (vm.vcpus) parts.push(`${vm.vcpus} vCPU`);
  if (vm.memoryMb) parts.push(memory(vm.memoryMb));
  if (vm.diskGb) parts.push(`${vm.diskGb} GB disk`);
  return parts.join(' · ');
}

export function memory(mb: number | undefined): string {
  if (!mb) return '—';
  if (mb < 1024) return `${mb} MiB`;
  const g = mb / 1024;
  return `${Number.isInteger(g) ? g : g.toFixed(1)} GiB`;
}

// ---- Facets ----

export interface FacetOption {
  value: string;
  label: string;
  count: number;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * facetOptions lists the values of a filter menu with their counts, as the
 * API counted them (ignoring that dimension's own filter). The selected value
 * stays in the list even with no VM; known orders (states, enrollments) are
 * kept, others sorted by label.
 */
export function facetOptions(
  counts: Record<string, number> | undefined,
  selected: string,
  label: (v: string) => string = (v) => v,
  order?: readonly string[],
): FacetOption[] {
  const m = new Map<string, number>(Object.entries(counts ?? {}));
  for (const s of selected.split(',').map((x) => x.trim()).filter(Boolean)) if (!m.has(s)) m.set(s, 0);
  // a multi-valued selection from the URL ("running,stopped") is one option of its own
  if (selected.includes(',') && !m.has(selected)) m.set(selected, 0);
  const out = [...m].map(([value, count]) => ({ value, count, label: label(value) }));
  if (order) {
    const rank = (v: string) => {
      const i = order.indexOf(v);
      return i < 0 ? order.length : i;
    };
    out.sort((a, b) => rank(a.value) - rank(b.value) || collator.compare(a.label, b.label));
  } else out.sort((a, b) => collator.compare(a.label, b.label));
  return out;
}

/** optionText is what a filter menu shows: "running (1,204)". */
export function optionText(o: FacetOption): string {
  return `${o.label} (${o.count.toLocaleString()})`;
}

// ---- Power ----

export type PowerAction = 'start' | 'stop' | 'reboot';

/** powerActions are the actions a VM's state allows. */
export function powerActions(state: string): PowerAction[] {
  if (state === 'running') return ['stop', 'reboot'];
  if (state === 'stopped') return ['start'];
  return [];
}

export const POWER_LABEL: Record<PowerAction, string> = { start: 'Start', stop: 'Stop', reboot: 'Reboot' };

export function canEnroll(vm: Pick<VM, 'enrollment' | 'goneAt'>): boolean {
  return vm.enrollment === 'not-enrolled' && !vm.goneAt;
}

// ---- Stale clouds ----

export interface StaleCloud {
  id: number;
  name: string;
  /** "5 min ago", or '' when the account never synced. */
  age: string;
  error: string;
  lastSuccess?: string;
}

/** staleClouds are the accounts whose last sync failed (their VMs are last good data). */
export function staleClouds(clouds: readonly CloudAccount[] | undefined, now = Date.now(), only?: number): StaleCloud[] {
  const out: StaleCloud[] = [];
  for (const c of clouds ?? []) {
    if (only !== undefined && c.id !== only) continue;
    const s = c.sync;
    if (!s || !(s.stale || s.error)) continue;
    out.push({ id: c.id, name: c.name, age: s.lastSuccess ? ago(s.lastSuccess, now) : '', error: s.error ?? '', lastSuccess: s.lastSuccess });
  }
  return out.sort((a, b) => collator.compare(a.name, b.name));
}

/** staleText is the banner's sentence for one cloud. */
export function staleText(s: StaleCloud): string {
  const since = s.age ? `showing data from ${s.age}` : 'no successful sync yet';
  return `${s.name}: ${since}${s.error ? ` — ${s.error}` : ''}`;
}

// ---- Enrollment ----

/** hostnameFor is the console's default tailnet hostname for a VM name ("Web_01.prod" → "web-01"). */
export function hostnameFor(name: string): string {
  let n = name.toLowerCase().split('.')[0];
  n = n.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (n.length > 63) n = n.slice(0, 63).replace(/-+$/, '');
  return n;
}

// ---- Live ----

export interface VMStateEvent {
  key: number;
  cloudId?: number;
  id?: string;
  name?: string;
  state: string;
  previous?: string;
}

/** stateEvent reads a vm.state event's data, or null when it is not one. */
export function stateEvent(data: unknown): VMStateEvent | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d.key !== 'number' || typeof d.state !== 'string') return null;
  return d as unknown as VMStateEvent;
}

/** withState is vm in its new state (the same object when nothing changes). */
export function withState(vm: VM, state: string): VM {
  if (vm.state === state || !(STATES as string[]).includes(state)) return vm;
  return { ...vm, state: state as VMState };
}

/** gridColumns is how many cards fit in a row of width px. */
export function gridColumns(width: number, minCard = 260, gap = 12): number {
  if (!(width > 0)) return 3;
  return Math.max(1, Math.floor((width + gap) / (minCard + gap)));
}
