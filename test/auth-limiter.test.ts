import { connection } from "@homer/sdk";
import Database from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { addressBucket } from "../gateway/src/http/guards.js";
import { BACKENDS, type Backend } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog } from "./support/log-capture.js";

/** Refused attempts a minute per address in most tests here: small, so a spent budget stays spent (one token per 12 s). */
const BUDGET = 5;
const UNKNOWN_KEY = `hmr_${"A".repeat(16)}_${"b".repeat(43)}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function attempt(gw: TestGateway, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
  const body = await res.json();
  return { status: res.status, code: body.errors?.[0]?.extensions?.code as string | undefined, retryAfter: res.headers.get("retry-after") };
}

/** Spends an address's whole budget of refused attempts; `headers(i)` may vary per attempt. */
async function spendBudget(gw: TestGateway, headers: (i: number) => Record<string, string> = () => ({})) {
  const statuses: number[] = [];
  for (let i = 0; i < BUDGET; i++) statuses.push((await attempt(gw, { ...bearer(UNKNOWN_KEY), ...headers(i) })).status);
  expect(statuses.every((s) => s === 401)).toBe(true);
}

describe("failed-login limiter: only refused keys are charged", () => {
  const admin = generateKey();
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token, authFailureLimit: BUDGET } });
  });
  afterAll(() => gw?.close());

  test("a valid key passes from an address whose failure budget is spent; refused keys get 429", async () => {
    const created = await gw.gql(
      `mutation { createApiKey(input: { name: "gone", grants: [{ project: "*", role: ADMIN }] }) { secret apiKey { id } } }`,
      {},
      bearer(admin.token),
    );
    const revoked = created.data.createApiKey;
    await gw.gql(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: revoked.apiKey.id }, bearer(admin.token));
    await spendBudget(gw);
    const refused = await attempt(gw, bearer(UNKNOWN_KEY));
    expect(refused).toMatchObject({ status: 429, code: "TOO_MANY_REQUESTS" });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // Malformed, wrong-secret and revoked keys are refused attempts too.
    expect((await attempt(gw, { authorization: "Basic abc" })).status).toBe(429);
    expect((await attempt(gw, bearer(`${admin.token.slice(0, -1)}x`))).status).toBe(429);
    expect((await attempt(gw, bearer(revoked.secret))).status).toBe(429);
    for (let i = 0; i < 5; i++) expect(await attempt(gw, bearer(admin.token))).toMatchObject({ status: 200, code: undefined });
    // No key at all is no guess at one: told to send a key, not to wait.
    expect(await attempt(gw)).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
  });

  test("with the default budget (60 a minute), bad requests from one address until 429 lock out no valid key", async () => {
    const other = generateKey();
    const defaults = await startTestGateway({ config: { adminKey: other.token } });
    try {
      const statuses: number[] = [];
      // Tokens refill at one a second, so how many more than 60 pass depends on the pace.
      while (statuses.at(-1) !== 429 && statuses.length < 200) statuses.push((await attempt(defaults, bearer(UNKNOWN_KEY))).status);
      expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      expect(await attempt(defaults, bearer(other.token))).toMatchObject({ status: 200, code: undefined });
    } finally {
      await defaults.close();
    }
  });
});

describe("failed-login limiter: refused download tickets are charged as refused keys", () => {
  test("guessed tickets spend the address's budget, then answer 429 with Retry-After; a valid ticket and a valid key still pass", async () => {
    const admin = generateKey();
    const gw = await startTestGateway({ config: { adminKey: admin.token, authFailureLimit: BUDGET } });
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homer-ticket-guess-"));
      try {
        fs.writeFileSync(path.join(dir, "w.bin"), "bytes");
        const registry = await connection({ url: gw.url, apiKey: admin.token }).getModelRegistry();
        await registry.createModel({ name: "m", modelPath: dir });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      const minted = await gw.gql(`mutation { downloadTicket(name: "m", version: 1, path: "w.bin") { url } }`, {}, bearer(admin.token));
      expect(minted.errors).toBeUndefined();
      const url = minted.data.downloadTicket.url as string;
      const guess = (i: number) => `${gw.origin}/files/default/m/1/w.bin?ticket=${"A".repeat(15)}${i % 10}_${"b".repeat(43)}`;
      const statuses: number[] = [];
      for (let i = 0; i < BUDGET; i++) statuses.push((await fetch(guess(i))).status);
      expect(statuses).toEqual(Array(BUDGET).fill(401));
      const past = await fetch(guess(0));
      expect(past.status).toBe(429);
      expect(Number(past.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await past.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("TOO_MANY_REQUESTS");
      // A malformed ticket, or one for the archive, is a guess too; a refused key shares the budget.
      expect((await fetch(`${gw.origin}/files/default/m/1/w.bin?ticket=nonsense`)).status).toBe(429);
      expect((await fetch(`${gw.origin}/archives/default/m/1?ticket=${new URL(url).searchParams.get("ticket")}`)).status).toBe(429);
      expect((await attempt(gw, bearer(UNKNOWN_KEY))).status).toBe(429);
      // What is valid passes: the minted ticket, and the key.
      expect(await (await fetch(url)).text()).toBe("bytes");
      expect(await attempt(gw, bearer(admin.token))).toMatchObject({ status: 200, code: undefined });
    } finally {
      await gw.close();
    }
  });
});

describe("HOMER_TRUST_PROXY", () => {
  test("off (the default): a forged X-Forwarded-For neither resets nor dodges the budget, nor shows in the log", async () => {
    const log = captureLog("info");
    const gw = await startTestGateway({ config: { adminKey: generateKey().token, authFailureLimit: BUDGET }, logger: log.logger });
    try {
      await spendBudget(gw, (i) => ({ "x-forwarded-for": `198.51.100.${i}` }));
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "198.51.100.250" })).status).toBe(429);
      const addresses = new Set(
        log
          .parsed()
          .filter((l) => l.msg === "request")
          .map((l) => l.remoteAddress),
      );
      expect([...addresses]).toHaveLength(1);
      expect([...addresses][0]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await gw.close();
    }
  });

  test("set to the proxy's address, the limiter and the log see each client behind it", async () => {
    const log = captureLog("info");
    const gw = await startTestGateway({
      config: { adminKey: generateKey().token, authFailureLimit: BUDGET, trustProxy: ["loopback"] },
      logger: log.logger,
    });
    try {
      await spendBudget(gw, () => ({ "x-forwarded-for": "203.0.113.7" }));
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "203.0.113.7" })).status).toBe(429);
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "203.0.113.8" })).status).toBe(401);
      // A client's own forged entry is left of what the proxy appends: the nearest untrusted hop counts.
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "203.0.113.99, 203.0.113.7" })).status).toBe(429);
      const addresses = log
        .parsed()
        .filter((l) => l.msg === "request")
        .map((l) => l.remoteAddress);
      expect(addresses.filter((a) => a === "203.0.113.7")).toHaveLength(BUDGET + 2);
      expect(addresses).toContain("203.0.113.8");
    } finally {
      await gw.close();
    }
  });

  test("a proxy that writes the client's port too (ip:port, [ip]:port): a new connection's port is no new budget", async () => {
    const gw = await startTestGateway({ config: { adminKey: generateKey().token, authFailureLimit: BUDGET, trustProxy: ["loopback"] } });
    try {
      // Azure's Application Gateway, for one, forwards each connection's source port with its address.
      await spendBudget(gw, (i) => ({ "x-forwarded-for": `203.0.113.40:${40_000 + i}` }));
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "203.0.113.40:41000" })).status).toBe(429);
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "203.0.113.40" })).status).toBe(429);
      await spendBudget(gw, (i) => ({ "x-forwarded-for": `[2001:db8:40:40::${i + 1}]:${40_000 + i}` }));
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "[2001:db8:40:40::99]:41000" })).status).toBe(429);
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "2001:db8:40:40::98" })).status).toBe(429);
      // Another client is another budget.
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "203.0.113.41:40000" })).status).toBe(401);
    } finally {
      await gw.close();
    }
  });

  test("as a hop count, the per-address rate limit is per client too", async () => {
    // Without keys, clients from elsewhere are served only with --insecure.
    const gw = await startTestGateway({ config: { trustProxy: 1, rateLimit: 3, insecure: true } });
    try {
      const from = (address: string) => attempt(gw, { "x-forwarded-for": address });
      for (let i = 0; i < 3; i++) expect((await from("203.0.113.20")).status).toBe(200);
      expect(await from("203.0.113.20")).toMatchObject({ status: 429, code: "TOO_MANY_REQUESTS" });
      expect((await from("203.0.113.21")).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

/** Makes every key lookup fail with the database's own error until the returned function is called. */
async function takeKeysOffline(gw: TestGateway, backend: Backend): Promise<() => Promise<void>> {
  const rename = async (from: string, to: string) => {
    if (backend === "sqlite") {
      const db = new Database(gw.storage.databaseUrl);
      try {
        db.prepare(`alter table ${from} rename to ${to}`).run();
      } finally {
        db.close();
      }
    } else {
      const client = new pg.Client({ connectionString: gw.storage.databaseUrl });
      await client.connect();
      try {
        await client.query(`alter table ${from} rename to ${to}`);
      } finally {
        await client.end();
      }
    }
  };
  await rename("api_keys", "api_keys_offline");
  return () => rename("api_keys_offline", "api_keys");
}

describe.each(BACKENDS)("a database failure during authentication is no failed login (%s)", (backend) => {
  const OUTAGE_REQUESTS = 100;

  /** 100 requests, 10 at a time. */
  const during = async (send: () => ReturnType<typeof attempt>) => {
    const replies = [];
    for (let i = 0; i < OUTAGE_REQUESTS; i += 10) replies.push(...(await Promise.all(Array.from({ length: 10 }, send))));
    return replies;
  };

  const expectNoneRefused = (replies: { status: number; code?: string }[]) => {
    expect(replies.filter((r) => r.status === 429 || r.status === 401)).toEqual([]);
    expect(replies.filter((r) => r.code === "TOO_MANY_REQUESTS" || r.code === "UNAUTHENTICATED")).toEqual([]);
    expect(replies.every((r) => r.status >= 500)).toBe(true);
  };

  test("key lookup: 100 failing requests, then valid and unknown keys are answered as usual", async () => {
    const admin = generateKey();
    const gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
    try {
      const restore = await takeKeysOffline(gw, backend);
      const replies = await during(() => attempt(gw, bearer(admin.token)));
      await restore();
      expectNoneRefused(replies);
      expect(await attempt(gw, bearer(admin.token))).toMatchObject({ status: 200, code: undefined });
      expect(await attempt(gw, bearer(UNKNOWN_KEY))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    } finally {
      await gw.close();
    }
  });

  test("open mode's are-there-keys check: 100 failing requests, then a bad key is 401, not 429", async () => {
    // The check on every request (0): otherwise "no keys" is remembered for a second and most requests never ask.
    const gw = await startTestGateway({ backend, config: { openModeRecheckMs: 0 } });
    try {
      const restore = await takeKeysOffline(gw, backend);
      const replies = await during(() => attempt(gw));
      await restore();
      expectNoneRefused(replies);
      expect(await attempt(gw, { authorization: "Bearer nope" })).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      expect(await attempt(gw)).toMatchObject({ status: 200, code: undefined });
    } finally {
      await gw.close();
    }
  });
});

describe("an IPv6 client is one address per /64", () => {
  test("addressBucket: each spelling of one /64 (or of one IPv4 address) names one bucket", () => {
    const same = (...addresses: string[]) => expect(new Set(addresses.map(addressBucket)).size).toBe(1);
    same("2001:db8:1:2::1", "2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::1.2.3.4");
    same("198.51.100.7", "::ffff:198.51.100.7", "::FFFF:c633:6407", "0:0:0:0:0:ffff:198.51.100.7");
    same("fe80::1%eth0", "fe80::2");
    // A proxy may write the client's port too.
    same("198.51.100.7", "198.51.100.7:40001", "[::ffff:198.51.100.7]:443");
    same("2001:db8:1:2::1", "[2001:db8:1:2::1]:40001", "[2001:db8:1:2::2]");
    expect(addressBucket("2001:db8:1:2::1")).not.toBe(addressBucket("2001:db8:1:3::1"));
    expect(addressBucket("198.51.100.7")).not.toBe(addressBucket("198.51.100.8"));
    expect(addressBucket("::1")).not.toBe(addressBucket("127.0.0.1"));
  });

  test("rotating addresses within a /64 neither dodges the failed-login budget nor the per-address rate limit", async () => {
    const gw = await startTestGateway({ config: { adminKey: generateKey().token, authFailureLimit: BUDGET, trustProxy: ["loopback"] } });
    try {
      // One host's /64: 2^64 addresses it may send from, each a new budget if counted per address.
      await spendBudget(gw, (i) => ({ "x-forwarded-for": `2001:db8:7:7::${(i + 1).toString(16)}` }));
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "2001:db8:7:7:abcd:ef01:2345:6789" })).status).toBe(429);
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "2001:0DB8:0007:0007::ffff" })).status).toBe(429);
      // Another /64 is another client.
      expect((await attempt(gw, { ...bearer(UNKNOWN_KEY), "x-forwarded-for": "2001:db8:7:8::1" })).status).toBe(401);
    } finally {
      await gw.close();
    }
    const open = await startTestGateway({ config: { trustProxy: ["loopback"], rateLimit: 3, insecure: true } });
    try {
      const from = (address: string) => attempt(open, { "x-forwarded-for": address });
      for (let i = 0; i < 3; i++) expect((await from(`2001:db8:9:9::${i + 1}`)).status).toBe(200);
      expect(await from("2001:db8:9:9::99")).toMatchObject({ status: 429, code: "TOO_MANY_REQUESTS" });
      // An IPv4 client written IPv4-mapped is the same client.
      for (let i = 0; i < 3; i++) expect((await from("198.51.100.9")).status).toBe(200);
      expect((await from("::ffff:198.51.100.9")).status).toBe(429);
      expect((await from("2001:db8:9:a::1")).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
