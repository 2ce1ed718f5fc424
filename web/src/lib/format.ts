// Formatting for people: relative times, countdowns, dates.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** ago renders how long ago t was ("just now", "5 min ago", "3 h ago", "12 days ago"). */
export function ago(t: string | undefined, now = Date.now()): string {
  if (!t) return 'never';
  const ms = now - Date.parse(t);
  if (!Number.isFinite(ms)) return '—';
  if (ms < 45_000) return 'just now';
  if (ms < HOUR) return `${Math.round(ms / MIN)} min ago`;
  if (ms < DAY) return `${Math.round(ms / HOUR)} h ago`;
  const d = Math.round(ms / DAY);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** until renders how far ahead t is ("in 5 min", "in 3 days"), or how long ago it passed. */
export function until(t: string | undefined, now = Date.now()): string {
  if (!t) return 'never';
  const ms = Date.parse(t) - now;
  if (!Number.isFinite(ms)) return '—';
  if (ms <= 0) return ago(t, now);
  if (ms < HOUR) return `in ${Math.max(1, Math.round(ms / MIN))} min`;
  if (ms < DAY) return `in ${Math.round(ms / HOUR)} h`;
  const d = Math.round(ms / DAY);
  return `in ${d} day${d === 1 ? '' : 's'}`;
}

/** countdown renders the time left as "2d 03:04:05", "03:04:05" or "04:05"; "0:00" once passed. */
export function countdown(msLeft: number): string {
  if (msLeft <= 0) return '0:00';
  const s = Math.floor(msLeft / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${pad(h)}:${pad(m)}:${pad(sec)}`;
  if (h > 0) return `${pad(h)}:${pad(m)}:${pad(sec)}`;
  return `${m}:${pad(sec)}`;
}

/** dateTime renders a timestamp in the reader's locale. */
export function dateTime(t: string | undefined): string {
  if (!t) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** toLocalInput turns an RFC 3339 time into a datetime-local value, and back with fromLocalInput. */
export function toLocalInput(t: string | null | undefined): string {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(v: string): string {
  if (!v) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
