import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { Toasts } from '../src/components/Toasts';
import { emit } from '../src/lib/live';
import { EnrollVMDialog, enrollOutcome } from '../src/pages/EnrollVMDialog';
import { VMs } from '../src/pages/VMs';
import type { CloudAccount, VM } from '../src/pages/vmQuery';
import { mockApi, problem, signInAs, type Handler } from './helpers';

const now = new Date().toISOString();
const tenMinAgo = new Date(Date.now() - 10 * 60_000).toISOString();

function vm(key: number, over: Partial<VM> = {}): VM {
  return {
    key,
    provider: key % 2 ? 'aws' : 'lxd',
    id: `i-${key}`,
    cloudId: key % 2 ? 1 : 2,
    cloudName: key % 2 ? 'sim-aws' : 'lab',
    name: `vm-${String(key).padStart(5, '0')}`,
    state: key % 3 ? 'running' : 'stopped',
    region: key % 2 ? 'eu-west-1' : 'local',
    type: 't3.small',
    vcpus: 2,
    memoryMb: 2048,
    privateIps: [`10.0.${key >> 8}.${key & 255}`],
    publicIps: [],
    tags: { env: 'prod' },
    firstSeen: now,
    lastSeen: now,
    stale: false,
    enrollment: 'not-enrolled',
    ...over,
  };
}

function cloud(id: number, name: string, sync?: CloudAccount['sync']): CloudAccount {
  return { id, name, kind: id === 1 ? 'aws' : 'lxd', config: {}, secretsSet: [], createdAt: now, updatedAt: now, createdBy: 'admin', sync };
}

/** inventory answers GET /api/v1/vms like the server: q over names, provider/state filters, cursor paging, facets. */
function inventory(all: VM[]): Handler {
  return ({ url }) => {
    const p = url.searchParams;
    const q = (p.get('q') ?? '').toLowerCase();
    const match = (v: VM, skip?: string) =>
      (!q || v.name.includes(q)) &&
      (skip === 'provider' || !p.get('provider') || p.get('provider') === v.provider) &&
      (skip === 'state' || !p.get('state') || p.get('state') === v.state) &&
      (skip === 'cloud' || !p.get('cloud') || p.get('cloud') === String(v.cloudId));
    let rows = all.filter((v) => match(v));
    if (p.get('sort') === '-name') rows = rows.slice().reverse();
    const from = Number(p.get('cursor') || 0);
    const limit = Number(p.get('limit') || 100);
    const page = rows.slice(from, from + limit);
    const count = (dim: 'provider' | 'state' | 'cloud', f: (v: VM) => string) => {
      const m: Record<string, number> = {};
      for (const v of all) if (match(v, dim)) m[f(v)] = (m[f(v)] ?? 0) + 1;
      return m;
    };
    return {
      body: {
        vms: page,
        total: rows.length,
        nextCursor: from + page.length < rows.length ? String(from + page.length) : '',
        facets: {
          provider: count('provider', (v) => v.provider),
          state: count('state', (v) => v.state),
          cloud: count('cloud', (v) => String(v.cloudId)),
          region: {},
          enrollment: {},
        },
      },
    };
  };
}

function rows(container: HTMLElement) {
  return Array.from(container.querySelectorAll<HTMLElement>('[data-testid="vm-row"]'));
}

const vmCalls = (calls: { method: string; url: URL }[]) => calls.filter((c) => c.method === 'GET' && c.url.pathname === '/api/v1/vms');

let clouds: CloudAccount[];

beforeEach(() => {
  clouds = [cloud(1, 'sim-aws', { stale: true, error: 'throttled by AWS', lastSuccess: tenMinAgo }), cloud(2, 'lab', { lastSuccess: now })];
});

describe('VMs page', () => {
  it('renders the first page of 10,000 VMs at once, sized by the total, and loads more on scroll', async () => {
    signInAs('viewer');
    const all = Array.from({ length: 10_000 }, (_, i) => vm(i + 1));
    const { calls } = mockApi({ 'GET /api/v1/vms': inventory(all), 'GET /api/v1/clouds': { clouds } });
    window.history.replaceState(null, '', '/vms');
    const { container } = render(<VMs />);
    await waitFor(() => expect(rows(container).length).toBeGreaterThan(5));
    expect(rows(container).length).toBeLessThan(60);
    expect(screen.getByText(`${(10_000).toLocaleString()} of ${(10_000).toLocaleString()} VMs`)).toBeTruthy();
    expect(vmCalls(calls)[0].url.searchParams.get('limit')).toBe('100');
    const list = container.querySelector('.vlist') as HTMLElement;
    expect((container.querySelector('.vspacer') as HTMLElement).style.height).toBe(`${10_000 * 60}px`);

    // Row attributes for the browser tests.
    const first = rows(container)[0];
    expect(first.dataset.vmKey).toBe('1');
    expect(first.dataset.state).toBe('running');
    expect(first.dataset.enrollment).toBe('not-enrolled');
    expect(within(first).getByTestId('vm-state').textContent).toBe('running');

    // Stale banner for the failing account; its rows are marked.
    const banner = screen.getByTestId('stale-banner');
    expect(banner.textContent).toBe('sim-aws: showing data from 10 min ago — throttled by AWS');

    // Scrolling past what is loaded shows placeholders and fetches the next pages with the cursor.
    await waitFor(() => expect(vmCalls(calls).length).toBeGreaterThanOrEqual(1));
    act(() => {
      list.scrollTop = 3000 * 60;
      fireEvent.scroll(list);
    });
    expect(container.querySelectorAll('[data-placeholder]').length).toBeGreaterThan(0);
    await waitFor(() => expect(vmCalls(calls).some((c) => c.url.searchParams.get('cursor'))).toBe(true));
    const next = vmCalls(calls).find((c) => c.url.searchParams.get('cursor'))!;
    expect(next.url.searchParams.get('limit')).toBe('1000');
    expect(next.url.searchParams.get('cursor')).toBe('100');
    await waitFor(() => expect(container.querySelectorAll('[data-placeholder]')).toHaveLength(0));
  });

  it('keeps filters in the URL, sends them to the API and shows facet counts', async () => {
    signInAs('viewer');
    const all = Array.from({ length: 30 }, (_, i) => vm(i + 1, i === 2 ? { name: 'web-special', stale: true } : {}));
    const { calls } = mockApi({ 'GET /api/v1/vms': inventory(all), 'GET /api/v1/clouds': { clouds } });
    window.history.replaceState(null, '', '/vms?provider=aws');
    const { container } = render(<VMs />);
    await waitFor(() => expect(rows(container)).toHaveLength(15));
    expect(vmCalls(calls)[0].url.searchParams.get('provider')).toBe('aws');
    const provider = screen.getByLabelText('Provider') as HTMLSelectElement;
    expect(provider.value).toBe('aws');
    expect(Array.from(provider.options).map((o) => o.textContent)).toEqual(['All providers', 'AWS (15)', 'LXD (15)']);
    const cloudSel = screen.getByLabelText('Cloud') as HTMLSelectElement;
    expect(Array.from(cloudSel.options).map((o) => o.textContent)).toEqual(['All clouds', 'lab (0)', 'sim-aws (15)'].filter((t) => t !== 'lab (0)'));
    await waitFor(() => expect(screen.getByText('15 of 30 VMs')).toBeTruthy());

    // The search box writes q to the URL after a short pause; the API filters.
    fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'special' } });
    await waitFor(() => expect(new URLSearchParams(window.location.search).get('q')).toBe('special'));
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    expect(within(rows(container)[0]).getByText('stale').getAttribute('title')).toMatch(/^Last good data from/);
    expect(vmCalls(calls).at(-1)!.url.searchParams.get('q')).toBe('special');

    // Sorting by a header keeps the sort in the URL.
    fireEvent.click(screen.getByRole('button', { name: /^Name/ }));
    expect(new URLSearchParams(window.location.search).get('dir')).toBe('desc');
    await waitFor(() => expect(vmCalls(calls).at(-1)!.url.searchParams.get('sort')).toBe('-name'));
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('descending');

    // Back/forward reaches the search box.
    act(() => {
      window.history.pushState(null, '', '/vms?q=vm-0001');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    await waitFor(() => expect((screen.getByLabelText('Search VMs') as HTMLInputElement).value).toBe('vm-0001'));
    await waitFor(() => expect(rows(container)).toHaveLength(10));

    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(window.location.search).toBe('');
    await waitFor(() => expect(screen.getByText('30 of 30 VMs')).toBeTruthy());
    await new Promise((r) => setTimeout(r, 100)); // the search box's pause passes: the URL stays clear
    expect(window.location.search).toBe('');
    expect((screen.getByLabelText('Search VMs') as HTMLInputElement).value).toBe('');

    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'bogus' } });
    expect(new URLSearchParams(window.location.search).get('state')).toBe(null); // not an option
    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'stopped' } });
    expect(new URLSearchParams(window.location.search).get('state')).toBe('stopped');
    await waitFor(() => expect(screen.getByText('10 of 30 VMs')).toBeTruthy());
    expect(rows(container).every((r) => r.dataset.state === 'stopped')).toBe(true);
  });

  it('patches a row on vm.state and refreshes the loaded rows on inventory events', async () => {
    signInAs('viewer');
    const all = [vm(1), vm(2)];
    const { calls } = mockApi({ 'GET /api/v1/vms': inventory(all), 'GET /api/v1/clouds': { clouds: [] } });
    window.history.replaceState(null, '', '/vms');
    const { container } = render(<VMs />);
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    const n = vmCalls(calls).length;
    act(() => emit({ id: 1, type: 'vm.state', time: now, data: { key: 1, state: 'stopping', previous: 'running' } }));
    expect(rows(container)[0].dataset.state).toBe('stopping');
    act(() => emit({ id: 2, type: 'vm.state', time: now, data: { key: 1, state: 'stopped', previous: 'stopping' } }));
    expect(rows(container)[0].dataset.state).toBe('stopped');
    expect(within(rows(container)[0]).getByTestId('vm-state').textContent).toBe('stopped');
    expect(vmCalls(calls)).toHaveLength(n);

    all.push(vm(3));
    act(() => {
      emit({ id: 3, type: 'vm.inventory', time: now, data: { cloudId: 1, added: 1 } });
      emit({ id: 4, type: 'node.online', time: now });
    });
    await waitFor(() => expect(rows(container)).toHaveLength(3), { timeout: 3000 });
    expect(vmCalls(calls)).toHaveLength(n + 1);
  });

  it('shows a viewer no control that changes anything, and a drawer that survives reload', async () => {
    signInAs('viewer');
    const v = vm(1, { consoleUrl: 'https://console.aws.example/i-1', nodeName: 'vm-1-node', nodeLink: 'ip', enrollment: 'enrolled-online', publicIps: ['203.0.113.5'] });
    mockApi({ 'GET /api/v1/vms': inventory([v, vm(2)]), 'GET /api/v1/clouds': { clouds }, 'GET /api/v1/vms/1': { vm: v } });
    window.history.replaceState(null, '', '/vms');
    const { container } = render(<VMs />);
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    expect(screen.queryAllByRole('button', { name: /^Actions for/ })).toHaveLength(0);

    fireEvent.click(within(rows(container)[0]).getByRole('button', { name: 'vm-00001' }));
    expect(new URLSearchParams(window.location.search).get('vm')).toBe('1');
    const drawer = await screen.findByTestId('vm-drawer');
    await waitFor(() => expect(within(drawer).getByRole('link', { name: 'vm-1-node' }).getAttribute('href')).toBe('/machines?q=vm-1-node'));
    expect(drawer.textContent).toContain('matched by IP address');
    expect(drawer.textContent).toContain('203.0.113.5');
    expect(drawer.textContent).toContain('env=prod');
    const open = within(drawer).getByRole('link', { name: 'Open in AWS console' });
    expect(open.getAttribute('href')).toBe('https://console.aws.example/i-1');
    expect(open.getAttribute('target')).toBe('_blank');
    expect(open.getAttribute('rel')).toBe('noreferrer');
    const mutating = /^(Start|Stop|Reboot|Enroll)/;
    expect(screen.getAllByRole('button').filter((b) => mutating.test((b.getAttribute('aria-label') || b.textContent || '').trim()))).toHaveLength(0);

    fireEvent.keyDown(document, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('vm-drawer')).toBeNull());
    expect(new URLSearchParams(window.location.search).has('vm')).toBe(false);
  });

  it('gives an operator power actions that fit the state, with confirmation and 409 as a toast', async () => {
    signInAs('operator');
    let answer: ReturnType<Handler> = { status: 202, body: { vm: vm(1, { state: 'stopping' }), action: 'stop', accepted: true } };
    const { calls } = mockApi({
      'GET /api/v1/vms': inventory([vm(1), vm(3)]),
      'GET /api/v1/clouds': { clouds },
      'POST /api/v1/vms/1/stop': () => answer,
      'GET /api/v1/vms/3': { vm: vm(3) },
    });
    window.history.replaceState(null, '', '/vms');
    const { container } = render(
      <>
        <VMs />
        <Toasts />
      </>,
    );
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: 'Actions for vm-00001' }));
    expect(screen.getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Stop…', 'Reboot…', 'Enroll…']);
    fireEvent.click(screen.getByRole('menuitem', { name: 'Stop…' }));
    let dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Stop VM' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/api/v1/vms/1/stop')).toBe(true);
    expect(rows(container)[0].dataset.state).toBe('stopping');

    // A 409 (the state changed meanwhile) is an error toast.
    answer = problem(409, 'invalid_state', 'vm-00001 is already stopping');
    fireEvent.click(screen.getByRole('button', { name: 'Actions for vm-00001' }));
    expect(screen.queryAllByRole('menuitem')).toHaveLength(1); // stopping: only Enroll
    fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' });

    // A stopped VM offers Start, in the row and in the drawer.
    fireEvent.click(screen.getByRole('button', { name: 'Actions for vm-00003' }));
    expect(screen.getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Start…', 'Enroll…']);
    fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' });
    fireEvent.click(within(rows(container)[1]).getByRole('button', { name: 'vm-00003' }));
    const drawer = await screen.findByTestId('vm-drawer');
    expect(within(drawer).getByRole('button', { name: 'Start' })).toBeTruthy();
    expect(within(drawer).getByRole('button', { name: 'Enroll' })).toBeTruthy();
    expect(within(drawer).queryByRole('button', { name: 'Stop' })).toBeNull();

    // Back to the 409 path through the row of vm 1, now "running" again.
    act(() => emit({ id: 9, type: 'vm.state', time: now, data: { key: 1, state: 'running' } }));
    fireEvent.click(screen.getByRole('button', { name: 'Actions for vm-00001' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Stop…' }));
    dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Stop VM' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.querySelector('.toast.error')?.textContent).toBe('vm-00001 is already stopping');
  });

  it('shows grid cards, and the empty states', async () => {
    signInAs('admin');
    mockApi({ 'GET /api/v1/vms': inventory([vm(1), vm(2), vm(3), vm(4)]), 'GET /api/v1/clouds': { clouds } });
    window.history.replaceState(null, '', '/vms?view=grid');
    const { container, unmount } = render(<VMs />);
    await waitFor(() => expect(rows(container)).toHaveLength(4));
    expect(rows(container)[0].classList.contains('vm-card')).toBe(true);
    expect(screen.getByRole('button', { name: 'Grid' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'List' }));
    expect(new URLSearchParams(window.location.search).has('view')).toBe(false);
    await waitFor(() => expect(container.querySelector('[role="table"]')).toBeTruthy());

    fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'nothing-like-this' } });
    await waitFor(() => expect(screen.getByTestId('vm-empty').textContent).toBe('No VM matches these filters.'));
    unmount();

    window.history.replaceState(null, '', '/vms');
    mockApi({ 'GET /api/v1/vms': inventory([]), 'GET /api/v1/clouds': { clouds: [] } });
    render(<VMs />);
    await waitFor(() => expect(screen.getByTestId('vm-empty').textContent).toContain('No cloud connected yet'));
    expect(within(screen.getByTestId('vm-empty')).getByRole('link', { name: 'Connect a cloud' }).getAttribute('href')).toBe('/clouds');
  });

  it('shows one cloud on the per-cloud view', async () => {
    signInAs('viewer');
    const { calls } = mockApi({
      'GET /api/v1/clouds/2/vms': inventory([vm(2), vm(4)]),
      'GET /api/v1/clouds': { clouds },
    });
    window.history.replaceState(null, '', '/clouds/2/vms?cloud=1');
    const { container } = render(<VMs cloudId={2} />);
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    expect(screen.queryByLabelText('Cloud')).toBeNull();
    expect(screen.getByRole('heading', { name: 'VMs of lab' })).toBeTruthy();
    expect(screen.queryByTestId('stale-banner')).toBeNull(); // sim-aws is not this cloud
    const c = calls.find((x) => x.url.pathname === '/api/v1/clouds/2/vms')!;
    expect(c.url.searchParams.has('cloud')).toBe(false);
  });

  it('keeps the rows when a refresh fails, and shows a first failure with a retry', async () => {
    signInAs('viewer');
    let fail = true;
    mockApi({
      'GET /api/v1/vms': (req) => (fail ? problem(500, 'internal', 'inventory broke') : inventory([vm(1)])(req)),
      'GET /api/v1/clouds': { clouds: [] },
    });
    window.history.replaceState(null, '', '/vms');
    const { container } = render(<VMs />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('inventory broke'));
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    fail = true;
    act(() => emit({ id: 1, type: 'resync', time: now }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('inventory broke'));
    expect(rows(container)).toHaveLength(1);
  });
});

describe('Enroll a VM', () => {
  it.each([
    [{ ran: true, exitCode: 0 }, 'ran', 'Installed in the guest (exit 0)'],
    [{ ran: true, exitCode: 2 }, 'failed', 'Installed in the guest (exit 2): the install failed; run it by hand below'],
    [{ ran: false, scheduled: true, reason: 'Runs at next boot.' }, 'scheduled', 'Runs at next boot.'],
    [{ ran: false, error: 'no agent' }, 'manual', 'The install could not run in the guest: no agent. Run it by hand:'],
    [undefined, 'manual', 'Run one of these in the VM to install Tailscale and join the tailnet:'],
  ])('outcome of %j is %s', (exec, kind, text) => expect(enrollOutcome({ exec })).toEqual({ kind, text }));

  it('enrolls, shows the install outcome and waits until the VM is online', async () => {
    signInAs('operator');
    const target = vm(2, { name: 'enrollee' });
    let current: VM = { ...target };
    const { calls } = mockApi({
      'GET /api/v1/users': { users: [{ id: 1, name: 'default', createdAt: now }, { id: 2, name: 'alice', createdAt: now }] },
      'POST /api/v1/vms/2/enroll': {
        vm: target,
        hostname: 'enrollee',
        authKey: 'k',
        keyId: 5,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        installCommands: [{ os: 'linux', label: 'Linux', command: 'curl … | sh' }],
        cloudInit: '',
        installUrl: 'https://c/i/x',
        installCommand: 'curl -fsSL https://c/i/x | sudo sh',
        exec: { ran: true, exitCode: 0, stdout: 'installed tailscale', stderr: '' },
      },
      'GET /api/v1/vms/2': () => ({ body: { vm: current } }),
    });
    let changed: VM | undefined;
    render(<EnrollVMDialog vm={target} onClose={() => undefined} onChanged={(v) => (changed = v)} />);
    const dialog = screen.getByRole('dialog');
    const user = (await within(dialog).findByRole('option', { name: 'alice' })).closest('select') as HTMLSelectElement;
    expect(within(dialog).getByLabelText('User')).toBe(user);
    fireEvent.change(user, { target: { value: 'alice' } });
    expect((within(dialog).getByLabelText('Hostname') as HTMLInputElement).placeholder).toBe('enrollee');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Enroll' }));
    await within(dialog).findByText('Installed in the guest (exit 0)');
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ run: true, user: 'alice' });
    expect(dialog.textContent).toContain('installed tailscale');
    expect(within(dialog).queryByTestId('install-command')).toBeNull();
    expect(changed?.key).toBe(2);

    current = { ...target, enrollment: 'enrolled-online', nodeName: 'enrollee', nodeId: 9, nodeLink: 'key' };
    act(() => emit({ id: 1, type: 'node.added', time: now }));
    const ok = await within(dialog).findByTestId('enroll-connected', undefined, { timeout: 3000 });
    expect(ok.textContent).toContain('Connected as enrollee');
    expect(changed?.enrollment).toBe('enrolled-online');
  });

  it('shows the install commands when the install cannot run in the guest', async () => {
    signInAs('operator');
    const target = vm(4, { name: 'far' });
    mockApi({
      'GET /api/v1/users': { users: [] },
      'POST /api/v1/vms/4/enroll': {
        vm: target,
        hostname: 'far',
        authKey: 'k',
        keyId: 5,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        installCommands: [
          { os: 'linux', label: 'Linux', command: 'curl linux' },
          { os: 'windows', label: 'Windows', command: 'iwr windows' },
        ],
        cloudInit: '',
        installUrl: 'https://c/i/y',
        installCommand: 'curl -fsSL https://c/i/y | sudo sh',
        exec: { ran: false, reason: 'AWS SSM is not set up for this instance.' },
      },
      'GET /api/v1/vms/4': { vm: target },
    });
    render(<EnrollVMDialog vm={target} onClose={() => undefined} />);
    const dialog = screen.getByRole('dialog');
    await waitFor(() => expect((within(dialog).getByLabelText('User') as HTMLInputElement).tagName).toBe('INPUT'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Enroll' }));
    expect(await within(dialog).findByTestId('install-command')).toBeTruthy();
    expect(dialog.textContent).toContain('AWS SSM is not set up for this instance. Run the install by hand:');
    expect(dialog.textContent).toContain('iwr windows');
    expect(within(dialog).getByRole('button', { name: 'Copy the install command' })).toBeTruthy();
    expect(dialog.textContent).toContain('Waiting for far to join the tailnet');
  });
});
