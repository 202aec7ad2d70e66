import { describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { scrubSecrets } from "../gateway/src/http/redact.js";
import { redactingLogger } from "../gateway/src/http/safe-log.js";
import { captureLog } from "./support/log-capture.js";

/** Milliseconds `run` takes. */
function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/**
 * Every string of every log line is scrubbed, the request line's URL included, which
 * the client writes: the scrub must take time in proportion to the text. A run with
 * `%` but no `%XX` escape in it used to be tried from each of its characters to its end.
 */
describe("scrubbing a logged string costs time in proportion to its length", () => {
  test.each([
    ["'%' alone", "%"],
    ["'%' before no hex digits", "%zz"],
    ["'%' before one hex digit", "%1"],
  ])("a 100,000-character run of %s", (_, unit) => {
    const text = `/${unit.repeat(Math.ceil(100_000 / unit.length))}`;
    let scrubbed = "";
    expect(timed(() => (scrubbed = scrubSecrets(text)))).toBeLessThan(1_000);
    expect(scrubbed).toBe(text);
  });

  test("a percent-encoded key in a long run is still redacted", () => {
    const { token } = generateKey();
    const encoded = token.replace("_", "%5F");
    const text = `GET /files/${"%".repeat(50_000)}/${encoded}/x failed`;
    const scrubbed = scrubSecrets(text);
    expect(scrubbed).not.toContain(encoded);
    expect(scrubbed).not.toContain(token.slice(4));
    expect(scrubbed).toMatch(/failed$/);
  });

  test("a request line whose URL is a long run of '%' is written at once", () => {
    const log = captureLog();
    const url = `/${"%".repeat(100_000)}`;
    expect(timed(() => redactingLogger(log.logger).info({ method: "GET", url, status: 404 }, "request"))).toBeLessThan(1_000);
    expect(log.parsed()[0]).toMatchObject({ msg: "request", url });
  });
});
