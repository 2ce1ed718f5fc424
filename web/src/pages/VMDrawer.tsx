// The detail drawer of one VM (URL parameter vm=<key> on the VMs page): its
// specs, place, addresses, tags, bookkeeping and tailnet node, and for
// operators its power actions and Enroll. Esc or the close button close it.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { CopyButton } from '../components/Copy';
import { ErrorNote } from '../components/ErrorNote';
import { Badge, Spinner } from '../components/ui';
import { ago, dateTime } from '../lib/format';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import {
  POWER_LABEL,
  canEnroll,
  enrollmentLabel,
  enrollmentTone,
  memory,
  nodeLinkLabel,
  powerActions,
  providerLabel,
  stateEvent,
  withState,
  type VM,
} from './vmQuery';
import { StaleBadge, StateBadge, type OnVMAction } from './VMs';

interface Props {
  vmKey: number;
  /** The VM's row when it is loaded on the page (shown at once, kept in step). */
  row?: VM;
  /** Changes when the page refreshed: fetch the VM again. */
  epoch: number;
  canOperate: boolean;
  now: number;
  onClose: () => void;
  onAction: OnVMAction;
}

export function VMDrawer({ vmKey, row, epoch, canOperate, now, onClose, onAction }: Props) {
  const [fetched, setFetched] = useState<VM | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const ref = useRef<HTMLElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const ctl = new AbortController();
    api
      .get('/api/v1/vms/{id}', { path: { id: vmKey }, signal: ctl.signal })
      .then((r) => {
        setFetched(r.vm);
        setError(undefined);
      })
      .catch((err) => {
        if ((err as Error)?.name !== 'AbortError') setError(err);
      });
    return () => ctl.abort();
  }, [vmKey, epoch]);

  useLive((e) => {
    if (e.type !== 'vm.state') return;
    const ev = stateEvent(e.data);
    if (ev && ev.key === vmKey) setFetched((v) => (v ? withState(v, ev.state) : v));
  });

  // The row is patched live by the page; the fetched copy may be newer in other fields.
  const vm: VM | undefined = fetched && row ? { ...fetched, state: row.state } : (fetched ?? row);

  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('.drawer-close')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      if (document.querySelector('.backdrop, .menu')) return; // a dialog or menu closes first
      e.preventDefault();
      closeRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const actions = vm && canOperate ? powerActions(vm.state) : [];
  const enroll = !!vm && canOperate && canEnroll(vm);

  return (
    <aside ref={ref} className="vm-drawer" data-testid="vm-drawer" aria-label={vm ? `VM ${vm.name}` : 'VM'}>
      <div className="vm-drawer-head">
        <div className="vm-drawer-title">
          <h2>{vm?.name ?? `VM ${vmKey}`}</h2>
          {vm && (
            <div className="vm-card-line">
              <StateBadge state={vm.state} />
              <StaleBadge vm={vm} now={now} />
              {vm.goneAt && <Badge tone="bad">gone</Badge>}
            </div>
          )}
        </div>
        <button type="button" className="icon-btn drawer-close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="vm-drawer-body">
        <ErrorNote error={error} />
        {!vm ? (
          !error && (
            <div className="loading">
              <Spinner label="Loading the VM" /> Loading…
            </div>
          )
        ) : (
          <>
            {(actions.length > 0 || enroll || vm.consoleUrl) && (
              <div className="vm-drawer-actions">
                {actions.map((a) => (
                  <button key={a} type="button" className={a === 'stop' ? 'btn small danger' : 'btn small'} onClick={() => onAction('power', vm, a)}>
                    {POWER_LABEL[a]}
                  </button>
                ))}
                {enroll && (
                  <button type="button" className="btn small primary" onClick={() => onAction('enroll', vm)}>
                    Enroll
                  </button>
                )}
                {vm.consoleUrl && (
                  <a className="btn small link" href={vm.consoleUrl} target="_blank" rel="noreferrer">
                    Open in {providerLabel(vm.provider)} console<span aria-hidden="true"> ↗</span>
                  </a>
                )}
              </div>
            )}

            <h3>Tailnet</h3>
            <div className="vm-tailnet" data-testid="vm-node">
              {vm.nodeName ? (
                <>
                  <Badge tone={enrollmentTone(vm.enrollment)}>{enrollmentLabel(vm.enrollment)}</Badge>{' '}
                  <Link to={`/machines?q=${encodeURIComponent(vm.nodeName)}`}>{vm.nodeName}</Link>
                  {vm.nodeLink && <span className="muted"> — {nodeLinkLabel(vm.nodeLink)}</span>}
                </>
              ) : (
                <span className="muted">Not enrolled</span>
              )}
            </div>

            <h3>Specs</h3>
            <dl className="details">
              <Row label="Type">{vm.type}</Row>
              <Row label="vCPUs">{vm.vcpus ? String(vm.vcpus) : undefined}</Row>
              <Row label="Memory">{vm.memoryMb ? memory(vm.memoryMb) : undefined}</Row>
              <Row label="Disk">{vm.diskGb ? `${vm.diskGb} GB` : undefined}</Row>
              <Row label="OS">{vm.os}</Row>
              <Row label="Image">{vm.image}</Row>
              <Row label="Created">{vm.createdAt ? <span title={vm.createdAt}>{dateTime(vm.createdAt)}</span> : undefined}</Row>
            </dl>

            <h3>Where</h3>
            <dl className="details">
              <Row label="Provider">
                {providerLabel(vm.provider)} · <Link to={`/clouds/${vm.cloudId}/vms`}>{vm.cloudName}</Link>
              </Row>
              <Row label="ID">
                <code>{vm.id}</code> <CopyButton small text={vm.id} ariaLabel={`Copy the id ${vm.id}`} />
              </Row>
              {vm.accountId && <Row label="Account">{vm.accountId}</Row>}
              <Row label="Region">{vm.region}</Row>
              <Row label="Zone">{vm.zone}</Row>
              <Row label="Host">{vm.host}</Row>
              <Row label="Cluster">{vm.cluster}</Row>
            </dl>

            <h3>Addresses</h3>
            <dl className="details">
              <Row label="Private IPs">{vm.privateIps.length ? <Ips ips={vm.privateIps} /> : undefined}</Row>
              <Row label="Public IPs">{vm.publicIps.length ? <Ips ips={vm.publicIps} /> : undefined}</Row>
            </dl>

            <h3>Tags</h3>
            {Object.keys(vm.tags).length ? (
              <div className="vm-tags">
                {Object.entries(vm.tags)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([k, v]) => (
                    <span key={k} className="tag" title={v ? `${k}=${v}` : k}>
                      {k}
                      {v ? `=${v}` : ''}
                    </span>
                  ))}
              </div>
            ) : (
              <p className="muted">No tags.</p>
            )}

            <h3>Inventory</h3>
            <dl className="details">
              <Row label="First seen">
                <span title={vm.firstSeen}>
                  {dateTime(vm.firstSeen)} ({ago(vm.firstSeen, now)})
                </span>
              </Row>
              <Row label="Last seen">
                <span title={vm.lastSeen}>
                  {dateTime(vm.lastSeen)} ({ago(vm.lastSeen, now)})
                </span>
              </Row>
              {vm.goneAt && <Row label="Gone since">{dateTime(vm.goneAt)}</Row>}
              <Row label="Console key">{String(vm.key)}</Row>
            </dl>
          </>
        )}
      </div>
    </aside>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children === undefined || children === '' || children === null ? <span className="muted">—</span> : children}</dd>
    </div>
  );
}

function Ips({ ips }: { ips: string[] }) {
  return (
    <span className="addr-list">
      {ips.map((ip) => (
        <span key={ip} className="addr">
          <code>{ip}</code>
          <CopyButton small text={ip} ariaLabel={`Copy address ${ip}`} />
        </span>
      ))}
    </span>
  );
}
