import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Countdown } from '../src/components/Countdown';
import { Dialog } from '../src/components/Dialog';
import { emit } from '../src/lib/live';
import { nodesStore, startNodesLive, stopNodesLive } from '../src/lib/nodes';
import { Keys } from '../src/pages/Keys';
import { Policy } from '../src/pages/Policy';
import { Register } from '../src/pages/Register';
import { Settings } from '../src/pages/Settings';
import { Users } from '../src/pages/Users';
import { Logins } from '../src/pages/Logins';
import { mockApi, problem, signInAs } from './helpers';
import { useState } from 'react';

const key = {
  id: 42,
  key: 'hskey-auth-abcdef0123456789',
  user: 'default',
  tags: [],
  reusable: false,
  ephemeral: false,
  used: false,
  expired: false,
  expiration: new Date(Date.now() + 3600_000).toISOString(),
  createdAt: new Date().toISOString(),
};
const users = { users: [{ id: 1, name: 'default', createdAt: '2026-01-01T00:00:00Z' }] };

afterEach(() => {
  vi.useRealTimers();
  stopNodesLive();
});

describe('Register wizard', () => {
  beforeEach(() => nodesStore.set({ nodes: null, loading: false }));

  it('goes from details to the key and commands, then to connected when the node arrives', async () => {
    signInAs('operator');
    const { calls } = mockApi({
      'GET /api/v1/users': users,
      'GET /api/v1/nodes': { nodes: [], total: 0, fetchedAt: '' },
      'POST /api/v1/preauthkeys': {
        preAuthKey: key,
        installCommands: [
          { os: 'linux', label: 'Linux', command: `curl -fsSL https://tailscale.com/install.sh | sh && sudo tailscale up --login-server=http://hs --authkey=${key.key}` },
          { os: 'windows', label: 'Windows', command: `tailscale.exe up --unattended --login-server=http://hs --authkey=${key.key}` },
        ],
      },
    });
    startNodesLive();
    render(<Register />);
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Details');
    fireEvent.change(screen.getByLabelText('Machine name'), { target: { value: 'web-01' } });
    await waitFor(() => expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('default'));
    fireEvent.click(screen.getByLabelText(/Reusable/));
    fireEvent.click(screen.getByRole('button', { name: /Create key/ }));

    expect(await screen.findByTestId('auth-key')).toBeTruthy();
    expect(screen.getByTestId('auth-key').textContent).toBe(key.key);
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ user: 'default', reusable: true, ephemeral: false, expiresIn: '24h' });
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Install');
    expect(screen.getByRole('tabpanel').textContent).toContain(`--authkey=${key.key} --hostname=web-01`);
    fireEvent.click(screen.getByRole('tab', { name: 'Windows' }));
    expect(screen.getByRole('tabpanel').textContent).toContain('tailscale.exe up');
    expect(screen.getByRole('timer').textContent).toMatch(/Expires in \d\d:\d\d:\d\d|Expires in \d+:\d\d/);
    expect(screen.getByText(/Waiting for/)).toBeTruthy();

    await waitFor(() => expect(nodesStore.get().nodes).not.toBeNull());
    act(() => emit({ id: 1, type: 'node.added', time: '', data: { id: 9, name: 'web-01', hostname: 'web-01', preAuthKeyId: 42, ipAddresses: ['100.64.0.9'], createdAt: new Date().toISOString() } }));
    expect(await screen.findByRole('heading', { name: 'Connected' })).toBeTruthy();
    expect(screen.getByTestId('enrolled-name').textContent).toBe('web-01');
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Connected');
  });

  it('shows the API’s refusal next to the form', async () => {
    signInAs('operator');
    mockApi({ 'GET /api/v1/users': users, 'GET /api/v1/nodes': { nodes: [], total: 0, fetchedAt: '' }, 'POST /api/v1/preauthkeys': () => problem(429, 'rate_limited', 'too many keys', {}) });
    render(<Register />);
    await waitFor(() => expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('default'));
    fireEvent.click(screen.getByRole('button', { name: /Create key/ }));
    expect((await screen.findByRole('alert')).textContent).toContain('Too many requests');
  });
});

describe('Countdown', () => {
  it('counts down every second and says when the key expired', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    render(<Countdown at="2026-01-01T00:01:05Z" />);
    expect(screen.getByRole('timer').textContent).toBe('Expires in 1:05');
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.getByRole('timer').textContent).toBe('Expires in 1:04');
    act(() => vi.advanceTimersByTime(65_000));
    expect(screen.getByRole('status').textContent).toBe('Expired');
  });
});

describe('Dialog', () => {
  function Harness() {
    const [open, setOpen] = useState(false);
    return (
      <>
        <button onClick={() => setOpen(true)}>open</button>
        {open && (
          <Dialog title="Test dialog" onClose={() => setOpen(false)} footer={<button>Last</button>}>
            <input aria-label="first field" />
          </Dialog>
        )}
      </>
    );
  }
  it('traps focus, closes on Escape and gives focus back', () => {
    render(<Harness />);
    const opener = screen.getByText('open');
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Test dialog' });
    const close = within(dialog).getByRole('button', { name: 'Close' });
    expect(document.activeElement).toBe(close);
    const last = within(dialog).getByText('Last');
    last.focus();
    fireEvent.keyDown(document, { key: 'Tab' });
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(document, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});

describe('roles', () => {
  const keys = { preAuthKeys: [{ ...key, key: 'hskey-auth-abcdef…' }] };
  it('Keys: a viewer sees the list and no controls; an operator can create, expire and delete', async () => {
    mockApi({ 'GET /api/v1/preauthkeys': keys });
    signInAs('viewer');
    const v = render(<Keys />);
    await screen.findByText('hskey-auth-abcdef…');
    expect(screen.queryByRole('button', { name: 'New key' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Expire' })).toBeNull();
    v.unmount();
    signInAs('operator');
    render(<Keys />);
    await screen.findByText('hskey-auth-abcdef…');
    expect(screen.getByRole('button', { name: 'New key' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Expire' })).toBeTruthy();
  });

  it('Users: only admins create, rename and delete', async () => {
    mockApi({ 'GET /api/v1/users': users, 'GET /api/v1/nodes': { nodes: [], total: 0, fetchedAt: '' } });
    signInAs('operator');
    const o = render(<Users />);
    await screen.findByText('default');
    expect(screen.queryByRole('button', { name: /New user|Rename|Delete/ })).toBeNull();
    o.unmount();
    signInAs('admin');
    render(<Users />);
    await screen.findByText('default');
    expect(screen.getByRole('button', { name: 'New user' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Rename' })).toBeTruthy();
  });

  it('Pending logins: a viewer gets no form', () => {
    mockApi({ 'GET /api/v1/users': users });
    signInAs('viewer');
    render(<Logins />);
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.queryByRole('textbox')).toBeNull();
  });

  it('Settings: a viewer sees tokens and Headscale read-only', async () => {
    mockApi({
      'GET /api/v1/tokens': { tokens: [{ id: 1, userId: 7, name: 'laptop', prefix: 'nct_abcdef', createdAt: '2026-01-01T00:00:00Z' }] },
      'GET /api/v1/headscale': { connection: { mode: 'managed', address: 'unix:///x', loginServer: 'http://hs' }, health: 'ok' },
      'GET /api/v1/settings/headscale': { mode: 'managed', editable: true, settings: { serverUrl: 'http://hs', prefixV4: '100.64.0.0/10', prefixV6: '', magicDns: true, baseDomain: 'ts.test', nameservers: [], splitDns: {}, extraRecords: [] } },
    });
    signInAs('viewer');
    window.history.replaceState(null, '', '/settings?tab=tokens');
    const t = render(<Settings />);
    await screen.findByText('laptop');
    expect(screen.queryByRole('button', { name: /New token|Revoke/ })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Console accounts' })).toBeNull();
    t.unmount();
    window.history.replaceState(null, '', '/settings?tab=headscale');
    render(<Settings />);
    const url = (await screen.findByLabelText('Server URL')) as HTMLInputElement;
    expect(url.closest('fieldset')!.disabled).toBe(true);
    expect(screen.queryByRole('button', { name: /Save/ })).toBeNull();
  });
});

describe('Policy', () => {
  it('checks before saving and shows the error at its line', async () => {
    let valid = false;
    mockApi({
      'GET /api/v1/policy': { policy: '{\n  "acls": []\n}\n', updatedAt: '2026-01-01T00:00:00Z' },
      'POST /api/v1/policy/check': () => (valid ? { body: { valid: true } } : problem(400, 'invalid_policy', 'hujson: line 2, column 11: invalid character')),
      'PUT /api/v1/policy': ({ body }) => ({ body: { policy: (body as { policy: string }).policy, updatedAt: '2026-01-02T00:00:00Z' } }),
    });
    signInAs('admin');
    render(<Policy />);
    const editor = (await screen.findByLabelText('Policy (HuJSON)')) as HTMLTextAreaElement;
    const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
    fireEvent.change(editor, { target: { value: '{\n  "acls": [x]\n}\n' } });
    expect(save.disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('at line 2, column 11');
    expect(within(alert).getByRole('button', { name: 'Go to line 2' })).toBeTruthy();
    expect(document.querySelector('.gutter .err')?.textContent).toBe('2');
    expect(save.disabled).toBe(true);

    valid = true;
    fireEvent.change(editor, { target: { value: '{\n  "acls": []\n}\n// ok\n' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    await screen.findByText(/The policy is valid/);
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    await waitFor(() => expect(save.disabled).toBe(true));
  });

  it('is read-only for a viewer', async () => {
    mockApi({ 'GET /api/v1/policy': { policy: '{}', updatedAt: '2026-01-01T00:00:00Z' } });
    signInAs('viewer');
    render(<Policy />);
    const editor = (await screen.findByLabelText('Policy (HuJSON)')) as HTMLTextAreaElement;
    expect(editor.readOnly).toBe(true);
    expect(screen.queryByRole('button', { name: /Check|Save/ })).toBeNull();
  });
});

describe('Headscale settings', () => {
  const doc = { mode: 'managed', editable: true, settings: { serverUrl: 'http://hs:8080', prefixV4: '100.64.0.0/10', prefixV6: '', magicDns: true, baseDomain: 'ts.test', nameservers: ['1.1.1.1'], splitDns: {}, extraRecords: [] } };
  it('shows each validation error next to its field', async () => {
    mockApi({
      'GET /api/v1/headscale': { connection: { mode: 'managed', address: 'unix:///x', loginServer: 'http://hs' }, health: 'ok' },
      'GET /api/v1/settings/headscale': doc,
      'PUT /api/v1/settings/headscale': () =>
        problem(400, 'invalid_request', 'invalid settings', {
          errors: [
            { field: 'baseDomain', message: 'must not be the server URL’s domain' },
            { field: 'nameservers[1]', message: '"x" is not an IP address' },
          ],
        }),
    });
    signInAs('admin');
    window.history.replaceState(null, '', '/settings');
    render(<Settings />);
    const base = (await screen.findByLabelText('Base domain')) as HTMLInputElement;
    fireEvent.change(base, { target: { value: 'hs' } });
    fireEvent.change(screen.getByLabelText('Nameservers'), { target: { value: '1.1.1.1\nx' } });
    fireEvent.click(screen.getByRole('button', { name: /Save and restart/ }));
    await screen.findByText('must not be the server URL’s domain');
    expect(base.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(base.getAttribute('aria-describedby')!.split(' ').pop()!)?.textContent).toContain('must not be');
    expect(screen.getByText(/Nameserver 2: "x" is not an IP address/)).toBeTruthy();
  });

  it('is read-only in external mode', async () => {
    mockApi({
      'GET /api/v1/headscale': { connection: { mode: 'external', address: 'hs:50443', loginServer: 'https://hs' }, health: 'ok' },
      'GET /api/v1/settings/headscale': { ...doc, mode: 'external', editable: false },
    });
    signInAs('admin');
    render(<Settings />);
    const url = (await screen.findByLabelText('Server URL')) as HTMLInputElement;
    expect(url.closest('fieldset')!.disabled).toBe(true);
    expect(screen.getByText(/external Headscale/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Save/ })).toBeNull();
  });
});
