import { createStore, useStore } from '../lib/store';

interface Toast {
  id: number;
  text: string;
  kind: 'ok' | 'error';
}

const toasts = createStore<Toast[]>([]);
let next = 1;

/** toast shows a short message for a few seconds (announced to screen readers). */
export function toast(text: string, kind: Toast['kind'] = 'ok'): void {
  const id = next++;
  toasts.set((t) => [...t.slice(-3), { id, text, kind }]);
  setTimeout(() => toasts.set((t) => t.filter((x) => x.id !== id)), 4000);
}

export function Toasts() {
  const list = useStore(toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
