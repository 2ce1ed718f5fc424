import { useEffect, useLayoutEffect, useRef, useState, type HTMLAttributes, type ReactNode, type UIEvent } from 'react';

interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  renderRow: (item: T, index: number) => ReactNode;
  rowKey: (item: T, index: number) => string | number;
  className?: string;
  /** Height used before the container is measured (tests, first paint). */
  initialHeight?: number;
  ariaLabel?: string;
  ariaRowCount?: number;
  /** Called with the first and last index in view (without overscan) when they change. */
  onRange?: (first: number, last: number) => void;
  /** Extra attributes of a row's element (data-testid, data-*). */
  rowProps?: (item: T, index: number) => HTMLAttributes<HTMLDivElement> & Record<`data-${string}`, string | number | undefined>;
  /** Role of each row element (default "row"; aria-rowindex only for rows). */
  rowRole?: string;
  /** Role of the scrolling container (default "rowgroup"). */
  listRole?: string;
}

/**
 * VirtualList renders only the rows in view (plus overscan) inside a
 * scrolling container of fixed row height: 10,000 rows cost what 30 do.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  overscan = 6,
  renderRow,
  rowKey,
  className,
  initialHeight = 600,
  ariaLabel,
  ariaRowCount,
  onRange,
  rowProps,
  rowRole = 'row',
  listRole = 'rowgroup',
}: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(initialHeight);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      if (el.clientHeight > 0) setHeight(el.clientHeight);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // A shorter list (new filter) must not leave us scrolled past its end.
  useEffect(() => {
    const el = ref.current;
    const max = Math.max(0, items.length * rowHeight - height);
    if (el && el.scrollTop > max) {
      el.scrollTop = max;
      setScrollTop(max);
    }
  }, [items.length, rowHeight, height]);

  const total = items.length * rowHeight;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const inFirst = Math.min(items.length, Math.floor(scrollTop / rowHeight));
  const inLast = Math.max(inFirst, Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight)) - 1);
  const rangeRef = useRef(onRange);
  rangeRef.current = onRange;
  useEffect(() => {
    rangeRef.current?.(inFirst, inLast);
  }, [inFirst, inLast]);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i];
    rows.push(
      <div
        {...rowProps?.(item, i)}
        key={rowKey(item, i)}
        className="vrow"
        role={rowRole}
        aria-rowindex={rowRole === 'row' ? i + 2 : undefined}
        style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}
      >
        {renderRow(item, i)}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      className={`vlist ${className ?? ''}`}
      onScroll={(e: UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop)}
      role={listRole}
      aria-label={ariaLabel}
      aria-rowcount={ariaRowCount}
      data-rendered={last - first}
    >
      <div className="vspacer" style={{ height: total }}>
        {rows}
      </div>
    </div>
  );
}
