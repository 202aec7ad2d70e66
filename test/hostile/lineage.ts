/** Hostile corpus: lineage on createModel and updateModel, and its reads (parents, derivedModels). */
import { BAD, bad, create, gql, INVALID, INVALID_OR_BAD } from "./requests.js";
import { group, type Case } from "./world.js";

const ESC = "run\u001b[1A\u001b[2K\u001b[31mhidden";
const HEX64 = "a".repeat(64);

export const hostileLineage = group("lineage", () => {
  const lineage = (value: unknown, who: Parameters<typeof create>[1] = "write") => create({ name: "victim", lineage: value }, who);
  const dataset = (value: Record<string, unknown>) => lineage({ trainingDataset: { name: "d", ...value } });
  const edit = (value: unknown) =>
    gql(`mutation($l: LineageInput) { updateModel(name: "fixture", version: 1, input: { lineage: $l }) { revision } }`, { l: value });
  const cases: Case[] = [
    // Shapes the schema refuses.
    { name: "lineage as an array", request: lineage([{ run: { id: "r" } }]), expect: INVALID_OR_BAD },
    { name: "lineage as a string", request: lineage("fixture@1"), expect: INVALID_OR_BAD },
    // GraphQL's input coercion makes one item a list of one: legal, a version with one parent.
    { name: "parents as one object (legal)", request: lineage({ parents: { name: "fixture", version: 1 } }), expect: { success: true } },
    { name: "a parent version as a string", request: lineage({ parents: [{ name: "fixture", version: "1" }] }), expect: INVALID_OR_BAD },
    { name: "a parent version 1e10", request: lineage({ parents: [{ name: "fixture", version: 1e10 }] }), expect: INVALID_OR_BAD },
    { name: "a run without its id", request: lineage({ run: { uri: "https://x" } }), expect: INVALID_OR_BAD },
    // Strings: labels, URIs, digests, commits, paths.
    { name: "data set name with NUL", request: lineage({ trainingDataset: { name: "d\u0000" } }), expect: BAD },
    { name: "data set name with an escape sequence", request: lineage({ trainingDataset: { name: ESC } }), expect: BAD },
    { name: "data set name with an RTL override", request: lineage({ trainingDataset: { name: "data\u202Eset" } }), expect: BAD },
    { name: "data set name with a lone surrogate", request: lineage({ trainingDataset: { name: "\uD800" } }), expect: BAD },
    { name: "a 1.9 MB data set name", request: lineage({ trainingDataset: { name: "d".repeat(1_900_000) } }), expect: BAD },
    { name: "javascript: data set URI", request: dataset({ uri: "javascript:alert(document.cookie)" }), expect: BAD },
    { name: "data: data set URI", request: dataset({ uri: "data:text/html;base64,PHNjcmlwdD4=" }), expect: BAD },
    { name: "vbscript: URI in mixed case", request: dataset({ uri: "VbScript:msgbox" }), expect: BAD },
    { name: "URI with a newline", request: dataset({ uri: "https://x/\nSet-Cookie: a=b" }), expect: BAD },
    { name: "URI with a NUL", request: dataset({ uri: "s3://b/\u0000" }), expect: BAD },
    { name: "URI of 2049 characters", request: dataset({ uri: `s3://b/${"x".repeat(2042)}` }), expect: BAD },
    { name: "digest without algorithm", request: dataset({ digest: HEX64 }), expect: BAD },
    { name: "digest with a short hex", request: dataset({ digest: "sha256:abc" }), expect: BAD },
    { name: "digest with a __proto__ algorithm", request: dataset({ digest: `__proto__:${HEX64}` }), expect: BAD },
    { name: "digest with a toString algorithm", request: dataset({ digest: `toString:${HEX64}` }), expect: BAD },
    { name: "run id with an escape sequence", request: lineage({ run: { id: ESC } }), expect: BAD },
    { name: "git commit with a shell command", request: lineage({ program: { gitCommit: "abc1234; rm -rf /" } }), expect: BAD },
    { name: "git commit of 65 digits", request: lineage({ program: { gitCommit: "a".repeat(65) } }), expect: BAD },
    { name: "entry point with a bidi override", request: lineage({ program: { entryPoint: "train\u202Epy" } }), expect: BAD },
    { name: "repository javascript:", request: lineage({ program: { repository: "javascript:alert(1)" } }), expect: BAD },
    { name: "environment that escapes", request: lineage({ environment: "../../etc/passwd" }), expect: BAD },
    { name: "environment with a backslash", request: lineage({ environment: "..\\..\\secret" }), expect: BAD },
    { name: "environment not among the version's files", request: lineage({ environment: "requirements.txt" }), expect: BAD },
    // Parents: bounded, unique, not itself, existing and readable.
    {
      name: "10,000 parents",
      request: lineage({ parents: Array.from({ length: 10_000 }, (_, i) => ({ name: `p${i}`, version: 1 })) }),
      expect: bad("BAD_USER_INPUT", "PAYLOAD_TOO_LARGE"),
    },
    {
      name: "the same parent twice",
      request: lineage({
        parents: [
          { name: "fixture", version: 1 },
          { name: "fixture", version: 1, project: "team-a" },
        ],
      }),
      expect: BAD,
    },
    {
      name: "itself as parent",
      request: create({ name: "victim", version: 1, lineage: { parents: [{ name: "victim", version: 1 }] } }),
      expect: BAD,
    },
    { name: "a parent named with a slash", request: lineage({ parents: [{ name: "../fixture", version: 1 }] }), expect: BAD },
    {
      name: "a parent in a project with NUL",
      request: lineage({ parents: [{ project: "team-b\u0000", name: "secret", version: 1 }] }),
      expect: BAD,
    },
    { name: "a missing parent", request: lineage({ parents: [{ name: "fixture", version: 99 }] }), expect: bad("NOT_FOUND") },
    {
      name: "a parent in a project the key may not read (answered as missing)",
      request: lineage({ parents: [{ project: "team-b", name: "secret", version: 1 }] }),
      expect: bad("NOT_FOUND"),
    },
    {
      name: "lineage from a read-only key",
      request: lineage({ parents: [{ name: "fixture", version: 1 }] }, "read"),
      expect: bad("FORBIDDEN"),
    },
    // Edits: the same rules, and nothing changes.
    {
      name: "edit naming another project's version as parent",
      request: edit({ parents: [{ project: "team-b", name: "secret", version: 1 }] }),
      expect: bad("NOT_FOUND"),
    },
    { name: "edit naming the version itself as parent", request: edit({ parents: [{ name: "fixture", version: 1 }] }), expect: BAD },
    { name: "edit with an environment that is no file of the version", request: edit({ environment: "conda.yaml" }), expect: BAD },
    { name: "edit with a javascript: run URI", request: edit({ run: { id: "r", uri: "javascript:x" } }), expect: BAD },
    // Reads: access and cost.
    {
      name: "derivedModels of another project's version",
      request: gql(`{ model(name: "secret", version: 1, project: "team-b") { derivedModels { nodes { name } } } }`, undefined, "read"),
      expect: bad("FORBIDDEN"),
    },
    {
      name: "derivedModels of every version of a page of 500",
      request: gql(`{ models(name: "fixture", first: 500) { nodes { derivedModels { nodes { version } } } } }`, undefined, "read"),
      expect: INVALID,
    },
    {
      name: "derivedModels with a page size from a variable, nested",
      request: gql(
        `query($n: Int) { models(name: "fixture", first: 20) { nodes { derivedModels(first: $n) { nodes { version } } } } }`,
        { n: 1 },
        "read",
      ),
      expect: INVALID,
    },
    {
      name: "derivedModels with a forged cursor",
      request: gql(
        `{ model(name: "fixture", version: 1) { derivedModels(after: "${Buffer.from('{"r":"team-a/fixture@1","i":1e400}').toString("base64url")}") { nodes { name } } } }`,
        undefined,
        "read",
      ),
      expect: BAD,
    },
    {
      // "" is not the absence of a cursor: a listing resumed with it must not start over.
      name: "derivedModels with an empty cursor",
      request: gql(`{ model(name: "fixture", version: 1) { derivedModels(after: "") { nodes { name } } } }`, undefined, "read"),
      expect: BAD,
    },
    {
      // A page's parents are read in one statement (batched), so this is an ordinary query now.
      name: "parents' models nested through a page of 500",
      request: gql(`{ models(name: "fixture", first: 500) { nodes { lineage { parents { model { version } } } } } }`, undefined, "read"),
      expect: { success: true, status: [200] },
    },
    {
      name: "parents' models with every lineage level nested three deep through a page of 500",
      request: gql(
        `{ models(name: "fixture", first: 500) { nodes { lineage { parents { model { lineage { parents { model { lineage { parents { model { files { path sha256 downloadUrl } metrics { key value } signature { inputs { name type shape } outputs { name type shape } } } } } } } } } } } } } }`,
        undefined,
        "read",
      ),
      expect: INVALID,
    },
  ];
  return cases;
});
