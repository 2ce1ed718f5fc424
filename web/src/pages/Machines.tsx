import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, type Node } from '../api/client';
import { explain } from '../api/problem';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorState } from '../components/ErrorNote';
import { ActionMenu, type MenuItem } from '../components/Menu';
import { CopyButton } from '../components/Copy';
import { toast } from '../components/Toasts';
import { VirtualList } from '../components/VirtualList';
import { Badge, Dot, PageHead, Spinner } from '../components/ui';
import { ago, plural, until } from '../lib/format';
import { useDebounced, useMediaQuery, useNow } from '../lib/hooks';
import { ensureNodes, isExitRoute, loadNodes, useNodes } from '../lib/nodes';
import { Link, setQuery, useLocation } from '../lib/router';
import { useCan } from '../lib/session';
import { facets, filterNodes, filterQuery, isExpired, isOrphaned, readFilters, sortNodes, type Filters, type SortKey } from './machineFilters';
import { DetailsDialog, RenameDialog, RoutesDialog, TagsDialog, dropNode, putNode } from './NodeDialogs';

type Action = { kind: 'details' | 'rename' | 'tags' | 'routes' | 'expire' | 'revoke'; node: Node };

const COLUMNS: { key: SortKey; label: string; className: string }[] = [
  { key: 'name', label: 'Machine', className: 'c-name' },
  { key: 'address', label: 'Addresses', className: 'c-addr' },
  { key: 'os', label: 'OS', className: 'c-os' },
  { key: 'lastSeen', label: 'Last seen', className: 'c-seen' },
  { key: 'expiry', label: 'Key expiry', className: 'c-exp' },
];

/** SEARCH_DEBOUNCE_MS is how long typing pauses before the list filters. */
export const SEARCH_DEBOUNCE_MS = 60;

export function Machines() {
  const { search } = useLocation();
  const f = readFilters(search);
  const { nodes, error, loading } = useNodes();
  const canEdit = useCan('operator');
  const phone = useMediaQuery('(max-width: 720px)');
  const now = useNow(30_000);
  const [action, setAction] = useState<Action | null>(null);

  useEffect(() => {
    document.title = 'Machines · Neogenesys Console';
    ensureNodes();
  }, []);

  // The search box answers at once; the list (and the URL) follow after a pause.
  const [text, setText] = useState(f.q);
  const pushed = useRef(f.q);
  const debounced = useDebounced(text, SEARCH_DEBOUNCE_MS);
  useEffect(() => {
    if (debounced.trim() !== pushed.current.trim()) {
      pushed.current = debounced;
      setQuery({ q: debounced.trim() || undefined });
    }
  }, [debounced]);
  useEffect(() => {
    if (f.q.trim() !== pushed.current.trim()) {
      pushed.current = f.q; // changed from outside (Back, a link)
      setText(f.q);
    }
  }, [f.q]);

  const all = useMemo(() => nodes ?? [], [nodes]);
  const sorted = useMemo(() => sortNodes(all, f.sort, f.dir), [all, f.sort, f.dir]);
  const shown = useMemo(
    () => filterNodes(sorted, f, now),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [sorted, f.q, f.user, f.tag, f.online, f.expired, f.orphaned, now],
  );
  const { users, tags } = useMemo(() => facets(all), [all]);
  const filtered = !!(f.q || f.user || f.tag || f.online || f.expired || f.orphaned);

  const set = (changes: Partial<Filters>) => setQuery(filterQuery({ ...f, ...changes }));
  const sortBy = (key: SortKey) => set({ sort: key, dir: f.sort === key && f.dir === 'asc' ? 'desc' : 'asc' });

  const act = useCallback((kind: Action['kind'], node: Node) => setAction({ kind, node }), []);

  const sortLabel = (key: SortKey) => (f.sort === key ? (f.dir === 'asc' ? 'ascending' : 'descending') : 'none');

  return (
    <div className="page fill machines">
      <PageHead
        title="Machines"
        sub={
          nodes
            ? filtered
              ? `${shown.length.toLocaleString()} of ${plural(all.length, 'machine')}`
              : `${plural(all.length, 'machine')}, ${all.filter((n) => n.online).length.toLocaleString()} connected`
            : undefined
        }
      >
        {canEdit && (
          <Link to="/register" className="btn primary">
            Add machine
          </Link>
        )}
      </PageHead>

      <div className="filters" role="search">
        <label className="sr-only" htmlFor="machine-search">
          Search machines
        </label>
        <input
          id="machine-search"
          type="search"
          className="search"
          placeholder="Search by name, owner, tag or address"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        <select aria-label="User" value={f.user} onChange={(e) => set({ user: e.target.value })}>
          <option value="">All users</option>
          {users.map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
          {f.user && !users.includes(f.user) && <option value={f.user}>{f.user}</option>}
        </select>
        <select aria-label="Tag" value={f.tag} onChange={(e) => set({ tag: e.target.value })}>
          <option value="">All tags</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
          {f.tag && !tags.includes(f.tag) && <option value={f.tag}>{f.tag}</option>}
        </select>
        <select aria-label="Connection" value={f.online} onChange={(e) => set({ online: e.target.value as Filters['online'] })}>
          <option value="">Any status</option>
          <option value="true">Connected</option>
          <option value="false">Offline</option>
        </select>
        <select aria-label="Key" value={f.expired} onChange={(e) => set({ expired: e.target.value as Filters['expired'] })}>
          <option value="">Any key</option>
          <option value="true">Key expired</option>
          <option value="false">Key valid</option>
        </select>
        <select aria-label="VM" value={f.orphaned} onChange={(e) => set({ orphaned: e.target.value as Filters['orphaned'] })}>
          <option value="">Any</option>
          <option value="false">Runs on a known VM</option>
          <option value="true">Orphaned</option>
        </select>
        {filtered && (
          <button
            type="button"
            className="btn link"
            onClick={() => {
              pushed.current = '';
              setText('');
              setQuery({ q: undefined, user: undefined, tag: undefined, online: undefined, expired: undefined, orphaned: undefined });
            }}
          >
            Clear filters
          </button>
        )}
      </div>

      {!nodes && error ? (
        <ErrorState error={error} onRetry={() => void loadNodes()} />
      ) : !nodes ? (
        <div className="loading">
          <Spinner label="Loading machines" /> Loading machines…
        </div>
      ) : (
        <div className="table machines-table" role="table" aria-label="Machines" aria-rowcount={shown.length + 1} aria-busy={loading}>
          <div className="thead" role="rowgroup">
            <div className="trow head" role="row" aria-rowindex={1}>
              {COLUMNS.map((c) => (
                <div key={c.key} role="columnheader" className={c.className} aria-sort={sortLabel(c.key)}>
                  <button type="button" className="sort" onClick={() => sortBy(c.key)}>
                    {c.label}
                    <span aria-hidden="true" className="sort-mark">
                      {f.sort === c.key ? (f.dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </div>
              ))}
              <div role="columnheader" className="c-act">
                <span className="sr-only">Actions</span>
              </div>
            </div>
          </div>
          {shown.length === 0 ? (
            <div className="empty" role="row">
              <div role="cell">
                {all.length === 0 ? (
                  <>
                    No machines yet.{' '}
                    {canEdit && (
                      <Link to="/register">Add the first one</Link>
                    )}
                  </>
                ) : (
                  'No machine matches these filters.'
                )}
              </div>
            </div>
          ) : (
            <VirtualList
              items={shown}
              rowHeight={phone ? 92 : 60}
              rowKey={(n) => n.id}
              className="tbody"
              renderRow={(n) => (
                <MachineRow node={n} now={now} canEdit={canEdit} onAction={act} />
              )}
            />
          )}
        </div>
      )}

      {action?.kind === 'details' && <DetailsDialog node={action.node} onClose={() => setAction(null)} />}
      {action?.kind === 'rename' && <RenameDialog node={action.node} onClose={() => setAction(null)} />}
      {action?.kind === 'tags' && <TagsDialog node={action.node} knownTags={tags} onClose={() => setAction(null)} />}
      {action?.kind === 'routes' && <RoutesDialog node={action.node} onClose={() => setAction(null)} />}
      {action?.kind === 'expire' && (
        <ConfirmDialog
          title={`Expire the key of ${action.node.name}?`}
          confirmLabel="Expire key"
          danger
          onClose={() => setAction(null)}
          onConfirm={async () => {
            const r = await api.post('/api/v1/nodes/{id}/expire', { path: { id: action.node.id } });
            putNode(r.node);
            toast(`The key of ${action.node.name} expired; the machine must sign in again`);
          }}
        >
          <p>
            The machine is logged out of the tailnet at once and must authenticate again (<code>tailscale up</code>) to reconnect.
          </p>
        </ConfirmDialog>
      )}
      {action?.kind === 'revoke' && (
        <ConfirmDialog
          title={`Revoke ${action.node.name}?`}
          confirmLabel="Revoke machine"
          danger
          onClose={() => setAction(null)}
          onConfirm={async () => {
            await api.del('/api/v1/nodes/{id}', { path: { id: action.node.id } });
            dropNode(action.node.id);
            toast(`${action.node.name} was removed from the tailnet`);
          }}
        >
          <p>
            <strong>{action.node.name}</strong> ({action.node.ipAddresses.join(', ') || 'no address'}) is deleted from Headscale and loses
            access to the tailnet. To come back it needs a new key.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function menuFor(n: Node, act: (kind: Action['kind'], node: Node) => void): MenuItem[] {
  const items: MenuItem[] = [
    { label: 'Rename…', onSelect: () => act('rename', n) },
    { label: 'Edit tags…', onSelect: () => act('tags', n) },
    { label: 'Edit routes…', onSelect: () => act('routes', n) },
  ];
  if (n.expiry && !isExpired(n, Date.now())) items.push({ label: 'Expire key…', onSelect: () => act('expire', n) });
  if (n.expiry)
    items.push({
      label: 'Disable key expiry',
      onSelect: async () => {
        try {
          const r = await api.post('/api/v1/nodes/{id}/disable-expiry', { path: { id: n.id } });
          putNode(r.node);
          toast(`The key of ${n.name} no longer expires`);
        } catch (err) {
          toast(`Could not disable key expiry: ${explain(err).message}`, 'error');
        }
      },
    });
  items.push({ label: 'Revoke…', onSelect: () => act('revoke', n), danger: true });
  return items;
}

interface RowProps {
  node: Node;
  now: number;
  canEdit: boolean;
  onAction: (kind: Action['kind'], node: Node) => void;
}

/** NodeVMLine is the inventory VM a node runs on, linking to it on the VMs page. */
export function NodeVMLine({ vm }: { vm: NonNullable<Node['vm']> }) {
  const where = [vm.provider, vm.cloudName].filter(Boolean).join(' · ');
  return (
    <span data-testid="node-vm" title={`Runs on the VM ${vm.name}${where ? ` (${where})` : ''}${vm.gone ? ', gone from its cloud' : ''}`}>
      · VM <Link to={`/vms?vm=${vm.key}`}>{vm.name}</Link>
      {vm.gone && (
        <>
          {' '}
          <Badge tone="bad">gone</Badge>
        </>
      )}
      {where && ` (${where})`}
    </span>
  );
}

const MachineRow = memo(function MachineRow({ node: n, now, canEdit, onAction }: RowProps) {
  const expired = isExpired(n, now);
  const subnets = n.approvedRoutes.filter((r) => !isExitRoute(r));
  const pendingRoutes = n.availableRoutes.filter((r) => !n.approvedRoutes.includes(r));
  return (
    <>
      <div role="cell" className="c-name">
        <Dot on={n.online} />
        <div className="stack">
          <button type="button" className="name-btn" onClick={() => onAction('details', n)} title="Show details">
            {n.name}
          </button>
          <div className="owner">
            {n.tags.length > 0 ? (
              n.tags.map((t) => (
                <span key={t} className="tag">
                  {t}
                </span>
              ))
            ) : (
              <span>{n.user}</span>
            )}
            {n.exitNode && <Badge tone="info">Exit node</Badge>}
            {subnets.length > 0 && (
              <Badge tone="info" title={subnets.join(', ')}>
                Subnets
              </Badge>
            )}
            {pendingRoutes.length > 0 && (
              <Badge tone="warn" title={`Waiting for approval: ${pendingRoutes.join(', ')}`}>
                Routes pending
              </Badge>
            )}
            {isOrphaned(n) && (
              <Badge tone="bad" title={n.vm ? `Its VM ${n.vm.name} is gone from ${n.vm.cloudName}` : 'Its VM is gone from its cloud'}>
                Orphaned
              </Badge>
            )}
            {n.vm && <NodeVMLine vm={n.vm} />}
          </div>
        </div>
      </div>
      <div role="cell" className="c-addr">
        {n.ipAddresses.slice(0, 2).map((ip) => (
          <span key={ip} className="addr">
            <code>{ip}</code>
            <CopyButton small text={ip} ariaLabel={`Copy address ${ip}`} />
          </span>
        ))}
      </div>
      <div role="cell" className="c-os">
        {n.os && n.os !== 'unknown' ? n.os : <span className="muted">—</span>}
      </div>
      <div role="cell" className="c-seen">
        {n.online ? (
          <span className="ok-text">Connected</span>
        ) : (
          <span title={n.lastSeen}>{n.lastSeen ? ago(n.lastSeen, now) : 'Never'}</span>
        )}
      </div>
      <div role="cell" className="c-exp">
        {expired ? <Badge tone="bad">Expired</Badge> : n.expiry ? <span title={n.expiry}>{until(n.expiry, now)}</span> : <span className="muted">No expiry</span>}
      </div>
      <div role="cell" className="c-act">
        {canEdit && <ActionMenu label={`Actions for ${n.name}`} items={menuFor(n, onAction)} />}
      </div>
    </>
  );
});
