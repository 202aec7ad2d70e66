import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQuery, type CombinedError } from "urql";
import { ModelFamiliesDocument, type FamilyRowFragment, type ModelFamiliesQueryVariables } from "../generated/graphql";

/** Families a page of the list holds. */
const PAGE = 50;

/** What one keyset page of families holds once asked. */
interface PageState {
  readonly nodes: readonly FamilyRowFragment[] | undefined;
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  readonly fetching: boolean;
  readonly error: CombinedError | undefined;
}

/** The families of the pages loaded so far, in the server's order. */
export interface FamilyList {
  /** Undefined until the first page is in. */
  readonly nodes: readonly FamilyRowFragment[] | undefined;
  readonly hasNextPage: boolean;
  readonly fetching: boolean;
  readonly error: CombinedError | undefined;
}

type ListVariables = Omit<ModelFamiliesQueryVariables, "first" | "after">;

/** One keyset page: asked, and told to the list (it renders nothing; the list renders every page's rows together). */
function FamiliesPageQuery(props: {
  variables: ListVariables;
  after: string | null;
  index: number;
  onPage: (index: number, page: PageState) => void;
}) {
  const { variables, after, index, onPage } = props;
  const [{ data, fetching, error }] = useQuery({ query: ModelFamiliesDocument, variables: { ...variables, first: PAGE, after } });
  const connection = data?.modelFamilies;
  useEffect(() => {
    onPage(index, {
      nodes: connection?.nodes,
      hasNextPage: connection?.pageInfo.hasNextPage ?? false,
      endCursor: connection?.pageInfo.endCursor ?? null,
      fetching,
      error,
    });
  }, [connection, fetching, error, index, onPage]);
  return null;
}

/**
 * A project's families, page after page from each page's end cursor (the server's
 * keyset order), as many as the person loads: a page of 50 each time, never a
 * larger first page (the server's largest is 500). `loaders` must be rendered:
 * each page asks its own query, so events refresh every page shown. A new search
 * or order starts over from the first page.
 */
export function useFamilyPages(variables: ListVariables, pause: boolean): { list: FamilyList; loaders: ReactNode; loadMore(): void } {
  const listKey = JSON.stringify(variables);
  const [cursors, setCursors] = useState<{ key: string; after: readonly (string | null)[] }>({ key: listKey, after: [null] });
  const after = cursors.key === listKey ? cursors.after : [null];
  const [pages, setPages] = useState<{ key: string; pages: readonly (PageState | undefined)[] }>({ key: listKey, pages: [] });
  const onPage = useCallback(
    (index: number, page: PageState) =>
      setPages((previous) => {
        // A new search's first page not in yet: the last list stays shown meanwhile (no blink while typing).
        if (previous.key !== listKey && page.nodes === undefined && !page.error) return previous;
        const next = previous.key === listKey ? [...previous.pages] : [];
        next[index] = page;
        return { key: listKey, pages: next };
      }),
    [listKey],
  );
  const current = pages.key === listKey;
  const list = useMemo<FamilyList>(() => {
    const shown = current ? pages.pages.slice(0, after.length) : pages.pages;
    // A family moved between pages while they were asked (by a change): shown once.
    const seen = new Set<string>();
    const nodes = shown[0]?.nodes && shown.flatMap((page) => page?.nodes ?? []).filter((f) => !seen.has(f.name) && seen.add(f.name));
    return {
      nodes,
      hasNextPage: (current && shown[after.length - 1]?.hasNextPage) || false,
      fetching: !current || shown.length < after.length || shown.some((page) => !page || page.fetching),
      error: shown.find((page) => page?.error)?.error,
    };
  }, [pages, current, after.length]);
  const endCursor = (current && pages.pages[after.length - 1]?.endCursor) || null;
  const loadMore = () => {
    if (endCursor !== null) setCursors({ key: listKey, after: [...after, endCursor] });
  };
  const loaders = pause
    ? null
    : after.map((cursor, index) => (
        <FamiliesPageQuery key={`${listKey}/${cursor ?? ""}`} variables={variables} after={cursor} index={index} onPage={onPage} />
      ));
  return { list, loaders, loadMore };
}
