// The floor: node:http + graphql-js, nothing else. Parsed and validated documents
// are kept by query text (bounded), as Apollo and the peers do.
import http from "node:http";
import { buildSchema, execute, parse, validate } from "graphql";
import { announce, dbFileArg, openPageSource, SDL } from "./shared.mjs";

const { resolvers } = await openPageSource(dbFileArg());
const schema = buildSchema(SDL);
// buildSchema has no resolvers: attach them to the fields.
for (const [type, fields] of Object.entries(resolvers)) {
  for (const [name, resolve] of Object.entries(fields)) schema.getType(type).getFields()[name].resolve = resolve;
}
const documents = new Map();

function documentOf(query) {
  let entry = documents.get(query);
  if (!entry) {
    const document = parse(query);
    const errors = validate(schema, document);
    entry = errors.length > 0 ? { errors } : { document };
    if (documents.size < 1000) documents.set(query, entry);
  }
  return entry;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => void answer(Buffer.concat(chunks), res));
});

async function answer(raw, res) {
  let result;
  try {
    const body = JSON.parse(raw.toString("utf8"));
    const entry = documentOf(body.query);
    result = entry.errors ? { errors: entry.errors } : await execute({ schema, document: entry.document, variableValues: body.variables });
  } catch (error) {
    result = { errors: [{ message: String(error?.message ?? error) }] };
  }
  const payload = JSON.stringify(result);
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => announce(server.address().port));
