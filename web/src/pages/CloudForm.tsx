// Add or edit a cloud account. The fields come from GET /api/v1/clouds/kinds
// for the account's kind; secrets are write-only (empty on edit = keep).
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { toast } from '../components/Toasts';
import { Field, PageHead, Spinner } from '../components/ui';
import {
  initialValues,
  kindTitle,
  KIND_TITLES,
  placeholderFor,
  problemFields,
  toConfig,
  useKinds,
  type CloudAccount,
  type CloudCheck,
  type CloudField,
  type CloudKind,
  type FormValues,
  type KindName,
} from '../lib/cloudKinds';
import { useResource } from '../lib/hooks';
import { Link, navigate, useLocation } from '../lib/router';
import { useCan } from '../lib/session';
import { CheckNote, KindLogo } from './Clouds';
import './clouds.css';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

/** nameError checks an account name as the server does (1–64 characters). */
export function nameError(name: string): string | undefined {
  const n = name.trim();
  if (!n) return 'Give the account a name.';
  if (n.length > 64) return 'At most 64 characters.';
  if (!NAME_RE.test(n)) return "Letters, digits, spaces, '.', '_' or '-', starting with a letter or digit.";
  return undefined;
}

export function CloudForm({ id }: { id?: number }) {
  const isAdmin = useCan('admin');
  const { search } = useLocation();
  const { kinds, error: kindsError, retry } = useKinds();
  const editing = id !== undefined;
  const account = useResource<CloudAccount | null>(
    async (signal) => (editing ? (await api.get('/api/v1/clouds/{id}', { path: { id: id! }, signal })).cloud : null),
    [id],
  );
  const kindName = editing ? account.data?.kind : search.get('kind');

  useEffect(() => {
    document.title = `${editing ? 'Edit cloud' : 'Add cloud'} · Neogenesys Console`;
  }, [editing]);

  if (!isAdmin) {
    return (
      <div className="page narrow">
        <PageHead title={editing ? 'Edit cloud' : 'Add cloud'} />
        <div className="note warn">Only admins can add or change cloud accounts.</div>
        <Link to="/clouds">Back to the clouds</Link>
      </div>
    );
  }
  if (editing && !account.data) {
    return (
      <div className="page narrow">
        <PageHead title="Edit cloud" />
        {account.error ? (
          <ErrorState error={account.error} onRetry={() => void account.reload()} />
        ) : (
          <div className="loading">
            <Spinner label="Loading the account" /> Loading the account…
          </div>
        )}
      </div>
    );
  }
  if (!kinds) {
    return (
      <div className="page narrow">
        <PageHead title={editing ? 'Edit cloud' : 'Add cloud'} />
        {kindsError ? (
          <ErrorState error={kindsError} onRetry={retry} />
        ) : (
          <div className="loading">
            <Spinner label="Loading" /> Loading the form…
          </div>
        )}
      </div>
    );
  }
  const kind = kinds.find((k) => k.name === kindName);
  if (!kind) {
    return (
      <div className="page narrow">
        <PageHead title="Add cloud" sub="Which kind of cloud?" />
        {kindName && <div className="note warn">There is no cloud kind “{kindName}”.</div>}
        <div className="kind-choices">
          {(kinds.length ? kinds : Object.entries(KIND_TITLES).map(([name, title]) => ({ name, title, fields: [] }))).map((k) => (
            <Link key={k.name} to={`/clouds/new?kind=${k.name}`} className="kind-choice" data-testid="kind-choice" data-kind={k.name}>
              <KindLogo kind={k.name} title={k.title} />
              <span>{k.title}</span>
            </Link>
          ))}
        </div>
      </div>
    );
  }
  // key: a different account or kind starts a fresh form
  return <CloudFormBody key={`${kind.name}:${id ?? 'new'}`} kind={kind} kinds={kinds} account={account.data ?? undefined} />;
}

function CloudFormBody({ kind, kinds, account }: { kind: CloudKind; kinds: CloudKind[]; account?: CloudAccount }) {
  const editing = !!account;
  const start = useMemo(() => initialValues(kind, account), [kind, account]);
  const [values, setValues] = useState<FormValues>(start);
  const [name, setName] = useState(account?.name ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [topError, setTopError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<'' | 'check' | 'save'>('');
  const [check, setCheck] = useState<CloudCheck | undefined>(undefined);
  const fieldNames = useMemo(() => kind.fields.map((f) => f.name), [kind]);
  const title = kindTitle(kind.name, kinds);
  const advRef = useRef<HTMLDetailsElement>(null);
  // Open "Advanced" at first when an edited account uses advanced fields.
  const [initiallyOpen] = useState(() => !!account && kind.fields.some((f) => f.advanced && start[f.name] !== '' && start[f.name] !== false));

  const set = (n: string, v: string | boolean) => {
    setValues((s) => ({ ...s, [n]: v }));
    setCheck(undefined);
    if (errors[n]) setErrors(({ [n]: _, ...rest }) => rest);
  };

  const build = () => {
    const r = toConfig(kind, values, editing ? { original: start, secretsSet: account!.secretsSet } : {});
    return r;
  };

  const fail = (err: unknown) => {
    const { fields, general } = problemFields(err, fieldNames);
    setErrors(fields);
    setTopError(general || Object.keys(fields).length === 0 ? err : undefined);
  };

  const runCheck = async () => {
    const { config, errors: local } = build();
    setTopError(undefined);
    setCheck(undefined);
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    setErrors({});
    setBusy('check');
    try {
      const body = editing ? { id: account!.id, config } : { kind: kind.name, config };
      setCheck(await api.post('/api/v1/clouds/check', { body }));
    } catch (err) {
      fail(err);
    } finally {
      setBusy('');
    }
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const { config, errors: local } = build();
    const nErr = nameError(name);
    const all = { ...local, ...(nErr ? { name: nErr } : {}) };
    setTopError(undefined);
    if (Object.keys(all).length) {
      setErrors(all);
      document.querySelector<HTMLElement>(`.cloud-form [data-field="${Object.keys(all)[0]}"]`)?.focus();
      return;
    }
    setErrors({});
    setBusy('save');
    try {
      if (!editing) {
        await api.post('/api/v1/clouds', { body: { name: name.trim(), kind: kind.name as KindName, config } });
        toast(`${name.trim()} was added; its first sync starts now`);
      } else {
        const body: { name?: string; config?: Record<string, unknown> } = {};
        if (name.trim() !== account!.name) body.name = name.trim();
        if (Object.keys(config).length) body.config = config;
        if (body.name !== undefined || body.config) {
          await api.patch('/api/v1/clouds/{id}', { path: { id: account!.id }, body });
          toast(`${name.trim()} was saved`);
        }
      }
      navigate('/clouds');
    } catch (err) {
      fail(err);
      setBusy('');
    }
  };

  const basic = kind.fields.filter((f) => !f.advanced);
  const advanced = kind.fields.filter((f) => f.advanced);
  const advancedErr = advanced.some((f) => errors[f.name]);

  useEffect(() => {
    if (advancedErr && advRef.current) advRef.current.open = true;
  }, [advancedErr]);

  return (
    <div className="page narrow cloud-form-page">
      <PageHead title={editing ? `Edit ${account!.name}` : `Add ${title}`} sub={editing ? title : 'Connect an account; the console reads its VMs.'}>
        <KindLogo kind={kind.name} title={title} />
      </PageHead>
      <form className="card form cloud-form" onSubmit={save} noValidate data-testid="cloud-form" data-kind={kind.name}>
        <ErrorNote error={topError} />
        {Object.keys(errors).length > 0 && !topError && (
          <div className="note error" role="alert">
            Check the highlighted fields.
          </div>
        )}
        <Field label="Name" error={errors.name} hint="How the console shows this account, e.g. prod-aws (1–64 characters).">
          {(p) => (
            <input
              {...p}
              data-field="name"
              value={name}
              maxLength={64}
              required
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => {
                setName(e.target.value);
                if (errors.name) setErrors(({ name: _, ...rest }) => rest);
              }}
            />
          )}
        </Field>
        {basic.map((f) => (
          <ConfigField key={f.name} f={f} value={values[f.name]} error={errors[f.name]} stored={!!account?.secretsSet.includes(f.name)} editing={editing} onChange={(v) => set(f.name, v)} />
        ))}
        {advanced.length > 0 && (
          <details className="cloud-advanced" ref={advRef} open={initiallyOpen || undefined}>
            <summary>Advanced</summary>
            {advanced.map((f) => (
              <ConfigField key={f.name} f={f} value={values[f.name]} error={errors[f.name]} stored={!!account?.secretsSet.includes(f.name)} editing={editing} onChange={(v) => set(f.name, v)} />
            ))}
          </details>
        )}

        {check && <CheckNote result={check} />}
        {busy === 'check' && (
          <div className="note" role="status">
            <Spinner label="Testing" /> Testing the connection…
          </div>
        )}

        <div className="form-actions">
          <Link to="/clouds" className="btn">
            Cancel
          </Link>
          <button type="button" className="btn" onClick={() => void runCheck()} disabled={!!busy} data-testid="check-connection">
            {busy === 'check' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" className="btn primary" disabled={!!busy} data-testid="save-cloud">
            {busy === 'save' ? 'Saving…' : editing ? 'Save' : 'Add cloud'}
          </button>
        </div>
      </form>
    </div>
  );
}

interface FieldProps {
  f: CloudField;
  value: string | boolean | undefined;
  error?: string;
  stored: boolean;
  editing: boolean;
  onChange: (v: string | boolean) => void;
}

function secretHint(f: CloudField, stored: boolean): string {
  const parts: string[] = [];
  if (stored) parts.push('Stored — leave empty to keep.');
  if (f.help) parts.push(f.help);
  if (!f.help || !/env:/.test(f.help)) parts.push('Also accepts env:NAME or file:/path references.');
  return parts.join(' ');
}

/** ConfigField is one generated input: text, textarea, list, number, checkbox or select. */
function ConfigField({ f, value, error, stored, editing, onChange }: FieldProps) {
  const id = `cf-${f.name}`;
  if (f.type === 'bool') {
    return (
      <div className={error ? 'field has-error' : 'field'}>
        <label className="check">
          <input id={id} data-field={f.name} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-describedby={f.help ? `${id}-hint` : undefined} />
          <span>{f.label}</span>
        </label>
        {f.help && (
          <div className="hint" id={`${id}-hint`}>
            {f.help}
          </div>
        )}
        {error && <div className="field-error">{error}</div>}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  const placeholder = editing || f.secret ? placeholderFor(f) : undefined;
  const hint = f.secret ? secretHint(f, stored) : f.type === 'list' ? `${f.help ? `${f.help} ` : ''}Separate items with commas or new lines.` : f.help;
  return (
    <Field label={f.label} error={error} hint={hint}>
      {(p) => {
        const common = { ...p, 'data-field': f.name, required: f.required || undefined };
        if (f.options?.length)
          return (
            <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {o === '' ? '(default)' : o}
                </option>
              ))}
              {text && !f.options.includes(text) && <option value={text}>{text}</option>}
            </select>
          );
        if (f.type === 'text' || f.type === 'list')
          return (
            <textarea
              {...common}
              rows={f.type === 'list' ? 2 : 5}
              className={[f.type === 'text' ? 'mono' : '', f.secret ? 'secret-text' : ''].filter(Boolean).join(' ') || undefined}
              value={text}
              placeholder={f.secret && stored ? '••••••••' : placeholder}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => onChange(e.target.value)}
            />
          );
        if (f.type === 'int')
          return <input {...common} type="number" inputMode="numeric" step={1} value={text} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />;
        return (
          <input
            {...common}
            type={f.secret ? 'password' : 'text'}
            value={text}
            placeholder={f.secret && stored ? '••••••••' : placeholder}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => onChange(e.target.value)}
          />
        );
      }}
    </Field>
  );
}
