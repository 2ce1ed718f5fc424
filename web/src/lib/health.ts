// Is Headscale answering? Any 503 headscale_unavailable says no at once; a
// poll of GET /api/v1/headscale (its health check) says when it is back.
// Pages keep their last data meanwhile, and reload when it recovers.
import { ApiError, api, type HeadscaleStatus } from '../api/client';
import { createStore, useStore } from './store';
import { resync } from './live';

export interface HealthState {
  down: boolean;
  detail: string;
  since?: number;
  status?: HeadscaleStatus;
  checking: boolean;
}

export const health = createStore<HealthState>({ down: false, detail: '', checking: false });

export function useHealth(): HealthState {
  return useStore(health);
}

const UP_INTERVAL = 3000;
const DOWN_INTERVAL = 1500;
let timer: ReturnType<typeof setTimeout> | undefined;
let running = false;

export function reportDown(detail: string): void {
  const h = health.get();
  if (!h.down) health.set({ ...h, down: true, detail, since: Date.now() });
  schedule(DOWN_INTERVAL);
}

function markUp(status?: HeadscaleStatus) {
  const h = health.get();
  health.set({ down: false, detail: '', status: status ?? h.status, checking: false });
  if (h.down) resync(); // lists reload now that Headscale answers again
}

/** check asks the console for Headscale's health now. */
export async function checkHealth(): Promise<void> {
  health.set((h) => ({ ...h, checking: true }));
  try {
    const st = await api.get('/api/v1/headscale');
    if (st.health === 'ok') markUp(st);
    else {
      const h = health.get();
      health.set({ ...h, down: true, detail: st.health, since: h.since ?? Date.now(), status: st, checking: false });
    }
  } catch (err) {
    const h = health.get();
    if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) {
      health.set({ ...h, down: true, detail: err.detail || err.title, since: h.since ?? Date.now(), checking: false });
    } else {
      health.set({ ...h, checking: false });
    }
  }
  schedule(health.get().down ? DOWN_INTERVAL : UP_INTERVAL);
}

function schedule(ms: number) {
  if (!running) return;
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden' && !health.get().down) {
      schedule(UP_INTERVAL);
      return;
    }
    void checkHealth();
  }, ms);
}

export function startHealth(): void {
  if (running) return;
  running = true;
  void checkHealth();
}

export function stopHealth(): void {
  running = false;
  clearTimeout(timer);
  health.set({ down: false, detail: '', checking: false });
}
