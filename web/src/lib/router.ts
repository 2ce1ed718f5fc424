// A hand-written router over the History API and URLSearchParams: the app's
// state that belongs in the address bar (page, filters, sort) lives there.
import { createElement, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
const CHANGE = 'neoconsole:navigate';

function notify() {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', notify);
  window.addEventListener(CHANGE, notify);
}

function subscribe(cb: () => void) {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

function snapshot() {
  return window.location.pathname + window.location.search;
}

export interface Location {
  path: string;
  search: URLSearchParams;
  /** path plus query string, e.g. "/machines?q=web". */
  href: string;
}

let cachedHref = '';
let cached: Location = { path: '/', search: new URLSearchParams(), href: '/' };

export function currentLocation(): Location {
  const href = snapshot();
  if (href !== cachedHref) {
    cachedHref = href;
    cached = { path: window.location.pathname, search: new URLSearchParams(window.location.search), href };
  }
  return cached;
}

export function useLocation(): Location {
  useSyncExternalStore(subscribe, snapshot, snapshot);
  return currentLocation();
}

/** navigate goes to another page (pushes history unless replace). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
  if (!opts.replace) window.scrollTo?.(0, 0);
}

/**
 * setQuery changes some query parameters of the current page; empty values
 * are removed. Filters replace the history entry so Back leaves the page.
 */
export function setQuery(changes: Record<string, string | undefined | null>, opts: { replace?: boolean } = { replace: true }): void {
  const sp = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === '') sp.delete(k);
    else sp.set(k, v);
  }
  const qs = sp.toString();
  navigate(window.location.pathname + (qs ? `?${qs}` : ''), opts);
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** Link is an anchor that navigates without reloading (modifier clicks still open tabs). */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return createElement('a', { ...rest, href: to, onClick: handle });
}

/** match returns the parameters when path matches pattern ("/logins/:authId"). */
export function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) {
      try {
        out[ps[i].slice(1)] = decodeURIComponent(xs[i]);
      } catch {
        return null;
      }
    } else if (ps[i] !== xs[i]) return null;
  }
  return out;
}
