import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const admin = generateKey();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { project name version lineage { parents { project name version } } } }`;

/** Lineage with real API keys: parents across projects only where the key may read, reads filtered by the key's rights. */
describe.each(BACKENDS)("lineage and API keys on %s", (backend) => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};
  const as = (who: string) => (query: string, variables?: Record<string, unknown>) => gw.gql(query, variables, bearer(keys[who]!));

  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
    keys.admin = admin.token;
    for (const project of ["team-a", "team-b"]) {
      expect((await as("admin")(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project })).errors).toBeUndefined();
    }
    const create = async (who: string, grants: { project: string; role: string }[]) => {
      const res = await as("admin")(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, {
        i: { name: who, grants: grants.map((g) => ({ project: g.project, role: g.role.toUpperCase() })) },
      });
      expect(res.errors).toBeUndefined();
      keys[who] = res.data.createApiKey.secret;
    };
    await create("writerA", [{ project: "team-a", role: "write" }]);
    await create("writerB", [{ project: "team-b", role: "write" }]);
    await create("writerAreaderB", [
      { project: "team-a", role: "write" },
      { project: "team-b", role: "read" },
    ]);
    await create("readerB", [{ project: "team-b", role: "read" }]);
    expect((await as("writerB")(CREATE, { i: { project: "team-b", name: "teacher" } })).errors).toBeUndefined();
  });
  afterAll(() => gw?.close());

  test("a key of A cannot name B's version as a parent: the same NOT_FOUND as a missing version, on create and on edit", async () => {
    const hidden = await as("writerA")(CREATE, {
      i: { project: "team-a", name: "student", lineage: { parents: [{ project: "team-b", name: "teacher", version: 1 }] } },
    });
    const missing = await as("writerA")(CREATE, {
      i: { project: "team-a", name: "student", lineage: { parents: [{ project: "team-b", name: "teacherx", version: 1 }] } },
    });
    expect(hidden.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(hidden.errors![0]!.message).toBe("parent model version team-b/teacher@1 not found");
    expect(missing.errors![0]!.message).toBe("parent model version team-b/teacherx@1 not found");
    expect(hidden.status).toBe(missing.status);
    expect((await as("writerA")(`{ models(name: "student", project: "team-a") { totalCount } }`)).data.models.totalCount).toBe(0);

    expect((await as("writerA")(CREATE, { i: { project: "team-a", name: "plain" } })).errors).toBeUndefined();
    const edit = await as("writerA")(
      `mutation { updateModel(name: "plain", version: 1, project: "team-a", input: { lineage: { parents: [{ project: "team-b", name: "teacher", version: 1 }] } }) { revision } }`,
    );
    expect(edit.errors?.[0]).toMatchObject({
      message: "parent model version team-b/teacher@1 not found",
      extensions: { code: "NOT_FOUND" },
    });
  });

  test("a key that may read B names B's version; readers see the reference, the parent only with read on B, children only where they may read", async () => {
    const child = await as("writerAreaderB")(CREATE, {
      i: { project: "team-a", name: "student", lineage: { parents: [{ project: "team-b", name: "teacher", version: 1 }] } },
    });
    expect(child.errors).toBeUndefined();
    expect(child.data.createModel.lineage.parents).toEqual([{ project: "team-b", name: "teacher", version: 1 }]);

    const PARENT = `{ model(name: "student", version: 1, project: "team-a") { lineage { parents { project name version model { name } } } } }`;
    expect((await as("writerA")(PARENT)).data.model.lineage.parents).toEqual([
      { project: "team-b", name: "teacher", version: 1, model: null },
    ]);
    expect((await as("writerAreaderB")(PARENT)).data.model.lineage.parents[0].model).toEqual({ name: "teacher" });

    const CHILDREN = `{ model(name: "teacher", version: 1, project: "team-b") { derivedModels { nodes { project name } } } }`;
    expect((await as("readerB")(CHILDREN)).data.model.derivedModels.nodes).toEqual([]);
    expect((await as("writerAreaderB")(CHILDREN)).data.model.derivedModels.nodes).toEqual([{ project: "team-a", name: "student" }]);
    expect((await as("admin")(CHILDREN)).data.model.derivedModels.nodes).toEqual([{ project: "team-a", name: "student" }]);
    expect((await as("writerA")(CHILDREN)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    // By reference (Query.derivedModels), the same rules, and still after the parent is deleted.
    const BY_REF = `{ derivedModels(project: "team-b", name: "teacher", version: 1) { nodes { project name } } }`;
    for (const stage of ["exists", "deleted"]) {
      if (stage === "deleted") {
        const deleted = await as("writerB")(`mutation { deleteModel(project: "team-b", name: "teacher", version: 1) }`);
        expect(deleted.errors).toBeUndefined();
        expect((await as("admin")(CHILDREN)).data.model).toBeNull();
      }
      expect((await as("readerB")(BY_REF)).data.derivedModels.nodes, stage).toEqual([]);
      expect((await as("writerAreaderB")(BY_REF)).data.derivedModels.nodes, stage).toEqual([{ project: "team-a", name: "student" }]);
      expect((await as("admin")(BY_REF)).data.derivedModels.nodes, stage).toEqual([{ project: "team-a", name: "student" }]);
      const refused = await as("writerA")(BY_REF);
      expect(refused.errors?.[0]?.extensions?.code, stage).toBe("FORBIDDEN");
      expect(refused.data).toBeNull();
    }
  });
});
