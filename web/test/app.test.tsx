import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { App } from '../src/App';
import { session } from '../src/lib/session';
import { health } from '../src/lib/health';
import { me, mockApi, node, problem } from './helpers';

const ok = { connection: { mode: 'managed', address: 'unix:///x', loginServer: 'http://hs' }, health: 'ok' };

beforeEach(() => {
  session.set({ status: 'loading' });
  health.set({ down: false, detail: '', checking: false });
});

describe('App', () => {
  it('sends an expired session to sign-in and comes back to the same page', async () => {
    let signedIn = true;
    mockApi({
      'GET /api/v1/auth/me': () => (signedIn ? { body: me('admin') } : problem(401, 'unauthenticated')),
      'GET /api/v1/setup': { needed: false },
      'GET /api/v1/headscale': ok,
      'GET /api/v1/nodes': () => (signedIn ? problem(401, 'unauthenticated', 'session expired') : { body: { nodes: [node({ name: 'web-1' })], total: 1, fetchedAt: '' } }),
      'POST /api/v1/auth/login': ({ body }) => {
        signedIn = true;
        return { body: { user: me('admin', (body as { username: string }).username).user } };
      },
    });
    window.history.replaceState(null, '', '/machines?q=web');
    render(<App />);
    // The node list answers 401: the session ended while the app was open.
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(window.location.pathname).toBe('/signin');
    expect(new URLSearchParams(window.location.search).get('next')).toBe('/machines?q=web');
    expect(screen.getByText(/Your session has expired/)).toBeTruthy();

    signedIn = false; // from now on nodes load fine and /auth/me follows the login
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-password' } });
    signedIn = true;
    mockApi({
      'GET /api/v1/auth/me': { ...me('admin', 'alice') },
      'GET /api/v1/headscale': ok,
      'GET /api/v1/nodes': { nodes: [node({ name: 'web-1' })], total: 1, fetchedAt: '' },
      'POST /api/v1/auth/login': { user: me('admin', 'alice').user },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe('/machines?q=web'));
    expect(await screen.findByText('web-1')).toBeTruthy();
    expect(screen.getByTestId('account').textContent).toContain('alice');
  });

  it('offers first-run setup when no admin exists', async () => {
    mockApi({
      'GET /api/v1/auth/me': () => problem(401, 'unauthenticated'),
      'GET /api/v1/setup': { needed: true },
      'POST /api/v1/setup': () => problem(401, 'invalid_setup_token', 'wrong token'),
    });
    window.history.replaceState(null, '', '/');
    render(<App />);
    await screen.findByRole('heading', { name: 'Create the first admin' });
    fireEvent.change(screen.getByLabelText('Setup token'), { target: { value: 'nope' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'long-enough-1' } });
    fireEvent.change(screen.getByLabelText('Repeat the password'), { target: { value: 'long-enough-1' } });
    fireEvent.click(screen.getByRole('button', { name: /Create admin/ }));
    expect(await screen.findByText(/setup token is not valid/)).toBeTruthy();
  });

  it('says when Headscale is not answering, keeps the data, and recovers', async () => {
    let down = true;
    mockApi({
      'GET /api/v1/auth/me': me('viewer'),
      'GET /api/v1/headscale': () => ({ body: { ...ok, health: down ? 'rpc error: connection refused' : 'ok' } }),
      'GET /api/v1/nodes': { nodes: [node({ name: 'kept-node' })], total: 1, fetchedAt: '' },
    });
    window.history.replaceState(null, '', '/machines');
    render(<App />);
    expect(await screen.findByText('kept-node')).toBeTruthy();
    const banner = await screen.findByTestId('headscale-banner');
    expect(banner.textContent).toContain('Headscale is not answering');
    expect(screen.getByText('kept-node')).toBeTruthy();
    down = false;
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /Retry now/ }));
    });
    await waitFor(() => expect(screen.queryByTestId('headscale-banner')).toBeNull());
  });

  it('shows a viewer only the pages that read', async () => {
    mockApi({ 'GET /api/v1/auth/me': me('viewer'), 'GET /api/v1/headscale': ok, 'GET /api/v1/nodes': { nodes: [], total: 0, fetchedAt: '' } });
    window.history.replaceState(null, '', '/machines');
    render(<App />);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const links = Array.from(nav.querySelectorAll('a')).map((a) => a.textContent);
    expect(links).toEqual(['Overview', 'Machines', 'VMs', 'Clouds', 'Proxmox', 'Keys', 'Users', 'Policy', 'Audit', 'Settings']);
  });
});
