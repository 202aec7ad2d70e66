// What every floor serves: the sorted first page, read by Homer's own store on SQLite
// or PostgreSQL (same driver, same statement cache or named prepared statements, the
// same SQL text and parameters as the gateway), behind a schema with just the fields
// the benchmark query selects. The floors differ only in their HTTP + GraphQL layer.
import { openPostgresStore } from "../../gateway/dist/storage/postgres/index.js";
import { openSqliteStore } from "../../gateway/dist/storage/sqlite/index.js";

export const SDL = `
type Query { models(name: String!, sortKey: String, first: Int): ModelPage! }
type ModelPage { nodes: [Model!]! }
type Model { version: Int!, metric(key: String!): Float }
`;

/**
 * The store at `target`: a PostgreSQL URL, opened as the gateway opens it (pool of 10,
 * prepared statements), or a SQLite file: on one connection on the event loop, as a
 * bare server reads it, or with `--readers=N` on N reader threads, as Homer does.
 */
async function openStore(target) {
  if (/^postgres(ql)?:\/\//.test(target)) return (await openPostgresStore(target)).metadata;
  const readers = Number(process.argv.find((a) => a.startsWith("--readers="))?.slice("--readers=".length) ?? 0);
  return openSqliteStore(target, { eventPollMs: 60_000, readers });
}

/** The resolvers for SDL, on Homer's store at `target` (graphql-js default resolvers do the rest). */
export async function openPageSource(target) {
  const store = await openStore(target);
  const models = async (_root, args) => {
    const first = args.first ?? 50;
    // What RegistryService.listModels asks of the store for this query: one row more
    // than the page (hasNextPage), metrics because `metric(key)` is selected, neither the
    // tags nor the description because they are not (the same statement as Homer's).
    const listed = await store.listModels({
      project: "default",
      name: args.name,
      sortKey: args.sortKey ?? null,
      direction: "DESC",
      limit: first + 1,
      after: null,
      parts: { metrics: true, files: false, skipTags: true, skipDescription: true },
    });
    return { nodes: listed.slice(0, first).map((l) => l.model) };
  };
  const metric = (model, args) => model.metrics.find((m) => m.key === args.key)?.value ?? null;
  return {
    store,
    /** graphql-js rootValue style (Query fields as functions of args). */
    resolvers: { Query: { models }, Model: { metric } },
  };
}

/** `node floor.mjs <sqlite file | postgres url>`: prints `listening <port>` on stdout once it serves. */
export function announce(port) {
  // Exit on SIGTERM (rather than die of it), so `node --cpu-prof` writes its profile.
  process.once("SIGTERM", () => process.exit(0));
  process.stdout.write(`listening ${port}\n`);
}

export const dbFileArg = () => {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node <floor>.mjs <sqlite file | postgres url> [--jit]");
  return file;
};
