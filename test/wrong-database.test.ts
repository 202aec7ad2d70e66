/**
 * A gateway started on a database that is not its blob store's (HOMER_DATABASE_URL with a typo
 * naming a new SQLite file, another PostgreSQL database, a restore that started over): every
 * blob file is unknown to that database. The start-up scan for orphaned files reclaimed them
 * all, and the registry, started again on its own database, had lost every file. Files older
 * than the database are no orphans of it: they are left in place, with a warning; an orphan
 * of the database's own (bytes written since it was created) is still reclaimed.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGateway, type Gateway } from "../gateway/src/app.js";
import { loadConfig } from "../gateway/src/config.js";
import { openStorage } from "../gateway/src/storage/factory.js";
import { makeTempDir } from "./support/backends.js";
import { captureLog, type CapturedLog } from "./support/log-capture.js";
import { silentLog } from "./support/registry.js";
import { s3ClientOf, startS3Server, type S3Server } from "./support/s3-server.js";

const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
}, 60_000);
afterAll(() => s3?.stop());

async function upload(gateway: Gateway, name: string, files: Record<string, string>): Promise<void> {
  const entries = Object.entries(files);
  const form = new FormData();
  const query = `mutation($input: CreateModelInput!) { createModel(input: $input) { version } }`;
  form.set("operations", JSON.stringify({ query, variables: { input: { name, files: entries.map(([p]) => ({ path: p, file: null })) } } }));
  form.set("map", JSON.stringify(Object.fromEntries(entries.map((_, i) => [String(i), [`variables.input.files.${i}.file`]]))));
  entries.forEach(([, content], i) => form.set(String(i), new Blob([content]), `f${i}`));
  const res = await fetch(`${gateway.origin}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
  expect((await res.json()).errors).toBeUndefined();
}

describe.each(["fs", "s3"] as const)("a gateway started on another database than its blob store's (%s)", (kind) => {
  test("leaves the blob files in place and warns; the registry, back on its database, keeps every file", async () => {
    const dir = await makeTempDir();
    const blobUrl = kind === "fs" ? path.join(dir, "blobs") : `${s3.blobUrl}/${randomBytes(6).toString("hex")}`;
    const config = { ...loadConfig(["--port", "0"], {}), dataDir: dir, blobUrl };
    /** A gateway on the blob store and the SQLite database `database` in `dir`. */
    const start = async (database: string, log = silentLog) => {
      const databaseUrl = path.join(dir, database);
      const storage = await openStorage({ databaseUrl, blobUrl, env: kind === "s3" ? s3.env : process.env });
      return startGateway({ ...config, databaseUrl }, { log, storage });
    };
    try {
      const first = await start("registry.sqlite");
      await upload(first, "m", { "w.bin": "weights", "config.json": "{}" });
      await first.close();
      // Registered a while ago, as a registry's files are when its gateway is restarted on the wrong database.
      const ago = new Date(Date.now() - 3600_000);
      for (const bytes of ["weights", "{}"]) {
        const sha = sha256(bytes);
        if (kind === "fs") await fs.utimes(path.join(dir, "blobs", sha.slice(0, 2), sha), ago, ago);
        else await s3.ageObject(`${blobUrl.slice(`s3://${s3.bucket}/`.length)}/blobs/${sha.slice(0, 2)}/${sha}`, ago);
      }

      const log: CapturedLog = captureLog("info");
      const wrong = await start("registy.sqlite", log.logger);
      expect(await wrong.orphanScan).toBe(0);
      await wrong.close();
      expect(log.parsed()).toContainEqual(expect.objectContaining({ level: 40, files: 2, databaseCreatedAt: expect.any(String) }));

      // An orphan of the registry's own: bytes written since its database was created, with no row.
      const orphan = sha256("orphan");
      if (kind === "fs") {
        await fs.mkdir(path.join(dir, "blobs", orphan.slice(0, 2)), { recursive: true });
        await fs.writeFile(path.join(dir, "blobs", orphan.slice(0, 2), orphan), "orphan");
      } else {
        const key = `${blobUrl.slice(`s3://${s3.bucket}/`.length)}/blobs/${orphan.slice(0, 2)}/${orphan}`;
        await s3ClientOf(s3).send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: "orphan" }));
      }
      const again = await start("registry.sqlite");
      try {
        expect(await again.orphanScan).toBe(1);
        for (const [file, bytes] of [
          ["w.bin", "weights"],
          ["config.json", "{}"],
        ]) {
          const res = await fetch(`${again.origin}/files/default/m/1/${file}`);
          expect([res.status, await res.text()]).toEqual([200, bytes]);
        }
      } finally {
        await again.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
