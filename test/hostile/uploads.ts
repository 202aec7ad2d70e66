/** Hostile corpus: uploaded file paths that traverse, and multipart bodies that are malformed. */
import { expect } from "vitest";
import { MARK } from "../support/hostile-harness.js";
import { CREATE, multipartRequest, uploadRequest, type Part } from "../support/raw-request.js";
import { BAD, bad, BAD_REQUEST, get, upload } from "./requests.js";
import { group, keys, MAX_FILE, own, summary, type Case } from "./world.js";

export const pathTraversal = group("path traversal in uploaded file paths", () => {
  const refused = [
    `../${MARK}`,
    `../../../../${MARK}`,
    `..\\${MARK}`,
    `..\\..\\${MARK}`,
    `/etc/passwd`,
    `/tmp/${MARK}`,
    `C:\\${MARK}`,
    `c:/${MARK}`,
    `C:${MARK}`,
    `\\\\server\\share\\${MARK}`,
    `//server/share/${MARK}`,
    `a\u0000/../${MARK}`,
    `${MARK}\u0000.txt`,
    `dir/.`,
    `dir/./${MARK}`,
    `a/../../${MARK}`,
    `./${MARK}`,
    `dir/..`,
    "..",
    ".",
    "",
    `dir//${MARK}`,
    `dir/`,
    `${MARK}\n`,
    `${"s".repeat(256)}`,
    `${"d/".repeat(600)}${MARK}`,
  ];
  const literal = [`%2e%2e%2f${MARK}`, `%252e%252e%252f${MARK}`, `..%2f${MARK}`, `\uFF0E\uFF0E/${MARK}`, `~/${MARK}`, `...${MARK}`];
  const cases: Case[] = refused.map((p) => ({
    name: `path ${JSON.stringify(p.length > 60 ? `${p.slice(0, 60)}…` : p)} is refused before any byte is stored`,
    request: upload({ name: "victim" }, [
      ["good.bin", "fine-bytes"],
      [p, "x".repeat(1000)],
    ]),
    expect: BAD,
  }));
  for (const p of literal) {
    // Legal names that only look like traversal: stored as the literal string, served back by it.
    cases.push({
      name: `path ${JSON.stringify(p)} is a literal name, never a filesystem path`,
      request: () => {
        const req = uploadRequest({ name: "victim" }, [[p, `literal:${p}`]], keys.write);
        const body = (req.body as Buffer).toString().replace("{ version }", "{ files { path downloadUrl } }");
        return { ...req, body };
      },
      expect: {
        codes: ["BAD_USER_INPUT"],
        success: true,
        check: async (r) => {
          if (!r.json.data) return;
          const [file] = r.json.data.createModel.files;
          expect(file.path).toBe(p.normalize("NFC"));
          const url = new URL(file.downloadUrl);
          const download = await own(get(url.pathname)());
          expect(download.status, summary(download)).toBe(200);
          expect(download.text).toBe(`literal:${p}`);
        },
      },
    });
  }
  cases.push(
    {
      name: "the same path twice in one upload",
      request: upload({ name: "victim" }, [
        ["w.bin", "a"],
        ["w.bin", "b"],
      ]),
      expect: BAD,
    },
    {
      name: "the same path twice after NFC normalisation",
      request: upload({ name: "victim" }, [
        ["caf\u00e9.txt", "a"],
        ["cafe\u0301.txt", "b"],
      ]),
      expect: BAD,
    },
    {
      name: "a directory and a file with the same name",
      request: upload({ name: "victim" }, [
        ["a", "x"],
        ["a/b", "y"],
      ]),
      expect: { codes: ["BAD_USER_INPUT"], success: true },
    },
    {
      name: "21 files (over maxFiles)",
      request: upload(
        { name: "victim" },
        Array.from({ length: 21 }, (_, i) => [`f${i}`, "x"] as const),
      ),
      expect: bad("PAYLOAD_TOO_LARGE", "BAD_USER_INPUT"),
    },
    {
      name: "one file over maxFileSize after a good one",
      request: upload({ name: "victim" }, [
        ["good.bin", "fine"],
        ["big.bin", Buffer.alloc(MAX_FILE + 1, 1)],
      ]),
      expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] },
    },
  );
  return cases;
});

export const malformedMultipart = group("malformed multipart requests", () => {
  const ops = (files: unknown[] = [{ path: "w", file: null }], name = "victim") =>
    JSON.stringify({ query: CREATE, variables: { input: { name, files } } });
  const map0 = JSON.stringify({ 0: ["variables.input.files.0.file"] });
  const filePart = (name = "0", value: string | Buffer = "x", filename = "w"): Part => ({ name, value, filename });
  const mp =
    (parts: Part[], options: Parameters<typeof multipartRequest>[2] = {}) =>
    () =>
      multipartRequest(parts, keys.write, options);
  const map10k = JSON.stringify(
    Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [String(i), [`variables.input.files.${i}.file`]])),
  );
  const MISSING_FILES = bad("BAD_USER_INPUT", "PAYLOAD_TOO_LARGE");
  return [
    {
      name: "map names a file part that never comes",
      request: mp([
        { name: "operations", value: ops() },
        { name: "map", value: map0 },
      ]),
      expect: BAD,
    },
    {
      name: "a file part without a map entry",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: "{}" }, filePart()]),
      expect: BAD,
    },
    {
      name: "map entry pointing at input.name",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.input.name"]}' }, filePart()]),
      expect: BAD,
    },
    {
      name: "map entry pointing at a missing variable",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.nothing.here"]}' }, filePart()]),
      expect: BAD,
    },
    {
      name: "map entry with an out-of-range index",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.input.files.7.file"]}' }, filePart()]),
      expect: BAD,
    },
    {
      name: "map entry into __proto__",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.__proto__.polluted"]}' }, filePart()]),
      expect: BAD,
    },
    {
      name: "map entry into constructor.prototype",
      request: mp([
        { name: "operations", value: ops() },
        { name: "map", value: '{"0":["variables.constructor.prototype.polluted"]}' },
        filePart(),
      ]),
      expect: BAD,
    },
    {
      name: "map entry outside variables (query)",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["query"]}' }, filePart()]),
      expect: bad("BAD_USER_INPUT", "BAD_REQUEST"),
    },
    {
      name: "map value that is a string",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":"variables.input.files.0.file"}' }, filePart()]),
      expect: BAD,
    },
    {
      name: "map value that is an empty array",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":[]}' }, filePart()]),
      expect: BAD,
    },
    {
      name: "map that is not JSON",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: "[[[" }, filePart()]),
      expect: BAD,
    },
    {
      name: "map with 10,000 entries",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: map10k }, filePart()]),
      expect: MISSING_FILES,
    },
    {
      name: "map with 10,000 entries matching 10,000 declared files",
      request: mp([
        { name: "operations", value: ops(Array.from({ length: 10_000 }, (_, i) => ({ path: `f${i}`, file: null }))) },
        { name: "map", value: map10k },
        filePart(),
      ]),
      expect: MISSING_FILES,
    },
    {
      name: "one upload mapped to two files",
      request: mp([
        {
          name: "operations",
          value: ops([
            { path: "a", file: null },
            { path: "b", file: null },
          ]),
        },
        { name: "map", value: '{"0":["variables.input.files.0.file","variables.input.files.1.file"]}' },
        filePart(),
      ]),
      expect: BAD,
    },
    { name: "operations field missing", request: mp([{ name: "map", value: map0 }, filePart()]), expect: BAD },
    { name: "only operations, no map", request: mp([{ name: "operations", value: ops() }]), expect: BAD },
    {
      name: "a file part before operations",
      request: mp([filePart(), { name: "operations", value: ops() }, { name: "map", value: map0 }]),
      expect: BAD,
    },
    {
      name: "operations that are not JSON",
      request: mp([{ name: "operations", value: "{nope" }, { name: "map", value: map0 }, filePart()]),
      expect: BAD,
    },
    {
      name: "operations that are JSON null",
      request: mp([{ name: "operations", value: "null" }, { name: "map", value: map0 }, filePart()]),
      expect: BAD,
    },
    {
      name: "operations that are a batch",
      request: mp([
        { name: "operations", value: `[${ops()}]` },
        { name: "map", value: '{"0":["0.variables.input.files.0.file"]}' },
        filePart(),
      ]),
      expect: bad("BAD_REQUEST", "BAD_USER_INPUT"),
    },
    {
      name: "content-type multipart without a boundary",
      request: mp([{ name: "operations", value: ops() }], { contentType: "multipart/form-data" }),
      expect: BAD,
    },
    {
      name: "wrong boundary in the content-type",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()], { headerBoundary: "not-the-boundary" }),
      expect: { ...BAD, status: [400] },
    },
    {
      name: "a body that is not multipart at all",
      request: () => ({ ...multipartRequest([], keys.write), body: "hello, world" }),
      expect: { ...BAD, status: [400] },
    },
    {
      name: "an empty multipart body (closing boundary only)",
      request: mp([]),
      expect: { ...BAD, status: [400] },
    },
    {
      name: "truncated multipart: no closing boundary",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart("0", "xxxxx")], { close: false }),
      expect: BAD,
    },
    {
      name: "truncated multipart: cut in the middle of the file part",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart("0", "y".repeat(5000))], {
        mutate: (b) => b.subarray(0, b.length - 2000),
      }),
      expect: BAD,
    },
    {
      name: "truncated multipart: cut inside the map",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()], {
        mutate: (b) => b.subarray(0, b.indexOf(Buffer.from("variables.input.files.0"))),
      }),
      expect: { ...BAD, status: [400] },
    },
    {
      name: "a valid upload without the CSRF preflight header",
      request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()], { preflight: false }),
      expect: BAD_REQUEST,
    },
    {
      name: "file part whose filename is a traversal, next to an oversized file",
      request: mp([
        {
          name: "operations",
          value: ops([
            { path: "a", file: null },
            { path: "b", file: null },
          ]),
        },
        { name: "map", value: '{"0":["variables.input.files.0.file"],"1":["variables.input.files.1.file"]}' },
        filePart("0", "x", `../../${MARK}`),
        filePart("1", Buffer.alloc(MAX_FILE + 10, 2), `..\\..\\${MARK}`),
      ]),
      expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] },
    },
    {
      name: "file part whose field name is a traversal",
      request: mp([
        { name: "operations", value: ops() },
        { name: "map", value: JSON.stringify({ [`../../${MARK}`]: ["variables.input.files.0.file"] }) },
        filePart(`../../${MARK}`, "x", `/tmp/${MARK}`),
        { name: "extra", value: "x" },
      ]),
      expect: { codes: ["BAD_USER_INPUT", "FORBIDDEN"], success: true },
    },
    {
      name: "a second operations field",
      request: mp([{ name: "operations", value: ops() }, { name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()]),
      expect: BAD,
    },
    {
      name: "multipart with a read key (no bytes may be staged)",
      request: () =>
        multipartRequest(
          [{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart("0", "r".repeat(30_000))],
          keys.read,
        ),
      expect: bad("FORBIDDEN"),
    },
  ] satisfies Case[];
});
