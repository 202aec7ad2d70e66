/**
 * Another process holds the SQLite file's write lock (a second tool, a stuck writer):
 * a write waits for it without holding up the gateway, then answers UNAVAILABLE.
 */
import fs from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
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
