/**
 * Hostile-input corpus: hundreds of malformed, oversized, mistyped, unauthorised and
 * path-traversing requests against a real gateway (API keys on, local blobs), once per
 * backend of BACKENDS (SQLite and PostgreSQL; HOMER_TEST_BACKENDS narrows it).
 *
 * Every request must get (a) a typed error (JSON `errors[0].extensions.code` in a known
 * set, or an expected plain HTTP status on download routes), never a 5xx, and no stack,
 * server path, SQL or secret in the body; after it (b) the server still answers
 * (`/healthz` and `{ __typename }`), and (c) nothing is left in `<blobs>/.staging`, the
 * blob store holds exactly the fixtures' blobs, and no victim version exists.
 * At the end (d) nothing appeared outside the data directory (a sentinel tree surrounds
 * it) and no attack file name exists anywhere.
 *
 * The corpus itself is data, one module per theme under `test/hostile/` (listed in
 * order by `test/hostile/index.ts`); this file is the runner that sends it and checks
 * every answer. Known gateway bugs stay in the corpus as `test.fails` cases (a case's
 * `bug`) named "[GATEWAY BUG …]": when one is fixed, its case starts failing and the
 * marker must be removed.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { GROUPS } from "./hostile/index.js";
import { get } from "./hostile/requests.js";
import {
  adminKey,
  cursors,
  keyIds,
  keys,
  MAX_FILE,
  MAX_INPUT_EXAMPLE,
  own,
  PROJECTS,
  summary,
  target,
  VICTIMS,
  W,
  W_URL,
  type Case,
  type Group,
} from "./hostile/world.js";
import { BACKENDS, listBlobFiles } from "./support/backends.js";
import { startTestGateway } from "./support/gateway.js";
import { KNOWN_CODES, MARK, leaksIn, listAll, snapshotTree, startHostileGateway, type HostileGateway } from "./support/hostile-harness.js";
import { CREATE, gqlRequest, send, uploadRequest, type RawRequest, type Reply } from "./support/raw-request.js";

// ------------------------------------------------------------------ the world

let gw: HostileGateway;
let baselineBlobs: string[] = [];
let outsideBefore: Map<string, string>;
let tmpBefore: Set<string>;
let etcPasswdBefore: string;

// ------------------------------------------------------------------ bookkeeping

let hostileCount = 0;
const byCode = new Map<string, number>();
const byStatus = new Map<number, number>();
/** Invariant violations seen after a request, by group; asserted at each group's end. */
const violations = new Map<string, string[]>();
let currentGroup = "setup";
/** Hostile requests that succeeded because the input, though strange, is legal. */
const tolerated: string[] = [];

function codeOf(reply: Reply): string {
  const code = reply.json?.errors?.[0]?.extensions?.code;
  if (typeof code === "string") return code;
  if (reply.status < 0) return "NO ANSWER";
  if (reply.json && typeof reply.json === "object" && "data" in reply.json) return `data (HTTP ${reply.status})`;
  return `HTTP ${reply.status}`;
}

/** Sends one hostile request and records its outcome. */
async function hostile(request: RawRequest): Promise<Reply> {
  const reply = await send(gw.origin, request);
  hostileCount++;
  const code = codeOf(reply);
  byCode.set(code, (byCode.get(code) ?? 0) + 1);
  byStatus.set(reply.status, (byStatus.get(reply.status) ?? 0) + 1);
  return reply;
}

async function adminGql(query: string, variables?: Record<string, unknown>): Promise<any> {
  const reply = await own(gqlRequest(query, variables, keys.admin));
  return reply.json;
}

// ------------------------------------------------------------------ what every answer must satisfy

const secrets = () => [keys.admin, keys.write, keys.read, keys.writeB, keys.revoked, gw.sentinelRoot];

async function verify(c: Case, reply: Reply): Promise<void> {
  const where = `${c.name} → ${summary(reply)}`;
  expect(reply.status, `no answer: ${where}`).toBeGreaterThan(0);
  expect(reply.status, where).not.toBe(500);
  expect(reply.status, where).toBeLessThan(500);
  expect(leaksIn(reply, secrets()), where).toEqual([]);
  if (c.expect.status) expect(c.expect.status, where).toContain(reply.status);
  const errors = reply.json?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    for (const error of errors) {
      expect(KNOWN_CODES.has(error?.extensions?.code), `unknown code: ${where}`).toBe(true);
      expect(error.extensions, where).not.toHaveProperty("stacktrace");
      expect(error.extensions, where).not.toHaveProperty("exception");
    }
    if (c.expect.codes) expect(c.expect.codes, where).toContain(errors[0].extensions.code);
  } else if (reply.json && typeof reply.json === "object" && "data" in reply.json) {
    expect(c.expect.success ?? false, `succeeded, but a typed error was expected: ${where}`).toBe(true);
  } else {
    expect(c.expect.plain ?? false, `not a typed JSON answer: ${where}`).toBe(true);
  }
  await c.expect.check?.(reply);
}

/** Registers `cases` as tests of the current describe block. */
function corpus(cases: readonly Case[]): void {
  cases.forEach((c, i) => {
    const run = async () => {
      const reply = await hostile(typeof c.request === "function" ? c.request() : c.request);
      if (reply.json?.data !== undefined && !reply.json?.errors) tolerated.push(`${currentGroup}: ${c.name}`);
      try {
        await verify(c, reply);
      } finally {
        if (c.expect.success) await purgeVictims();
      }
    };
    const title = `#${i + 1} ${c.name}`;
    // HOSTILE_BUGS_AS_TESTS=1 runs the known-bug cases as plain tests, to see how they fail.
    if (c.bug && !process.env.HOSTILE_BUGS_AS_TESTS) test.fails(`${title} [GATEWAY BUG: ${c.bug}]`, run);
    else test(c.bug ? `${title} [GATEWAY BUG: ${c.bug}]` : title, run);
  });
}

/** Deletes any version a tolerated success created under a victim name. */
async function purgeVictims(): Promise<void> {
  for (const project of PROJECTS) {
    for (const name of VICTIMS) {
      const listed = await adminGql(`query($n: String!, $p: String) { models(name: $n, project: $p, first: 500) { nodes { version } } }`, {
        n: name,
        p: project,
      });
      for (const node of listed?.data?.models?.nodes ?? []) {
        await adminGql(`mutation($n: String!, $v: Int!, $p: String) { deleteModel(name: $n, version: $v, project: $p) }`, {
          n: name,
          v: node.version,
          p: project,
        });
      }
    }
  }
}

/** (b) and (c) after one request; problems are collected, not thrown, so bug cases cannot hide them. */
async function invariantProblems(): Promise<string[]> {
  const problems: string[] = [];
  const health = await own({ path: "/healthz" });
  if (health.status !== 200 || health.json?.status !== "ok") problems.push(`/healthz answered ${summary(health)}`);
  const typename = await own(gqlRequest("{ __typename }", undefined, keys.write));
  if (typename.json?.data?.__typename !== "Query") problems.push(`{ __typename } answered ${summary(typename)}`);
  const staging = path.join(gw.blobDir, ".staging");
  let left: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    left = await fs.readdir(staging).catch((e) => [`(cannot read staging: ${e})`]);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (left.length > 0) problems.push(`left in .staging: ${left.join(", ")}`);
  const blobs = await listBlobFiles(gw.blobDir);
  if (JSON.stringify(blobs) !== JSON.stringify(baselineBlobs))
    problems.push(`blob store changed: ${blobs.length} files, expected ${baselineBlobs.length}`);
  return problems;
}

/** (c) at a group's end: no victim name holds a version in any project (asked with the admin key). */
async function victimCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const project of PROJECTS) {
    for (const name of VICTIMS) {
      const res = await adminGql(`query($n: String!, $p: String) { models(name: $n, project: $p) { totalCount } }`, {
        n: name,
        p: project,
      });
      counts[`${project}/${name}`] = res?.data?.models?.totalCount ?? -1;
    }
  }
  return counts;
}

/** Registers a corpus group as a describe block, closed by a test of the invariants it kept. */
function register({ name, cases }: Group): void {
  describe(name, () => {
    beforeAll(() => {
      currentGroup = name;
      violations.set(name, []);
    });
    corpus(cases());
    test(`after every ${name} request: server answers, nothing staged, no partial version`, async () => {
      expect(violations.get(name)).toEqual([]);
      expect(
        Object.values(await victimCounts()).every((n) => n === 0),
        JSON.stringify(await victimCounts()),
      ).toBe(true);
    });
  });
}

// ------------------------------------------------------------------ setup and teardown

describe.each(BACKENDS)("hostile requests on %s", (backend) => {
  beforeAll(async () => {
    hostileCount = 0;
    byCode.clear();
    byStatus.clear();
    tolerated.length = 0;
    gw = await startHostileGateway({
      backend,
      config: {
        adminKey: adminKey.token,
        rateLimit: 100_000,
        maxFileSize: MAX_FILE,
        maxFiles: 20,
        maxInputExampleBytes: MAX_INPUT_EXAMPLE,
      },
    });
    target.origin = gw.origin;
    for (const project of ["team-a", "team-b"]) {
      expect((await adminGql(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project })).errors).toBeUndefined();
    }
    const makeKey = async (name: keyof typeof keyIds, project: string, role: string) => {
      const res = await adminGql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, {
        i: { name, grants: [{ project, role }] },
      });
      expect(res.errors).toBeUndefined();
      keys[name] = res.data.createApiKey.secret;
      keyIds[name] = res.data.createApiKey.apiKey.id;
    };
    await makeKey("write", "team-a", "WRITE");
    await makeKey("read", "team-a", "READ");
    await makeKey("writeB", "team-b", "WRITE");
    await makeKey("revoked", "team-a", "WRITE");
    expect((await adminGql(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: keyIds.revoked })).errors).toBeUndefined();

    const seed = async (token: string, input: Record<string, unknown>, files: [string, string | Buffer][]) => {
      const res = await own(uploadRequest(input, files, token));
      expect(res.json?.errors, summary(res)).toBeUndefined();
    };
    await seed(keys.write, { name: "fixture", metrics: [{ key: "acc", value: 0.5 }] }, [
      ["w.bin", W],
      ["dir/x.txt", "hello"],
      ["empty.bin", ""],
    ]);
    await seed(keys.write, { name: "fixture", metrics: [{ key: "acc", value: 0.9 }] }, [["w.bin", W]]);
    await seed(keys.write, { name: "other", metrics: [{ key: "acc", value: 0.1 }] }, [["w.bin", W]]);
    await seed(keys.writeB, { name: "secret" }, [["w.bin", "b-secret-bytes"]]);
    const cursor = async (args: string) =>
      (await own(gqlRequest(`{ models(${args}, first: 1) { pageInfo { endCursor } } }`, undefined, keys.write))).json.data.models.pageInfo
        .endCursor as string;
    cursors.version = await cursor(`name: "fixture"`);
    cursors.acc = await cursor(`name: "fixture", sortKey: "acc"`);
    cursors.asc = await cursor(`name: "fixture", direction: ASC`);
    cursors.other = await cursor(`name: "other"`);
    expect(Object.values(cursors).every(Boolean)).toBe(true);

    baselineBlobs = await listBlobFiles(gw.blobDir);
    expect(baselineBlobs).toHaveLength(4); // w.bin, x.txt, empty.bin, secret
    outsideBefore = await snapshotTree(gw.sentinelRoot, [gw.dataDir]);
    tmpBefore = new Set(await fs.readdir(os.tmpdir()));
    const passwd = await fs.stat("/etc/passwd").catch(() => null);
    etcPasswdBefore = passwd ? `${passwd.size}@${passwd.mtimeMs}` : "absent";
  });

  afterEach(async (context) => {
    const problems = await invariantProblems();
    if (problems.length > 0) {
      const list = violations.get(currentGroup) ?? [];
      list.push(`${context.task.name}: ${problems.join("; ")}`);
      violations.set(currentGroup, list);
    }
  });

  afterAll(async () => {
    const codes = [...byCode.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `  ${c.padEnd(32)} ${n}`);
    const statuses = [...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
    console.log(
      `hostile requests sent on ${backend}: ${hostileCount}\nby code:\n${codes.join("\n")}\nby HTTP status: ${statuses.join(", ")}\n` +
        `tolerated successes (legal input, checked):\n${tolerated.map((t) => `  ${t}`).join("\n")}`,
    );
    await gw?.close();
  });

  for (const g of GROUPS) register(g);

  // ---------------------------------------------------------------- the rate limiter, on its own gateway

  describe("rate limit (its own gateway, 5 requests a minute)", () => {
    test("a flood gets 429 TOO_MANY_REQUESTS with Retry-After; health and other keys are unaffected", async () => {
      const admin = generateKey();
      const limited = await startTestGateway({ backend, config: { adminKey: admin.token, rateLimit: 5 } });
      try {
        const replies: Reply[] = [];
        for (let i = 0; i < 12; i++) {
          const reply = await send(limited.origin, gqlRequest(CREATE, { input: { name: "../victim" } }, admin.token));
          hostileCount++;
          byCode.set(codeOf(reply), (byCode.get(codeOf(reply)) ?? 0) + 1);
          byStatus.set(reply.status, (byStatus.get(reply.status) ?? 0) + 1);
          replies.push(reply);
          expect(reply.status).not.toBe(500);
          expect(leaksIn(reply, [admin.token])).toEqual([]);
        }
        const tooMany = replies.filter((r) => r.status === 429);
        expect(tooMany.length).toBeGreaterThanOrEqual(6);
        for (const r of tooMany) {
          expect(r.json.errors[0].extensions.code).toBe("TOO_MANY_REQUESTS");
          expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
        }
        expect((await send(limited.origin, { path: "/healthz" })).status).toBe(200);
        const unauthenticated = await send(limited.origin, gqlRequest("{ __typename }", undefined, null));
        expect([401, 429]).toContain(unauthenticated.status);
        const allowed = replies.filter((r) => r.status !== 429);
        for (const r of allowed) expect(r.json.errors[0].extensions.code).toBe("BAD_USER_INPUT");
      } finally {
        await limited.close();
      }
    });
  });

  // ---------------------------------------------------------------- the aftermath

  describe("aftermath", () => {
    test("(c) no partial version: victims are empty everywhere, the database holds only the fixtures", async () => {
      expect(await victimCounts()).toEqual(Object.fromEntries(PROJECTS.flatMap((p) => VICTIMS.map((n) => [`${p}/${n}`, 0]))));
      const rows = await gw.query(
        "select f.project, f.name, m.version, m.revision from models m join families f on f.id = m.family_id order by 1, 2, 3",
      );
      // revision 1 everywhere: no hostile updateModel changed a version.
      expect((rows as Record<string, unknown>[]).map((r) => ({ ...r, revision: Number(r.revision) }))).toEqual([
        { project: "team-a", name: "fixture", version: 1, revision: 1 },
        { project: "team-a", name: "fixture", version: 2, revision: 1 },
        { project: "team-a", name: "other", version: 1, revision: 1 },
        { project: "team-b", name: "secret", version: 1, revision: 1 },
      ]);
      expect(await fs.readdir(path.join(gw.blobDir, ".staging"))).toEqual([]);
      expect(await listBlobFiles(gw.blobDir)).toEqual(baselineBlobs);
      const fixture = await own(get(W_URL)());
      expect(fixture.body.equals(W)).toBe(true);
    });

    test("(d) nothing was written outside the data directory, and no attack file name exists anywhere", async () => {
      expect(await snapshotTree(gw.sentinelRoot, [gw.dataDir])).toEqual(outsideBefore);
      // Inside the data directory only the store's own names exist.
      const inside = (await listAll(gw.dataDir)).map((p) => path.relative(gw.dataDir, p));
      const allowed =
        /^(registry\.sqlite(-wal|-shm|-journal|-reserve)?|blobs|blobs\/\.staging|blobs\/[0-9a-f]{2}|blobs\/[0-9a-f]{2}\/[0-9a-f]{64})$/;
      expect(inside.filter((p) => !allowed.test(p))).toEqual([]);
      // The marker every attack file name carries appears nowhere we can look.
      const places = [
        os.tmpdir(),
        process.cwd(),
        path.dirname(process.cwd()),
        "/",
        os.homedir(),
        path.join(process.cwd(), "test"),
        path.join(process.cwd(), "gateway"),
      ];
      for (const place of places) {
        const names = await fs.readdir(place).catch(() => [] as string[]);
        expect(
          names.filter((n) => n.includes(MARK) || n === "evil"),
          place,
        ).toEqual([]);
      }
      const newInTmp = (await fs.readdir(os.tmpdir())).filter((n) => !tmpBefore.has(n));
      expect(newInTmp.filter((n) => n.includes(MARK) || ["passwd", "win.ini", "share", "evil"].includes(n))).toEqual([]);
      expect((await listAll(gw.sentinelRoot)).filter((p) => p.includes(MARK))).toEqual([]);
      const passwd = await fs.stat("/etc/passwd").catch(() => null);
      expect(passwd ? `${passwd.size}@${passwd.mtimeMs}` : "absent").toBe(etcPasswdBefore);
      // The gateway runs in this process: no request may have polluted Object.prototype.
      expect(Object.keys(Object.prototype)).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    test(`at least 150 hostile requests were sent`, () => {
      expect(hostileCount).toBeGreaterThanOrEqual(150);
    });
  });
});
