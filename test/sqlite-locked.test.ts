/**
 * Another process holds the SQLite file's write lock (a second tool, a stuck writer):
 * a write waits for it without holding up the gateway, then answers UNAVAILABLE.
 */
import fs from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { openStorage } from "../gateway/src/storage/factory.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";

afterAll(() => killAllChildren());

async function upload(origin: string, name: string, content: string) {
  const form = new FormData();
  const query = "mutation($input: CreateModelInput!) { createModel(input: $input) { version } }";
  form.set("operations", JSON.stringify({ query, variables: { input: { name, files: [{ path: "w.bin", file: null }] } } }));
  form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file"] }));
  form.set("0", new Blob([content]), "w.bin");
  const res = await fetch(`${origin}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
  const body = (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body };
}

test("a write while another process holds the write lock answers UNAVAILABLE, and the gateway keeps answering meanwhile", async () => {
  const dataDir = await makeTempDir("homer-sqlite-locked-");
  try {
    const gw = await startChildGateway({ args: ["--data-dir", dataDir], timeoutMs: 30_000 });
    expect((await upload(gw.origin, "m", "one")).body.data.createModel.version).toBe(1);

    const other = new Database(path.join(dataDir, "registry.sqlite"));
    other.exec("begin immediate");
    const started = Date.now();
    const refused = upload(gw.origin, "m", "two");
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The event loop is free: health and reads answer while the write waits for the lock.
    const healthStarted = Date.now();
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    const read = (await gw.gql(`{ models(name: "m") { nodes { version } } }`)) as any;
    expect(read.data.models.nodes).toEqual([{ version: 1 }]);
    expect(Date.now() - healthStarted).toBeLessThan(2_000);

    const answer = await refused;
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("UNAVAILABLE");
    expect(answer.status).toBe(503);
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);

    other.exec("rollback");
    other.close();
    // Nothing of the refused write stayed; the next one works.
    expect((await upload(gw.origin, "m", "three")).body.data.createModel.version).toBe(2);
    const after = (await gw.gql(`{ models(name: "m", sortKey: null) { nodes { version } } }`)) as any;
    expect(after.data.models.nodes.map((n: { version: number }) => n.version).sort()).toEqual([1, 2]);
    gw.kill("SIGTERM");
    await gw.exited;
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}, 90_000);

/**
 * Writes outside the request path take the lock the same way: the events' prune (a timer),
 * revoking a key and creating a project wait for another process's lock off the event loop.
 */
test("a prune, a key's revocation and a project's creation wait for another process's lock without holding up the event loop", async () => {
  const dataDir = await makeTempDir("homer-sqlite-locked-");
  const storage = await openStorage({ databaseUrl: path.join(dataDir, "registry.sqlite"), blobUrl: path.join(dataDir, "blobs") });
  try {
    const key = await storage.access.createKey({
      id: "k1",
      name: "k",
      secretSha256: "0".repeat(64),
      createdBy: null,
      grants: [{ project: "default", role: "read" }],
    });
    expect(key).not.toBeNull();
    const other = new Database(path.join(dataDir, "registry.sqlite"));
    for (const [what, write] of [
      ["prune", () => storage.events.prune(new Date())],
      ["revokeKey", () => storage.access.revokeKey("k1")],
      ["createProject", () => storage.access.createProject("later", null)],
    ] as const) {
      other.exec("begin immediate");
      const waiting = (write as () => Promise<unknown>)();
      // The event loop turns while the write waits: a short timer fires on time.
      const asked = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(Date.now() - asked, what).toBeLessThan(400);
      await new Promise((resolve) => setTimeout(resolve, 600));
      other.exec("rollback");
      await waiting;
    }
    other.close();
    expect((await storage.access.listProjects()).map((p) => p.name)).toContain("later");
    expect((await storage.access.listKeys()).find((k) => k.id === "k1")?.revokedAt).not.toBeNull();
  } finally {
    await storage.metadata.close();
    await storage.blobs.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}, 30_000);
