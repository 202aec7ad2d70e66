import type { FormattedExecutionResult } from "graphql";
import { writeRawJson } from "./raw-json.js";

/**
 * Apollo's JSON answer (`JSON.stringify` and a newline, byte for byte its own), after
 * which the result's data tree is let go. With a custom executor (graphql-jit), Apollo
 * keeps each request's context reachable from an accessor pair V8 allocates in the old
 * generation (`makeGatewayGraphQLRequestContext`), so until the next full collection
 * every scavenge would copy, then promote, the answer's objects though nothing reads
 * them once they are text (BENCHMARKS.md §1, "What outlived the request"). A JSON field
 * read as stored text (`RawJson`) is written as that text.
 */
export function stringifyResult(result: FormattedExecutionResult): string {
  let text: string;
  try {
    text = `${writeRawJson(result)}\n`;
  } catch (error) {
    // Past V8's longest string (about 512 MiB): a typed refusal, not Apollo's bare 500.
    if (!(error instanceof RangeError)) throw error;
    text = `${JSON.stringify({ errors: [{ message: ANSWER_TOO_LARGE, extensions: { code: "PAYLOAD_TOO_LARGE" } }] })}\n`;
  }
  const { data } = result;
  if (data) for (const key of Object.keys(data)) delete (data as Record<string, unknown>)[key];
  return text;
}

/** What an answer too large to be written as one string says instead. */
export const ANSWER_TOO_LARGE = "this answer is too large to send: ask for fewer versions (first), or fewer fields";
