import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { SpaceReserve } from "../sql/space-reserve.js";

/** Room a delete needs in the write-ahead log, with a wide margin. */
export const RESERVE_BYTES = 4 * 2 ** 20;

/**
 * Disk space held back beside the SQLite database for deletes on a full disk. In
 * WAL mode a delete appends pages to the log, so once the filesystem is full even
 * freeing space fails with SQLITE_FULL. The reserve is a file of random bytes
 * (zeros could be compressed or left sparse) that is removed when a delete needs
 * room, and written again once the disk has room to spare.
 */
export class FileSpaceReserve implements SpaceReserve {
  constructor(
    readonly file: string,
    readonly bytes = RESERVE_BYTES,
  ) {}

  async release(): Promise<boolean> {
    try {
      await fs.unlink(this.file);
      return true;
    } catch {
      return false; // already released (by us or another process sharing the file)
    }
  }

  /** Writes the reserve when it is missing and the disk has room for it twice over; never throws. */
  async restore(): Promise<void> {
    try {
      if (
        await fs.stat(this.file).then(
          () => true,
          () => false,
        )
      )
        return;
      const { bavail, bsize } = await fs.statfs(path.dirname(this.file));
      if (bavail * bsize < 2 * this.bytes) return;
      await this.#write();
    } catch {
      // Filled up meanwhile: deletes have no reserve until space is freed again.
    }
  }

  async #write(): Promise<void> {
    // Written aside and renamed, so no process ever counts on half a reserve.
    const partial = `${this.file}.${process.pid}.partial`;
    try {
      const handle = await fs.open(partial, "w");
      try {
        const chunk = randomBytes(2 ** 20);
        for (let written = 0; written < this.bytes; written += chunk.length) {
          await handle.write(chunk, 0, Math.min(chunk.length, this.bytes - written));
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(partial, this.file);
    } finally {
      await fs.rm(partial, { force: true });
    }
  }
}
