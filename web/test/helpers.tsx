import { vi } from 'vitest';
import type { Me, Node, Role } from '../src/api/client';
import { session } from '../src/lib/session';
import { nodesStore } from '../src/lib/nodes';

export type Handler = (req: { method: string; url: URL; body: unknown }) => { status?: number; body?: unknown; headers?: Record<string, string> };

/** mockApi replaces fetch: routes are "METHOD /path" (query ignored). Unknown routes answer 404. */
export function mockApi(routes: Record<string, Handler | object>) {
  const calls: { method: string; url: URL; body: unknown }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://console.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, url, body });
    const h = routes[`${method} ${url.pathname}`];
    let out: ReturnType<Handler>;
    if (!h) out = { status: 404, body: { type: 'urn:neoconsole:problem:not_found', title: 'Not Found', status: 404, code: 'not_found', detail: `no mock for ${method} ${url.pathname}` } };
    else if (typeof h === 'function') out = (h as Handler)({ method, url, body });
    else out = { body: h };
    const status = out.status ?? 200;
    const problem = status >= 400;
    return new Response(out.body === undefined ? null : JSON.stringify(out.body), {
      status,
      headers: { 'Content-Type': problem ? 'application/problem+json' : 'application/json', ...(out.headers ?? {}) },
    });
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}

export function problem(status: number, code: string, detail = '', extra: Record<string, unknown> = {}) {
  return { status, body: { type: `urn:neoconsole:problem:${code}`, title: 'x', status, code, detail, ...extra } };
}

export function me(role: Role, username = `${role}1`): Me {
  return { user: { id: 7, username, role, disabled: false, createdAt: '2026-01-01T00:00:00Z' }, authMethod: 'session' };
}

export function signInAs(role: Role) {
  session.set({ status: 'signedIn', me: me(role) });
}

let nextId = 1;

export function node(over: Partial<Node> = {}): Node {
  const id = over.id ?? nextId++;
  return {
    id,
    name: `node-${id}`,
    hostname: `node-${id}`,
    user: 'default',
    userId: 1,
    ipAddresses: [`100.64.${(id >> 8) & 255}.${id & 255}`, `fd7a:115c:a1e0::${id.toString(16)}`],
    online: false,
    lastSeen: '2026-01-01T00:00:00Z',
    expiry: '2099-01-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00Z',
    tags: [],
    approvedRoutes: [],
    availableRoutes: [],
    subnetRoutes: [],
    registerMethod: 'authkey',
    machineKey: 'mkey:x',
    nodeKey: 'nodekey:x',
    expired: false,
    exitNode: false,
    os: 'unknown',
    orphaned: false,
    ...over,
  };
}

export function setNodes(nodes: Node[]) {
  nodesStore.set({ nodes, loading: false, fetchedAt: new Date().toISOString() });
}

export function nodes(n: number, f: (i: number) => Partial<Node> = () => ({})): Node[] {
  return Array.from({ length: n }, (_, i) => node({ id: i + 1, name: `host-${String(i + 1).padStart(5, '0')}`, ...f(i) }));
}
