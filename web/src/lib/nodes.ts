// The tailnet's nodes, shared by every page that shows them: loaded once,
// kept current by live events, kept (not blanked) when a reload fails.
import { api, type Node } from '../api/client';
import { subscribe, type LiveEvent } from './live';
import { createStore, useStore } from './store';

export interface NodesState {
  nodes: Node[] | null;
  fetchedAt?: string;
  error?: unknown;
  loading: boolean;
}

export const nodesStore = createStore<NodesState>({ nodes: null, loading: false });

export function useNodes(): NodesState {
  return useStore(nodesStore);
}

const EXIT4 = '0.0.0.0/0';
const EXIT6 = '::/0';

export function isExitRoute(r: string): boolean {
  return r === EXIT4 || r === EXIT6;
}

/** normalize fills in what a live event's node lacks (the API's derived fields). */
export function normalizeNode(raw: Partial<Node> & { id: number }, now = Date.now()): Node {
  const approved = raw.approvedRoutes ?? [];
  const expiry = raw.expiry;
  return {
    name: '',
    hostname: '',
    user: '',
    userId: 0,
    online: false,
    createdAt: '',
    registerMethod: '',
    machineKey: '',
    nodeKey: '',
    ...raw,
    ipAddresses: raw.ipAddresses ?? [],
    tags: raw.tags ?? [],
    approvedRoutes: approved,
    availableRoutes: raw.availableRoutes ?? [],
    subnetRoutes: raw.subnetRoutes ?? [],
    expired: raw.expired ?? (expiry ? Date.parse(expiry) <= now : false),
    exitNode: raw.exitNode ?? (approved.includes(EXIT4) && approved.includes(EXIT6)),
    os: raw.os ?? 'unknown',
  } as Node;
}

let seq = 0;

/** loadNodes fetches the list; on failure the last list stays. */
export async function loadNodes(): Promise<void> {
  const my = ++seq;
  nodesStore.set((s) => ({ ...s, loading: true }));
  try {
    const r = await api.get('/api/v1/nodes');
    if (my !== seq) return;
    nodesStore.set({ nodes: r.nodes, fetchedAt: r.fetchedAt, loading: false });
  } catch (error) {
    if (my !== seq) return;
    nodesStore.set((s) => ({ ...s, error, loading: false }));
  }
}

/** ensureNodes loads the list unless it is loaded or loading. */
export function ensureNodes(): void {
  const s = nodesStore.get();
  if (!s.nodes && !s.loading) void loadNodes();
}

/**
 * applyNodeEvents folds live events into a node list in one pass (O(n + k)),
 * keeping the order; the same list comes back when nothing changed.
 */
export function applyNodeEvents(list: Node[], events: readonly LiveEvent[]): Node[] {
  let m: Map<number, Node> | null = null;
  for (const e of events) {
    const data = e.data as (Partial<Node> & { id?: number }) | undefined;
    if (!data || typeof data.id !== 'number' || !e.type.startsWith('node.')) continue;
    m ??= new Map(list.map((n) => [n.id, n]));
    switch (e.type) {
      case 'node.removed':
        m.delete(data.id);
        break;
      case 'node.added':
      case 'node.online':
      case 'node.offline':
      case 'node.updated': {
        // Events carry Headscale's node; the console's own fields (the OS
        // and VM from the inventory, orphaned) stay from the list.
        const prev = m.get(data.id);
        const kept = prev ? { os: prev.os, vm: prev.vm, orphaned: prev.orphaned } : {};
        m.set(data.id, normalizeNode({ ...kept, ...data } as Partial<Node> & { id: number }));
        break;
      }
    }
  }
  return m ? [...m.values()] : list;
}

/** applyNodeEvent folds one live event into a node list. */
export function applyNodeEvent(list: Node[], e: LiveEvent): Node[] {
  return applyNodeEvents(list, [e]);
}

let unsub: (() => void) | undefined;
let queue: LiveEvent[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

/** BATCH_MS: live node events arriving together are applied together (one re-render). */
export const BATCH_MS = 100;

function flush() {
  flushTimer = undefined;
  const events = queue;
  queue = [];
  const s = nodesStore.get();
  if (!s.nodes) return;
  const next = applyNodeEvents(s.nodes, events);
  if (next !== s.nodes) nodesStore.set({ ...s, nodes: next });
}

/**
 * Events after which a node's VM may have changed (a VM appeared or went,
 * a node joined and is matched to its VM): the list is reloaded once,
 * RELINK_MS after the first of them, to pick up the console's links.
 */
const RELINK = new Set(['node.added', 'vm.inventory', 'vm.enroll']);
export const RELINK_MS = 1500;
let relinkTimer: ReturnType<typeof setTimeout> | undefined;

function relink() {
  relinkTimer = undefined;
  if (nodesStore.get().nodes) void loadNodes();
}

/** startNodesLive keeps the store current while signed in. */
export function startNodesLive(): void {
  if (unsub) return;
  unsub = subscribe((e) => {
    if (e.type === 'resync') {
      queue = [];
      if (nodesStore.get().nodes) void loadNodes();
      return;
    }
    if (!nodesStore.get().nodes) return;
    if (RELINK.has(e.type)) relinkTimer ??= setTimeout(relink, RELINK_MS);
    if (!e.type.startsWith('node.')) return;
    queue.push(e);
    flushTimer ??= setTimeout(flush, BATCH_MS);
  });
}

export function stopNodesLive(): void {
  unsub?.();
  unsub = undefined;
  clearTimeout(flushTimer);
  flushTimer = undefined;
  clearTimeout(relinkTimer);
  relinkTimer = undefined;
  queue = [];
  seq++;
  nodesStore.set({ nodes: null, loading: false });
}
