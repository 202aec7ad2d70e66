import http from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { startGateway } from "../gateway/src/app.js";
import { ConfigError, loadConfig } from "../gateway/src/config.js";
import { isLoopback } from "../gateway/src/domain/loopback.js";
import { openTestStorage } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { silentLog } from "./support/registry.js";

const admin = generateKey();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

describe("projects and API keys", () => {
  let gw: TestGateway;
  const audit: Record<string, unknown>[] = [];
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let fileOfB: string;
  let archiveOfB: string;

  const as = (who: string) => (query: string, variables?: Record<string, unknown>) => gw.gql(query, variables, bearer(keys[who]!));

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _e, done) {
        const line = JSON.parse(String(chunk));
        if (line.audit) audit.push(line);
        done();
      },
    });
    gw = await startTestGateway({ config: { adminKey: admin.token }, logger: pino({ level: "info" }, sink) });
    keys.admin = admin.token;
    for (const project of ["team-a", "team-b"]) {
      expect((await as("admin")(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project })).errors).toBeUndefined();
    }
    const create = async (who: string, grants: { project: string; role: string }[]) => {
      const res = await as("admin")(
        `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id grants { project role } } } }`,
        {
          i: { name: who, grants: grants.map((g) => ({ project: g.project, role: g.role.toUpperCase() })) },
        },
      );
      expect(res.errors).toBeUndefined();
      keys[who] = res.data.createApiKey.secret;
      ids[who] = res.data.createApiKey.apiKey.id;
    };
    await create("writerA", [{ project: "team-a", role: "write" }]);
    await create("readerA", [{ project: "team-a", role: "read" }]);
    await create("adminA", [{ project: "team-a", role: "admin" }]);
    await create("writerB", [{ project: "team-b", role: "write" }]);
    const upload = await fetch(gw.url, {
      method: "POST",
      headers: { "apollo-require-preflight": "true", ...bearer(keys.writerB!) },
      body: (() => {
        const form = new FormData();
        const input = { name: "secret-model", metrics: [{ key: "acc", value: 0.9 }], files: [{ path: "w.bin", file: null }] };
        form.set(
          "operations",
          JSON.stringify({
            query: "mutation($input: CreateModelInput!) { createModel(input: $input) { project files { downloadUrl } archiveUrl } }",
            variables: { input },
          }),
        );
        form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file"] }));
        form.set("0", new Blob(["b-secret-bytes"]), "w.bin");
        return form;
      })(),
    }).then((r) => r.json());
    expect(upload.data.createModel.project).toBe("team-b"); // the key's default project
    fileOfB = upload.data.createModel.files[0].downloadUrl;
    archiveOfB = upload.data.createModel.archiveUrl;
  });
  afterAll(() => gw?.close());

  test("once keys exist every request needs one; health probes do not", async () => {
    const res = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(res.status).toBe(401);
    expect((await res.json()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect((await fetch(fileOfB)).status).toBe(401);
    for (const header of [
      "Bearer nope",
      "Basic abc",
      `Bearer ${admin.token}x`,
      `Bearer hmr_${"A".repeat(16)}_${"a".repeat(43)}`,
      "Bearer",
    ]) {
      const bad = await fetch(gw.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: header },
        body: "{}",
      });
      expect(bad.status).toBe(401);
    }
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(200);
  });

  test("a key for A gets nothing of B by any route, and cannot tell whether a name exists there", async () => {
    const a = as("writerA");
    const probes = [
      `{ model(name: "secret-model", version: 1, project: "team-b") { version } }`,
      `{ models(name: "secret-model", project: "team-b") { totalCount } }`,
      `{ bestModel(name: "secret-model", metric: "acc", project: "team-b") { version } }`,
      `mutation { deleteModel(name: "secret-model", version: 1, project: "team-b") }`,
      `mutation { createModel(input: { name: "intruder", project: "team-b" }) { version } }`,
    ];
    for (const query of probes) {
      const exists = await a(query);
      const absent = await a(query.replace("secret-model", "no-such-model"));
      expect(codeOf(exists)).toBe("FORBIDDEN");
      expect(absent.errors![0]!.message).toBe(exists.errors![0]!.message);
    }
    expect((await fetch(fileOfB, { headers: bearer(keys.writerA!) })).status).toBe(403);
    expect((await fetch(archiveOfB, { headers: bearer(keys.writerA!) })).status).toBe(403);
    const still = await as("writerB")(`{ model(name: "secret-model", version: 1) { version } models(name: "intruder") { totalCount } }`);
    expect(still.data).toEqual({ model: { version: 1 }, models: { totalCount: 0 } });
  });

  test("a cursor forged from B's listing resumes nothing of B's for A", async () => {
    await as("writerB")(`mutation { createModel(input: { name: "secret-model", metrics: [{ key: "acc", value: 0.5 }] }) { version } }`);
    const page = await as("writerB")(`{ models(name: "secret-model", sortKey: "acc", first: 1) { pageInfo { endCursor } } }`);
    const cursor = page.data.models.pageInfo.endCursor;
    const forged = await as("writerA")(
      `query($c: String) { models(name: "secret-model", sortKey: "acc", first: 5, after: $c, project: "team-b") { nodes { version } } }`,
      { c: cursor },
    );
    expect(codeOf(forged)).toBe("FORBIDDEN");
    // Cursors are bound to their project: replayed against A's own listing it is refused.
    const own = await as("writerA")(
      `query($c: String) { models(name: "secret-model", sortKey: "acc", first: 5, after: $c) { nodes { project version } } }`,
      { c: cursor },
    );
    expect(codeOf(own)).toBe("BAD_USER_INPUT");
  });

  test("roles: read cannot write, write cannot administer, project admins stay in their project", async () => {
    expect(codeOf(await as("readerA")(`mutation { createModel(input: { name: "m" }) { version } }`))).toBe("FORBIDDEN");
    expect((await as("writerA")(`mutation { createModel(input: { name: "m" }) { project version } }`)).data.createModel).toEqual({
      project: "team-a",
      version: 1,
    });
    expect((await as("readerA")(`{ model(name: "m", version: 1) { version } }`)).data.model).toEqual({ version: 1 });
    expect(codeOf(await as("readerA")(`mutation { deleteModel(name: "m", version: 1) }`))).toBe("FORBIDDEN");
    const grant = (project: string) =>
      `mutation { createApiKey(input: { name: "x", grants: [{ project: "${project}", role: READ }] }) { secret } }`;
    expect(codeOf(await as("writerA")(grant("team-a")))).toBe("FORBIDDEN");
    expect(codeOf(await as("writerA")(`mutation { createProject(name: "c") { name } }`))).toBe("FORBIDDEN");
    expect((await as("adminA")(grant("team-a"))).data.createApiKey.secret).toMatch(/^hmr_/);
    expect(codeOf(await as("adminA")(grant("team-b")))).toBe("FORBIDDEN");
    expect(codeOf(await as("adminA")(grant("*")))).toBe("FORBIDDEN");
    expect(codeOf(await as("admin")(grant("no-such-project")))).toBe("NOT_FOUND");
    const listed = await as("adminA")(`{ apiKeys { id name grants { project } } projects { name } }`);
    expect(listed.data.apiKeys.every((k: any) => k.grants.every((g: any) => g.project === "team-a"))).toBe(true);
    expect(listed.data.projects.map((p: any) => p.name)).toEqual(["team-a"]);
    // Each lists its own role, so a client offers only what the key may do; the global admin's * counts everywhere.
    for (const [who, role] of [
      ["readerA", "READ"],
      ["writerA", "WRITE"],
      ["adminA", "ADMIN"],
    ] as const) {
      expect((await as(who)(`{ projects { name role } }`)).data.projects, who).toEqual([{ name: "team-a", role }]);
    }
    const everywhere = (await as("admin")(`{ projects { name role } }`)).data.projects;
    expect(everywhere.length).toBeGreaterThan(1);
    expect(everywhere.every((p: any) => p.role === "ADMIN")).toBe(true);
    expect(JSON.stringify(await as("admin")(`{ apiKeys { id name } }`))).not.toMatch(/hmr_/);
  });

  test("a revoked key is refused at once", async () => {
    expect((await as("readerA")(`{ models(name: "m") { totalCount } }`)).status).toBe(200);
    const revoked = await as("adminA")(`mutation($id: String!) { revokeApiKey(id: $id) { revokedAt } }`, { id: ids.readerA });
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    const after = await as("readerA")(`{ models(name: "m") { totalCount } }`);
    expect(after.status).toBe(401);
    expect(codeOf(after)).toBe("UNAUTHENTICATED");
    expect(codeOf(await as("adminA")(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: ids.writerB }))).toBe("NOT_FOUND");
  });

  test("keys are stored as digests only", async () => {
    const stored = await gw.storage.access.findKey(ids.writerA!);
    expect(stored!.secretSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.writerA).not.toContain(stored!.secretSha256);
  });

  test("one audit line per create, delete and key change, naming the key", async () => {
    await as("writerA")(`mutation { deleteModel(name: "m", version: 1) }`);
    const actions = audit.map((a) => `${a.audit as string} by ${a.by as string}`);
    expect(actions).toContain(`model.create by ${ids.writerB}`);
    expect(actions).toContain(`model.delete by ${ids.writerA}`);
    expect(actions).toContain(`key.create by ${admin.id}`);
    expect(actions).toContain(`key.revoke by ${ids.adminA}`);
    expect(actions).toContain(`project.create by ${admin.id}`);
  });
});

describe("keys beyond the basics", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token } });
    for (const project of ["zeta", "alpha"])
      await gw.gql(`mutation { createProject(name: "${project}") { name } }`, {}, bearer(admin.token));
  });
  afterAll(() => gw?.close());

  test("a key's default project is its first grant, as given", async () => {
    const created = await gw.gql(
      `mutation { createApiKey(input: { name: "z", grants: [{ project: "zeta", role: WRITE }, { project: "alpha", role: READ }] }) ` +
        "{ secret apiKey { grants { project } } } }",
      {},
      bearer(admin.token),
    );
    expect(created.data.createApiKey.apiKey.grants.map((g: any) => g.project)).toEqual(["zeta", "alpha"]);
    const model = await gw.gql(`mutation { createModel(input: { name: "m" }) { project } }`, {}, bearer(created.data.createApiKey.secret));
    expect(model.data.createModel.project).toBe("zeta");
  });

  test("two registrations cannot hide in fragments", async () => {
    const res = await gw.gql(
      `fragment F on Mutation { a: createModel(input: { name: "f1" }) { version } } mutation { ...F ...G } ` +
        `fragment G on Mutation { b: createModel(input: { name: "f2" }) { version } }`,
      {},
      bearer(admin.token),
    );
    expect(codeOf(res)).toBe("GRAPHQL_VALIDATION_FAILED");
  });
  // Last in this group: afterwards this address is refused for a while.
  test("guessing keys is rate limited per address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      const res = await fetch(gw.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer hmr_${"A".repeat(16)}_${"b".repeat(43)}` },
        body: "{}",
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(60)).toContain(429);
  });
});

describe("open mode answers only requests addressed to this machine", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw?.close());

  const withHost = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(gw.url, { method: "POST", headers: { host, "content-type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end(JSON.stringify({ query: "{ __typename }" }));
    });

  test("a DNS-rebound name is refused; loopback names are served", async () => {
    expect(await withHost(`rebind.attacker.example:${new URL(gw.url).port}`)).toBe(403);
    expect(await withHost(`localhost:${new URL(gw.url).port}`)).toBe(200);
    expect(await withHost(`127.0.0.1:${new URL(gw.url).port}`)).toBe(200);
  });

  test("the Host header is judged by the same loopback rule as the bind address", async () => {
    const port = new URL(gw.url).port;
    for (const host of ["LOCALHOST", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "127.200.0.9"])
      expect(await withHost(`${host}:${port}`), host).toBe(200);
    for (const host of ["127.0.0.300", "127.1", "localhost.attacker.example"]) expect(await withHost(`${host}:${port}`), host).toBe(403);
  });

  test("behind a trusted proxy on this host, a client the proxy forwards from elsewhere is refused", async () => {
    // A same-host proxy reaches the gateway on loopback and, by default (nginx's $proxy_host), names it so in Host.
    const proxied = await startTestGateway({ config: { trustProxy: 1 } });
    try {
      const port = new URL(proxied.url).port;
      const via = (forwardedFor: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const headers = { host: `127.0.0.1:${port}`, "x-forwarded-for": forwardedFor, "content-type": "application/json" };
          const req = http.request(proxied.url, { method: "POST", headers }, (res) => {
            let body = "";
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode!, body }));
          });
          req.on("error", reject);
          req.end(JSON.stringify({ query: `mutation { createProject(name: "from-afar") { name } }` }));
        });
      const remote = await via("203.0.113.9");
      expect(remote.status).toBe(403);
      expect(JSON.parse(remote.body).errors[0].extensions.code).toBe("FORBIDDEN");
      expect((await proxied.gql(`{ projects { name } }`)).data.projects.map((p: { name: string }) => p.name)).not.toContain("from-afar");
      // This machine's own clients, through the proxy or not, are served as before.
      expect((await via("127.0.0.1")).status).toBe(200);
      expect((await proxied.gql(`{ projects { name } }`)).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });
});

describe("one loopback rule", () => {
  test.each([
    ["localhost", true],
    ["LocalHost", true],
    ["localhost.", true],
    ["127.0.0.1", true],
    ["127.255.255.254", true],
    ["::1", true],
    ["[::1]", true],
    ["0:0:0:0:0:0:0:1", true],
    ["[::ffff:127.0.0.1]", true],
    ["127.0.0.300", false],
    ["127.0.0.01", false],
    ["127.1", false],
    ["128.0.0.1", false],
    ["::2", false],
    ["0.0.0.0", false],
    ["localhost.example", false],
    ["", false],
  ])("isLoopback(%j) is %s", (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});

describe("secure by default", () => {
  const start = async (overrides: Record<string, unknown>) => {
    const storage = await openTestStorage("sqlite");
    const config = {
      ...loadConfig(["--port", "0"], {}),
      dataDir: storage.dataDir,
      databaseUrl: storage.databaseUrl,
      blobUrl: storage.blobDir,
      ...overrides,
    };
    try {
      const gateway = await startGateway(config, { log: silentLog, storage });
      await gateway.close();
      return "started";
    } catch (error) {
      return error instanceof ConfigError ? `refused: ${error.message}` : `failed: ${String(error)}`;
    } finally {
      await storage.cleanup();
    }
  };

  test("beyond loopback without keys the gateway refuses to start, unless --insecure or an admin key", async () => {
    expect(await start({ host: "0.0.0.0" })).toMatch(/^refused: .*--insecure/);
    expect(await start({ host: "0.0.0.0", insecure: true })).toBe("started");
    expect(await start({ host: "0.0.0.0", adminKey: "generate" })).toBe("started");
    expect(await start({ host: "127.0.0.1" })).toBe("started");
    // Binding and Host checks share one loopback rule: any case of localhost, no malformed 127.x.
    expect(await start({ host: "LOCALHOST" })).toBe("started");
    expect(await start({ host: "127.300.0.1" })).toMatch(/^refused: .*--insecure/);
    expect(await start({ host: "127.0.0.1", adminKey: "not-a-key" })).toMatch(/^failed: .*HOMER_ADMIN_KEY/);
  });
});

describe("limits answer typed errors with an HTTP status", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: {
        rateLimit: 30,
        maxQueryDepth: 6,
        maxAliases: 3,
        maxTokens: 300,
        maxDirectives: 3,
        introspection: false,
        corsOrigins: ["https://app.example"],
      },
    });
  });
  afterAll(() => gw?.close());

  const post = (query: string) =>
    fetch(gw.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) }).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));

  test("depth, aliases, tokens, directives, introspection", async () => {
    const deep = await post(
      `{ models(name: "m") { nodes { signature { inputs { shape } } files { path } } pageInfo { endCursor } } }`.replace(
        "shape",
        "name type shape",
      ),
    );
    expect(deep.status).toBe(200);
    const cases = [
      `{ ${Array.from({ length: 4 }, (_, i) => `a${i}: models(name: "m") { totalCount }`).join(" ")} }`,
      `{ ${"x".repeat(10)} ${Array.from({ length: 200 }, () => "__typename").join(" ")} }`,
      `{ __typename @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) }`,
      `{ __schema { types { name } } }`,
    ];
    for (const query of cases) {
      const res = await post(query);
      expect(res.status, query.slice(0, 40)).toBe(400);
      expect(["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"]).toContain(res.body.errors[0].extensions.code);
    }
  });

  test("rate limit: 429 TOO_MANY_REQUESTS with Retry-After", async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await fetch(gw.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited!.json()).errors[0].extensions.code).toBe("TOO_MANY_REQUESTS");
  });

  test("CORS allows the listed origin only; security headers are set", async () => {
    const preflight = (origin: string) =>
      fetch(gw.url, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
      });
    const allowed = await preflight("https://app.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(allowed.headers.get("access-control-allow-methods")).toBe("GET,HEAD,POST");
    const denied = await preflight("https://evil.example");
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    // A plain OPTIONS names what the path is served with: POST at /graphql only, nothing but GET elsewhere.
    for (const [path, allow] of [
      ["/graphql", "GET, HEAD, POST, OPTIONS"],
      ["/GraphQL/", "GET, HEAD, POST, OPTIONS"],
      ["/healthz", "GET, HEAD, OPTIONS"],
      ["/models/anything", "GET, HEAD, OPTIONS"],
    ]) {
      const options = await fetch(`${gw.origin}${path}`, { method: "OPTIONS" });
      expect([options.status, options.headers.get("allow")], path).toEqual([204, allow]);
      expect(options.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const res = await fetch(`${gw.origin}/healthz`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
  });
});
