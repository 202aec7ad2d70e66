import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { pino, type Logger } from "pino";
import { isSensitiveName, REDACTED, redactUrl, scrubSecrets } from "./redact.js";

const MAX_DEPTH = 8;
const MAX_ENTRIES = 200;
/** Objects walked per log line at most. */
const MAX_NODES = 2000;
const errorSerializer = pino.stdSerializers.err;

/**
 * A copy of `value` fit for a log line: credentials never leave it. Strings are
 * scrubbed of keys; fields named like credentials (`authorization`, `cookie`,
 * `token`, …) are replaced; errors are serialized (message, stack, own fields)
 * and then scrubbed the same way; a request object shrinks to its method and
 * redacted URL, so its headers are never written. Bounded in depth and size.
 */
export function sanitizeForLog(value: unknown): unknown {
  return sanitize(value, 0, { ancestors: new WeakSet(), nodesLeft: MAX_NODES });
}

function sanitize(value: unknown, depth: number, walk: { ancestors: WeakSet<object>; nodesLeft: number }): unknown {
  if (typeof value === "string") return scrubSecrets(value);
  if (typeof value !== "object" || value === null) return typeof value === "function" ? undefined : value;
  if (value instanceof Date) return value;
  if (value instanceof IncomingMessage) return { method: value.method, url: redactUrl(value.url ?? "") };
  if (value instanceof ServerResponse) return { statusCode: value.statusCode };
  if (value instanceof Socket) return "[Socket]";
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.constructor.name} of ${value.byteLength} bytes]`;
  if (walk.ancestors.has(value)) return "[Circular]";
  if (depth >= MAX_DEPTH || --walk.nodesLeft < 0) return "[Object]";
  walk.ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ENTRIES).map((item) => sanitize(item, depth + 1, walk));
      return value.length > MAX_ENTRIES ? [...items, `… ${value.length - MAX_ENTRIES} more`] : items;
    }
    const source = value instanceof Error ? (errorSerializer(value) as object) : value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).slice(0, MAX_ENTRIES)) {
      const field = (source as Record<string, unknown>)[key];
      if (field === undefined) continue;
      out[key] = isSensitiveName(key) ? REDACTED : sanitize(field, depth + 1, walk);
    }
    return out;
  } finally {
    walk.ancestors.delete(value);
  }
}

/**
 * The gateway's logger: a child of `log` whose every line passes through
 * {@link sanitizeForLog}, whatever a caller hands it (errors carrying requests,
 * header maps, URLs). Messages are the callers' own constant text.
 */
export function redactingLogger(log: Logger): Logger {
  return log.child(
    {},
    {
      formatters: { log: (object) => sanitizeForLog(object) as Record<string, unknown> },
      // Errors are already serialized (and scrubbed) by the formatter.
      serializers: { err: (value: unknown) => value },
    },
  );
}

/** Apollo Server's logger interface over `log`, with every message scrubbed of secrets. */
export function apolloLogger(log: Logger) {
  const text = (message: unknown) => scrubSecrets(message instanceof Error ? `${message.name}: ${message.message}` : String(message));
  return {
    debug: (message?: unknown) => log.debug(text(message)),
    info: (message?: unknown) => log.info(text(message)),
    warn: (message?: unknown) => log.warn(text(message)),
    error: (message?: unknown) => log.error(text(message)),
  };
}
