/*
 * The VMs page: the inventory of every cloud account (route /vms), or of one
 * (route /clouds/:id/vms, <VMs cloudId={id} />). The server filters, sorts and
 * pages (GET /api/v1/vms); the page loads a small first page, sizes the scroll
 * area by the answer's total, and fetches further pages as the view nears the
 * end of what is loaded (lib/vmPager).
 *
 * URL parameters (all optional; a view survives reload, Back and sharing):
 *   q           search words (name, ids, IPs, tags, node name; all must match)
 *   provider    aws | gcp | azure | lxd | proxmox (comma-separated for several)
 *   cloud       cloud account id (only on /vms; the per-cloud route fixes it)
 *   region      region (zone, node)
 *   state       running | stopped | pending | stopping | terminated | unknown
 *   enrollment  enrolled-online | enrolled-offline | not-enrolled
 *   tag         key=value or key
 *   stale       true: only VMs of failing accounts (last good data); false: the others
 *   sort, dir   sort key (name, state, cloud, region, enrollment, …) and asc|desc
 *   view        grid: cards instead of the table
 *   vm          the key of the VM whose detail drawer is open
 *
 * Live: vm.state changes a row in place; vm.inventory, sync.finished, vm.enroll
 * and node.* refresh the loaded rows (debounced); resync reloads.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { explain } from '../api/problem';
import { CopyButton } from '../components/Copy';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { ActionMenu, type MenuItem } from '../components/Menu';
import { toast } from '../components/Toasts';
import { VirtualList } from '../components/VirtualList';
import { Badge, PageHead, Spinner } from '../components/ui';
import { ago } from '../lib/format';
import { useDebounced, useMediaQuery, useNow, useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link, setQuery, useLocation } from '../lib/router';
import { useCan } from '../lib/session';
import { usePager, type FetchPage } from '../lib/vmPager';
import { EnrollVMDialog } from './EnrollVMDialog';
import { VMDrawer } from './VMDrawer';
import {
  ENROLLMENTS,
  POWER_LABEL,
  STATES,
  canEnroll,
  clearedQuery,
  enrollmentLabel,
  enrollmentTone,
  facetOptions,
  gridColumns,
  hasFilters,
  nextSort,
  optionText,
  powerActions,
  providerLabel,
  queryKey,
  readVMFilters,
  specs,
  staleClouds,
  staleText,
  stateEvent,
  stateTone,
  vmApiQuery,
  vmFilterQuery,
  withState,
  type PowerAction,
  type VM,
  type VMFacets,
  type VMFilters,
  type VMSortKey,
} from './vmQuery';
import './vms.css';

/** SEARCH_DEBOUNCE_MS is how long typing pauses before the list filters. */
export const SEARCH_DEBOUNCE_MS = 0;
const TAG_DEBOUNCE_MS = 300;
/** REFRESH_DEBOUNCE_MS gathers bursts of live events into one refresh (at most one per interval). */
export const REFRESH_DEBOUNCE_MS = 1000;

const LIST_ROW = 60;
const PHONE_ROW = 120;
const CARD_ROW = 172;

type Action = { kind: 'power'; action: PowerAction; vm: VM } | { kind: 'enroll'; vm: VM };
export type OnVMAction = (kind: 'power' | 'enroll', vm: VM, action?: PowerAction) => void;

const COLUMNS: { label: string; className: string; sort?: VMSortKey }[] = [
  { label: 'Name', className: 'c-name', sort: 'name' },
  { label: 'State', className: 'c-state', sort: 'state' },
  { label: 'Provider/Cloud', className: 'c-cloud', sort: 'cloud' },
  { label: 'Region', className: 'c-region', sort: 'region' },
  { label: 'Type/specs', className: 'c-type' },
  { label: 'IPs', className: 'c-ips' },
  { label: 'Tailnet', className: 'c-tailnet', sort: 'enrollment' },
];

const POWER_TEXT: Record<PowerAction, (name: string) => string> = {
  start: (n) => `${n} is started by its provider. The state changes here as it boots.`,
  stop: (n) => `${n} is shut down by its provider. Anything running in it stops; its disks are kept.`,
  reboot: (n) => `${n} restarts. Connections to it drop for a moment.`,
};

export function VMs({ cloudId }: { cloudId?: number }) {
  const { search } = useLocation();
  const f = readVMFilters(search);
  const perCloud = cloudId !== undefined;
  const canOperate = useCan('operator');
  const isAdmin = useCan('admin');
  const phone = useMediaQuery('(max-width: 720px)');
  const now = useNow(30_000);
  const openKey = Number(search.get('vm')) || 0;
  const [action, setAction] = useState<Action | null>(null);

  // ---- Search and tag boxes: they answer at once; the URL follows after a pause.
  // The refs hold the latest values at once: an effect of an older render must not push an old text.
  const [text, setTextState] = useState(f.q);
  const textRef = useRef(f.q);
  const setText = (v: string) => {
    textRef.current = v;
    setTextState(v);
  };
  const pushedQ = useRef(f.q);
  const debouncedQ = useDebounced(text, SEARCH_DEBOUNCE_MS);
  useEffect(() => {
    if (debouncedQ !== textRef.current) return; // still typing (or cleared meanwhile)
    if (debouncedQ.trim() !== pushedQ.current.trim()) {
      pushedQ.current = debouncedQ;
      setQuery({ q: debouncedQ.trim() || undefined });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debouncedQ]);
  useEffect(() => {
    if (f.q.trim() !== pushedQ.current.trim()) {
      pushedQ.current = f.q; // changed from outside (Back, a link)
      setText(f.q);
    }
  }, [f.q]);
  const [tagText, setTagTextState] = useState(f.tag);
  const tagRef = useRef(f.tag);
  const setTagText = (v: string) => {
    tagRef.current = v;
    setTagTextState(v);
  };
  const pushedTag = useRef(f.tag);
  const debouncedTag = useDebounced(tagText, TAG_DEBOUNCE_MS);
  useEffect(() => {
    if (debouncedTag !== tagRef.current) return;
    if (debouncedTag.trim() !== pushedTag.current.trim()) {
      pushedTag.current = debouncedTag;
      setQuery({ tag: debouncedTag.trim() || undefined });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debouncedTag]);
  useEffect(() => {
    if (f.tag.trim() !== pushedTag.current.trim()) {
      pushedTag.current = f.tag;
      setTagText(f.tag);
    }
  }, [f.tag]);

  // ---- Cloud accounts: names for the cloud menu, sync status for stale banners.
  const clouds = useResource((signal) => api.get('/api/v1/clouds', { signal }), []);
  const cloudList = clouds.data?.clouds;
  const thisCloud = perCloud ? cloudList?.find((c) => c.id === cloudId) : undefined;

  useEffect(() => {
    document.title = `${thisCloud ? `VMs of ${thisCloud.name}` : 'VMs'} · Neogenesys Console`;
  }, [thisCloud]);

  // ---- The rows.
  const fetchPage = useMemo<FetchPage<VM, VMFacets>>(
    () =>
      perCloud
        ? (query, signal) => api.get('/api/v1/clouds/{id}/vms', { path: { id: cloudId }, query, signal })
        : (query, signal) => api.get('/api/v1/vms', { query, signal }),
    [perCloud, cloudId],
  );
  const [pager, page] = usePager<VM, VMFacets>(fetchPage);
  const apiQuery = vmApiQuery(f, perCloud);
  const qKey = queryKey(apiQuery, cloudId);
  useEffect(() => {
    pager.setQuery(apiQuery, fetchPage);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [qKey, fetchPage]);

  const filtered = hasFilters(f, perCloud);

  // The total of the unfiltered view, for "<shown> of <total> VMs".
  const [allTotal, setAllTotal] = useState<number | undefined>(undefined);
  const [totalEpoch, setTotalEpoch] = useState(0);
  useEffect(() => {
    if (!filtered && page.ready && !page.outdated) setAllTotal(page.total);
  }, [filtered, page.ready, page.outdated, page.total]);
  useEffect(() => {
    if (!filtered) return;
    const ctl = new AbortController();
    const query = { limit: '1' };
    const p = perCloud
      ? api.get('/api/v1/clouds/{id}/vms', { path: { id: cloudId }, query, signal: ctl.signal })
      : api.get('/api/v1/vms', { query, signal: ctl.signal });
    p.then((r) => setAllTotal(r.total)).catch(() => undefined);
    return () => ctl.abort();
  }, [filtered, perCloud, cloudId, totalEpoch]);

  // ---- Live changes.
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const [drawerEpoch, setDrawerEpoch] = useState(0);
  useEffect(() => () => clearTimeout(refreshTimer.current), []);
  // One refresh at most every REFRESH_DEBOUNCE_MS: the first event of a burst
  // starts the timer, later ones ride along (a busy tailnet never starves it).
  const cloudsStale = useRef(false);
  const scheduleRefresh = (withClouds: boolean) => {
    if (withClouds) cloudsStale.current = true;
    if (refreshTimer.current !== undefined) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      void pager.refresh();
      setTotalEpoch((n) => n + 1);
      setDrawerEpoch((n) => n + 1);
      if (cloudsStale.current) {
        cloudsStale.current = false;
        void clouds.reload();
      }
    }, REFRESH_DEBOUNCE_MS);
  };
  useLive((e) => {
    switch (e.type) {
      case 'vm.state': {
        const ev = stateEvent(e.data);
        if (ev) pager.patch((vm) => (vm.key === ev.key ? withState(vm, ev.state) : vm));
        return;
      }
      case 'sync.finished':
      case 'cloud.created':
      case 'cloud.updated':
      case 'cloud.deleted':
        scheduleRefresh(true);
        return;
      case 'vm.inventory':
      case 'vm.enroll':
      case 'node.added':
      case 'node.removed':
      case 'node.online':
      case 'node.offline':
      case 'node.updated':
        scheduleRefresh(false);
        return;
      case 'resync':
        clearTimeout(refreshTimer.current);
        refreshTimer.current = undefined;
        pager.reload();
        void clouds.reload();
        setTotalEpoch((n) => n + 1);
        setDrawerEpoch((n) => n + 1);
        return;
    }
  });

  // ---- Layout: list rows or rows of cards.
  const grid = f.view === 'grid';
  const wrapRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const measure = () => setWidth(el.clientWidth);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [grid, page.ready]);
  const cols = grid ? gridColumns(width - 24) : 1;

  const total = page.total;
  const rows = page.rows;
  // A row per VM (null until its page is loaded), or per line of cards.
  const items = useMemo(() => {
    if (!grid) {
      const out: (VM | null)[] = rows.slice(0, total);
      for (let i = out.length; i < total; i++) out.push(null);
      return out;
    }
    return Array.from({ length: Math.ceil(total / cols) }, (_, i) => i);
  }, [grid, rows, total, cols]);

  const onRange = useCallback((_first: number, last: number) => pager.want(grid ? (last + 1) * cols : last), [pager, grid, cols]);

  // ---- Actions.
  const onAction = useCallback<OnVMAction>((kind, vm, act) => {
    if (kind === 'power' && act) setAction({ kind, vm, action: act });
    if (kind === 'enroll') setAction({ kind, vm });
  }, []);
  const openVM = useCallback((key: number) => setQuery({ vm: String(key) }, { replace: false }), []);
  const closeVM = useCallback(() => setQuery({ vm: undefined }, { replace: false }), []);

  const set = (changes: Partial<VMFilters>) => setQuery(vmFilterQuery({ ...f, ...changes }));
  const sortBy = (key: VMSortKey) => set(nextSort(f, key));
  const sortLabel = (key?: VMSortKey) => (!key ? undefined : f.sort === key ? (f.dir === 'asc' ? 'ascending' : 'descending') : 'none');

  // ---- Filter menus from the answer's facets.
  const facets = page.facets;
  const cloudName = useMemo(() => {
    const m = new Map<string, string>();
    for (const c of cloudList ?? []) m.set(String(c.id), c.name);
    for (const vm of rows.slice(0, 1000)) if (!m.has(String(vm.cloudId))) m.set(String(vm.cloudId), vm.cloudName);
    return m;
  }, [cloudList, rows]);
  const providerOpts = facetOptions(facets?.provider, f.provider, providerLabel);
  const cloudOpts = facetOptions(facets?.cloud, f.cloud, (id) => cloudName.get(id) ?? `Cloud ${id}`);
  const regionOpts = facetOptions(facets?.region, f.region);
  const stateOpts = facetOptions(facets?.state, f.state, (s) => s, STATES);
  const enrollOpts = facetOptions(facets?.enrollment, f.enrollment, enrollmentLabel, ENROLLMENTS);

  const stale = staleClouds(cloudList, now, cloudId);
  const noCloud = !!cloudList && cloudList.length === 0 && !perCloud;

  const title = perCloud ? (thisCloud ? `VMs of ${thisCloud.name}` : 'VMs of one cloud') : 'VMs';
  const sub = page.ready
    ? `${total.toLocaleString()} of ${(filtered ? (allTotal ?? total) : total).toLocaleString()} VMs`
    : undefined;

  const openRow = openKey ? rows.find((v) => v.key === openKey) : undefined;

  return (
    <div className="page fill vms" data-testid="vms-page">
      <PageHead title={title} sub={sub}>
        {perCloud && (
          <Link to="/vms" className="btn">
            All VMs
          </Link>
        )}
        <div className="vm-views" role="group" aria-label="View">
          <button type="button" className="btn small" aria-pressed={!grid} onClick={() => set({ view: 'list' })}>
            List
          </button>
          <button type="button" className="btn small" aria-pressed={grid} onClick={() => set({ view: 'grid' })}>
            Grid
          </button>
        </div>
      </PageHead>

      {stale.map((s) => (
        <div key={s.id} className="note warn vm-stale-banner" role="status" data-testid="stale-banner" title={s.lastSuccess}>
          {staleText(s)}
        </div>
      ))}

      <div className="filters" role="search">
        <label className="sr-only" htmlFor="vm-search">
          Search VMs
        </label>
        <input
          id="vm-search"
          type="search"
          className="search"
          aria-label="Search VMs"
          placeholder="Search by name, id, address, tag or node"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        <FacetSelect label="Provider" all="All providers" value={f.provider} options={providerOpts} onChange={(v) => set({ provider: v })} />
        {!perCloud && <FacetSelect label="Cloud" all="All clouds" value={f.cloud} options={cloudOpts} onChange={(v) => set({ cloud: v })} />}
        <FacetSelect label="Region" all="All regions" value={f.region} options={regionOpts} onChange={(v) => set({ region: v })} />
        <FacetSelect label="State" all="Any state" value={f.state} options={stateOpts} onChange={(v) => set({ state: v })} />
        <FacetSelect label="Enrollment" all="Any enrollment" value={f.enrollment} options={enrollOpts} onChange={(v) => set({ enrollment: v })} />
        <input
          type="text"
          className="vm-tag-filter"
          aria-label="Tag"
          placeholder="Tag (key=value)"
          value={tagText}
          onChange={(e) => setTagText(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        <select aria-label="Stale" value={f.stale} onChange={(e) => set({ stale: e.target.value as VMFilters['stale'] })}>
          <option value="">Fresh and stale</option>
          <option value="false">Fresh data only</option>
          <option value="true">Stale data only</option>
        </select>
        {filtered && (
          <button
            type="button"
            className="btn link"
            onClick={() => {
              pushedQ.current = '';
              pushedTag.current = '';
              setText('');
              setTagText('');
              setQuery(clearedQuery());
            }}
          >
            Clear filters
          </button>
        )}
      </div>

      {page.error && page.ready ? <ErrorNote error={page.error} /> : null}

      {!page.ready && page.error ? (
        <ErrorState error={page.error} onRetry={() => pager.retry()} />
      ) : !page.ready ? (
        <div className="loading">
          <Spinner label="Loading VMs" /> Loading VMs…
        </div>
      ) : total === 0 ? (
        <div className="empty vm-empty" data-testid="vm-empty">
          {filtered ? (
            'No VM matches these filters.'
          ) : noCloud ? (
            <>
              No cloud connected yet.{' '}
              {isAdmin ? <Link to="/clouds">Connect a cloud</Link> : <span className="muted">An admin can connect one on the Clouds page.</span>}
            </>
          ) : (
            'No VM in the inventory yet. The first sync may still be running.'
          )}
        </div>
      ) : grid ? (
        <div ref={wrapRef} className="vm-grid-wrap" role="list" aria-label="VMs" aria-busy={page.loading}>
          <VirtualList
            key={`g${qKey}`}
            items={items as number[]}
            rowHeight={CARD_ROW}
            overscan={2}
            className="vm-grid"
            listRole="presentation"
            rowRole="presentation"
            rowKey={(i) => i}
            onRange={onRange}
            renderRow={(i) => (
              <div className="vm-cards" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
                {Array.from({ length: Math.min(cols, total - i * cols) }, (_, j) => {
                  const vm = rows[i * cols + j];
                  return vm ? (
                    <VMCard key={vm.key} vm={vm} now={now} canOperate={canOperate} onOpen={openVM} onAction={onAction} />
                  ) : (
                    <div key={`p${j}`} className="vm-card placeholder" role="listitem" aria-busy="true" />
                  );
                })}
              </div>
            )}
          />
        </div>
      ) : (
        <div
          ref={wrapRef}
          className="table vm-table"
          role="table"
          aria-label="VMs"
          aria-rowcount={total + 1}
          aria-busy={page.loading}
        >
          <div className="thead" role="rowgroup">
            <div className="trow head" role="row" aria-rowindex={1}>
              {COLUMNS.map((c) => (
                <div key={c.label} role="columnheader" className={c.className} aria-sort={sortLabel(c.sort)}>
                  {c.sort ? (
                    <button type="button" className="sort" onClick={() => sortBy(c.sort!)}>
                      {c.label}
                      <span aria-hidden="true" className="sort-mark">
                        {f.sort === c.sort ? (f.dir === 'asc' ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </div>
              ))}
              <div role="columnheader" className="c-act">
                <span className="sr-only">Actions</span>
              </div>
            </div>
          </div>
          <VirtualList
            key={`l${qKey}`}
            items={items as (VM | null)[]}
            rowHeight={phone ? PHONE_ROW : LIST_ROW}
            className="tbody"
            rowKey={(vm, i) => (vm ? vm.key : `p${i}`)}
            rowProps={(vm) =>
              vm
                ? { 'data-testid': 'vm-row', 'data-vm-key': vm.key, 'data-state': vm.state, 'data-enrollment': vm.enrollment }
                : { 'data-placeholder': 'true', 'aria-busy': true }
            }
            onRange={onRange}
            renderRow={(vm) =>
              vm ? <VMRow vm={vm} now={now} canOperate={canOperate} onOpen={openVM} onAction={onAction} /> : <PlaceholderRow />
            }
          />
        </div>
      )}

      {openKey > 0 && (
        <VMDrawer
          key={openKey}
          vmKey={openKey}
          row={openRow}
          epoch={drawerEpoch}
          canOperate={canOperate}
          now={now}
          onClose={closeVM}
          onAction={onAction}
        />
      )}

      {action?.kind === 'power' && (
        <ConfirmDialog
          title={`${POWER_LABEL[action.action]} ${action.vm.name}?`}
          confirmLabel={`${POWER_LABEL[action.action]} VM`}
          danger={action.action !== 'start'}
          onClose={() => setAction(null)}
          onConfirm={async () => {
            const { vm, action: act } = action;
            try {
              const r = await powerVM(vm.key, act);
              if (r?.vm) pager.patch((v) => (v.key === vm.key ? { ...v, state: r.vm.state } : v));
              toast(`${POWER_LABEL[act]} requested for ${vm.name}`);
            } catch (err) {
              if (err instanceof ApiError && err.status === 409) {
                toast(err.detail || explain(err).message, 'error');
                return;
              }
              throw err;
            }
          }}
        >
          <p>{POWER_TEXT[action.action](action.vm.name)}</p>
          <p className="muted">
            {providerLabel(action.vm.provider)} · {action.vm.cloudName}
            {action.vm.region ? ` · ${action.vm.region}` : ''}
          </p>
        </ConfirmDialog>
      )}
      {action?.kind === 'enroll' && (
        <EnrollVMDialog
          vm={action.vm}
          onClose={() => setAction(null)}
          onChanged={(vm) => {
            pager.patch((v) => (v.key === vm.key ? vm : v));
            setDrawerEpoch((n) => n + 1);
          }}
        />
      )}
    </div>
  );
}

/** powerVM asks the VM's provider to start, stop or reboot it (202; the change arrives as vm.state). */
export async function powerVM(key: number, act: PowerAction): Promise<Schemas['PowerAccepted'] | undefined> {
  const opts = { path: { id: key } };
  let r: unknown;
  switch (act) {
    case 'start':
      r = await api.post('/api/v1/vms/{id}/start', opts);
      break;
    case 'stop':
      r = await api.post('/api/v1/vms/{id}/stop', opts);
      break;
    default:
      r = await api.post('/api/v1/vms/{id}/reboot', opts);
  }
  return r && typeof r === 'object' ? (r as Schemas['PowerAccepted']) : undefined;
}

function FacetSelect({
  label,
  all,
  value,
  options,
  onChange,
}: {
  label: string;
  all: string;
  value: string;
  options: { value: string; label: string; count: number }[];
  onChange: (v: string) => void;
}) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{all}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {optionText(o)}
        </option>
      ))}
    </select>
  );
}

/** vmMenu is a VM's row menu: power actions its state allows, and Enroll. */
export function vmMenu(vm: VM, onAction: OnVMAction): MenuItem[] {
  const items: MenuItem[] = powerActions(vm.state).map((a) => ({
    label: `${POWER_LABEL[a]}…`,
    onSelect: () => onAction('power', vm, a),
    danger: a === 'stop',
  }));
  if (canEnroll(vm)) items.push({ label: 'Enroll…', onSelect: () => onAction('enroll', vm) });
  return items;
}

interface RowProps {
  vm: VM;
  now: number;
  canOperate: boolean;
  onOpen: (key: number) => void;
  onAction: OnVMAction;
}

export function StateBadge({ state }: { state: string }) {
  return (
    <span className={`badge ${stateTone(state)} vm-state`} data-testid="vm-state">
      {state}
    </span>
  );
}

export function StaleBadge({ vm, now }: { vm: VM; now: number }) {
  if (!vm.stale) return null;
  return (
    <Badge tone="warn" title={`Last good data from ${ago(vm.lastSeen, now)}: its cloud's sync is failing`}>
      stale
    </Badge>
  );
}

function TailnetCell({ vm }: { vm: VM }) {
  return (
    <>
      <Badge tone={enrollmentTone(vm.enrollment)}>{enrollmentLabel(vm.enrollment)}</Badge>
      {vm.nodeName && <span className="vm-node" title={`Tailnet node ${vm.nodeName}`}>{vm.nodeName}</span>}
    </>
  );
}

const VMRow = memo(function VMRow({ vm, now, canOperate, onOpen, onAction }: RowProps) {
  const menu = canOperate ? vmMenu(vm, onAction) : [];
  const ip = vm.privateIps[0] ?? vm.publicIps[0];
  return (
    <>
      <div role="cell" className="c-name">
        <div className="stack">
          <button type="button" className="name-btn" onClick={() => onOpen(vm.key)} title="Show details">
            {vm.name}
          </button>
          <div className="owner">
            <span className="vm-id" title={vm.id}>
              {vm.id}
            </span>
            <StaleBadge vm={vm} now={now} />
            {vm.goneAt && <Badge tone="bad">gone</Badge>}
          </div>
        </div>
      </div>
      <div role="cell" className="c-state">
        <StateBadge state={vm.state} />
      </div>
      <div role="cell" className="c-cloud">
        <div className="stack">
          <span className="vm-provider">{providerLabel(vm.provider)}</span>
          <span className="muted vm-small">{vm.cloudName}</span>
        </div>
      </div>
      <div role="cell" className="c-region">
        <div className="stack">
          <span>{vm.region || <span className="muted">—</span>}</span>
          {(vm.zone || vm.host) && <span className="muted vm-small">{vm.zone || vm.host}</span>}
        </div>
      </div>
      <div role="cell" className="c-type">
        {specs(vm) || <span className="muted">—</span>}
      </div>
      <div role="cell" className="c-ips">
        {ip ? (
          <span className="addr">
            <code>{ip}</code>
            <CopyButton small text={ip} ariaLabel={`Copy address ${ip}`} />
            {vm.privateIps.length + vm.publicIps.length > 1 && (
              <span className="muted vm-small">+{vm.privateIps.length + vm.publicIps.length - 1}</span>
            )}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </div>
      <div role="cell" className="c-tailnet">
        <TailnetCell vm={vm} />
      </div>
      <div role="cell" className="c-act">
        {menu.length > 0 && <ActionMenu label={`Actions for ${vm.name}`} items={menu} />}
      </div>
    </>
  );
});

function PlaceholderRow() {
  return (
    <div role="cell" className="c-name vm-placeholder">
      <span className="vm-skeleton" />
      <span className="sr-only">Loading</span>
    </div>
  );
}

const VMCard = memo(function VMCard({ vm, now, canOperate, onOpen, onAction }: RowProps) {
  const menu = canOperate ? vmMenu(vm, onAction) : [];
  const ip = vm.privateIps[0] ?? vm.publicIps[0];
  return (
    <div
      className={`vm-card state-${vm.state}`}
      role="listitem"
      data-testid="vm-row"
      data-vm-key={vm.key}
      data-state={vm.state}
      data-enrollment={vm.enrollment}
    >
      <div className="vm-card-head">
        <button type="button" className="name-btn" onClick={() => onOpen(vm.key)} title="Show details">
          {vm.name}
        </button>
        {menu.length > 0 && <ActionMenu label={`Actions for ${vm.name}`} items={menu} />}
      </div>
      <div className="vm-card-line">
        <StateBadge state={vm.state} />
        <StaleBadge vm={vm} now={now} />
        {vm.goneAt && <Badge tone="bad">gone</Badge>}
      </div>
      <div className="vm-card-line muted vm-small">
        {providerLabel(vm.provider)} · {vm.cloudName}
        {vm.region ? ` · ${vm.region}` : ''}
      </div>
      <div className="vm-card-line vm-small">{specs(vm) || <span className="muted">No size known</span>}</div>
      <div className="vm-card-line vm-small">{ip ? <code>{ip}</code> : <span className="muted">No address</span>}</div>
      <div className="vm-card-line">
        <TailnetCell vm={vm} />
      </div>
    </div>
  );
});
