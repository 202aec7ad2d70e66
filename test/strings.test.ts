/**
 * Strings storage cannot hold (NUL, lone surrogates) and strings no name can be
 * (control characters, terminal escapes, huge values) sent to every backend: the
 * same answer everywhere, never a 500. NUL and lone surrogates are BAD_USER_INPUT in
 * every argument; a lookup by an impossible key is simply absent; key and project
 * names refuse control characters.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS, type Backend } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { send, uploadRequest } from "./support/raw-request.js";

const admin = generateKey();
const auth = { authorization: `Bearer ${admin.token}` };
const ESC = "ci\u001b[1A\u001b[2K\u001b[31mhidden";

/** Strings no stored value can contain. */
const UNSTORABLE: Record<string, string> = {
  "NUL alone": "\u0000",
  "NUL inside": "a\u0000b",
  "lone high surrogate": "acc\uD800",
  "lone low surrogate": "\uDC00acc",
};
/** Storable, but never a name, key or id. */
const IMPOSSIBLE: Record<string, string> = {
  "ANSI escapes": ESC,
  "C1 CSI": "x\u009b2J",
  DEL: "acc\u007f",
  "RTL override": "acc\u202Eyek",
  "100 kB": "k".repeat(100_000),
};

interface Answer {
  readonly status: number;
  readonly code?: string;
  readonly data?: unknown;
}
type Probe = (gw: TestGateway, s: string) => Promise<Answer>;

async function graphql(gw: TestGateway, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const res = await gw.gql(query, variables, auth);
  const code = res.errors?.[0]?.extensions?.code;
  return code ? { status: res.status, code } : { status: res.status, data: res.data };
}

async function http(gw: TestGateway, path: string): Promise<Answer> {
  const res = await fetch(`${gw.origin}${path}`, { headers: auth });
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.arrayBuffer().then(() => undefined);
  return { status: res.status, code: body?.errors?.[0]?.extensions?.code };
}

const create = (input: Record<string, unknown>) => (gw: TestGateway) =>
  graphql(
    gw,
    `
      mutation ($i: CreateModelInput!) {
        createModel(input: $i) {
          version
        }
      }
    `,
    { i: { name: "target", ...input } },
  );
const key = (input: Record<string, unknown>) => (gw: TestGateway) =>
  graphql(
    gw,
    `
      mutation ($i: CreateApiKeyInput!) {
        createApiKey(input: $i) {
          apiKey {
            name
          }
        }
      }
    `,
    { i: { name: "ci", grants: [{ project: "team-a", role: "READ" }], ...input } },
  );
/** Percent-encodes what encodeURIComponent can (a lone surrogate has no UTF-8 form: sent as its would-be bytes). */
const segment = (s: string) => s.replace(/[\s\S]/g, (c) => (/[\uD800-\uDFFF]/.test(c) ? "%ED%A0%80" : encodeURIComponent(c)));

const PROBES: Record<string, Probe> = {
  "model(name)": (gw, s) =>
    graphql(
      gw,
      `
        query ($n: String!) {
          model(name: $n, version: 1, project: "team-a") {
            version
          }
        }
      `,
      { n: s },
    ),
  "models(project)": (gw, s) =>
    graphql(
      gw,
      `
        query ($p: String) {
          models(name: "target", project: $p) {
            totalCount
          }
        }
      `,
      { p: s },
    ),
  "models(sortKey)": (gw, s) =>
    graphql(
      gw,
      `
        query ($k: String) {
          models(name: "target", project: "team-a", sortKey: $k) {
            nodes {
              version
            }
          }
        }
      `,
      { k: s },
    ),
  "models(after)": (gw, s) =>
    graphql(
      gw,
      `
        query ($a: String) {
          models(name: "target", project: "team-a", after: $a) {
            nodes {
              version
            }
          }
        }
      `,
      { a: s },
    ),
  "modelFamilies(project)": (gw, s) =>
    graphql(
      gw,
      `
        query ($p: String) {
          modelFamilies(project: $p) {
            nodes {
              name
            }
          }
        }
      `,
      { p: s },
    ),
  "modelFamilies(search)": (gw, s) =>
    graphql(
      gw,
      `
        query ($s: String) {
          modelFamilies(project: "team-a", search: $s) {
            nodes {
              name
            }
          }
        }
      `,
      { s },
    ),
  "modelFamilies(after)": (gw, s) =>
    graphql(
      gw,
      `
        query ($a: String) {
          modelFamilies(project: "team-a", after: $a) {
            nodes {
              name
            }
          }
        }
      `,
      { a: s },
    ),
  "bestModel(metric)": (gw, s) =>
    graphql(
      gw,
      `
        query ($m: String!) {
          bestModel(name: "target", project: "team-a", metric: $m) {
            version
          }
        }
      `,
      { m: s },
    ),
  "deleteModel(name)": (gw, s) =>
    graphql(
      gw,
      `
        mutation ($n: String!) {
          deleteModel(name: $n, version: 1, project: "team-a")
        }
      `,
      { n: s },
    ),
  "setAlias(alias)": (gw, s) =>
    graphql(
      gw,
      `
        mutation ($a: String!) {
          setAlias(name: "target", project: "team-a", alias: $a, version: 1) {
            alias
          }
        }
      `,
      { a: s },
    ),
  "setAlias(name)": (gw, s) =>
    graphql(
      gw,
      `
        mutation ($n: String!) {
          setAlias(name: $n, project: "team-a", alias: "prod", version: 1) {
            alias
          }
        }
      `,
      { n: s },
    ),
  "removeAlias(alias)": (gw, s) =>
    graphql(
      gw,
      `
        mutation ($a: String!) {
          removeAlias(name: "target", project: "team-a", alias: $a)
        }
      `,
      { a: s },
    ),
  "protectAlias(alias)": (gw, s) =>
    graphql(
      gw,
      `
        mutation ($a: String!) {
          protectAlias(name: "target", project: "team-a", alias: $a, protected: true) {
            alias
          }
        }
      `,
      { a: s },
    ),
  "model(alias)": (gw, s) =>
    graphql(
      gw,
      `
        query ($a: String!) {
          model(name: "target", project: "team-a", alias: $a) {
            version
          }
        }
      `,
      { a: s },
    ),
  "modelAliases(name)": (gw, s) =>
    graphql(
      gw,
      `
        query ($n: String!) {
          modelAliases(name: $n, project: "team-a") {
            alias
          }
        }
      `,
      { n: s },
    ),
  "createModel(name)": (gw, s) => create({ name: s, project: "team-a" })(gw),
  "createModel(project)": (gw, s) => create({ project: s })(gw),
  "createModel(description)": (gw, s) => create({ project: "team-a", description: s, version: 1 })(gw),
  "createModel(metrics.key)": (gw, s) => create({ project: "team-a", metrics: [{ key: s, value: 1 }] })(gw),
  "createModel(signature name)": (gw, s) =>
    create({ project: "team-a", version: 1, signature: { inputs: [{ name: s, type: "double" }], outputs: [] } })(gw),
  "createModel(tags key)": (gw, s) => create({ project: "team-a", version: 1, tags: { [s]: 1 } })(gw),
  "createModel(tags value)": (gw, s) => create({ project: "team-a", version: 1, tags: { k: { deep: [s] } } })(gw),
  "createModel(inputExample)": (gw, s) => create({ project: "team-a", version: 1, inputExample: [{ col: s }] })(gw),
  "createProject(name)": (gw, s) =>
    graphql(
      gw,
      `
        mutation ($n: String!) {
          createProject(name: $n) {
            name
          }
        }
      `,
      { n: s },
    ),
  "createApiKey(name)": (gw, s) => key({ name: s })(gw),
  "createApiKey(grant project)": (gw, s) => key({ grants: [{ project: s, role: "READ" }] })(gw),
  "revokeApiKey(id)": (gw, s) =>
    graphql(
      gw,
      `
        mutation ($id: String!) {
          revokeApiKey(id: $id) {
            id
          }
        }
      `,
      { id: s },
    ),
  "GET /files path": (gw, s) => http(gw, `/files/team-a/target/1/${segment(s)}`),
  "GET /files project": (gw, s) => http(gw, `/files/${segment(s)}/target/1/w.bin`),
  "GET /archives name": (gw, s) => http(gw, `/archives/team-a/${segment(s)}/1`),
};

/** Lookups by a key nothing can have: absent, never an error about the key. */
const ABSENT: Record<string, (a: Answer) => void> = {
  "bestModel(metric)": (a) => expect(a).toEqual({ status: 200, data: { bestModel: null } }),
  "revokeApiKey(id)": (a) => expect(a.code).toBe("NOT_FOUND"),
  // 100 kB of path is over Node's header limit before any route sees it.
  "GET /files path": (a) => expect([{ status: 404, code: "NOT_FOUND" }, { status: 431 }]).toContainEqual(a),
};

describe("hostile strings answer the same on every backend", () => {
  const gateways = new Map<Backend, TestGateway>();
  /** answers[probe][string][backend] */
  const answers = new Map<string, Map<Backend, Answer>>();

  beforeAll(async () => {
    for (const backend of BACKENDS) {
      const gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
      gateways.set(backend, gw);
      expect((await gw.gql(`mutation { createProject(name: "team-a") { name } }`, {}, auth)).errors).toBeUndefined();
      const seeded = await send(
        gw.origin,
        uploadRequest({ name: "target", project: "team-a", metrics: [{ key: "acc", value: 0.5 }] }, [["w.bin", "weights"]], admin.token),
      );
      expect(seeded.json?.errors, seeded.text).toBeUndefined();
    }
    // Sequential and in one order, so versions that legal data creates match across backends.
    for (const [probe, run] of Object.entries(PROBES)) {
      for (const [what, s] of Object.entries({ ...UNSTORABLE, ...IMPOSSIBLE })) {
        const byBackend = new Map<Backend, Answer>();
        for (const [backend, gw] of gateways) byBackend.set(backend, await run(gw, s));
        answers.set(`${probe} with ${what}`, byBackend);
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const gw of gateways.values()) await gw.close();
  });

  test("never a 5xx or INTERNAL_SERVER_ERROR", () => {
    const failures = [...answers].flatMap(([name, byBackend]) =>
      [...byBackend]
        .filter(([, a]) => a.status >= 500 || a.code === "INTERNAL_SERVER_ERROR")
        .map(([b, a]) => `${name} on ${b}: ${JSON.stringify(a)}`),
    );
    expect(failures).toEqual([]);
  });

  test.skipIf(BACKENDS.length < 2)("SQLite and PostgreSQL give identical answers", () => {
    const differing = [...answers].filter(([, byBackend]) => new Set([...byBackend.values()].map((a) => JSON.stringify(a))).size > 1);
    expect(differing.map(([name, byBackend]) => `${name}: ${JSON.stringify(Object.fromEntries(byBackend))}`)).toEqual([]);
  });

  test("NUL and lone surrogates are BAD_USER_INPUT in every argument", () => {
    for (const probe of Object.keys(PROBES)) {
      for (const what of Object.keys(UNSTORABLE)) {
        for (const [backend, answer] of answers.get(`${probe} with ${what}`)!) {
          // A surrogate has no UTF-8 form, so in a URL it arrives as bytes the path decoder refuses.
          const expected = probe.startsWith("GET") ? { status: 400, code: "BAD_USER_INPUT" } : { status: 200, code: "BAD_USER_INPUT" };
          expect(answer, `${probe} with ${what} on ${backend}`).toEqual(expected);
        }
      }
    }
  });

  test("a lookup by a key nothing can have is absent, not an error", () => {
    for (const [probe, check] of Object.entries(ABSENT)) {
      for (const what of Object.keys(IMPOSSIBLE)) {
        for (const answer of answers.get(`${probe} with ${what}`)!.values()) check(answer);
      }
    }
  });

  test("key, project, model and tag-key names, and name searches, refuse control characters; JSON data keeps them", () => {
    for (const probe of [
      "setAlias(alias)",
      "setAlias(name)",
      "removeAlias(alias)",
      "protectAlias(alias)",
      "model(alias)",
      "modelFamilies(search)",
      "createApiKey(name)",
      "createProject(name)",
      "createModel(name)",
      "createModel(tags key)",
      "createModel(signature name)",
      "createModel(description)",
    ]) {
      for (const what of ["ANSI escapes", "C1 CSI", "DEL", "RTL override"]) {
        for (const answer of answers.get(`${probe} with ${what}`)!.values())
          expect(answer.code, `${probe} with ${what}`).toBe("BAD_USER_INPUT");
      }
    }
    for (const answer of answers.get("createModel(tags value) with ANSI escapes")!.values()) expect(answer.code).toBe("ALREADY_EXISTS");
  });
});
