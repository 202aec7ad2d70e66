/**
 * The README's backup recipe, run for real while registrations go on: the database
 * first (`sqlite3 … "VACUUM INTO …"` for the embedded store, `pg_dump -Fc` for PostgreSQL),
 * then `rsync` of the blob directory without its uploads in progress; restored into a fresh database and directory, a
 * gateway started on them serves every version the restored database lists, byte for
 * byte, and its start-up scan reclaims only what that database does not refer to. A
 * version deleted between the two steps is the recipe's known gap on a directory (no
 * noncurrent versions): it stays listed and its download says so (500, logged).
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { startGateway } from "../gateway/src/app.js";
import { loadConfig } from "../gateway/src/config.js";
import { createPgDatabase, listBlobFiles, makeTempDir, type Backend } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog } from "./support/log-capture.js";

const run = promisify(execFile);
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

/** Step one of the recipe: the database into `target`; returns the restored database's URL and its clean-up. */
async function backUpDatabase(gw: TestGateway, backend: Backend, target: string) {
  if (backend === "sqlite") {
    const copy = path.join(target, "registry.sqlite");
    await run("sqlite3", [gw.storage.databaseUrl, `VACUUM INTO '${copy}'`]);
    return { databaseUrl: copy, drop: async () => {} };
  }
  const dump = path.join(target, "registry.dump");
  await run("pg_dump", ["-Fc", "-f", dump, gw.storage.databaseUrl]);
  const restored = await createPgDatabase();
  await run("pg_restore", ["--exit-on-error", "-d", restored.url, dump]);
  return { databaseUrl: restored.url, drop: restored.drop };
}

interface Listed {
  name: string;
  version: number;
  files: { path: string; sha256: string }[];
}

describe.each(["sqlite", "postgres"] as const)("backup and restore by the README (%s, blob directory)", (backend) => {
  test("registrations during the backup: every version the restored database lists downloads whole", async () => {
    const gw = await startTestGateway({ backend });
    const target = await makeTempDir();
    let restoredDb: { databaseUrl: string; drop: () => Promise<void> } | undefined;
    try {
      const upload = async (name: string, bytes: string, overwrite?: number) => {
        const input = overwrite === undefined ? { name } : { name, version: overwrite, overwrite: true };
        const answer = await gw.upload(input, { "w.bin": bytes, "shared.txt": "the same in every version" });
        expect(answer.errors).toBeUndefined();
      };
      await upload("kept", "kept 1");
      await upload("kept", "kept 2, replaced below");
      await upload("kept", "kept 2", 2);
      await upload("gone", "deleted between the steps");
      // Registrations of new versions run through both steps.
      let loading = true;
      let loaded = 0;
      const load = (async () => {
        for (; loading; loaded++) await upload("load", `load ${loaded} ${randomBytes(8).toString("hex")}`);
      })();
      while (loaded === 0) await new Promise((resolve) => setTimeout(resolve, 10));

      restoredDb = await backUpDatabase(gw, backend, target);
      expect((await gw.gql(`mutation { deleteModel(name: "gone", version: 1) }`)).data).toEqual({ deleteModel: true });
      await upload("load", "registered between the steps");
      await run("rsync", ["-a", "--exclude=.staging", `${gw.storage.blobDir}/`, `${path.join(target, "blobs")}/`]);
      loading = false;
      await load;

      const log = captureLog("info");
      const config = {
        ...loadConfig(["--port", "0"], {}),
        dataDir: target,
        databaseUrl: restoredDb.databaseUrl,
        blobUrl: path.join(target, "blobs"),
      };
      const restored = await startGateway(config, { log: log.logger });
      try {
        await restored.orphanScan;
        const gql = async (query: string) =>
          (
            await fetch(`${restored.origin}/graphql`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ query }),
            })
          ).json();
        const listed: Listed[] = [];
        for (const name of ["kept", "gone", "load"]) {
          const page = await gql(`{ models(name: "${name}", first: 500) { nodes { name version files { path sha256 } } } }`);
          listed.push(...page.data.models.nodes);
        }
        expect(listed.filter((m) => m.name !== "load").map((m) => `${m.name}@${m.version}`)).toEqual(["kept@2", "kept@1", "gone@1"]);
        expect(listed.filter((m) => m.name === "load").length).toBeGreaterThan(0);
        const referenced = new Set(listed.flatMap((m) => m.files.map((f) => f.sha256)));
        for (const model of listed) {
          for (const file of model.files) {
            const res = await fetch(`${restored.origin}/files/default/${model.name}/${model.version}/${file.path}`);
            if (model.name === "gone" && file.path === "w.bin") {
              expect(res.status).toBe(500);
              await res.arrayBuffer();
              continue;
            }
            expect(res.status).toBe(200);
            expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(file.sha256);
          }
        }
        // The scan took what the restored database does not refer to (versions registered
        // after its backup, the replaced bytes of kept@2), and nothing it does.
        expect(await listBlobFiles(config.blobUrl)).toEqual(
          [...referenced].filter((sha) => sha !== sha256("deleted between the steps")).sort(),
        );
        expect(
          log
            .parsed()
            .filter((line) => line.missingBlob)
            .map((line) => line.missingBlob.name),
        ).toEqual(["gone"]);
        // The restored registry goes on: the next version is the one after the last listed.
        const next = await gql(`{ models(name: "load", first: 1) { nodes { version } } }`);
        const created = await gql(`mutation { createModel(input: { name: "load" }) { version } }`);
        expect(created.data.createModel.version).toBe(next.data.models.nodes[0].version + 1);
      } finally {
        await restored.close();
      }
    } finally {
      await gw.close();
      await restoredDb?.drop();
      await fs.rm(target, { recursive: true, force: true });
    }
  }, 60_000);
});
