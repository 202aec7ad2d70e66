import type { CombinedError } from "urql";

/** What went wrong, in words, and whether a key would help. */
export interface Trouble {
  readonly code: string;
  readonly message: string;
}

const ADVICE: Readonly<Record<string, string>> = {
  UNAUTHENTICATED: "This registry needs an API key, or the key given is not valid any more.",
  FORBIDDEN: "Your API key does not allow this.",
  NOT_FOUND: "Not found.",
  TOO_MANY_REQUESTS: "Too many requests: wait a moment and try again.",
  UNAVAILABLE: "The registry is unavailable right now: try again shortly.",
};

/** The first error's code (UNAUTHENTICATED, FORBIDDEN, …) and its message, from GraphQL or the network. */
export function troubleOf(error: CombinedError | Error): Trouble {
  const graphQLError = "graphQLErrors" in error ? error.graphQLErrors[0] : undefined;
  if (graphQLError) {
    const code = typeof graphQLError.extensions?.code === "string" ? graphQLError.extensions.code : "ERROR";
    return { code, message: graphQLError.message };
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return { code, message: error.message };
  return { code: "NETWORK", message: `The registry could not be reached (${error.message}).` };
}

/** A sentence for a person: the advice for the code, then the server's own words. */
export function describeTrouble(trouble: Trouble): string {
  const advice = ADVICE[trouble.code];
  return advice ? `${advice} (${trouble.code}: ${trouble.message})` : `${trouble.code}: ${trouble.message}`;
}
