import { countdown } from '../lib/format';
import { useNow } from '../lib/hooks';

/** Countdown shows the time left until at, updated every second. */
export function Countdown({ at, label = 'Expires in' }: { at: string; label?: string }) {
  const now = useNow(1000);
  const left = Date.parse(at) - now;
  if (!Number.isFinite(left)) return null;
  if (left <= 0) {
    return (
      <span className="countdown expired" role="status">
        Expired
      </span>
    );
  }
  return (
    <span className={left < 5 * 60_000 ? 'countdown soon' : 'countdown'} role="timer" aria-live="off">
      {label} <time dateTime={at}>{countdown(left)}</time>
    </span>
  );
}
