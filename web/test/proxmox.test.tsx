import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emit } from '../src/lib/live';
import {
  enrollmentOf,
  groupClusters,
  guestHref,
  guestStateEntries,
  healthOf,
  nodeStatusOf,
  ProxmoxClusters,
  type Cluster,
} from '../src/pages/ProxmoxClusters';
import { mockApi, problem, signInAs } from './helpers';

const now = new Date().toISOString();

function cluster(over: Partial<Cluster> = {}): Cluster {
  return {
    name: 'pve-prod',
    cloudId: 3,
    cloudName: 'lab',
    standalone: false,
    health: 'degraded',
    nodeCount: 2,
    activeNodes: 1,
    inactiveNodes: 1,
    guests: 3,
    guestStates: { running: 2, stopped: 1 },
    stale: false,
    nodes: [
      {
        name: 'pve1',
        status: 'active',
        active: true,
        offline: false,
        lastSeen: now,
        guests: 2,
        running: 2,
        vms: [
          { key: 11, id: 'qemu/100', name: 'web', state: 'running', type: 'qemu', enrollment: 'enrolled-online' },
          { key: 12, id: 'lxc/101', name: 'dns', state: 'running', type: 'lxc', enrollment: 'not-enrolled' },
        ],
      },
      {
        name: 'pve2',
        status: 'inactive',
        active: false,
        offline: true,
        guests: 1,
        running: 0,
        vms: [{ key: 13, id: 'qemu/102', name: 'db', state: 'unknown', type: 'qemu', enrollment: 'enrolled-offline' }],
      },
    ],
    ...over,
  };
}

const host = cluster({
  name: 'homelab',
  cloudId: 4,
  cloudName: 'home',
  standalone: true,
  health: 'all-active',
  nodeCount: 1,
  activeNodes: 1,
  inactiveNodes: 0,
  guests: 0,
  guestStates: {},
  stale: true,
  error: 'certificate expired',
  nodes: [{ name: 'homelab', status: 'active', active: true, offline: false, lastSeen: now, guests: 0, running: 0, vms: [] }],
});

afterEach(() => vi.useRealTimers());

describe('proxmox logic', () => {
  it.each([
    ['all-active', 'ok'],
    ['degraded', 'warn'],
    ['critical', 'bad'],
    ['', 'neutral'],
  ])('health %s is %s', (h, tone) => expect(healthOf(h).tone).toBe(tone));

  it.each([
    [{ status: 'active', offline: false }, 'ok', 'Active'],
    [{ status: 'late', offline: false }, 'warn', 'Late'],
    [{ status: 'inactive', offline: false }, 'bad', 'Inactive'],
    [{ status: 'active', offline: true }, 'bad', 'Offline'],
  ] as const)('node %j is %s', (n, tone, label) => expect(nodeStatusOf(n)).toEqual({ tone, label }));

  it('groups, orders and links', () => {
    const g = groupClusters([host, cluster(), cluster({ name: 'b' })]);
    expect(g.clusters.map((c) => c.name)).toEqual(['pve-prod', 'b']);
    expect(g.standalone.map((c) => c.name)).toEqual(['homelab']);
    expect(guestStateEntries({ unknown: 1, stopped: 2, running: 3, zero: 0 })).toEqual([
      ['running', 3],
      ['stopped', 2],
      ['unknown', 1],
    ]);
    expect(guestHref({ cloudId: 3 }, { key: 12 })).toBe('/vms?vm=12&cloud=3');
    expect(enrollmentOf('not-enrolled').label).toBe('Not enrolled');
    expect(enrollmentOf('enrolled-online').tone).toBe('ok');
  });
});

describe('Proxmox clusters page', () => {
  it('shows clusters and standalone hosts with health, and expands nodes to their guests', async () => {
    signInAs('viewer');
    mockApi({ 'GET /api/v1/proxmox/clusters': { clusters: [cluster(), host] } });
    render(<ProxmoxClusters />);
    expect(await screen.findByTestId('proxmox-clusters')).toBeTruthy();
    const sections = await screen.findAllByTestId('cluster');
    expect(sections).toHaveLength(2);
    const [prod, home] = sections;
    expect(within(prod).getByTestId('cluster-health').textContent).toBe('Degraded');
    expect(prod.textContent).toContain('1/2 nodes active');
    expect(prod.textContent).toContain('1 inactive');
    expect(prod.textContent).toContain('2 running');
    expect(within(prod).getByRole('link', { name: 'lab' }).getAttribute('href')).toBe('/clouds/3/vms');

    // Standalone hosts are grouped under their own heading.
    const standalone = screen.getByRole('region', { name: 'Standalone hosts' });
    expect(within(standalone).getByText('homelab', { selector: 'h3' })).toBeTruthy();
    expect(within(home).getByTestId('cluster-health').textContent).toBe('All active');
    expect(within(home).getByText('Stale')).toBeTruthy();
    expect(home.textContent).toContain('certificate expired');

    // Nodes are collapsed; expanding one lists its guests.
    expect(screen.queryAllByTestId('pve-guest')).toHaveLength(0);
    const pve1 = within(prod).getByRole('button', { name: /pve1/ });
    expect(pve1.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(pve1);
    expect(pve1.getAttribute('aria-expanded')).toBe('true');
    const guests = screen.getAllByTestId('pve-guest');
    expect(guests).toHaveLength(2);
    expect(within(guests[0]).getByRole('link', { name: 'web' }).getAttribute('href')).toBe('/vms?vm=11&cloud=3');
    expect(guests[1].textContent).toContain('lxc/101');
    expect(guests[1].textContent).toContain('LXC');
    expect(guests[1].textContent).toContain('Not enrolled');
    expect(within(prod).getByRole('button', { name: /pve2/ }).textContent).toContain('Offline');

    fireEvent.click(screen.getByRole('button', { name: 'Expand all' }));
    expect(screen.getAllByTestId('pve-guest')).toHaveLength(3);
    expect(screen.getByText('No guest on this node.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Collapse all' }));
    expect(screen.queryAllByTestId('pve-guest')).toHaveLength(0);
  });

  it('offers an admin to connect Proxmox VE when there is no account', async () => {
    signInAs('admin');
    mockApi({ 'GET /api/v1/proxmox/clusters': { clusters: [] }, 'GET /api/v1/clouds': { clouds: [] } });
    const { unmount } = render(<ProxmoxClusters />);
    const empty = await screen.findByTestId('proxmox-empty');
    expect(within(empty).getByRole('link', { name: 'Connect Proxmox VE' }).getAttribute('href')).toBe('/clouds/new?kind=proxmox');
    unmount();

    signInAs('viewer');
    render(<ProxmoxClusters />);
    const note = await screen.findByTestId('proxmox-empty');
    expect(within(note).queryByRole('link')).toBeNull();
    expect(note.textContent).toContain('No Proxmox VE account');
  });

  it('says when the accounts have no guests yet', async () => {
    signInAs('admin');
    mockApi({
      'GET /api/v1/proxmox/clusters': { clusters: [] },
      'GET /api/v1/clouds': { clouds: [{ id: 1, name: 'pve', kind: 'proxmox', config: {}, secretsSet: [], createdAt: now, updatedAt: now, createdBy: 'a' }] },
    });
    render(<ProxmoxClusters />);
    const empty = await screen.findByTestId('proxmox-empty');
    expect(empty.textContent).toContain('no guests yet');
    expect(within(empty).queryByRole('link')).toBeNull();
  });

  it('reloads on live inventory events and keeps the last data when that fails', async () => {
    signInAs('viewer');
    let answer: () => ReturnType<typeof problem> | { body: unknown } = () => ({ body: { clusters: [cluster()] } });
    const { calls } = mockApi({ 'GET /api/v1/proxmox/clusters': () => answer() });
    render(<ProxmoxClusters />);
    await screen.findAllByTestId('cluster');
    const count = () => calls.filter((c) => c.url.pathname === '/api/v1/proxmox/clusters').length;
    expect(count()).toBe(1);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    answer = () => ({ body: { clusters: [cluster({ health: 'critical' })] } });
    act(() => {
      emit({ id: 1, type: 'node.online', time: now }); // not ours
      emit({ id: 2, type: 'vm.state', time: now });
      emit({ id: 3, type: 'sync.finished', time: now });
    });
    await act(async () => {
      vi.advanceTimersByTime(1100);
    });
    vi.useRealTimers();
    await waitFor(() => expect(screen.getByTestId('cluster-health').textContent).toBe('Critical'));
    expect(count()).toBe(2);

    answer = () => problem(500, 'internal', 'boom');
    act(() => emit({ id: 4, type: 'resync', time: now }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('boom'), { timeout: 3000 });
    expect(screen.getByTestId('cluster-health').textContent).toBe('Critical');
  });
});
