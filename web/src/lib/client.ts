import { Client, fetchExchange, subscriptionExchange } from "urql";
import { cacheExchange, type Cache } from "@urql/exchange-graphcache";
import { createClient as createWsClient } from "graphql-ws";
import { ModelAliasesDocument, type AliasInfoFragment, type ModelEventsSubscription } from "../generated/graphql";
import { retryAfterExchange } from "./retry-after";
import { shownQueries } from "./shown-queries";
import { createThrottle, throttledFetch, type Throttle } from "./throttle";

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
/** Versions asked by alias (a deep link): an alias that moved or went names another. */
const invalidateByAlias = (cache: Cache) => invalidate(cache, (field) => field.fieldName === "model" && !!field.arguments?.alias);

/** An alias change: a mutation's answer (every field known), or an event (which does not say whether the alias is protected). */
type AliasChange =
  | { readonly kind: "set"; readonly alias: AliasInfoFragment }
  | { readonly kind: "moved"; readonly alias: string; readonly version: number }
  | { readonly kind: "removed"; readonly alias: string };

const byName = (a: AliasInfoFragment, b: AliasInfoFragment) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0);

/**
 * An alias change, this client's own (its mutation's answer) or anyone's (an
 * event), written into the family's cached alias list instead of asking for the
 * list again: asked again, the list is missing until the answer comes, so every
 * badge of the family page blinks off, and a page opened meanwhile shows its rows
 * before their badges. A set or moved alias takes its new version (the cached
 * object is keyed by project, name and alias); a new one joins the list in the
 * server's order (by name); a removed one leaves it. An event about an alias the
 * list does not hold (a new alias set elsewhere: whether it is protected is not
 * in the event) has that family's list asked again. A protection changed
 * elsewhere is no event of its own (the registry's events follow where aliases
 * point), so its padlock shows when the list is next asked: after a reload, or an
 * event about versions. A list not cached is asked whole when shown. Versions
 * asked by alias are asked again.
 */
function applyAliasChange(cache: Cache, project: string, name: string, change: AliasChange): void {
  const variables = { project, name };
  const alias = change.kind === "set" ? change.alias.alias : change.alias;
  // The event of this page's own setAlias can come before the mutation's answer, which then
  // writes the alias into the list: asking the whole list again for it would be a request for nothing.
  const ownPending = change.kind === "moved" && settingAliases.has(aliasKey(project, name, alias));
  let unknown = false;
  cache.updateQuery({ query: ModelAliasesDocument, variables }, (data) => {
    if (!data) return null;
    const all = data.modelAliases;
    const at = all.findIndex((a) => a.alias === alias);
    let next: AliasInfoFragment[];
    if (change.kind === "removed") next = all.filter((a) => a.alias !== alias);
    else if (change.kind === "set") next = at < 0 ? [...all, change.alias].sort(byName) : all.map((a, i) => (i === at ? change.alias : a));
    else if (at < 0) {
      unknown = !ownPending;
      return null;
    } else next = all.map((a, i) => (i === at ? { ...a, version: change.version } : a));
    return { ...data, modelAliases: next };
  });
  if (unknown) cache.invalidate("Query", "modelAliases", variables);
  invalidateByAlias(cache);
}

/** Aliases this page is setting now (`whileSettingAlias`), by `aliasKey`. */
const settingAliases = new Set<string>();
const aliasKey = (project: string, name: string, alias: string) => `${project}\n${name}\n${alias}`;

/** Runs `set` (a setAlias mutation of this page) with the alias known as this page's own until it answers. */
export async function whileSettingAlias<T>(project: string, name: string, alias: string, set: () => Promise<T>): Promise<T> {
  const key = aliasKey(project, name, alias);
  settingAliases.add(key);
  try {
    return await set();
  } finally {
    settingAliases.delete(key);
  }
}

/** A string argument of a mutation, as its updater is given it. */
const text = (args: Record<string, unknown>, key: string): string | undefined => {
  const value = args[key];
  return typeof value === "string" ? value : undefined;
};

/** Connection to this gateway's /graphql and its graphql-ws events, with the pasted key if any. */
export interface RegistryClient {
  readonly client: Client;
  /** The registry's last `Retry-After` (a rate limit, an outage), which every request waits out. */
  readonly throttle: Throttle;
  dispose(): void;
}

/**
 * One urql client per key: normalised caching (a `Model` is the same object in
 * every list, keyed by its id; a family by project and name), live events over
 * graphql-ws. A change to versions that an event or a deletion reports
 * invalidates the lists, so the views on screen fetch them again; an alias change
 * (an event, or this client's own) is written into the cached alias list
 * (`applyAliasChange`). When the events' connection comes back after a loss, the
 * views on screen ask their queries again (`shownQueries`). A 429 or 503 with a
 * `Retry-After` holds every request, and the events' reconnections, until it has
 * passed (`throttledFetch`), and the queries it refused are asked again then
 * (`retryAfterExchange`).
 */
/** Each client's way to ask the queries on screen again (`shownQueries`). */
const REFETCH_SHOWN = new WeakMap<Client, () => void>();

/** Asks every query on screen of the server again: what live events missed while they were off. */
export function refetchShown(client: Client): void {
  REFETCH_SHOWN.get(client)?.();
}

export function createRegistryClient(apiKey: string | null): RegistryClient {
  const authorization = apiKey ? `Bearer ${apiKey}` : undefined;
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const shown = shownQueries();
  const throttle = createThrottle();
  const ws = createWsClient({
    url: `${location.origin.replace(/^http/, "ws")}/graphql`,
    connectionParams: authorization ? { authorization } : {},
    // Tries again for as long as the page is open, at most about 5 s apart: graphql-ws gives up
    // after 5 tries (about 40 s), and a gateway down longer left the page without events for good.
    retryAttempts: Infinity,
    // Not before the registry's Retry-After (an HTTP answer's: a refused WebSocket handshake shows the page no status).
    retryWait: async (retries) => {
      await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** retries, 5) * 1000 + Math.random() * 1000));
      await throttle.wait();
    },
    // Connected again after losing the connection: the events sent meanwhile reached no one.
    on: {
      connected: (_socket, _payload, wasRetry) => {
        if (wasRetry) shown.refetch(client);
      },
    },
  });
  const client = new Client({
    url: "/graphql",
    // Apollo's CSRF prevention refuses GET queries without a preflight header: POST JSON.
    preferGetMethod: false,
    // Events keep the cache fresh only while a page listens (the family pages); a view shown
    // again after others (a version's page, the projects) shows what it cached at once and asks
    // the server too: a version created or deleted meanwhile sent its event to no one.
    requestPolicy: "cache-and-network",
    fetchOptions: { headers },
    fetch: throttledFetch(throttle),
    exchanges: [
      shown.exchange,
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
          Subscription: {
            modelEvents: (result, _args, cache) => {
              const event = (result as Partial<ModelEventsSubscription>).modelEvents;
              // An alias event changes one family's alias list, nothing else: no list of versions is asked again.
              if (event?.alias && (event.type === "ALIAS_SET" || event.type === "ALIAS_REMOVED")) {
                const change: AliasChange =
                  event.type === "ALIAS_SET"
                    ? { kind: "moved", alias: event.alias, version: event.version }
                    : { kind: "removed", alias: event.alias };
                applyAliasChange(cache, event.project, event.name, change);
              } else invalidateModels(cache);
            },
          },
          Mutation: {
            deleteModel: (_result, _args, cache) => invalidateModels(cache),
            setAlias: (result, _args, cache) => {
              const set = (result as { setAlias?: AliasInfoFragment | null }).setAlias;
              if (set) applyAliasChange(cache, set.project, set.name, { kind: "set", alias: set });
            },
            removeAlias: (_result, args, cache) => {
              const [project, name, alias] = [text(args, "project"), text(args, "name"), text(args, "alias")];
              if (project !== undefined && name !== undefined && alias !== undefined)
                applyAliasChange(cache, project, name, { kind: "removed", alias });
            },
          },
        },
      }),
      retryAfterExchange(throttle),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
  });
  REFETCH_SHOWN.set(client, () => shown.refetch(client));
  return { client, throttle, dispose: () => void ws.dispose() };
}
