import { describe, expect, it } from 'vitest';
import { Pager, type PageAnswer } from '../src/lib/vmPager';
import {
  apiSort,
  enrollmentLabel,
  facetOptions,
  gridColumns,
  hasFilters,
  hostnameFor,
  memory,
  nextSort,
  optionText,
  powerActions,
  queryKey,
  readVMFilters,
  specs,
  staleClouds,
  staleText,
  stateEvent,
  vmApiQuery,
  vmFilterQuery,
  withState,
  type CloudAccount,
  type VM,
} from '../src/pages/vmQuery';

const sp = (s: string) => new URLSearchParams(s);

describe('VM filters in the URL', () => {
  it('reads defaults from an empty query', () => {
    const f = readVMFilters(sp(''));
    expect(f).toMatchObject({ q: '', provider: '', cloud: '', stale: '', sort: 'name', dir: 'asc', view: 'list' });
    expect(hasFilters(f)).toBe(false);
    expect(vmApiQuery(f)).toEqual({});
  });

  it.each([
    ['q=web%20prod', { q: 'web prod' }],
    ['provider=aws,gcp', { provider: 'aws,gcp' }],
    ['cloud=3', { cloud: '3' }],
    ['region=eu-west-1', { region: 'eu-west-1' }],
    ['state=running', { state: 'running' }],
    ['enrollment=not-enrolled', { enrollment: 'not-enrolled' }],
    ['tag=env%3Dprod', { tag: 'env=prod' }],
    ['stale=true', { stale: 'true' }],
    ['sort=region&dir=desc', { sort: '-region' }],
    ['sort=created', { sort: 'created' }],
    ['sort=bogus&dir=sideways', {}],
    ['stale=maybe', {}],
  ])('%s gives the API query %j', (url, want) => {
    expect(vmApiQuery(readVMFilters(sp(url)))).toEqual(want);
  });

  it('leaves the cloud to the path on the per-cloud view', () => {
    const f = readVMFilters(sp('cloud=3&q=x'));
    expect(vmApiQuery(f, true)).toEqual({ q: 'x' });
    expect(hasFilters(readVMFilters(sp('cloud=3')), true)).toBe(false);
    expect(hasFilters(readVMFilters(sp('cloud=3')), false)).toBe(true);
  });

  it('writes the URL back without defaults, and round-trips', () => {
    const f = readVMFilters(sp('q=%20web%20&provider=lxd&sort=state&dir=desc&view=grid&tag=%20'));
    const q = vmFilterQuery(f);
    expect(q).toEqual({
      q: 'web',
      provider: 'lxd',
      cloud: undefined,
      region: undefined,
      state: undefined,
      enrollment: undefined,
      tag: undefined,
      stale: undefined,
      sort: 'state',
      dir: 'desc',
      view: 'grid',
    });
    const back = new URLSearchParams(Object.entries(q).filter(([, v]) => v) as [string, string][]);
    expect(readVMFilters(back)).toEqual({ ...f, q: 'web', tag: '' });
    expect(vmFilterQuery(readVMFilters(sp('sort=name&dir=asc&view=list')))).toMatchObject({ sort: undefined, dir: undefined, view: undefined });
  });

  it('sorts by a column: ascending first, then flips', () => {
    expect(nextSort({ sort: 'name', dir: 'asc' }, 'name')).toEqual({ sort: 'name', dir: 'desc' });
    expect(nextSort({ sort: 'name', dir: 'desc' }, 'name')).toEqual({ sort: 'name', dir: 'asc' });
    expect(nextSort({ sort: 'name', dir: 'desc' }, 'state')).toEqual({ sort: 'state', dir: 'asc' });
    expect(apiSort({ sort: 'lastSeen', dir: 'desc' })).toBe('-lastSeen');
  });

  it('keys queries by content, not key order', () => {
    expect(queryKey({ a: '1', b: '2' })).toBe(queryKey({ b: '2', a: '1' }));
    expect(queryKey({ a: '1' }, 3)).not.toBe(queryKey({ a: '1' }, 4));
  });
});

describe('facets', () => {
  it('lists values with counts, keeps the selection, and orders known dimensions', () => {
    const o = facetOptions({ stopped: 3, running: 1204, unknown: 1 }, 'pending', (s) => s, ['running', 'pending', 'stopping', 'stopped', 'terminated', 'unknown']);
    expect(o.map((x) => x.value)).toEqual(['running', 'pending', 'stopped', 'unknown']);
    expect(optionText(o[0])).toBe(`running (${(1204).toLocaleString()})`);
    expect(optionText(o[1])).toBe('pending (0)');
  });

  it('sorts unordered dimensions by label and shows multi-valued selections', () => {
    const o = facetOptions({ '2': 5, '10': 1 }, '', (id) => ({ '2': 'zeta', '10': 'alpha' })[id] ?? id);
    expect(o.map((x) => x.label)).toEqual(['alpha', 'zeta']);
    const m = facetOptions({ aws: 2 }, 'aws,gcp');
    expect(m.map((x) => x.value)).toEqual(['aws', 'aws,gcp', 'gcp']);
    expect(facetOptions(undefined, '')).toEqual([]);
  });
});

describe('labels and power', () => {
  it.each([
    ['running', ['stop', 'reboot']],
    ['stopped', ['start']],
    ['pending', []],
    ['stopping', []],
    ['terminated', []],
    ['unknown', []],
  ])('%s allows %j', (state, want) => expect(powerActions(state)).toEqual(want));

  it.each([
    ['Web_01.prod', 'web-01'],
    ['--DB--', 'db'],
    ['a'.repeat(70), 'a'.repeat(63)],
    ['café server', 'caf-server'],
  ])('hostname for %s is %s', (name, want) => expect(hostnameFor(name)).toBe(want));

  it('summarises specs', () => {
    expect(specs({ type: 't3.small', vcpus: 2, memoryMb: 2048, diskGb: 20 })).toBe('t3.small · 2 vCPU · 2 GiB · 20 GB disk');
    expect(specs({})).toBe('');
    expect(memory(512)).toBe('512 MiB');
    expect(memory(1536)).toBe('1.5 GiB');
    expect(enrollmentLabel('enrolled-offline')).toBe('Enrolled, offline');
  });

  it('reads vm.state events and patches only real changes', () => {
    expect(stateEvent({ key: 3, state: 'stopped' })).toEqual({ key: 3, state: 'stopped' });
    expect(stateEvent({ key: '3', state: 'stopped' })).toBeNull();
    expect(stateEvent(undefined)).toBeNull();
    const v = { key: 1, state: 'running' } as VM;
    expect(withState(v, 'running')).toBe(v);
    expect(withState(v, 'bogus')).toBe(v);
    expect(withState(v, 'stopping').state).toBe('stopping');
  });

  it('fits cards into rows', () => {
    expect(gridColumns(0)).toBe(3);
    expect(gridColumns(250)).toBe(1);
    expect(gridColumns(1100)).toBe(4);
  });
});

describe('stale clouds', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const cloud = (id: number, name: string, sync?: CloudAccount['sync']): CloudAccount => ({
    id,
    name,
    kind: 'aws',
    config: {},
    secretsSet: [],
    createdAt: '',
    updatedAt: '',
    createdBy: '',
    sync,
  });
  it('lists failing accounts with the age of their data', () => {
    const list = [
      cloud(1, 'ok', { stale: false, lastSuccess: '2026-03-01T11:59:00Z' }),
      cloud(2, 'sim-aws', { stale: true, error: 'throttled', lastSuccess: '2026-03-01T11:50:00Z' }),
      cloud(3, 'new', { error: 'bad credentials' }),
      cloud(4, 'unseen'),
    ];
    const s = staleClouds(list, now);
    expect(s.map((x) => x.name)).toEqual(['new', 'sim-aws']);
    expect(staleText(s[1])).toBe('sim-aws: showing data from 10 min ago — throttled');
    expect(staleText(s[0])).toBe('new: no successful sync yet — bad credentials');
    expect(staleClouds(list, now, 2).map((x) => x.id)).toEqual([2]);
    expect(staleClouds(undefined, now)).toEqual([]);
  });
});

describe('Pager', () => {
  type Row = { key: number };
  function source(total: number) {
    const calls: Record<string, string>[] = [];
    const fetchPage = async (q: Record<string, string>, signal: AbortSignal): Promise<PageAnswer<Row, object>> => {
      calls.push(q);
      await new Promise((r) => setTimeout(r, 1));
      if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      const from = Number(q.cursor || 0);
      const limit = Number(q.limit);
      const n = q.q === 'none' ? 0 : total;
      const rows = Array.from({ length: Math.max(0, Math.min(limit, n - from)) }, (_, i) => ({ key: from + i + 1 }));
      const next = from + rows.length < n ? String(from + rows.length) : '';
      return { vms: rows, total: n, nextCursor: next, facets: {} };
    };
    return { calls, fetchPage };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('loads a small first page, then more as the view nears the end', async () => {
    const { calls, fetchPage } = source(2500);
    const p = new Pager(fetchPage, { firstLimit: 200, pageLimit: 1000, ahead: 100 });
    p.setQuery({});
    await settle();
    expect(p.getState()).toMatchObject({ ready: true, total: 2500, complete: false });
    expect(p.getState().rows).toHaveLength(200);
    expect(calls).toEqual([{ limit: '200' }]);
    p.want(50);
    await settle();
    expect(calls).toHaveLength(1);
    p.want(150);
    await settle();
    expect(calls[1]).toEqual({ limit: '1000', cursor: '200' });
    expect(p.getState().rows).toHaveLength(1200);
    p.want(2499);
    await settle();
    await settle();
    expect(p.getState().rows).toHaveLength(2500);
    expect(p.getState().complete).toBe(true);
    expect(p.getState().rows[2499]).toEqual({ key: 2500 });
  });

  it('a new query aborts the old one and keeps the old rows until the answer', async () => {
    const { fetchPage } = source(300);
    const p = new Pager(fetchPage, { firstLimit: 200 });
    p.setQuery({});
    await settle();
    p.setQuery({ q: 'a' });
    p.setQuery({ q: 'none' });
    expect(p.getState()).toMatchObject({ outdated: true, loading: true });
    expect(p.getState().rows).toHaveLength(200);
    await settle();
    expect(p.getState()).toMatchObject({ outdated: false, loading: false, total: 0, complete: true });
    expect(p.getState().rows).toHaveLength(0);
  });

  it('refreshes the loaded rows, patches in place and keeps rows when a refresh fails', async () => {
    const src = source(1500);
    let fail = false;
    const p = new Pager<Row, object>(async (q, s) => {
      if (fail) throw new Error('boom');
      return src.fetchPage(q, s);
    }, { firstLimit: 200, pageLimit: 1000 });
    p.setQuery({});
    await settle();
    p.want(150);
    await settle();
    expect(p.getState().rows).toHaveLength(1200);
    src.calls.length = 0;
    await p.refresh();
    expect(src.calls).toEqual([{ limit: '1000' }, { limit: '200', cursor: '1000' }]);
    expect(p.getState().rows).toHaveLength(1200);

    const before = p.getState();
    p.patch((r) => r);
    expect(p.getState()).toBe(before);
    p.patch((r) => (r.key === 5 ? { key: 5, x: 1 } as Row : r));
    expect(p.getState().rows[4]).toEqual({ key: 5, x: 1 });

    fail = true;
    await p.refresh();
    expect(p.getState().error).toBeTruthy();
    expect(p.getState().rows).toHaveLength(1200);
    fail = false;
    p.retry();
    await settle();
    await settle();
    expect(p.getState().error).toBeUndefined();
    p.dispose();
  });
});
