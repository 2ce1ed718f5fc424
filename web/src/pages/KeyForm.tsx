import { useEffect } from 'react';
import type { TailnetUser } from '../api/client';
import { Field } from '../components/ui';
import { parseTags } from './Logins';

export interface KeySpec {
  owner: 'user' | 'tags';
  user: string;
  tagText: string;
  reusable: boolean;
  ephemeral: boolean;
  expiresIn: string; // Go duration
}

export const EXPIRY_CHOICES: { value: string; label: string }[] = [
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '1 day' },
  { value: '168h', label: '7 days' },
  { value: '720h', label: '30 days' },
  { value: '2160h', label: '90 days' },
];

export function defaultKeySpec(): KeySpec {
  return { owner: 'user', user: '', tagText: '', reusable: false, ephemeral: false, expiresIn: '24h' };
}

/** keyBody is the POST /api/v1/preauthkeys body for a spec, or an error message. */
export function keyBody(s: KeySpec):
  | { ok: true; body: { user?: string; tags?: string[]; reusable: boolean; ephemeral: boolean; expiresIn: string } }
  | { ok: false; error: string } {
  if (s.owner === 'user') {
    if (!s.user) return { ok: false, error: 'Choose a user.' };
    return { ok: true, body: { user: s.user, reusable: s.reusable, ephemeral: s.ephemeral, expiresIn: s.expiresIn } };
  }
  const { tags, bad } = parseTags(s.tagText);
  if (bad.length) return { ok: false, error: `Not a tag: ${bad.join(', ')}` };
  if (!tags.length) return { ok: false, error: 'Give at least one tag.' };
  return { ok: true, body: { tags, reusable: s.reusable, ephemeral: s.ephemeral, expiresIn: s.expiresIn } };
}

/** KeyFields are the inputs for who a key is for and how it behaves. */
export function KeyFields({
  spec,
  onChange,
  users,
  errors = {},
}: {
  spec: KeySpec;
  onChange: (s: KeySpec) => void;
  /** undefined while loading */
  users: TailnetUser[] | undefined;
  errors?: Record<string, string>;
}) {
  const set = (c: Partial<KeySpec>) => onChange({ ...spec, ...c });
  useEffect(() => {
    if (spec.owner === 'user' && !spec.user && users) {
      // With no users yet, "default" is created on first use (the console's default user).
      onChange({ ...spec, user: users.find((u) => u.name === 'default')?.name ?? users[0]?.name ?? 'default' });
    }
  }, [users, spec, onChange]);
  const { bad } = parseTags(spec.tagText);
  return (
    <>
      <fieldset>
        <legend>Owner</legend>
        <div className="segmented">
          <label className="check">
            <input type="radio" name="key-owner" checked={spec.owner === 'user'} onChange={() => set({ owner: 'user' })} /> A user
          </label>
          <label className="check">
            <input type="radio" name="key-owner" checked={spec.owner === 'tags'} onChange={() => set({ owner: 'tags' })} /> Tags
          </label>
        </div>
        {spec.owner === 'user' ? (
          <Field label="User" error={errors.user} hint={users && !users.length ? 'The default user is created on first use.' : undefined}>
            {(p) =>
              users?.length ? (
                <select {...p} value={spec.user} onChange={(e) => set({ user: e.target.value })}>
                  {users.map((u) => (
                    <option key={u.id} value={u.name}>
                      {u.displayName ? `${u.name} (${u.displayName})` : u.name}
                    </option>
                  ))}
                </select>
              ) : (
                <input {...p} value={spec.user} placeholder="default" onChange={(e) => set({ user: e.target.value })} />
              )
            }
          </Field>
        ) : (
          <Field
            label="Tags"
            error={errors.tags ?? (bad.length ? `Not a tag: ${bad.join(', ')}` : undefined)}
            hint="Comma-separated, e.g. tag:web. Tags must be defined in the policy’s tagOwners."
          >
            {(p) => <input {...p} value={spec.tagText} placeholder="tag:web" autoComplete="off" spellCheck={false} onChange={(e) => set({ tagText: e.target.value })} />}
          </Field>
        )}
      </fieldset>
      <fieldset>
        <legend>Key</legend>
        <label className="check">
          <input type="checkbox" checked={spec.reusable} onChange={(e) => set({ reusable: e.target.checked })} />
          <span>
            Reusable <span className="muted">— enroll several machines with it</span>
          </span>
        </label>
        <label className="check">
          <input type="checkbox" checked={spec.ephemeral} onChange={(e) => set({ ephemeral: e.target.checked })} />
          <span>
            Ephemeral <span className="muted">— the machine is removed when it goes offline</span>
          </span>
        </label>
        <Field label="Key expires after" error={errors.expiresIn ?? errors.expiration}>
          {(p) => (
            <select {...p} value={spec.expiresIn} onChange={(e) => set({ expiresIn: e.target.value })}>
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </fieldset>
    </>
  );
}
