import { useEffect, useState, type FormEvent } from 'react';
import { api, type Node } from '../api/client';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNote } from '../components/ErrorNote';
import { toast } from '../components/Toasts';
import { Field, PageHead } from '../components/ui';
import { useResource } from '../lib/hooks';
import { Link, navigate } from '../lib/router';
import { useCan } from '../lib/session';
import { TAG_RE } from './NodeDialogs';

const AUTH_ID = /^[A-Za-z0-9_-]{8,128}$/;

/** parseAuthId takes what `tailscale up` printed (a URL ending in /register/<id>) or the bare id. */
export function parseAuthId(input: string): string | null {
  let s = input.trim();
  if (!s) return null;
  try {
    if (/^https?:\/\//i.test(s)) s = new URL(s).pathname;
  } catch {
    return null;
  }
  s = s.replace(/\/+$/, '');
  const i = s.lastIndexOf('/');
  if (i >= 0) s = s.slice(i + 1);
  return AUTH_ID.test(s) ? s : null;
}

export function parseTags(input: string): { tags: string[]; bad: string[] } {
  const parts = input
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => (t.startsWith('tag:') ? t : `tag:${t}`));
  return { tags: [...new Set(parts.filter((t) => TAG_RE.test(t)))], bad: parts.filter((t) => !TAG_RE.test(t)) };
}

export function Logins({ authId: initial }: { authId?: string }) {
  const canEdit = useCan('operator');
  const [input, setInput] = useState(initial ?? '');
  const [owner, setOwner] = useState<'user' | 'tags'>('user');
  const [user, setUser] = useState('');
  const [tagText, setTagText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<Node | null>(null);
  const [confirmReject, setConfirmReject] = useState(false);
  const users = useResource((signal) => api.get('/api/v1/users', { signal }), []);

  useEffect(() => {
    document.title = 'Pending logins · Neogenesys Console';
  }, []);
  useEffect(() => {
    if (initial) setInput(initial);
  }, [initial]);
  useEffect(() => {
    const list = users.data?.users ?? [];
    if (!user && list.length) setUser(list.find((u) => u.name === 'default')?.name ?? list[0].name);
  }, [users.data, user]);

  const authId = parseAuthId(input);
  const { tags, bad } = parseTags(tagText);
  const ready = !!authId && (owner === 'user' ? !!user : tags.length > 0 && bad.length === 0);

  const approve = async (e: FormEvent) => {
    e.preventDefault();
    if (!authId || !ready) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post('/api/v1/logins/{authId}/approve', {
        path: { authId },
        body: owner === 'user' ? { user } : { tags },
      });
      setDone(r.node);
      setInput('');
      toast(`${r.node.name} joined the tailnet`);
      if (initial) navigate('/logins', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!canEdit) {
    return (
      <div className="page narrow">
        <PageHead title="Pending logins" />
        <div className="note">Approving machines that wait to join needs the operator or admin role.</div>
      </div>
    );
  }

  return (
    <div className="page narrow">
      <PageHead
        title="Pending logins"
        sub="A machine that ran tailscale up --login-server … without a key waits at a URL ending in /register/<id>. Approve it here."
      />
      {done && (
        <div className="note ok" role="status">
          <strong>{done.name}</strong> ({done.ipAddresses.join(', ') || 'no address yet'}) joined the tailnet.{' '}
          <Link to={`/machines?q=${encodeURIComponent(done.name)}`}>Show it in Machines</Link>
        </div>
      )}
      <form className="card form" onSubmit={approve}>
        <Field
          label="Login URL or ID"
          error={input && !authId ? 'Paste the URL tailscale printed (…/register/<id>) or just the id.' : undefined}
          hint={authId ? <>Auth ID: <code>{authId}</code></> : 'For example http://hs.example.com:8080/register/AbCdEf123456'}
        >
          {(p) => <input {...p} value={input} onChange={(e) => setInput(e.target.value)} autoComplete="off" spellCheck={false} autoFocus={!initial} />}
        </Field>
        <fieldset>
          <legend>Approve for</legend>
          <div className="segmented">
            <label className="check">
              <input type="radio" name="owner" checked={owner === 'user'} onChange={() => setOwner('user')} /> A user
            </label>
            <label className="check">
              <input type="radio" name="owner" checked={owner === 'tags'} onChange={() => setOwner('tags')} /> Tags
            </label>
          </div>
          {owner === 'user' ? (
            <Field label="User" error={users.error ? 'Could not load the tailnet users.' : undefined}>
              {(p) => (
                <select {...p} value={user} onChange={(e) => setUser(e.target.value)}>
                  {(users.data?.users ?? []).map((u) => (
                    <option key={u.id} value={u.name}>
                      {u.displayName ? `${u.name} (${u.displayName})` : u.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <Field
              label="Tags"
              hint="Comma-separated, e.g. tag:web, tag:prod. They must be defined in the policy’s tagOwners."
              error={bad.length ? `Not a tag: ${bad.join(', ')}` : undefined}
            >
              {(p) => <input {...p} value={tagText} onChange={(e) => setTagText(e.target.value)} placeholder="tag:web" autoComplete="off" spellCheck={false} />}
            </Field>
          )}
        </fieldset>
        <ErrorNote error={error} />
        <div className="form-actions">
          <button type="button" className="btn danger-outline" disabled={!authId || busy} onClick={() => setConfirmReject(true)}>
            Reject
          </button>
          <button type="submit" className="btn primary" disabled={!ready || busy}>
            {busy ? 'Approving…' : 'Approve'}
          </button>
        </div>
      </form>
      {confirmReject && authId && (
        <ConfirmDialog
          title="Reject this login?"
          confirmLabel="Reject"
          danger
          onClose={() => setConfirmReject(false)}
          onConfirm={async () => {
            await api.post('/api/v1/logins/{authId}/reject', { path: { authId } });
            setInput('');
            toast('Login rejected');
          }}
        >
          <p>
            The machine waiting with ID <code>{authId}</code> is turned away. It can try again with <code>tailscale up</code>.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
