import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Kind, parse } from "graphql";
import { afterEach, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { CLIENT_OPERATION_NAMES, MAX_OPERATION_NAMES } from "../gateway/src/metrics/index.js";
import { loadConfig } from "../gateway/src/config.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { parsePrometheusText, valueOf, type Sample } from "./support/prometheus.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Every `.graphql` file under `dir`, generated code excluded. */
async function documents(dir: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(ROOT, dir), { recursive: true });
  return entries.filter((e) => e.endsWith(".graphql") && !e.split(path.sep).includes("generated")).map((e) => path.join(ROOT, dir, e));
}

async function operationNames(files: readonly string[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of files) {
    for (const definition of parse(await fs.readFile(file, "utf8")).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.add(definition.name.value);
    }
  }
  return names;
}

async function scrape(gw: TestGateway): Promise<Sample[]> {
  return parsePrometheusText(await (await fetch(`${gw.origin}/metrics`)).text());
}

const labelled = (samples: readonly Sample[]) =>
  new Set(samples.filter((s) => s.name === "homer_graphql_operations_total").map((s) => s.labels.operation!));

/** `count` junk operations (`query junk17 { __typename }`), 50 at a time. */
async function flood(gw: TestGateway, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) => gw.gql(`query junk${i + j} { __typename }`)),
    );
    expect(answers.every((a) => a.errors === undefined)).toBe(true);
  }
}

test("the known names are exactly the operations of the SDK's (and CLI's) and the web app's documents", async () => {
  const files = [...(await documents("sdk/src")), ...(await documents("web/src/graphql"))];
  expect(files.length).toBeGreaterThan(4);
  expect([...(await operationNames(files))].sort()).toEqual([...CLIENT_OPERATION_NAMES].sort());
});

describe("junk operation names cannot take the clients' labels", () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  test("after 1000 junk names, the SDK's operations still have their own label; junk past the budget is 'other'", async () => {
    gw = await startTestGateway();
    await flood(gw, 1000);
    const mr = await connection({ url: gw.url }).getModelRegistry();
    expect(await mr.getModels({ name: "after-flood" })).toEqual([]);
    expect(await mr.getModel({ name: "after-flood", version: 1 })).toBeNull();
    const samples = await scrape(gw);
    expect(
      valueOf(samples, "homer_graphql_operations_total", { operation: "ListModels", type: "query", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, "homer_graphql_operations_total", { operation: "GetModel", type: "query", outcome: "ok" })).toBe(1);
    const names = labelled(samples);
    expect([...names].filter((n) => n.startsWith("junk"))).toHaveLength(MAX_OPERATION_NAMES);
    expect(valueOf(samples, "homer_graphql_operations_total", { operation: "other", type: "query", outcome: "ok" })).toBe(
      1000 - MAX_OPERATION_NAMES,
    );
    expect(names.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + CLIENT_OPERATION_NAMES.length + 3);
  });

  test("with HOMER_METRICS_OPERATIONS, the listed names and the clients' are the only labels: no junk takes one", async () => {
    const { metricsOperations } = loadConfig([], { HOMER_METRICS_OPERATIONS: "TrainingDashboard, NightlyReport" });
    gw = await startTestGateway({ config: { metricsOperations } });
    await gw.gql(`query NightlyReport { __typename }`);
    await flood(gw, 1000);
    await gw.gql(`query TrainingDashboard { __typename }`);
    await gw.gql(`query GetModel { __typename }`);
    const samples = await scrape(gw);
    expect([...labelled(samples)].sort()).toEqual(["GetModel", "NightlyReport", "TrainingDashboard", "other"]);
    expect(valueOf(samples, "homer_graphql_operations_total", { operation: "other", type: "query", outcome: "ok" })).toBe(1000);
  });
});

test("HOMER_METRICS_OPERATIONS takes operation names only, at most 1000", () => {
  expect(loadConfig([], {}).metricsOperations).toBeUndefined();
  expect(loadConfig(["--metrics-operations", "A,b_2, A"], {}).metricsOperations).toEqual(["A", "b_2"]);
  expect(() => loadConfig([], { HOMER_METRICS_OPERATIONS: "Good,not-a-name" })).toThrow(
    /HOMER_METRICS_OPERATIONS: "not-a-name" is not an operation name/,
  );
  expect(() => loadConfig([], { HOMER_METRICS_OPERATIONS: `X${"y".repeat(64)}` })).toThrow(/at most 64 characters/);
  const many = Array.from({ length: 1001 }, (_, i) => `n${i}`).join(",");
  expect(() => loadConfig([], { HOMER_METRICS_OPERATIONS: many })).toThrow(/at most 1000 names, got 1001/);
});
