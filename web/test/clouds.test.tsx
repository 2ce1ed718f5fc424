import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetKinds, type CloudAccount, type CloudKind } from '../src/lib/cloudKinds';
import { emit, type LiveEvent } from '../src/lib/live';
import { CloudForm, nameError } from '../src/pages/CloudForm';
import { applyCloudEvent, Clouds, type CloudsLive } from '../src/pages/Clouds';
import { mockApi, problem, signInAs } from './helpers';

const now = new Date().toISOString();
const sixMinAgo = new Date(Date.now() - 6 * 60_000).toISOString();

const AWS: CloudKind = {
  name: 'aws',
  title: 'Amazon Web Services',
  fields: [
    { name: 'accessKeyId', label: 'Access key ID', type: 'string', secret: false, required: false, advanced: false, help: 'An IAM access key ID.' },
    { name: 'secretAccessKey', label: 'Secret access key', type: 'string', secret: true, required: false, advanced: false, help: 'The secret; or env:NAME / file:/path.' },
    { name: 'sessionToken', label: 'Session token', type: 'string', secret: true, required: false, advanced: true },
    { name: 'regions', label: 'Regions', type: 'list', secret: false, required: false, advanced: false },
    { name: 'defaultRegion', label: 'Default region', type: 'string', secret: false, required: true, advanced: false, default: 'us-east-1' },
    { name: 'endpoint', label: 'Endpoint', type: 'string', secret: false, required: false, advanced: true },
  ],
};
const kinds = {
  kinds: [
    AWS,
    { name: 'azure', title: 'Microsoft Azure', fields: [] },
    { name: 'gcp', title: 'Google Cloud', fields: [] },
    { name: 'lxd', title: 'LXD', fields: [] },
    {
      name: 'proxmox',
      title: 'Proxmox VE',
      fields: [
        { name: 'endpoint', label: 'Endpoint', type: 'string', secret: false, required: true, advanced: false },
        { name: 'caCert', label: 'CA certificate (PEM)', type: 'text', secret: false, required: false, advanced: false },
        { name: 'insecureSkipVerify', label: 'Skip certificate verification', type: 'bool', secret: false, required: false, advanced: true },
        { name: 'addressWorkers', label: 'Address look-ups at once', type: 'int', secret: false, required: false, advanced: true, default: 8 },
      ],
    },
  ],
};

function account(over: Partial<CloudAccount> = {}): CloudAccount {
  return { id: 1, name: 'prod-aws', kind: 'aws', config: {}, secretsSet: [], createdAt: now, updatedAt: now, createdBy: 'admin', ...over };
}

const clouds = [
  account({ sync: { cloudId: 1, lastEnd: now, lastSuccess: now, vms: 2000, regions: ['eu-west-1', 'us-east-1'] } }),
  account({
    id: 2,
    name: 'lab-pve',
    kind: 'proxmox',
    sync: { cloudId: 2, lastEnd: now, lastSuccess: sixMinAgo, error: 'proxmox: lab-pve: connection refused', errorAt: now, stale: true, vms: 4 },
  }),
  account({ id: 3, name: 'new-gcp', kind: 'gcp' }),
];

const ev = (type: string, data: unknown): LiveEvent => ({ id: 1, type, time: new Date().toISOString(), data });

beforeEach(() => resetKinds());

describe('applyCloudEvent', () => {
  const base: CloudsLive = { clouds: [account({ sync: { cloudId: 1, vms: 10, lastEnd: now, lastSuccess: now } })], listed: {}, runs: {} };
  it('follows a sync from start to finish', () => {
    let s = applyCloudEvent(base, ev('sync.started', { cloudId: 1, name: 'prod-aws' }));
    expect(s.clouds[0].sync?.syncing).toBe(true);
    s = applyCloudEvent(s, ev('sync.progress', { cloudId: 1, vms: 1200 }));
    expect(s.listed[1]).toBe(1200);
    s = applyCloudEvent(s, ev('sync.finished', { cloudId: 1, vms: 2000, error: '', tookMs: 1300, stale: false }));
    expect(s.clouds[0].sync).toMatchObject({ syncing: false, vms: 2000, stale: false });
    expect(s.listed).toEqual({});
    expect(s.runs[1]).toEqual({ vms: 2000, tookMs: 1300, error: undefined });
  });
  it('a failed sync keeps the VM count and marks stale', () => {
    const s = applyCloudEvent(base, ev('sync.finished', { cloudId: 1, vms: 0, error: 'denied', tookMs: 5, stale: true }));
    expect(s.clouds[0].sync).toMatchObject({ vms: 10, error: 'denied', stale: true, syncing: false });
  });
  it('adds, updates and removes accounts; ignores the rest', () => {
    let s = applyCloudEvent(base, ev('cloud.created', account({ id: 9, name: 'a-first' })));
    expect(s.clouds.map((c) => c.id)).toEqual([9, 1]);
    s = applyCloudEvent(s, ev('cloud.updated', account({ id: 1, name: 'renamed' })));
    expect(s.clouds.find((c) => c.id === 1)).toMatchObject({ name: 'renamed', sync: { vms: 10 } });
    s = applyCloudEvent(s, ev('cloud.deleted', { id: 9 }));
    expect(s.clouds.map((c) => c.id)).toEqual([1]);
    expect(applyCloudEvent(s, ev('node.online', { id: 1 }))).toBe(s);
    expect(applyCloudEvent(s, ev('sync.started', { cloudId: 77 }))).toBe(s);
    expect(applyCloudEvent(s, ev('cloud.created', account({ id: 1 })))).toBe(s);
  });
});

describe('nameError', () => {
  it.each([
    ['prod-aws', undefined],
    ['', 'Give the account a name.'],
    ['x'.repeat(65), 'At most 64 characters.'],
    ['-bad', "Letters, digits, spaces, '.', '_' or '-', starting with a letter or digit."],
  ])('%j', (n, want) => expect(nameError(n)).toBe(want));
});

describe('Clouds page', () => {
  it('shows a card per account with status, VMs, regions, last sync and the full error', async () => {
    signInAs('admin');
    mockApi({ 'GET /api/v1/clouds': { clouds }, 'GET /api/v1/clouds/kinds': kinds });
    render(<Clouds />);
    const cards = await screen.findAllByTestId('cloud-card');
    expect(cards.map((c) => [c.getAttribute('data-cloud-id'), c.getAttribute('data-status')])).toEqual([
      ['1', 'ok'],
      ['2', 'stale'],
      ['3', 'never'],
    ]);
    expect(screen.getByText('3 cloud accounts · 2,004 VMs')).toBeTruthy();
    expect(within(cards[0]).getByTestId('cloud-vms').getAttribute('href')).toBe('/clouds/1/vms');
    expect(within(cards[0]).getByTestId('cloud-vms').textContent).toBe('2,000 VMs');
    expect(within(cards[0]).getByTestId('cloud-regions').textContent).toBe('eu-west-1, us-east-1');
    expect(within(cards[0]).getByTestId('cloud-sync').textContent).toContain('just now');
    const err = within(cards[1]).getByTestId('cloud-error');
    expect(err.textContent).toContain('proxmox: lab-pve: connection refused');
    expect(err.textContent).toContain('showing data from 6 min ago');
    await waitFor(() => expect(within(cards[1]).getByText('Proxmox VE')).toBeTruthy());
    expect(within(cards[2]).queryByTestId('cloud-error')).toBeNull();
    expect(screen.getByRole('button', { name: 'Actions for prod-aws' })).toBeTruthy();
  });

  it('viewers see no menu and no Add button', async () => {
    signInAs('viewer');
    mockApi({ 'GET /api/v1/clouds': { clouds }, 'GET /api/v1/clouds/kinds': kinds });
    render(<Clouds />);
    await screen.findAllByTestId('cloud-card');
    expect(screen.queryByRole('button', { name: /Actions for/ })).toBeNull();
    expect(screen.queryByTestId('add-cloud')).toBeNull();
    expect(screen.queryByRole('button', { name: /Add/ })).toBeNull();
  });

  it('operators may sync, and do nothing else to an account', async () => {
    signInAs('operator');
    mockApi({ 'GET /api/v1/clouds': { clouds }, 'GET /api/v1/clouds/kinds': kinds });
    render(<Clouds />);
    await screen.findAllByTestId('cloud-card');
    fireEvent.click(screen.getAllByRole('button', { name: /Actions for/ })[0]);
    const items = screen.getAllByRole('menuitem').map((m) => m.textContent);
    expect(items).toEqual(['Sync now']);
    expect(screen.queryByTestId('add-cloud')).toBeNull();
  });

  it('Add cloud offers the five kinds', async () => {
    signInAs('admin');
    mockApi({ 'GET /api/v1/clouds': { clouds: [] }, 'GET /api/v1/clouds/kinds': kinds });
    render(<Clouds />);
    await screen.findByText(/No cloud accounts yet/);
    fireEvent.click(screen.getByTestId('add-cloud'));
    const choices = await screen.findAllByTestId('kind-choice');
    expect(choices.map((c) => c.getAttribute('href'))).toEqual(['aws', 'azure', 'gcp', 'lxd', 'proxmox'].map((k) => `/clouds/new?kind=${k}`));
    await waitFor(() => expect(screen.getByRole('link', { name: /Amazon Web Services/ })).toBeTruthy());
    fireEvent.click(screen.getByRole('link', { name: /Google Cloud/ }));
    expect(window.location.pathname + window.location.search).toBe('/clouds/new?kind=gcp');
  });

  it('syncs now and follows the sync live', async () => {
    signInAs('admin');
    const { calls } = mockApi({
      'GET /api/v1/clouds': { clouds },
      'GET /api/v1/clouds/kinds': kinds,
      'POST /api/v1/clouds/1/sync': { status: 202, body: { accepted: true } },
    });
    render(<Clouds />);
    await screen.findAllByTestId('cloud-card');
    fireEvent.click(screen.getByRole('button', { name: 'Actions for prod-aws' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Sync now' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/api/v1/clouds/1/sync')).toBe(true));

    const card = () => screen.getAllByTestId('cloud-card')[0];
    act(() => emit(ev('sync.started', { cloudId: 1, name: 'prod-aws' })));
    expect(card().getAttribute('data-status')).toBe('syncing');
    expect(within(card()).getByTestId('cloud-sync').textContent).toContain('Syncing…');
    act(() => emit(ev('sync.progress', { cloudId: 1, name: 'prod-aws', vms: 1200 })));
    expect(within(card()).getByTestId('cloud-sync').textContent).toContain('1,200 VMs listed');
    act(() => emit(ev('sync.finished', { cloudId: 1, name: 'prod-aws', vms: 2100, error: '', tookMs: 1300, stale: false })));
    expect(card().getAttribute('data-status')).toBe('ok');
    expect(within(card()).getByTestId('cloud-sync').textContent).toContain('2,100 VMs in 1.3 s');
    expect(within(card()).getByTestId('cloud-vms').textContent).toBe('2,100 VMs');

    act(() => emit(ev('sync.finished', { cloudId: 1, name: 'prod-aws', vms: 0, error: 'aws: prod-aws: AuthFailure', tookMs: 80, stale: true })));
    expect(card().getAttribute('data-status')).toBe('stale');
    expect(within(card()).getByTestId('cloud-error').textContent).toContain('aws: prod-aws: AuthFailure');

    act(() => emit(ev('cloud.deleted', { id: 3 })));
    expect(screen.getAllByTestId('cloud-card')).toHaveLength(2);
  });

  it('tests the connection of a card', async () => {
    signInAs('admin');
    mockApi({
      'GET /api/v1/clouds': { clouds },
      'GET /api/v1/clouds/kinds': kinds,
      'POST /api/v1/clouds/1/check': { ok: true, identity: 'arn:aws:iam::123:user/c', regions: ['a', 'b', 'c'], regionCount: 3, tookMs: 420 },
      'POST /api/v1/clouds/2/check': { ok: false, regions: [], regionCount: 0, error: 'lab-pve: 401 no ticket', errorKind: 'auth', tookMs: 30 },
    });
    render(<Clouds />);
    await screen.findAllByTestId('cloud-card');
    fireEvent.click(screen.getByRole('button', { name: 'Actions for prod-aws' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Test connection' }));
    const cards = screen.getAllByTestId('cloud-card');
    await waitFor(() => expect(within(cards[0]).getByTestId('cloud-check').getAttribute('data-ok')).toBe('true'));
    expect(within(cards[0]).getByTestId('cloud-check').textContent).toMatch(/arn:aws:iam::123:user\/c.*3 regions.*420 ms/);
    fireEvent.click(screen.getByRole('button', { name: 'Actions for lab-pve' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Test connection' }));
    await waitFor(() => expect(within(cards[1]).getByTestId('cloud-check').getAttribute('data-ok')).toBe('false'));
    expect(within(cards[1]).getByTestId('cloud-check').textContent).toContain('(auth)');
    expect(within(cards[1]).getByTestId('cloud-check').textContent).toContain('401 no ticket');
  });

  it('removes an account after confirming', async () => {
    signInAs('admin');
    const { calls } = mockApi({
      'GET /api/v1/clouds': { clouds },
      'GET /api/v1/clouds/kinds': kinds,
      'DELETE /api/v1/clouds/2': { success: true },
    });
    render(<Clouds />);
    await screen.findAllByTestId('cloud-card');
    fireEvent.click(screen.getByRole('button', { name: 'Actions for lab-pve' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Remove…' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('leave the inventory');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove cloud' }));
    await waitFor(() => expect(screen.getAllByTestId('cloud-card')).toHaveLength(2));
    expect(calls.some((c) => c.method === 'DELETE' && c.url.pathname === '/api/v1/clouds/2')).toBe(true);
  });

  it('Edit goes to the form', async () => {
    signInAs('admin');
    mockApi({ 'GET /api/v1/clouds': { clouds }, 'GET /api/v1/clouds/kinds': kinds });
    render(<Clouds />);
    await screen.findAllByTestId('cloud-card');
    fireEvent.click(screen.getByRole('button', { name: 'Actions for prod-aws' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Edit…' }));
    expect(window.location.pathname).toBe('/clouds/1/edit');
  });
});

describe('CloudForm', () => {
  it('adds an account: generated fields, test connection, then save', async () => {
    signInAs('admin');
    window.history.replaceState(null, '', '/clouds/new?kind=aws');
    const { calls } = mockApi({
      'GET /api/v1/clouds/kinds': kinds,
      'POST /api/v1/clouds/check': { ok: true, identity: 'arn:aws:iam::1:user/x', regions: ['us-east-1'], regionCount: 1, tookMs: 250 },
      'POST /api/v1/clouds': { status: 201, body: { cloud: account({ id: 4 }) } },
    });
    render(<CloudForm />);
    const name = await screen.findByLabelText('Name');
    expect((screen.getByLabelText('Default region') as HTMLInputElement).value).toBe('us-east-1');
    const secret = screen.getByLabelText('Secret access key') as HTMLInputElement;
    expect(secret.type).toBe('password');
    expect(secret.getAttribute('autocomplete')).toBe('off');
    expect(screen.getByText(/or env:NAME \/ file:\/path/)).toBeTruthy();
    expect(screen.getByLabelText('Endpoint').closest('details')).toBeTruthy();
    expect(screen.getByLabelText('Access key ID').closest('details')).toBeNull();

    fireEvent.change(name, { target: { value: 'prod' } });
    fireEvent.change(screen.getByLabelText('Access key ID'), { target: { value: 'AKIA1' } });
    fireEvent.change(secret, { target: { value: 'sekrit' } });
    fireEvent.change(screen.getByLabelText('Regions'), { target: { value: 'us-east-1, eu-west-1' } });

    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await waitFor(() => expect(screen.getByTestId('cloud-check').textContent).toContain('arn:aws:iam::1:user/x'));
    const checkCall = calls.find((c) => c.url.pathname === '/api/v1/clouds/check');
    expect(checkCall?.body).toEqual({
      kind: 'aws',
      config: { accessKeyId: 'AKIA1', secretAccessKey: 'sekrit', regions: ['us-east-1', 'eu-west-1'], defaultRegion: 'us-east-1' },
    });

    fireEvent.click(screen.getByRole('button', { name: 'Add cloud' }));
    await waitFor(() => expect(window.location.pathname).toBe('/clouds'));
    const post = calls.find((c) => c.method === 'POST' && c.url.pathname === '/api/v1/clouds');
    expect(post?.body).toEqual({ name: 'prod', kind: 'aws', config: checkCall?.body && (checkCall.body as { config: object }).config });
    expect(calls.filter((c) => c.url.pathname.endsWith('/sync'))).toHaveLength(0);
  });

  it('checks the name and required fields before sending', async () => {
    signInAs('admin');
    window.history.replaceState(null, '', '/clouds/new?kind=proxmox');
    const { calls } = mockApi({ 'GET /api/v1/clouds/kinds': kinds });
    render(<CloudForm />);
    await screen.findByLabelText('Name');
    expect(screen.getByLabelText('Skip certificate verification')).toBeTruthy();
    expect((screen.getByLabelText('Address look-ups at once') as HTMLInputElement).type).toBe('number');
    expect(screen.getByLabelText('CA certificate (PEM)').tagName).toBe('TEXTAREA');
    fireEvent.click(screen.getByRole('button', { name: 'Add cloud' }));
    expect(await screen.findByText('Give the account a name.')).toBeTruthy();
    expect(screen.getByText('Endpoint is required.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('shows the server field errors under their fields', async () => {
    signInAs('admin');
    window.history.replaceState(null, '', '/clouds/new?kind=aws');
    mockApi({
      'GET /api/v1/clouds/kinds': kinds,
      'POST /api/v1/clouds': () => problem(400, 'invalid_request', 'invalid cloud account: prod: config: regions[1]: "mars-1" is not a region\nendpoint: not a URL'),
    });
    render(<CloudForm />);
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'prod' } });
    fireEvent.change(screen.getByLabelText('Regions'), { target: { value: 'us-east-1, mars-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add cloud' }));
    expect(await screen.findByText('"mars-1" is not a region')).toBeTruthy();
    expect(screen.getByLabelText('Regions').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('not a URL')).toBeTruthy();
    expect((screen.getByLabelText('Endpoint').closest('details') as HTMLDetailsElement).open).toBe(true);
    expect(window.location.pathname).toBe('/clouds/new');
  });

  it('edits an account: stored secrets stay empty and are never sent; only changes are', async () => {
    signInAs('admin');
    window.history.replaceState(null, '', '/clouds/5/edit');
    const saved = account({
      id: 5,
      name: 'prod',
      config: { accessKeyId: 'AKIA1', regions: ['us-east-1'], defaultRegion: 'us-east-1', sessionToken: 'env:AWS_TOKEN' },
      secretsSet: ['secretAccessKey'],
    });
    const { calls } = mockApi({
      'GET /api/v1/clouds/kinds': kinds,
      'GET /api/v1/clouds/5': { cloud: saved },
      'POST /api/v1/clouds/check': { ok: false, regions: [], regionCount: 0, error: 'prod: AuthFailure', errorKind: 'auth', tookMs: 12 },
      'PATCH /api/v1/clouds/5': { cloud: saved },
    });
    render(<CloudForm id={5} />);
    const secret = (await screen.findByLabelText('Secret access key')) as HTMLInputElement;
    expect(secret.value).toBe('');
    expect(screen.getByText(/Stored — leave empty to keep/)).toBeTruthy();
    expect((screen.getByLabelText('Session token') as HTMLInputElement).value).toBe('env:AWS_TOKEN');
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('prod');
    fireEvent.change(screen.getByLabelText('Access key ID'), { target: { value: 'AKIA2' } });

    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await waitFor(() => expect(screen.getByTestId('cloud-check').getAttribute('data-ok')).toBe('false'));
    expect(screen.getByTestId('cloud-check').textContent).toContain('prod: AuthFailure');
    expect(calls.find((c) => c.url.pathname === '/api/v1/clouds/check')?.body).toEqual({ id: 5, config: { accessKeyId: 'AKIA2' } });

    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(window.location.pathname).toBe('/clouds'));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ config: { accessKeyId: 'AKIA2' } });
  });

  it('a typed secret replaces the stored one', async () => {
    signInAs('admin');
    const saved = account({ id: 5, name: 'prod', config: { defaultRegion: 'us-east-1' }, secretsSet: ['secretAccessKey'] });
    const { calls } = mockApi({ 'GET /api/v1/clouds/kinds': kinds, 'GET /api/v1/clouds/5': { cloud: saved }, 'PATCH /api/v1/clouds/5': { cloud: saved } });
    render(<CloudForm id={5} />);
    fireEvent.change(await screen.findByLabelText('Secret access key'), { target: { value: 'rotated' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'prod-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'prod-2', config: { secretAccessKey: 'rotated' } });
  });

  it('asks for a kind when none is given, and refuses non-admins', async () => {
    signInAs('admin');
    mockApi({ 'GET /api/v1/clouds/kinds': kinds });
    render(<CloudForm />);
    expect(await screen.findAllByTestId('kind-choice')).toHaveLength(5);
  });

  it('viewers get no form', () => {
    signInAs('viewer');
    mockApi({ 'GET /api/v1/clouds/kinds': kinds });
    render(<CloudForm />);
    expect(screen.getByText(/Only admins/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Add cloud' })).toBeNull();
  });
});
