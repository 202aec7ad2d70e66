import { ERROR_CODES } from "../domain/errors.js";

import { CLIENT_OPERATION_NAMES } from "./client-operations.js";

/** Distinct operation names, beyond the known ones, a process labels first come, first served. */
export const MAX_OPERATION_NAMES = 100;

/** GraphQL's name rule, shortened: longer names are no one's real operation. */
export const LABELLED_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface OperationLabelOptions {
  /**
   * Names the operator wants labelled (`HOMER_METRICS_OPERATIONS`): these and the
   * project's own clients' are the only ones; when absent, other names share
   * `MAX_OPERATION_NAMES` places, first come.
   */
  readonly operations?: readonly string[];
  /** Places for names neither known nor listed (default `MAX_OPERATION_NAMES`; 0 with `operations`). */
  readonly firstCome?: number;
}

/**
 * Operation names are chosen by clients, so a label made of them must stay
 * bounded. The names of the project's own clients (SDK, CLI, web app) and those
 * the operator lists always keep their own label, whatever came first: anyone who
 * may query could otherwise spend every place on junk names (`query junk1 …`)
 * and have the real ones counted as "other" until a restart. Without a list,
 * the first `firstCome` other distinct names (of GraphQL's name shape, at most 64
 * characters) keep theirs too; any later new name is "other". A request with no
 * operation (unparseable, invalid, ambiguous) is "unknown", one without a name
 * "anonymous".
 */
export function operationLabels(options: OperationLabelOptions = {}) {
  const known: ReadonlySet<string> = new Set([...CLIENT_OPERATION_NAMES, ...(options.operations ?? [])]);
  const firstCome = options.firstCome ?? (options.operations ? 0 : MAX_OPERATION_NAMES);
  const taken = new Set<string>();
  return (operation: { readonly name?: { readonly value: string } } | undefined): string => {
    if (!operation) return "unknown";
    const name = operation.name?.value;
    if (name === undefined) return "anonymous";
    if (known.has(name) || taken.has(name)) return name;
    if (!LABELLED_NAME.test(name) || taken.size >= firstCome) return "other";
    taken.add(name);
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
