/** Hostile corpus: credentials: malformed, foreign, in URLs, and a read key trying every mutation. */
import { generateKey } from "../../gateway/src/access/api-key.js";
import { bearer, CREATE, gqlRequest, type RawRequest } from "../support/raw-request.js";
import { bad, get, gql, upload } from "./requests.js";
import { adminKey, group, keyIds, keys, W_URL, type Case, type Expect } from "./world.js";

export const authorizationHeader = group("Authorization header variants", () => {
  const flip = (token: string, at: number) => token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
  const q = (authorization: string | string[] | undefined): RawRequest => ({
    method: "POST",
    path: "/graphql",
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query: `{ models(name: "fixture") { totalCount } }` }),
  });
  const UNAUTH: Expect = { codes: ["UNAUTHENTICATED"], status: [401] };
  const FORBID: Expect = { codes: ["FORBIDDEN"] };
  return [
    { name: "missing", request: q(undefined), expect: UNAUTH },
    { name: "empty", request: q(""), expect: UNAUTH },
    { name: "just Bearer", request: q("Bearer"), expect: UNAUTH },
    { name: "Bearer and a space", request: q("Bearer "), expect: UNAUTH },
    { name: "lowercase bearer x", request: q("bearer x"), expect: UNAUTH },
    { name: "Basic credentials", request: q(`Basic ${Buffer.from("admin:admin").toString("base64")}`), expect: UNAUTH },
    { name: "the key without a scheme", request: () => q(keys.write), expect: UNAUTH },
    { name: "one character of the secret changed", request: () => q(`Bearer ${flip(keys.write, keys.write.length - 5)}`), expect: UNAUTH },
    { name: "one character of the id changed", request: () => q(`Bearer ${flip(keys.write, 6)}`), expect: UNAUTH },
    { name: "the key missing its last character", request: () => q(`Bearer ${keys.write.slice(0, -1)}`), expect: UNAUTH },
    { name: "the key with a character appended", request: () => q(`Bearer ${keys.write}x`), expect: UNAUTH },
    { name: "the key twice", request: () => q(`Bearer ${keys.write} ${keys.write}`), expect: UNAUTH },
    {
      name: "the key with a trailing space",
      request: () => q(`Bearer ${keys.write} `),
      expect: { codes: ["UNAUTHENTICATED"], status: [401, 200], success: true },
    },
    { name: "a revoked key", request: () => q(`Bearer ${keys.revoked}`), expect: UNAUTH },
    { name: "a well-formed key that was never issued", request: () => q(`Bearer ${generateKey().token}`), expect: UNAUTH },
    { name: "SQL in the key id", request: q(`Bearer hmr_' OR 1=1 --_${"a".repeat(43)}`), expect: UNAUTH },
    { name: "latin-1 characters in the key", request: q(`Bearer hmr_\u00fc\u00fc\u00fc`), expect: UNAUTH },
    { name: "two Authorization headers, a bad one first", request: () => q(["Bearer garbage", `Bearer ${keys.write}`]), expect: UNAUTH },
    {
      name: "a 20 kB Authorization header",
      request: q(`Bearer ${"k".repeat(20_000)}`),
      expect: { status: [431, 401], plain: true, codes: ["UNAUTHENTICATED"] },
    },
    {
      name: "the key in the query string only",
      request: () => ({ ...q(undefined), path: `/graphql?access_token=${keys.write}` }),
      expect: UNAUTH,
    },
    { name: "download without a key", request: get(W_URL, null), expect: UNAUTH },
    { name: "download with a revoked key", request: get(W_URL, "revoked"), expect: UNAUTH },
    {
      name: "download with a key with one character changed",
      request: () => get(W_URL, { token: flip(keys.write, keys.write.length - 3) })(),
      expect: UNAUTH,
    },
    {
      name: "team-b key reads team-a's model",
      request: () => gqlRequest(`{ model(name: "fixture", version: 1, project: "team-a") { version } }`, undefined, keys.writeB),
      expect: FORBID,
    },
    {
      name: "team-b key lists team-a's models",
      request: () => gqlRequest(`{ models(name: "fixture", project: "team-a") { totalCount } }`, undefined, keys.writeB),
      expect: FORBID,
    },
    {
      name: "team-b key lists team-a's model names",
      request: () => gqlRequest(`{ modelFamilies(project: "team-a") { nodes { name } } }`, undefined, keys.writeB),
      expect: FORBID,
    },
    {
      name: "team-b key creates in team-a",
      request: () => gqlRequest(CREATE, { input: { name: "victim", project: "team-a" } }, keys.writeB),
      expect: FORBID,
    },
    {
      name: "team-b key deletes team-a's model",
      request: () => gqlRequest(`mutation { deleteModel(name: "fixture", version: 1, project: "team-a") }`, undefined, keys.writeB),
      expect: FORBID,
    },
    { name: "team-b key downloads team-a's file", request: get(W_URL, "writeB"), expect: { codes: ["FORBIDDEN"], status: [403] } },
    {
      name: "team-b key uploads into team-a",
      request: upload({ name: "victim", project: "team-a" }, [["w.bin", "b-into-a"]], "writeB"),
      expect: FORBID,
    },
    { name: "write key creates a project", request: gql(`mutation { createProject(name: "evil") { name } }`), expect: FORBID },
    {
      name: "write key mints a key for its project",
      request: gql(`mutation { createApiKey(input: { name: "x", grants: [{ project: "team-a", role: ADMIN }] }) { secret } }`),
      expect: FORBID,
    },
    {
      name: "write key mints a key for every project",
      request: gql(`mutation { createApiKey(input: { name: "x", grants: [{ project: "*", role: ADMIN }] }) { secret } }`),
      expect: FORBID,
    },
    {
      name: "write key revokes the admin key",
      request: () => gqlRequest(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: adminKey.id }, keys.write),
      expect: bad("NOT_FOUND", "FORBIDDEN"),
    },
  ] satisfies Case[];
});

export const keysInUrls = group("keys in URLs and forged client addresses", () => {
  const UNAUTH: Expect = { codes: ["UNAUTHENTICATED"], status: [401] };
  const at =
    (target: () => string, headers: () => Record<string, string> = () => ({})) =>
    (): RawRequest => ({
      method: "POST",
      path: target(),
      headers: { "content-type": "application/json", ...headers() },
      body: JSON.stringify({ query: `{ models(name: "fixture") { totalCount } }` }),
    });
  return [
    { name: "?api_key=<key>", request: at(() => `/graphql?api_key=${keys.write}`), expect: UNAUTH },
    {
      name: "?apikey=<key> with the underscore encoded",
      request: at(() => `/graphql?apikey=${keys.write.replace("_", "%5F")}`),
      expect: UNAUTH,
    },
    { name: "?key=<key> repeated", request: at(() => `/graphql?key=${keys.write}&key=${keys.read}`), expect: UNAUTH },
    { name: "#access_token=<key>", request: at(() => `/graphql#access_token=${keys.write}`), expect: UNAUTH },
    {
      name: "a download with ?token=<key>",
      request: () => ({ ...get(W_URL, null)(), path: `${W_URL}?token=${keys.read}` }),
      expect: UNAUTH,
    },
    {
      name: "a bad key with a forged X-Forwarded-For",
      request: at(
        () => "/graphql",
        () => ({ authorization: "Bearer nope", "x-forwarded-for": "10.9.8.7" }),
      ),
      expect: UNAUTH,
    },
    {
      name: "a valid key with a forged X-Forwarded-For",
      request: at(
        () => "/graphql",
        () => ({ ...bearer(keys.read), "x-forwarded-for": "203.0.113.1, 127.0.0.1" }),
      ),
      expect: { success: true, status: [200] },
    },
  ] satisfies Case[];
});

export const readKeyMutations = group("a read key tries every mutation", () => {
  const R = (query: string, variables?: Record<string, unknown>) => () => gqlRequest(query, variables, keys.read);
  const FORBID = bad("FORBIDDEN");
  return [
    { name: "createModel", request: R(`mutation { createModel(input: { name: "victim" }) { version } }`), expect: FORBID },
    {
      name: "createModel with overwrite of an existing version",
      request: R(`mutation { createModel(input: { name: "fixture", version: 1, overwrite: true }) { version } }`),
      expect: FORBID,
    },
    {
      name: "createModel in another project",
      request: R(`mutation { createModel(input: { name: "victim", project: "team-b" }) { version } }`),
      expect: FORBID,
    },
    { name: "createModel upload", request: upload({ name: "victim" }, [["w.bin", "read-key-bytes"]], "read"), expect: FORBID },
    { name: "deleteModel of an existing version", request: R(`mutation { deleteModel(name: "fixture", version: 1) }`), expect: FORBID },
    {
      name: "deleteModel of an absent version (no existence leak)",
      request: R(`mutation { deleteModel(name: "victim", version: 1) }`),
      expect: FORBID,
    },
    { name: "createProject", request: R(`mutation { createProject(name: "evil") { name } }`), expect: FORBID },
    {
      name: "createApiKey",
      request: R(`mutation { createApiKey(input: { name: "x", grants: [{ project: "team-a", role: WRITE }] }) { secret } }`),
      expect: FORBID,
    },
    {
      name: "revokeApiKey of the write key",
      request: () => gqlRequest(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: keyIds.write }, keys.read),
      expect: bad("NOT_FOUND", "FORBIDDEN"),
    },
    {
      name: "revokeApiKey of itself",
      request: () => gqlRequest(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: keyIds.read }, keys.read),
      expect: bad("NOT_FOUND", "FORBIDDEN"),
    },
  ] satisfies Case[];
});
