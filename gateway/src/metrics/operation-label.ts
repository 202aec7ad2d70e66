import { ERROR_CODES } from "../domain/errors.js";

/** Distinct operation names a process labels by before the rest become "other". */
export const MAX_OPERATION_NAMES = 100;

/** GraphQL's name rule, shortened: longer names are no one's real operation. */
const LABELLED_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Operation names are chosen by clients, so a label made of them must stay
 * bounded: the first `max` distinct names (of GraphQL's name shape, at most 64
 * characters) keep their own label; any later new name is "other". A request
 * with no operation (unparseable, invalid, ambiguous) is "unknown", one without
 * a name "anonymous".
 */
export function operationLabels(max = MAX_OPERATION_NAMES) {
  const known = new Set<string>();
  return (operation: { readonly name?: { readonly value: string } } | undefined): string => {
    if (!operation) return "unknown";
    const name = operation.name?.value;
    if (name === undefined) return "anonymous";
    if (known.has(name)) return name;
    if (!LABELLED_NAME.test(name) || known.size >= max) return "other";
    known.add(name);
    return name;
  };
}

/** Error codes the gateway itself gives (its domain's, and Apollo's own); any other code is labelled "OTHER". */
const CODES: ReadonlySet<string> = new Set([
  ...ERROR_CODES,
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/** "ok", or the first error's code when it is one of the gateway's own. */
export function outcomeLabel(errors: readonly { readonly extensions?: { readonly code?: unknown } }[] | undefined): string {
  const code = errors?.[0]?.extensions?.code;
  if (errors === undefined || errors.length === 0) return "ok";
  return typeof code === "string" && CODES.has(code) ? code : "OTHER";
}
