import { useCallback, useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Run the loader again (keeps the current data while it runs). */
  reload: () => void;
}

/**
 * Run `load` now and whenever `deps` change; an answer that arrives after a newer
 * request started is dropped, so fast typing or paging never shows stale rows.
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (mine !== seq.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** `value`, once it has stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/** Set the document title for the current page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Trailarr` : "Trailarr";
  }, [title]);
}

/** Changes to a page's URL query: a blank or null value removes its key. */
export type QueryChanges = Record<string, string | number | null>;

/**
 * The page's URL query and a function that changes some of its keys (replacing the history
 * entry). A change that does not set `page` goes back to the first page, unless
 * `resetPage` is false.
 */
export function useQueryState(): [
  URLSearchParams,
  (changes: QueryChanges, resetPage?: boolean) => void,
  (next: URLSearchParams) => void,
] {
  const [params, setParams] = useSearchParams();
  const replace = (next: URLSearchParams) => setParams(next, { replace: true });
  function update(changes: QueryChanges, resetPage = true) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, String(v));
    }
    if (resetPage && !("page" in changes)) next.delete("page");
    replace(next);
  }
  return [params, update, replace];
}
