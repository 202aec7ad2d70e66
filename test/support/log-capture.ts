import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

export interface CapturedLog {
  /** A real pino logger writing JSON lines into `lines`. */
  readonly logger: Logger;
  /** Every line written so far, as written (raw JSON text). */
  readonly lines: string[];
  /** The lines parsed. */
  parsed(): Record<string, any>[];
}

/** Captures a gateway's real log output, every level from `level` up. */
export function captureLog(level = "trace"): CapturedLog {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return {
    logger: pino({ level }, sink),
    lines,
    parsed: () => lines.map((line) => JSON.parse(line)),
  };
}
