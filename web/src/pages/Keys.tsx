import { useEffect, useState, type FormEvent } from 'react';
import { api, type PreAuthKey } from '../api/client';
import { fieldErrors } from '../api/problem';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { CopyButton } from '../components/Copy';
import { Countdown } from '../components/Countdown';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { toast } from '../components/Toasts';
import { Badge, Empty, PageHead, Spinner } from '../components/ui';
import { dateTime, until } from '../lib/format';
import { useNow, useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link, setQuery, useLocation } from '../lib/router';
import { useCan } from '../lib/session';
import { KeyFields, defaultKeySpec, keyBody, type KeySpec } from './KeyForm';

type Pending = { kind: 'expire' | 'delete'; key: PreAuthKey } | { kind: 'create' } | null;

export function Keys() {
  const canEdit = useCan('operator');
  const { search } = useLocation();
  const showExpired = search.get('expired') === 'show';
  const res = useResource((signal) => api.get('/api/v1/preauthkeys', { signal }), []);
  const [pending, setPending] = useState<Pending>(null);
  const now = useNow(30_000);
  useEffect(() => {
    document.title = 'Keys · Neogenesys Console';
  }, []);

  useLive((e) => {
    const data = e.data as Partial<PreAuthKey> | undefined;
    if (e.type === 'resync') void res.reload();
    else if (e.type === 'preauthkey.created' && data?.id)
      res.setData((d) => (d && !d.preAuthKeys.some((k) => k.id === data.id) ? { preAuthKeys: [...d.preAuthKeys, data as PreAuthKey] } : d));
    else if (e.type === 'preauthkey.expired' && data?.id)
      res.setData((d) => d && { preAuthKeys: d.preAuthKeys.map((k) => (k.id === data.id ? { ...k, expired: true, expiration: new Date().toISOString() } : k)) });
    else if (e.type === 'preauthkey.deleted' && data?.id) res.setData((d) => d && { preAuthKeys: d.preAuthKeys.filter((k) => k.id !== data.id) });
  });

  const keys = [...(res.data?.preAuthKeys ?? [])].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const isExpired = (k: PreAuthKey) => k.expired || Date.parse(k.expiration) <= now;
  const visible = showExpired ? keys : keys.filter((k) => !isExpired(k));
  const hidden = keys.length - visible.length;

  return (
    <div className="page">
      <PageHead title="Pre-auth keys" sub="Keys let machines join without a login. Full keys are shown only once, when created.">
        {canEdit && (
          <>
            <Link to="/register" className="btn">
              Add a machine
            </Link>
            <button type="button" className="btn primary" onClick={() => setPending({ kind: 'create' })}>
              New key
            </button>
          </>
        )}
      </PageHead>
      <div className="filters">
        <label className="check">
          <input type="checkbox" checked={showExpired} onChange={(e) => setQuery({ expired: e.target.checked ? 'show' : undefined })} /> Show expired keys
          {!showExpired && hidden > 0 && <span className="muted"> ({hidden} hidden)</span>}
        </label>
      </div>
      {!res.data && res.error ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <div className="loading">
          <Spinner /> Loading keys…
        </div>
      ) : visible.length === 0 ? (
        <Empty>{keys.length ? 'Only expired keys exist.' : 'No pre-auth keys yet.'}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Owner</th>
                <th scope="col">Kind</th>
                <th scope="col">Expires</th>
                <th scope="col">Created</th>
                {canEdit && (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {visible.map((k) => {
                const exp = isExpired(k);
                return (
                  <tr key={k.id} className={exp ? 'dim' : undefined}>
                    <td data-label="Key">
                      <code>{k.key}</code>
                    </td>
                    <td data-label="Owner">{k.tags.length ? k.tags.map((t) => <span key={t} className="tag">{t}</span>) : k.user}</td>
                    <td data-label="Kind">
                      <span className="badges">
                        <Badge>{k.reusable ? 'Reusable' : 'Single use'}</Badge>
                        {k.ephemeral && <Badge tone="info">Ephemeral</Badge>}
                        {k.used && <Badge>Used</Badge>}
                      </span>
                    </td>
                    <td data-label="Expires">{exp ? <Badge tone="bad">Expired</Badge> : <span title={dateTime(k.expiration)}>{until(k.expiration, now)}</span>}</td>
                    <td data-label="Created">{dateTime(k.createdAt)}</td>
                    {canEdit && (
                      <td className="actions">
                        {!exp && (
                          <button type="button" className="btn small" onClick={() => setPending({ kind: 'expire', key: k })}>
                            Expire
                          </button>
                        )}
                        <button type="button" className="btn small danger-outline" onClick={() => setPending({ kind: 'delete', key: k })}>
                          Delete
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {pending?.kind === 'create' && <CreateKeyDialog onClose={() => setPending(null)} onCreated={(k) => res.setData((d) => d && (d.preAuthKeys.some((x) => x.id === k.id) ? d : { preAuthKeys: [...d.preAuthKeys, { ...k, key: maskKey(k.key) }] }))} />}
      {pending?.kind === 'expire' && (
        <ConfirmDialog
          title="Expire this key?"
          confirmLabel="Expire key"
          danger
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await api.post('/api/v1/preauthkeys/{id}/expire', { path: { id: pending.key.id } });
            res.setData((d) => d && { preAuthKeys: d.preAuthKeys.map((k) => (k.id === pending.key.id ? { ...k, expired: true } : k)) });
            toast('Key expired');
          }}
        >
          <p>
            <code>{pending.key.key}</code> can no longer enroll machines. Machines that joined with it stay.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete this key?"
          confirmLabel="Delete key"
          danger
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await api.del('/api/v1/preauthkeys/{id}', { path: { id: pending.key.id } });
            res.setData((d) => d && { preAuthKeys: d.preAuthKeys.filter((k) => k.id !== pending.key.id) });
            toast('Key deleted');
          }}
        >
          <p>
            <code>{pending.key.key}</code> is deleted. Machines that joined with it stay.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

export function maskKey(k: string): string {
  const keep = 'hskey-auth-'.length + 6;
  return k.length <= keep ? k : `${k.slice(0, keep)}…`;
}

function CreateKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (k: PreAuthKey) => void }) {
  const [spec, setSpec] = useState<KeySpec>(defaultKeySpec);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [formError, setFormError] = useState('');
  const [created, setCreated] = useState<{ key: PreAuthKey; linux?: string } | null>(null);
  const users = useResource((signal) => api.get('/api/v1/users', { signal }), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const b = keyBody(spec);
    if (!b.ok) {
      setFormError(b.error);
      return;
    }
    setFormError('');
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post('/api/v1/preauthkeys', { body: b.body });
      setCreated({ key: r.preAuthKey, linux: r.installCommands.find((c) => c.os === 'linux')?.command });
      onCreated(r.preAuthKey);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (created) {
    return (
      <Dialog
        title="Key created"
        onClose={onClose}
        wide
        footer={
          <button type="button" className="btn primary" onClick={onClose} data-autofocus>
            Done
          </button>
        }
      >
        <p className="muted">Copy it now: the full key is not shown again.</p>
        <div className="secret">
          <code data-testid="new-key">{created.key.key}</code>
          <CopyButton text={created.key.key} label="Copy key" />
        </div>
        <p className="meta">
          <Countdown at={created.key.expiration} />
        </p>
        {created.linux && (
          <>
            <h3>Linux</h3>
            <div className="command">
              <pre>
                <code>{created.linux}</code>
              </pre>
              <CopyButton text={created.linux} label="Copy command" />
            </div>
          </>
        )}
      </Dialog>
    );
  }
  return (
    <Dialog
      title="New pre-auth key"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="key-form" className="btn primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </>
      }
    >
      <form id="key-form" onSubmit={submit}>
        <KeyFields spec={spec} onChange={setSpec} users={users.data?.users ?? (users.error ? [] : undefined)} errors={fieldErrors(error)} />
      </form>
      {formError && (
        <div className="note error" role="alert">
          {formError}
        </div>
      )}
      <ErrorNote error={error} />
    </Dialog>
  );
}
