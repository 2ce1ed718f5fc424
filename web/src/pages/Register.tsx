import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, type InstallCommand, type Node, type PreAuthKey } from '../api/client';
import { fieldErrors } from '../api/problem';
import { CopyButton } from '../components/Copy';
import { Countdown } from '../components/Countdown';
import { ErrorNote } from '../components/ErrorNote';
import { Field, PageHead, Spinner } from '../components/ui';
import { useResource } from '../lib/hooks';
import { ensureNodes, useNodes } from '../lib/nodes';
import { Link } from '../lib/router';
import { useCan } from '../lib/session';
import { useLiveState } from '../lib/live';
import { KeyFields, defaultKeySpec, keyBody, type KeySpec } from './KeyForm';
import { DNS_LABEL } from './NodeDialogs';

/**
 * withHostname adds --hostname=NAME to the commands the API wrote for a key
 * (POST /api/v1/preauthkeys takes no machine name) and names the LXD container.
 * name is a validated DNS label, so it needs no quoting.
 */
export function withHostname(cmds: InstallCommand[], key: string, name: string): InstallCommand[] {
  if (!name) return cmds;
  return cmds.map((c) => {
    if (c.command.includes('--hostname=')) return c;
    let command = c.command.split(`--authkey=${key}`).join(`--authkey=${key} --hostname=${name}`);
    if (c.os === 'lxd') command = command.split('<container>').join(name);
    return { ...c, command };
  });
}

/** findEnrolled is the node that came with this key (or has the chosen name). */
export function findEnrolled(nodes: readonly Node[] | null, keyId: number, name: string, since: number): Node | undefined {
  if (!nodes) return undefined;
  return (
    nodes.find((n) => n.preAuthKeyId === keyId) ??
    (name ? nodes.find((n) => (n.name === name || n.hostname === name) && Date.parse(n.createdAt) >= since - 60_000) : undefined)
  );
}

interface Minted {
  key: PreAuthKey;
  commands: InstallCommand[];
  name: string;
  at: number;
}

export function Register() {
  const canEdit = useCan('operator');
  const [minted, setMinted] = useState<Minted | null>(null);
  useEffect(() => {
    document.title = 'Add a machine · Neogenesys Console';
    ensureNodes();
  }, []);
  const { nodes } = useNodes();
  const enrolled = minted ? findEnrolled(nodes, minted.key.id, minted.name, minted.at) : undefined;
  const step = !minted ? 1 : enrolled ? 3 : 2;

  if (!canEdit) {
    return (
      <div className="page narrow">
        <PageHead title="Add a machine" />
        <div className="note">Adding machines needs the operator or admin role.</div>
      </div>
    );
  }

  return (
    <div className="page narrow">
      <PageHead title="Add a machine" sub="Mint a key, run one command on the machine, and watch it join." />
      <ol className="stepper" aria-label="Steps">
        {['Details', 'Install', 'Connected'].map((label, i) => (
          <li key={label} className={step === i + 1 ? 'current' : step > i + 1 ? 'done' : ''} aria-current={step === i + 1 ? 'step' : undefined}>
            <span className="num">{step > i + 1 ? '✓' : i + 1}</span> {label}
          </li>
        ))}
      </ol>
      {step === 1 && <DetailsStep onMinted={setMinted} />}
      {minted && step === 2 && <InstallStep minted={minted} />}
      {minted && enrolled && <ConnectedStep node={enrolled} minted={minted} onAnother={() => setMinted(null)} />}
    </div>
  );
}

function DetailsStep({ onMinted }: { onMinted: (m: Minted) => void }) {
  const [name, setName] = useState('');
  const [spec, setSpec] = useState<KeySpec>(defaultKeySpec);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [formError, setFormError] = useState('');
  const users = useResource((signal) => api.get('/api/v1/users', { signal }), []);
  const nameOk = name === '' || DNS_LABEL.test(name);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const b = keyBody(spec);
    if (!b.ok) {
      setFormError(b.error);
      return;
    }
    if (!nameOk) return;
    setFormError('');
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post('/api/v1/preauthkeys', { body: b.body });
      onMinted({ key: r.preAuthKey, commands: withHostname(r.installCommands, r.preAuthKey.key, name), name, at: Date.now() });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const fe = fieldErrors(error);
  return (
    <form className="card form" onSubmit={submit} aria-label="Machine details">
      <Field
        label="Machine name"
        error={fe.name ?? (nameOk ? undefined : 'Lowercase letters, digits and “-”, at most 63, not starting or ending with “-”.')}
        hint="Optional. How the machine will be called in the tailnet (its MagicDNS name); empty keeps its own hostname."
      >
        {(p) => (
          <input {...p} value={name} onChange={(e) => setName(e.target.value.toLowerCase())} placeholder="web-01" autoComplete="off" spellCheck={false} autoFocus />
        )}
      </Field>
      <KeyFields spec={spec} onChange={setSpec} users={users.data?.users ?? (users.error ? [] : undefined)} errors={fe} />
      {formError && (
        <div className="note error" role="alert">
          {formError}
        </div>
      )}
      <ErrorNote error={error} />
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy || !nameOk}>
          {busy ? 'Creating key…' : 'Create key and show commands'}
        </button>
      </div>
    </form>
  );
}

function InstallStep({ minted }: { minted: Minted }) {
  const { key, commands } = minted;
  const [os, setOs] = useState(commands[0]?.os ?? 'linux');
  const live = useLiveState();
  const current = useMemo(() => commands.find((c) => c.os === os) ?? commands[0], [commands, os]);
  const expired = Date.parse(key.expiration) <= Date.now();
  return (
    <section className="card" aria-label="Install">
      <h2>1. Copy the key</h2>
      <p className="muted">This is the only time the full key is shown. Anyone with it can join a machine to your tailnet until it expires.</p>
      <div className="secret">
        <code data-testid="auth-key">{key.key}</code>
        <CopyButton text={key.key} label="Copy key" />
      </div>
      <p className="meta">
        {key.tags.length ? `Tags ${key.tags.join(', ')}` : `User ${key.user}`} · {key.reusable ? 'reusable' : 'single use'}
        {key.ephemeral ? ' · ephemeral' : ''} · <Countdown at={key.expiration} />
      </p>

      <h2>2. Run this on the machine</h2>
      {commands.length === 0 ? (
        <div className="note warn">
          The console could not write install commands (is Headscale’s server URL set?). Run{' '}
          <code>tailscale up --login-server=&lt;URL&gt; --authkey={key.key}</code>.
        </div>
      ) : (
        <>
          <div className="tabs" role="tablist" aria-label="Platform">
            {commands.map((c) => (
              <button
                key={c.os}
                type="button"
                role="tab"
                id={`tab-${c.os}`}
                aria-selected={c.os === current?.os}
                aria-controls="install-panel"
                tabIndex={c.os === current?.os ? 0 : -1}
                onClick={() => setOs(c.os)}
                onKeyDown={(e) => {
                  const i = commands.findIndex((x) => x.os === c.os);
                  const j = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : -99;
                  if (j === -99) return;
                  const nextOs = commands[(j + commands.length) % commands.length].os;
                  setOs(nextOs);
                  document.getElementById(`tab-${nextOs}`)?.focus();
                }}
              >
                {c.label}
              </button>
            ))}
          </div>
          {current && (
            <div id="install-panel" role="tabpanel" aria-labelledby={`tab-${current.os}`} className="command">
              <pre data-os={current.os}>
                <code>{current.command}</code>
              </pre>
              <CopyButton text={current.command} label="Copy command" />
            </div>
          )}
        </>
      )}

      <h2>3. Wait for it</h2>
      <div className="waiting" role="status" aria-live="polite">
        {expired ? (
          <span className="bad-text">The key expired before a machine used it. Start again to mint a new one.</span>
        ) : (
          <>
            <Spinner label="Waiting" /> Waiting for {minted.name ? <strong>{minted.name}</strong> : 'the machine'} to connect…
            {live !== 'live' && <span className="muted"> (live updates are reconnecting)</span>}
          </>
        )}
      </div>
    </section>
  );
}

function ConnectedStep({ node, minted, onAnother }: { node: Node; minted: Minted; onAnother: () => void }) {
  return (
    <section className="card connected" aria-label="Connected">
      <div className="big-ok" role="status">
        <span className="check-circle" aria-hidden="true">
          ✓
        </span>
        <div>
          <h2>Connected</h2>
          <p>
            <strong data-testid="enrolled-name">{node.name}</strong> joined the tailnet
            {node.ipAddresses.length ? <> as <code>{node.ipAddresses.join(', ')}</code></> : null}.
          </p>
        </div>
      </div>
      {minted.key.reusable && <p className="muted">The key is reusable: more machines can still join with it until it expires.</p>}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onAnother}>
          Add another machine
        </button>
        <Link className="btn primary" to={`/machines?q=${encodeURIComponent(node.name)}`}>
          Show in Machines
        </Link>
      </div>
    </section>
  );
}
