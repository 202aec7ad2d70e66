import { S3Client } from "@aws-sdk/client-s3";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import { ConfigError } from "../../config.js";

/** Where the blobs live: `s3://bucket/prefix`, the prefix without slashes at either end ("" for none). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/** Bucket names as S3 allows them (3–63 of a–z, 0–9, `.`, `-`); MinIO and others accept the same. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/prefix`; a refusal names the rule, never guesses. */
export function parseS3Url(url: string): S3Location {
  // A value read from a file or a secret often ends in a newline: kept, it named another
  // prefix than the replicas configured without it, which then saw none of its blobs.
  if (/^\s|\s$|[\x00-\x1f\x7f]/.test(url)) {
    throw new ConfigError(`blob store URL ${JSON.stringify(url)}: remove the whitespace at its ends and any control characters`);
  }
  const match = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(url);
  const bucket = match?.[1] ?? "";
  // A query or a fragment is no part of a prefix; the bucket before it may be fine.
  if (!match && BUCKET.test(/^s3:\/\/([^/?#]+)/i.exec(url)?.[1] ?? "")) {
    throw new ConfigError(`blob store URL ${url}: the prefix may not have "?" or "#" (s3://bucket/prefix)`);
  }
  if (!match || !BUCKET.test(bucket)) {
    throw new ConfigError(`blob store URL ${url}: expected s3://bucket/prefix with a valid bucket name (3-63 of a-z 0-9 . -)`);
  }
  const prefix = match[2]!.replace(/^\/+|\/+$/g, "");
  if (prefix !== "" && prefix.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw new ConfigError(`blob store URL ${url}: the prefix may not have empty, "." or ".." segments`);
  }
  return { bucket, prefix };
}

export interface S3ClientSettings {
  /** Path-style addressing; undefined: on exactly when an endpoint is set. */
  readonly forcePathStyle?: boolean;
  /** Where AWS_ENDPOINT_URL(_S3) and AWS_REGION are read. */
  readonly env: NodeJS.ProcessEnv;
  /** Connections kept to the store (default `MAX_SOCKETS`). */
  readonly maxSockets?: number;
}

/**
 * How long opening a connection to the store may take (TCP, and TLS's handshake on
 * https), timed from the moment the socket is created. Not the SDK's
 * `connectionTimeout`: that one runs from the moment a request is made, so a request
 * queued behind `MAX_SOCKETS` busy ones (a registration of 1200 small files, a
 * loaded store) fails as "could not connect" though no connection was ever tried.
 */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Connections kept to the store per gateway; further requests wait for a free one. */
export const MAX_SOCKETS = 64;

/** Destroys `socket` unless it becomes ready (`connect`, `secureConnect`) within `timeoutMs`. */
export function limitConnectTime<S extends Duplex | null | undefined>(socket: S, ready: "connect" | "secureConnect", timeoutMs: number): S {
  if (!(socket instanceof net.Socket) || !socket.connecting) return socket;
  const timer = setTimeout(() => {
    socket.destroy(Object.assign(new Error(`could not connect to the object store within ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
  }, timeoutMs);
  const settle = () => clearTimeout(timer);
  socket.once(ready, settle);
  socket.once("close", settle);
  return socket;
}

class HttpAgent extends http.Agent {
  override createConnection(...args: Parameters<http.Agent["createConnection"]>): ReturnType<http.Agent["createConnection"]> {
    return limitConnectTime(super.createConnection(...args), "connect", CONNECT_TIMEOUT_MS);
  }
}

class HttpsAgent extends https.Agent {
  override createConnection(...args: Parameters<https.Agent["createConnection"]>): ReturnType<https.Agent["createConnection"]> {
    return limitConnectTime(super.createConnection(...args), "secureConnect", CONNECT_TIMEOUT_MS);
  }
}

/**
 * How long a socket may stay silent. Generous: a download's S3 socket idles while a
 * slow client drains what was already read (the client side has its own idle limit).
 */
const SOCKET_IDLE_TIMEOUT_MS = 120_000;

/**
 * The S3 client of the blob store. Credentials come from the SDK's default provider
 * chain (env, profiles, SSO, web identity, container and instance roles). Checksums only when an
 * operation requires them: the SDK's default (CRC32 on every upload, in aws-chunked
 * trailers) is refused by several S3-compatible servers, and the bytes are already
 * checked by our own sha256 and by SigV4's payload hash.
 */
export function createS3Client({ forcePathStyle, env, maxSockets = MAX_SOCKETS }: S3ClientSettings): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  // S3-compatible servers do not care about the region, but SigV4 needs one.
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? "us-east-1" : undefined);
  // Keys in `env` are what the default chain would read first; passing them keeps a
  // caller's own `env` (not process.env) in charge.
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {};
  return new S3Client({
    ...keys,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle: forcePathStyle ?? endpoint !== undefined,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    },
  });
}
