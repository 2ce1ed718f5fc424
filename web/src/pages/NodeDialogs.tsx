import { useState, type FormEvent } from 'react';
import { api, type Node } from '../api/client';
import { fieldErrors } from '../api/problem';
import { Dialog } from '../components/Dialog';
import { ErrorNote } from '../components/ErrorNote';
import { CopyButton } from '../components/Copy';
import { Badge, Field } from '../components/ui';
import { dateTime, ago, until } from '../lib/format';
import { isExitRoute, nodesStore } from '../lib/nodes';
import { toast } from '../components/Toasts';
import { Link } from '../lib/router';

export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const TAG_RE = /^tag:[a-z0-9][a-z0-9-]{0,62}$/;

/** putNode puts a changed node into the shared list at once (the live event confirms it). */
export function putNode(n: Node): void {
  nodesStore.set((s) => (s.nodes ? { ...s, nodes: s.nodes.map((x) => (x.id === n.id ? n : x)) } : s));
}

export function dropNode(id: number): void {
  nodesStore.set((s) => (s.nodes ? { ...s, nodes: s.nodes.filter((x) => x.id !== id) } : s));
}

function useSubmit(run: () => Promise<void>, onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await run();
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return { busy, error, setError, submit };
}

export function RenameDialog({ node, onClose }: { node: Node; onClose: () => void }) {
  const [name, setName] = useState(node.name);
  const valid = DNS_LABEL.test(name);
  const { busy, error, submit } = useSubmit(async () => {
    const r = await api.post('/api/v1/nodes/{id}/rename', { path: { id: node.id }, body: { name } });
    putNode(r.node);
    toast(`Renamed to ${r.node.name}`);
  }, onClose);
  const fe = fieldErrors(error);
  return (
    <Dialog
      title={`Rename ${node.name}`}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="rename-form" className="btn primary" disabled={busy || !valid || name === node.name}>
            {busy ? 'Saving…' : 'Rename'}
          </button>
        </>
      }
    >
      <form id="rename-form" onSubmit={submit}>
        <Field
          label="Machine name"
          error={fe.name ?? (name && !valid ? 'Lowercase letters, digits and “-”, at most 63, not starting or ending with “-”.' : undefined)}
          hint="The name MagicDNS uses for this machine."
        >
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value.toLowerCase())} autoComplete="off" spellCheck={false} data-autofocus />}
        </Field>
      </form>
      <ErrorNote error={error} />
    </Dialog>
  );
}

export function TagsDialog({ node, knownTags, onClose }: { node: Node; knownTags: string[]; onClose: () => void }) {
  const [tags, setTags] = useState<string[]>(node.tags);
  const [draft, setDraft] = useState('');
  const normalized = draft.trim() && !draft.trim().startsWith('tag:') ? `tag:${draft.trim()}` : draft.trim();
  const draftValid = !normalized || TAG_RE.test(normalized);
  const add = () => {
    if (!normalized || !draftValid) return;
    if (!tags.includes(normalized)) setTags([...tags, normalized]);
    setDraft('');
  };
  const { busy, error, submit } = useSubmit(async () => {
    const final = normalized && draftValid && !tags.includes(normalized) ? [...tags, normalized] : tags;
    const r = await api.put('/api/v1/nodes/{id}/tags', { path: { id: node.id }, body: { tags: final } });
    putNode(r.node);
    toast(final.length ? `Tags of ${node.name}: ${final.join(', ')}` : `Removed the tags of ${node.name}`);
  }, onClose);
  const suggestions = knownTags.filter((t) => !tags.includes(t));
  return (
    <Dialog
      title={`Edit tags of ${node.name}`}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="tags-form" className="btn primary" disabled={busy || !draftValid}>
            {busy ? 'Saving…' : 'Save tags'}
          </button>
        </>
      }
    >
      <form id="tags-form" onSubmit={submit}>
        <p className="muted">
          A tagged machine belongs to its tags instead of a user. Tags must be defined in the policy’s <code>tagOwners</code>.
        </p>
        <ul className="chips" aria-label="Current tags">
          {tags.length === 0 && <li className="muted">No tags</li>}
          {tags.map((t) => (
            <li key={t} className="chip">
              {t}
              <button type="button" aria-label={`Remove ${t}`} onClick={() => setTags(tags.filter((x) => x !== t))}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <Field label="Add a tag" error={draftValid ? undefined : 'A tag looks like tag:name (lowercase letters, digits, “-”).'}>
          {(p) => (
            <div className="row">
              <input
                {...p}
                value={draft}
                placeholder="tag:web"
                list="known-tags"
                autoComplete="off"
                spellCheck={false}
                data-autofocus
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && draft.trim()) {
                    e.preventDefault();
                    add();
                  }
                }}
              />
              <button type="button" className="btn" onClick={add} disabled={!normalized || !draftValid}>
                Add
              </button>
              <datalist id="known-tags">
                {suggestions.map((t) => (
                  <option key={t} value={t} />
                ))}
              </datalist>
            </div>
          )}
        </Field>
      </form>
      <ErrorNote error={error} />
    </Dialog>
  );
}

export function RoutesDialog({ node, onClose }: { node: Node; onClose: () => void }) {
  const subnets = [...new Set([...node.availableRoutes, ...node.approvedRoutes])].filter((r) => !isExitRoute(r));
  const advertisesExit = node.availableRoutes.some(isExitRoute) || node.approvedRoutes.some(isExitRoute);
  const [approved, setApproved] = useState<Set<string>>(new Set(node.approvedRoutes.filter((r) => !isExitRoute(r))));
  const [exit, setExit] = useState(node.exitNode);
  const { busy, error, submit } = useSubmit(async () => {
    const routes = [...approved, ...(exit ? ['0.0.0.0/0', '::/0'] : [])];
    const r = await api.put('/api/v1/nodes/{id}/routes', { path: { id: node.id }, body: { routes } });
    putNode(r.node);
    toast(`Routes of ${node.name} saved`);
  }, onClose);
  const toggle = (r: string) => {
    const next = new Set(approved);
    if (next.has(r)) next.delete(r);
    else next.add(r);
    setApproved(next);
  };
  return (
    <Dialog
      title={`Routes of ${node.name}`}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="routes-form" className="btn primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="routes-form" onSubmit={submit}>
        <fieldset>
          <legend>Subnet routes</legend>
          {subnets.length === 0 && <p className="muted">This machine advertises no subnet routes (tailscale up --advertise-routes=…).</p>}
          {subnets.map((r) => (
            <label key={r} className="check">
              <input type="checkbox" checked={approved.has(r)} onChange={() => toggle(r)} />
              <code>{r}</code>
              {!node.availableRoutes.includes(r) && <Badge tone="warn">no longer advertised</Badge>}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Exit node</legend>
          {advertisesExit ? (
            <label className="check">
              <input type="checkbox" checked={exit} onChange={(e) => setExit(e.target.checked)} />
              Use as exit node (approves 0.0.0.0/0 and ::/0)
            </label>
          ) : (
            <p className="muted">This machine does not offer itself as an exit node (tailscale up --advertise-exit-node).</p>
          )}
        </fieldset>
      </form>
      <ErrorNote error={error} />
    </Dialog>
  );
}

export function DetailsDialog({ node, onClose }: { node: Node; onClose: () => void }) {
  const rows: [string, React.ReactNode][] = [
    ['ID', node.id],
    ['Machine name', node.name],
    ['Hostname', node.hostname],
    ['Owner', node.tags.length ? node.tags.join(', ') : node.user],
    [
      'Addresses',
      <span className="addr-list">
        {node.ipAddresses.map((ip) => (
          <span key={ip} className="addr">
            <code>{ip}</code> <CopyButton small text={ip} ariaLabel={`Copy address ${ip}`} />
          </span>
        ))}
      </span>,
    ],
    ['OS', node.os === 'unknown' ? 'Not known yet' : node.os],
    [
      'VM',
      node.vm ? (
        <span data-testid="details-vm">
          <Link to={`/vms?vm=${node.vm.key}`} onClick={onClose}>
            {node.vm.name}
          </Link>{' '}
          <span className="muted">
            {[node.vm.provider, node.vm.cloudName, node.vm.state].filter(Boolean).join(' · ')}
          </span>{' '}
          {(node.vm.gone || node.orphaned) && <Badge tone="bad">Orphaned: the VM is gone from its cloud</Badge>}
        </span>
      ) : node.orphaned ? (
        <Badge tone="bad">Orphaned: the VM is gone from its cloud</Badge>
      ) : (
        <span className="muted">Not matched to a cloud VM</span>
      ),
    ],
    ['Status', node.online ? 'Connected' : `Last seen ${ago(node.lastSeen)}`],
    ['Key expiry', node.expiry ? `${dateTime(node.expiry)} (${until(node.expiry)})` : 'Never'],
    ['Created', dateTime(node.createdAt)],
    ['Registered with', node.registerMethod + (node.preAuthKeyId ? ` (pre-auth key ${node.preAuthKeyId})` : '')],
    ['Advertised routes', node.availableRoutes.join(', ') || 'none'],
    ['Approved routes', node.approvedRoutes.join(', ') || 'none'],
    ['Node key', <code className="wrap">{node.nodeKey}</code>],
  ];
  return (
    <Dialog title={node.name} onClose={onClose} wide>
      <dl className="details">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
