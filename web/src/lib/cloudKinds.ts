// Cloud account kinds (GET /api/v1/clouds/kinds) and the pure helpers the
// cloud forms and cards use: form values ⇄ config objects, problem documents
// → per-field messages, and a card's status.
import { useEffect, useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';

export type CloudAccount = Schemas['CloudAccount'];
export type CloudCheck = Schemas['CloudCheck'];
export type CloudField = Schemas['CloudField'];
export type CloudKind = Schemas['CloudKinds']['kinds'][number];
export type KindName = CloudAccount['kind'];
export type SyncStatus = Schemas['AccountStatus'];

/** The five kinds with their titles, for when GET /api/v1/clouds/kinds has not answered (yet). */
export const KIND_TITLES: Record<KindName, string> = {
  aws: 'Amazon Web Services',
  azure: 'Microsoft Azure',
  gcp: 'Google Cloud',
  lxd: 'LXD',
  proxmox: 'Proxmox VE',
};

/** Short labels for the logo-ish badge of a kind. */
export const KIND_SHORT: Record<string, string> = { aws: 'AWS', azure: 'Az', gcp: 'GCP', lxd: 'LXD', proxmox: 'PVE' };

export function isKindName(s: string | null | undefined): s is KindName {
  return !!s && Object.prototype.hasOwnProperty.call(KIND_TITLES, s);
}

export function kindTitle(name: string, kinds?: CloudKind[]): string {
  return kinds?.find((k) => k.name === name)?.title || (isKindName(name) ? KIND_TITLES[name] : name);
}

// ---- loading and caching the kinds ----

let cached: CloudKind[] | undefined;
let pending: Promise<CloudKind[]> | undefined;

/** loadKinds fetches the kinds once per page load; a failure is not cached. */
export function loadKinds(): Promise<CloudKind[]> {
  if (cached) return Promise.resolve(cached);
  if (!pending) {
    pending = api
      .get('/api/v1/clouds/kinds')
      .then((r) => {
        cached = r.kinds ?? [];
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
  }
  return pending;
}

/** resetKinds forgets the cached kinds (tests). */
export function resetKinds(): void {
  cached = undefined;
  pending = undefined;
}

/** useKinds is the kinds (undefined while loading), the last error, and a retry. */
export function useKinds(): { kinds: CloudKind[] | undefined; error: unknown; retry: () => void } {
  const [kinds, setKinds] = useState<CloudKind[] | undefined>(cached);
  const [error, setError] = useState<unknown>(undefined);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    loadKinds().then(
      (k) => {
        if (!live) return;
        setKinds(k);
        setError(undefined);
      },
      (err) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [attempt]);
  return { kinds, error, retry: () => setAttempt((a) => a + 1) };
}

// ---- form values ⇄ config ----

/** A form holds text for string, text, list and int fields, and booleans for bool fields. */
export type FormValues = Record<string, string | boolean>;

/** parseList splits a comma- or newline-separated list, trimming and dropping empty items. */
export function parseList(s: string): string[] {
  return s
    .split(/[,\n\r]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** formatList shows a list in a form field. */
export function formatList(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'string' ? v : '';
}

function toText(f: CloudField, v: unknown): string | boolean {
  if (f.type === 'bool') return v === true || v === 'true';
  if (f.type === 'list') return formatList(v);
  if (v === undefined || v === null) return '';
  if (f.type === 'int') return typeof v === 'number' ? (v === 0 ? '' : String(v)) : String(v);
  return String(v);
}

/** isSecretRef reports an env:NAME or file:/path reference (shown in config; not a secret). */
export function isSecretRef(v: unknown): v is string {
  return typeof v === 'string' && /^(env|file):./.test(v);
}

/**
 * initialValues fills a form: a new account starts from the kind's defaults;
 * a saved account from its config. Secret fields of a saved account are empty
 * (write-only) unless they hold an env:/file: reference, which is shown.
 */
export function initialValues(kind: CloudKind, account?: Pick<CloudAccount, 'config'>): FormValues {
  const out: FormValues = {};
  for (const f of kind.fields) {
    if (!account) out[f.name] = toText(f, f.secret ? undefined : f.default);
    else if (f.secret) out[f.name] = isSecretRef(account.config[f.name]) ? (account.config[f.name] as string) : '';
    else out[f.name] = toText(f, account.config[f.name]);
  }
  return out;
}

/** placeholderFor is the default shown in an empty field. */
export function placeholderFor(f: CloudField): string | undefined {
  if (f.default === undefined || f.default === null || f.type === 'bool') return undefined;
  const s = f.type === 'list' ? formatList(f.default) : String(f.default);
  return s || undefined;
}

type ConfigValue = string | number | boolean | string[];

function valueOf(f: CloudField, v: string | boolean | undefined): { value?: ConfigValue; error?: string } {
  if (f.type === 'bool') return { value: v === true };
  const s = typeof v === 'string' ? v : '';
  switch (f.type) {
    case 'list':
      return { value: parseList(s) };
    case 'int': {
      const t = s.trim();
      if (t === '') return { value: 0 };
      if (!/^-?\d+$/.test(t)) return { error: 'Enter a whole number.' };
      return { value: Number(t) };
    }
    case 'text':
      return { value: s.replace(/\r\n/g, '\n') };
    default:
      return { value: s.trim() };
  }
}

function same(a: ConfigValue | undefined, b: ConfigValue | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = Array.isArray(a) ? a : [];
    const y = Array.isArray(b) ? b : [];
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  return a === b;
}

function isEmpty(v: ConfigValue | undefined): boolean {
  return v === undefined || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0);
}

export interface BuildOptions {
  /** Edit: the values the form started with; only fields that differ are sent. */
  original?: FormValues;
  /** Edit: secret fields holding a stored value (a required one may stay empty). */
  secretsSet?: string[];
}

/**
 * toConfig turns form values into a config object. A new account gets every
 * field that is set (or differs from its default); an edit gets only the
 * fields that changed — and never a secret field left empty, so the stored
 * secret is kept. errors names fields that cannot be sent as they are.
 */
export function toConfig(
  kind: CloudKind,
  values: FormValues,
  opts: BuildOptions = {},
): { config: Record<string, ConfigValue>; errors: Record<string, string> } {
  const config: Record<string, ConfigValue> = {};
  const errors: Record<string, string> = {};
  const editing = !!opts.original;
  for (const f of kind.fields) {
    const { value, error } = valueOf(f, values[f.name]);
    if (error) {
      errors[f.name] = error;
      continue;
    }
    const stored = !!opts.secretsSet?.includes(f.name);
    if (f.required && isEmpty(value) && !(f.secret && (stored || editing))) {
      errors[f.name] = `${f.label} is required.`;
      continue;
    }
    if (f.secret) {
      // Write-only: an empty secret field is never sent (the stored one stays).
      if (typeof value !== 'string' || value === '') continue;
      if (editing && value === opts.original?.[f.name]) continue;
      config[f.name] = value;
      continue;
    }
    if (editing) {
      const before = valueOf(f, opts.original![f.name]).value;
      if (!same(value, before)) config[f.name] = value!;
      continue;
    }
    const def = f.default === undefined || f.default === null ? undefined : valueOf(f, toText(f, f.default)).value;
    if (!isEmpty(value) || !isEmpty(def)) config[f.name] = value!;
  }
  return { config, errors };
}

// ---- problem documents → field messages ----

const NAME_LINE = /^([A-Za-z][A-Za-z0-9_]*)(?:\[\d+\])?(?:\.[A-Za-z0-9_[\]]+)*: (.+)$/s;

/**
 * problemFields maps a failed save or check onto the form: errors[] entries
 * ("config.projects", "projects[1]", "name") and detail lines in the
 * service's "invalid cloud account: prod: config: projects: …" form.
 * Messages about no known field stay in general.
 */
export function problemFields(err: unknown, fieldNames: string[]): { fields: Record<string, string>; general: boolean } {
  const fields: Record<string, string> = {};
  if (!(err instanceof ApiError)) return { fields, general: !!err };
  const known = new Set([...fieldNames, 'name']);
  const put = (name: string, msg: string) => {
    if (!(name in fields)) fields[name] = msg;
  };
  let general = false;
  for (const fe of err.errors) {
    const path = String(fe?.field ?? '').replace(/^config\./, '');
    const name = path.replace(/[[.].*$/, '');
    if (known.has(name)) put(name, fe.message);
    else general = true;
  }
  if (err.errors.length === 0 && (err.status === 400 || err.status === 422) && err.detail) {
    const lines = err.detail.split('\n').map((l) => l.trim()).filter(Boolean);
    lines.forEach((line, i) => {
      let rest = line;
      if (i === 0) {
        const at = rest.lastIndexOf('config: ');
        if (at >= 0) rest = rest.slice(at + 'config: '.length);
        else rest = rest.replace(/^invalid cloud account: /, '');
      }
      const m = NAME_LINE.exec(rest);
      if (m && known.has(m[1])) put(m[1], m[2]);
      else general = true;
    });
  } else if (err.errors.length === 0) {
    general = true;
  }
  return { fields, general };
}

// ---- a card's status ----

export type CloudStatus = 'ok' | 'syncing' | 'stale' | 'error' | 'never';

/** cloudStatus is what a card shows: syncing, never synced, failing (with or without old data), or fine. */
export function cloudStatus(sync: SyncStatus | undefined): CloudStatus {
  if (sync?.syncing) return 'syncing';
  if (!sync || (!sync.lastEnd && !sync.lastSuccess && !sync.error)) return 'never';
  if (sync.error) return sync.stale || sync.lastSuccess ? 'stale' : 'error';
  return 'ok';
}

/** duration renders milliseconds as "850 ms", "1.3 s", "2 min 5 s". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}
