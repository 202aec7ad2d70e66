import type { ClientRequest, IncomingMessage } from "node:http";
import { stalled } from "../errors.js";

/**
 * Cuts `req` once its socket has gone `idleMs` without a byte either way (before the answer,
 * while a body is sent, between the answer's chunks alike): the answer, once it has begun, is
 * destroyed with `stalled`, else the request, so its reader sees why rather than a bare
 * "aborted". `cut.error` is that error once it happened.
 */
export function cutWhenIdle(req: ClientRequest, idleMs: number): { readonly error: Error | undefined } {
  let answer: IncomingMessage | undefined;
  req.once("response", (res: IncomingMessage) => (answer = res));
  const cut: { error: Error | undefined } = { error: undefined };
  req.setTimeout(idleMs, () => {
    cut.error = stalled(idleMs);
    if (answer) answer.destroy(cut.error);
    else req.destroy(cut.error);
  });
  return cut;
}
