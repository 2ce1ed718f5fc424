import { describe, expect, it } from 'vitest';
import { ApiError, problemFrom, queryString, raw } from '../src/api/client';
import { explain, fieldErrors } from '../src/api/problem';
import { mockApi, problem } from './helpers';

describe('problems', () => {
  it('parses a problem document with field errors and Retry-After', async () => {
    const res = new Response(
      JSON.stringify({ type: 'urn:neoconsole:problem:invalid_request', title: 'Bad Request', status: 400, code: 'invalid_request', detail: 'bad', errors: [{ field: 'baseDomain', message: 'is required' }] }),
      { status: 400, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '7' } },
    );
    const e = await problemFrom(res);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('invalid_request');
    expect(e.retryAfter).toBe(7);
    expect(fieldErrors(e)).toEqual({ baseDomain: 'is required' });
  });

  it('explains each kind of failure in words', () => {
    const mk = (status: number, code: string, detail = '', retryAfter = 0) => new ApiError({ status, code, detail, retryAfter });
    expect(explain(mk(401, 'unauthenticated'))).toMatchObject({ kind: 'unauthenticated', title: 'Your session has expired' });
    expect(explain(mk(403, 'forbidden', 'needs operator'))).toMatchObject({ kind: 'forbidden', title: 'Not allowed' });
    expect(explain(mk(503, 'headscale_unavailable')).title).toBe('Headscale is not answering');
    expect(explain(mk(429, 'rate_limited', 'slow down', 12)).message).toContain('Try again in 12 s');
    expect(explain(mk(400, 'invalid_request', 'name is bad')).message).toContain('name is bad');
    expect(explain(mk(0, 'network')).kind).toBe('network');
    expect(explain(new Error('boom')).message).toBe('boom');
  });

  it('reports 401 and 503 to the hooks, and not a quiet 401', async () => {
    const { setClientHooks } = await import('../src/api/client');
    let expired = 0;
    let down = '';
    setClientHooks({ onUnauthenticated: () => expired++, onHeadscaleUnavailable: (e) => (down = e.detail) });
    mockApi({
      'GET /a': () => problem(401, 'unauthenticated'),
      'GET /b': () => problem(503, 'headscale_unavailable', 'dial unix: refused'),
    });
    await expect(raw('get', '/a')).rejects.toMatchObject({ status: 401 });
    await expect(raw('get', '/a', { quiet401: true })).rejects.toMatchObject({ status: 401 });
    expect(expired).toBe(1);
    await expect(raw('get', '/b')).rejects.toMatchObject({ code: 'headscale_unavailable' });
    expect(down).toBe('dial unix: refused');
    setClientHooks({ onUnauthenticated: undefined, onHeadscaleUnavailable: undefined });
  });

  it('leaves empty query parameters out', () => {
    expect(queryString({ a: 'x', b: '', c: undefined, d: 0, e: true })).toBe('?a=x&d=0&e=true');
    expect(queryString({})).toBe('');
  });
});
