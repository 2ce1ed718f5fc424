import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, queryString, type AuditEntry } from '../api/client';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { Badge, Empty, PageHead, Spinner } from '../components/ui';
import { dateTime, fromLocalInput, toLocalInput } from '../lib/format';
import { useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { setQuery, useLocation } from '../lib/router';

export interface AuditFilters {
  user: string;
  action: string;
  target: string;
  since: string; // RFC 3339
  until: string;
}

export function readAuditFilters(sp: URLSearchParams): AuditFilters {
  return {
    user: sp.get('user') ?? '',
    action: sp.get('action') ?? '',
    target: sp.get('target') ?? '',
    since: sp.get('since') ?? '',
    until: sp.get('until') ?? '',
  };
}

/** exportHref is the download link for the filtered trail. */
export function exportHref(format: 'csv' | 'json', f: AuditFilters): string {
  return '/api/v1/audit/export' + queryString({ format, ...f });
}

const PAGE = 100;

export function Audit() {
  const { search } = useLocation();
  const f = readAuditFilters(search);
  const key = JSON.stringify(f);
  const [draft, setDraft] = useState(f);
  const [older, setOlder] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [moreBusy, setMoreBusy] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const [open, setOpen] = useState<number | null>(null);

  useEffect(() => {
    document.title = 'Audit log · Neogenesys Console';
  }, []);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setDraft(f), [key]);

  const res = useResource(
    async (signal) => {
      const r = await api.get('/api/v1/audit', {
        signal,
        query: { user: f.user || undefined, action: f.action || undefined, target: f.target || undefined, since: f.since || undefined, until: f.until || undefined, limit: PAGE },
      });
      setOlder([]);
      setNext(r.nextBefore);
      return r;
    },
    [key],
  );

  // Changes elsewhere add entries: reload the newest page (not while reading older ones).
  const pendingReload = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(pendingReload.current), []);
  useLive((e) => {
    if (older.length || e.type === 'node.online' || e.type === 'node.offline') return;
    clearTimeout(pendingReload.current);
    pendingReload.current = setTimeout(() => void res.reload(), 800);
  });

  const loadOlder = async () => {
    if (!next) return;
    setMoreBusy(true);
    setMoreError(undefined);
    try {
      const r = await api.get('/api/v1/audit', {
        query: { user: f.user || undefined, action: f.action || undefined, target: f.target || undefined, since: f.since || undefined, until: f.until || undefined, limit: PAGE, before: next },
      });
      setOlder((o) => [...o, ...r.entries]);
      setNext(r.nextBefore);
    } catch (err) {
      setMoreError(err);
    } finally {
      setMoreBusy(false);
    }
  };

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ user: draft.user.trim(), action: draft.action.trim(), target: draft.target.trim(), since: draft.since, until: draft.until }, { replace: false });
  };
  const entries = [...(res.data?.entries ?? []), ...older];
  const any = Object.values(f).some(Boolean);

  return (
    <div className="page">
      <PageHead title="Audit log" sub="Every change and sign-in, newest first.">
        <a className="btn" href={exportHref('csv', f)} download>
          Export CSV
        </a>
        <a className="btn" href={exportHref('json', f)} download>
          Export JSON
        </a>
      </PageHead>
      <form className="filters audit-filters" onSubmit={apply} aria-label="Filter the audit log">
        <label>
          <span>User</span>
          <input value={draft.user} onChange={(e) => setDraft({ ...draft, user: e.target.value })} placeholder="alice" />
        </label>
        <label>
          <span>Action</span>
          <input value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} placeholder="node.rename" list="audit-actions" />
          <datalist id="audit-actions">
            {['auth.login', 'auth.logout', 'node.rename', 'node.tags', 'node.routes', 'node.exit_node', 'node.expire', 'node.disable_expiry', 'node.delete', 'login.approve', 'login.reject', 'preauthkey.create', 'preauthkey.expire', 'preauthkey.delete', 'user.create', 'user.rename', 'user.delete', 'policy.set', 'account.create', 'account.update', 'account.delete', 'token.create', 'token.revoke', 'headscale.settings'].map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label>
          <span>Target</span>
          <input value={draft.target} onChange={(e) => setDraft({ ...draft, target: e.target.value })} placeholder="node:12" />
        </label>
        <label>
          <span>From</span>
          <input type="datetime-local" value={toLocalInput(draft.since)} onChange={(e) => setDraft({ ...draft, since: fromLocalInput(e.target.value) })} />
        </label>
        <label>
          <span>To</span>
          <input type="datetime-local" value={toLocalInput(draft.until)} onChange={(e) => setDraft({ ...draft, until: fromLocalInput(e.target.value) })} />
        </label>
        <div className="filter-buttons">
          <button type="submit" className="btn primary">
            Apply
          </button>
          {any && (
            <button type="button" className="btn link" onClick={() => setQuery({ user: '', action: '', target: '', since: '', until: '' }, { replace: false })}>
              Clear
            </button>
          )}
          <button type="button" className="btn" onClick={() => void res.reload()} disabled={res.loading}>
            Refresh
          </button>
        </div>
      </form>
      {!res.data && res.error ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <div className="loading">
          <Spinner /> Loading the audit log…
        </div>
      ) : entries.length === 0 ? (
        <Empty>{any ? 'No entries match these filters.' : 'Nothing recorded yet.'}</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="grid audit">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">User</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Source</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td data-label="Time">{dateTime(e.time)}</td>
                    <td data-label="User">
                      {e.user}
                      {e.role && <span className="muted"> · {e.role}</span>}
                    </td>
                    <td data-label="Action">
                      <code>{e.action}</code>
                    </td>
                    <td data-label="Target">{e.target ? <code>{e.target}</code> : <span className="muted">—</span>}</td>
                    <td data-label="Outcome">
                      <Badge tone={e.outcome === 'success' ? 'ok' : 'bad'}>{e.outcome}</Badge>
                    </td>
                    <td data-label="Source">{e.sourceIp}</td>
                    <td data-label="Detail" className="detail-cell">
                      {e.detail ? (
                        open === e.id ? (
                          <>
                            <pre className="detail">{pretty(e.detail)}</pre>
                            <button type="button" className="btn link" onClick={() => setOpen(null)}>
                              Hide
                            </button>
                          </>
                        ) : (
                          <button type="button" className="btn link" onClick={() => setOpen(e.id)} aria-label={`Show detail of entry ${e.id}`}>
                            Show
                          </button>
                        )
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ErrorNote error={moreError} />
          {next && (
            <div className="more">
              <button type="button" className="btn" onClick={loadOlder} disabled={moreBusy}>
                {moreBusy ? 'Loading…' : 'Load older entries'}
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function pretty(detail: string): string {
  try {
    return JSON.stringify(JSON.parse(detail), null, 2);
  } catch {
    return detail;
  }
}
