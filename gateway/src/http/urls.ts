import type { Request } from "express";
import type { ModelRef } from "../domain/records.js";

const segment = encodeURIComponent;

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
