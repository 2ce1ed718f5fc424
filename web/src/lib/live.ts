// Live changes from GET /api/v1/events (Server-Sent Events). One stream per
// signed-in tab; pages subscribe to the event types they show. A reconnect
// after a gap is announced as "resync" (events may have been missed), and so
// is the server's own resync.
import { useEffect, useRef } from 'react';
import { raw } from '../api/client';
import { createStore, useStore } from './store';

export const EVENT_TYPES = [
  'node.added',
  'node.removed',
  'node.online',
  'node.offline',
  'node.updated',
  'preauthkey.created',
  'preauthkey.expired',
  'preauthkey.deleted',
  'policy.updated',
  'user.created',
  'user.renamed',
  'user.deleted',
  'headscale.settings',
  'cloud.created',
  'cloud.updated',
  'cloud.deleted',
  'sync.started',
  'sync.progress',
  'sync.finished',
  'vm.state',
  'vm.inventory',
  'vm.power',
  'vm.enroll',
  'resync',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface LiveEvent {
  id: number;
  type: EventType | string;
  time: string;
  data?: unknown;
}

type Listener = (e: LiveEvent) => void;

export const liveState = createStore<'off' | 'connecting' | 'live' | 'reconnecting'>('off');

export function useLiveState() {
  return useStore(liveState);
}

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let everOpen = false; // any stream opened since start()
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelay = 1000;
let running = false;

/** emit delivers an event to every listener (also used for local resyncs). */
export function emit(e: LiveEvent): void {
  for (const l of [...listeners]) {
    try {
      l(e);
    } catch (err) {
      console.error('live listener failed', err);
    }
  }
}

export function resync(): void {
  emit({ id: 0, type: 'resync', time: new Date().toISOString() });
}

export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

function connect() {
  if (!running || typeof EventSource === 'undefined') return;
  liveState.set(everOpen ? 'reconnecting' : 'connecting');
  const es = new EventSource('/api/v1/events', { withCredentials: true });
  source = es;
  es.onopen = () => {
    retryDelay = 1000;
    liveState.set('live');
    if (everOpen) resync(); // we were away: anything may have changed
    everOpen = true;
  };
  const onEvent = (m: MessageEvent) => {
    let e: LiveEvent;
    try {
      e = JSON.parse(m.data) as LiveEvent;
    } catch {
      e = { id: Number(m.lastEventId) || 0, type: m.type, time: new Date().toISOString() };
    }
    if (!e.type) e.type = m.type;
    emit(e);
  };
  for (const t of EVENT_TYPES) es.addEventListener(t, onEvent as EventListener);
  es.onerror = () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CONNECTING) {
      // the browser reconnects by itself (retry: 3000)
      liveState.set('reconnecting');
      return;
    }
    // Closed: a non-200 answer (e.g. 401) or a refused connection. Find out
    // whether the session ended (the client's 401 hook handles that), then retry.
    es.close();
    source = null;
    liveState.set('reconnecting');
    void raw('get', '/api/v1/auth/me').catch(() => undefined);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  };
}

/** start opens the stream (after signing in). */
export function startLive(): void {
  if (running) return;
  running = true;
  everOpen = false;
  retryDelay = 1000;
  connect();
}

/** stop closes the stream (signing out). */
export function stopLive(): void {
  running = false;
  clearTimeout(retryTimer);
  source?.close();
  source = null;
  liveState.set('off');
}

/** useLive calls handler for every live event while the component is mounted. */
export function useLive(handler: Listener): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => subscribe((e) => ref.current(e)), []);
}
