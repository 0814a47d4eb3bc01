import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";

/** Set the document title for the current page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Trailarr` : "Trailarr";
  }, [title]);
}

/**
 * Changes to a page's URL query: a blank or null value (or an empty list) removes its key;
 * a list repeats the key once per value (`?type=a&type=b`).
 */
export type QueryChanges = Record<string, string | number | readonly string[] | null>;

/** `params` with `changes` applied; a change that does not set `page` goes back to page 1. */
export function applyQueryChanges(
  params: URLSearchParams,
  changes: QueryChanges,
  resetPage = true,
): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) {
    if (Array.isArray(v)) {
      next.delete(k);
      for (const item of v as readonly string[]) next.append(k, item);
    } else if (v === null || v === "") next.delete(k);
    else next.set(k, String(v));
  }
  if (resetPage && !("page" in changes)) next.delete("page");
  return next;
}

/**
 * The page's URL query and a function that changes some of its keys. Each change is a new
 * history entry, so the browser's Back button restores the previous filters. A change that
 * does not set `page` goes back to the first page, unless `resetPage` is false.
 */
export function useQueryState(): [
  URLSearchParams,
  (changes: QueryChanges, resetPage?: boolean) => void,
  (next: URLSearchParams) => void,
] {
  const [params, setParams] = useSearchParams();
  const update = (changes: QueryChanges, resetPage = true) => {
    const next = applyQueryChanges(params, changes, resetPage);
    if (next.toString() !== params.toString()) setParams(next);
  };
  const set = (next: URLSearchParams) => setParams(next);
  return [params, update, set];
}

/**
 * A search box bound to the URL key `key`: the box shows what is typed at once, and the URL
 * follows once typing pauses for `delay` ms. When the URL changes otherwise (Back, a link,
 * "Clear filters"), the box shows the URL's value again.
 */
export function useSearchBox(
  params: URLSearchParams,
  update: (changes: QueryChanges) => void,
  key = "q",
  delay = 300,
): [string, (value: string) => void] {
  const urlValue = params.get(key) ?? "";
  const [text, setText] = useState(urlValue);
  const [seen, setSeen] = useState(urlValue);
  if (seen !== urlValue) {
    // The URL changed: adjust while rendering (no effect, no extra paint). When it only
    // follows what was typed, the text stays as typed (a trailing space included).
    setSeen(urlValue);
    if (text.trim() !== urlValue) setText(urlValue);
  }
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  function change(value: string) {
    setText(value);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      const committed = value.trim();
      if (committed !== urlValue) update({ [key]: committed });
    }, delay);
  }
  return [text, change];
}

/** A string kept in localStorage under `key`, limited to `allowed` (else `fallback`). */
export function useStoredChoice<T extends string>(
  key: string,
  allowed: readonly T[],
  fallback: T,
): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const stored = window.localStorage.getItem(key);
      return allowed.includes(stored as T) ? (stored as T) : fallback;
    } catch {
      return fallback;
    }
  });
  function choose(next: T) {
    setValue(next);
    try {
      window.localStorage.setItem(key, next);
    } catch {
      // storage may be off (private mode): the choice lasts for this page only
    }
  }
  return [value, choose];
}

/**
 * Copy text to the clipboard, with a note saying how it went. When the browser refuses
 * (no permission, not a secure origin), `reveal` is called so the user can select and copy
 * the text by hand, and the note says so. The third item clears the note.
 */
export function useCopyToClipboard(
  reveal: () => void,
  what = "text",
): [string | null, (text: string) => Promise<void>, () => void] {
  const [note, setNote] = useState<string | null>(null);
  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setNote("Copied to the clipboard");
    } catch {
      reveal();
      setNote(`Copying is not allowed here: the ${what} is shown, select and copy it`);
    }
  }
  return [note, copy, () => setNote(null)];
}
