import { Readable } from "node:stream";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS } from "./support/backends.js";
import { file } from "./support/files.js";
import { startInterleaved, type Interleaved } from "./support/interleaved.js";
import { generation, WHOLE_FIELDS, wholeProblems, type WholeNode } from "./support/generations.js";

/**
 * A version deleted or overwritten while a request reads it: the write lands right
 * after the gateway's first statement that reads version rows, before anything
 * else of that request runs. It is made by a second store on the same database —
 * another replica — so the gateway's own connection is free to go on.
 */
describe.each(BACKENDS)("a reader sees a version whole or not at all on %s", (backend) => {
  let race: Interleaved;

  beforeAll(async () => {
    race = await startInterleaved(backend, /"models"/);
  });
  afterAll(() => race?.close());

  /** Registers versions 1..n as generations 1..n, acc rising with the version; the last has no acc. */
  async function family(name: string, n: number) {
    for (let v = 1; v <= n; v++) await race.writer.createModel(generation(name, v, v, v === n ? null : v / 10));
  }

  type Read = { readonly query: string; readonly nodes: (r: any) => WholeNode[] };
  const reads: Record<string, Read> = {
    "models, sorted by a metric": {
      query: `query($name: String!) { r: models(name: $name, sortKey: "acc", first: 10) { nodes { ...Whole } } } ${WHOLE_FIELDS}`,
      nodes: (r: any): WholeNode[] => r.nodes,
    },
    "models, sorted by version": {
      query: `query($name: String!) { r: models(name: $name, first: 10) { nodes { ...Whole } } } ${WHOLE_FIELDS}`,
      nodes: (r: any): WholeNode[] => r.nodes,
    },
    model: {
      query: `query($name: String!) { r: model(name: $name, version: 3) { ...Whole } } ${WHOLE_FIELDS}`,
      nodes: (r: any): WholeNode[] => (r ? [r] : []),
    },
    bestModel: {
      query: `query($name: String!) { r: bestModel(name: $name, metric: "acc") { ...Whole } } ${WHOLE_FIELDS}`,
      nodes: (r: any): WholeNode[] => (r ? [r] : []),
    },
  };
  const writes: Record<string, (name: string) => Promise<unknown>> = {
    deleted: (name: string) => race.writer.deleteModel({ name, version: 3 }),
    overwritten: (name: string) => race.writer.createModel(generation(name, 3, 30, 0.95)),
  };
  const cases = Object.keys(reads).flatMap((read) => Object.keys(writes).map((write) => [read, write] as const));

  test.each(cases)("%s: a version %s while the request reads it", async (read, write) => {
    const name = `${read.replace(/\W+/g, "-")}-${write}`.replace(/^-|-$/g, "");
    await family(name, 4);
    race.between = () => writes[write]!(name);
    const res = await race.gw.gql(reads[read]!.query, { name });
    expect(race.between, "the write ran between the statements of the request").toBeNull();
    expect(res.errors).toBeUndefined();
    const nodes = reads[read]!.nodes(res.data.r);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.flatMap((node) => wholeProblems(name, node))).toEqual([]);
    // The read sees the version as it was before the write or after it, nothing else.
    const third = nodes.find((node) => node.version === 3);
    if (third) expect([3, 30]).toContain(third.tags.gen);
  });

  test("nested fields selected through aliases, fragments and directives are read with the version", async () => {
    await family("selected", 2);
    const res = await race.gw.gql(
      `query($skip: Boolean!) {
        a: models(name: "selected", sortKey: "acc") { nodes { version ... on Model { m: metric(key: "acc") } ...F } }
        b: model(name: "selected", version: 1) { ... @include(if: true) { files { path } } metrics @skip(if: $skip) { key } }
        c: bestModel(name: "selected", metric: "acc") { ... on Model { ... on Model { files { sha256 } } } }
      }
      fragment F on Model { fs: files { path } }`,
      { skip: false },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.a.nodes).toEqual([
      { version: 1, m: 0.1, fs: [{ path: "gen-1.txt" }, { path: "w.bin" }] },
      { version: 2, m: null, fs: [{ path: "gen-2.txt" }, { path: "w.bin" }] },
    ]);
    expect(res.data.b).toEqual({ files: [{ path: "gen-1.txt" }, { path: "w.bin" }], metrics: [{ key: "acc" }, { key: "gen" }] });
    expect(res.data.c.files).toHaveLength(2);
  });

  test("metric values and sizes read back exactly through the JSON the statement aggregates", async () => {
    const values = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5e-7, 123456789.12345679, 2 ** 53 + 2];
    const metrics = values.map((value, i) => ({ key: `k${i}`, value }));
    await race.writer.createModel({ name: "exact", version: 1, metrics, files: [file("w.bin", "x".repeat(1000))] });
    const fields = `metrics { key value } files { sizeBytes }`;
    const res = await race.gw.gql(
      `{ a: model(name: "exact", version: 1) { ${fields} } b: models(name: "exact", sortKey: "k0") { nodes { ${fields} } } }`,
    );
    expect(res.errors).toBeUndefined();
    for (const read of [res.data.a, res.data.b.nodes[0]]) {
      expect(read.metrics).toEqual(metrics);
      expect(read.files).toEqual([{ sizeBytes: 1000 }]);
    }
  });

  test("an archive of a version overwritten while it is read has every file", async () => {
    const files = () => [file("w.bin", "weights"), file("conf/a.json", "{}")];
    await race.writer.createModel({ name: "archived", version: 1, metrics: [{ key: "acc", value: 0.1 }], files: files() });
    race.between = () =>
      race.writer.createModel({ name: "archived", version: 1, overwrite: true, metrics: [{ key: "acc", value: 0.2 }], files: files() });
    const res = await fetch(`${race.gw.origin}/archives/default/archived/1`);
    expect(race.between).toBeNull();
    expect(res.status).toBe(200);
    const entries: string[] = [];
    const extract = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
      extract.on("entry", (header, stream, next) => {
        entries.push(header.name);
        stream.on("end", next).resume();
      });
      extract.on("finish", resolve);
      extract.on("error", reject);
    });
    Readable.fromWeb(res.body as any).pipe(extract);
    await done;
    expect(entries).toEqual(["conf/a.json", "w.bin"]);
  });
});
