import http from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { HOSTILE_ALIASES } from "./support/aliases.js";
import { BACKENDS } from "./support/backends.js";
import { readAll } from "./support/files.js";
import { CREATE_MODEL, streamedCreateModel } from "./support/multipart.mjs";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { eventsArrive, subscribe, untilLive, type Subscriber } from "./support/subscriber.js";

const admin = generateKey();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version aliases } }`;
const SET = `mutation($n: String!, $a: String!, $v: Int!, $p: String, $protected: Boolean) {
  setAlias(name: $n, alias: $a, version: $v, project: $p, protected: $protected) { project name alias version protected updatedAt updatedBy } }`;
const REMOVE = `mutation($n: String!, $a: String!, $p: String) { removeAlias(name: $n, alias: $a, project: $p) }`;
const PROTECT = `mutation($n: String!, $a: String!, $on: Boolean!, $p: String) {
  protectAlias(name: $n, alias: $a, protected: $on, project: $p) { alias protected } }`;
const BY_ALIAS = `query($n: String!, $a: String, $v: Int, $p: String) { model(name: $n, alias: $a, version: $v, project: $p) { version aliases } }`;
const DELETE = `mutation($n: String!, $v: Int!, $p: String, $f: Boolean) { deleteModel(name: $n, version: $v, project: $p, force: $f) }`;

describe.each(BACKENDS)("aliases over GraphQL on %s", (backend) => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};
  const audit: Record<string, unknown>[] = [];
  const subscribers: Subscriber[] = [];
  const as = (who: string) => (query: string, variables?: Record<string, unknown>) => gw.gql(query, variables, bearer(keys[who]!));

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _e, done) {
        const line = JSON.parse(String(chunk));
        if (line.audit) audit.push(line);
        done();
      },
    });
    gw = await startTestGateway({ backend, config: { adminKey: admin.token }, logger: pino({ level: "info" }, sink) });
    keys.root = admin.token;
    for (const project of ["team-a", "team-b"])
      await as("root")(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project });
    const create = async (who: string, project: string, role: string) => {
      const res = await as("root")(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, {
        i: { name: who, grants: [{ project, role }] },
      });
      keys[who] = res.data.createApiKey.secret;
    };
    await create("readerA", "team-a", "READ");
    await create("writerA", "team-a", "WRITE");
    await create("adminA", "team-a", "ADMIN");
    await create("adminB", "team-b", "ADMIN");
    for (let i = 0; i < 3; i++) await as("writerA")(CREATE, { i: { name: "mnist", metrics: [{ key: "acc", value: i }] } });
  });
  afterAll(async () => {
    for (const s of subscribers) await s.close();
    await gw?.close();
  });

  test("setAlias, model(alias:), Model.aliases, modelAliases and ModelFamily.aliases; moves are audited", async () => {
    const set = await as("writerA")(SET, { n: "mnist", a: "champion", v: 2 });
    expect(set.errors).toBeUndefined();
    expect(set.data.setAlias).toMatchObject({ project: "team-a", name: "mnist", alias: "champion", version: 2, protected: false });
    expect(set.data.setAlias.updatedBy).toEqual(expect.any(String));
    expect((await as("readerA")(BY_ALIAS, { n: "mnist", a: "champion" })).data.model).toEqual({ version: 2, aliases: ["champion"] });
    expect((await as("readerA")(BY_ALIAS, { n: "mnist", a: "nobody" })).data.model).toBeNull();
    // The version argument keeps working as before, a non-null variable included.
    const byVersion = await as("readerA")(`query($n: String!, $v: Int!) { model(name: $n, version: $v) { version aliases } }`, {
      n: "mnist",
      v: 2,
    });
    expect(byVersion.data.model).toEqual({ version: 2, aliases: ["champion"] });
    const listed = await as("readerA")(`{ models(name: "mnist") { nodes { version aliases } } modelAliases(name: "mnist") { alias version }
      modelFamilies { nodes { name aliases { alias version protected } } } }`);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.models.nodes).toEqual([
      { version: 3, aliases: [] },
      { version: 2, aliases: ["champion"] },
      { version: 1, aliases: [] },
    ]);
    expect(listed.data.modelAliases).toEqual([{ alias: "champion", version: 2 }]);
    expect(listed.data.modelFamilies.nodes).toEqual([{ name: "mnist", aliases: [{ alias: "champion", version: 2, protected: false }] }]);

    await as("writerA")(SET, { n: "mnist", a: "champion", v: 3 });
    expect(audit.filter((a) => a.audit === "alias.set").map((a) => [a.alias, a.from, a.version])).toEqual([
      ["champion", null, 2],
      ["champion", 2, 3],
    ]);
  });

  test("model takes exactly one of version and alias", async () => {
    for (const variables of [{ n: "mnist" }, { n: "mnist", a: "champion", v: 1 }]) {
      const res = await as("readerA")(BY_ALIAS, variables);
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
      expect(res.errors![0]!.message).toMatch(/exactly one of version and alias/);
    }
  });

  test("access: a read key sets nothing; protected aliases need admin; another project's key touches nothing", async () => {
    await as("writerA")(SET, { n: "mnist", a: "prod", v: 1 });
    expect(codeOf(await as("readerA")(SET, { n: "mnist", a: "prod", v: 2 }))).toBe("FORBIDDEN");
    expect(codeOf(await as("readerA")(REMOVE, { n: "mnist", a: "prod" }))).toBe("FORBIDDEN");
    expect(codeOf(await as("writerA")(PROTECT, { n: "mnist", a: "prod", on: true }))).toBe("FORBIDDEN");
    expect((await as("adminA")(PROTECT, { n: "mnist", a: "prod", on: true })).data.protectAlias).toEqual({
      alias: "prod",
      protected: true,
    });
    const moved = await as("writerA")(SET, { n: "mnist", a: "prod", v: 2 });
    expect(codeOf(moved)).toBe("FORBIDDEN");
    expect(moved.errors![0]!.message).toMatch(/protected: moving it needs admin on project "team-a"/);
    expect(codeOf(await as("writerA")(REMOVE, { n: "mnist", a: "prod" }))).toBe("FORBIDDEN");
    for (const query of [SET, REMOVE, PROTECT, BY_ALIAS]) {
      const res = await as("adminB")(query, { n: "mnist", a: "prod", v: 2, on: false, p: "team-a" });
      expect(codeOf(res), query).toBe("FORBIDDEN");
      expect(res.errors![0]!.message).not.toMatch(/prod|mnist/);
    }
    expect(codeOf(await as("adminB")(`{ modelAliases(name: "mnist", project: "team-a") { alias } }`))).toBe("FORBIDDEN");
    expect((await as("adminA")(SET, { n: "mnist", a: "prod", v: 2 })).data.setAlias).toMatchObject({ version: 2, protected: true });
    expect((await as("adminA")(REMOVE, { n: "mnist", a: "prod" })).data.removeAlias).toBe(true);
  });

  test("overwriting the version a protected alias points at needs admin, as force-deleting it does", async () => {
    await as("writerA")(CREATE, { i: { name: "served", description: "v1" } });
    await as("writerA")(SET, { n: "served", a: "prod", v: 1 });
    await as("adminA")(PROTECT, { n: "served", a: "prod", on: true });
    const replaced = await as("writerA")(CREATE, { i: { name: "served", version: 1, overwrite: true, description: "swapped" } });
    expect(codeOf(replaced)).toBe("FORBIDDEN");
    expect(replaced.errors![0]!.message).toMatch(/alias "prod" of team-a\/served is protected: replacing its version needs admin/);
    // With files, refused before they are received: the answer comes while the upload is still being sent.
    const upload = streamedCreateModel(CREATE_MODEL, { name: "served", version: 1, overwrite: true }, "w.bin");
    const request = http.request(gw.url, {
      method: "POST",
      headers: { "content-type": upload.contentType, "apollo-require-preflight": "true", ...bearer(keys.writerA!) },
    });
    try {
      const response = new Promise<http.IncomingMessage>((resolve, reject) => request.on("response", resolve).on("error", reject));
      request.write(Buffer.concat([upload.head, Buffer.alloc(64 * 1024)]));
      const answer = JSON.parse(String(await readAll(await response)));
      expect(codeOf(answer)).toBe("FORBIDDEN");
      expect(answer.errors[0].message).toMatch(/replacing its version needs admin/);
    } finally {
      request.destroy();
    }
    const served = `{ model(name: "served", alias: "prod") { version description } }`;
    expect((await as("readerA")(served)).data.model).toEqual({ version: 1, description: "v1" });
    // An unprotected alias's version, and any version with admin, may be replaced as before.
    await as("writerA")(CREATE, { i: { name: "served", description: "v2" } });
    await as("writerA")(SET, { n: "served", a: "staging", v: 2 });
    expect(codeOf(await as("writerA")(CREATE, { i: { name: "served", version: 2, overwrite: true } }))).toBeUndefined();
    expect(codeOf(await as("adminA")(CREATE, { i: { name: "served", version: 1, overwrite: true, description: "new" } }))).toBeUndefined();
    expect((await as("readerA")(served)).data.model).toEqual({ version: 1, description: "new" });
  });

  test("deleteModel of an aliased version is CONFLICT naming the aliases; force removes them; events say which alias", async () => {
    await as("writerA")(CREATE, { i: { name: "doomed" } });
    const s = subscribe(gw.origin, { project: "team-a", name: "doomed" }, { apiKey: keys.readerA, selection: "type version alias" });
    subscribers.push(s);
    await untilLive(s, () => as("writerA")(CREATE, { i: { name: "doomed" } }));
    const before = s.events.length;
    await as("writerA")(SET, { n: "doomed", a: "staging", v: 1 });
    await as("writerA")(SET, { n: "doomed", a: "prod", v: 1 });
    const refused = await as("writerA")(DELETE, { n: "doomed", v: 1 });
    expect(codeOf(refused)).toBe("CONFLICT");
    expect(refused.errors![0]!.extensions).toMatchObject({ code: "CONFLICT", aliases: ["prod", "staging"] });
    expect(refused.errors![0]!.message).toMatch(/team-a\/doomed@1 is what aliases "prod", "staging" point at/);
    expect((await as("writerA")(DELETE, { n: "doomed", v: 1, f: true })).data.deleteModel).toBe(true);
    const events = (await eventsArrive(s, before + 5)).slice(before);
    expect(events).toEqual([
      { type: "ALIAS_SET", version: 1, alias: "staging" },
      { type: "ALIAS_SET", version: 1, alias: "prod" },
      { type: "ALIAS_REMOVED", version: 1, alias: "prod" },
      { type: "ALIAS_REMOVED", version: 1, alias: "staging" },
      { type: "DELETED", version: 1, alias: null },
    ]);
    expect((await as("readerA")(`{ modelAliases(name: "doomed") { alias } }`)).data.modelAliases).toEqual([]);
  });

  test("hostile alias arguments are BAD_USER_INPUT naming the argument, for every operation", async () => {
    for (const [alias, why] of HOSTILE_ALIASES) {
      for (const query of [SET, REMOVE, PROTECT, BY_ALIAS]) {
        const res = await as("adminA")(query, { n: "mnist", a: alias, v: 1, on: true });
        expect(codeOf(res), `${why} ${query.slice(0, 30)}`).toBe("BAD_USER_INPUT");
        expect(res.errors![0]!.extensions).toMatchObject({ field: "alias" });
      }
    }
    // Wrong types are refused by GraphQL validation, before the registry.
    for (const variables of [
      { n: "mnist", a: 5, v: 1 },
      { n: "mnist", a: "ok", v: "1" },
      { n: "mnist", a: "ok", v: 1.5 },
      { n: "mnist", a: "ok", v: 1, protected: "yes" },
    ]) {
      expect(codeOf(await as("adminA")(SET, variables))).toBe("BAD_USER_INPUT");
    }
    expect(codeOf(await as("adminA")(SET, { n: "mnist", a: "ok", v: 99 }))).toBe("NOT_FOUND");
    expect(codeOf(await as("adminA")(SET, { n: "mnist", a: "ok", v: 0 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await as("adminA")(DELETE, { n: "mnist", v: 1, f: "yes" }))).toBe("BAD_USER_INPUT");
    expect((await as("readerA")(`{ modelAliases(name: "mnist") { alias } }`)).data.modelAliases).toEqual([{ alias: "champion" }]);
  });
});
