// A windowed loader over a cursor-paged list (GET /api/v1/vms): the first
// page is small so the view appears at once (its total sizes the scroll area),
// further pages are fetched as the visible range nears the end of what is
// loaded. A new query aborts what is in flight and starts over, keeping the
// old rows on screen until the new ones arrive. refresh() reloads the rows
// already loaded (live changes); patch() changes one row in place.
import { useEffect, useState, useSyncExternalStore } from 'react';

export interface PageAnswer<T, F> {
  vms: T[];
  total: number;
  nextCursor: string;
  facets: F;
}

export type FetchPage<T, F> = (query: Record<string, string>, signal: AbortSignal) => Promise<PageAnswer<T, F>>;

export interface PagerState<T, F> {
  /** The rows loaded so far, in order. */
  rows: T[];
  /** Rows matching the query (all pages). */
  total: number;
  facets: F | undefined;
  /** The first answer arrived (for any query). */
  ready: boolean;
  /** A request is running. */
  loading: boolean;
  /** The rows shown are of an older query (a new one is loading). */
  outdated: boolean;
  /** Every row is loaded. */
  complete: boolean;
  error: unknown;
}

export interface PagerOptions {
  firstLimit?: number;
  pageLimit?: number;
  /** Load more when the visible range is within this many rows of the end. */
  ahead?: number;
}

function aborted(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError';
}

export class Pager<T, F> {
  private state: PagerState<T, F> = {
    rows: [],
    total: 0,
    facets: undefined,
    ready: false,
    loading: false,
    outdated: false,
    complete: false,
    error: undefined,
  };
  private subs = new Set<() => void>();
  private query: Record<string, string> | null = null;
  private cursor = '';
  private gen = 0;
  private ctl: AbortController | null = null;
  private busy = false;
  private wanted = 0;
  private readonly firstLimit: number;
  private readonly pageLimit: number;
  private readonly ahead: number;

  constructor(
    private fetchPage: FetchPage<T, F>,
    opts: PagerOptions = {},
  ) {
    this.firstLimit = opts.firstLimit ?? 100;
    this.pageLimit = opts.pageLimit ?? 1000;
    this.ahead = opts.ahead ?? 100;
  }

  getState = (): PagerState<T, F> => this.state;

  subscribe = (cb: () => void): (() => void) => {
    this.subs.add(cb);
    return () => this.subs.delete(cb);
  };

  private set(p: Partial<PagerState<T, F>>) {
    this.state = { ...this.state, ...p };
    for (const s of [...this.subs]) s();
  }

  private begin(): { gen: number; signal: AbortSignal } {
    this.ctl?.abort();
    const ctl = new AbortController();
    this.ctl = ctl;
    this.busy = true;
    return { gen: this.gen, signal: ctl.signal };
  }

  /** setQuery starts over with another query (aborting requests in flight). */
  setQuery(query: Record<string, string>, fetchPage?: FetchPage<T, F>): void {
    if (fetchPage) this.fetchPage = fetchPage;
    this.query = query;
    this.wanted = 0;
    void this.first();
  }

  /** reload starts the current query over (resync). */
  reload(): void {
    if (this.query) void this.first();
  }

  private async first() {
    this.gen++;
    const { gen, signal } = this.begin();
    this.set({ loading: true, outdated: this.state.ready, error: undefined });
    try {
      const page = await this.fetchPage({ ...this.query, limit: String(this.firstLimit) }, signal);
      if (gen !== this.gen) return;
      this.cursor = page.nextCursor;
      this.set({ rows: page.vms, total: page.total, facets: page.facets, ready: true, outdated: false, complete: !page.nextCursor });
    } catch (err) {
      if (gen !== this.gen || aborted(err)) return;
      this.set({ error: err, outdated: false });
    } finally {
      if (gen === this.gen) this.done();
    }
  }

  private done() {
    this.busy = false;
    this.set({ loading: false });
    this.pump();
  }

  /** want says rows up to index last are in view: load more when that nears the end. */
  want(last: number): void {
    this.wanted = Math.max(0, last);
    this.pump();
  }

  private pump() {
    const s = this.state;
    if (this.busy || !s.ready || s.complete || s.error || !this.cursor) return;
    if (this.wanted + this.ahead < s.rows.length) return;
    void this.more();
  }

  private async more() {
    const { gen, signal } = this.begin();
    this.set({ loading: true });
    try {
      const page = await this.fetchPage({ ...this.query, limit: String(this.pageLimit), cursor: this.cursor }, signal);
      if (gen !== this.gen) return;
      this.cursor = page.nextCursor;
      // total and facets from the newest answer: the inventory may have changed
      this.set({ rows: this.state.rows.concat(page.vms), total: page.total, facets: page.facets, complete: !page.nextCursor });
    } catch (err) {
      if (gen !== this.gen || aborted(err)) return;
      this.set({ error: err });
    } finally {
      if (gen === this.gen) this.done();
    }
  }

  /** refresh reloads the rows loaded so far (after live changes); on failure the old rows stay. */
  async refresh(): Promise<void> {
    if (!this.query) return;
    if (!this.state.ready) return this.first();
    this.gen++;
    const { gen, signal } = this.begin();
    const need = Math.max(this.firstLimit, this.state.rows.length);
    this.set({ loading: true });
    try {
      let rows: T[] = [];
      let cursor = '';
      let page: PageAnswer<T, F>;
      do {
        const limit = Math.min(this.pageLimit, Math.max(this.firstLimit, need - rows.length));
        page = await this.fetchPage({ ...this.query, limit: String(limit), ...(cursor ? { cursor } : {}) }, signal);
        if (gen !== this.gen) return;
        rows = rows.concat(page.vms);
        cursor = page.nextCursor;
      } while (cursor && rows.length < need);
      this.cursor = cursor;
      this.set({ rows, total: page.total, facets: page.facets, complete: !cursor, error: undefined });
    } catch (err) {
      if (gen !== this.gen || aborted(err)) return;
      this.set({ error: err });
    } finally {
      if (gen === this.gen) this.done();
    }
  }

  /** retry after an error: the first page again, or the next one. */
  retry(): void {
    if (!this.state.ready) void this.first();
    else {
      this.set({ error: undefined });
      this.pump();
      if (!this.busy) void this.refresh();
    }
  }

  /** patch changes the rows for which f returns another object. */
  patch(f: (row: T) => T): void {
    let changed = false;
    const rows = this.state.rows.map((r) => {
      const n = f(r);
      if (n !== r) changed = true;
      return n;
    });
    if (changed) this.set({ rows });
  }

  dispose(): void {
    this.gen++;
    this.ctl?.abort();
    this.subs.clear();
  }
}

/** usePager keeps one Pager for the component's life and renders its state. */
export function usePager<T, F>(fetchPage: FetchPage<T, F>, opts?: PagerOptions): [Pager<T, F>, PagerState<T, F>] {
  const [pager] = useState(() => new Pager<T, F>(fetchPage, opts));
  useEffect(() => () => pager.dispose(), [pager]);
  const state = useSyncExternalStore(pager.subscribe, pager.getState, pager.getState);
  return [pager, state];
}
