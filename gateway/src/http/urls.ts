import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Request } from "express";
import type { ModelRef } from "../domain/records.js";

const segment = encodeURIComponent;

/** A version number as a download URL spells it (1-10 digits); NaN otherwise, which names no version. */
export function versionSegment(text: string | undefined): number {
  return text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : NaN;
}

/** `/files/<project>/<name>/<version>/<path…>`, each segment percent-encoded. */
export function downloadUrl(baseUrl: string, ref: ModelRef, path: string): string {
  const encodedPath = path.split("/").map(segment).join("/");
  return `${baseUrl}/files/${segment(ref.project)}/${segment(ref.name)}/${ref.version}/${encodedPath}`;
}

/** `/archives/<project>/<name>/<version>`: the whole version as a tar stream. */
export function archiveUrl(baseUrl: string, ref: ModelRef): string {
  return `${baseUrl}/archives/${segment(ref.project)}/${segment(ref.name)}/${ref.version}`;
}

/**
 * The origin a client used to reach the gateway, for links in answers: the
 * request's scheme and `Host`, or, from a proxy `trust proxy` believes, its
 * `X-Forwarded-Proto` and `X-Forwarded-Host` (express 5's `req.host` keeps the port).
 */
export function requestOrigin(req: Request): string {
  return `${req.protocol}://${req.host}`;
}

/** Express's compiled `trust proxy` (`app.get("trust proxy fn")`): whether hop `i` at `address` is trusted. */
export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * `requestOrigin` for a request express never routes (a WebSocket upgrade), by
 * express's rules: `X-Forwarded-Proto` and `X-Forwarded-Host` (their first value)
 * count only when the peer is a trusted proxy.
 */
export function upgradeOrigin(req: IncomingMessage, trusted: TrustFunction): string {
  const first = (name: string) =>
    String(req.headers[name] ?? "")
      .split(",")[0]!
      .trim();
  const viaProxy = trusted(req.socket.remoteAddress ?? "", 0);
  const protocol = (viaProxy && first("x-forwarded-proto")) || ((req.socket as TLSSocket).encrypted ? "https" : "http");
  const host = (viaProxy && first("x-forwarded-host")) || req.headers.host;
  return `${protocol}://${host}`;
}

/**
 * `req.ip` for a request express never routes (a WebSocket upgrade), by express's
 * rules (proxy-addr): the peer, or, while each hop is a trusted proxy, the address
 * it forwarded for, walking `X-Forwarded-For` from the right.
 */
export function upgradeAddress(req: IncomingMessage, trusted: TrustFunction): string {
  const forwarded = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "")
    .reverse();
  const hops = [req.socket.remoteAddress ?? "unknown", ...forwarded];
  for (let i = 0; i < hops.length - 1; i++) if (!trusted(hops[i]!, i)) return hops[i]!;
  return hops.at(-1)!;
}
