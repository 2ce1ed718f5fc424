import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { fieldErrors } from '../api/problem';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { toast } from '../components/Toasts';
import { Field, Spinner } from '../components/ui';
import { useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { useCan } from '../lib/session';

// GET/PUT /api/v1/settings/headscale.
export type HeadscaleSettings = Schemas['HeadscaleSettings'];
export type HeadscaleSettingsDoc = Schemas['HeadscaleSettingsResponse'];
export type DNSRecord = NonNullable<HeadscaleSettings['extraRecords']>[number];

const EMPTY: HeadscaleSettings = { serverUrl: '', prefixV4: '', prefixV6: '', magicDns: false, baseDomain: '', nameservers: [], splitDns: {}, extraRecords: [] };

interface FormState {
  serverUrl: string;
  prefixV4: string;
  prefixV6: string;
  magicDns: boolean;
  baseDomain: string;
  nameservers: string; // one per line
  splitDns: { domain: string; servers: string }[];
  extraRecords: DNSRecord[];
}

function splitList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function toForm(s: HeadscaleSettings): FormState {
  return {
    serverUrl: s.serverUrl ?? '',
    prefixV4: s.prefixV4 ?? '',
    prefixV6: s.prefixV6 ?? '',
    magicDns: !!s.magicDns,
    baseDomain: s.baseDomain ?? '',
    nameservers: (s.nameservers ?? []).join('\n'),
    splitDns: Object.entries(s.splitDns ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([domain, ips]) => ({ domain, servers: ips.join(', ') })),
    extraRecords: (s.extraRecords ?? []).map((r) => ({ ...r })),
  };
}

export function fromForm(f: FormState): HeadscaleSettings {
  const splitDns: Record<string, string[]> = {};
  for (const r of f.splitDns) {
    const d = r.domain.trim();
    if (d) splitDns[d] = splitList(r.servers);
  }
  return {
    serverUrl: f.serverUrl.trim(),
    prefixV4: f.prefixV4.trim(),
    prefixV6: f.prefixV6.trim(),
    magicDns: f.magicDns,
    baseDomain: f.baseDomain.trim(),
    nameservers: splitList(f.nameservers),
    splitDns,
    extraRecords: f.extraRecords
      .filter((r) => r.name.trim() || r.value.trim())
      .map((r) => ({ name: r.name.trim(), type: r.type, value: r.value.trim() })),
  };
}

/** groupErrors gathers per-field errors whose field starts with prefix ("nameservers[2]" → "nameservers"). */
export function groupErrors(fe: Record<string, string>, prefix: string): string[] {
  return Object.entries(fe)
    .filter(([k]) => k === prefix || k.startsWith(`${prefix}[`) || k.startsWith(`${prefix}.`))
    .map(([k, v]) => {
      const m = /^nameservers\[(\d+)\]$/.exec(k);
      return m ? `Nameserver ${Number(m[1]) + 1}: ${v}` : v;
    });
}

export function HeadscaleSettingsForm() {
  const isAdmin = useCan('admin');
  const res = useResource((signal) => api.get('/api/v1/settings/headscale', { signal }), []);
  const [form, setForm] = useState<FormState | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    if (res.data && !form) setForm(toForm(res.data.settings ?? EMPTY));
  }, [res.data, form]);
  // Saved elsewhere: show the new settings unless this form has edits.
  const clean = !form || !res.data || JSON.stringify(fromForm(form)) === JSON.stringify(fromForm(toForm(res.data.settings ?? EMPTY)));
  useLive((e) => {
    if ((e.type === 'headscale.settings' || e.type === 'resync') && clean && !busy) {
      void res.reload().then(() => setForm(null));
    }
  });

  if (!res.data && res.error) {
    if (res.error instanceof ApiError && res.error.status === 404) return null; // a console without this endpoint
    return (
      <section className="card">
        <h2>Headscale settings</h2>
        <ErrorState error={res.error} onRetry={res.reload} />
      </section>
    );
  }
  if (!res.data || !form) {
    return (
      <section className="card">
        <h2>Headscale settings</h2>
        <div className="loading">
          <Spinner /> Loading settings…
        </div>
      </section>
    );
  }
  const doc = res.data;
  const editable = isAdmin && doc.mode === 'managed' && doc.editable;
  const fe = fieldErrors(error);
  const set = (c: Partial<FormState>) => setForm({ ...form, ...c });
  const dirty = JSON.stringify(fromForm(form)) !== JSON.stringify(fromForm(toForm(doc.settings ?? EMPTY)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.put('/api/v1/settings/headscale', { body: fromForm(form) });
      res.setData(() => r);
      setForm(toForm(r.settings ?? EMPTY));
      toast('Settings saved; Headscale restarted with them');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const hasFieldErrors = Object.keys(fe).length > 0;
  return (
    <section className="card" aria-labelledby="hs-settings">
      <div className="card-head">
        <h2 id="hs-settings">Headscale settings</h2>
      </div>
      {doc.mode === 'external' ? (
        <div className="note">This console fronts an external Headscale: its settings are shown read-only here and changed in its own configuration.</div>
      ) : !isAdmin ? (
        <div className="note">Read-only: only admins change Headscale’s settings.</div>
      ) : !doc.editable ? (
        <div className="note">These settings come from the console’s configuration file and cannot be changed here.</div>
      ) : (
        <p className="muted">Saving restarts the managed Headscale with the new settings; machines reconnect within seconds.</p>
      )}
      <form className="form settings-form" onSubmit={submit} noValidate>
        <fieldset disabled={!editable || busy}>
          <legend className="sr-only">Headscale settings</legend>
          <div className="grid2">
            <Field label="Server URL" error={fe.serverUrl} hint="What machines pass to tailscale up --login-server.">
              {(p) => <input {...p} name="serverUrl" value={form.serverUrl} onChange={(e) => set({ serverUrl: e.target.value })} />}
            </Field>
            <Field label="Base domain" error={fe.baseDomain} hint="MagicDNS names are <machine>.<base domain>.">
              {(p) => <input {...p} name="baseDomain" value={form.baseDomain} onChange={(e) => set({ baseDomain: e.target.value })} />}
            </Field>
            <Field label="IPv4 prefix" error={fe.prefixV4}>
              {(p) => <input {...p} name="prefixV4" value={form.prefixV4} onChange={(e) => set({ prefixV4: e.target.value })} placeholder="100.64.0.0/10" />}
            </Field>
            <Field label="IPv6 prefix" error={fe.prefixV6}>
              {(p) => <input {...p} name="prefixV6" value={form.prefixV6} onChange={(e) => set({ prefixV6: e.target.value })} placeholder="fd7a:115c:a1e0::/48" />}
            </Field>
          </div>
          <label className="check">
            <input type="checkbox" name="magicDns" checked={form.magicDns} onChange={(e) => set({ magicDns: e.target.checked })} /> MagicDNS
            <span className="muted"> — machines reach each other by name</span>
          </label>
          <Field label="Nameservers" error={groupErrors(fe, 'nameservers').join(' · ') || undefined} hint="One IP address per line; the tailnet’s global resolvers.">
            {(p) => <textarea {...p} name="nameservers" rows={3} value={form.nameservers} onChange={(e) => set({ nameservers: e.target.value })} spellCheck={false} />}
          </Field>

          <h3>Split DNS</h3>
          <p className="muted">Send the queries for a domain to its own nameservers.</p>
          {form.splitDns.map((r, i) => {
            const errs = fe[`splitDns.${r.domain.trim()}`];
            return (
              <div key={i} className={errs ? 'rowset has-error' : 'rowset'}>
                <input aria-label={`Split DNS domain ${i + 1}`} value={r.domain} placeholder="corp.example.com" onChange={(e) => set({ splitDns: form.splitDns.map((x, j) => (j === i ? { ...x, domain: e.target.value } : x)) })} />
                <input aria-label={`Nameservers for split DNS domain ${i + 1}`} value={r.servers} placeholder="10.0.0.53, 10.0.1.53" onChange={(e) => set({ splitDns: form.splitDns.map((x, j) => (j === i ? { ...x, servers: e.target.value } : x)) })} />
                {editable && (
                  <button type="button" className="icon-btn" aria-label={`Remove split DNS domain ${i + 1}`} onClick={() => set({ splitDns: form.splitDns.filter((_, j) => j !== i) })}>
                    ×
                  </button>
                )}
                {errs && <div className="field-error">{errs}</div>}
              </div>
            );
          })}
          {editable && (
            <button type="button" className="btn small" onClick={() => set({ splitDns: [...form.splitDns, { domain: '', servers: '' }] })}>
              Add a domain
            </button>
          )}

          <h3>Extra DNS records</h3>
          <p className="muted">Names MagicDNS answers for the tailnet.</p>
          {form.extraRecords.map((r, i) => {
            const errs = ['name', 'type', 'value'].map((k) => fe[`extraRecords[${i}].${k}`]).filter(Boolean);
            return (
              <div key={i} className={errs.length ? 'rowset has-error' : 'rowset'}>
                <input aria-label={`Record ${i + 1} name`} value={r.name} placeholder="grafana.tailnet.example" onChange={(e) => set({ extraRecords: form.extraRecords.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })} />
                <select aria-label={`Record ${i + 1} type`} value={r.type} onChange={(e) => set({ extraRecords: form.extraRecords.map((x, j) => (j === i ? { ...x, type: e.target.value as 'A' | 'AAAA' } : x)) })}>
                  <option value="A">A</option>
                  <option value="AAAA">AAAA</option>
                </select>
                <input aria-label={`Record ${i + 1} value`} value={r.value} placeholder="100.64.0.5" onChange={(e) => set({ extraRecords: form.extraRecords.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })} />
                {editable && (
                  <button type="button" className="icon-btn" aria-label={`Remove record ${i + 1}`} onClick={() => set({ extraRecords: form.extraRecords.filter((_, j) => j !== i) })}>
                    ×
                  </button>
                )}
                {errs.length > 0 && <div className="field-error">{errs.join(' · ')}</div>}
              </div>
            );
          })}
          {editable && (
            <button type="button" className="btn small" onClick={() => set({ extraRecords: [...form.extraRecords, { name: '', type: 'A', value: '' }] })}>
              Add a record
            </button>
          )}
        </fieldset>
        {hasFieldErrors ? (
          <div className="note error" role="alert">
            Some settings are not valid: see the messages next to them.
          </div>
        ) : (
          <ErrorNote error={error} />
        )}
        {editable && (
          <div className="form-actions">
            <button type="button" className="btn" disabled={!dirty || busy} onClick={() => { setForm(toForm(doc.settings ?? EMPTY)); setError(undefined); }}>
              Discard changes
            </button>
            <button type="submit" className="btn primary" disabled={!dirty || busy}>
              {busy ? 'Saving and restarting Headscale…' : 'Save and restart Headscale'}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
