import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { explain, fieldErrors } from '../api/problem';
import { ErrorNote } from '../components/ErrorNote';
import { Field } from '../components/ui';
import { navigate, useLocation } from '../lib/router';
import { runSetup, safeNext, signIn, useSession } from '../lib/session';

export function SignIn() {
  const s = useSession();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  useEffect(() => {
    document.title = s.setupNeeded ? 'Set up · Neogenesys Console' : 'Sign in · Neogenesys Console';
  }, [s.setupNeeded]);
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <div className="brand big">
          <span className="logo" aria-hidden="true" />
          Neogenesys Console
        </div>
        {s.setupNeeded ? <SetupForm next={next} /> : <SignInForm next={next} expired={!!s.expired} />}
      </div>
    </main>
  );
}

function SignInForm({ next, expired }: { next: string; expired: boolean }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const bad = error instanceof ApiError && error.status === 401;
  return (
    <form onSubmit={submit} aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      {expired && !error && (
        <div className="note warn" role="status">
          Your session has expired. Sign in again to continue where you left off.
        </div>
      )}
      <Field label="Username">
        {(p) => <input {...p} name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />}
      </Field>
      <Field label="Password">
        {(p) => (
          <input {...p} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        )}
      </Field>
      {bad ? (
        <div className="note error" role="alert">
          <strong>Wrong username or password.</strong> Check both and try again.
        </div>
      ) : (
        <ErrorNote error={error} />
      )}
      <button type="submit" className="btn primary block" disabled={busy || !username || !password}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function SetupForm({ next }: { next: string }) {
  const [token, setToken] = useState('');
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const mismatch = confirm !== '' && confirm !== password;
  const short = password !== '' && password.length < 10;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch || short) return;
    setBusy(true);
    setError(undefined);
    try {
      await runSetup(token.trim(), username.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const fe = fieldErrors(error);
  const tokenBad = error instanceof ApiError && (error.code === 'invalid_setup_token' || error.status === 401);
  return (
    <form onSubmit={submit} aria-labelledby="setup-title">
      <h1 id="setup-title">Create the first admin</h1>
      <p className="muted">
        No admin account exists yet. The console printed a one-time <strong>setup token</strong> in its log when it started; paste it here
        to create the first admin account.
      </p>
      <Field label="Setup token" error={fe.setupToken ?? (tokenBad ? 'This setup token is not valid. Copy it again from the console’s log.' : undefined)}>
        {(p) => <input {...p} value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} required autoFocus />}
      </Field>
      <Field label="Username" error={fe.username}>
        {(p) => <input {...p} value={username} autoComplete="username" onChange={(e) => setUsername(e.target.value)} required />}
      </Field>
      <Field label="Password" error={fe.password ?? (short ? 'At least 10 characters.' : undefined)}>
        {(p) => <input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
      </Field>
      <Field label="Repeat the password" error={mismatch ? 'The passwords differ.' : undefined}>
        {(p) => <input {...p} type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required />}
      </Field>
      {error instanceof ApiError && error.status === 409 ? (
        <div className="note warn" role="alert">
          An admin account exists already. <a href="/signin">Sign in</a> instead.
        </div>
      ) : !tokenBad && Object.keys(fe).length === 0 ? (
        <ErrorNote error={error} />
      ) : tokenBad ? null : (
        <div className="note error" role="alert">
          {explain(error).message}
        </div>
      )}
      <button type="submit" className="btn primary block" disabled={busy || !token || !username || !password || mismatch || short}>
        {busy ? 'Creating…' : 'Create admin and sign in'}
      </button>
    </form>
  );
}
