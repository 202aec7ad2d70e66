/** Seconds a client is told to wait before retrying while a store is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

/** Socket-level failures of any backend's connection: the server is down, restarting or unreachable. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
