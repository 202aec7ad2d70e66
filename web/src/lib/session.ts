/**
 * The API key a person pasted, kept in sessionStorage only: it lasts as long as
 * the tab, never enters a URL, a log or localStorage.
 */
const STORAGE_KEY = "homer.apiKey";

/** The pasted key, or null (open mode on localhost needs none). */
export function readApiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage disabled by the browser's settings: the key lives in memory for this page only.
    return null;
  }
}

/** Keeps `key` for this tab; null forgets it. */
export function storeApiKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // See readApiKey.
  }
}
