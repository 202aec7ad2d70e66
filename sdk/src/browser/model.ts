import { RegistryError } from "../errors.js";
import { Model } from "../model.js";
import type { ModelFileInfo } from "../types.js";
import { fetchOk, guardedStream, verifiedBlob, verifiedStream } from "./download.js";
import type { BrowserDownloadOptions } from "./options.js";

/** A registered version with the browser's downloads: into memory (a Blob) or as streams. */
export class BrowserModel extends Model {
  #file(path: string): ModelFileInfo {
    const file = this.files.find((f) => f.path === path);
    if (!file) throw new RegistryError("NOT_FOUND", `${this.name}@${this.version} has no file ${path}`, { field: "path" });
    return file;
  }

  /**
   * One file as a Blob, held in memory, verified against its sha256 (WebCrypto)
   * before it is returned: INTEGRITY_ERROR when the bytes differ.
   */
  async downloadFile(path: string, options: BrowserDownloadOptions = {}): Promise<Blob> {
    const file = this.#file(path);
    const doing = `downloading ${path}`;
    const res = await fetchOk(file.downloadUrl, doing, this.registry.headersFor(file.downloadUrl), options.signal);
    return verifiedBlob(res, file, doing, options);
  }

  /**
   * One file as a stream, verified as it passes (the SDK's own incremental
   * sha256: WebCrypto has none): the stream errors with INTEGRITY_ERROR at its
   * end when the digest differs, so treat what was read as unverified until it
   * ends cleanly.
   */
  async streamFile(path: string, options: BrowserDownloadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const file = this.#file(path);
    const doing = `downloading ${path}`;
    const res = await fetchOk(file.downloadUrl, doing, this.registry.headersFor(file.downloadUrl), options.signal);
    return verifiedStream(res, file, doing, options);
  }

  /**
   * Every file as one tar archive, streamed as the registry sends it. Not
   * verified: a tar carries no digests (`streamFile` verifies each file).
   */
  async streamArchive(options: Pick<BrowserDownloadOptions, "signal"> = {}): Promise<ReadableStream<Uint8Array>> {
    const doing = `downloading the archive of ${this.name}@${this.version}`;
    const res = await fetchOk(this.archiveUrl, doing, this.registry.headersFor(this.archiveUrl), options.signal);
    return guardedStream(res, doing, options.signal);
  }
}
