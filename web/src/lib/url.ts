import { useMemo } from "react";
import { useLocation } from "wouter";
import { useSearch } from "wouter/use-browser-location";

/**
 * `previous` with each of `changes` set, or removed when empty or null: one history entry's query.
 * A list sets the key once per item (`?where=a>1&where=b<2`), in order.
 */
export function withParams(previous: URLSearchParams, changes: Record<string, string | readonly string[] | null>): URLSearchParams {
  const next = new URLSearchParams(previous);
  for (const [key, value] of Object.entries(changes)) {
    next.delete(key);
    if (typeof value === "string") {
      if (value) next.set(key, value);
    } else if (value) {
      for (const item of value) next.append(key, item);
    }
  }
  return next;
}

/** The largest version the registry holds: versions are positive 32-bit integers. */
const MAX_VERSION = 2 ** 31 - 1;

/**
 * The version an address names, written as the app writes it (digits, no sign, exponent or
 * leading zero), or null: `1e0` and `0x1` are not version 1, and 2147483648 is no version.
 */
export function versionOf(text: string): number | null {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const version = Number(text);
  return version <= MAX_VERSION ? version : null;
}

/** Changes the address's query: `change` gets the current one; `replace` keeps it one history entry. */
export type SetQueryParams = (change: (previous: URLSearchParams) => URLSearchParams, options?: { replace?: boolean }) => void;

/**
 * The address's query string, and how to change it, as wouter's `useSearchParams`
 * has them, but read as the address holds it: wouter's decodes the query
 * (`decodeURI`) before `URLSearchParams` decodes it again, so a tag value holding
 * `%20` read back as a space, and a filter on `my%20data.csv` asked for `my data.csv`.
 */
export function useQueryParams(): [URLSearchParams, SetQueryParams] {
  const search = useSearch();
  const [path, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const setParams: SetQueryParams = (change, options) => {
    // The address itself, not `params`: a second change in the same event sees the first.
    const next = change(new URLSearchParams(window.location.search)).toString();
    navigate(next ? `${path}?${next}` : path, options);
  };
  return [params, setParams];
}
