import { describe, expect, it } from 'vitest';
import { facets, filterNodes, filterQuery, isOrphaned, readFilters, runsOnKnownVM, sortNodes } from '../src/pages/machineFilters';
import { parseAuthId, parseTags } from '../src/pages/Logins';
import { errorPosition } from '../src/pages/Policy';
import { findEnrolled, withHostname } from '../src/pages/Register';
import { applyNodeEvent, applyNodeEvents, normalizeNode } from '../src/lib/nodes';
import { countdown, ago, until } from '../src/lib/format';
import { node } from './helpers';

describe('machine filters', () => {
  it('round-trips through the URL query', () => {
    const f = readFilters(new URLSearchParams('q=web&user=alice&tag=tag:db&online=true&expired=false&orphaned=true&sort=lastSeen&dir=desc'));
    expect(f).toEqual({ q: 'web', user: 'alice', tag: 'tag:db', online: 'true', expired: 'false', orphaned: 'true', sort: 'lastSeen', dir: 'desc' });
    expect(filterQuery(f)).toEqual({ q: 'web', user: 'alice', tag: 'tag:db', online: 'true', expired: 'false', orphaned: 'true', sort: 'lastSeen', dir: 'desc' });
    const d = readFilters(new URLSearchParams('online=maybe&orphaned=yes&sort=bogus'));
    expect(d).toMatchObject({ online: '', orphaned: '', sort: 'name', dir: 'asc' });
    expect(filterQuery(d)).toEqual({
      q: undefined,
      user: undefined,
      tag: undefined,
      online: undefined,
      expired: undefined,
      orphaned: undefined,
      sort: undefined,
      dir: undefined,
    });
  });

  it('filters by text, user, tag, online and expiry', () => {
    const ns = [
      node({ id: 1, name: 'web-01', user: 'alice', online: true }),
      node({ id: 2, name: 'db-01', user: 'bob', tags: ['tag:db'], ipAddresses: ['100.64.0.9'] }),
      node({ id: 3, name: 'old', user: 'alice', expiry: '2001-01-01T00:00:00Z' }),
    ];
    const f = readFilters(new URLSearchParams());
    expect(filterNodes(ns, { ...f, q: 'WEB' }).map((n) => n.id)).toEqual([1]);
    expect(filterNodes(ns, { ...f, q: '100.64.0.9' }).map((n) => n.id)).toEqual([2]);
    expect(filterNodes(ns, { ...f, q: '3' }).map((n) => n.id)).toContain(3);
    expect(filterNodes(ns, { ...f, user: 'alice' }).map((n) => n.id)).toEqual([1, 3]);
    expect(filterNodes(ns, { ...f, tag: 'tag:db' }).map((n) => n.id)).toEqual([2]);
    expect(filterNodes(ns, { ...f, online: 'true' }).map((n) => n.id)).toEqual([1]);
    expect(filterNodes(ns, { ...f, expired: 'true' }).map((n) => n.id)).toEqual([3]);
    expect(filterNodes(ns, { ...f, expired: 'false' }).map((n) => n.id)).toEqual([1, 2]);
    expect(facets(ns)).toEqual({ users: ['alice', 'bob'], tags: ['tag:db'] });
  });

  describe('by VM', () => {
    const vm = (key: number, gone = false) => ({ key, name: `vm-${key}`, provider: 'aws', cloudName: 'prod', state: 'running', gone });
    const ns = [
      node({ id: 1, name: 'linked', vm: vm(10) }),
      node({ id: 2, name: 'orphan', vm: vm(11, true), orphaned: true }),
      node({ id: 3, name: 'plain' }),
      node({ id: 4, name: 'gone-flag-only', vm: vm(12, true) }),
      node({ id: 5, name: 'orphan-no-vm', orphaned: true }),
    ];
    const f = readFilters(new URLSearchParams());
    it.each([
      ['', [1, 2, 3, 4, 5]],
      ['true', [2, 4, 5]],
      ['false', [1]],
    ] as const)('orphaned=%s keeps %j', (orphaned, ids) => {
      expect(filterNodes(ns, { ...f, orphaned }).map((n) => n.id)).toEqual(ids);
    });
    it('combines with the other filters and searches VM names', () => {
      expect(filterNodes(ns, { ...f, orphaned: 'true', q: 'no-vm' }).map((n) => n.id)).toEqual([5]);
      expect(filterNodes(ns, { ...f, q: 'vm-10' }).map((n) => n.id)).toEqual([1]);
      expect(isOrphaned(ns[1])).toBe(true);
      expect(runsOnKnownVM(ns[1])).toBe(false);
      expect(runsOnKnownVM(ns[0])).toBe(true);
    });
  });

  it('sorts by column, both ways', () => {
    const ns = [
      node({ id: 1, name: 'b', ipAddresses: ['100.64.0.10'], online: false, lastSeen: '2026-01-02T00:00:00Z' }),
      node({ id: 2, name: 'a', ipAddresses: ['100.64.0.9'], online: true }),
      node({ id: 3, name: 'c', ipAddresses: ['100.64.1.1'], online: false, lastSeen: '2026-01-03T00:00:00Z', expiry: undefined }),
    ];
    expect(sortNodes(ns, 'name', 'asc').map((n) => n.name)).toEqual(['a', 'b', 'c']);
    expect(sortNodes(ns, 'name', 'desc').map((n) => n.name)).toEqual(['c', 'b', 'a']);
    expect(sortNodes(ns, 'address', 'asc').map((n) => n.id)).toEqual([2, 1, 3]);
    expect(sortNodes(ns, 'lastSeen', 'asc').map((n) => n.id)).toEqual([2, 3, 1]);
    expect(sortNodes(ns, 'expiry', 'asc').map((n) => n.id)).toEqual([2, 1, 3]);
  });
});

describe('live node events', () => {
  it('adds, updates and removes nodes, filling in derived fields', () => {
    let list = [node({ id: 1 })];
    list = applyNodeEvent(list, { id: 1, type: 'node.added', time: '', data: { id: 2, name: 'new', approvedRoutes: ['0.0.0.0/0', '::/0'], expiry: '2000-01-01T00:00:00Z' } });
    expect(list.map((n) => n.id)).toEqual([1, 2]);
    expect(list[1]).toMatchObject({ exitNode: true, expired: true, os: 'unknown', tags: [] });
    list = applyNodeEvent(list, { id: 2, type: 'node.online', time: '', data: { ...list[1], online: true } });
    expect(list[1].online).toBe(true);
    list = applyNodeEvent(list, { id: 3, type: 'node.removed', time: '', data: { id: 1 } });
    expect(list.map((n) => n.id)).toEqual([2]);
    const same = applyNodeEvent(list, { id: 4, type: 'policy.updated', time: '', data: {} });
    expect(same).toBe(list);
    expect(normalizeNode({ id: 5 }).ipAddresses).toEqual([]);
  });

  it("keeps the console's own fields (OS, VM, orphaned) that events lack", () => {
    const vm = { key: 7, name: 'web-vm', provider: 'lxd', cloudName: 'lab', state: 'running', gone: false };
    const list = [node({ id: 1, os: 'debian', vm, orphaned: false })];
    const headscaleNode = { id: 1, name: 'web', online: true }; // what a node.online event carries
    const out = applyNodeEvent(list, { id: 1, type: 'node.online', time: '', data: headscaleNode });
    expect(out[0]).toMatchObject({ online: true, os: 'debian', vm, orphaned: false });
    const updated = applyNodeEvent(out, { id: 2, type: 'node.updated', time: '', data: { ...headscaleNode, os: 'ubuntu' } });
    expect(updated[0].os).toBe('ubuntu');
  });

  it('folds a burst of events in one pass, keeping the order', () => {
    const list = [node({ id: 1 }), node({ id: 2 }), node({ id: 3 })];
    const ev = (type: string, data: object) => ({ id: 0, type, time: '', data });
    const out = applyNodeEvents(list, [
      ev('node.offline', { ...list[1], online: false }),
      ev('node.online', { ...list[1], online: true }),
      ev('node.removed', { id: 1 }),
      ev('node.added', { id: 4, name: 'four' }),
      ev('preauthkey.created', { id: 9 }),
    ]);
    expect(out.map((n) => n.id)).toEqual([2, 3, 4]);
    expect(out[0].online).toBe(true);
    expect(out[1]).toBe(list[2]);
    expect(applyNodeEvents(list, [ev('policy.updated', {})])).toBe(list);
  });
});

describe('pending logins', () => {
  it('takes the URL tailscale printed or the bare id', () => {
    expect(parseAuthId('http://hs.example.com:8080/register/AbCdEf123456')).toBe('AbCdEf123456');
    expect(parseAuthId('  https://hs.example.com/register/abc_DEF-123456/  ')).toBe('abc_DEF-123456');
    expect(parseAuthId('abcdefgh12')).toBe('abcdefgh12');
    expect(parseAuthId('short')).toBeNull();
    expect(parseAuthId('http://x/register/has space')).toBeNull();
    expect(parseAuthId('')).toBeNull();
  });
  it('reads tags, adding the tag: prefix', () => {
    expect(parseTags('web, tag:db  tag:web')).toEqual({ tags: ['tag:web', 'tag:db'], bad: [] });
    expect(parseTags('Bad!').bad).toEqual(['tag:Bad!']);
  });
});

describe('policy errors', () => {
  const text = '{\n  "acls": [\n    oops\n  ]\n}\n';
  it('finds the line Headscale names', () => {
    expect(errorPosition('hujson: line 3, column 5: invalid character', text)).toEqual({ line: 3, column: 5 });
    expect(errorPosition('parsing policy: 3:5: unexpected', text)).toEqual({ line: 3, column: 5 });
    expect(errorPosition('invalid character at offset 20', text)).toEqual({ line: 3, column: 7 });
    expect(errorPosition('tag:web is not defined', text)).toBeNull();
  });
});

describe('register wizard helpers', () => {
  const cmds = [
    { os: 'linux' as const, label: 'Linux', command: 'curl … | sh && sudo tailscale up --login-server=http://hs --authkey=hskey-auth-abc' },
    { os: 'lxd' as const, label: 'LXD', command: "lxc config device add <container> tun … && lxc exec <container> -- sh -c 'tailscale up --login-server=http://hs --authkey=hskey-auth-abc'" },
    { os: 'cloud-init' as const, label: 'cloud-init', command: '#cloud-config\nruncmd:\n  - [sh, -c, "tailscale up --login-server=http://hs --authkey=hskey-auth-abc"]\n' },
  ];
  it('adds the machine name to every command', () => {
    const out = withHostname(cmds, 'hskey-auth-abc', 'web-01');
    expect(out[0].command).toMatch(/--authkey=hskey-auth-abc --hostname=web-01$/);
    expect(out[1].command).toContain('lxc exec web-01 -- sh');
    expect(out[1].command).not.toContain('<container>');
    expect(out[2].command).toContain('--hostname=web-01"]');
    expect(withHostname(cmds, 'hskey-auth-abc', '')).toBe(cmds);
  });
  it('recognises the enrolled node by key, else by name', () => {
    const since = Date.parse('2026-01-01T00:00:00Z');
    const ns = [node({ id: 1, name: 'x', preAuthKeyId: 9 }), node({ id: 2, name: 'web-01', createdAt: '2026-01-01T00:00:05Z' })];
    expect(findEnrolled(ns, 9, '', since)?.id).toBe(1);
    expect(findEnrolled(ns, 10, 'web-01', since)?.id).toBe(2);
    expect(findEnrolled(ns, 10, 'nope', since)).toBeUndefined();
    expect(findEnrolled(null, 9, '', since)).toBeUndefined();
  });
});

describe('format', () => {
  it('counts down and tells times', () => {
    expect(countdown(65_000)).toBe('1:05');
    expect(countdown(3_600_000 + 61_000)).toBe('01:01:01');
    expect(countdown(2 * 86_400_000 + 5_000)).toBe('2d 00:00:05');
    expect(countdown(-1)).toBe('0:00');
    const now = Date.parse('2026-01-10T00:00:00Z');
    expect(ago('2026-01-09T21:00:00Z', now)).toBe('3 h ago');
    expect(until('2026-01-13T00:00:00Z', now)).toBe('in 3 days');
    expect(ago(undefined, now)).toBe('never');
  });
});
