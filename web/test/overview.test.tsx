import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emit } from '../src/lib/live';
import { byStateEntries, cloudHealth, Overview, reloadsOverview, RELOAD_AFTER_MS, topRegions, type OverviewData } from '../src/pages/Overview';
import { mockApi, problem, signInAs } from './helpers';

const now = new Date().toISOString();

function overview(over: Partial<OverviewData> = {}): OverviewData {
  return {
    at: now,
    clouds: { total: 2, byKind: { aws: 1, proxmox: 1 }, connected: 1, syncing: 0, stale: 1, erroring: 1 },
    regions: {
      total: 3,
      list: [
        { provider: 'aws', region: 'eu-west-1', vms: 2 },
        { provider: 'aws', region: 'us-east-1', vms: 9 },
        { provider: 'proxmox', region: 'pve1', vms: 4 },
      ],
    },
    vms: {
      total: 15,
      stale: 4,
      gone: 1,
      byState: { stopped: 3, running: 12 },
      byProvider: { aws: 11, proxmox: 4 },
      byEnrollment: { 'enrolled-online': 5, 'enrolled-offline': 1, 'not-enrolled': 9 },
    },
    nodes: { total: 10, online: 7, offline: 3, linked: 6, orphaned: 2 },
    ...over,
  };
}

const clouds = [
  {
    id: 1,
    name: 'prod-aws',
    kind: 'aws',
    config: {},
    secretsSet: [],
    createdAt: now,
    updatedAt: now,
    createdBy: 'admin',
    sync: { cloudId: 1, lastEnd: now, lastSuccess: now, vms: 11 },
  },
  {
    id: 2,
    name: 'lab-pve',
    kind: 'proxmox',
    config: {},
    secretsSet: [],
    createdAt: now,
    updatedAt: now,
    createdBy: 'admin',
    sync: { cloudId: 2, lastEnd: now, lastSuccess: '2026-01-01T00:00:00Z', error: 'connection refused', stale: true, vms: 4 },
  },
];

const audit = {
  entries: Array.from({ length: 10 }, (_, i) => ({
    id: 100 - i,
    time: now,
    user: i % 2 ? 'alice' : 'bob',
    role: 'admin',
    action: i === 0 ? 'cloud.sync' : 'node.rename',
    target: `node:${i}`,
    outcome: i === 1 ? 'failure' : 'success',
    sourceIp: '127.0.0.1',
  })),
};

const headscale = { connection: { mode: 'managed', address: '127.0.0.1:50443', loginServer: 'http://hs', managed: { state: 'running', restarts: 0, since: now } }, health: 'ok' };

function routes(over: Record<string, unknown> = {}) {
  return mockApi({
    'GET /api/v1/overview': overview(),
    'GET /api/v1/clouds': { clouds },
    'GET /api/v1/audit': audit,
    'GET /api/v1/headscale': headscale,
    ...over,
  });
}

afterEach(() => vi.useRealTimers());

describe('overview logic', () => {
  it('orders VM states and picks the top regions', () => {
    expect(byStateEntries({ unknown: 1, stopped: 2, running: 3, weird: 1, pending: 0 })).toEqual([
      ['running', 3],
      ['stopped', 2],
      ['unknown', 1],
      ['weird', 1],
    ]);
    expect(byStateEntries(undefined)).toEqual([]);
    expect(topRegions(overview().regions.list, 2).map((r) => r.region)).toEqual(['us-east-1', 'pve1']);
    expect(topRegions(undefined)).toEqual([]);
  });

  it.each([
    [{}, 'pending', 'neutral'],
    [{ sync: { syncing: true } }, 'syncing', 'info'],
    [{ sync: { lastEnd: now, lastSuccess: now } }, 'ok', 'ok'],
    [{ sync: { lastEnd: now, lastSuccess: now, syncing: true } }, 'syncing', 'info'],
    [{ sync: { lastEnd: now, lastSuccess: now, partial: 'eu-west-3: throttled' } }, 'partial', 'warn'],
    [{ sync: { lastEnd: now, error: 'bad key', stale: true } }, 'stale', 'warn'],
    [{ sync: { lastEnd: now, error: 'bad key', stale: false, syncing: true } }, 'error', 'bad'],
    [{ sync: { error: 'bad key' } }, 'error', 'bad'],
  ])('cloud health of %j is %s', (c, status, tone) => {
    const h = cloudHealth(c as Parameters<typeof cloudHealth>[0]);
    expect(h.status).toBe(status);
    expect(h.tone).toBe(tone);
    if (status === 'stale' || status === 'error') expect(h.detail).toBe('bad key');
  });

  it.each([
    ['sync.finished', true],
    ['sync.started', false],
    ['sync.progress', false],
    ['vm.state', true],
    ['vm.inventory', true],
    ['node.online', true],
    ['cloud.deleted', true],
    ['resync', true],
    ['policy.updated', false],
  ])('%s reloads: %s', (type, want) => expect(reloadsOverview(type)).toBe(want));
});

describe('Overview page', () => {
  it('shows the tiles with links to the filtered pages, health and recent activity', async () => {
    signInAs('viewer');
    routes();
    render(<Overview />);
    const vms = await screen.findByTestId('tile-vms');
    expect(within(vms).getByRole('link', { name: '15 VMs' }).getAttribute('href')).toBe('/vms');
    expect(within(vms).getByRole('link', { name: /Running/ }).getAttribute('href')).toBe('/vms?state=running');
    expect(within(vms).getByRole('link', { name: /Stopped/ }).getAttribute('href')).toBe('/vms?state=stopped');
    expect(within(screen.getByTestId('tile-not-enrolled')).getByRole('link', { name: /^9 / }).getAttribute('href')).toBe('/vms?enrollment=not-enrolled');
    expect(within(screen.getByTestId('tile-nodes-online')).getByRole('link', { name: /^7 / }).getAttribute('href')).toBe('/machines?online=true');
    expect(within(screen.getByTestId('tile-nodes-offline')).getByRole('link', { name: /^3 / }).getAttribute('href')).toBe('/machines?online=false');
    expect(within(screen.getByTestId('tile-orphaned')).getByRole('link', { name: /^2 / }).getAttribute('href')).toBe('/machines?orphaned=true');
    const clouds = screen.getByTestId('tile-clouds');
    expect(within(clouds).getByRole('link', { name: /^2 / }).getAttribute('href')).toBe('/clouds');
    expect(clouds.textContent).toContain('Proxmox VE 1');
    const regions = screen.getByTestId('tile-regions');
    expect(within(regions).getByRole('link', { name: /^3 / })).toBeTruthy();
    expect(within(regions).getAllByRole('listitem')[0].textContent).toContain('us-east-1');
    expect(within(regions).getByRole('link', { name: /us-east-1/ }).getAttribute('href')).toBe('/vms?provider=aws&region=us-east-1');

    // Health: Headscale and one row per cloud.
    await waitFor(() => expect(within(screen.getByTestId('headscale-health')).getByText('Up')).toBeTruthy());
    const rows = await screen.findAllByTestId('cloud-health');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('OK')).toBeTruthy();
    expect(within(rows[1]).getByText('Stale')).toBeTruthy();
    expect(rows[1].textContent).toContain('connection refused');
    expect(within(rows[1]).getByRole('link', { name: 'lab-pve' }).getAttribute('href')).toBe('/clouds/2/vms');

    // Recent activity: 8 entries at most, linking to the audit log.
    const table = await screen.findByTestId('recent-audit');
    expect(within(table).getAllByRole('row')).toHaveLength(9);
    expect(within(table).getByText('cloud.sync')).toBeTruthy();
    expect(within(table).getByText('Failed')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the audit log' }).getAttribute('href')).toBe('/audit');
    expect(screen.queryByTestId('no-cloud')).toBeNull();
  });

  it('asks an admin to connect a cloud when there is none; others get a note', async () => {
    signInAs('admin');
    routes({
      'GET /api/v1/overview': overview({ clouds: { total: 0, byKind: {}, connected: 0, syncing: 0, stale: 0, erroring: 0 } }),
      'GET /api/v1/clouds': { clouds: [] },
    });
    const { unmount } = render(<Overview />);
    const cta = await screen.findByTestId('no-cloud');
    await waitFor(() => expect(within(cta).getByRole('link', { name: 'Connect a cloud' }).getAttribute('href')).toBe('/clouds/new'));
    unmount();

    signInAs('operator');
    render(<Overview />);
    const note = await screen.findByTestId('no-cloud');
    expect(within(note).queryByRole('link')).toBeNull();
    expect(note.textContent).toContain('An admin can connect one');
  });

  it('shows Headscale down with its reason, and keeps the counts when a reload fails', async () => {
    signInAs('viewer');
    let fail = false;
    const { calls } = routes({
      'GET /api/v1/headscale': { ...headscale, health: 'rpc error: connection refused' },
      'GET /api/v1/overview': () => (fail ? problem(500, 'internal', 'boom') : { body: overview() }),
    });
    render(<Overview />);
    const hs = await screen.findByTestId('headscale-health');
    await waitFor(() => expect(within(hs).getByText('Down')).toBeTruthy());
    expect(hs.textContent).toContain('rpc error: connection refused');
    await screen.findByTestId('tile-vms');

    // A burst of live events reloads once, about a second later.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    fail = true;
    const before = calls.filter((c) => c.url.pathname === '/api/v1/overview').length;
    act(() => {
      emit({ id: 1, type: 'vm.state', time: now, data: {} });
      emit({ id: 2, type: 'node.online', time: now, data: {} });
      emit({ id: 3, type: 'policy.updated', time: now, data: {} });
    });
    await act(async () => {
      vi.advanceTimersByTime(RELOAD_AFTER_MS + 10);
    });
    vi.useRealTimers();
    await waitFor(() => expect(calls.filter((c) => c.url.pathname === '/api/v1/overview').length).toBe(before + 1));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('boom'));
    expect(screen.getByTestId('tile-vms')).toBeTruthy();
  });

  it('follows a tile link', async () => {
    signInAs('viewer');
    routes();
    render(<Overview />);
    const tile = await screen.findByTestId('tile-orphaned');
    fireEvent.click(within(tile).getByRole('link', { name: /^2 / }));
    expect(window.location.pathname + window.location.search).toBe('/machines?orphaned=true');
  });
});
