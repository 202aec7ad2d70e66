import { Client, fetchExchange, subscriptionExchange } from "urql";
import { cacheExchange, type Cache } from "@urql/exchange-graphcache";
import { createClient as createWsClient } from "graphql-ws";

type QueryField = ReturnType<Cache["inspectFields"]>[number];

/** The Query fields `which` picks (with their arguments) asked again from the server when next shown. */
function invalidate(cache: Cache, which: (field: QueryField) => boolean): void {
  for (const field of cache.inspectFields("Query")) {
    if (which(field)) cache.invalidate("Query", field.fieldName, field.arguments ?? undefined);
  }
}

const MODEL_FIELDS: ReadonlySet<string> = new Set(["models", "modelFamilies", "model", "modelAliases"]);
/** Lists and versions the registry may have changed (an event, a deletion). */
const invalidateModels = (cache: Cache) => invalidate(cache, (field) => MODEL_FIELDS.has(field.fieldName));
/**
 * An alias set, moved or removed: a move changes two versions' badges and a new or
 * removed alias changes the list, so the alias lists (and versions asked by alias)
 * are asked again whole.
 */
const invalidateAliases = (cache: Cache) =>
  invalidate(cache, (field) => field.fieldName === "modelAliases" || (field.fieldName === "model" && !!field.arguments?.alias));

/** Connection to this gateway's /graphql and its graphql-ws events, with the pasted key if any. */
export interface RegistryClient {
  readonly client: Client;
  dispose(): void;
}

/**
 * One urql client per key: normalised caching (a `Model` is the same object in
 * every list, keyed by its id; a family by project and name), live events over
 * graphql-ws, and every change an event or a deletion reports invalidates the
 * lists, so the views on screen fetch them again.
 */
export function createRegistryClient(apiKey: string | null): RegistryClient {
  const authorization = apiKey ? `Bearer ${apiKey}` : undefined;
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const ws = createWsClient({
    url: `${location.origin.replace(/^http/, "ws")}/graphql`,
    connectionParams: authorization ? { authorization } : {},
  });
  const client = new Client({
    url: "/graphql",
    // Apollo's CSRF prevention refuses GET queries without a preflight header: POST JSON.
    preferGetMethod: false,
    fetchOptions: { headers },
    exchanges: [
      cacheExchange({
        keys: {
          Model: (model) => (model.id as string | undefined) ?? null,
          ModelFamily: (family) => `${family.project as string}/${family.name as string}`,
          Project: (project) => (project.name as string | undefined) ?? null,
          ModelFamilyConnection: () => null,
          ModelConnection: () => null,
          PageInfo: () => null,
          Metric: () => null,
          ModelFile: () => null,
          ModelSignature: () => null,
          SchemaField: () => null,
          ModelEvent: () => null,
          ModelAlias: (alias) => `${alias.project as string}/${alias.name as string}@${alias.alias as string}`,
          Lineage: () => null,
          LineageDataset: () => null,
          LineageRun: () => null,
          LineageProgram: () => null,
          ModelParent: () => null,
          DerivedModelConnection: () => null,
        },
        updates: {
          Subscription: { modelEvents: (_result, _args, cache) => invalidateModels(cache) },
          Mutation: {
            deleteModel: (_result, _args, cache) => invalidateModels(cache),
            setAlias: (_result, _args, cache) => invalidateAliases(cache),
            removeAlias: (_result, _args, cache) => invalidateAliases(cache),
          },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
