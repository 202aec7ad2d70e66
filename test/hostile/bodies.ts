/** Hostile corpus: malformed request bodies: JSON that is not, and batches. */
import { gzipSync } from "node:zlib";
import { bearer, CREATE } from "../support/raw-request.js";
import { ANY_TYPED, BAD, bad, BAD_REQUEST, get, gql, INVALID, PARSE, raw } from "./requests.js";
import { group, keys, type Case } from "./world.js";

export const malformedJson = group("malformed JSON bodies", () => {
  const deepArrays = "[".repeat(100_000) + "]".repeat(100_000);
  const deepObjects = '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000);
  return [
    { name: "truncated object", request: raw('{"query":"{ __typename }"'), expect: BAD },
    { name: "truncated inside a string", request: raw('{"query":"{ __typ'), expect: BAD },
    { name: "trailing garbage", request: raw('{"query":"{ __typename }"}garbage'), expect: BAD },
    { name: "two objects back to back", request: raw('{"query":"{ __typename }"}{"query":"{ __typename }"}'), expect: BAD },
    { name: "empty body", request: raw(""), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
    { name: "whitespace-only body", request: raw("   \n\t  "), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
    { name: "JSON null", request: raw("null"), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
    { name: "JSON number", request: raw("42"), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
    { name: "JSON string", request: raw('"{ __typename }"'), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
    { name: "JSON true", request: raw("true"), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
    { name: "empty array", request: raw("[]"), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
    { name: "100,000-deep nested arrays", request: raw(deepArrays), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
    { name: "50,000-deep nested objects", request: raw(deepObjects), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
    { name: "NaN as the whole body", request: raw("NaN"), expect: BAD },
    {
      name: "content-type text/plain (CSRF-simple)",
      request: raw('{"query":"{ __typename }"}', "write", "text/plain"),
      expect: BAD_REQUEST,
    },
    {
      name: "no content-type",
      request: () => ({ method: "POST", path: "/graphql", headers: bearer(keys.write), body: '{"query":"{ __typename }"}' }),
      expect: BAD_REQUEST,
    },
    {
      name: "form-urlencoded body",
      request: raw("query=%7B__typename%7D", "write", "application/x-www-form-urlencoded"),
      expect: BAD_REQUEST,
    },
    {
      name: "JSON declared as UTF-16",
      request: raw('{"query":"{ __typename }"}', "write", "application/json; charset=utf-16"),
      expect: BAD,
    },
    {
      name: "JSON declared as an unknown charset",
      request: raw('{"query":"{ __typename }"}', "write", "application/json; charset=x-evil"),
      expect: ANY_TYPED,
    },
    {
      name: "invalid UTF-8 bytes in the query",
      request: raw(Buffer.concat([Buffer.from('{"query":"{ __typename '), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(' }"}')])),
      expect: bad("GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT"),
    },
    { name: "NUL byte outside any string", request: raw('{"query":"{ __typename }"\u0000}'), expect: BAD },
    { name: "NUL inside the query text", request: raw('{"query":"{ __typename \\u0000 }"}'), expect: PARSE },
    { name: "query is a number", request: raw('{"query":42}'), expect: BAD_REQUEST },
    { name: "query is null", request: raw('{"query":null}'), expect: BAD_REQUEST },
    { name: "query is an object", request: raw('{"query":{"kind":"Document"}}'), expect: BAD_REQUEST },
    { name: "no query at all", request: raw("{}"), expect: BAD_REQUEST },
    { name: "variables as a string", request: raw('{"query":"{ __typename }","variables":"{}"}'), expect: BAD_REQUEST },
    { name: "variables as an array", request: raw('{"query":"{ __typename }","variables":[1,2]}'), expect: BAD_REQUEST },
    { name: "operationName as a number", request: raw('{"query":"{ __typename }","operationName":5}'), expect: BAD_REQUEST },
    { name: "extensions as a string", request: raw('{"query":"{ __typename }","extensions":"x"}'), expect: BAD_REQUEST },
    { name: "duplicate query keys (last one wins)", request: raw('{"query":"{ __typename }","query":"{ nope }"}'), expect: INVALID },
    {
      name: "unknown persisted-query hash (APQ is off)",
      request: raw(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } } })),
      expect: bad("PERSISTED_QUERY_NOT_SUPPORTED"),
    },
    {
      name: "APQ hash that does not match the query",
      request: raw(JSON.stringify({ query: "{ __typename }", extensions: { persistedQuery: { version: 1, sha256Hash: "b".repeat(64) } } })),
      expect: bad("PERSISTED_QUERY_NOT_SUPPORTED"),
    },
    {
      name: "APQ of an unsupported version",
      request: raw(JSON.stringify({ query: "{ __typename }", extensions: { persistedQuery: { version: 2, sha256Hash: "b".repeat(64) } } })),
      expect: bad("PERSISTED_QUERY_NOT_SUPPORTED"),
    },
    {
      name: "__proto__ at the top of the body",
      request: raw('{"query":"{ nope }","__proto__":{"polluted":true,"query":"{ __typename }"}}'),
      expect: INVALID,
    },
    {
      name: "__proto__ as the variables' only key",
      request: raw(`{"query":${JSON.stringify(CREATE)},"variables":{"__proto__":{"input":{"name":"victim"}}}}`),
      expect: BAD,
    },
    {
      name: "3 MB body (over the body limit)",
      request: raw(JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(3_000_000) } })),
      expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] },
    },
    {
      name: "gzip bomb: 30 MB of JSON in 30 kB",
      request: () => ({
        ...raw(gzipSync(`{"query":"{ __typename }","variables":{"pad":"${" ".repeat(30_000_000)}"}}`))(),
        headers: { "content-type": "application/json", "content-encoding": "gzip", ...bearer(keys.write) },
      }),
      expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] },
    },
    {
      name: "content-encoding gzip with a body that is not gzip",
      request: () => ({
        ...raw('{"query":"{ __typename }"}')(),
        headers: { "content-type": "application/json", "content-encoding": "gzip", ...bearer(keys.write) },
      }),
      expect: BAD,
    },
    {
      name: "unknown content-encoding",
      request: () => ({
        ...raw('{"query":"{ __typename }"}')(),
        headers: { "content-type": "application/json", "content-encoding": "x-evil", ...bearer(keys.write) },
      }),
      expect: BAD,
    },
    {
      name: "PUT /graphql",
      request: () => ({ ...raw('{"query":"{ __typename }"}')(), method: "PUT" }),
      expect: { codes: ["BAD_REQUEST"], status: [405, 400] },
    },
    {
      name: "PATCH /graphql",
      request: () => ({ ...raw('{"query":"{ __typename }"}')(), method: "PATCH" }),
      expect: { codes: ["BAD_REQUEST"], status: [405, 400] },
    },
    {
      name: "DELETE /graphql",
      request: () => ({ method: "DELETE", path: "/graphql", headers: bearer(keys.write) }),
      expect: { codes: ["BAD_REQUEST"], status: [405, 400] },
    },
    { name: "GET query without the CSRF preflight header", request: get("/graphql?query=%7B__typename%7D"), expect: BAD_REQUEST },
    {
      name: "GET with a mutation (deleteModel)",
      request: get(`/graphql?query=${encodeURIComponent('mutation { deleteModel(name: "fixture", version: 1) }')}`, "write", {
        "apollo-require-preflight": "1",
      }),
      expect: { codes: ["BAD_REQUEST"], status: [405, 400] },
    },
    {
      name: "GET with variables that are not JSON",
      request: get("/graphql?query=%7B__typename%7D&variables=%7Bnope", "write", { "apollo-require-preflight": "1" }),
      expect: bad("BAD_REQUEST", "BAD_USER_INPUT"),
    },
  ] satisfies Case[];
});

export const batchedArrays = group("batched arrays", () => [
  {
    name: "two queries in an array",
    request: raw(JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }])),
    expect: BAD_REQUEST,
  },
  {
    name: "one createModel in an array",
    request: raw(JSON.stringify([{ query: CREATE, variables: { input: { name: "victim" } } }])),
    expect: BAD_REQUEST,
  },
  {
    name: "1,000 createModels in an array",
    request: raw(JSON.stringify(Array.from({ length: 1000 }, () => ({ query: CREATE, variables: { input: { name: "victim" } } })))),
    expect: BAD_REQUEST,
  },
  { name: "nested arrays of operations", request: raw(JSON.stringify([[{ query: "{ __typename }" }]])), expect: BAD_REQUEST },
  { name: "array of nulls", request: raw("[null,null]"), expect: BAD_REQUEST },
  {
    name: "two createModels in one operation",
    request: gql(
      `mutation { a: createModel(input: { name: "victim" }) { version } b: createModel(input: { name: "victim2" }) { version } }`,
    ),
    expect: INVALID,
  },
]);
