// The cloud accounts: a card per account with its sync status (live while a
// sync runs), VM count, regions and last error; admins add, sync, test,
// edit and remove accounts.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { explain } from '../api/problem';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { ActionMenu, type MenuItem } from '../components/Menu';
import { toast } from '../components/Toasts';
import { Badge, PageHead, Spinner } from '../components/ui';
import {
  cloudStatus,
  duration,
  kindTitle,
  KIND_SHORT,
  KIND_TITLES,
  useKinds,
  type CloudAccount,
  type CloudCheck,
  type CloudKind,
  type CloudStatus,
} from '../lib/cloudKinds';
import { ago, dateTime, plural } from '../lib/format';
import { useNow, useResource } from '../lib/hooks';
import { useLive, type LiveEvent } from '../lib/live';
import { Link, navigate } from '../lib/router';
import { useCan } from '../lib/session';
import './clouds.css';

/** The outcome of the last sync seen live (sync.finished). */
export interface LastRun {
  vms: number;
  tookMs: number;
  error?: string;
}

export interface CloudsLive {
  clouds: CloudAccount[];
  /** VMs listed so far by a running sync (sync.progress). */
  listed: Record<number, number>;
  /** The last sync that finished while the page was open. */
  runs: Record<number, LastRun>;
}

type D = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * applyCloudEvent folds one live event into the page's state; it returns the
 * state unchanged (the same object) for events that are not about clouds.
 */
export function applyCloudEvent(s: CloudsLive, e: LiveEvent): CloudsLive {
  const d = (e.data ?? {}) as D;
  const time = e.time || new Date().toISOString();
  const id = num(d.cloudId);
  const patchSync = (f: (c: CloudAccount) => CloudAccount['sync']): CloudAccount[] =>
    s.clouds.map((c) => (c.id === id ? { ...c, sync: f(c) } : c));
  switch (e.type) {
    case 'cloud.created': {
      const a = d as unknown as CloudAccount;
      if (!a.id || s.clouds.some((c) => c.id === a.id)) return s;
      return { ...s, clouds: [...s.clouds, a].sort((x, y) => x.name.localeCompare(y.name)) };
    }
    case 'cloud.updated': {
      const a = d as unknown as CloudAccount;
      if (!s.clouds.some((c) => c.id === a.id)) return s;
      return { ...s, clouds: s.clouds.map((c) => (c.id === a.id ? { ...c, ...a, sync: a.sync ?? c.sync } : c)) };
    }
    case 'cloud.deleted': {
      const gone = num(d.id);
      if (!s.clouds.some((c) => c.id === gone)) return s;
      return { ...s, clouds: s.clouds.filter((c) => c.id !== gone) };
    }
    case 'sync.started': {
      if (!s.clouds.some((c) => c.id === id)) return s;
      const listed = { ...s.listed };
      delete listed[id];
      return { ...s, listed, clouds: patchSync((c) => ({ ...c.sync, cloudId: id, syncing: true, lastStart: time })) };
    }
    case 'sync.progress': {
      if (!s.clouds.some((c) => c.id === id)) return s;
      return {
        ...s,
        listed: { ...s.listed, [id]: num(d.vms) },
        clouds: patchSync((c) => (c.sync?.syncing ? c.sync : { ...c.sync, cloudId: id, syncing: true, lastStart: c.sync?.lastStart ?? time })),
      };
    }
    case 'sync.finished': {
      if (!s.clouds.some((c) => c.id === id)) return s;
      const error = str(d.error);
      const listed = { ...s.listed };
      delete listed[id];
      return {
        ...s,
        listed,
        runs: { ...s.runs, [id]: { vms: num(d.vms), tookMs: num(d.tookMs), error: error || undefined } },
        clouds: patchSync((c) =>
          error
            ? { ...c.sync, cloudId: id, syncing: false, lastEnd: time, error, errorAt: time, stale: d.stale === true }
            : { ...c.sync, cloudId: id, syncing: false, lastEnd: time, lastSuccess: time, vms: num(d.vms), error: undefined, errorAt: undefined, stale: false },
        ),
      };
    }
  }
  return s;
}

const STATUS_LABEL: Record<CloudStatus, { text: string; tone: 'ok' | 'warn' | 'bad' | 'info' | 'neutral' }> = {
  ok: { text: 'Connected', tone: 'ok' },
  syncing: { text: 'Syncing', tone: 'info' },
  stale: { text: 'Stale', tone: 'warn' },
  error: { text: 'Failing', tone: 'bad' },
  never: { text: 'Not synced yet', tone: 'neutral' },
};

interface CheckState {
  busy: boolean;
  result?: CloudCheck;
  error?: unknown;
}

/** RELOAD_AFTER_MS: after a sync finishes the list is fetched again (regions, exact counts), once per burst. */
export const RELOAD_AFTER_MS = 500;

export function Clouds() {
  const isAdmin = useCan('admin');
  const canSync = useCan('operator'); // POST /api/v1/clouds/{id}/sync is an operator's
  const { kinds } = useKinds();
  const [listed, setListed] = useState<Record<number, number>>({});
  const [runs, setRuns] = useState<Record<number, LastRun>>({});
  const [checks, setChecks] = useState<Record<number, CheckState>>({});
  const [choosing, setChoosing] = useState(false);
  const [removing, setRemoving] = useState<CloudAccount | null>(null);
  const res = useResource(async (signal) => (await api.get('/api/v1/clouds', { signal })).clouds, []);
  const { data: clouds, setData, reload } = res;

  useEffect(() => {
    document.title = 'Clouds · Neogenesys Console';
  }, []);

  // Live: fold events into the cards; a finished sync also refetches (regions, counts).
  const state = useRef<CloudsLive>({ clouds: [], listed, runs });
  state.current = { clouds: clouds ?? [], listed, runs };
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const later = useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void reload();
    }, RELOAD_AFTER_MS);
  }, [reload]);
  useLive((e) => {
    if (e.type === 'resync') {
      void reload();
      return;
    }
    if (!clouds) return;
    const next = applyCloudEvent(state.current, e);
    if (next === state.current) return;
    if (next.clouds !== state.current.clouds) setData(() => next.clouds);
    if (next.listed !== state.current.listed) setListed(next.listed);
    if (next.runs !== state.current.runs) setRuns(next.runs);
    state.current = next;
    if (e.type === 'sync.finished' || e.type === 'cloud.created') later();
  });

  const syncing = !!clouds?.some((c) => c.sync?.syncing);
  const now = useNow(syncing ? 1000 : 30_000);

  const syncNow = async (c: CloudAccount) => {
    try {
      await api.post('/api/v1/clouds/{id}/sync', { path: { id: c.id } });
      toast(`Syncing ${c.name}…`);
    } catch (err) {
      toast(`Could not sync ${c.name}: ${explain(err).message}`, 'error');
    }
  };
  const check = async (c: CloudAccount) => {
    setChecks((m) => ({ ...m, [c.id]: { busy: true } }));
    try {
      const result = await api.post('/api/v1/clouds/{id}/check', { path: { id: c.id } });
      setChecks((m) => ({ ...m, [c.id]: { busy: false, result } }));
    } catch (error) {
      setChecks((m) => ({ ...m, [c.id]: { busy: false, error } }));
    }
  };

  const totalVMs = (clouds ?? []).reduce((n, c) => n + (c.sync?.vms ?? 0), 0);

  return (
    <div className="page clouds">
      <PageHead
        title="Clouds"
        sub={clouds ? `${plural(clouds.length, 'cloud account')} · ${plural(totalVMs, 'VM')}` : undefined}
      >
        {isAdmin && (
          <button type="button" className="btn primary" data-testid="add-cloud" onClick={() => setChoosing(true)}>
            Add cloud
          </button>
        )}
      </PageHead>

      {clouds && res.error ? <ErrorNote error={res.error} /> : null}
      {!clouds && res.error ? (
        <ErrorState error={res.error} onRetry={() => void reload()} />
      ) : !clouds ? (
        <div className="loading">
          <Spinner label="Loading clouds" /> Loading cloud accounts…
        </div>
      ) : clouds.length === 0 ? (
        <div className="empty cloud-empty">
          <p>No cloud accounts yet. Connect one to see its VMs here.</p>
          {isAdmin && (
            <button type="button" className="btn primary" onClick={() => setChoosing(true)}>
              Add the first cloud
            </button>
          )}
        </div>
      ) : (
        <div className="cloud-grid">
          {clouds.map((c) => (
            <CloudCard
              key={c.id}
              cloud={c}
              kinds={kinds}
              now={now}
              listed={listed[c.id]}
              run={runs[c.id]}
              check={checks[c.id]}
              isAdmin={isAdmin}
              canSync={canSync}
              onSync={() => void syncNow(c)}
              onCheck={() => void check(c)}
              onRemove={() => setRemoving(c)}
            />
          ))}
        </div>
      )}

      {choosing && <KindChooser kinds={kinds} onClose={() => setChoosing(false)} />}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove cloud"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.del('/api/v1/clouds/{id}', { path: { id: removing.id } });
            setData((l) => l?.filter((c) => c.id !== removing.id));
            toast(`${removing.name} was removed`);
          }}
        >
          <p>
            The console stops reading <strong>{removing.name}</strong> ({kindTitle(removing.kind, kinds)}) and forgets its stored
            credentials. Its {plural(removing.sync?.vms ?? 0, 'VM')} leave the inventory; the VMs themselves keep running in the
            cloud, and machines already in the tailnet stay there.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

export function KindLogo({ kind, title }: { kind: string; title: string }) {
  return (
    <span className={`kind-logo kind-${kind}`} title={title} aria-hidden="true">
      {KIND_SHORT[kind] ?? kind.slice(0, 3).toUpperCase()}
    </span>
  );
}

/** KindChooser offers the five kinds; each goes to the add form for it. */
export function KindChooser({ kinds, onClose }: { kinds?: CloudKind[]; onClose: () => void }) {
  const list = kinds?.length ? kinds.map((k) => ({ name: k.name, title: k.title })) : Object.entries(KIND_TITLES).map(([name, title]) => ({ name, title }));
  return (
    <Dialog title="Add a cloud" onClose={onClose} wide>
      <p className="muted">Which kind of cloud? The next page asks for its connection details.</p>
      <div className="kind-choices">
        {list.map((k) => (
          <Link key={k.name} to={`/clouds/new?kind=${k.name}`} className="kind-choice" data-testid="kind-choice" data-kind={k.name} onClick={onClose}>
            <KindLogo kind={k.name} title={k.title} />
            <span>{k.title}</span>
          </Link>
        ))}
      </div>
    </Dialog>
  );
}

interface CardProps {
  cloud: CloudAccount;
  kinds?: CloudKind[];
  now: number;
  listed?: number;
  run?: LastRun;
  check?: CheckState;
  isAdmin: boolean;
  /** Operators may sync; only admins change accounts. */
  canSync: boolean;
  onSync: () => void;
  onCheck: () => void;
  onRemove: () => void;
}

function regionsText(c: CloudAccount, check?: CheckState): { text: string; title?: string } | null {
  const r = c.sync?.regions;
  if (r && r.length) {
    const head = r.slice(0, 3).join(', ');
    return { text: r.length > 3 ? `${head} +${r.length - 3}` : head, title: r.join(', ') };
  }
  if (check?.result?.ok) return { text: plural(check.result.regionCount, 'region'), title: check.result.regions?.join(', ') };
  return null;
}

export function CloudCard({ cloud: c, kinds, now, listed, run, check, isAdmin, canSync, onSync, onCheck, onRemove }: CardProps) {
  const s = c.sync;
  const status = cloudStatus(s);
  const title = kindTitle(c.kind, kinds);
  const headId = `cloud-${c.id}-name`;
  const regions = regionsText(c, check);
  const items: MenuItem[] = [];
  if (canSync) items.push({ label: 'Sync now', onSelect: onSync, disabled: !!s?.syncing });
  if (isAdmin)
    items.push(
      { label: 'Test connection', onSelect: onCheck, disabled: !!check?.busy },
      { label: 'Edit…', onSelect: () => navigate(`/clouds/${c.id}/edit`) },
      { label: 'Remove…', onSelect: onRemove, danger: true },
    );
  const elapsed = s?.lastStart ? Math.max(0, Math.round((now - Date.parse(s.lastStart)) / 1000)) : 0;
  return (
    <article className={`cloud-card status-${status}`} data-testid="cloud-card" data-cloud-id={c.id} data-status={status} aria-labelledby={headId}>
      <header className="cloud-head">
        <KindLogo kind={c.kind} title={title} />
        <div className="cloud-title">
          <h2 id={headId}>{c.name}</h2>
          <div className="muted">{title}</div>
        </div>
        <Badge tone={STATUS_LABEL[status].tone}>{STATUS_LABEL[status].text}</Badge>
        {items.length > 0 && <ActionMenu label={`Actions for ${c.name}`} items={items} />}
      </header>

      <dl className="cloud-facts">
        <div>
          <dt>VMs</dt>
          <dd>
            <Link to={`/clouds/${c.id}/vms`} data-testid="cloud-vms">
              {plural(s?.vms ?? 0, 'VM')}
            </Link>
          </dd>
        </div>
        <div>
          <dt>Regions</dt>
          <dd data-testid="cloud-regions" title={regions?.title}>
            {regions ? regions.text : <span className="muted">—</span>}
          </dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd data-testid="cloud-sync" aria-live="polite">
            {s?.syncing ? (
              <span className="syncing">
                <Spinner label="Syncing" /> Syncing… {elapsed > 0 && `${elapsed} s`}
                {listed !== undefined && `, ${plural(listed, 'VM')} listed`}
              </span>
            ) : s?.lastEnd ? (
              <span title={dateTime(s.lastEnd)}>{ago(s.lastEnd, now)}</span>
            ) : (
              <span className="muted">Never</span>
            )}
            {!s?.syncing && run && (
              <div className="muted cloud-run">
                {run.error ? 'Last run failed' : `${plural(run.vms, 'VM')} in ${duration(run.tookMs)}`}
              </div>
            )}
          </dd>
        </div>
      </dl>

      {s?.error && (
        <div className="note error cloud-error" data-testid="cloud-error" role="status">
          {(status === 'stale' || s.stale) && (
            <div className="cloud-stale">
              <Badge tone="warn">Stale</Badge>{' '}
              {s.lastSuccess ? (
                <span title={dateTime(s.lastSuccess)}>showing data from {ago(s.lastSuccess, now)}</span>
              ) : (
                'showing the last data it had'
              )}
            </div>
          )}
          <div className="cloud-error-text">
            {s.errorAt && (
              <span className="muted" title={dateTime(s.errorAt)}>
                {ago(s.errorAt, now)}:{' '}
              </span>
            )}
            {s.error}
          </div>
        </div>
      )}

      {!s?.error && s?.partial && (
        <div className="note warn" data-testid="cloud-partial">
          Part of the last listing failed: {s.partial}
        </div>
      )}

      {check && <CheckResult check={check} />}
    </article>
  );
}

/** CheckResult shows a connection test: running, its identity and regions, or its error. */
export function CheckResult({ check }: { check: CheckState }) {
  if (check.busy)
    return (
      <div className="note cloud-check" data-testid="cloud-check" role="status">
        <Spinner label="Testing" /> Testing the connection…
      </div>
    );
  if (check.error) return <ErrorNote error={check.error} className="cloud-check" />;
  const r = check.result;
  if (!r) return null;
  return <CheckNote result={r} />;
}

export function CheckNote({ result: r }: { result: CloudCheck }) {
  return r.ok ? (
    <div className="note ok cloud-check" data-testid="cloud-check" data-ok="true" role="status">
      <strong>Connected</strong>
      {r.identity && (
        <>
          {' '}
          as <code>{r.identity}</code>
        </>
      )}
      {' · '}
      <span title={r.regions?.join(', ')}>{plural(r.regionCount, 'region')}</span> · {duration(r.tookMs)}
    </div>
  ) : (
    <div className="note error cloud-check" data-testid="cloud-check" data-ok="false" role="status">
      <strong>Connection failed{r.errorKind ? ` (${r.errorKind})` : ''}.</strong> {r.error} <span className="muted">· {duration(r.tookMs)}</span>
    </div>
  );
}
