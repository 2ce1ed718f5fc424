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
      case 'node.updated':
        m.set(data.id, normalizeNode(data as Partial<Node> & { id: number }));
        break;
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

/** startNodesLive keeps the store current while signed in. */
export function startNodesLive(): void {
  if (unsub) return;
  unsub = subscribe((e) => {
    if (e.type === 'resync') {
      queue = [];
      if (nodesStore.get().nodes) void loadNodes();
      return;
    }
    if (!e.type.startsWith('node.') || !nodesStore.get().nodes) return;
    queue.push(e);
    flushTimer ??= setTimeout(flush, BATCH_MS);
  });
}

export function stopNodesLive(): void {
  unsub?.();
  unsub = undefined;
  clearTimeout(flushTimer);
  flushTimer = undefined;
  queue = [];
  seq++;
  nodesStore.set({ nodes: null, loading: false });
}
