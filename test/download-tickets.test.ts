import { createHash, randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import type { SqlAccessStore } from "../gateway/src/storage/sql/sql-access-store.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog } from "./support/log-capture.js";

const admin = generateKey();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;
const MINT = `mutation($p: String!, $n: String!, $v: Int!, $path: String) {
  downloadTicket(project: $p, name: $n, version: $v, path: $path) { url expiresAt }
}`;
const MINT_ARCHIVE = `mutation($p: String!, $n: String!, $v: Int!) {
  downloadTicket(project: $p, name: $n, version: $v) { url expiresAt }
}`;
const weights = randomBytes(200_000);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A tar archive's entries: each one's name and its bytes' sha256, in order. */
async function entriesOf(archive: Uint8Array): Promise<[string, string][]> {
  const extract = tar.extract();
  const entries: [string, string][] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const hash = createHash("sha256");
      stream.on("data", (chunk: unknown) => {
        hash.update(chunk as Buffer);
      });
      stream.on("end", () => {
        entries.push([header.name, hash.digest("hex")]);
        next();
      });
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(Buffer.from(archive));
  await done;
  return entries;
}

/** The JSON refusal of a download, with its status. */
async function refusal(res: Response): Promise<{ status: number; code: string | undefined; message: string }> {
  const body = (await res.json()) as { errors: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, code: body.errors[0]!.extensions?.code, message: body.errors[0]!.message };
}

describe.each(BACKENDS)("download tickets, %s", (backend) => {
  let gw: TestGateway;
  const log = captureLog("info");
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const as = (who: string) => (query: string, variables?: Record<string, unknown>) => gw.gql(query, variables, bearer(keys[who]!));
  const mint = async (who: string, path = "w.bin", version = 1) => {
    const res = await as(who)(MINT, { p: "team-a", n: "m", v: version, path });
    expect(res.errors).toBeUndefined();
    return res.data.downloadTicket as { url: string; expiresAt: string };
  };
  const ticketOf = (url: string) => new URL(url).searchParams.get("ticket")!;
  const db = () => (gw.storage.access as SqlAccessStore)["db"] as unknown as Kysely<any>;

  async function upload(who: string, input: Record<string, unknown>, files: Record<string, Uint8Array>) {
    const form = new FormData();
    const entries = Object.entries(files);
    const query = "mutation($input: CreateModelInput!) { createModel(input: $input) { version } }";
    const variables = { input: { ...input, files: entries.map(([path]) => ({ path, file: null })) } };
    form.set("operations", JSON.stringify({ query, variables }));
    form.set("map", JSON.stringify(Object.fromEntries(entries.map((_, i) => [String(i), [`variables.input.files.${i}.file`]]))));
    entries.forEach(([, bytes], i) => form.set(String(i), new Blob([new Uint8Array(bytes)]), `f${i}`));
    const res = await fetch(gw.url, { method: "POST", headers: { "apollo-require-preflight": "true", ...bearer(keys[who]!) }, body: form });
    const body = (await res.json()) as { errors?: unknown };
    expect(body.errors).toBeUndefined();
  }

  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { adminKey: admin.token }, logger: log.logger });
    keys.admin = admin.token;
    for (const project of ["team-a", "team-b"]) {
      expect((await as("admin")(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project })).errors).toBeUndefined();
    }
    for (const [who, project, role] of [
      ["writerA", "team-a", "WRITE"],
      ["readerA", "team-a", "READ"],
      ["readerB", "team-b", "READ"],
    ] as const) {
      const res = await as("admin")(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, {
        i: { name: who, grants: [{ project, role }] },
      });
      expect(res.errors).toBeUndefined();
      keys[who] = res.data.createApiKey.secret;
      ids[who] = res.data.createApiKey.apiKey.id;
    }
    await upload("writerA", { project: "team-a", name: "m" }, { "w.bin": weights, "dir/other.txt": Buffer.from("other") });
    await upload("writerA", { project: "team-a", name: "m" }, { "w.bin": Buffer.from("version two") });
    // The same bytes under other names: a ticket is for a place, not only for its bytes.
    await upload("writerA", { project: "team-a", name: "twin" }, { "w.bin": weights, "copy.bin": weights });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("a ticket downloads its one file without the key, whole and by Range, for about a minute", async () => {
    const before = Date.now();
    const { url, expiresAt } = await mint("readerA");
    expect(url).toMatch(new RegExp(`^${gw.origin}/files/team-a/m/1/w\\.bin\\?ticket=[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$`));
    const ttl = Date.parse(expiresAt) - before;
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(65_000);

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-disposition")).toContain("w.bin");
    expect(sha256(new Uint8Array(await whole.arrayBuffer()))).toBe(sha256(weights));

    const part = await fetch(url, { headers: { range: "bytes=1000-1999" } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(weights.subarray(1000, 2000))).toBe(true);
  });

  test("a ticket serves a few requests, then is spent", async () => {
    const { url } = await mint("readerA", "dir/other.txt");
    for (let use = 1; use <= 5; use++) {
      const res = await fetch(url, { method: "HEAD" });
      expect(res.status, `use ${use}`).toBe(200);
    }
    expect(await refusal(await fetch(url))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
      message: "invalid or expired download ticket",
    });
  });

  test("an expired ticket is refused, and pruned when the next is minted", async () => {
    const { url } = await mint("readerA");
    const id = ticketOf(url).slice(0, 16);
    await sql`update download_tickets set expires_at = expires_at - 61000 where id = ${id}`.execute(db());
    expect(await refusal(await fetch(url))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
      message: "invalid or expired download ticket",
    });
    await mint("readerA");
    const left = await sql<{ n: number }>`select count(*) as n from download_tickets where id = ${id}`.execute(db());
    expect(Number(left.rows[0]!.n)).toBe(0);
  });

  test("a ticket reads no other file, and a tampered, unknown or malformed ticket is refused alike", async () => {
    const { url } = await mint("readerA");
    const ticket = ticketOf(url);
    const flipped = ticket.slice(0, -1) + (ticket.endsWith("A") ? "B" : "A");
    const unknown = generateKey().token.slice(4);
    const attempts = [
      `${gw.origin}/files/team-a/m/1/dir/other.txt?ticket=${ticket}`,
      `${gw.origin}/files/team-a/m/2/w.bin?ticket=${ticket}`,
      `${gw.origin}/files/team-a/twin/1/w.bin?ticket=${ticket}`,
      `${gw.origin}/files/team-a/twin/1/copy.bin?ticket=${ticket}`,
      `${gw.origin}/files/team-a/m/1/w.bin?ticket=${flipped}`,
      `${gw.origin}/files/team-a/m/1/w.bin?ticket=${unknown}`,
      `${gw.origin}/files/team-a/m/1/w.bin?ticket=nonsense`,
      `${gw.origin}/files/team-a/m/1/w.bin?ticket=${ticket}&ticket=${ticket}`,
    ];
    for (const attempt of attempts) {
      expect(await refusal(await fetch(attempt)), attempt).toEqual({
        status: 401,
        code: "UNAUTHENTICATED",
        message: "invalid or expired download ticket",
      });
    }
    // None of those spent it.
    expect((await fetch(url)).status).toBe(200);
  });

  test("a ticket is no credential on any other route", async () => {
    const { url } = await mint("readerA");
    const ticket = ticketOf(url);
    const graphql = await fetch(`${gw.url}?ticket=${ticket}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ projects { name } }" }),
    });
    expect(graphql.status).toBe(401);
    const archive = await fetch(`${gw.origin}/archives/team-a/m/1?ticket=${ticket}`);
    expect((await refusal(archive)).status).toBe(401);
    expect((await fetch(url)).status).toBe(200);
  });

  test("a ticket without a path downloads the version's archive, and nothing else, a few times", async () => {
    const res = await as("readerA")(MINT_ARCHIVE, { p: "team-a", n: "m", v: 1 });
    expect(res.errors).toBeUndefined();
    const { url } = res.data.downloadTicket as { url: string };
    expect(url).toMatch(new RegExp(`^${gw.origin}/archives/team-a/m/1\\?ticket=[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$`));
    const archive = await fetch(url);
    expect(archive.status).toBe(200);
    expect(archive.headers.get("content-type")).toBe("application/x-tar");
    expect(archive.headers.get("content-disposition")).toContain("m-1.tar");
    expect(await entriesOf(new Uint8Array(await archive.arrayBuffer()))).toEqual([
      ["dir/other.txt", sha256(Buffer.from("other"))],
      ["w.bin", sha256(weights)],
    ]);
    // `path: null` names the archive too.
    const explicit = await as("readerA")(MINT, { p: "team-a", n: "m", v: 1, path: null });
    expect(explicit.errors).toBeUndefined();
    expect(explicit.data.downloadTicket.url).toMatch(/\/archives\/team-a\/m\/1\?ticket=/);

    const ticket = ticketOf(url);
    for (const attempt of [
      `${gw.origin}/files/team-a/m/1/w.bin?ticket=${ticket}`,
      `${gw.origin}/files/team-a/m/1/dir/other.txt?ticket=${ticket}`,
      `${gw.origin}/archives/team-a/m/2?ticket=${ticket}`,
      `${gw.origin}/archives/team-a/twin/1?ticket=${ticket}`,
      `${gw.origin}/archives/team-b/m/1?ticket=${ticket}`,
    ]) {
      expect(await refusal(await fetch(attempt)), attempt).toEqual({
        status: 401,
        code: "UNAUTHENTICATED",
        message: "invalid or expired download ticket",
      });
    }
    // One use spent above; four more (HEAD counts), then it is spent.
    for (let use = 2; use <= 5; use++) expect((await fetch(url, { method: "HEAD" })).status, `use ${use}`).toBe(200);
    expect((await refusal(await fetch(url))).status).toBe(401);
    // A key that may not read the project gets none; a version that does not exist has none.
    expect(codeOf(await as("readerB")(MINT_ARCHIVE, { p: "team-a", n: "m", v: 1 }))).toBe("FORBIDDEN");
    expect(codeOf(await as("readerA")(MINT_ARCHIVE, { p: "team-a", n: "m", v: 9 }))).toBe("NOT_FOUND");
  });

  test("an archive's ticket minted before the version was overwritten is refused", async () => {
    await upload("writerA", { project: "team-a", name: "arch" }, { "a.bin": Buffer.from("first") });
    const first = (await as("readerA")(MINT_ARCHIVE, { p: "team-a", n: "arch", v: 1 })).data.downloadTicket as { url: string };
    // The same bytes under another path are other files: refused too.
    await upload("writerA", { project: "team-a", name: "arch", version: 1, overwrite: true }, { "b.bin": Buffer.from("first") });
    expect(await refusal(await fetch(first.url))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
      message: "invalid or expired download ticket",
    });
    const fresh = (await as("readerA")(MINT_ARCHIVE, { p: "team-a", n: "arch", v: 1 })).data.downloadTicket as { url: string };
    const res = await fetch(fresh.url);
    expect(res.status).toBe(200);
    expect(await entriesOf(new Uint8Array(await res.arrayBuffer()))).toEqual([["b.bin", sha256(Buffer.from("first"))]]);
  });

  test("a ticket dies with its key; a key that may not read the project gets none", async () => {
    const created = await as("admin")(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, {
      i: { name: "short-lived", grants: [{ project: "team-a", role: "READ" }] },
    });
    keys.shortLived = created.data.createApiKey.secret;
    const { url } = await mint("shortLived");
    expect(
      (await as("admin")(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: created.data.createApiKey.apiKey.id })).errors,
    ).toBeUndefined();
    expect(await refusal(await fetch(url))).toEqual({ status: 401, code: "UNAUTHENTICATED", message: "this API key was revoked" });

    const foreign = await as("readerB")(MINT, { p: "team-a", n: "m", v: 1, path: "w.bin" });
    expect(codeOf(foreign)).toBe("FORBIDDEN");
    expect(foreign.data).toBeNull();
  });

  test("hostile arguments to downloadTicket are typed refusals that mint nothing", async () => {
    const count = async () => Number((await sql<{ n: number }>`select count(*) as n from download_tickets`.execute(db())).rows[0]!.n);
    const before = await count();
    for (const [variables, codes] of [
      [{ path: "w.bin\u0000" }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ path: "../../etc/passwd" }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ path: "x".repeat(100_000) }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ path: "" }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ path: "dir" }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ n: "m\u0007\u0000" }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ n: "n".repeat(10_000) }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ p: "team-b" }, ["FORBIDDEN", "NOT_FOUND"]],
      [{ p: "no-such-project" }, ["FORBIDDEN", "NOT_FOUND"]],
      [{ v: 0 }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ v: -1 }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ v: 2 ** 31 - 1 }, ["BAD_USER_INPUT", "NOT_FOUND"]],
      [{ v: 2 ** 31 }, ["BAD_USER_INPUT"]],
      [{ v: "1" }, ["BAD_USER_INPUT"]],
      [{ path: ["w.bin"] }, ["BAD_USER_INPUT"]],
    ] as [Record<string, unknown>, string[]][]) {
      const res = await as("readerA")(MINT, { p: "team-a", n: "m", v: 1, path: "w.bin", ...variables });
      expect(codes, JSON.stringify(variables).slice(0, 80)).toContain(codeOf(res));
      expect(res.data?.downloadTicket ?? null).toBeNull();
      // The same version arguments for the archive's ticket (no path).
      if ("path" in variables) continue;
      const archive = await as("readerA")(MINT_ARCHIVE, { p: "team-a", n: "m", v: 1, ...variables });
      expect(codes, `archive ${JSON.stringify(variables).slice(0, 80)}`).toContain(codeOf(archive));
      expect(archive.data?.downloadTicket ?? null).toBeNull();
    }
    expect(await count()).toBe(before);
  });

  test("a ticket whose key lost the project is refused (FORBIDDEN), the check made at download", async () => {
    const { url } = await mint("readerA");
    const id = ticketOf(url).slice(0, 16);
    // Stands for a key that no longer reads the project: the ticket's row names readerB's key.
    await sql`update download_tickets set key_id = ${ids.readerB!} where id = ${id}`.execute(db());
    expect((await refusal(await fetch(url))).status).toBe(403);
  });

  test("a ticket minted before the version was overwritten is refused", async () => {
    await upload("writerA", { project: "team-a", name: "m", version: 2, overwrite: true }, { "w.bin": Buffer.from("version two") });
    const same = await mint("readerA", "w.bin", 2);
    await upload("writerA", { project: "team-a", name: "m", version: 2, overwrite: true }, { "w.bin": Buffer.from("version two, again") });
    expect(await refusal(await fetch(same.url))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
      message: "invalid or expired download ticket",
    });
    const fresh = await mint("readerA", "w.bin", 2);
    expect(await (await fetch(fresh.url)).text()).toBe("version two, again");
  });

  test("no logged line holds a ticket's secret", async () => {
    const { url } = await mint("readerA");
    const secret = ticketOf(url).slice(17);
    expect((await fetch(url)).status).toBe(200);
    expect(await refusal(await fetch(`${url}x`))).toMatchObject({ status: 401 });
    await fetch(`${gw.origin}/files/team-a/m/1/w.bin?TICKET=${ticketOf(url)}`);
    const downloads = log.parsed().filter((line) => JSON.stringify(line).includes("/files/team-a/m/1/w.bin"));
    expect(downloads.length).toBeGreaterThanOrEqual(3);
    expect(log.lines.filter((line) => line.includes(secret))).toEqual([]);
  });
});

describe("download tickets without keys (open mode)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    expect((await gw.upload({ name: "m" }, { "w.bin": "open bytes" })).errors).toBeUndefined();
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("are refused: the plain URL needs none", async () => {
    const res = await gw.gql(MINT, { p: "default", n: "m", v: 1, path: "w.bin" });
    expect(codeOf(res)).toBe("BAD_USER_INPUT");
    expect(codeOf(await gw.gql(MINT_ARCHIVE, { p: "default", n: "m", v: 1 }))).toBe("BAD_USER_INPUT");
    expect(await (await fetch(`${gw.origin}/files/default/m/1/w.bin`)).text()).toBe("open bytes");
  });
});
