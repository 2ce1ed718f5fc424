// Who is signed in, and what their role allows.
import { ApiError, api, type Account, type Me, type Role } from '../api/client';
import { createStore, useStore } from './store';
import { currentLocation, navigate } from './router';

export interface SessionState {
  status: 'loading' | 'signedOut' | 'signedIn';
  me?: Me;
  /** The session ended while the app was open (401 on a request). */
  expired?: boolean;
  /** No admin account exists yet: the sign-in page offers first-run setup. */
  setupNeeded?: boolean;
}

export const session = createStore<SessionState>({ status: 'loading' });

export function useSession(): SessionState {
  return useStore(session);
}

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** can reports whether role reaches at least the minimum role. */
export function can(role: Role | undefined, min: Role): boolean {
  return !!role && rank[role] >= rank[min];
}

/** useRole is the signed-in account's role. */
export function useRole(): Role | undefined {
  return useSession().me?.user.role;
}

export function useCan(min: Role): boolean {
  return can(useRole(), min);
}

/** signInPath is where to send someone to sign in, remembering where they were. */
export function signInPath(from = currentLocation().href): string {
  if (from.startsWith('/signin')) return '/signin';
  return from && from !== '/' ? `/signin?next=${encodeURIComponent(from)}` : '/signin';
}

/** safeNext keeps a post-sign-in target inside this app. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/signin')) return '/';
  return next;
}

async function setupNeeded(): Promise<boolean> {
  try {
    const r = await api.get('/api/v1/setup', { quiet401: true });
    return !!r?.needed;
  } catch {
    return false; // an older console without /api/v1/setup, or not reachable: plain sign-in
  }
}

/** loadSession asks the console who we are (at start, and after signing in). */
export async function loadSession(): Promise<void> {
  try {
    const me = await api.get('/api/v1/auth/me', { quiet401: true });
    session.set({ status: 'signedIn', me });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      session.set({ status: 'signedOut', setupNeeded: await setupNeeded() });
      return;
    }
    throw err;
  }
}

/** sessionExpired is called on any 401: go to sign-in and come back after. */
export function sessionExpired(): void {
  const s = session.get();
  if (s.status !== 'signedIn') return;
  session.set({ status: 'signedOut', expired: true });
  navigate(signInPath(), { replace: true });
}

export async function signIn(username: string, password: string): Promise<void> {
  await api.post('/api/v1/auth/login', { body: { username, password }, quiet401: true });
  await loadSession();
}

export async function runSetup(setupToken: string, username: string, password: string): Promise<Account> {
  const r = await api.post('/api/v1/setup', { body: { setupToken, username, password }, quiet401: true });
  await loadSession();
  return r.user;
}

export async function signOut(): Promise<void> {
  try {
    await api.post('/api/v1/auth/logout', { quiet401: true });
  } catch {
    // the session may be gone already; signing out locally is what matters
  }
  session.set({ status: 'signedOut' });
  navigate('/signin');
}
