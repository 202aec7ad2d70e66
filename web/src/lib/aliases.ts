import { useMemo } from "react";
import { useQuery } from "urql";
import { ModelAliasesDocument, type AliasInfoFragment } from "../generated/graphql";

/** The server's alias rule (`domain/rules.ts` assertAliasName). */
const ALIAS_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** What is wrong with `alias` as a new alias name, in words; null when the server will take it. */
export function aliasProblem(alias: string): string | null {
  if (alias === "") return "Give the alias a name.";
  if (!ALIAS_NAME.test(alias)) {
    return `“${alias}” is not an alias name: 1 to 63 lower-case letters, digits, _ or -, starting with a letter.`;
  }
  if (alias === "latest" || alias.startsWith("best")) {
    return `“${alias}” is reserved: name@latest and name@best:metric are references of their own, so no alias may be “latest” or start with “best”.`;
  }
  return null;
}

/** A family's aliases: all of them, and those of each version (by name). */
export interface FamilyAliases {
  readonly all: readonly AliasInfoFragment[];
  readonly byVersion: ReadonlyMap<number, readonly AliasInfoFragment[]>;
  readonly error?: Error;
}

const NONE: readonly AliasInfoFragment[] = [];

/** The aliases of `name` in one request (`modelAliases`), kept fresh by the cache when an alias moves. */
export function useFamilyAliases(project: string, name: string, pause = false): FamilyAliases {
  // Not asked again when shown (the client's cache-and-network): changes are written into the cached
  // list (client.ts applyAliasChange), and an answer asked before a change and arrived after it
  // would put the list back as it was.
  const [{ data, error }] = useQuery({ query: ModelAliasesDocument, variables: { project, name }, pause, requestPolicy: "cache-first" });
  const all = data?.modelAliases ?? NONE;
  return useMemo(() => {
    const byVersion = new Map<number, AliasInfoFragment[]>();
    for (const alias of all) byVersion.set(alias.version, [...(byVersion.get(alias.version) ?? []), alias]);
    return { all, byVersion, ...(error ? { error } : {}) };
  }, [all, error]);
}
