import { useEffect, useState, type FormEvent } from 'react';
import { api, type Account, type Role, type Token } from '../api/client';
import { fieldErrors } from '../api/problem';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { CopyButton } from '../components/Copy';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { toast } from '../components/Toasts';
import { Badge, Dot, Empty, Field, PageHead, Spinner } from '../components/ui';
import { ago, dateTime } from '../lib/format';
import { useResource } from '../lib/hooks';
import { checkHealth, useHealth } from '../lib/health';
import { setQuery, useLocation } from '../lib/router';
import { useCan, useSession } from '../lib/session';
import { HeadscaleSettingsForm } from './HeadscaleSettings';

type Tab = 'tokens' | 'accounts' | 'headscale';

export function Settings() {
  const isAdmin = useCan('admin');
  const { search } = useLocation();
  const tabs: { id: Tab; label: string }[] = [
    { id: 'headscale', label: 'Headscale' },
    { id: 'tokens', label: 'API tokens' },
    ...(isAdmin ? [{ id: 'accounts' as Tab, label: 'Console accounts' }] : []),
  ];
  const asked = search.get('tab') as Tab | null;
  const tab: Tab = tabs.some((t) => t.id === asked) ? (asked as Tab) : 'headscale';
  useEffect(() => {
    document.title = 'Settings · Neogenesys Console';
  }, []);
  return (
    <div className="page">
      <PageHead title="Settings" />
      <nav className="tabs page-tabs" aria-label="Settings sections">
        {tabs.map((t) => (
          <a
            key={t.id}
            href={`/settings?tab=${t.id}`}
            aria-current={t.id === tab ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              setQuery({ tab: t.id }, { replace: false });
            }}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {tab === 'tokens' && <Tokens />}
      {tab === 'accounts' && isAdmin && <Accounts />}
      {tab === 'headscale' && <HeadscaleTab />}
    </div>
  );
}

// ---- Headscale connection and settings ----

function HeadscaleTab() {
  const h = useHealth();
  useEffect(() => {
    void checkHealth();
  }, []);
  const st = h.status;
  const c = st?.connection;
  return (
    <>
      <section className="card" aria-labelledby="hs-conn">
        <div className="card-head">
          <h2 id="hs-conn">Connection</h2>
          <button type="button" className="btn small" onClick={() => void checkHealth()} disabled={h.checking}>
            {h.checking ? 'Checking…' : 'Check now'}
          </button>
        </div>
        {!c ? (
          <div className="loading">
            <Spinner /> Asking Headscale…
          </div>
        ) : (
          <dl className="details">
            <div>
              <dt>Health</dt>
              <dd>
                <Dot on={!h.down} label={h.down ? 'Not answering' : 'Healthy'} />{' '}
                {h.down ? <span className="bad-text">{h.detail || 'not answering'}</span> : <span className="ok-text">Healthy</span>}
              </dd>
            </div>
            <div>
              <dt>Mode</dt>
              <dd>{c.mode === 'managed' ? 'Managed (the console runs Headscale)' : 'External (an existing Headscale)'}</dd>
            </div>
            <div>
              <dt>Login server</dt>
              <dd>
                <code>{c.loginServer}</code> <CopyButton small text={c.loginServer} ariaLabel="Copy login server URL" />
              </dd>
            </div>
            <div>
              <dt>API address</dt>
              <dd>
                <code>{c.address}</code>
              </dd>
            </div>
            {c.managed && (
              <>
                <div>
                  <dt>Process</dt>
                  <dd>
                    <Badge tone={c.managed.state === 'running' ? 'ok' : 'warn'}>{c.managed.state}</Badge>
                    {c.managed.pid ? <span className="muted"> pid {c.managed.pid}</span> : null} · since {ago(c.managed.since)}
                  </dd>
                </div>
                <div>
                  <dt>Restarts</dt>
                  <dd>{c.managed.restarts}</dd>
                </div>
                {c.managed.lastError && (
                  <div>
                    <dt>Last error</dt>
                    <dd className="mono">{c.managed.lastError}</dd>
                  </div>
                )}
              </>
            )}
          </dl>
        )}
      </section>
      <HeadscaleSettingsForm />
    </>
  );
}

// ---- API tokens ----

const TOKEN_EXPIRY = [
  { value: '720h', label: '30 days' },
  { value: '2160h', label: '90 days' },
  { value: '8760h', label: '1 year' },
  { value: '', label: 'Never' },
];

function Tokens() {
  const isAdmin = useCan('admin');
  // Viewers see their tokens but change nothing (the read-only role shows no controls).
  const canEdit = useCan('operator');
  const { search } = useLocation();
  const all = isAdmin && search.get('all') === 'true';
  const res = useResource((signal) => api.get('/api/v1/tokens', { signal, query: all ? { all: true } : {} }), [all]);
  const accounts = useResource((signal) => (isAdmin ? api.get('/api/v1/accounts', { signal }) : Promise.resolve({ accounts: [] as Account[] })), [isAdmin]);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const names = new Map((accounts.data?.accounts ?? []).map((a) => [a.id, a.username]));
  const tokens = [...(res.data?.tokens ?? [])].sort((a, b) => Number(!!a.revokedAt) - Number(!!b.revokedAt) || Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return (
    <section className="card" aria-labelledby="tokens-title">
      <div className="card-head">
        <h2 id="tokens-title">API tokens</h2>
        <div className="row">
          {isAdmin && (
            <label className="check">
              <input type="checkbox" checked={all} onChange={(e) => setQuery({ all: e.target.checked ? 'true' : undefined })} /> Every account’s tokens
            </label>
          )}
          {canEdit && (
            <button type="button" className="btn primary" onClick={() => setCreating(true)}>
              New token
            </button>
          )}
        </div>
      </div>
      <p className="muted">
        Scripts and the CLI send a token as <code>Authorization: Bearer nct_…</code>. A token acts with its account’s role.
      </p>
      {!res.data && res.error ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <div className="loading">
          <Spinner /> Loading tokens…
        </div>
      ) : tokens.length === 0 ? (
        <Empty>No API tokens.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Token</th>
                {all && <th scope="col">Account</th>}
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                {canEdit && (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => {
                const expired = !!t.expiresAt && Date.parse(t.expiresAt) <= Date.now();
                return (
                  <tr key={t.id} className={t.revokedAt || expired ? 'dim' : undefined}>
                    <td data-label="Name">
                      {t.name} {t.revokedAt && <Badge tone="bad">Revoked</Badge>}
                      {!t.revokedAt && expired && <Badge tone="bad">Expired</Badge>}
                    </td>
                    <td data-label="Token">
                      <code>{t.prefix}…</code>
                    </td>
                    {all && <td data-label="Account">{names.get(t.userId) ?? `#${t.userId}`}</td>}
                    <td data-label="Created">{dateTime(t.createdAt)}</td>
                    <td data-label="Expires">{t.expiresAt ? dateTime(t.expiresAt) : 'Never'}</td>
                    <td data-label="Last used">{t.lastUsedAt ? ago(t.lastUsedAt) : 'Never'}</td>
                    {canEdit && (
                      <td className="actions">
                        {!t.revokedAt && (
                          <button type="button" className="btn small danger-outline" onClick={() => setRevoking(t)}>
                            Revoke
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreateTokenDialog onClose={() => setCreating(false)} onCreated={() => void res.reload()} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke the token “${revoking.name}”?`}
          confirmLabel="Revoke token"
          danger
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api.del('/api/v1/tokens/{id}', { path: { id: revoking.id } });
            void res.reload();
            toast('Token revoked');
          }}
        >
          <p>
            Scripts using <code>{revoking.prefix}…</code> stop working at once.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function CreateTokenDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [expiresIn, setExpiresIn] = useState('2160h');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [secret, setSecret] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post('/api/v1/tokens', { body: { name: name.trim(), expiresIn: expiresIn || undefined } });
      setSecret(r.token);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (secret) {
    return (
      <Dialog
        title="Token created"
        onClose={onClose}
        footer={
          <button type="button" className="btn primary" onClick={onClose} data-autofocus>
            Done
          </button>
        }
      >
        <p className="muted">Copy it now: it is not shown again.</p>
        <div className="secret">
          <code data-testid="new-token">{secret}</code>
          <CopyButton text={secret} label="Copy token" />
        </div>
      </Dialog>
    );
  }
  const fe = fieldErrors(error);
  return (
    <Dialog
      title="New API token"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="token-form" className="btn primary" disabled={busy || !name.trim()}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </>
      }
    >
      <form id="token-form" onSubmit={submit}>
        <Field label="Name" error={fe.name} hint="What uses it, e.g. “backup script” or “laptop CLI”.">
          {(p) => <input {...p} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} data-autofocus />}
        </Field>
        <Field label="Expires after" error={fe.expiresIn}>
          {(p) => (
            <select {...p} value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)}>
              {TOKEN_EXPIRY.map((x) => (
                <option key={x.label} value={x.value}>
                  {x.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      <ErrorNote error={error} />
    </Dialog>
  );
}

// ---- Console accounts (admins) ----

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

type AccountAction = { kind: 'create' } | { kind: 'password' | 'delete'; account: Account } | null;

function Accounts() {
  const me = useSession().me?.user;
  const res = useResource((signal) => api.get('/api/v1/accounts', { signal }), []);
  const [action, setAction] = useState<AccountAction>(null);
  const [rowError, setRowError] = useState<unknown>(undefined);
  const accounts = [...(res.data?.accounts ?? [])].sort((a, b) => a.username.localeCompare(b.username));
  const update = async (a: Account, body: { role?: Role; disabled?: boolean }) => {
    setRowError(undefined);
    try {
      const r = await api.patch('/api/v1/accounts/{id}', { path: { id: a.id }, body });
      res.setData((d) => d && { accounts: d.accounts.map((x) => (x.id === a.id ? r.account : x)) });
      toast(body.role ? `${a.username} is now ${body.role}` : body.disabled ? `${a.username} disabled` : `${a.username} enabled`);
    } catch (err) {
      setRowError(err);
    }
  };
  return (
    <section className="card" aria-labelledby="accounts-title">
      <div className="card-head">
        <h2 id="accounts-title">Console accounts</h2>
        <button type="button" className="btn primary" onClick={() => setAction({ kind: 'create' })}>
          New account
        </button>
      </div>
      <p className="muted">People who sign in to this console. Viewers read; operators also enroll and change machines; admins also manage users, policy, accounts and settings.</p>
      <ErrorNote error={rowError} />
      {!res.data && res.error ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <div className="loading">
          <Spinner /> Loading accounts…
        </div>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((a) => (
                <tr key={a.id} className={a.disabled ? 'dim' : undefined}>
                  <td data-label="Username">
                    <strong>{a.username}</strong> {a.id === me?.id && <span className="muted">(you)</span>}
                  </td>
                  <td data-label="Role">
                    {a.id === me?.id ? (
                      <span className="role">{a.role}</span>
                    ) : (
                      <select aria-label={`Role of ${a.username}`} value={a.role} onChange={(e) => void update(a, { role: e.target.value as Role })}>
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                  <td data-label="Status">{a.disabled ? <Badge tone="bad">Disabled</Badge> : <Badge tone="ok">Active</Badge>}</td>
                  <td data-label="Created">{dateTime(a.createdAt)}</td>
                  <td className="actions">
                    {a.id !== me?.id && (
                      <button type="button" className="btn small" onClick={() => void update(a, { disabled: !a.disabled })}>
                        {a.disabled ? 'Enable' : 'Disable'}
                      </button>
                    )}
                    <button type="button" className="btn small" onClick={() => setAction({ kind: 'password', account: a })}>
                      Set password
                    </button>
                    {a.id !== me?.id && (
                      <button type="button" className="btn small danger-outline" onClick={() => setAction({ kind: 'delete', account: a })}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {action?.kind === 'create' && <CreateAccountDialog onClose={() => setAction(null)} onCreated={() => void res.reload()} />}
      {action?.kind === 'password' && <PasswordDialog account={action.account} onClose={() => setAction(null)} />}
      {action?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete the account ${action.account.username}?`}
          confirmLabel="Delete account"
          danger
          onClose={() => setAction(null)}
          onConfirm={async () => {
            await api.del('/api/v1/accounts/{id}', { path: { id: action.account.id } });
            res.setData((d) => d && { accounts: d.accounts.filter((x) => x.id !== action.account.id) });
            toast(`Account ${action.account.username} deleted`);
          }}
        >
          <p>Its sessions and API tokens end at once. The audit log keeps what it did.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function CreateAccountDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [generated, setGenerated] = useState<{ username: string; password: string } | null>(null);
  const short = password !== '' && password.length < 10;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (short) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post('/api/v1/accounts', { body: { username: username.trim(), role, password: password || undefined } });
      onCreated();
      if (r.password) setGenerated({ username: r.account.username, password: r.password });
      else {
        toast(`Account ${r.account.username} created`);
        onClose();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (generated) {
    return (
      <Dialog
        title="Account created"
        onClose={onClose}
        footer={
          <button type="button" className="btn primary" onClick={onClose} data-autofocus>
            Done
          </button>
        }
      >
        <p>
          <strong>{generated.username}</strong> signs in with this password. Pass it on now: it is not shown again.
        </p>
        <div className="secret">
          <code>{generated.password}</code>
          <CopyButton text={generated.password} label="Copy password" />
        </div>
      </Dialog>
    );
  }
  const fe = fieldErrors(error);
  return (
    <Dialog
      title="New console account"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="account-form" className="btn primary" disabled={busy || !username.trim() || short}>
            {busy ? 'Creating…' : 'Create account'}
          </button>
        </>
      }
    >
      <form id="account-form" onSubmit={submit}>
        <Field label="Username" error={fe.username}>
          {(p) => <input {...p} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" data-autofocus />}
        </Field>
        <Field label="Role" error={fe.role}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Password" error={fe.password ?? (short ? 'At least 10 characters.' : undefined)} hint="Leave empty to generate one.">
          {(p) => <input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
      </form>
      <ErrorNote error={error} />
    </Dialog>
  );
}

function PasswordDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const short = password.length < 10;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (short) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.patch('/api/v1/accounts/{id}', { path: { id: account.id }, body: { password } });
      toast(`Password of ${account.username} changed`);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Set the password of ${account.username}`}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="pw-form" className="btn primary" disabled={busy || short}>
            {busy ? 'Saving…' : 'Set password'}
          </button>
        </>
      }
    >
      <form id="pw-form" onSubmit={submit}>
        <Field label="New password" error={fieldErrors(error).password ?? (password && short ? 'At least 10 characters.' : undefined)} hint="Their sessions end; they sign in again with it.">
          {(p) => <input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} data-autofocus />}
        </Field>
      </form>
      <ErrorNote error={error} />
    </Dialog>
  );
}
