// Enrolling an inventory VM into the tailnet: who owns the node (a user or
// tags), its hostname, then POST /api/v1/vms/{key}/enroll. The answer says
// whether the install ran in the guest, was scheduled (at next boot), or must
// be run by hand (commands per OS and a one-time install link). The dialog
// then waits for the VM to show up online as a tailnet node.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, type Schemas } from '../api/client';
import { fieldErrors } from '../api/problem';
import { CopyButton } from '../components/Copy';
import { Countdown } from '../components/Countdown';
import { Dialog } from '../components/Dialog';
import { ErrorNote } from '../components/ErrorNote';
import { Field, Spinner } from '../components/ui';
import { useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import { parseTags } from './Logins';
import { hostnameFor, type VM } from './vmQuery';

type EnrollResult = Schemas['EnrollVMResponse'];

/** POLL_MS is how often the dialog asks for the VM while it waits (live events also trigger a look). */
export const POLL_MS = 3000;

/** enrollOutcome sums up what the enroll answer says happened in the guest. */
export function enrollOutcome(r: Pick<EnrollResult, 'exec'>): { kind: 'ran' | 'failed' | 'scheduled' | 'manual'; text: string } {
  const x = r.exec;
  if (x?.ran) {
    const code = x.exitCode ?? 0;
    return code === 0
      ? { kind: 'ran', text: `Installed in the guest (exit ${code})` }
      : { kind: 'failed', text: `Installed in the guest (exit ${code}): the install failed; run it by hand below` };
  }
  if (x?.scheduled) return { kind: 'scheduled', text: x.reason || 'The install is scheduled in the guest.' };
  if (x?.error) return { kind: 'manual', text: `The install could not run in the guest: ${x.error}. Run it by hand:` };
  if (x?.reason) return { kind: 'manual', text: `${x.reason} Run the install by hand:` };
  return { kind: 'manual', text: 'Run one of these in the VM to install Tailscale and join the tailnet:' };
}

interface Props {
  vm: VM;
  onClose: () => void;
  /** The VM changed (enrolled, matched to its node). */
  onChanged?: (vm: VM) => void;
}

export function EnrollVMDialog({ vm: initial, onClose, onChanged }: Props) {
  const users = useResource((signal) => api.get('/api/v1/users', { signal }), []);
  const userList = users.data?.users;
  const [owner, setOwner] = useState<'user' | 'tags'>('user');
  const [user, setUser] = useState('');
  const [tagText, setTagText] = useState('');
  const [hostname, setHostname] = useState('');
  const [run, setRun] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<EnrollResult | null>(null);
  const [vm, setVM] = useState<VM>(initial);

  // Until one is chosen, the console's default user (or the first one).
  const chosenUser = user || (userList ? (userList.find((u) => u.name === 'default')?.name ?? userList[0]?.name ?? '') : '');

  const { bad } = parseTags(tagText);
  const errs = fieldErrors(error);
  const connected = vm.enrollment === 'enrolled-online';
  const nodeName = vm.nodeName || result?.hostname || vm.name;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Schemas['EnrollVMRequest'] = { run };
    if (owner === 'user') {
      body.user = chosenUser.trim() || 'default';
    } else {
      const t = parseTags(tagText);
      if (t.bad.length || !t.tags.length) {
        setError(new Error(t.bad.length ? `Not a tag: ${t.bad.join(', ')}` : 'Give at least one tag.'));
        return;
      }
      body.tags = t.tags;
    }
    if (hostname.trim()) body.hostname = hostname.trim();
    setBusy(true);
    setError(undefined);
    try {
      const r = (await api.post('/api/v1/vms/{id}/enroll', { path: { id: initial.key }, body })) as EnrollResult;
      setResult(r);
      if (r.vm) {
        setVM(r.vm);
        onChanged?.(r.vm);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  // Waiting: look at the VM on live events and every few seconds until it is online.
  const waiting = !!result && !connected;
  const lookTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const look = useRef<() => void>(() => undefined);
  look.current = () => {
    api
      .get('/api/v1/vms/{id}', { path: { id: initial.key } })
      .then((r) => {
        setVM(r.vm);
        if (r.vm.enrollment !== vm.enrollment || r.vm.nodeName !== vm.nodeName) onChanged?.(r.vm);
      })
      .catch(() => undefined);
  };
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => look.current(), POLL_MS);
    return () => clearInterval(t);
  }, [waiting]);
  useEffect(() => () => clearTimeout(lookTimer.current), []);
  useLive((e) => {
    if (!waiting) return;
    if (e.type === 'vm.enroll' || e.type === 'vm.inventory' || e.type.startsWith('node.') || e.type === 'resync') {
      clearTimeout(lookTimer.current);
      lookTimer.current = setTimeout(() => look.current(), 300);
    }
  });

  const outcome = result ? enrollOutcome(result) : null;

  return (
    <Dialog
      title={`Enroll ${initial.name}`}
      onClose={onClose}
      busy={busy}
      wide
      footer={
        result ? (
          <button type="button" className="btn primary" onClick={onClose}>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="submit" form="enroll-vm-form" className="btn primary" disabled={busy}>
              {busy ? 'Enrolling…' : 'Enroll'}
            </button>
          </>
        )
      }
    >
      {!result ? (
        <form id="enroll-vm-form" onSubmit={submit} noValidate>
          <p className="muted">
            Mints a single-use key linked to this VM. Where its provider can run commands in the guest, the console installs Tailscale
            there; otherwise you get the commands to run.
          </p>
          <fieldset>
            <legend>Owner</legend>
            <div className="segmented">
              <label className="check">
                <input type="radio" name="enroll-owner" checked={owner === 'user'} onChange={() => setOwner('user')} /> A user
              </label>
              <label className="check">
                <input type="radio" name="enroll-owner" checked={owner === 'tags'} onChange={() => setOwner('tags')} /> Tags
              </label>
            </div>
            {owner === 'user' ? (
              <Field label="User" error={errs.user} hint={userList && !userList.length ? 'The default user is created on first use.' : undefined}>
                {(p) =>
                  userList?.length ? (
                    <select {...p} value={chosenUser} onChange={(e) => setUser(e.target.value)}>
                      {userList.map((u) => (
                        <option key={u.id} value={u.name}>
                          {u.displayName ? `${u.name} (${u.displayName})` : u.name}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input {...p} value={user} placeholder="default" autoComplete="off" onChange={(e) => setUser(e.target.value)} />
                  )
                }
              </Field>
            ) : (
              <Field
                label="Tags"
                error={errs.tags ?? (bad.length ? `Not a tag: ${bad.join(', ')}` : undefined)}
                hint="Comma-separated, e.g. tag:web. Tags must be defined in the policy’s tagOwners."
              >
                {(p) => <input {...p} value={tagText} placeholder="tag:web" autoComplete="off" spellCheck={false} onChange={(e) => setTagText(e.target.value)} />}
              </Field>
            )}
          </fieldset>
          <Field label="Hostname" error={errs.hostname} hint="The node’s name in the tailnet.">
            {(p) => (
              <input
                {...p}
                value={hostname}
                placeholder={hostnameFor(initial.name)}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => setHostname(e.target.value)}
              />
            )}
          </Field>
          <label className="check">
            <input type="checkbox" checked={run} onChange={(e) => setRun(e.target.checked)} />
            <span>
              Install in the guest <span className="muted">— where the provider can run commands in the VM</span>
            </span>
          </label>
          <ErrorNote error={error} />
        </form>
      ) : (
        <div className="enroll-result" data-testid="enroll-result">
          <p>
            Key for <strong>{result.hostname}</strong> · <Countdown at={result.expiresAt} label="Key expires in" />
          </p>
          {outcome && (
            <div className={`note ${outcome.kind === 'ran' ? 'ok' : outcome.kind === 'failed' ? 'error' : outcome.kind === 'scheduled' ? '' : 'warn'}`} role="status">
              {outcome.text}
            </div>
          )}
          {result.exec?.ran && (result.exec.stdout || result.exec.stderr) && (
            <details className="enroll-output">
              <summary>Output of the install</summary>
              {result.exec.stdout && (
                <>
                  <h4>stdout</h4>
                  <pre>{result.exec.stdout}</pre>
                </>
              )}
              {result.exec.stderr && (
                <>
                  <h4>stderr</h4>
                  <pre>{result.exec.stderr}</pre>
                </>
              )}
            </details>
          )}
          {outcome && outcome.kind !== 'ran' && (
            <ManualInstall result={result} collapsed={outcome.kind === 'scheduled'} />
          )}
          <div className="waiting enroll-wait" role="status" aria-live="polite">
            {connected ? (
              <span data-testid="enroll-connected" className="ok-text">
                ✓ Connected as <strong>{nodeName}</strong> —{' '}
                <Link to={`/machines?q=${encodeURIComponent(nodeName)}`} onClick={onClose}>
                  show in Machines
                </Link>
              </span>
            ) : vm.enrollment === 'enrolled-offline' ? (
              <>
                <Spinner label="Waiting" /> Matched to the node <strong>{vm.nodeName}</strong>, waiting for it to come online…
              </>
            ) : (
              <>
                <Spinner label="Waiting" /> Waiting for {result.hostname} to join the tailnet…
              </>
            )}
          </div>
        </div>
      )}
    </Dialog>
  );
}

function ManualInstall({ result, collapsed }: { result: EnrollResult; collapsed: boolean }) {
  const body = (
    <>
      {result.installCommand && (
        <>
          <h4>One-time install command</h4>
          <div className="command">
            <pre>
              <code data-testid="install-command">{result.installCommand}</code>
            </pre>
            <CopyButton text={result.installCommand} label="Copy command" ariaLabel="Copy the install command" />
          </div>
        </>
      )}
      {result.installCommands.map((c) => (
        <div key={c.os}>
          <h4>{c.label}</h4>
          <div className="command">
            <pre data-os={c.os}>
              <code>{c.command}</code>
            </pre>
            <CopyButton text={c.command} label="Copy" ariaLabel={`Copy the ${c.label} command`} />
          </div>
        </div>
      ))}
    </>
  );
  return collapsed ? (
    <details className="enroll-manual">
      <summary>Install by hand instead</summary>
      {body}
    </details>
  ) : (
    <div className="enroll-manual">{body}</div>
  );
}
