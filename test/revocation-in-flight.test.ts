import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS } from "./support/backends.js";
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
  async function slowRequest(token: string, query: string, between: () => Promise<void>): Promise<any> {
    const body = Buffer.from(JSON.stringify({ query }));
    const { hostname, port } = new URL(gw.origin);
    const answer = new Promise<any>((resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          path: "/graphql",
          method: "POST",
          headers: { "content-type": "application/json", "content-length": body.length, ...bearer(token) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        },
      );
      req.on("error", reject);
      req.write(body.subarray(0, 10));
      void (async () => {
        await sleep(200); // the headers are in: the key was checked
        await between();
        req.end(body.subarray(10));
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
});
