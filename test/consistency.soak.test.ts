import { setTimeout } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { generation, WHOLE_FIELDS, wholeProblems, type WholeNode } from "./support/generations.js";
import { registryOver } from "./support/registry.js";

/** At least this long, and on until enough happened; never past MAX_MS (a loaded machine is slow). */
const SOAK_MS = 2000;
const MAX_MS = 10_000;
const ENOUGH = { pages: 30, writes: 30, deletes: 5 };
const READERS = 3;
const WRITERS = 3;
const VERSIONS = 12;
const FAMILY = "soak";

const QUERY = `query($after: String, $v: Int!) {
  page: models(name: "${FAMILY}", sortKey: "acc", first: 4, after: $after) { nodes { ...Whole } pageInfo { hasNextPage endCursor } }
  best: bestModel(name: "${FAMILY}", metric: "acc") { ...Whole }
  one: model(name: "${FAMILY}", version: $v) { ...Whole }
} ${WHOLE_FIELDS}`;

interface Reads {
  readonly page: { nodes: WholeNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  readonly best: WholeNode | null;
  readonly one: WholeNode | null;
}

const randomVersion = () => 1 + Math.floor(Math.random() * VERSIONS);
/** Coarse values, so ties (broken by version descending) are common; every third generation has none. */
const accOf = (gen: number) => (gen % 3 === 0 ? null : Math.round(Math.random() * 10) / 10);

/** Where a node sorts: with the metric first, by value descending, then by version descending. */
const sortKey = (node: WholeNode) => [node.metric === null ? 1 : 0, -(node.metric ?? 0), -node.version];
const sortsBefore = (a: WholeNode, b: WholeNode) => {
  const [x, y] = [sortKey(a), sortKey(b)];
  const i = x.findIndex((v, k) => v !== y[k]);
  return i >= 0 && x[i]! < y[i]!;
};

/**
 * Readers page through a metric sort (and read bestModel and one version) from a
 * gateway process (`gateway/dist`) while writers in this process — another
 * replica over the same database and blob directory — create, overwrite and
 * delete versions. Every node any reader sees must be one whole generation, and
 * every page in order with no version twice.
 */
describe.each(BACKENDS)("readers under concurrent writes on %s", (backend) => {
  let storage: TestStorage;
  let gw: ChildGateway;

  beforeAll(async () => {
    storage = await openTestStorage(backend);
    gw = await startChildGateway({
      env: { HOMER_DATA_DIR: storage.dataDir, HOMER_DATABASE_URL: storage.databaseUrl, HOMER_BLOB_URL: storage.blobDir },
    });
  });
  afterAll(async () => {
    gw?.kill("SIGTERM");
    await gw?.exited;
    await storage?.cleanup();
  });

  test("every node seen while paging under creates, overwrites and deletes is whole", async () => {
    const writer = registryOver(storage);
    let gen = 0;
    for (let v = 1; v <= VERSIONS; v++) await writer.createModel(generation(FAMILY, v, ++gen, accOf(gen)));

    const failures: string[] = [];
    const seen = { nodes: 0, pages: 0, writes: 0, deletes: 0 };
    const start = Date.now();
    const enough = () => seen.pages >= ENOUGH.pages && seen.writes >= ENOUGH.writes && seen.deletes >= ENOUGH.deletes;
    const going = () => Date.now() - start < MAX_MS && (Date.now() - start < SOAK_MS || !enough());

    async function write() {
      while (going()) {
        const version = randomVersion();
        try {
          if (Math.random() < 0.25) {
            await writer.deleteModel({ name: FAMILY, version });
            seen.deletes++;
          } else {
            const g = ++gen;
            await writer.createModel(generation(FAMILY, version, g, accOf(g)));
          }
          seen.writes++;
        } catch (error) {
          if ((error as { code?: string }).code !== "NOT_FOUND") failures.push(`write failed: ${String(error)}`);
        }
      }
    }

    function check(node: WholeNode | null, where: string) {
      if (node === null) return;
      seen.nodes++;
      failures.push(...wholeProblems(FAMILY, node).map((p) => `${where}: ${p}`));
    }

    async function read() {
      let after: string | null = null;
      while (going()) {
        const res: { data?: Reads; errors?: unknown[] } = await gw.gql(QUERY, { after, v: randomVersion() });
        if (res.errors || !res.data) {
          failures.push(`read failed: ${JSON.stringify(res.errors)}`);
          return;
        }
        const { page, best, one } = res.data;
        seen.pages++;
        page.nodes.forEach((node) => check(node, "page"));
        page.nodes.slice(1).forEach((node, i) => {
          if (!sortsBefore(page.nodes[i]!, node)) failures.push(`page out of order: ${JSON.stringify(page.nodes.map(sortKey))}`);
        });
        check(best, "bestModel");
        if (best && best.metric === null) failures.push(`bestModel ${best.version} has no acc`);
        check(one, "model");
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        // Give the writers' turns on this event loop a chance between reads.
        await setTimeout(2);
      }
    }

    await Promise.all([...Array.from({ length: WRITERS }, write), ...Array.from({ length: READERS }, read)]);
    expect(failures.slice(0, 20)).toEqual([]);
    // Not a vacuous soak: readers paged while writers really changed what they read.
    expect(seen.pages).toBeGreaterThanOrEqual(ENOUGH.pages);
    expect(seen.writes).toBeGreaterThanOrEqual(ENOUGH.writes);
    expect(seen.deletes).toBeGreaterThanOrEqual(ENOUGH.deletes);
  });
});
