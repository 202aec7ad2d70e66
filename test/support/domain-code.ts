import { DomainError } from "../../gateway/src/domain/errors.js";

/** The domain code `run` throws, "accepted" when it returns, or what else it threw. */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof DomainError ? error.code : `not a domain error: ${String(error)}`;
  }
  return "accepted";
}
