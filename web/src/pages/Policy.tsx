import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import { explain } from '../api/problem';
import { ErrorState } from '../components/ErrorNote';
import { toast } from '../components/Toasts';
import { PageHead, Spinner } from '../components/ui';
import { dateTime } from '../lib/format';
import { useResource } from '../lib/hooks';
import { useLive } from '../lib/live';
import { useCan } from '../lib/session';

export interface Position {
  line: number;
  column?: number;
}

/**
 * errorPosition finds where a policy error points in text: Headscale's
 * messages name a line ("line 3, column 5", "3:5") or a byte offset.
 */
export function errorPosition(message: string, text: string): Position | null {
  let m = /line[:\s]+(\d+)(?:[,\s]*(?:column|col)[:\s]*(\d+))?/i.exec(message);
  if (m) return { line: Number(m[1]), column: m[2] ? Number(m[2]) : undefined };
  m = /(?:^|[\s(])(\d+):(\d+)(?=[:\s)]|$)/.exec(message);
  if (m) return { line: Number(m[1]), column: Number(m[2]) };
  m = /(?:offset|position|byte|char(?:acter)?)\s+(\d+)/i.exec(message);
  if (m) {
    const off = Math.min(Number(m[1]), text.length);
    const before = new TextEncoder().encode(text).slice(0, off);
    const head = new TextDecoder().decode(before);
    const lines = head.split('\n');
    return { line: lines.length, column: lines[lines.length - 1].length + 1 };
  }
  return null;
}

export const STARTER = `{
  // Who may assign which tags to machines, e.g. "tag:web": ["alice@"].
  "tagOwners": {},
  // Every machine may reach every other; narrow this down as needed.
  "acls": [
    { "action": "accept", "src": ["*"], "dst": ["*:*"] }
  ]
}
`;

type Check = { state: 'idle' } | { state: 'checking' } | { state: 'valid'; text: string } | { state: 'invalid'; error: unknown; text: string };

export function Policy() {
  const canCheck = useCan('operator');
  const canSave = useCan('admin');
  const res = useResource(async (signal) => {
    try {
      return await api.get('/api/v1/policy', { signal });
    } catch (err) {
      // Headscale answers "not found" until a policy was ever saved (it then allows everything).
      if (err instanceof ApiError && err.status === 404) return { policy: '', updatedAt: '' };
      throw err;
    }
  }, []);
  const [text, setText] = useState<string | null>(null);
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [changedElsewhere, setChangedElsewhere] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  useEffect(() => {
    document.title = 'Access controls · Neogenesys Console';
  }, []);
  const saved = res.data?.policy ?? '';
  const none = !!res.data && !saved.trim();
  const value = text ?? (none && canCheck ? STARTER : saved);
  const dirty = value !== saved;

  useLive((e) => {
    if (e.type !== 'policy.updated' && e.type !== 'resync') return;
    if (dirty) setChangedElsewhere(e.type === 'policy.updated');
    else void res.reload();
  });

  const lines = useMemo(() => value.split('\n').length, [value]);
  const problem = check.state === 'invalid' && check.text === value ? check.error : saveError;
  const pos = problem instanceof ApiError ? errorPosition(problem.detail, value) : null;
  const validNow = check.state === 'valid' && check.text === value;

  const runCheck = async () => {
    setCheck({ state: 'checking' });
    setSaveError(undefined);
    const t = value;
    try {
      await api.post('/api/v1/policy/check', { body: { policy: t } });
      setCheck({ state: 'valid', text: t });
    } catch (err) {
      setCheck({ state: 'invalid', error: err, text: t });
    }
  };

  const save = async () => {
    setSaving(true);
    setSaveError(undefined);
    try {
      const p = await api.put('/api/v1/policy', { body: { policy: value } });
      res.setData(() => p);
      setText(null);
      setChangedElsewhere(false);
      toast('Policy saved');
    } catch (err) {
      setSaveError(err);
    } finally {
      setSaving(false);
    }
  };

  const goTo = (p: Position) => {
    const ta = area.current;
    if (!ta) return;
    const all = value.split('\n');
    const line = Math.min(Math.max(1, p.line), all.length);
    let start = 0;
    for (let i = 0; i < line - 1; i++) start += all[i].length + 1;
    ta.focus();
    ta.setSelectionRange(start, start + all[line - 1].length);
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
    ta.scrollTop = Math.max(0, (line - 5) * lh);
  };

  if (!res.data && res.error) return <div className="page"><PageHead title="Access controls" /><ErrorState error={res.error} onRetry={res.reload} /></div>;

  return (
    <div className="page policy">
      <PageHead
        title="Access controls"
        sub={
          res.data
            ? none
              ? 'The tailnet policy (HuJSON). None is set yet: Headscale lets every machine reach every other.'
              : `The tailnet policy (HuJSON). Last saved ${dateTime(res.data.updatedAt)}.`
            : undefined
        }
      >
        {canCheck && (
          <button type="button" className="btn" onClick={runCheck} disabled={!res.data || check.state === 'checking' || saving}>
            {check.state === 'checking' ? 'Checking…' : 'Check'}
          </button>
        )}
        {canSave && (
          <button
            type="button"
            className="btn primary"
            onClick={save}
            disabled={!dirty || !validNow || saving}
            title={dirty && !validNow ? 'Check the policy first' : undefined}
          >
            {saving ? 'Saving…' : 'Save'}
          </button>
        )}
      </PageHead>
      {changedElsewhere && (
        <div className="note warn" role="status">
          Someone else saved the policy while you were editing.{' '}
          <button
            type="button"
            className="btn link"
            onClick={() => {
              setText(null);
              setChangedElsewhere(false);
              void res.reload();
            }}
          >
            Load their version (discards your edits)
          </button>
        </div>
      )}
      <div className="policy-status" role="status" aria-live="polite">
        {!canCheck && <span className="muted">Read-only: your role can view the policy.</span>}
        {canCheck && validNow && <span className="ok-text">✓ The policy is valid{dirty && canSave ? '; you can save it.' : '.'}</span>}
        {canCheck && dirty && !validNow && check.state !== 'checking' && !problem && <span className="muted">Edited. Check it before saving.</span>}
      </div>
      {!!problem && (
        <div className="note error policy-error" role="alert">
          <strong>{problem instanceof ApiError && problem.code === 'invalid_policy' ? 'The policy is not valid' : explain(problem).title}</strong>
          {pos && <> at line {pos.line}{pos.column ? `, column ${pos.column}` : ''}</>}:{' '}
          <span className="mono">{problem instanceof ApiError ? problem.detail || explain(problem).message : explain(problem).message}</span>
          {pos && (
            <button type="button" className="btn link" onClick={() => goTo(pos)}>
              Go to line {pos.line}
            </button>
          )}
          {pos && value.split('\n')[pos.line - 1] !== undefined && (
            <pre className="excerpt" aria-label={`Line ${pos.line}`}>
              {`${pos.line} | ${value.split('\n')[pos.line - 1]}`}
              {pos.column ? (
                <>
                  {'\n'}
                  <span className="caret">{`${' '.repeat(String(pos.line).length + 3 + pos.column - 1)}^`}</span>
                </>
              ) : null}
            </pre>
          )}
        </div>
      )}
      {!res.data ? (
        <div className="loading">
          <Spinner /> Loading the policy…
        </div>
      ) : (
        <div className={`editor ${problem ? 'has-error' : ''}`}>
          <div className="gutter" ref={gutter} aria-hidden="true">
            {Array.from({ length: lines }, (_, i) => (
              <div key={i} className={pos && pos.line === i + 1 ? 'err' : undefined} title={pos && pos.line === i + 1 && problem instanceof ApiError ? problem.detail : undefined}>
                {i + 1}
              </div>
            ))}
          </div>
          <textarea
            ref={area}
            aria-label="Policy (HuJSON)"
            value={value}
            readOnly={!canCheck}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            wrap="off"
            onChange={(e) => setText(e.target.value)}
            onScroll={(e) => {
              if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
            }}
          />
        </div>
      )}
    </div>
  );
}
