import { ApiError } from './client';

export interface Explained {
  /** Short headline, e.g. "Headscale is not answering". */
  title: string;
  /** What happened and what to do, for people. */
  message: string;
  /** The kind of state, for styling and for choosing what to show. */
  kind: 'unauthenticated' | 'forbidden' | 'headscale' | 'network' | 'rate' | 'invalid' | 'notfound' | 'conflict' | 'error';
}

/** explain turns any thrown value into words for people. */
export function explain(err: unknown): Explained {
  if (!(err instanceof ApiError)) {
    const msg = err instanceof Error ? err.message : String(err);
    return { title: 'Something went wrong', message: msg || 'An unexpected error happened.', kind: 'error' };
  }
  const hint = err.recoveryHint ? ` ${err.recoveryHint}` : '';
  switch (true) {
    case err.status === 0:
      return { title: 'The console is not answering', message: err.detail + ' Retrying…', kind: 'network' };
    case err.status === 401 && err.code === 'unauthenticated':
      return { title: 'Your session has expired', message: 'Sign in again to continue where you left off.', kind: 'unauthenticated' };
    case err.status === 401:
      return { title: 'Not signed in', message: (err.detail || 'The credentials were not accepted.') + hint, kind: 'unauthenticated' };
    case err.status === 403:
      return {
        title: 'Not allowed',
        message: (err.detail || 'Your role does not allow this.') + (hint || ' Ask an admin if you need access.'),
        kind: 'forbidden',
      };
    case err.status === 503 && err.code === 'headscale_unavailable':
      return {
        title: 'Headscale is not answering',
        message: 'The console cannot reach Headscale right now; it keeps showing the last data it had and retries.' + hint,
        kind: 'headscale',
      };
    case err.status === 429: {
      const wait = err.retryAfter > 0 ? ` Try again in ${err.retryAfter} s.` : ' Wait a moment and try again.';
      return { title: 'Too many requests', message: (err.detail || 'Too many requests.') + wait, kind: 'rate' };
    }
    case err.status === 404:
      return { title: 'Not found', message: (err.detail || 'It does not exist (any more).') + hint, kind: 'notfound' };
    case err.status === 409:
      return { title: 'Conflict', message: (err.detail || 'That conflicts with the current state.') + hint, kind: 'conflict' };
    case err.status === 400 || err.status === 422:
      return { title: 'Check the input', message: (err.detail || 'The request was not valid.') + hint, kind: 'invalid' };
    case err.status === 502:
      return { title: 'Headscale refused the console', message: (err.detail || 'Headscale gave an error.') + hint, kind: 'headscale' };
    default:
      return { title: err.title || 'Something went wrong', message: (err.detail || `The console answered ${err.status}.`) + hint, kind: 'error' };
  }
}

/** fieldErrors maps a problem's per-field errors by field name (the first message wins). */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const fe of err.errors) {
      if (fe && typeof fe.field === 'string' && !(fe.field in out)) out[fe.field] = fe.message;
    }
  }
  return out;
}
