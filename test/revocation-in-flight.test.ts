import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KEY_CHECK_FRESH_MS } from "../gateway/src/access/access.service.js";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS } from "./support/backends.js";
import { CREATE_MODEL, createModelParts, multipartBody, multipartType, randomBoundary } from "./support/multipart.mjs";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { sleep } from "./support/wait.js";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * A request is authenticated when its headers arrive; its body may arrive much later
 * (no deadline, only an idle timeout). A key revoked meanwhile must not manage keys or
 * projects once its request's operation finally runs: revocation is "refused at once".
 */
describe.each(BACKENDS)("a key revoked while its request is in flight on %s", (backend) => {
  const admin = generateKey();
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
    await gw.gql(`mutation { createProject(name: "team") { name } }`, {}, bearer(admin.token));
  });
  afterAll(() => gw?.close());

  async function newKey(grants: string): Promise<{ id: string; token: string }> {
    const res = await gw.gql(
      `mutation { createApiKey(input: { name: "k", grants: ${grants} }) { secret apiKey { id } } }`,
      {},
      bearer(admin.token),
    );
    expect(res.errors).toBeUndefined();
    return { id: res.data.createApiKey.apiKey.id, token: res.data.createApiKey.secret };
  }

  /** Sends `query` with `token`, its body held back half-way until `between` has run. */
  function slowRequest(token: string, query: string, between: () => Promise<void>): Promise<any> {
    return slowBody(token, Buffer.from(JSON.stringify({ query })), "application/json", between);
  }

  /** Sends `body` with `token`, all but its last 10 bytes, the rest once `between` has run. */
  async function slowBody(
    token: string,
    body: Buffer,
    contentType: string,
    between: () => Promise<void>,
    headers: Record<string, string> = {},
  ): Promise<any> {
    const { hostname, port } = new URL(gw.origin);
    const answer = new Promise<any>((resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          path: "/graphql",
          method: "POST",
          headers: {
            "content-type": contentType,
            "content-length": body.length,
            "apollo-require-preflight": "true",
            ...bearer(token),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode, ...JSON.parse(Buffer.concat(chunks).toString()) }));
        },
      );
      req.on("error", reject);
      req.write(body.subarray(0, body.length - 10));
      void (async () => {
        await sleep(200); // the headers are in: the key was checked
        await between();
        req.end(body.subarray(body.length - 10));
      })();
    });
    return answer;
  }

  const revoke = async (id: string) => {
    const res = await gw.gql(`mutation($id: String!) { revokeApiKey(id: $id) { revokedAt } }`, { id }, bearer(admin.token));
    expect(res.data.revokeApiKey.revokedAt).not.toBeNull();
  };

  test("createApiKey", async () => {
    const leaked = await newKey(`[{ project: "*", role: ADMIN }]`);
    const res = await slowRequest(
      leaked.token,
      `mutation { createApiKey(input: { name: "persist", grants: [{ project: "*", role: ADMIN }] }) { secret } }`,
      () => revoke(leaked.id),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const keys = await gw.gql(`{ apiKeys { name } }`, {}, bearer(admin.token));
    expect(keys.data.apiKeys.map((k: { name: string }) => k.name)).not.toContain("persist");
  });

  test("revokeApiKey and createProject", async () => {
    const leaked = await newKey(`[{ project: "*", role: ADMIN }]`);
    const victim = await newKey(`[{ project: "team", role: READ }]`);
    const res = await slowRequest(
      leaked.token,
      `mutation { revokeApiKey(id: "${victim.id}") { id } createProject(name: "late") { name } }`,
      () => revoke(leaked.id),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const after = await gw.gql(`{ apiKeys { id revokedAt } projects { name } }`, {}, bearer(admin.token));
    expect(after.data.apiKeys.find((k: { id: string }) => k.id === victim.id).revokedAt).toBeNull();
    expect(after.data.projects.map((p: { name: string }) => p.name)).not.toContain("late");
  });

  test("two admin keys revoking each other at once: the second to commit was revoked by the first, and changes nothing", async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await newKey(`[{ project: "*", role: ADMIN }]`), await newKey(`[{ project: "*", role: ADMIN }]`)];
      const revokeAs = (who: { token: string }, id: string) =>
        gw.gql(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id }, bearer(who.token));
      const answers = await Promise.all([revokeAs(a, b.id), revokeAs(b, a.id)]);
      expect(answers.filter((r) => r.errors === undefined)).toHaveLength(1);
      const keys = (await gw.gql(`{ apiKeys { id revokedAt } }`, {}, bearer(admin.token))).data.apiKeys;
      const revoked = keys.filter((k: { id: string; revokedAt: string | null }) => [a.id, b.id].includes(k.id) && k.revokedAt !== null);
      expect(revoked).toHaveLength(1);
    }
  });

  test("model changes: deleteModel, setAlias, removeAlias, updateModel, and a createModel whose upload ends after", async () => {
    const writer = await newKey(`[{ project: "team", role: WRITE }]`);
    const as = (query: string) => gw.gql(query, {}, bearer(writer.token));
    for (const v of [1, 2])
      expect((await as(`mutation { createModel(input: { name: "m", version: ${v} }) { version } }`)).errors).toBeUndefined();
    expect((await as(`mutation { setAlias(name: "m", alias: "staging", version: 1) { version } }`)).errors).toBeUndefined();
    // Each its own request (a failed root field stops an operation's later ones), revoked once all are in flight.
    let revoked: Promise<void> | undefined;
    const late = await Promise.all(
      [
        `mutation { setAlias(name: "m", alias: "prod", version: 1) { version } }`,
        `mutation { removeAlias(name: "m", alias: "staging") }`,
        `mutation { updateModel(name: "m", version: 1, input: { description: "late" }) { revision } }`,
        `mutation { deleteModel(name: "m", version: 2) }`,
      ].map((query) => slowRequest(writer.token, query, () => (revoked ??= sleep(100).then(() => revoke(writer.id))))),
    );
    expect(late.map((res) => res.errors?.[0]?.extensions?.code)).toEqual(Array(4).fill("UNAUTHENTICATED"));
    const uploader = await newKey(`[{ project: "team", role: WRITE }]`);
    const boundary = randomBoundary();
    const upload = slowBody(
      uploader.token,
      multipartBody(createModelParts(CREATE_MODEL, { name: "m", version: 3 }, [["w.bin", Buffer.alloc(4096, 7)]]), boundary),
      multipartType(boundary),
      () => revoke(uploader.id),
    );
    // The revocation lands while the upload is in flight: nothing of it is kept.
    expect((await upload).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const state = await gw.gql(
      `{ modelAliases(name: "m", project: "team") { alias version } models(name: "m", project: "team") { nodes { version description } } }`,
      {},
      bearer(admin.token),
    );
    expect(state.data).toEqual({
      modelAliases: [{ alias: "staging", version: 1 }],
      models: {
        nodes: [
          { version: 2, description: null },
          { version: 1, description: null },
        ],
      },
    });
  });

  test("a query, over either route to /graphql, answers 401 when its body arrived long after its key was revoked", async () => {
    const reader = await newKey(`[{ project: "team", role: READ }]`);
    const query = `{ models(name: "m", project: "team") { totalCount } }`;
    expect((await gw.gql(query, {}, bearer(reader.token))).errors).toBeUndefined();
    let revoked: Promise<void> | undefined;
    const late = await Promise.all(
      // Without an Origin the plain lane takes it; with one, express.
      ([{}, { origin: gw.origin }] as Record<string, string>[]).map((headers) =>
        slowBody(
          reader.token,
          Buffer.from(JSON.stringify({ query })),
          "application/json",
          () => (revoked ??= revoke(reader.id).then(() => sleep(KEY_CHECK_FRESH_MS))),
          headers,
        ),
      ),
    );
    for (const res of late) {
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  test("an upload over either route whose key was revoked while it arrived keeps nothing", async () => {
    const boundary = randomBoundary();
    const body = multipartBody(
      createModelParts(CREATE_MODEL, { name: "late", project: "team" }, [["w.bin", Buffer.alloc(4096, 7)]]),
      boundary,
    );
    for (const headers of [{}, { origin: gw.origin }] as Record<string, string>[]) {
      const uploader = await newKey(`[{ project: "team", role: WRITE }]`);
      const res = await slowBody(
        uploader.token,
        body,
        multipartType(boundary),
        () => revoke(uploader.id).then(() => sleep(KEY_CHECK_FRESH_MS)),
        headers,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect((await gw.gql(`{ models(name: "late", project: "team") { totalCount } }`, {}, bearer(admin.token))).data.models.totalCount).toBe(
      0,
    );
  });
});
