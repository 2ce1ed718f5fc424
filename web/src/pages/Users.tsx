import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, type TailnetUser } from '../api/client';
import { fieldErrors } from '../api/problem';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { toast } from '../components/Toasts';
import { Empty, Field, PageHead, Spinner } from '../components/ui';
import { dateTime } from '../lib/format';
import { useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { ensureNodes, useNodes } from '../lib/nodes';
import { Link } from '../lib/router';
import { useCan } from '../lib/session';

const USER_RE = /^[a-zA-Z][a-zA-Z0-9._@-]{1,62}$/;

type Pending = { kind: 'create' } | { kind: 'rename' | 'delete'; user: TailnetUser } | null;

export function Users() {
  const isAdmin = useCan('admin');
  const res = useResource((signal) => api.get('/api/v1/users', { signal }), []);
  const { nodes } = useNodes();
  const [pending, setPending] = useState<Pending>(null);
  useEffect(() => {
    document.title = 'Users · Neogenesys Console';
    ensureNodes();
  }, []);
  useLive((e) => {
    const u = e.data as Partial<TailnetUser> | undefined;
    if (e.type === 'resync') void res.reload();
    else if ((e.type === 'user.created' || e.type === 'user.renamed') && u?.id)
      res.setData((d) => d && { users: d.users.some((x) => x.id === u.id) ? d.users.map((x) => (x.id === u.id ? (u as TailnetUser) : x)) : [...d.users, u as TailnetUser] });
    else if (e.type === 'user.deleted' && u?.id) res.setData((d) => d && { users: d.users.filter((x) => x.id !== u.id) });
  });
  const counts = useMemo(() => {
    const m = new Map<string, number>();
    for (const n of nodes ?? []) if (!n.tags.length) m.set(n.user, (m.get(n.user) ?? 0) + 1);
    return m;
  }, [nodes]);
  const users = [...(res.data?.users ?? [])].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <div className="page">
      <PageHead title="Users" sub="Tailnet users own machines. They are Headscale’s users, not console accounts (see Settings).">
        {isAdmin && (
          <button type="button" className="btn primary" onClick={() => setPending({ kind: 'create' })}>
            New user
          </button>
        )}
      </PageHead>
      {!res.data && res.error ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <div className="loading">
          <Spinner /> Loading users…
        </div>
      ) : users.length === 0 ? (
        <Empty>No tailnet users yet. The default user is created when the first key is minted.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Display name</th>
                <th scope="col">Email</th>
                <th scope="col">Machines</th>
                <th scope="col">Created</th>
                {isAdmin && (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td data-label="Name">
                    <strong>{u.name}</strong>
                  </td>
                  <td data-label="Display name">{u.displayName || <span className="muted">—</span>}</td>
                  <td data-label="Email">{u.email || <span className="muted">—</span>}</td>
                  <td data-label="Machines">
                    <Link to={`/machines?user=${encodeURIComponent(u.name)}`}>{nodes ? (counts.get(u.name) ?? 0) : '…'}</Link>
                  </td>
                  <td data-label="Created">{dateTime(u.createdAt)}</td>
                  {isAdmin && (
                    <td className="actions">
                      <button type="button" className="btn small" onClick={() => setPending({ kind: 'rename', user: u })}>
                        Rename
                      </button>
                      <button type="button" className="btn small danger-outline" onClick={() => setPending({ kind: 'delete', user: u })}>
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending?.kind === 'create' && (
        <UserDialog
          onClose={() => setPending(null)}
          onDone={(u) => {
            res.setData((d) => d && { users: [...d.users, u] });
            toast(`User ${u.name} created`);
          }}
        />
      )}
      {pending?.kind === 'rename' && (
        <UserDialog
          user={pending.user}
          onClose={() => setPending(null)}
          onDone={(u) => {
            res.setData((d) => d && { users: d.users.map((x) => (x.id === u.id ? u : x)) });
            toast(`Renamed to ${u.name}`);
          }}
        />
      )}
      {pending?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete user ${pending.user.name}?`}
          confirmLabel="Delete user"
          danger
          onClose={() => setPending(null)}
          onConfirm={async () => {
            await api.del('/api/v1/users/{id}', { path: { id: pending.user.id } });
            res.setData((d) => d && { users: d.users.filter((x) => x.id !== pending.user.id) });
            toast(`User ${pending.user.name} deleted`);
          }}
        >
          <p>
            Headscale refuses to delete a user who still owns machines or keys
            {counts.get(pending.user.name) ? ` (${pending.user.name} owns ${counts.get(pending.user.name)})` : ''}: revoke those first.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function UserDialog({ user, onClose, onDone }: { user?: TailnetUser; onClose: () => void; onDone: (u: TailnetUser) => void }) {
  const [name, setName] = useState(user?.name ?? '');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const valid = USER_RE.test(name);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = user
        ? await api.post('/api/v1/users/{id}/rename', { path: { id: user.id }, body: { name } })
        : await api.post('/api/v1/users', { body: { name, displayName: displayName || undefined, email: email || undefined } });
      onDone(r.user);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const fe = fieldErrors(error);
  return (
    <Dialog
      title={user ? `Rename ${user.name}` : 'New tailnet user'}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="user-form" className="btn primary" disabled={busy || !valid || (!!user && name === user.name)}>
            {busy ? 'Saving…' : user ? 'Rename' : 'Create user'}
          </button>
        </>
      }
    >
      <form id="user-form" onSubmit={submit}>
        <Field label="Name" error={fe.name ?? (name && !valid ? 'Starts with a letter; letters, digits, “.”, “_”, “@”, “-”; 2 to 63 characters.' : undefined)}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} data-autofocus />}
        </Field>
        {!user && (
          <>
            <Field label="Display name" error={fe.displayName}>
              {(p) => <input {...p} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
            </Field>
            <Field label="Email" error={fe.email}>
              {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
          </>
        )}
      </form>
      <ErrorNote error={error} />
    </Dialog>
  );
}
