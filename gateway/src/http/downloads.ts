import { Router, type Request, type Response } from "express";
import fresh from "fresh";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { NotFoundError, UnauthenticatedError } from "../domain/errors.js";
import { filesDigest } from "../domain/records.js";
import { attachmentDisposition } from "../domain/text.js";
import type { ModelRefInput, RegistryService, StoredFile } from "../registry/registry.service.js";
import { parseRange } from "./range.js";
import { versionSegment } from "./urls.js";
import { youngBuffers } from "./young-buffers.js";

function refOf(req: Request): ModelRefInput {
  const { project, name, version } = req.params as Record<string, string>;
  return { project, name: name!, version: versionSegment(version) };
}

/**
 * `If-None-Match` against the file's ETag, by `fresh`: `*` or any listed tag, weakly
 * compared as RFC 9110 asks for GET. Only that header counts: the origin answers it
 * whatever the request's `Cache-Control` says, and no `Last-Modified` is served.
 */
function matchesEtag(header: string | undefined, etag: string): boolean {
  return fresh({ "if-none-match": header }, { etag });
}

/** Told how many body bytes each download sent (metrics). */
export type BytesSent = (route: "files" | "archives", bytes: number) => void;

/** A file's bytes, or an archive's: a stream, which the store may write out itself. */
type Source = NodeJS.ReadableStream & Pick<Awaited<ReturnType<StoredFile["read"]>>, "writeTo">;

/** Streams to the client; a failure after headers went out can only cut the connection. */
async function send(res: Response, source: Source, counted?: (bytes: number) => void): Promise<void> {
  try {
    if (source.writeTo) await source.writeTo(res, counted);
    else {
      source.on("data", (chunk: Buffer) => {
        youngBuffers.add(chunk.length);
        counted?.(chunk.length);
      });
      await pipeline(source, res);
    }
  } catch (error) {
    if (!res.headersSent) throw error;
    res.destroy();
  }
}

export interface DownloadOptions {
  /**
   * Answer a file GET with a 307 to a presigned URL of the blob store, valid this
   * many seconds, when the store has such URLs; undefined streams every download.
   */
  readonly redirectExpirySeconds?: number;
  /** Told how many body bytes each download sent (metrics). */
  readonly bytesSent?: BytesSent;
}

/**
 * Plain HTTP downloads: one file with ETag and Range (or, when configured, a
 * redirect to the blob store), or a whole version as a streamed tar archive.
 * Errors go to the app's error handler.
 */
export function downloadRoutes(registry: RegistryService, options: DownloadOptions = {}): Router {
  const router = Router();
  const { bytesSent } = options;

  router.get("/files/:project/:name/:version/*path", async (req, res) => {
    const path = (req.params as unknown as { path: string[] }).path.join("/");
    /** The file's record and its bytes opened, or null when the bytes vanished meanwhile (unless `last`). */
    const open = async (last: boolean) => {
      const stored = await registry.openFile(req.caller, refOf(req), path);
      const file = stored.record;
      const etag = `"${file.sha256}"`;
      const range = parseRange(req.headers.range, file.sizeBytes);
      const ifRange = req.headers["if-range"];
      const wanted = ifRange && ifRange !== etag ? ({ kind: "full" } as const) : range;
      const notModified = matchesEtag(req.headers["if-none-match"], etag);
      const redirect = options.redirectExpirySeconds !== undefined && stored.presign && req.method === "GET" && !notModified;
      try {
        const source =
          redirect || req.method === "HEAD" || notModified || wanted.kind === "unsatisfiable" || file.sizeBytes === 0
            ? null
            : await stored.read(wanted.kind === "partial" ? wanted.range : undefined);
        return { stored, file, etag, wanted, notModified, redirect, source };
      } catch (error) {
        if (error instanceof NotFoundError && !last) return null;
        throw error;
      }
    };
    // Open before any header goes out, so vanished bytes are a clean 404. Bytes vanish
    // when the version was deleted, or overwritten with other bytes and those reclaimed,
    // between the record's read and the open: read the record again, which is then
    // absent (404) or names the new bytes, as a download after the overwrite would.
    let opened = await open(false);
    for (let attempt = 2; opened === null; attempt++) opened = await open(attempt === 3);
    const { stored, file, etag, wanted, notModified, redirect, source } = opened;
    if (req.ticketSha256 !== undefined && req.ticketSha256 !== file.sha256) {
      // The version was overwritten with other bytes since the ticket was minted.
      source?.destroy();
      throw new UnauthenticatedError("invalid or expired download ticket");
    }
    if (redirect) {
      // The caller's read permission was checked above; the URL reads this one blob, briefly.
      const fileName = path.split("/").at(-1)!;
      const location = await stored.presign!({ expiresInSeconds: options.redirectExpirySeconds!, fileName });
      res.setHeader("Cache-Control", "private, no-store");
      res.redirect(307, location);
      return;
    }
    res.setHeader("ETag", etag);
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("Cache-Control", "private, no-cache");
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Content-Disposition", attachmentDisposition(path.split("/").at(-1)!));
    if (notModified) {
      res.status(304).end();
      return;
    }
    if (wanted.kind === "unsatisfiable") {
      res.status(416).setHeader("Content-Range", `bytes */${file.sizeBytes}`).end();
      return;
    }
    if (wanted.kind === "partial") {
      const { start, end } = wanted.range;
      res.status(206);
      res.setHeader("Content-Range", `bytes ${start}-${end}/${file.sizeBytes}`);
      res.setHeader("Content-Length", String(end - start + 1));
    } else {
      res.setHeader("Content-Length", String(file.sizeBytes));
    }
    if (!source) {
      res.end();
      return;
    }
    await send(res, source, bytesSent && ((n) => bytesSent("files", n)));
  });

  router.get("/archives/:project/:name/:version", async (req, res) => {
    // Held: an overwrite or a delete of the version while it streams leaves the archive whole.
    const { ref, files, release } = await registry.filesOf(req.caller, refOf(req), { hold: req.method !== "HEAD" });
    try {
      if (req.ticketSha256 !== undefined && req.ticketSha256 !== filesDigest(files.map((file) => file.record))) {
        // The version was overwritten with other files since the ticket was minted.
        throw new UnauthenticatedError("invalid or expired download ticket");
      }
      res.setHeader("Content-Type", "application/x-tar");
      // No validator to revalidate it by (it is made as it streams), and an overwrite changes it.
      res.setHeader("Cache-Control", "private, no-store");
      res.setHeader("Content-Disposition", `attachment; filename="${ref.name}-${ref.version}.tar"`);
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      const pack = tar.pack();
      const writing = send(res, pack as unknown as NodeJS.ReadableStream, bytesSent && ((n) => bytesSent("archives", n)));
      try {
        for (const stored of files) {
          if (res.destroyed) break;
          const file = stored.record;
          // Open the bytes first: an entry waiting on I/O with no listener would turn a
          // client's disconnect into an unhandled error.
          const source = await stored.read();
          if (res.destroyed) {
            // The client left while the bytes were being opened (the pack is destroyed with
            // the answer): they go unread, so close them (a file, or an S3 client's socket).
            source.destroy();
            break;
          }
          const entry = pack.entry({ name: file.path, size: file.sizeBytes, mode: 0o644 });
          await pipeline(source, entry);
        }
        pack.finalize();
      } catch (error) {
        pack.destroy(error as Error);
      }
      await writing;
    } finally {
      await release();
    }
  });

  return router;
}
