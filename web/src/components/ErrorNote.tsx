import { explain } from '../api/problem';

/** ErrorNote shows a failure where it happened (forms, dialogs). */
export function ErrorNote({ error, className }: { error: unknown; className?: string }) {
  if (!error) return null;
  const e = explain(error);
  return (
    <div className={`note error ${className ?? ''}`} role="alert">
      <strong>{e.title}.</strong> {e.message}
    </div>
  );
}

/** ErrorState replaces a page's content when there is nothing to show but the failure. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = explain(error);
  return (
    <div className={`error-state kind-${e.kind}`} role="alert">
      <h2>{e.title}</h2>
      <p>{e.message}</p>
      {onRetry && e.kind !== 'forbidden' && e.kind !== 'unauthenticated' && (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
